"""Skip logic on the 社会卷: parents are asked the parent items, deputies the deputy item; an item
not asked is never required, never stored, and not counted in the analysis."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Link, Response, School
from survey.services.campaigns import create_campaign, ensure_links
from tests.helpers import complete_answers, hidden_fields, questionnaire_for

PARENT_ITEMS = ("JZ01", "JZ02", "JZ03")


@pytest.fixture
def national(app, demo):
    """An open campaign of the national three forms: parents at a school, deputies and the
    public on the county-wide link, all answering the 社会卷."""
    with app.app_context():
        county = db.session.get(Campaign, demo).county
        campaign = create_campaign(
            county, "国家认定三卷", layout="national_2024", county_links=True
        )
        campaign.status = "open"
        campaign.speed_floor = 0
        campaign.schools.append(
            School(code="N001", name="青山小学", stage="primary", location="urban", enrolment=500)
        )
        db.session.flush()
        ensure_links(campaign)
        db.session.commit()
        return campaign.id


@pytest.fixture
def answer(app, national):
    """answer(group, drop=(), n=0, **extra) -> the response to posting that group's sheet."""

    def post(group: str, drop=(), n: int = 0, **extra):
        with app.app_context():
            token = db.session.scalar(
                sa.select(Link.token).where(Link.campaign_id == national, Link.group == group)
            )
        q = questionnaire_for(app, national, group)
        phone = app.test_client()
        env = {"REMOTE_ADDR": f"10.9.{n}.{len(group)}"}
        html = phone.get(f"/s/{token}", environ_base=env).get_data(as_text=True)
        answers = {k: v for k, v in complete_answers(q, group).items() if k not in drop}
        return phone.post(
            f"/s/{token}", data={**hidden_fields(html), **answers, **extra}, environ_base=env
        )

    return post


def _stored(app) -> list[dict]:
    with app.app_context():
        return [r for (r,) in db.session.execute(sa.select(Response.answers))]


def test_a_deputy_submits_without_the_parent_items(app, client, national, answer):
    with app.app_context():
        token = db.session.scalar(
            sa.select(Link.token).where(Link.campaign_id == national, Link.group == "deputy")
        )
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert "（学生家长填写）" in page and "data-if=" in page  # in words without script
    sent = answer("deputy", drop=PARENT_ITEMS)
    assert sent.status_code == 303
    (stored,) = _stored(app)
    assert "RD01" in stored and not set(PARENT_ITEMS) & set(stored)


def test_an_answer_to_an_item_not_asked_is_not_stored(app, answer):
    sent = answer("public", JZ01="1", RD01="2")  # sent anyway, by a stale page or by hand
    assert sent.status_code == 303
    (stored,) = _stored(app)
    assert "JZ01" not in stored and "RD01" not in stored and stored["ID"] == "4"


def test_a_parent_without_the_parent_items_gets_the_form_back(app, answer):
    sent = answer("parent", drop=PARENT_ITEMS)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 422 and 'id="e-JZ01"' in page and "请选择一项" in page
    assert 'id="e-RD01"' not in page  # a deputy's item is not asked of a parent
    assert _stored(app) == []
    assert answer("deputy", drop=("RD01",)).status_code == 422  # the deputy's own item is


def test_items_not_asked_are_left_out_of_the_analysis(app, runner, national, answer):
    for n in range(6):
        assert answer("parent", n=n).status_code == 303
    for n in range(4):
        assert answer("deputy", n=n).status_code == 303
    out = runner.invoke(args=["analyze", str(national), "--json"])
    items = {(r["item"], r["group"]): r for r in json.loads(out.output)["items"]}
    assert items[("JZ01", "parent")]["n"] == 6
    assert ("JZ01", "deputy") not in items or items[("JZ01", "deputy")]["n"] == 0
    assert items[("RD01", "deputy")]["n"] == 4
    assert items[("SJ01", "deputy")]["n"] == 4 and items[("SJ01", "parent")]["n"] == 6
