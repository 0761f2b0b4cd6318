"""An admin sets up a campaign through the browser: create, import schools, targets, open, close."""

from __future__ import annotations

import io
import re

import openpyxl
import sqlalchemy as sa

from survey.core.database import db
from survey.models import AuditEntry, Campaign, Link, School
from tests.helpers import complete_answers, csrf_of, hidden_fields, login, questionnaire_for

SCHOOLS_CSV = (
    "学校代码,学校名称,学段,城乡类型,在校生数,教师数\n"
    "A001,阳光小学,小学,城区,1200,70\n"
    "A002,河西初级中学,初中,镇区,800,60\n"
    "A003,山口村小学,小学,乡村,45,6\n"
)


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _new_campaign(client, **extra) -> int:
    token = csrf_of(client, "/console/campaigns/new")
    data = {
        "csrf_token": token,
        "name": "2026年测试县社会认可度调查",
        "slug": "test-2026",
        "layout": "six_forms",
        "groups": ["parent", "student", "teacher"],
        "link_mode": "open",
        "threshold": "85",
        "method": "positive_share",
        "opens_at": "",
        "closes_at": "",
    }
    data.update(min_cell="5", speed_floor="30", screen_rule="strong", min_verdict_n="10")
    data.update(extra)
    resp = client.post("/console/campaigns/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(re.search(r"/campaigns/(\d+)/schools", resp.headers["Location"]).group(1))


def test_admin_sets_up_and_runs_a_campaign(app, client, staff):
    login(client, "admin")
    cid = _new_campaign(client)
    token = csrf_of(client, f"/console/campaigns/{cid}/schools")
    resp = client.post(
        f"/console/campaigns/{cid}/schools",
        data={"csrf_token": token, "file": (io.BytesIO(SCHOOLS_CSV.encode("gbk")), "schools.csv")},
    )
    assert resp.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Link).where(Link.campaign_id == cid)
            )
            == 9
        )

    # targets from the calculator, then saved
    page = client.get(
        f"/console/campaigns/{cid}/targets?way=calculator&margin=0.05&confidence=0.95&expected=0.85"
    )
    html = page.get_data(as_text=True)
    assert "n0 = z²·p·(1−p)/e²" in html and "有限总体校正" in html
    values = dict(re.findall(r'name="(t-\d+)" aria-label="[^"]*" value="(\d*)"', html))
    assert len(values) == 9 and all(v.isdigit() for v in values.values())
    resp = client.post(
        f"/console/campaigns/{cid}/targets",
        data={"csrf_token": csrf_of(client, f"/console/campaigns/{cid}/targets"), **values},
    )
    assert resp.status_code == 302
    with app.app_context():
        targets = db.session.scalars(sa.select(Link.target).where(Link.campaign_id == cid)).all()
        assert all(t is not None for t in targets)
        parents = db.session.scalar(
            sa.select(sa.func.sum(Link.target)).where(
                Link.campaign_id == cid, Link.group == "parent"
            )
        )
        assert parents * 2 >= sum(targets)  # parents at least half

    # open, answer, watch progress move, close
    client.post(
        f"/console/campaigns/{cid}/status",
        data={"csrf_token": csrf_of(client, "/console/"), "status": "open"},
    )
    with app.app_context():
        assert db.session.get(Campaign, cid).state() == "open"
        token = db.session.scalar(
            sa.select(Link.token)
            .join(School)
            .where(Link.campaign_id == cid, School.code == "A001", Link.group == "parent")
        )
    before = client.get(f"/console/campaigns/{cid}?fragment=1").get_data(as_text=True)
    assert '<b id="total-count">0</b>' in before
    respondent = app.test_client()
    q = questionnaire_for(app, cid, "parent")
    form = respondent.get(f"/s/{token}").get_data(as_text=True)
    assert (
        respondent.post(
            f"/s/{token}", data={**hidden_fields(form), **complete_answers(q, "parent")}
        ).status_code
        == 303
    )
    after = client.get(f"/console/campaigns/{cid}?fragment=1").get_data(as_text=True)
    assert '<b id="total-count">1</b>' in after

    client.post(
        f"/console/campaigns/{cid}/status",
        data={"csrf_token": csrf_of(client, "/console/"), "status": "closed", "confirm": "1"},
    )
    assert respondent.get(f"/s/{token}").status_code == 410
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {
        "campaign.create",
        "schools.import",
        "targets.update",
        "campaign.open",
        "campaign.closed",
    } <= actions


def test_bad_schools_file_imports_nothing_and_names_the_row(app, client, staff):
    login(client, "admin")
    cid = _new_campaign(client)
    rows = [
        ["code", "name", "stage", "location", "enrolment", "teachers"],
        ["B1", "一小", "小学", "城区", 500, 30],
        ["B2", "二小", "高中", "城区", 300, 20],
        ["B3", "三小", "小学", "乡村", "很多", 5],
    ]
    resp = client.post(
        f"/console/campaigns/{cid}/schools",
        data={
            "csrf_token": csrf_of(client, f"/console/campaigns/{cid}/schools"),
            "file": (io.BytesIO(_xlsx(rows)), "schools.xlsx"),
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "<td>3</td><td>stage</td>" in html and "高中" in html
    assert "<td>4</td><td>enrolment</td>" in html
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(School).where(School.campaign_id == cid)
            )
            == 0
        )


def test_campaign_form_errors_are_shown(client, staff):
    login(client, "admin")
    token = csrf_of(client, "/console/campaigns/new")
    resp = client.post(
        "/console/campaigns/new",
        data={
            "csrf_token": token,
            "name": "",
            "layout": "six_forms",
            "link_mode": "open",
            "threshold": "0.85",  # a fraction typed where a percentage is asked
            "method": "positive_share",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "请填写名称" in html and "至少选择一个群体" in html and "达标线应在50%到100%之间" in html


def test_analysis_settings_are_saved_and_used(app, client, runner, demo, staff):
    import json

    login(client, "admin")
    url = f"/console/campaigns/{demo}/edit"
    page = client.get(url).get_data(as_text=True)
    rule = re.search(r'<select[^>]*name="screen_rule".*?</select>', page, re.S).group(0)
    assert re.search(r'value="strong" selected|selected[^>]*value="strong"', rule)
    data = {
        "csrf_token": csrf_of(client, url),
        "name": "改名后的调查",
        "layout": "six_forms",
        "groups": ["student", "parent", "teacher", "principal", "deputy", "public"],
        "link_mode": "open",
        "threshold": "85",
        "method": "overall_item",
        "group_weights": "家长=0.4，学生=0.2, teacher=0.4",
        "poststratify": "y",
        "min_cell": "3",
        "min_verdict_n": "8",
        "screen_rule": "none",
        "speed_floor": "20",
        "opens_at": "",
        "closes_at": "",
    }
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        c = db.session.get(Campaign, demo)
        assert c.group_weights == {"parent": 0.4, "student": 0.2, "teacher": 0.4}
        assert c.poststratify and c.screen_rule == "none" and c.min_cell == 3
        assert c.min_verdict_n == 8
        assert c.method == "overall_item" and c.speed_floor == 20
    result = json.loads(runner.invoke(args=["analyze", "demo-2026", "--json"]).output)
    assert result["method"] == "overall_item" and result["poststratified"] is True
    assert result["screen_rule"] == "none" and result["min_cell"] == 3
    assert result["min_verdict_n"] == 8

    data["group_weights"] = "校友=1"
    resp = client.post(url, data={**data, "csrf_token": csrf_of(client, url)})
    assert resp.status_code == 400 and "不认识的群体“校友”" in resp.get_data(as_text=True)
