"""Sign-in rules: the password check, a lock per user name and address, safe redirects.

Every attempt first claims a try in one atomic upsert on (user name, address hash), whether the
account exists or not, so concurrent wrong passwords cannot pass the limit and an unknown name
is answered exactly like a known one. The lock holds for that name from that address only: a
stranger elsewhere cannot lock the real user out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.dialects import postgresql, sqlite

from ..core.database import db
from ..core.privacy import address_hash
from ..core.timeutil import utcnow
from ..models import LoginAttempt, User

MAX_FAILURES = 5
LOCK_MINUTES = 15
#: compared against when the user does not exist, so both paths cost one hash check
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummys$" + "0" * 128
WRONG = "用户名或密码错误。"
LOCKED = f"登录失败次数过多，请 {LOCK_MINUTES} 分钟后再试。"


@dataclass(frozen=True)
class SignIn:
    user: User | None
    error: str | None
    result: str  #: ok, wrong, locked, inactive
    county_id: int | None = None  #: the account's county, where the name is known (for the audit)


@cache
def _claim_statement(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    t = LoginAttempt.__table__
    stmt = insert(t).values(
        username=sa.bindparam("username"),
        address=sa.bindparam("address"),
        failures=1,
        updated_at=sa.bindparam("now"),
    )
    locked = sa.and_(t.c.locked_until.is_not(None), t.c.locked_until > sa.bindparam("now"))
    return stmt.on_conflict_do_update(
        index_elements=["username", "address"],
        set_={
            "failures": sa.case((locked, t.c.failures), else_=t.c.failures + 1),
            "updated_at": stmt.excluded.updated_at,
        },
    ).returning(t.c.failures, t.c.locked_until)


def _key(username: str) -> tuple[str, str]:
    address = address_hash(request.remote_addr, current_app.config["NETWORK_SALT"]) or "-"
    return username.strip().lower()[:64], address


def _claim(name: str, address: str, now) -> bool:
    """Count this try; False when the pair is locked (or this try locks it)."""
    failures, locked_until = db.session.execute(
        _claim_statement(db.engine.dialect.name), {"username": name, "address": address, "now": now}
    ).one()
    if locked_until is not None and locked_until > now:
        db.session.commit()
        return False
    if failures > MAX_FAILURES:
        db.session.execute(
            sa.update(LoginAttempt)
            .where(LoginAttempt.username == name, LoginAttempt.address == address)
            .values(failures=0, locked_until=now + timedelta(minutes=LOCK_MINUTES))
        )
        db.session.commit()
        return False
    db.session.commit()
    return True


def claim_try(username: str) -> bool:
    """Count one try of a name from this address (a password or a second-factor code)."""
    name, address = _key(username)
    return _claim(name, address, utcnow())


def clear_tries(username: str) -> None:
    name, _ = _key(username)
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == name))


def authenticate(username: str, password: str) -> SignIn:
    """Check a password: one claimed try, one hash check, the same words for any failure."""
    from werkzeug.security import check_password_hash

    name, address = _key(username)
    now = utcnow()
    if not _claim(name, address, now):
        return SignIn(None, LOCKED, "locked")
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == name))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return SignIn(None, WRONG, "wrong")
    if not user.check_password(password):
        return SignIn(None, WRONG, "wrong", user.county_id)
    if not user.active:
        return SignIn(None, "账户已停用，请联系教育局管理员。", "inactive", user.county_id)
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == name))
    user.last_login_at = now
    db.session.commit()
    return SignIn(user, None, "ok", user.county_id)


def unlock(username: str) -> int:
    """Lift every lock on a user name (the caller commits)."""
    name = username.strip().lower()
    return db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == name)).rowcount


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
