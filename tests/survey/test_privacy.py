"""Nothing that identifies a respondent reaches the database: checked by reading all of it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from survey.core.database import db
from tests.helpers import complete_answers, hidden_fields, link_token, questionnaire_for

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.50 PrivacyProbe/7"
CONTACTS = [
    "13812345678",
    "138 8765 4321",
    "138.1234.5678",
    "1 3 9 1 2 3 4 5 6 7 8",
    "１５９１２３４５６７８",
    "41010519900101123X",
    "li.ming@example.cn",
    "wxid_q8w7e6r5",
    "zhangsan_1988",
    "987654321",
]
#: how each is written into a comment (the WeChat and QQ ids after their labels)
WRITTEN = {"zhangsan_1988": "微信号：zhangsan_1988", "987654321": "QQ 987654321"}


def _database_text(app) -> str:
    """Every row of every table as text."""
    with app.app_context():
        parts = []
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    parts.append(" ".join(str(v) for v in row))
        return "\n".join(parts)


def test_no_address_agent_or_contact_detail_is_stored(app, demo, staff):
    phone = app.test_client()
    phone.environ_base.update(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    stored = 0
    for group in ("parent", "teacher", "public"):
        token = link_token(app, demo, group)
        q = questionnaire_for(app, demo, group)
        answers = complete_answers(q, group)
        comment = q.text_items[0].code
        written = [WRITTEN.get(c, c) for c in CONTACTS]
        answers[comment] = "请联系我：" + "，".join(written) + "。食堂饭菜很好，学校有1200名学生。"
        html = phone.get(f"/s/{token}").get_data(as_text=True)
        resp = phone.post(f"/s/{token}", data={**hidden_fields(html), **answers})
        assert resp.status_code == 303
        stored += 1
    dump = _database_text(app)
    assert dump.count("食堂饭菜很好，学校有1200名学生") == stored  # the rest of each comment stays
    assert dump.count("微信号：〔已隐去〕") == stored  # the label stays, the id goes
    for secret in (ADDRESS, AGENT, "PrivacyProbe", *CONTACTS, "8765 4321"):
        assert secret not in dump, secret


def test_the_network_salt_lives_in_the_instance_folder_not_in_git(tmp_path):
    from survey.core.config import instance_secrets

    secrets = instance_secrets(str(tmp_path))
    assert len(secrets["NETWORK_SALT"]) >= 32 and (tmp_path / "secrets.json").exists()
    tracked = subprocess.run(
        ["git", "ls-files", "instance"], cwd=ROOT, capture_output=True, text=True
    )
    if tracked.returncode == 0:  # only the folder's README is tracked
        assert tracked.stdout.split() in ([], ["instance/README.md"]), tracked.stdout
    for name in ("instance/secrets.json", "instance/config.py", "instance/survey.db"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)
        assert ignored.returncode in (0, 128), name  # ignored, or not a git checkout
