"""The two apps: the survey side and the console, each alone and both behind one dispatcher."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey import create_console_app, create_respondent_app
from tests.helpers import (
    complete_answers,
    csrf_of,
    hidden_fields,
    link_token,
    login,
    questionnaire_for,
    release,
    response_count,
)

CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "NETWORK_SALT": "test-salt"}


@pytest.fixture
def alone(db_uri):
    """Build one app on the test database; released afterwards."""
    made = []

    def build(factory):
        app = factory({**CONFIG, "SQLALCHEMY_DATABASE_URI": db_uri})
        made.append(app)
        return app

    yield build
    for app in made:
        release(app, reset=False)


def test_the_respondent_app_alone_serves_and_stores_a_survey(app, demo, alone):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    survey_app = alone(create_respondent_app)
    # none of the console's extensions: no sign-in, no CSRF middleware, no Flask-Limiter
    assert not {"csrf", "limiter", "migrate"} & set(survey_app.extensions)
    assert not hasattr(survey_app, "login_manager")
    phone = survey_app.test_client()
    page = phone.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/s/static/survey.css" in html  # its assets live under /s/ too
    css = phone.get(re.search(r'href="(/s/static/survey\.css[^"]*)"', html).group(1))
    assert css.status_code == 200 and css.mimetype == "text/css"
    sent = phone.post(f"/s/{token}", data={**hidden_fields(html), **complete_answers(q, "parent")})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/thanks")
    assert response_count(app) == 1
    # no server session, no sign-in cookie: only the browser key and the answered mark
    cookies = {c.key for c in phone._cookies.values()}
    assert cookies == {"svk", f"sv{_link_id(app, token)}"}
    assert phone.get("/console/").status_code == 404  # no console here
    assert phone.get("/auth/login").status_code == 404


def test_the_console_app_alone_serves_the_console_and_no_survey(app, demo, staff, alone):
    console = alone(create_console_app).test_client()
    assert login(console, "admin").status_code == 302
    assert console.get(f"/console/campaigns/{demo}").status_code == 200
    token = link_token(app, demo, "parent")
    assert console.get(f"/s/{token}").status_code == 404


def test_the_combined_app_serves_both(client, app, demo, staff):
    token = link_token(app, demo, "parent")
    page = client.get(f"/s/{token}")
    assert page.status_code == 200 and "Set-Cookie" in page.headers
    assert "session" not in page.headers["Set-Cookie"]
    assert login(client, "admin").status_code == 302
    assert client.get(f"/console/campaigns/{demo}").status_code == 200
    assert client.get("/s/static/survey.js").status_code == 200
    assert client.get("/static/console.css").status_code == 200


def test_an_edit_in_the_console_is_seen_by_the_survey_side_of_its_process(app, demo, staff):
    """Both apps of one process share the cached links: a close in the console applies at once."""
    token = link_token(app, demo, "parent")
    client = app.test_client()
    assert client.get(f"/s/{token}").status_code == 200  # the link is now cached
    login(client, "admin")
    csrf = csrf_of(client, f"/console/campaigns/{demo}")
    done = client.post(
        f"/console/campaigns/{demo}/status",
        data={"csrf_token": csrf, "status": "closed", "confirm": "1"},
    )
    assert done.status_code == 302
    assert client.get(f"/s/{token}").status_code == 410


def test_no_code_touches_flasks_hook_lists_or_extension_internals():
    root = Path(__file__).resolve().parents[2]
    words = (
        "before_request_funcs",
        "after_request_funcs",
        "teardown_request_funcs",
        "limiter.limiter",
    )
    found = [
        (path.relative_to(root), word)
        for folder in ("survey", "analysis", "questionnaires", "bench")
        for path in (root / folder).rglob("*.py")
        for word in words
        if word in path.read_text(encoding="utf-8")
    ]
    assert found == []


def _link_id(app, token):
    import sqlalchemy as sa

    from survey.core.database import db
    from survey.models import Link

    with app.app_context():
        return db.session.scalar(sa.select(Link.id).where(Link.token == token))
