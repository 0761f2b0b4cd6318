"""The campaign pages guide a bureau through its round: steps done, the next one, and the
open button where the next step is; campaigns get short names that say what they are."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, County, Link
from survey.services.campaigns import create_campaign
from tests.helpers import csrf_of, login


def _steps(html: str) -> list[tuple[str, str]]:
    """(label, class) of each step shown."""
    return re.findall(r'<li class="([^"]*)"[^>]*><a [^>]*>\d\. ([^<]+)</a>', html)


def _next(html: str) -> str:
    return next(label for cls, label in _steps(html) if "next" in cls)


def test_a_new_campaign_leads_from_schools_to_an_open_button(app, client, demo, staff):
    with app.app_context():
        county = db.session.get(Campaign, demo).county
        fresh = create_campaign(county, "第二轮", link_mode="open").id
        db.session.commit()
    login(client, "admin")
    page = client.get(f"/console/campaigns/{fresh}").get_data(as_text=True)
    assert [label for _, label in _steps(page)] == [
        "学校",
        "目标",
        "链接与二维码",
        "开放",
        "监测",
        "报告",
    ]
    assert _next(page) == "学校" and "导入本次调查的学校名单" in page
    # the demo campaign's school list, taken over from the schools page
    copied = client.post(
        f"/console/campaigns/{fresh}/schools/copy",
        data={"csrf_token": csrf_of(client, "/console/"), "source": str(demo)},
        follow_redirects=True,
    )
    assert "新增 8 所" in copied.get_data(as_text=True)
    assert _next(client.get(f"/console/campaigns/{fresh}").get_data(as_text=True)) == "目标"
    with app.app_context():
        for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == fresh)):
            link.target = 5
        db.session.commit()
    page = client.get(f"/console/campaigns/{fresh}/targets").get_data(as_text=True)
    assert _next(page) == "链接与二维码"
    assert f'href="/console/campaigns/{fresh}/notices">打印全部学校的告知单' in page
    client.get(f"/console/campaigns/{fresh}/notices")
    page = client.get(f"/console/campaigns/{fresh}").get_data(as_text=True)
    assert _next(page) == "开放"
    # the open button is where the next step is: one click opens the campaign
    form = re.search(r'<form method="post" action="([^"]+/status)"[^>]*>.*?</form>', page, re.S)
    assert form and 'value="open"' in form.group(0)
    opened = client.post(
        form.group(1), data={"csrf_token": csrf_of(client, "/console/"), "status": "open"}
    )
    assert opened.status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, fresh).state() == "open"
    page = client.get(f"/console/campaigns/{fresh}").get_data(as_text=True)
    assert _next(page) == "监测"
    assert [cls for cls, _ in _steps(page)][:4] == ["done"] * 4


def test_the_guide_is_for_admins_only(client, demo, staff):
    login(client, "coord")
    assert "本轮调查的步骤" not in client.get(f"/console/campaigns/{demo}").get_data(as_text=True)


def test_short_names_say_county_year_and_round(app, client, demo, staff, campaign_form):
    login(client, "admin")
    made = []
    for name in ("2026年第一次自评", "2026年第二次自评"):
        form = {
            **campaign_form,
            "csrf_token": csrf_of(client, "/console/campaigns/new"),
            "name": name,
            "groups": ["parent", "student"],
            "opens_at": "2026-03-01T08:00",
        }
        assert client.post("/console/campaigns/new", data=form).status_code == 302
        with app.app_context():
            made.append(
                db.session.scalars(sa.select(Campaign.slug).order_by(Campaign.id.desc())).first()
            )
    assert made == ["shilixian-2026-1", "shilixian-2026-2"]
    with app.app_context():
        county = db.session.scalar(sa.select(County).where(County.name == "另一县"))
        assert create_campaign(county, "x").slug.startswith("lingyixian-20")
    zipped = client.get("/console/campaigns/2/qr.zip")
    assert "shilixian-2026-" in zipped.headers["Content-Disposition"]


def test_notice_settings_are_saved_from_the_campaign_form(app, client, demo, staff, campaign_form):
    login(client, "admin")
    url = f"/console/campaigns/{demo}/edit"
    form = {
        **campaign_form,
        "csrf_token": csrf_of(client, url),
        "organiser": "示例县教育局督导室",
        "contact": "0355-7654321",
        "purpose": "",
        "code_margin": "30",
    }
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        c = db.session.get(Campaign, demo)
        assert (c.organiser, c.contact, c.purpose, c.code_margin) == (
            "示例县教育局督导室",
            "0355-7654321",
            None,
            30,
        )
    bad = client.post(url, data={**form, "csrf_token": csrf_of(client, url), "code_margin": "500"})
    assert bad.status_code == 400 and "应在0到200之间" in bad.get_data(as_text=True)


def test_targets_come_filled_in_with_the_formulas_suggestion_until_set(app, client, demo, staff):
    login(client, "admin")
    url = f"/console/campaigns/{demo}/targets"
    page = client.get(url).get_data(as_text=True)
    values = re.findall(r'name="t-(\d+)"[^>]*value="(\d*)"', page)
    assert len(values) == 48 and all(v for _, v in values) and "建议目标及依据" in page
    saved = client.post(
        url, data={"csrf_token": csrf_of(client, url), **{f"t-{k}": v for k, v in values}}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(Link.campaign_id == demo, Link.target.is_(None))
            )
            == 0
        )
    assert "建议目标及依据" not in client.get(url).get_data(as_text=True)  # set: shown as saved
