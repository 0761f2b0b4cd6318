"""Sign-in, sign-out and password change for bureau staff."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from ..core.database import db
from ..core.extensions import limiter, login_manager
from ..models import User
from ..services import audit
from . import sessions, totp
from .accounts import AccountRefused, set_password
from .forms import CodeForm, LoginForm, PasswordForm
from .service import LOCKED, authenticate, claim_try, clear_tries, safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return sessions.current_user_of(user_id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LOGIN_PER_ADDRESS"], methods=["POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("console.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data)
        user = result.user
        audit.record(
            "auth.login",
            "",
            county_id=result.county_id,
            result="ok" if user else result.result,
            actor=form.username.data.strip()[:64],
            user_id=user.id if user else None,
        )
        if user is not None and user.totp_secret:
            totp.hold(user)  # the password was right; the code comes next
            db.session.commit()
            return redirect(url_for("auth.second_factor", next=target))
        if user is not None:
            sessions.start(user)
            login_user(user)
            db.session.commit()
            return redirect(target)
        db.session.commit()
        error, status = result.error, 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error, next=target), status


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LOGIN_PER_ADDRESS"], methods=["POST"])
def second_factor():
    """The authenticator code after a right password (sign-in step two)."""
    target = safe_next(request.values.get("next"), url_for("console.index"))
    user_id = totp.held_user_id()
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.totp_secret:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error, status = None, 200
    if form.validate_on_submit():
        if not claim_try(user.username):
            error, result = LOCKED, "locked"
        elif totp.code_ok(user.totp_secret, form.code.data):
            clear_tries(user.username)
            audit.record(
                "auth.totp", "", county_id=user.county_id, actor=user.username, user_id=user.id
            )
            sessions.start(user)
            login_user(user)
            db.session.commit()
            return redirect(target)
        else:
            error, result = "验证码不正确或已过期。", "wrong"
        audit.record(
            "auth.totp",
            "",
            county_id=user.county_id,
            result=result,
            actor=user.username,
            user_id=user.id,
        )
        db.session.commit()
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/code.html", form=form, error=error, next=target), status


@bp.route("/totp", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Add an authenticator app: scan the code, type one six-digit code to confirm."""
    user = current_user._get_current_object()
    secret = session.get("totp_new") or totp.new_secret()
    session["totp_new"] = secret
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if totp.code_ok(secret, form.code.data):
            user.totp_secret = secret
            session.pop("totp_new", None)
            audit.record("user.totp_on", f"user {user.id}", username=user.username)
            db.session.commit()
            flash("已启用身份验证器，以后登录需输入验证码。")
            return redirect(url_for("console.index"))
        form.code.errors = ["验证码不正确，请确认手机时间准确后重试"]
        status = 400
    return render_template(
        "auth/totp.html", form=form, secret=secret, qr=totp.qr_svg(user, secret)
    ), status


@bp.post("/logout")
@login_required
def logout():
    audit.record("auth.logout")
    sessions.end_current("logout")
    logout_user()
    db.session.commit()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Everyone's own password; after an admin's reset, the first page after sign-in."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors = ["当前密码不正确"]
            audit.record("user.password_change", f"user {current_user.id}", result="refused")
            db.session.commit()
            return render_template("auth/password.html", form=form), 400
        user = current_user._get_current_object()
        try:
            set_password(user, form.new.data)
        except AccountRefused as exc:
            form.new.errors = [str(exc)]
            return render_template("auth/password.html", form=form), 400
        sessions.start(user)  # every other browser is signed out; this one stays in
        login_user(user)
        db.session.commit()
        flash("密码已修改，其他设备上的登录已全部退出。")
        return redirect(safe_next(request.args.get("next"), url_for("console.index")))
    if form.errors:
        status = 400
    return render_template("auth/password.html", form=form), status
