"""Staff sessions kept on the server: each browser that signs in gets a row, and ending a row
signs that browser out at once, whatever its cookie says.

The signed Flask session cookie carries a random token; the row's id is its SHA-256. A request
is signed in only while its row is open, seen within SESSION_IDLE_MINUTES and younger than
SESSION_MAX_HOURS. Sign-out, a password change or reset, deactivation and a role change end
every open row of the account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, session

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import StaffSession, User

KEY = "sid"
TOUCH_SECONDS = 60  #: last_seen_at is written at most this often per session


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    """Open a session for a user who has just signed in (the caller commits)."""
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(id=_digest(token), user_id=user.id))
    session.clear()
    session[KEY] = token
    session.permanent = True


def current_user_of(user_id: str) -> User | None:
    """The signed-in user of this request, if its session row is open and fresh."""
    token = session.get(KEY)
    if not token or not user_id.isdigit():
        return None
    row = db.session.get(StaffSession, _digest(token))
    if row is None or row.ended_at is not None or str(row.user_id) != user_id:
        return None
    now = utcnow()
    config = current_app.config
    if now - row.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        _end(row, "idle", now)
        return None
    if now - row.created_at > timedelta(hours=config["SESSION_MAX_HOURS"]):
        _end(row, "expired", now)
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if (now - row.last_seen_at).total_seconds() > TOUCH_SECONDS:
        row.last_seen_at = now
        db.session.commit()
    return user


def _end(row: StaffSession, reason: str, now) -> None:
    row.ended_at, row.end_reason = now, reason
    db.session.commit()


def end_current(reason: str = "logout") -> None:
    """End this browser's session (the caller commits)."""
    token = session.pop(KEY, None)
    if token:
        row = db.session.get(StaffSession, _digest(token))
        if row is not None and row.ended_at is None:
            row.ended_at, row.end_reason = utcnow(), reason


def end_all(user: User, reason: str) -> int:
    """End every open session of an account (the caller commits); how many were open."""
    result = db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount
