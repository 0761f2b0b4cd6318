"""Operators: the audit log (every sign-in and download, a hash chain), backup and restore."""

from __future__ import annotations

import json
import threading

import sqlalchemy as sa

from survey.core.database import db
from survey.models import AuditEntry, Response
from tests.helpers import (
    USE_PG,
    complete_answers,
    hidden_fields,
    link_token,
    login,
    make_app,
    questionnaire_for,
    release,
)


def _audit_json(runner):
    out = runner.invoke(args=["audit", "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_sign_ins_and_downloads_are_in_the_audit_log(app, runner, demo, staff):
    login(app.test_client(), "analyst", "not-the-password")
    analyst = app.test_client()
    login(analyst, "analyst")
    with analyst.get(f"/console/campaigns/{demo}/export.csv") as export:  # a file body: closed
        assert export.status_code == 200
    assert analyst.get(f"/console/campaigns/{demo}/report").status_code == 200
    entries = _audit_json(runner)
    seen = [(e["action"], e["actor"], e["result"], e["target"]) for e in entries]
    assert ("auth.login", "analyst", "wrong", "") in seen
    assert ("auth.login", "analyst", "ok", "") in seen
    assert ("export.csv", "analyst", "ok", f"campaign {demo}") in seen
    assert ("report.view", "analyst", "ok", f"campaign {demo}") in seen
    assert all({"at", "actor", "action", "target", "result"} <= set(e) for e in entries)


def test_the_audit_page_reads_in_chinese_filters_and_exports(app, demo, staff):
    login(app.test_client(), "analyst", "not-the-password")
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/console/audit").get_data(as_text=True)
    assert "登录" in page and "用户名或密码错误" in page and "\\u" not in page
    only = admin.get("/console/audit?action=auth.login&result=wrong").get_data(as_text=True)
    assert only.count("<tr><td>") == 1 and "analyst" in only
    export = admin.get("/console/audit.csv?action=auth.login")
    assert export.status_code == 200
    text = export.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("编号,时间") and "用户名或密码错误" in text


def test_the_audit_chain_shows_an_edited_or_removed_entry(app, runner, demo, staff):
    for _ in range(3):
        login(app.test_client(), "admin")
    ok = runner.invoke(args=["audit-verify"])
    assert ok.exit_code == 0 and "校验通过" in ok.output
    with app.app_context():
        ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
        assert len(ids) >= 3
        db.session.execute(
            sa.update(AuditEntry).where(AuditEntry.id == ids[1]).values(result="wrong")
        )
        db.session.commit()
    edited = runner.invoke(args=["audit-verify"])
    assert edited.exit_code == 1 and f"第 {ids[1]} 条" in edited.output
    with app.app_context():
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == ids[1]).values(result="ok"))
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[0]))
        db.session.commit()
    removed = runner.invoke(args=["audit-verify"])
    assert removed.exit_code == 1 and f"第 {ids[1]} 条" in removed.output


def test_a_backup_taken_while_phones_answer_restores_every_acknowledged_answer(
    app, runner, demo, tmp_path, db_uri
):
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    acknowledged: list[int] = []
    started = threading.Event()
    lock = threading.Lock()

    def phone():
        for _ in range(12):
            client = app.test_client()
            html = client.get(f"/s/{token}").get_data(as_text=True)
            sent = client.post(
                f"/s/{token}", data={**hidden_fields(html), **complete_answers(q, "parent")}
            )
            with lock:
                acknowledged.append(sent.status_code == 303 and not started.is_set())

    phones = [threading.Thread(target=phone) for _ in range(3)]
    for p in phones:
        p.start()
    while len(acknowledged) < 6:
        threading.Event().wait(0.01)
    with lock:
        started.set()
        before = sum(acknowledged)
    made = runner.invoke(args=["backup", str(tmp_path / "b.zip")])
    for p in phones:
        p.join()
    assert made.exit_code == 0, made.output
    assert before >= 6
    if USE_PG:
        target_app = app
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.engine.dispose()
    else:
        target_app = make_app(f"sqlite:///{tmp_path}/restored.db")
    try:
        done = target_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.zip")])
        assert done.exit_code == 0, done.output
        with target_app.app_context():
            restored = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
        assert restored >= before  # every answer acknowledged before the backup began
        again = target_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.zip")])
        assert again.exit_code != 0 and "--overwrite" in again.output
    finally:
        if target_app is not app:
            release(target_app, reset=False)


def test_cli_refuses_a_weak_temporary_password_and_deactivates(app, runner, staff):
    weak = runner.invoke(args=["reset-password", "analyst", "--password", "aaaaaaaaaa"])
    assert weak.exit_code != 0 and "三类" in weak.output
    done = runner.invoke(args=["deactivate", "analyst"])
    assert done.exit_code == 0
    assert login(app.test_client(), "analyst").status_code == 401


def test_old_entries_go_to_an_archive_file_and_the_chain_still_verifies(
    app, runner, staff, tmp_path
):
    from datetime import timedelta

    from survey.core.timeutil import utcnow

    for _ in range(4):
        login(app.test_client(), "admin")
    with app.app_context():
        old = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()[:2]
        # two entries from last year (as if written then: their hashes are resealed)
        db.session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.id.in_(old))
            .values(at=utcnow() - timedelta(days=400))
        )
        db.session.execute(sa.update(AuditEntry).values(hash=None))
        db.session.commit()
    too_short = runner.invoke(args=["audit-archive", str(tmp_path / "a.jsonl"), "--days", "30"])
    assert too_short.exit_code != 0 and "180" in too_short.output
    done = runner.invoke(args=["audit-archive", str(tmp_path / "a.jsonl")])
    assert done.exit_code == 0 and "已归档 2 条" in done.output, done.output
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == old
    verified = runner.invoke(args=["audit-verify"])
    assert verified.exit_code == 0, verified.output
    actions = [e["action"] for e in _audit_json(runner)]
    assert "audit.archive" in actions
