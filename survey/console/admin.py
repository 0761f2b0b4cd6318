"""Staff accounts and the audit log (admins of a county)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import roles
from ..core.database import db
from ..models import AuditEntry, User
from ..services import audit
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
    return render_template("console/users.html", form=form, people=people), status


@bp.post("/users/<int:user_id>/unlock")
@roles("admin")
def unlock_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or user.county_id != current_user.county_id:
        abort(404)
    user.locked_until = None
    user.failed_logins = 0
    audit.record("user.unlock", f"user {user.id}", username=user.username)
    db.session.commit()
    flash(f"已解锁 {user.username}。")
    return redirect(url_for(".users"))


@bp.get("/audit")
@roles("admin")
def audit_log():
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.county_id == current_user.county_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(500)
    ).all()
    return render_template("console/audit.html", entries=entries)
