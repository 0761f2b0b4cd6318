"""Staff account changes: passwords, resets, deactivation, roles. Each is audited and ends the
account's open sessions where the account's rights change."""

from __future__ import annotations

from ..core.timeutil import utcnow
from ..models import ROLES, User
from ..services import audit
from . import sessions
from .passwords import password_problem


class AccountRefused(ValueError):
    """A change the rules do not allow; the message is for the user (Chinese)."""


def set_password(user: User, new: str, *, by_admin: bool = False, reason: str = "password"):
    """Set a password that meets the policy; an admin's reset makes the user change it at the
    next sign-in. Ends every session of the account (the caller commits)."""
    problem = password_problem(new, user.username)
    if problem:
        raise AccountRefused(problem)
    if user.check_password(new):
        raise AccountRefused("新密码不能与当前密码相同")
    user.set_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = by_admin
    ended = sessions.end_all(user, "reset" if by_admin else reason)
    _audit(user, "user.password_reset" if by_admin else "user.password_change", ended)


def set_active(user: User, active: bool, by: User | None = None) -> None:
    if by is not None and by.id == user.id and not active:
        raise AccountRefused("不能停用自己的账户")
    if user.active == active:
        return
    user.active = active
    ended = 0 if active else sessions.end_all(user, "deactivated")
    _audit(user, "user.activate" if active else "user.deactivate", ended)


def set_role(user: User, role: str, school_code: str | None, by: User | None = None) -> None:
    if by is not None and by.id == user.id:
        raise AccountRefused("不能修改自己的角色")
    if role not in ROLES:
        raise AccountRefused("未知的角色")
    school_code = (school_code or "").strip() or None
    if role == "coordinator" and not school_code:
        raise AccountRefused("学校联络员必须指定学校代码")
    if role != "coordinator":
        school_code = None
    if (user.role, user.school_code) == (role, school_code):
        return
    before = {"role": user.role, "school_code": user.school_code}
    user.role, user.school_code = role, school_code
    ended = sessions.end_all(user, "role")
    _audit(
        user, "user.role", ended, before=before, after={"role": role, "school_code": school_code}
    )


def _audit(user: User, action: str, sessions_ended: int, **detail) -> None:
    audit.record(
        action,
        f"user {user.id}",
        county_id=user.county_id,
        username=user.username,
        sessions_ended=sessions_ended,
        **detail,
    )
