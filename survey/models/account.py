"""Staff accounts of a county bureau and the audit log of what they changed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.database import db
from ..core.timeutil import utcnow
from .campaign import County

#: role -> label
ROLES = {"admin": "教育局管理员", "coordinator": "学校联络员", "analyst": "数据分析员"}


class User(UserMixin, db.Model):
    """A bureau admin, a school coordinator (one school code) or an analyst."""

    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'coordinator', 'analyst')", name="role_known"),
        sa.CheckConstraint(
            "role != 'coordinator' OR school_code IS NOT NULL", name="coordinator_has_school"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: scrypt hash from werkzeug.security
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(12))
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("county.id"), index=True)
    #: coordinators: the code of the one school they look after (in every campaign of the county)
    school_code: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    #: consecutive failed sign-ins; reset on success
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    #: set by an admin's reset: the next sign-in goes to the change-password page first
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: base32 TOTP secret of a confirmed authenticator app (None: password only)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(32))

    county: Mapped[County] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class StaffSession(db.Model):
    """A signed-in browser of a staff account. The cookie holds a random token; this row holds
    its SHA-256, so a stolen database opens no session. Ended rows stay for the audit."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  #: sha256 of the token
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    #: logout, password, reset, deactivated, role, idle, expired
    end_reason: Mapped[str | None] = mapped_column(sa.String(16))


class LoginAttempt(db.Model):
    """Failed sign-ins of one user name from one address (a salted hash), whether or not the
    account exists: the lock applies to that pair only, and looks the same for any name."""

    __tablename__ = "login_attempt"

    username: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(db.Model):
    """Who changed what, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: the county whose data changed (admins see their county's entries)
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("county.id"), index=True)
    #: e.g. campaign.create, schools.import, targets.update, user.create
    action: Mapped[str] = mapped_column(sa.String(40))
    #: what it was done to, e.g. "campaign 3"
    target: Mapped[str] = mapped_column(sa.String(120), default="")
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    #: ok, refused or failed
    result: Mapped[str] = mapped_column(sa.String(12), default="ok")
    #: the user name as typed (sign-in failures have no user id)
    actor: Mapped[str | None] = mapped_column(sa.String(64))
    #: SHA-256 over this entry and the previous entry's hash: an edited or deleted row breaks
    #: the chain (flask --app survey audit-verify)
    hash: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User | None] = relationship()
