"""Monitoring: counts move with answers, lagging schools first, Excel download, CLI JSON."""

from __future__ import annotations

import io
import json

import openpyxl
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Link, Response, ResponseTally, School
from survey.services.demo import simulate_responses
from tests.helpers import login


def _set_targets(app, demo, value):
    with app.app_context():
        for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == demo)):
            link.target = value
        db.session.commit()


def test_tallies_equal_stored_responses(app, demo):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 120, seed=5)
        stored = dict(
            db.session.execute(
                sa.select(Response.school_id, sa.func.count()).group_by(Response.school_id)
            ).all()
        )
        kept = dict(
            db.session.execute(
                sa.select(ResponseTally.school_id, sa.func.sum(ResponseTally.n)).group_by(
                    ResponseTally.school_id
                )
            ).all()
        )
    assert stored == {k: int(v) for k, v in kept.items()} and sum(stored.values()) == 120


def test_progress_json_and_lagging_first(app, runner, demo):
    _set_targets(app, demo, 5)
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        simulate_responses(campaign, 60, seed=2)
    out = runner.invoke(args=["progress", "demo-2026", "--json"])
    rows = json.loads(out.output)
    assert len(rows) == 48
    assert set(rows[0]) == {
        "school_code",
        "school_name",
        "county",
        "group",
        "group_name",
        "target",
        "responses",
        "completion",
    }
    assert sum(r["responses"] for r in rows) == 60
    per_school = {}
    for r in rows:
        per_school.setdefault(r["school_code"], []).append(min(r["responses"], 5))
    order = list(dict.fromkeys(r["school_code"] for r in rows))
    done = [sum(per_school[c]) for c in order]
    assert done == sorted(done)


def test_dashboard_excel_download(app, client, demo, staff):
    _set_targets(app, demo, 10)
    login(client, "analyst")
    resp = client.get(f"/console/campaigns/{demo}/progress.xlsx")
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    sheet = book.active
    assert sheet.cell(1, 1).value == "学校代码"
    assert sheet.max_row == 9


def test_coordinator_dashboard_counts_only_their_school(app, client, demo, staff):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 80, seed=3)
        own = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .join(School)
            .where(School.code == "4101010001")
        )
    login(client, "coord")
    html = client.get(f"/console/campaigns/{demo}?fragment=1").get_data(as_text=True)
    assert f'<b id="total-count">{own}</b>' in html
    assert html.count("<tr><td>") == 1
