"""The storage path: exactly once per submission id, even under concurrent retries."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Link
from survey.responses import store_response
from survey.timeutil import utcnow
from tests.conftest import complete_answers, link_token, questionnaire_for, response_count


def _store(app, token, q, sid):
    with app.app_context():
        link = db.session.scalar(sa.select(Link).where(Link.token == token))
        result = store_response(
            link=link,
            questionnaire=q,
            answers=complete_answers(q, link.group),
            submission_id=sid,
            started_at=utcnow(),
        )
        db.session.remove()
        return result


def test_same_submission_id_stored_once(app, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    first = _store(app, token, q, "a" * 32)
    second = _store(app, token, q, "a" * 32)
    assert first.created and not second.created and first.response_id == second.response_id
    assert response_count(app) == 1


def test_concurrent_retries_store_one_row(app, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    sids = [uuid.uuid4().hex for _ in range(5)]
    results, errors = [], []

    def worker(sid):
        try:
            results.append(_store(app, token, q, sid))
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
