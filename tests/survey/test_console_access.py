"""Every console route refuses anyone without the right role (routes read from the URL map)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Link, School
from tests.helpers import console_routes, csrf_of, login, own_link_id, route_url

#: endpoint -> roles allowed. A new console route without an entry here fails the test below.
ACCESS = {
    "console.index": {"admin", "analyst", "coordinator"},
    "console.dashboard": {"admin", "analyst", "coordinator"},
    "console.links": {"admin", "analyst", "coordinator"},
    "console.qr_code": {"admin", "analyst", "coordinator"},
    "console.notice": {"admin", "analyst", "coordinator"},
    "console.slips": {"admin", "coordinator"},
    "console.notices": {"admin", "analyst", "coordinator"},
    "console.all_slips": {"admin", "coordinator"},
    "console.make_all_codes": {"admin"},
    "console.classes": {"admin", "analyst", "coordinator"},
    "console.add_classes_view": {"admin", "coordinator"},
    "console.progress_xlsx": {"admin", "analyst"},
    "console.schools": {"admin", "analyst"},
    "console.import_schools_view": {"admin"},
    "console.copy_schools_view": {"admin"},
    "console.targets": {"admin"},
    "console.qr_zip_view": {"admin"},
    "console.make_codes": {"admin"},
    "console.import_responses_view": {"admin"},
    "console.wjx_mapping": {"admin"},
    "console.paper_home": {"admin"},
    "console.paper_print": {"admin"},
    "console.paper_entry": {"admin"},
    "console.paper_reopen": {"admin"},
    "console.paper_compare": {"admin"},
    "console.new_campaign": {"admin"},
    "console.edit_campaign": {"admin"},
    "console.set_status": {"admin"},
    "console.purge_campaign": {"admin"},
    "console.users": {"admin"},
    "console.unlock_user": {"admin"},
    "console.reset_user_password": {"admin"},
    "console.set_user_active": {"admin"},
    "console.set_user_role": {"admin"},
    "console.audit_log": {"admin"},
    "console.audit_csv": {"admin"},
    "console.metrics": {"admin"},
    "reports.report": {"admin", "analyst"},
    "reports.export": {"admin", "analyst"},
    "reports.compare": {"admin", "analyst"},
    "reports.dossier_template": {"admin"},
    "console.questionnaires": {"admin", "analyst"},
    "console.import_questionnaire": {"admin"},
    "console.questionnaire_xlsform": {"admin", "analyst"},
}
#: routes open to anyone, each guarded in its own way (tickets, CSRF, rate limits)
PUBLIC = {
    "index",
    "static",
    "healthz",
    "auth.login",
    "auth.logout",
    "auth.change_password",
    "auth.second_factor",
    "auth.totp_setup",
}
#: the respondent app's routes: the survey pages, under /s/ only
SURVEY = {"static", "healthz", "respondent.survey", "respondent.submit", "respondent.thanks"}
ROLE_USER = {"admin": "admin", "analyst": "analyst", "coordinator": "coord"}


def test_every_console_route_has_an_access_rule(app):
    endpoints = {endpoint for endpoint, _, _ in console_routes(app)}
    assert endpoints == set(ACCESS), endpoints ^ set(ACCESS)


def test_every_route_of_the_app_is_either_public_or_role_checked(app):
    """A route added outside /console must be listed as public on purpose."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS) | PUBLIC, endpoints ^ (set(ACCESS) | PUBLIC)


def test_the_respondent_app_serves_the_survey_pages_and_nothing_else(app):
    survey = app.extensions["respondent_app"]
    rules = list(survey.url_map.iter_rules())
    assert {rule.endpoint for rule in rules} == SURVEY
    assert all(rule.rule.startswith("/s/") for rule in rules)


def test_live_dashboard_feed_follows_the_same_roles(app, demo, staff):
    """The dashboard's auto-refresh feed (?fragment=1) shows a coordinator one school only."""
    coord = app.test_client()
    login(coord, "coord")
    feed = coord.get(f"/console/campaigns/{demo}?fragment=1")
    html = feed.get_data(as_text=True)
    assert feed.status_code == 200 and "示例县城关第一小学" in html and "河东镇中心小学" not in html
    other = app.test_client()
    login(other, "other")
    assert other.get(f"/console/campaigns/{demo}?fragment=1").status_code == 404
    anonymous = app.test_client().get(f"/console/campaigns/{demo}?fragment=1")
    assert anonymous.status_code == 302


@pytest.mark.parametrize("role", [None, "admin", "analyst", "coordinator"])
def test_role_matrix_for_every_console_route(app, demo, staff, role):
    client = app.test_client()
    if role:
        assert login(client, ROLE_USER[role]).status_code == 302
    link_id = own_link_id(app, demo)
    token = csrf_of(client, "/console/" if role else "/auth/login")
    checked = 0
    for endpoint, rule, methods in console_routes(app):
        url = route_url(app, rule, demo, link_id, staff["analyst"])
        for method in methods:
            data = {"csrf_token": token} if method == "POST" else None
            resp = client.open(url, method=method, data=data)
            resp.close()  # a download's file body
            if role is None:
                assert resp.status_code == 302, (method, url)
                assert "/auth/login" in resp.headers["Location"]
            elif role in ACCESS[endpoint]:
                assert resp.status_code not in (401, 403, 404, 500), (role, method, url)
                assert "/auth/login" not in resp.headers.get("Location", ""), (role, url)
            else:
                assert resp.status_code == 403, (role, method, url, resp.status_code)
            checked += 1
    assert checked >= len(ACCESS)


def test_other_county_admin_sees_nothing_of_this_county(app, demo, staff):
    client = app.test_client()
    login(client, "other")
    link_id = own_link_id(app, demo)
    token = csrf_of(client, "/console/")
    for _endpoint, rule, methods in console_routes(app):
        if not ({"campaign_id", "link_id", "user_id"} & set(rule.arguments)):
            continue
        url = route_url(app, rule, demo, link_id, staff["analyst"])
        for method in methods:
            data = {"csrf_token": token} if method == "POST" else None
            with client.open(url, method=method, data=data) as resp:
                assert resp.status_code == 404, (method, url)
    assert "2026年示例县" not in client.get("/console/").get_data(as_text=True)


def test_coordinator_sees_only_their_school(app, demo, staff):
    client = app.test_client()
    login(client, "coord")
    html = client.get(f"/console/campaigns/{demo}").get_data(as_text=True)
    assert "示例县城关第一小学" in html and "河东镇中心小学" not in html
    links = client.get(f"/console/campaigns/{demo}/links").get_data(as_text=True)
    assert "示例县城关第一小学" in links and "河东镇中心小学" not in links
    with app.app_context():
        others = db.session.scalars(
            sa.select(Link.id)
            .join(School, Link.school_id == School.id)
            .where(Link.campaign_id == demo, School.code != "4101010001")
        ).all()
    assert others
    for link_id in others[:12]:
        for suffix in ("qr.svg", "qr.png", "notice", "slips"):
            assert client.get(f"/console/links/{link_id}/{suffix}").status_code == 403
