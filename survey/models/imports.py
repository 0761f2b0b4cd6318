"""What an import from another survey platform leaves between its steps: the column mapping
confirmed for a form (used again for the next file of it) and the file waiting for that
confirmation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import db
from ..core.timeutil import utcnow


class ImportMapping(db.Model):
    """Which item each question column of a platform's export feeds, per county and form
    (the form is known by a digest of its question headers)."""

    __tablename__ = "import_mapping"
    __table_args__ = (sa.UniqueConstraint("county_id", "platform", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("county.id"))
    platform: Mapped[str] = mapped_column(sa.String(16))  #: "wjx" (问卷星)
    form_key: Mapped[str] = mapped_column(sa.String(64))
    #: question header -> "school", "group", an item code, or "" (not imported)
    columns: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportDraft(db.Model):
    """An uploaded export read and waiting for its mapping to be confirmed in the console.
    Holds the rows as read, with the network address already replaced by its salted hashes:
    no raw address is ever stored. Removed once imported or cancelled, or after a day."""

    __tablename__ = "import_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
