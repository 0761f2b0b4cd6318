"""Questionnaire versions imported from XLSForm at run time: checked, numbered, kept in the
database, and added to every process's registry (each looks for new ones at most every
DEFINITIONS_REFRESH_SECONDS), so every worker and host serves the same forms."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError, ProgrammingError

from questionnaires import Questionnaire, Registry
from questionnaires.loader import parse_questionnaire
from questionnaires.xlsform import read_xlsform

from ..core.database import db
from ..models import QuestionnaireDefinition
from . import audit

REFRESH_SECONDS = 30.0


def next_version(registry: Registry, code: str, wanted: int) -> int:
    """The XLSForm's own version for a new code; the next free one where the code exists."""
    known = [v for c, v in registry.versions if c == code]
    return max(known) + 1 if known else wanted


def import_xlsform(registry: Registry, data: bytes, code: str | None = None) -> Questionnaire:
    """Read, check and keep an XLSForm as a new version (XLSFormError names every problem);
    the registry serves it at once, other processes within REFRESH_SECONDS. Audited; the
    caller commits."""
    definition = read_xlsform(data, code)
    definition["version"] = next_version(registry, definition["code"], definition["version"])
    q = parse_questionnaire(definition, f"XLSForm {definition['code']}")
    db.session.add(QuestionnaireDefinition(code=q.code, version=q.version, body=definition))
    db.session.flush()
    registry.versions[(q.code, q.version)] = q
    audit.record("questionnaire.import", f"questionnaire {q.code}", version=q.version)
    return q


def refresh(registry: Registry, force: bool = False) -> None:
    """Add the versions other processes imported; at most once per REFRESH_SECONDS."""
    state = current_app.extensions.setdefault("definitions_checked", {"at": 0.0})
    now = time.monotonic()
    if not force and now - state["at"] < REFRESH_SECONDS:
        return
    state["at"] = now
    try:
        with db.engine.connect() as conn:  # its own short read: the caller's session untouched
            rows = conn.execute(
                sa.select(
                    QuestionnaireDefinition.code,
                    QuestionnaireDefinition.version,
                    QuestionnaireDefinition.body,
                )
            ).all()
    except (OperationalError, ProgrammingError):  # no schema yet (before init-db)
        return
    for code, version, body in rows:
        if (code, version) not in registry.versions:
            registry.versions[(code, version)] = parse_questionnaire(body, f"stored {code}")
