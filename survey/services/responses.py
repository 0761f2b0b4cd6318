"""The one storage path for answers: web submissions, the demo and every import use it.

`build_row` makes the stored row of an answer sheet (redacted, its group decided, its answer
vector encoded); `store_response` stores one exactly once per submission id (the web, the
demo), `store_batch` many in the caller's transaction, all or none (imports). The database
counts what they store in the tallies (counts.py). Answers are checked before, by
questionnaires.answers.check_answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from questionnaires import Questionnaire

from ..core.database import db
from ..core.privacy import redact_answers
from ..core.timeutil import utcnow
from ..models import AccessCode, Response


class CodeAlreadyUsed(Exception):
    """The one-time access code has been used by another response."""


@dataclass(frozen=True)
class Stored:
    response_id: int
    created: bool  #: False when the submission id was stored before (a retry)


class LinkRef(Protocol):
    """What storing needs of a link: a Link row, a cached snapshot of one, or where an
    imported answer sheet belongs (id None: its school has no link for that group)."""

    id: int | None
    group: str
    campaign_id: int
    school_id: int
    class_id: int | None


def respondent_group(
    link: LinkRef, questionnaire: Questionnaire, answers: Mapping[str, str]
) -> str:
    """The identity answer's group where the form asks it, else the link's group."""
    item = questionnaire.identity_item
    if item is not None:
        opt = item.option(answers.get(item.code, ""))
        if opt is not None and opt.group:
            return opt.group
    return link.group


def find_by_submission(submission_id: str) -> int | None:
    return db.session.scalar(sa.select(Response.id).where(Response.submission_id == submission_id))


_INSERT = sa.insert(Response.__table__)
_CLAIM = (
    sa.update(AccessCode.__table__)
    .where(AccessCode.__table__.c.id == sa.bindparam("code_id"))
    .where(AccessCode.__table__.c.used_at.is_(None))
    .values(used_at=sa.bindparam("at"))
)


class DuplicateBatch(Exception):
    """A batch holds a submission id stored before (the same file imported twice)."""


def build_row(
    *,
    link: LinkRef,
    questionnaire: Questionnaire,
    answers: Mapping[str, str],
    submission_id: str,
    started_at: datetime | None = None,
    source: str = "web",
    source_detail: str | None = None,
    network: str | None = None,
    address: str | None = None,
    access_code_id: int | None = None,
    submitted_at: datetime | None = None,
    duration_seconds: float | None = None,
    language: str | None = None,
) -> dict:
    """The response row of one answer sheet."""
    submitted_at = submitted_at or utcnow()
    if duration_seconds is None and started_at is not None:
        duration_seconds = max(0.0, (submitted_at - started_at).total_seconds())
    answers = redact_answers(questionnaire, answers)  # no phone number typed into a comment
    return {
        "campaign_id": link.campaign_id,
        "school_id": link.school_id,
        "link_id": link.id,
        "class_id": link.class_id,
        "group": respondent_group(link, questionnaire, answers),
        "questionnaire": questionnaire.code,
        "questionnaire_version": questionnaire.version,
        "answers": answers,
        "has_comment": any(answers.get(it.code) for it in questionnaire.text_items),
        "vector": questionnaire.encode_vector(answers),
        "started_at": started_at,
        "submitted_at": submitted_at,
        "duration_seconds": duration_seconds,
        "submission_id": submission_id,
        "source": source,
        "source_detail": source_detail,
        "network": network,
        "address": address,
        "access_code_id": access_code_id,
        "language": language,
    }


def store_batch(rows: list[dict]) -> int:
    """Insert rows made by build_row, in the session's transaction (the caller commits).
    Raises DuplicateBatch, with the session rolled back, if any was stored before."""
    try:
        db.session.execute(_INSERT, rows)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateBatch from None
    return len(rows)


def store_response(
    *,
    link: LinkRef,
    questionnaire: Questionnaire,
    answers: Mapping[str, str],
    submission_id: str,
    started_at: datetime | None,
    source: str = "web",
    network: str | None = None,
    address: str | None = None,
    access_code: AccessCode | None = None,
    submitted_at: datetime | None = None,
    duration_seconds: float | None = None,
    language: str | None = None,
) -> Stored:
    """Store one response exactly once per submission id, in a transaction of its own.

    A retry of a stored submission returns the stored row (created=False): the insert is
    tried first and the unique constraint on submission_id decides, so a first submission
    costs no extra lookup. The row and the claim of its access code are written in one short
    transaction (the row's tally is counted by the insert itself, counts.py). A caller whose
    session has begun a transaction (it looked up an access code, say) has it finished by this
    one, on the same connection; otherwise the statements run on a connection of their own,
    not through the ORM session, and on PostgreSQL a response without an access code is one
    statement in autocommit.
    Raises CodeAlreadyUsed when the access code went to another response.
    """
    row = build_row(
        link=link,
        questionnaire=questionnaire,
        answers=answers,
        submission_id=submission_id,
        started_at=started_at,
        source=source,
        network=network,
        address=address,
        access_code_id=access_code.id if access_code else None,
        submitted_at=submitted_at,
        duration_seconds=duration_seconds,
        language=language,
    )
    engine = db.engine
    try:
        if _session_in_transaction():  # the caller's session has begun: finish it with this
            response_id = _write(db.session.connection(), row, access_code)
            db.session.commit()
        elif access_code is None and engine.dialect.name == "postgresql":
            # one statement (see _write), atomic on its own: no BEGIN and COMMIT round trips.
            # SQLite keeps its transaction: it has no round trips to save, and switching a
            # pooled connection to autocommit and back costs more than BEGIN and COMMIT.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                response_id = _write(conn, row, None)
        else:
            with engine.begin() as conn:
                response_id = _write(conn, row, access_code)
    except (IntegrityError, CodeAlreadyUsed):
        db.session.rollback()
        existing = find_by_submission(submission_id)
        if existing is not None:
            return Stored(existing, False)
        if access_code is not None:  # the code went to a concurrent submission
            raise CodeAlreadyUsed(access_code.code) from None
        raise
    return Stored(response_id, True)


def _write(conn: sa.Connection, row: dict, access_code: AccessCode | None) -> int:
    """Claim the access code and insert the row (its tally counts itself), on `conn`."""
    if access_code is not None:
        claimed = conn.execute(_CLAIM, {"code_id": access_code.id, "at": row["submitted_at"]})
        if claimed.rowcount != 1:
            raise CodeAlreadyUsed(access_code.code)
    return conn.execute(_INSERT, row).inserted_primary_key[0]


def _session_in_transaction() -> bool:
    """Whether this request's session exists and has begun (without creating one)."""
    return db.session.registry.has() and db.session().in_transaction()
