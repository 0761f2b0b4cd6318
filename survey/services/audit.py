"""Write the audit log: every admin change, with who, when and what."""

from __future__ import annotations

from flask_login import current_user

from ..core.database import db
from ..models import AuditEntry


def record(action: str, target: str = "", county_id: int | None = None, **detail) -> None:
    """Add an audit entry to the current transaction (the caller commits)."""
    user = current_user if getattr(current_user, "is_authenticated", False) else None
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            county_id=county_id if county_id is not None else (user.county_id if user else None),
            action=action,
            target=target,
            detail=detail or None,
        )
    )
