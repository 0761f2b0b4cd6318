"""Sign-in: passwords, lockout, safe redirects, sign-out."""

from __future__ import annotations

import re

from survey.core.database import db
from survey.models import User
from tests.helpers import PASSWORD, csrf_of, login


def test_login_success_goes_to_console(client, staff):
    resp = login(client, "admin")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/console/")
    assert client.get("/console/").status_code == 200


def test_wrong_password_is_401_with_message(client, staff):
    resp = login(client, "admin", "wrong-password")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)
    resp = login(client, "nobody", "wrong-password")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_lockout_after_five_failures_even_with_the_right_password(app, client, staff):
    for _ in range(5):
        login(client, "analyst", "bad-password")
    resp = login(client, "analyst")
    assert resp.status_code == 401 and "临时锁定" in resp.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, staff["analyst"])
        user.locked_until = None
        db.session.commit()
    assert login(client, "analyst").status_code == 302


def test_password_is_hashed_with_a_modern_scheme(app, staff):
    with app.app_context():
        stored = db.session.get(User, staff["admin"]).password_hash
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_next_is_followed_only_within_the_site(client, staff):
    token = csrf_of(client)
    for target, expected in [
        ("/console/users", "/console/users"),
        ("https://evil.example/", "/console/"),
        ("//evil.example/x", "/console/"),
        ("/\\evil.example", "/console/"),
    ]:
        client.get("/")
        with client.session_transaction() as sess:
            sess.pop("_user_id", None)
        resp = client.post(
            f"/auth/login?next={target}",
            data={"csrf_token": token, "username": "admin", "password": PASSWORD},
        )
        assert resp.status_code == 302
        assert resp.headers["Location"] == expected, target


def test_logout_needs_post_with_csrf(client, staff):
    login(client, "admin")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    html = client.get("/console/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302
