"""Kept counts of responses per school, group and hour, so monitoring never scans answers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import db


class ResponseTally(db.Model):
    """How many responses a school × group received in one clock hour (UTC)."""

    __table_args__ = (sa.UniqueConstraint("campaign_id", "school_id", "group", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    group: Mapped[str] = mapped_column(sa.String(12))
    #: start of the hour, naive UTC
    hour: Mapped[datetime]
    n: Mapped[int] = mapped_column(default=0)
