"""Papercuts a bureau met in its first round (issue 15: respondent and console items)."""

from __future__ import annotations

import re
from datetime import timedelta

from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import Campaign
from tests.helpers import csrf_of, link_token, login


def _set(app, demo, **values):
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        for key, value in values.items():
            setattr(campaign, key, value)
        db.session.commit()


def test_a_closed_page_is_never_cached(app, client, demo):
    token = link_token(app, demo, "parent")
    _set(app, demo, status="closed")
    resp = client.get(f"/s/{token}")
    assert resp.status_code == 410 and resp.headers["Cache-Control"] == "no-store"


def test_not_yet_open_shows_a_start_time_only_while_it_lies_ahead(app, client, demo):
    token = link_token(app, demo, "parent")
    _set(app, demo, status="draft", opens_at=utcnow() - timedelta(days=2))
    past = client.get(f"/s/{token}").get_data(as_text=True)
    assert "还没有开始" in past and "开始时间" not in past
    _set(app, demo, status="open", opens_at=utcnow() + timedelta(days=2))
    ahead = client.get(f"/s/{token}").get_data(as_text=True)
    assert "还没有开始" in ahead and "开始时间" in ahead


def test_a_coordinator_is_told_no_access_in_chinese(client, staff):
    login(client, "coord")
    resp = client.get("/console/users")
    assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True)


def test_the_two_navigations_have_their_own_names(client, demo, staff):
    login(client, "admin")
    html = client.get(f"/console/campaigns/{demo}").get_data(as_text=True)
    labels = re.findall(r'<nav[^>]*aria-label="([^"]+)"', html)
    assert len(labels) == html.count("<nav") == 2 and len(set(labels)) == 2


def test_the_threshold_is_typed_as_a_percentage(app, client, demo, staff, campaign_form):
    login(client, "admin")
    url = f"/console/campaigns/{demo}/edit"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'name="threshold"[^>]*value="85(\.0)?"', page)
    form = {**campaign_form, "csrf_token": csrf_of(client, url), "threshold": "90"}
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, demo).threshold == 0.9


def test_closing_a_live_campaign_asks_for_confirmation(app, client, demo, staff):
    login(client, "admin")
    url = f"/console/campaigns/{demo}/status"
    token = csrf_of(client, f"/console/campaigns/{demo}/edit")
    hasty = client.post(url, data={"csrf_token": token, "status": "closed"})
    assert hasty.status_code == 302 and hasty.headers["Location"].endswith("/edit")
    with app.app_context():
        assert db.session.get(Campaign, demo).status == "open"
    assert "请先勾选" in client.get(hasty.headers["Location"]).get_data(as_text=True)
    sure = client.post(url, data={"csrf_token": token, "status": "closed", "confirm": "1"})
    assert sure.status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, demo).status == "closed"


def test_the_hourly_chart_names_the_day_of_each_hour(app, client, demo, staff):
    from survey.services.demo import simulate_responses

    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 40, seed=3)
        db.session.commit()
    login(client, "admin")
    html = client.get(f"/console/campaigns/{demo}").get_data(as_text=True)
    axis = [
        "".join(re.findall(r">([^<]*)</tspan>", label))
        for label in re.findall(r'class="lbl" text-anchor="middle">(.*?)</text>', html)
    ]
    assert len(axis) == 8 and len(set(axis)) == 8  # 48 hours, one label every 6, none repeated
    assert all(re.fullmatch(r"\d{1,2}日\d\d时", a) for a in axis)
    assert re.search(r"<title>\d{1,2}月\d{1,2}日 \d\d时: \d+</title>", html)
