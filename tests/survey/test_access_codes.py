"""Link mode 'code': one-time codes admit one response each."""

from __future__ import annotations

import sqlalchemy as sa

from survey.core.database import db
from survey.models import AccessCode, Campaign, Link
from survey.services.campaigns import generate_codes
from tests.helpers import (
    complete_answers,
    hidden_fields,
    link_token,
    questionnaire_for,
    response_count,
)


def _code_mode(app, campaign_id, token, n=2):
    with app.app_context():
        db.session.get(Campaign, campaign_id).link_mode = "code"
        link = db.session.scalar(sa.select(Link).where(Link.token == token))
        codes = generate_codes(link, n)
        db.session.commit()
        return codes


def test_code_admits_one_response_and_shared_browser_still_works(app, client, demo):
    token = link_token(app, demo, "student")
    q = questionnaire_for(app, demo, "student")
    first, second = _code_mode(app, demo, token)
    page = client.get(f"/s/{token}?code={first.lower()}")
    assert page.status_code == 200 and f'value="{first}"' in page.get_data(as_text=True)

    data = {**hidden_fields(page.get_data(as_text=True)), **complete_answers(q, "student")}
    data["access_code"] = first.lower()
    assert client.post(f"/s/{token}", data=data).status_code == 303
    assert client.post(f"/s/{token}", data=data).status_code == 303  # a retry: same submission
    assert response_count(app) == 1

    # the next pupil at the same computer uses their own code
    html = client.get(f"/s/{token}").get_data(as_text=True)
    data2 = {**hidden_fields(html), **complete_answers(q, "student"), "access_code": second}
    assert client.post(f"/s/{token}", data=data2).status_code == 303
    assert response_count(app) == 2

    # reusing a code from a new form is refused
    html = client.get(f"/s/{token}").get_data(as_text=True)
    data3 = {**hidden_fields(html), **complete_answers(q, "student"), "access_code": first}
    resp = client.post(f"/s/{token}", data=data3)
    assert resp.status_code == 409 and "已经使用过" in resp.get_data(as_text=True)
    assert response_count(app) == 2
    with app.app_context():
        used = db.session.scalars(
            sa.select(AccessCode).where(AccessCode.used_at.is_not(None))
        ).all()
        assert len(used) == 2


def test_wrong_or_missing_code_keeps_answers(app, client, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    _code_mode(app, demo, token, 1)
    other_link = link_token(app, demo, "teacher")
    (foreign,) = _code_mode(app, demo, other_link, 1)
    for code, message in (
        ("", "请输入发给您的答题码"),
        ("NOPE2345", "答题码不正确"),
        (foreign, "答题码不正确"),
    ):
        html = client.get(f"/s/{token}").get_data(as_text=True)
        data = {**hidden_fields(html), **complete_answers(q, "parent"), "access_code": code}
        resp = client.post(f"/s/{token}", data=data)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True)
        assert "checked" in resp.get_data(as_text=True)
    assert response_count(app) == 0
