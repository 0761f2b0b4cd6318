"""Paper sheets: the numbers printed on them, and their double entry (two operators type the
same batch blind; differences are settled before anything is stored)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import db
from ..core.timeutil import utcnow


class PaperNumbers(db.Model):
    """The last sheet number printed for a school × group: every printed sheet carries a
    number of its own, so a sheet is entered and stored once."""

    __tablename__ = "paper_numbers"
    __table_args__ = (sa.UniqueConstraint("school_id", "group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    group: Mapped[str] = mapped_column(sa.String(12))
    last: Mapped[int] = mapped_column(default=0)


class PaperPrint(db.Model):
    """One printing of a school × group's sheets: their numbers and the questionnaire version
    printed on them, so sheets are typed against the form they carry even after the
    questionnaire has changed."""

    __tablename__ = "paper_print"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    group: Mapped[str] = mapped_column(sa.String(12))
    first: Mapped[int]
    last: Mapped[int]
    version: Mapped[int]
    printed_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntryBatch(db.Model):
    """A stack of paper sheets of one school × group, typed twice by two operators."""

    __tablename__ = "entry_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    group: Mapped[str] = mapped_column(sa.String(12))
    #: the questionnaire version its sheets were printed with (None: the current one)
    version: Mapped[int | None]
    label: Mapped[str] = mapped_column(sa.String(80))
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the operator of each pass (set by the first sheet typed in it) and when it was finished
    first_operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    second_operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    first_done_at: Mapped[datetime | None]
    second_done_at: Mapped[datetime | None]
    #: settled differences: "sheet number|item code" -> [first value, second value, chosen]
    #: (a settlement holds only while both passes still read as they did)
    settled: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    stored_at: Mapped[datetime | None]
    stored_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: sheets stored and differences settled, kept once the typed sheets are gone
    stored_sheets: Mapped[int | None]
    settled_count: Mapped[int | None]

    school = relationship("School")
    sheets: Mapped[list[EntrySheet]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="EntrySheet.number"
    )


class EntrySheet(db.Model):
    """One paper sheet as one operator typed it (pass 1 or 2); deleted once stored."""

    __tablename__ = "entry_sheet"
    __table_args__ = (sa.UniqueConstraint("batch_id", "pass_no", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("entry_batch.id"), index=True)
    pass_no: Mapped[int]
    number: Mapped[int]
    #: item code -> option code or text, as checked (comments redacted)
    answers: Mapped[dict] = mapped_column(sa.JSON)
    entered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    batch: Mapped[EntryBatch] = relationship(back_populates="sheets")
