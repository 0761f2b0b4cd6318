"""Rate limits: a script cannot flood a link, a class behind one address still gets through."""

from __future__ import annotations

import pytest

from tests.helpers import (
    complete_answers,
    csrf_of,
    hidden_fields,
    link_token,
    make_app,
    make_demo_app,
    questionnaire_for,
    release,
    response_count,
)


def _submit(app, token, q, group):
    phone = app.test_client()
    html = phone.get(f"/s/{token}").get_data(as_text=True)
    return phone.post(f"/s/{token}", data={**hidden_fields(html), **complete_answers(q, group)})


@pytest.fixture
def strict_app(db_uri):
    app = make_demo_app(
        db_uri,
        RATE_SUBMIT_PER_LINK="3/minute",
        RATE_SUBMIT_PER_ADDRESS="5/minute",
        RATE_LOGIN_PER_ADDRESS="2/minute",
    )
    yield app
    release(app)


def test_flooding_one_link_is_refused_with_a_chinese_page(strict_app):
    app, demo = strict_app, strict_app.config["DEMO_ID"]
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    assert [_submit(app, token, q, "parent").status_code for _ in range(3)] == [303] * 3
    refused = _submit(app, token, q, "parent")
    assert refused.status_code == 429 and "请稍等" in refused.get_data(as_text=True)
    assert response_count(app) == 3
    other = link_token(app, demo, "teacher")
    assert (
        _submit(app, other, questionnaire_for(app, demo, "teacher"), "teacher").status_code == 303
    )
    # per address: 5 accepted submissions a minute in this configuration
    third = link_token(app, demo, "public")
    assert _submit(app, third, questionnaire_for(app, demo, "public"), "public").status_code == 303
    fourth = link_token(app, demo, "student")
    refused = _submit(app, fourth, questionnaire_for(app, demo, "student"), "student")
    assert refused.status_code == 429 and response_count(app) == 5


def test_login_attempts_are_throttled_per_address(strict_app):
    client = strict_app.test_client()
    token = csrf_of(client)
    data = {"csrf_token": token, "username": "nobody", "password": "wrong-password"}
    codes = [client.post("/auth/login", data=data).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_a_class_of_sixty_behind_one_address_gets_through(app, demo):
    token = link_token(app, demo, "student")
    q = questionnaire_for(app, demo, "student")
    codes = [_submit(app, token, q, "student").status_code for _ in range(60)]
    assert codes == [303] * 60
    assert response_count(app) == 60


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_limits_are_shared_through_redis(db_uri):
    """With Redis storage the counts live in Redis, so every app process shares them."""
    import redis

    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    config = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "RATE_LOGIN_PER_ADDRESS": "2/minute",
    }
    first, second = make_app(db_uri, **config), make_app(db_uri, **config)
    codes = []
    for app in (first, second, first):
        client = app.test_client()
        data = {"csrf_token": csrf_of(client), "username": "x", "password": "wrong-password"}
        codes.append(client.post("/auth/login", data=data).status_code)
    assert codes == [401, 401, 429]
    store = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    assert store.keys("LIMITS*") or store.keys("*login*"), store.keys("*")
    store.flushdb()
    release(first)
    release(second)


def test_with_redis_down_staff_still_sign_in_and_phones_still_answer(db_uri, caplog):
    """A rate-limit store that does not answer (nothing listens on the port) costs no 500."""
    from tests.helpers import PASSWORD, csrf_of, free_port, make_demo_app, release

    app = make_demo_app(
        db_uri, admin="boss", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"
    )
    try:
        client = app.test_client()
        token = csrf_of(client)
        signed_in = client.post(
            "/auth/login", data={"csrf_token": token, "username": "boss", "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        assert client.get("/console/").status_code == 200
        from tests.helpers import link_token, questionnaire_for

        demo = app.config["DEMO_ID"]
        link = link_token(app, demo, "parent")
        q = questionnaire_for(app, demo, "parent")
        assert _submit(app, link, q, "parent").status_code == 303
    finally:
        release(app)
