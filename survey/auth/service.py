"""Sign-in rules: password check, lockout after repeated failures, safe redirects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import User

MAX_FAILURES = 5
LOCK_MINUTES = 15
#: compared against when the user does not exist, so both paths cost one hash check
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummys$" + "0" * 128


@dataclass(frozen=True)
class SignIn:
    user: User | None
    error: str | None


def authenticate(username: str, password: str) -> SignIn:
    """Check a password; count failures and lock the account for a while after too many."""
    from werkzeug.security import check_password_hash

    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    now = utcnow()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return SignIn(None, "用户名或密码错误。")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignIn(None, f"登录失败次数过多，账户已临时锁定，请 {minutes} 分钟后再试。")
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        db.session.commit()
        return SignIn(None, "用户名或密码错误。")
    if not user.active:
        return SignIn(None, "账户已停用，请联系教育局管理员。")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return SignIn(user, None)


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to go to after sign-in; anything else falls back to default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
