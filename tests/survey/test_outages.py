"""A database that will not take writes: a clear Chinese page, a log line with the cause, and
not one answer lost from the respondent's page."""

from __future__ import annotations

import logging
import re

import pytest

from tests.helpers import (
    USE_PG,
    complete_answers,
    hidden_fields,
    link_token,
    make_app,
    questionnaire_for,
    release,
)


@pytest.fixture
def read_only(app, demo, db_uri, tmp_path):
    """A second app on the same database that can read but not write."""
    if USE_PG:
        sep = "&" if "?" in db_uri else "?"
        uri = f"{db_uri}{sep}options=-c%20default_transaction_read_only%3Don"
    else:
        uri = "sqlite:///file:" + db_uri.removeprefix("sqlite:///") + "?mode=ro&uri=true"
    frozen = make_app(uri)
    yield frozen
    release(frozen, reset=False)


def test_a_read_only_database_keeps_every_answer_on_the_page(app, demo, read_only, caplog):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    phone = read_only.test_client()
    page = phone.get(f"/s/{token}")
    assert page.status_code == 200  # reading still works
    answers = complete_answers(q, "parent", option_index=1)
    with caplog.at_level(logging.ERROR):
        sent = phone.post(
            f"/s/{token}", data={**hidden_fields(page.get_data(as_text=True)), **answers}
        )
    assert sent.status_code == 503 and sent.headers["Retry-After"] == "10"
    html = sent.get_data(as_text=True)
    assert "系统暂时无法保存答卷，您的答案都已保留" in html
    for code, value in answers.items():
        item = q.item(code)
        if item.type == "single":
            assert re.search(rf'name="{code}" value="{value}"[^>]*checked', html), code
        else:
            assert value in html
    assert "read" in caplog.text.lower() and token not in caplog.text


def test_the_console_says_so_in_chinese_with_503(app, demo, staff, read_only):
    from tests.helpers import PASSWORD, csrf_of

    client = read_only.test_client()
    resp = client.post(
        "/auth/login",
        data={"csrf_token": csrf_of(client), "username": "admin", "password": PASSWORD},
    )
    assert resp.status_code == 503 and "系统繁忙" in resp.get_data(as_text=True)
