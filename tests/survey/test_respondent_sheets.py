"""What a respondent is offered and how many sheets a phone may send: grade options follow the
school's stage; a family sharing one phone answers one sheet each, each stored once."""

from __future__ import annotations

import re

from tests.helpers import (
    complete_answers,
    hidden_fields,
    link_token,
    questionnaire_for,
    response_count,
)

PRIMARY, JUNIOR, NINE_YEAR = "4101010001", "4101010003", "4101010006"


def _grades(html: str) -> list[str]:
    return re.findall(r'name="GRADE" value="(\d)"', html)


def test_grade_options_follow_the_schools_stage(app, client, demo):
    pages = {
        code: client.get(f"/s/{link_token(app, demo, 'student', code)}").get_data(as_text=True)
        for code in (PRIMARY, JUNIOR, NINE_YEAR)
    }
    assert _grades(pages[PRIMARY]) == ["3", "4", "5", "6"] and "七年级" not in pages[PRIMARY]
    assert _grades(pages[JUNIOR]) == ["7", "8", "9"] and "三年级" not in pages[JUNIOR]
    assert _grades(pages[NINE_YEAR]) == ["3", "4", "5", "6", "7", "8", "9"]


def test_a_grade_not_taught_at_the_school_is_refused_and_nothing_is_lost(app, client, demo):
    token = link_token(app, demo, "student", PRIMARY)
    q = questionnaire_for(app, demo, "student")
    html = client.get(f"/s/{token}").get_data(as_text=True)
    answers = {**complete_answers(q, "student", 1), "GRADE": "8"}
    sent = client.post(f"/s/{token}", data={**hidden_fields(html), **answers})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 422 and "所选答案无效" in page
    assert response_count(app, campaign_id=demo) == 0
    assert re.search(rf'name="S01" value="{answers["S01"]}" checked', page)


def _answer(app, demo, phone, token, path=None):
    q = questionnaire_for(app, demo, "parent")
    html = phone.get(path or f"/s/{token}").get_data(as_text=True)
    return phone.post(f"/s/{token}", data={**hidden_fields(html), **complete_answers(q, "parent")})


def test_a_family_sharing_a_phone_answers_one_sheet_each(app, client, demo):
    app.config["SHEETS_PER_PHONE"] = 3
    token = link_token(app, demo, "parent")
    first = _answer(app, demo, client, token)
    assert first.status_code == 303
    thanks = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "为家中另一位家长填写" in thanks and f"/s/{token}?another=1" in thanks
    # opening the link again says it was answered, and offers the next sheet
    again = client.get(f"/s/{token}").get_data(as_text=True)
    assert "已经提交过" in again and "?another=1" in again
    second_page = client.get(f"/s/{token}?another=1").get_data(as_text=True)
    assert "另一位家长填写一份新的问卷" in second_page
    second = _answer(app, demo, client, token, f"/s/{token}?another=1")
    assert second.status_code == 303
    third = _answer(app, demo, client, token, f"/s/{token}?another=1")
    assert third.status_code == 303
    assert response_count(app, campaign_id=demo) == 3
    # three sheets is the limit: no further offer, and a further sheet is refused
    last = client.get(f"/s/{token}?another=1").get_data(as_text=True)
    assert "已经提交过" in last and "?another=1" not in last
    assert response_count(app, campaign_id=demo) == 3


def test_a_shared_phone_sheet_sent_twice_is_stored_once(app, client, demo):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    assert _answer(app, demo, client, token).status_code == 303
    html = client.get(f"/s/{token}?another=1").get_data(as_text=True)
    data = {**hidden_fields(html), **complete_answers(q, "parent")}
    assert client.post(f"/s/{token}", data=data).status_code == 303
    assert client.post(f"/s/{token}", data=data).status_code == 303  # a retry: the same sheet
    assert response_count(app, campaign_id=demo) == 2


def test_an_ordinary_second_form_on_an_answered_phone_is_still_refused(app, client, demo):
    """Two tabs of the first sheet: the second is not another person's sheet."""
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    tab_a = client.get(f"/s/{token}").get_data(as_text=True)
    tab_b = client.get(f"/s/{token}").get_data(as_text=True)
    answers = complete_answers(q, "parent")
    assert client.post(f"/s/{token}", data={**hidden_fields(tab_a), **answers}).status_code == 303
    refused = client.post(f"/s/{token}", data={**hidden_fields(tab_b), **answers})
    assert refused.status_code == 409 and response_count(app, campaign_id=demo) == 1
