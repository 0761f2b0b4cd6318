"""Staff accounts and the audit log (admins of a county)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import roles
from ..auth.accounts import AccountRefused, set_active, set_password, set_role
from ..auth.service import unlock
from ..core.database import db
from ..core.timeutil import CST, format_local, utcnow
from ..models import ROLES, AuditEntry, User
from ..services import audit
from ..web.labels import AUDIT_ACTIONS, AUDIT_RESULTS, audit_detail
from ..web.spreadsheet import csv_bytes
from .blueprint import bp
from .forms import UserForm


@bp.route("/users", methods=["GET", "POST"])
@roles("admin")
def users():
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        name = form.username.data.strip()
        if db.session.scalar(sa.select(User.id).where(User.username == name)):
            form.username.errors = ["该用户名已存在"]
            status = 400
        else:
            user = User(
                username=name,
                role=form.role.data,
                county_id=current_user.county_id,
                school_code=(form.school_code.data or "").strip() or None,
            )
            if user.role != "coordinator":
                user.school_code = None
            user.set_password(form.password.data)
            user.must_change_password = True  # the admin chose it: the user sets their own
            db.session.add(user)
            db.session.flush()
            audit.record(
                "user.create",
                f"user {user.id}",
                username=name,
                role=user.role,
                school_code=user.school_code,
            )
            db.session.commit()
            flash(f"已创建用户 {name}。")
            return redirect(url_for(".users"))
    elif form.errors:
        status = 400
    people = db.session.scalars(
        sa.select(User).where(User.county_id == current_user.county_id).order_by(User.username)
    ).all()
    return render_template("console/users.html", form=form, people=people, roles=ROLES), status


def _own_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.county_id != current_user.county_id:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/unlock")
@roles("admin")
def unlock_user(user_id: int):
    user = _own_user(user_id)
    unlock(user.username)
    audit.record("user.unlock", f"user {user.id}", username=user.username)
    db.session.commit()
    flash(f"已解锁 {user.username}。")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/reset")
@roles("admin")
def reset_user_password(user_id: int):
    """A temporary password the user must change at the next sign-in."""
    user = _own_user(user_id)
    return _change(
        lambda: set_password(user, request.form.get("password", ""), by_admin=True),
        f"未重置 {user.username} 的密码",
        f"已重置 {user.username} 的密码；其登录已全部退出，下次登录须修改密码。",
    )


@bp.post("/users/<int:user_id>/active")
@roles("admin")
def set_user_active(user_id: int):
    user = _own_user(user_id)
    active = request.form.get("active") == "1"
    return _change(
        lambda: set_active(user, active, by=current_user),
        f"未修改 {user.username}",
        f"已{'启用' if active else '停用'} {user.username}。",
    )


@bp.post("/users/<int:user_id>/role")
@roles("admin")
def set_user_role(user_id: int):
    user = _own_user(user_id)
    return _change(
        lambda: set_role(
            user, request.form.get("role", ""), request.form.get("school_code"), by=current_user
        ),
        f"未修改 {user.username}",
        f"已修改 {user.username} 的角色；其登录已全部退出。",
    )


def _change(change, refused: str, done: str):
    """Apply an account change; say what happened on the users page."""
    try:
        change()
    except AccountRefused as exc:
        flash(f"{refused}：{exc}")
        return redirect(url_for(".users"))
    db.session.commit()
    flash(done)
    return redirect(url_for(".users"))


AUDIT_PAGE = 200


def _audit_query():
    """The county's entries, filtered by the page's action, user, result and date fields."""
    args = request.args
    q = sa.select(AuditEntry).where(AuditEntry.county_id == current_user.county_id)
    if args.get("action") in AUDIT_ACTIONS:
        q = q.where(AuditEntry.action == args["action"])
    if args.get("actor"):
        q = q.where(AuditEntry.actor == args["actor"].strip()[:64])
    if args.get("result") in AUDIT_RESULTS:
        q = q.where(AuditEntry.result == args["result"])
    for key, op in (("from", "__ge__"), ("to", "__lt__")):
        try:
            day = datetime.strptime(args.get(key, ""), "%Y-%m-%d")
        except ValueError:
            continue
        bound = day if key == "from" else day + timedelta(days=1)
        q = q.where(
            getattr(AuditEntry.at, op)(
                bound.replace(tzinfo=CST).astimezone(UTC).replace(tzinfo=None)
            )
        )
    return q.order_by(AuditEntry.id.desc())


@bp.get("/audit")
@roles("admin")
def audit_log():
    page = max(1, request.args.get("page", 1, type=int))
    entries = db.session.scalars(
        _audit_query().offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE + 1)
    ).all()
    return render_template(
        "console/audit.html",
        entries=entries[:AUDIT_PAGE],
        more=len(entries) > AUDIT_PAGE,
        page=page,
        actions=AUDIT_ACTIONS,
        results=AUDIT_RESULTS,
        detail=audit_detail,
    )


@bp.get("/audit.csv")
@roles("admin")
def audit_csv():
    """The filtered entries as CSV (all of them, oldest first)."""
    rows = [["编号", "时间（北京时间）", "用户", "操作", "对象", "结果", "详情", "哈希"]]
    for e in reversed(db.session.scalars(_audit_query()).all()):
        rows.append(
            [
                e.id,
                format_local(e.at, "%Y-%m-%d %H:%M:%S"),
                e.actor or "命令行",
                AUDIT_ACTIONS.get(e.action, e.action),
                e.target,
                AUDIT_RESULTS.get(e.result, e.result),
                audit_detail(e.detail),
                e.hash or "",
            ]
        )
    audit.record("download.audit", "audit_log", entries=len(rows) - 1)
    db.session.commit()
    name = quote(f"操作日志-{format_local(utcnow(), '%Y%m%d-%H%M')}.csv")
    return Response(
        csv_bytes(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )
