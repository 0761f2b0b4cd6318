"""The storage path: exactly once per submission id, even under concurrent retries."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import Link, ResponseTally
from survey.services.responses import store_response
from tests.helpers import complete_answers, link_token, questionnaire_for, response_count


def _store(app, token, q, sid, submitted_at=None, session_open=True):
    """Store through the caller's open session (as the demo and code-mode submits do), or
    with no session in use (as a web submit of a cached link does)."""
    with app.app_context():
        link = db.session.scalar(sa.select(Link).where(Link.token == token))
        if not session_open:
            link = SimpleNamespace(
                id=link.id,
                group=link.group,
                campaign_id=link.campaign_id,
                school_id=link.school_id,
                class_id=link.class_id,
            )
            db.session.remove()
        result = store_response(
            link=link,
            questionnaire=q,
            answers=complete_answers(q, link.group),
            submission_id=sid,
            started_at=utcnow(),
            submitted_at=submitted_at,
        )
        db.session.remove()
        return result


def _tallies(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(ResponseTally.group, ResponseTally.hour, ResponseTally.n)
        ).all()
        db.session.remove()
        return [tuple(r) for r in rows]


@pytest.mark.parametrize("session_open", [True, False])
def test_same_submission_id_stored_once(app, demo, session_open):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    first = _store(app, token, q, "a" * 32, session_open=session_open)
    second = _store(app, token, q, "a" * 32, session_open=not session_open)
    assert first.created and not second.created and first.response_id == second.response_id
    assert response_count(app) == 1
    assert [n for _, _, n in _tallies(app)] == [1]  # the retry is not counted again


def test_tally_counts_the_hour_of_submission(app, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    for minute, sid in ((5, "a"), (59, "b"), (0, "c")):
        _store(app, token, q, sid * 32, datetime(2026, 11, 24, 20 + (sid == "c"), minute, 7, 12))
    assert sorted(_tallies(app)) == [
        ("parent", datetime(2026, 11, 24, 20), 2),
        ("parent", datetime(2026, 11, 24, 21), 1),
    ]


@pytest.mark.parametrize("session_open", [True, False])
def test_concurrent_retries_store_one_row(app, demo, session_open):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    sids = [uuid.uuid4().hex for _ in range(5)]
    results, errors = [], []

    def worker(sid):
        try:
            results.append(_store(app, token, q, sid, session_open=session_open))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(sid,)) for sid in sids for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert response_count(app) == 5
    assert sum(r.created for r in results) == 5
    assert len({r.response_id for r in results}) == 5
    assert sum(n for _, _, n in _tallies(app)) == 5


def test_the_database_counts_every_stored_row_whatever_stores_it(app, demo):
    """The tally is kept by the database (trigger response_counted): rows inserted by plain
    SQL, as a bulk load or a restore of single rows would, are counted in their hour; a row
    refused by the unique submission id is not."""
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    _store(app, token, q, "a" * 32, datetime(2026, 11, 24, 20, 5, 7, 12))
    with app.app_context():
        link = db.session.scalar(sa.select(Link).where(Link.token == token))
        insert = sa.text(
            'INSERT INTO response (campaign_id, school_id, link_id, "group", questionnaire,'
            " questionnaire_version, answers, submitted_at, submission_id, source)"
            " VALUES (:c, :s, :l, 'parent', :q, 1, '{}', :at, :sid, 'import')"
        ).bindparams(sa.bindparam("at", type_=sa.DateTime()))
        base = {"c": link.campaign_id, "s": link.school_id, "l": link.id, "q": q.code}
        with db.engine.begin() as conn:
            for sid, at in (("b", datetime(2026, 11, 24, 20, 59)), ("c", datetime(2026, 11, 25))):
                conn.execute(insert, {**base, "sid": sid * 32, "at": at})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(insert, {**base, "sid": "c" * 32, "at": datetime(2026, 11, 25, 1)})
        db.session.remove()
    assert sorted(_tallies(app)) == [
        ("parent", datetime(2026, 11, 24, 20), 2),
        ("parent", datetime(2026, 11, 25, 0), 1),
    ]
    assert response_count(app) == 3
