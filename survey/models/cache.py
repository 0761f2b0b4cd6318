"""Analysis documents kept for as long as the answers and settings behind them are unchanged."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import db
from ..core.timeutil import utcnow


class AnalysisCache(db.Model):
    """One campaign's analysis for one key: a digest of everything the document depends on
    (the answers stored so far, the settings, the schools, targets and the report's scope), so
    a changed input is a different key and a stale document is never read."""

    __table_args__ = (sa.UniqueConstraint("campaign_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    document: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
