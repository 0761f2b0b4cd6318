"""Stored answers: one row per respondent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import db

SOURCES = ("web", "paper", "import")


class Response(db.Model):
    """One respondent's submitted questionnaire. No names, phones or raw IPs."""

    __table_args__ = (
        sa.CheckConstraint("source IN ('web', 'paper', 'import')", name="source_known"),
        #: keyset pages of one campaign's responses in id order (exports)
        sa.Index("ix_response_campaign_id_id", "campaign_id", "id"),
        #: the report's comment pages walk only the answers that carry a comment
        sa.Index(
            "ix_response_commented",
            "campaign_id",
            "id",
            sqlite_where=sa.text("has_comment"),
            postgresql_where=sa.text("has_comment"),
        ),
        #: counts per class (answers through class links only: the rest pay nothing)
        sa.Index(
            "ix_response_class_id",
            "class_id",
            "group",
            sqlite_where=sa.text("class_id IS NOT NULL"),
            postgresql_where=sa.text("class_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    #: the link it came through (web); None for imported answers
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("link.id"))
    #: the class of a class link (None: a school-wide link, or imported)
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_class.id"))
    #: respondent group (the identity answer where the form asks it)
    group: Mapped[str] = mapped_column(sa.String(12))
    questionnaire: Mapped[str] = mapped_column(sa.String(40))
    questionnaire_version: Mapped[int]
    #: item code -> option code (single choice) or text (open comment)
    answers: Mapped[dict] = mapped_column(sa.JSON)
    #: whether an open comment was written (the comment pages' index holds only these)
    has_comment: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the language the form was answered in (None: zh-Hans, or not known: imported)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    #: the answers as one character per single-choice item (Questionnaire.encode_vector)
    vector: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime]
    #: seconds from the form being served to its submission
    duration_seconds: Mapped[float | None]
    #: made by the server when it serves the form, carried in its signed ticket (an import:
    #: the file digest and row), so a form sent twice is stored once
    submission_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: 'web', 'paper' or 'import'
    source: Mapped[str] = mapped_column(sa.String(8), default="web")
    #: where an imported sheet came from on its platform (问卷星's 来源: 微信, 手机提交…)
    source_detail: Mapped[str | None] = mapped_column(sa.String(40))
    #: the device: salted hash of network address and user agent (web), or of the file's
    #: network label (import); screens duplicates and coached schools
    network: Mapped[str | None] = mapped_column(sa.String(64))
    #: salted hash of the network address alone (IPv4, or an IPv6 /64): screens bursts, so a
    #: changed User-Agent does not make one phone look like many
    address: Mapped[str | None] = mapped_column(sa.String(64))
    access_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("access_code.id"), unique=True)
