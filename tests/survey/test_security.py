"""Headers, cookies, inline-free templates and CSRF on every state-changing console form."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from survey.core.database import db
from survey.models import AuditEntry, Campaign
from tests.helpers import (
    console_routes,
    csrf_of,
    link_token,
    login,
    make_demo_app,
    own_link_id,
    release,
    route_url,
)

ROOT = Path(__file__).resolve().parents[2] / "survey"


def _pages(app, client, demo):
    token = link_token(app, demo, "parent")
    return ["/", "/auth/login", f"/s/{token}", f"/s/{token}/thanks", "/s/no-such-link", "/nope"]


def test_every_page_gets_a_strict_content_security_policy(app, client, demo, staff):
    paths = _pages(app, client, demo) + ["/static/survey.js"]
    login(client, "admin")
    paths += ["/console/", f"/console/campaigns/{demo}", f"/console/campaigns/{demo}/report"]
    for path in paths:
        resp = client.get(path)
        csp = resp.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "default-src 'self'" in csp and "object-src 'none'" in csp, path
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["X-Frame-Options"] == "DENY", path


def test_templates_have_no_inline_script_style_or_handlers():
    """The policy forbids inline code, so a template that adds some would break: catch it here."""
    bad = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=", re.I)
    templates = list(ROOT.rglob("templates/**/*.html"))
    assert len(templates) > 10
    for path in templates:
        found = bad.findall(path.read_text(encoding="utf-8"))
        assert not found, (path, found)


def test_cookies_are_httponly_samesite_and_secure_over_https(db_uri):
    app = make_demo_app(db_uri, admin="root", BASE_URL="https://survey.example.cn")
    demo = app.config["DEMO_ID"]
    try:
        client = app.test_client()
        resp = login(client, "root")
        cookie = resp.headers["Set-Cookie"]
        assert resp.status_code == 302 and cookie.startswith("session=")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
            assert flag in cookie, cookie
        page = app.test_client().get(f"/s/{link_token(app, demo, 'parent')}")
        key_cookie = page.headers["Set-Cookie"]
        assert key_cookie.startswith("svk=")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/s/"):
            assert flag in key_cookie, key_cookie
    finally:
        release(app)


def test_plain_http_development_cookies_are_still_httponly(client, staff):
    cookie = login(client, "admin").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_every_state_changing_console_form_needs_its_csrf_token(app, demo, staff):
    client = app.test_client()
    login(client, "admin")
    link_id = own_link_id(app, demo)

    def state():
        with app.app_context():
            return (
                db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
                db.session.get(Campaign, demo).status,
            )

    before = state()
    posts = 0
    for _endpoint, rule, methods in console_routes(app):
        if "POST" not in methods:
            continue
        url = route_url(app, rule, demo, link_id, staff["analyst"])
        resp = client.post(url, data={"status": "closed", "username": "x"})
        assert resp.status_code == 400, (url, resp.status_code)
        assert "安全校验" in resp.get_data(as_text=True)
        posts += 1
    assert posts >= 8 and state() == before
    # sign-out is state-changing too
    assert client.post("/auth/logout").status_code == 400


def test_nul_characters_are_refused_before_any_query(client, staff):
    token = csrf_of(client)
    assert client.get("/auth/login?next=%00").status_code == 400
    assert client.get("/s/abc%00def").status_code == 400
    resp = client.post(
        "/auth/login", data={"csrf_token": token, "username": "ad\x00min", "password": "x" * 12}
    )
    assert resp.status_code == 400 and "请求" in resp.get_data(as_text=True)


def test_ids_beyond_the_integer_range_are_not_found(client, staff):
    login(client, "admin")
    for url in ("/console/campaigns/4101010001", "/console/links/99999999999/qr.svg"):
        assert client.get(url).status_code == 404
