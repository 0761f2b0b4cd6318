"""Uploaded exports waiting for their mapping to be confirmed (ImportDraft): kept per user and
campaign, with addresses already hashed, and gone once imported, cancelled or a day old."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import Campaign, ImportDraft
from .wjx import WjxFile

KEEP = timedelta(days=1)


def keep(campaign: Campaign, user_id: int, filename: str, found: WjxFile) -> str:
    """Store a read export for the confirmation step; its token. Older drafts go."""
    db.session.execute(sa.delete(ImportDraft).where(ImportDraft.created_at < utcnow() - KEEP))
    token = secrets.token_urlsafe(24)
    db.session.add(
        ImportDraft(
            token=token,
            campaign_id=campaign.id,
            user_id=user_id,
            filename=filename[:200],
            body=found.to_json(),
        )
    )
    return token


def find(campaign: Campaign, user_id: int, token: str) -> ImportDraft | None:
    """The user's own draft for this campaign, if still kept."""
    return db.session.scalar(
        sa.select(ImportDraft).where(
            ImportDraft.token == token[:43],
            ImportDraft.campaign_id == campaign.id,
            ImportDraft.user_id == user_id,
            ImportDraft.created_at >= utcnow() - KEEP,
        )
    )


def drop(draft: ImportDraft) -> None:
    db.session.delete(draft)
