"""A bureau's Word template for its dossier documents: its styles, page setup, headers and
footers; the system writes the content."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import db
from ..core.timeutil import utcnow


class DossierTemplate(db.Model):
    __tablename__ = "dossier_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("county.id"), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
