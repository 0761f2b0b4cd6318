"""The analysis kept while nothing behind it changes: served again without recomputing, never
stale after a new answer, a settings change, a renamed school, a new target or a purge."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey.core.database import db
from survey.models import AnalysisCache, Campaign, Link, School
from survey.reports import data
from survey.services.demo import simulate_responses
from tests.helpers import login


def _answers(app, demo, n: int, seed: int) -> None:
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), n, seed=seed)
        db.session.commit()


def _analyse(app, demo) -> dict:
    with app.app_context():
        return data.cached_analysis(db.session.get(Campaign, demo))


def test_a_report_opened_again_is_not_recomputed(app, client, demo, staff, monkeypatch):
    _answers(app, demo, 120, 1)
    login(client, "admin")
    first = client.get(f"/console/campaigns/{demo}/report")
    assert first.status_code == 200

    def refuse(*args, **kwargs):
        raise AssertionError("recomputed although nothing changed")

    monkeypatch.setattr(data, "run_analysis", refuse)
    again = client.get(f"/console/campaigns/{demo}/report")
    stamp = re.compile(r"生成于 [^（]*（北京时间）|name=\"csrf_token\" value=\"[^\"]*\"")
    assert again.status_code == 200
    assert stamp.sub("", again.get_data(as_text=True)) == stamp.sub(
        "", first.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalysisCache)) == 1


def test_every_input_change_gives_a_fresh_document(app, demo):
    _answers(app, demo, 100, 2)
    before = _analyse(app, demo)
    assert before["responses"] == 100
    _answers(app, demo, 7, 3)  # new answers
    assert _analyse(app, demo)["responses"] == 107
    with app.app_context():  # a settings change
        db.session.get(Campaign, demo).threshold = 0.9
        db.session.commit()
    assert _analyse(app, demo)["threshold"] == 0.9
    with app.app_context():  # a renamed school
        school = db.session.scalar(sa.select(School).where(School.code == "4101010001"))
        school.name = "城关一小（新校名）"
        db.session.commit()
    names = {r["school_name"] for r in _analyse(app, demo)["school_totals"]}
    assert "城关一小（新校名）" in names
    with app.app_context():  # a new target
        link = db.session.scalars(sa.select(Link).where(Link.campaign_id == demo)).first()
        link.target = 500
        db.session.commit()
        key_with = data.analysis_key(db.session.get(Campaign, demo), None, None, None)
        link.target = None
        db.session.commit()
        assert data.analysis_key(db.session.get(Campaign, demo), None, None, None) != key_with
        kept = db.session.scalar(sa.select(sa.func.count()).select_from(AnalysisCache))
    assert 1 <= kept <= data.CACHE_KEEP


def test_a_purge_takes_the_kept_documents_with_it(app, client, demo, staff):
    from survey.services.purge import purge_answers

    _answers(app, demo, 50, 4)
    _analyse(app, demo)
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        campaign.status = "closed"
        db.session.commit()
        purge_answers(campaign)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalysisCache)) == 0
