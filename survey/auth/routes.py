"""Sign-in and sign-out for bureau staff."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..core.database import db
from ..core.extensions import limiter, login_manager
from ..models import User
from .forms import LoginForm
from .service import authenticate, safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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
        if result.user is not None:
            login_user(result.user)
            return redirect(target)
        error, status = result.error, 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error, next=target), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
