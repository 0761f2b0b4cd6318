"""Closing or re-opening a campaign reaches every worker within CAMPAIGN_STATE_SECONDS."""

from __future__ import annotations

import time

from tests.helpers import (
    complete_answers,
    hidden_fields,
    link_token,
    make_app,
    questionnaire_for,
    release,
)


def _answer(client, token, q):
    html = client.get(f"/s/{token}").get_data(as_text=True)
    if "ticket" not in html:
        return client.get(f"/s/{token}").status_code
    data = {**hidden_fields(html), **complete_answers(q, "parent")}
    return client.post(f"/s/{token}", data=data).status_code


def test_a_close_from_the_cli_reaches_another_warm_worker_within_a_second(app, demo, db_uri):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    worker = make_app(db_uri)  # another process serving the same database, its caches warm
    try:
        phone = worker.test_client()
        assert _answer(phone, token, q) == 303
        waiting = worker.test_client()  # a phone with the form open while the bureau closes
        form = hidden_fields(waiting.get(f"/s/{token}").get_data(as_text=True))
        closed = app.test_cli_runner().invoke(args=["close", "demo-2026"])
        assert closed.exit_code == 0 and "已关闭" in closed.output
        time.sleep(1.1)
        sent = waiting.post(f"/s/{token}", data={**form, **complete_answers(q, "parent")})
        assert sent.status_code == 410
        late = worker.test_client()
        assert late.get(f"/s/{token}").status_code == 410
        html = late.get(f"/s/{token}").get_data(as_text=True)
        assert "调查已结束" in html or "已结束" in html
        opened = app.test_cli_runner().invoke(args=["open", "demo-2026"])
        assert opened.exit_code == 0
        time.sleep(1.1)
        assert _answer(worker.test_client(), token, q) == 303
    finally:
        release(worker, reset=False)


def test_status_commands_refuse_what_cannot_be(app, runner, demo):
    out = runner.invoke(args=["open", "no-such-campaign"])
    assert out.exit_code != 0
    from survey.core.database import db
    from survey.core.timeutil import utcnow
    from survey.models import Campaign

    with app.app_context():
        db.session.get(Campaign, demo).purged_at = utcnow()
        db.session.commit()
    out = runner.invoke(args=["open", "demo-2026"])
    assert out.exit_code == 1 and "已清除" in out.output


def test_a_purge_right_after_a_close_waits_for_every_worker(app, demo, db_uri):
    from survey.core.database import db
    from survey.models import Campaign
    from survey.services.purge import purge_answers
    from tests.helpers import response_count

    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    worker = make_app(db_uri)
    try:
        phone = worker.test_client()
        assert _answer(phone, token, q) == 303
        waiting = worker.test_client()
        form = hidden_fields(waiting.get(f"/s/{token}").get_data(as_text=True))
        assert app.test_cli_runner().invoke(args=["close", "demo-2026"]).exit_code == 0
        started = time.monotonic()
        with app.app_context():
            assert purge_answers(db.session.get(Campaign, demo)) == 1
        # every worker has read the states again since the close
        assert time.monotonic() - started >= app.config["CAMPAIGN_STATE_SECONDS"]
        sent = waiting.post(f"/s/{token}", data={**form, **complete_answers(q, "parent")})
        assert sent.status_code == 410
        assert response_count(app, campaign_id=demo) == 0
    finally:
        release(worker, reset=False)
