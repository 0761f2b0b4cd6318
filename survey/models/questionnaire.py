"""Questionnaire versions imported at run time, beside the definitions shipped as files."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import db
from ..core.timeutil import utcnow


class QuestionnaireDefinition(db.Model):
    """A questionnaire version imported at run time (an XLSForm from the console or the CLI),
    kept in the database so every worker and host serves the same forms."""

    __tablename__ = "questionnaire_definition"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int]
    #: the definition in the project's JSON format (questionnaires/loader.py)
    body: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
