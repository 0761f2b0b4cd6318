"""Sign-in: passwords and their policy, server-side sessions, the lock, safe redirects."""

from __future__ import annotations

import re
import threading

import pytest

from survey.core.database import db
from survey.models import User
from tests.helpers import PASSWORD, csrf_of, login

STRONG = "Kaoping-2026-check"


def _console_csrf(client) -> str:
    html = client.get("/console/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _user_id(app, name):
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.username == name))


def test_login_success_goes_to_console(client, staff):
    resp = login(client, "admin")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/console/")
    assert client.get("/console/").status_code == 200


def test_wrong_password_is_401_with_message(client, staff):
    resp = login(client, "admin", "wrong-password")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_known_and_unknown_names_get_the_same_answers_and_lock(app, staff):
    """Seven wrong tries for an account that exists and for one that does not: the same status
    and words every time, so nobody can learn which names exist."""
    answers = {}
    for name in ("analyst", "nobody-here"):
        client = app.test_client()
        seen = []
        for _ in range(7):
            resp = login(client, name, "wrong-password")
            text = resp.get_data(as_text=True)
            seen.append((resp.status_code, re.search(r'class="err"[^>]*>([^<]+)<', text).group(1)))
        answers[name] = seen
    assert answers["analyst"] == answers["nobody-here"]
    assert answers["analyst"][4][1] == "用户名或密码错误。"
    assert "次数过多" in answers["analyst"][5][1]


def test_the_lock_holds_even_with_the_right_password_and_only_from_that_address(app, staff):
    attacker = app.test_client()
    for _ in range(5):
        login(attacker, "analyst", "bad-password")
    resp = login(attacker, "analyst")
    assert resp.status_code == 401 and "次数过多" in resp.get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert login(elsewhere, "analyst").status_code == 302  # the real user, at the office


def test_concurrent_wrong_passwords_get_no_more_checks_than_the_limit(app, staff, monkeypatch):
    checks = []
    real = User.check_password

    def counted(self, password):
        checks.append(password)
        return real(self, password)

    monkeypatch.setattr(User, "check_password", counted)
    clients = [app.test_client() for _ in range(15)]
    tokens = [csrf_of(c) for c in clients]
    start = threading.Barrier(15)

    def attempt(client, token):
        start.wait()
        client.post(
            "/auth/login",
            data={"csrf_token": token, "username": "analyst", "password": "wrong-guess"},
        )

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < len(checks) <= 5


def test_password_is_hashed_with_a_modern_scheme(app, staff):
    with app.app_context():
        stored = db.session.get(User, staff["admin"]).password_hash
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize(
    "password,words",
    [
        ("aaaaaaaaaa", "三类"),
        ("Short-1", "至少10位"),
        ("newadmin-Pass-1", "用户名"),
    ],
)
def test_a_weak_password_is_refused_for_a_new_admin(client, staff, password, words):
    login(client, "admin")
    resp = client.post(
        "/console/users",
        data={
            "csrf_token": _console_csrf(client),
            "username": "newadmin",
            "password": password,
            "role": "admin",
        },
    )
    assert resp.status_code == 400 and words in resp.get_data(as_text=True)


def test_next_is_followed_only_within_the_site(app, staff):
    for target, expected in [
        ("/console/users", "/console/users"),
        ("https://evil.example/", "/console/"),
        ("//evil.example/x", "/console/"),
        ("/\\evil.example", "/console/"),
    ]:
        client = app.test_client()
        resp = client.post(
            f"/auth/login?next={target}",
            data={"csrf_token": csrf_of(client), "username": "admin", "password": PASSWORD},
        )
        assert resp.status_code == 302
        assert resp.headers["Location"] == expected, target


def test_logout_needs_post_with_csrf(client, staff):
    login(client, "admin")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert (
        client.post("/auth/logout", data={"csrf_token": _console_csrf(client)}).status_code == 302
    )
    assert client.get("/console/").status_code == 302


def _stolen_cookie(app, client):
    """Another browser holding a copy of this browser's session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_an_old_session_cookie_is_dead_after_sign_out(app, client, demo, staff):
    login(client, "analyst")
    thief = _stolen_cookie(app, client)
    with thief.get(f"/console/campaigns/{demo}/export.csv") as export:  # a file body: closed
        assert export.status_code == 200
    assert thief.get("/console/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": _console_csrf(client)})
    assert thief.get("/console/").status_code == 302
    with thief.get(f"/console/campaigns/{demo}/export.csv") as export:  # a file body: closed
        assert export.status_code == 302


def test_a_reset_and_a_deactivation_end_every_session_at_once(app, staff):
    analyst = app.test_client()
    login(analyst, "analyst")
    assert analyst.get("/console/").status_code == 200
    admin = app.test_client()
    login(admin, "admin")
    uid = staff["analyst"]
    resp = admin.post(
        f"/console/users/{uid}/reset",
        data={"csrf_token": _console_csrf(admin), "password": STRONG},
    )
    assert resp.status_code == 302
    assert analyst.get("/console/").status_code == 302  # signed out
    # the temporary password works once, and leads to the change-password page first
    assert login(analyst, "analyst", STRONG).status_code == 302
    first = analyst.get("/console/")
    assert first.status_code == 302 and "/auth/password" in first.headers["Location"]
    admin.post(
        f"/console/users/{uid}/active", data={"csrf_token": _console_csrf(admin), "active": "0"}
    )
    assert analyst.get("/auth/password").status_code == 302  # deactivated: signed out
    assert login(analyst, "analyst", STRONG).status_code == 401


def test_changing_ones_password_keeps_this_browser_and_ends_the_others(app, staff):
    here, there = app.test_client(), app.test_client()
    login(here, "coord")
    login(there, "coord")
    page = here.get("/auth/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    weak = here.post(
        "/auth/password",
        data={"csrf_token": token, "current": PASSWORD, "new": "password12", "again": "password12"},
    )
    assert weak.status_code == 400 and "三类" in weak.get_data(as_text=True)
    done = here.post(
        "/auth/password",
        data={"csrf_token": token, "current": PASSWORD, "new": STRONG, "again": STRONG},
    )
    assert done.status_code == 302
    assert here.get("/console/").status_code == 200
    assert there.get("/console/").status_code == 302


def test_an_idle_session_ends(app, staff):
    app.config["SESSION_IDLE_MINUTES"] = 0
    client = app.test_client()
    login(client, "admin")
    assert client.get("/console/").status_code == 302


def _code_form(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1), html


def test_an_admin_with_an_authenticator_needs_its_code(app, staff):
    import pyotp

    app.config["REQUIRE_ADMIN_TOTP"] = True
    admin = app.test_client()
    login(admin, "admin")
    first = admin.get("/console/")
    assert first.status_code == 302 and first.headers["Location"].endswith("/auth/totp")
    token, html = _code_form(admin, "/auth/totp")
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", html).group(1)
    wrong = admin.post("/auth/totp", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400
    ok = admin.post("/auth/totp", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302 and admin.get("/console/").status_code == 200

    later = app.test_client()
    step = login(later, "admin")
    assert step.status_code == 302 and "/auth/code" in step.headers["Location"]
    assert later.get("/console/").status_code == 302  # the password alone opens nothing
    token, _ = _code_form(later, "/auth/code")
    bad = later.post("/auth/code", data={"csrf_token": token, "code": "123456"})
    assert bad.status_code == 401 and "验证码不正确" in bad.get_data(as_text=True)
    good = later.post("/auth/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert good.status_code == 302 and later.get("/console/").status_code == 200
