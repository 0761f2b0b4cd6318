"""The respondent page through HTTP: render, submit once, validate, refuse politely."""

from __future__ import annotations

import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from questionnaires import GROUPS
from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import Campaign, Link, Response
from tests.helpers import (
    complete_answers,
    hidden_fields,
    link_token,
    questionnaire_for,
    response_count,
)

ALL_GROUPS = list(GROUPS)


def _layout(app, campaign_id, layout):
    """Switch the demo campaign to a layout (before any answers arrive)."""
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        forms = app.extensions["questionnaires"].layouts[layout].forms
        campaign.layout = layout
        campaign.forms = {g: forms[g] for g in campaign.groups}
        db.session.commit()


def _open_form(client, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


@pytest.fixture(params=["six_forms", "national_2024"])
def layout(request, app, demo):
    _layout(app, demo, request.param)
    return request.param


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_complete_submission_is_stored_once(app, client, demo, layout, group):
    token = link_token(app, demo, group)
    q = questionnaire_for(app, demo, group)
    html = _open_form(client, token)
    assert 'lang="zh-CN"' in html and q.title in html
    data = {**hidden_fields(html), **complete_answers(q, group)}

    first = client.post(f"/s/{token}", data=data)
    assert first.status_code == 303 and first.headers["Location"].endswith(f"/s/{token}/thanks")
    assert response_count(app, campaign_id=demo) == 1

    again = client.post(f"/s/{token}", data=data, follow_redirects=True)
    assert again.status_code == 200 and "提交成功" in again.get_data(as_text=True)
    assert response_count(app, campaign_id=demo) == 1

    with app.app_context():
        row = db.session.scalars(sa.select(Response)).one()
        assert row.group == group
        assert row.questionnaire == q.code and row.questionnaire_version == q.version
        assert row.source == "web" and row.submitted_at and row.started_at
        assert row.answers == complete_answers(q, group)
        assert row.vector == q.encode_vector(row.answers)
        asked = [i for i in q.choice_items if i.code in row.answers]  # skip logic leaves some
        assert row.vector.count(".") == len(q.choice_items) - len(asked)
        assert len(row.network) == 32 and "127.0.0.1" not in row.network


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_missing_required_item_keeps_answers_and_stores_nothing(app, client, demo, layout, group):
    token = link_token(app, demo, group)
    q = questionnaire_for(app, demo, group)
    data = {**hidden_fields(_open_form(client, token)), **complete_answers(q, group, 1)}
    skipped = q.scored_items[2].code
    kept = q.scored_items[3]
    del data[skipped]

    resp = client.post(f"/s/{token}", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "请选择一项" in html and 'id="e-' + skipped + '"' in html
    assert (
        f'id="{kept.code}-{data[kept.code]}" name="{kept.code}" value="{data[kept.code]}" checked'
        in html
    )
    assert response_count(app) == 0


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_cross_site_post_is_400_and_keeps_answers(app, client, demo, layout, group):
    """A ticket posted from a browser without its key (a cross-site post, or cookies lost) is
    refused with every answer kept; the page it returns carries a ticket for this browser
    with the same submission id, so the answers are stored once whoever sends them."""
    token = link_token(app, demo, group)
    q = questionnaire_for(app, demo, group)
    original = hidden_fields(_open_form(client, token))["ticket"]
    other = app.test_client()  # no key cookie
    resp = other.post(f"/s/{token}", data={"ticket": original, **complete_answers(q, group)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "页面已过期" in html and "checked" in html and 'data-fresh="1"' in html
    assert resp.headers["Cache-Control"] == "no-store"
    assert response_count(app) == 0
    fresh = hidden_fields(html)["ticket"]
    assert fresh != original
    assert (
        other.post(f"/s/{token}", data={"ticket": fresh, **complete_answers(q, group)}).status_code
        == 303
    )
    assert response_count(app) == 1
    # the first browser sending its own ticket now is the same submission: still one response
    sent = client.post(f"/s/{token}", data={"ticket": original, **complete_answers(q, group)})
    assert sent.status_code == 303
    assert response_count(app) == 1


def test_post_without_key_cookie_is_refused(app, client, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    fields = hidden_fields(_open_form(client, token))
    client.delete_cookie("svk", path="/s/")
    resp = client.post(f"/s/{token}", data={**fields, **complete_answers(q, "parent")})
    assert resp.status_code == 400 and "svk=" in resp.headers["Set-Cookie"]
    assert response_count(app) == 0


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_unknown_token_is_404(client, demo, group):
    for method in (client.get, client.post):
        resp = method(f"/s/no-such-{group}-link")
        assert resp.status_code == 404
    resp = client.get(f"/s/no-such-{group}-link")
    assert resp.status_code == 404 and "没有找到这个问卷链接" in resp.get_data(as_text=True)


def test_unknown_token_post_with_csrf_is_404(app, client, demo):
    token = link_token(app, demo, "parent")
    fields = hidden_fields(_open_form(client, token))
    resp = client.post("/s/unknown-token", data=fields)
    assert resp.status_code == 404


def test_invalid_option_is_rejected(app, client, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    data = {**hidden_fields(_open_form(client, token)), **complete_answers(q, "parent")}
    data[q.scored_items[0].code] = "7"
    resp = client.post(f"/s/{token}", data=data)
    assert resp.status_code == 422 and "所选答案无效" in resp.get_data(as_text=True)
    assert response_count(app) == 0


def _teacher_form(app, client, demo) -> tuple[str, dict]:
    """A teacher link's token and a complete answer set with the served form's ticket."""
    token = link_token(app, demo, "teacher")
    q = questionnaire_for(app, demo, "teacher")
    return token, {**hidden_fields(_open_form(client, token)), **complete_answers(q, "teacher")}


def test_forged_ticket_is_refused_and_answers_kept(app, client, demo):
    token, data = _teacher_form(app, client, demo)
    data["ticket"] = data["ticket"][:-3] + "xyz"
    resp = client.post(f"/s/{token}", data=data)
    assert resp.status_code == 400 and "checked" in resp.get_data(as_text=True)
    assert response_count(app) == 0


def test_ticket_payload_cannot_be_edited(app, client, demo):
    token, data = _teacher_form(app, client, demo)
    sid, served, link, version, key, sig = data["ticket"].split(".")
    data["ticket"] = ".".join([sid, str(int(served) + 3600), link, version, key, sig])
    assert client.post(f"/s/{token}", data=data).status_code == 400
    assert response_count(app) == 0


def test_ticket_in_the_older_json_form_still_submits_once(app, client, demo):
    """A form served before the dotted ticket format keeps its submission id."""
    token, data = _teacher_form(app, client, demo)
    sid, served, link, version, key, _ = data["ticket"].split(".")
    legacy = URLSafeSerializer(app.config["SECRET_KEY"], salt="survey-ticket")
    data["ticket"] = legacy.dumps([sid, int(served), int(link), int(version), key])
    assert client.post(f"/s/{token}", data=data).status_code == 303
    assert client.post(f"/s/{token}", data=data).status_code == 303  # a retry
    assert response_count(app) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Response.submission_id)) == sid


def test_ticket_of_another_link_is_refused(app, client, demo):
    a, b = link_token(app, demo, "parent"), link_token(app, demo, "public")
    q = questionnaire_for(app, demo, "public")
    ticket_a = hidden_fields(_open_form(client, a))["ticket"]
    data = {**hidden_fields(_open_form(client, b)), **complete_answers(q, "public")}
    data["ticket"] = ticket_a
    assert client.post(f"/s/{b}", data=data).status_code == 400
    assert response_count(app) == 0


def test_second_person_on_same_browser_is_told_already_submitted(app, client, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    stale = hidden_fields(_open_form(client, token))
    fresh = hidden_fields(_open_form(client, token))
    assert (
        client.post(f"/s/{token}", data={**fresh, **complete_answers(q, "parent")}).status_code
        == 303
    )

    page = client.get(f"/s/{token}")
    assert page.status_code == 200 and "已经提交过" in page.get_data(as_text=True)
    other = client.post(f"/s/{token}", data={**stale, **complete_answers(q, "parent", 2)})
    assert other.status_code == 409
    assert response_count(app) == 1


def _cookie_lifetime(resp, name: str) -> tuple[int, float]:
    """A Set-Cookie header's Max-Age, and its Expires date as epoch seconds."""
    (header,) = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    attrs = dict(part.partition("=")[::2] for part in header.split("; ")[1:])
    return int(attrs["Max-Age"]), parsedate_to_datetime(attrs["Expires"]).timestamp()


def test_survey_cookies_expire_when_their_max_age_says_whenever_they_are_set(
    app, client, demo, monkeypatch
):
    """Browsers that read only Expires keep the key and the answered mark as long as Max-Age
    says, counted from the moment each cookie is set (the date is formatted once a second)."""
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    days = app.config["RESPONSE_COOKIE_DAYS"]
    with app.app_context():
        answered = f"sv{db.session.scalar(sa.select(Link.id).where(Link.token == token))}"
    for shift in (0, 3 * 86400 + 0.5):  # the same link days later, on another phone
        now = time.time() + shift
        monkeypatch.setattr(time, "time", lambda now=now: now)
        client.delete_cookie("svk", path="/s/")
        page = client.get(f"/s/{token}")
        max_age, expires = _cookie_lifetime(page, "svk")
        assert max_age == app.config["TICKET_MAX_AGE"]
        assert abs(expires - (now + max_age)) <= 1
        data = {**hidden_fields(page.get_data(as_text=True)), **complete_answers(q, "parent")}
        sent = client.post(f"/s/{token}", data=data)
        assert sent.status_code == 303
        max_age, expires = _cookie_lifetime(sent, answered)
        assert max_age == days * 86400
        assert abs(expires - (now + max_age)) <= 1
        client.delete_cookie(answered, path=f"/s/{token}")
    assert response_count(app) == 2


def _set_window(app, campaign_id, **values):
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        for key, value in values.items():
            setattr(campaign, key, value)
        db.session.commit()


@pytest.mark.parametrize(
    "values, text",
    [
        ({"status": "closed"}, "已经结束"),
        ({"closes_at": utcnow() - timedelta(minutes=1)}, "已经结束"),
        ({"opens_at": utcnow() + timedelta(days=1)}, "还没有开始"),
        ({"status": "draft"}, "还没有开始"),
    ],
)
def test_campaign_not_open_is_410(app, client, demo, values, text):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    fields = hidden_fields(_open_form(client, token))
    _set_window(app, demo, **values)
    page = client.get(f"/s/{token}")
    assert page.status_code == 410 and text in page.get_data(as_text=True)
    post = client.post(f"/s/{token}", data={**fields, **complete_answers(q, "parent")})
    assert post.status_code == 410
    assert response_count(app) == 0


def test_identity_item_decides_the_group_and_offers_only_campaign_groups(app, client, demo):
    _layout(app, demo, "national_2024")
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        campaign.groups = [g for g in campaign.groups if g != "deputy"]
        campaign.forms = {g: f for g, f in campaign.forms.items() if g != "deputy"}
        db.session.commit()
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    html = _open_form(client, token)
    assert "<span>学生家长</span>" in html and "<span>其他群众</span>" in html
    assert "<span>人大代表</span>" not in html and "<span>政协委员</span>" not in html
    data = {**hidden_fields(html), **complete_answers(q, "public")}
    assert client.post(f"/s/{token}", data=data).status_code == 303
    assert response_count(app, group="public") == 1
    # an identity the campaign does not serve is not a valid answer
    other = app.test_client()
    data = {**hidden_fields(_open_form(other, token)), **complete_answers(q, "public")}
    data["ID"] = "2"
    assert other.post(f"/s/{token}", data=data).status_code == 422


def test_blank_page_is_rendered_once_and_filled_per_request(app, client, demo):
    from flask import template_rendered

    from survey.models import School

    rendered = []

    def seen(sender, template, context, **extra):
        rendered.append(template.name)

    token = link_token(app, demo, "parent")
    with template_rendered.connected_to(seen):
        first = _open_form(client, token)
        assert rendered == ["respondent/form.html"]
        second = _open_form(app.test_client(), token)
        assert rendered == ["respondent/form.html"]  # served from the page cache
    a, b = hidden_fields(first)["ticket"], hidden_fields(second)["ticket"]
    assert a != b
    assert first.replace(a, "T") == second.replace(b, "T")
    assert "\x00" not in first
    with app.app_context():
        school = db.session.scalar(sa.select(School).where(School.code == "4101010001"))
        school.name = "更名后的学校"
        db.session.commit()
    assert "更名后的学校" in _open_form(client, token)


@pytest.mark.parametrize(
    "accept, gzipped",
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0, identity", False),
        ("identity", False),
        ("", False),
    ],
)
def test_page_is_gzipped_only_for_clients_that_take_it(app, client, demo, accept, gzipped):
    token = link_token(app, demo, "parent")
    resp = client.get(f"/s/{token}", headers={"Accept-Encoding": accept})
    assert resp.status_code == 200 and "Accept-Encoding" in resp.headers["Vary"]
    assert (resp.headers.get("Content-Encoding") == "gzip") is gzipped
    assert (resp.get_data()[:2] == b"\x1f\x8b") is gzipped


def test_gzipped_page_is_the_same_page_stitched_from_cached_parts(app, client, demo):
    import gzip
    import zlib

    token = link_token(app, demo, "parent")
    plain = _open_form(client, token)
    resp = client.get(f"/s/{token}", headers={"Accept-Encoding": "gzip, deflate"})
    assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.headers["Vary"]
    body = resp.get_data()
    assert len(body) < len(plain.encode()) / 3
    # a strict single-member decoder reads it to the end with a correct CRC and length
    decoder = zlib.decompressobj(31)
    html = decoder.decompress(body).decode()
    assert decoder.eof and not decoder.unused_data
    assert gzip.decompress(body).decode() == html
    assert html.replace(hidden_fields(html)["ticket"], "T") == plain.replace(
        hidden_fields(plain)["ticket"], "T"
    )


def test_form_served_on_an_older_version_is_stored_with_that_version(
    app, client, demo, monkeypatch
):
    import dataclasses

    from questionnaires import Registry

    token = link_token(app, demo, "parent")
    q1 = questionnaire_for(app, demo, "parent")
    html = _open_form(client, token)  # served on version 1
    registry = app.extensions["questionnaires"]
    q2 = dataclasses.replace(q1, version=2, title="家长问卷（修订版）")
    revised = Registry({**registry.versions, ("parent", 2): q2}, registry.layouts)
    for each in (app, app.extensions["respondent_app"]):  # the console and the survey side
        monkeypatch.setitem(each.extensions, "questionnaires", revised)
    resp = client.post(
        f"/s/{token}", data={**hidden_fields(html), **complete_answers(q1, "parent")}
    )
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Response.questionnaire_version)) == 1
    assert "家长问卷（修订版）" in _open_form(app.test_client(), token)
