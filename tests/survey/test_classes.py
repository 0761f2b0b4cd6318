"""Classes under schools: imported with the school list or typed in later by the school, links
for each class's pupils and parents, counts per class for the head teacher, and class rates in
the report under the small-cell rule."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Link, Response, School, SchoolClass
from tests.helpers import complete_answers, csrf_of, hidden_fields, login, questionnaire_for

BY_CLASS = (
    "学校代码,学校名称,学段,城乡类型,在校生数,年级,班级,班级人数\n"
    "A001,青山小学,小学,城区,900,三年级,1班,45\n"
    "A001,青山小学,小学,城区,900,三年级,2班,44\n"
    "A002,河西小学,小学,乡村,300,,,\n"
)
COORD_SCHOOL = "4101010001"  # the demo coordinator's


@pytest.fixture
def new_campaign(app, admin, campaign_form):
    """new_campaign(csv_text, **form) -> (campaign id, response of the school import)."""

    def make(schools: str, **form):
        token = csrf_of(admin, "/console/campaigns/new")
        made = admin.post(
            "/console/campaigns/new",
            data={**campaign_form, "name": "班级测试", "csrf_token": token, **form},
        )
        assert made.status_code == 302, made.get_data(as_text=True)
        cid = int(re.search(r"/campaigns/(\d+)/", made.headers["Location"]).group(1))
        sent = admin.post(
            f"/console/campaigns/{cid}/schools",
            data={"csrf_token": token, "file": (io.BytesIO(schools.encode()), "schools.csv")},
            content_type="multipart/form-data",
        )
        return cid, sent

    return make


@pytest.fixture
def add_classes(app):
    """add_classes(client, campaign_id, school_code, lines) -> the response of the form."""

    def post(client, campaign_id: int, code: str, lines: str):
        with app.app_context():
            school_id = db.session.scalar(
                sa.select(School.id).where(School.campaign_id == campaign_id, School.code == code)
            )
        url = f"/console/campaigns/{campaign_id}/classes"
        return client.post(
            f"/console/campaigns/{campaign_id}/schools/{school_id}/classes",
            data={"csrf_token": csrf_of(client, url), "lines": lines},
        )

    return post


def _links(app, campaign_id: int) -> set[tuple[str, str | None, str]]:
    with app.app_context():
        return {
            (link.school.code, link.school_class.label if link.school_class else None, link.group)
            for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == campaign_id))
        }


def test_a_school_file_with_a_row_per_class_makes_classes_and_their_links(
    app, admin, runner, new_campaign
):
    cid, sent = new_campaign(BY_CLASS, groups=["student", "parent", "teacher"])
    assert sent.status_code == 302, sent.get_data(as_text=True)
    links = _links(app, cid)
    assert ("A001", "三年级1班", "parent") in links and ("A001", "三年级2班", "student") in links
    assert ("A001", None, "parent") in links  # the school-wide link stays
    assert not any(c and g == "teacher" for _, c, g in links)  # teachers have no class links
    assert not any(code == "A002" and c for code, c, _ in links)
    assert len(links) == 2 * 3 + 2 * 2  # school-wide × 3 groups, two classes × 2 groups
    with app.app_context():
        pupils = db.session.scalars(sa.select(SchoolClass.pupils).order_by(SchoolClass.name))
        assert list(pupils) == [45, 44]
    out = runner.invoke(args=["links", str(cid), "--json"])
    rows = json.loads(out.output)
    assert {r["class"] for r in rows} == {None, "三年级1班", "三年级2班"}
    page = admin.get(f"/console/campaigns/{cid}/classes").get_data(as_text=True)
    assert "三年级1班" in page and "三年级2班" in page and page.count('class="url"') == 4
    # importing the same file again adds nothing twice
    again = admin.post(
        f"/console/campaigns/{cid}/schools",
        data={
            "csrf_token": csrf_of(admin, "/console/"),
            "file": (io.BytesIO(BY_CLASS.encode()), "s.csv"),
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 302 and _links(app, cid) == links


@pytest.mark.parametrize(
    "line, says",
    [
        ("A001,青山第二小学,小学,城区,900,三年级,3班,40\n", "不一致"),
        ("A001,青山小学,小学,城区,900,三年级,2班,40\n", "重复"),
        ("A001,青山小学,小学,城区,900,三年级,,40\n", "年级和班级都要填写"),
        ("A001,青山小学,小学,城区,900,三年级,4班,四十\n", "班级人数"),
    ],
)
def test_a_class_row_that_disagrees_or_repeats_is_refused_and_nothing_changes(
    app, new_campaign, line, says
):
    cid, sent = new_campaign(BY_CLASS + line)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 422 and says in page and "<td>5</td>" in page, page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).where(School.campaign_id == cid)) == 0


def test_the_school_coordinator_adds_its_classes_and_only_its_own(app, staff, demo, add_classes):
    coord = app.test_client()
    login(coord, "coord")
    bad = add_classes(coord, demo, COORD_SCHOOL, "三年级 1班 45\n三年级\n四年级 1班 900")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "第 2 行" in page and "第 3 行" in page
    assert "三年级 1班 45" in page  # what was typed comes back to be corrected
    sent = add_classes(coord, demo, COORD_SCHOOL, "三年级 1班 45\n三年级，2班\n")
    assert sent.status_code == 302
    links = _links(app, demo)
    assert {(c, g) for code, c, g in links if c} == {
        ("三年级1班", "student"),
        ("三年级1班", "parent"),
        ("三年级2班", "student"),
        ("三年级2班", "parent"),
    }
    assert all(code == COORD_SCHOOL for code, c, _ in links if c)
    assert add_classes(coord, demo, "4101010002", "三年级 1班").status_code == 403
    page = coord.get(f"/console/campaigns/{demo}/classes").get_data(as_text=True)
    assert "三年级2班" in page and "河东镇中心小学" not in page
    analyst = app.test_client()
    login(analyst, "analyst")
    seen = analyst.get(f"/console/campaigns/{demo}/classes").get_data(as_text=True)
    assert "三年级1班" in seen and "添加班级" not in seen  # reads, never adds
    assert add_classes(analyst, demo, COORD_SCHOOL, "五年级 1班").status_code == 403


def _class_token(app, demo, label, group) -> str:
    with app.app_context():
        for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == demo)):
            if link.school_class and link.school_class.label == label and link.group == group:
                return link.token
    raise AssertionError(label)


def test_answers_through_a_class_link_count_for_the_class_and_its_school(
    app, staff, demo, add_classes, runner
):
    coord = app.test_client()
    login(coord, "coord")
    assert add_classes(coord, demo, COORD_SCHOOL, "三年级 1班 20\n三年级 2班 40").status_code == 302
    with app.app_context():  # answered in a blink here, all alike: nothing screened out
        db.session.get(Campaign, demo).speed_floor = 0
        db.session.get(Campaign, demo).screen_rule = "none"
        db.session.commit()
    q = questionnaire_for(app, demo, "parent")
    plan = [("三年级1班", k) for k in range(6)] + [("三年级2班", 0)]
    for n, (label, k) in enumerate(plan):
        token = _class_token(app, demo, label, "parent")
        phone = app.test_client()
        page = phone.get(f"/s/{token}", environ_base={"REMOTE_ADDR": f"10.0.{n}.1"})
        html = page.get_data(as_text=True)
        assert f"示例县城关第一小学 {label}" in html  # the parent sees the class named
        sent = phone.post(
            f"/s/{token}",
            data={**hidden_fields(html), **complete_answers(q, "parent", k % 2)},
            environ_base={"REMOTE_ADDR": f"10.0.{n}.1"},
        )
        assert sent.status_code == 303
    with app.app_context():
        stored = db.session.execute(
            sa.select(SchoolClass.name, sa.func.count())
            .join(Response, Response.class_id == SchoolClass.id)
            .group_by(SchoolClass.name)
        ).all()
        assert dict(stored) == {"1班": 6, "2班": 1}
    page = coord.get(f"/console/campaigns/{demo}/classes").get_data(as_text=True)
    row1 = re.search(r"<td>三年级1班</td>.*?</tr>", page, re.S).group(0)
    assert ">6 <small>（30%）</small>" in row1  # 6 of 20 pupils' parents
    dashboard = coord.get(f"/console/campaigns/{demo}").get_data(as_text=True)
    assert "示例县城关第一小学" in dashboard
    out = runner.invoke(args=["analyze", str(demo), "--json"])
    classes = {(r["class_label"], r["group"]): r for r in json.loads(out.output)["classes"]}
    one, two = classes[("三年级1班", "parent")], classes[("三年级2班", "parent")]
    assert one["n"] == 6 and one["rate"] is not None and one["school_code"] == COORD_SCHOOL
    assert two["n"] == 1 and two["rate"] is None and two["suppressed"]  # small cell
    admin = app.test_client()
    login(admin, "admin")
    report = admin.get(f"/console/campaigns/{demo}/report").get_data(as_text=True)
    assert "各班级" in report and "三年级2班" in report and "人数少于5，不显示" in report
