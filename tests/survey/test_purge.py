"""Purging a finished campaign: answers gone, counts and the report kept, the act logged."""

from __future__ import annotations

import sqlalchemy as sa

from survey.core.database import db
from survey.models import AuditEntry, Campaign, Response, ResponseTally
from survey.services.demo import simulate_responses
from tests.helpers import csrf_of, login, response_count


def _purge(client, demo, confirm):
    token = csrf_of(client, f"/console/campaigns/{demo}/edit")
    return client.post(
        f"/console/campaigns/{demo}/purge", data={"csrf_token": token, "confirm": confirm}
    )


def _close(app, demo):
    with app.app_context():
        db.session.get(Campaign, demo).status = "closed"
        db.session.commit()


def test_purge_removes_answers_keeps_counts_and_report_and_is_logged(app, demo, staff):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 120, seed=7)
        tallied = db.session.scalar(sa.select(sa.func.sum(ResponseTally.n)))
    client = app.test_client()
    login(client, "admin")
    before = client.get(f"/console/campaigns/{demo}/report").get_data(as_text=True)
    assert _purge(client, demo, "wrong").status_code == 302
    assert response_count(app) == 120  # an open campaign is never purged, nor a typo
    _purge(client, demo, "demo-2026")
    assert response_count(app) == 120
    _close(app, demo)
    with app.app_context():
        slug = db.session.get(Campaign, demo).slug
    resp = _purge(client, demo, slug)
    assert resp.status_code == 302
    assert response_count(app) == 0
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        assert campaign.purged_at and campaign.final_report["responses"] == 120
        assert db.session.scalar(sa.select(sa.func.sum(ResponseTally.n))) == tallied
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "campaign.purge")
        ).one()
        assert entry.detail == {"removed": 120} and entry.user_id == staff["admin"]
    after = client.get(f"/console/campaigns/{demo}/report")
    html = after.get_data(as_text=True)
    assert after.status_code == 200 and "答卷已于" in html
    rate = before.split("全县", 1)[1].split("</b>", 1)[0]
    assert rate in html  # the same headline figure as before the purge
    assert "120" in client.get(f"/console/campaigns/{demo}").get_data(as_text=True)
    export = client.get(f"/console/campaigns/{demo}/export.csv")
    assert export.status_code == 410 and "答卷已清除" in export.get_data(as_text=True)
    again = _purge(client, demo, slug)
    assert again.status_code == 302 and response_count(app) == 0


def test_only_an_admin_of_the_county_can_purge(app, demo, staff):
    _close(app, demo)
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 10, seed=1)
        slug = db.session.get(Campaign, demo).slug
    # other roles are refused (403); an admin of another county does not see the campaign (404)
    for user, status in (("analyst", 403), ("coord", 403), ("other", 404)):
        client = app.test_client()
        login(client, user)
        token = csrf_of(client, "/console/")
        resp = client.post(
            f"/console/campaigns/{demo}/purge", data={"csrf_token": token, "confirm": slug}
        )
        assert resp.status_code == status, user
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 10
