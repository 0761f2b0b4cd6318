"""Health checks and metrics for the people who run the system."""

from __future__ import annotations

from tests.helpers import (
    complete_answers,
    hidden_fields,
    link_token,
    login,
    make_app,
    questionnaire_for,
    release,
)


def test_health_is_200_with_the_database_and_503_without(app, client, db_uri):
    for path in ("/healthz", "/s/healthz"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.get_json() == {"status": "ok", "database": "ok"}
    broken = make_app("sqlite:////nonexistent/folder/x.db")
    try:
        for path in ("/healthz", "/s/healthz"):
            resp = broken.test_client().get(path)
            assert resp.status_code == 503 and resp.get_json()["database"] == "unreachable"
    finally:
        release(broken, reset=False)


def test_metrics_count_submissions_and_answers_per_campaign(app, client, demo, staff):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    phone = app.test_client()
    html = phone.get(f"/s/{token}").get_data(as_text=True)
    phone.post(f"/s/{token}", data={**hidden_fields(html), **complete_answers(q, "parent")})
    assert client.get("/console/metrics").status_code == 302  # signed out: sign in first
    login(client, "analyst")
    assert client.get("/console/metrics").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    text = admin.get("/console/metrics").get_data(as_text=True)
    assert 'survey_submissions_total{outcome="stored"}' in text
    assert 'survey_request_seconds_count{app="survey"}' in text
    assert 'survey_campaign_responses{campaign="demo-2026"} 1.0' in text
    assert "203.0.113" not in text and token not in text


def test_a_monitoring_network_reads_metrics_without_signing_in(app, demo):
    app.config["METRICS_NETWORKS"] = ["10.9.0.0/16"]
    scraper = app.test_client()
    scraper.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert scraper.get("/console/metrics").status_code == 200
    outsider = app.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "10.10.0.1"
    assert outsider.get("/console/metrics").status_code == 302
