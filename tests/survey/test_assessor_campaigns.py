"""A city's campaign over its counties (市级复核): the assessor sees everything; the assessed
county and its schools' coordinators follow their own counts, only when allowed, and never see
answers, rates, comments or files."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import Campaign, Link, Org, School
from survey.services.campaigns import create_campaign, registry
from survey.services.orgs import create_org
from survey.services.responses import store_response
from tests.helpers import PASSWORD, complete_answers, csrf_of, login

STRONG = PASSWORD + "A1!"
SCHOOLS = (
    "学校代码,学校名称,学段,城乡类型,在校生数,区县\n"
    "4101010001,示例县城关第一小学,小学,城区,800,示例县\n"
    "4101010002,示例县城关第二小学,小学,城区,600,示例县\n"
    "4201010001,东县第一小学,小学,城区,700,东县\n"
    "4201010002,东县第一中学,初中,城区,900,东县\n"
)


def _client(app, name: str, password: str = STRONG):
    client = app.test_client()
    login(client, name, password)
    return client


@pytest.fixture
def review(app, tree):
    """长治市's review campaign over 示例县 and 东县, schools imported by the city admin, five
    answers per link."""
    with app.app_context():
        city = db.session.scalar(sa.select(Org).where(Org.name == "长治市"))
        create_org("county", "东县", "长治市")
        campaign = create_campaign(city, "2026年长治市市级复核", groups=["parent", "student"])
        db.session.commit()
        cid = campaign.id
    city_admin = _client(app, "city-admin")
    sent = city_admin.post(
        f"/console/campaigns/{cid}/schools",
        data={
            "csrf_token": csrf_of(city_admin, "/console/"),
            "file": (io.BytesIO(SCHOOLS.encode("utf-8")), "schools.csv"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        campaign.status = "open"
        for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == cid)):
            link.target = 10
            q = registry().get(campaign.forms[link.group])
            # 示例县 satisfied, 东县 less so: the ranking has something to rank
            east = link.school.code.startswith("42")
            for k in range(5):
                answers = complete_answers(q, link.group, 2 if east and k < 3 else 0)
                if link.group == "parent":
                    answers["C01"] = "县城的秘密意见"
                store_response(
                    link=link,
                    questionnaire=q,
                    answers=answers,
                    submission_id=uuid.uuid4().hex,
                    started_at=utcnow() - timedelta(minutes=5),
                )
        db.session.commit()
    return cid


def _allow(app, cid: int, on: bool = True) -> None:
    with app.app_context():
        db.session.get(Campaign, cid).assessed_see_progress = on
        db.session.commit()


def test_the_schools_know_their_county(app, review):
    with app.app_context():
        rows = db.session.execute(
            sa.select(School.code, Org.name)
            .join(Org, School.county_id == Org.id)
            .where(School.campaign_id == review)
        ).all()
    assert sorted(rows) == [
        ("4101010001", "示例县"),
        ("4101010002", "示例县"),
        ("4201010001", "东县"),
        ("4201010002", "东县"),
    ]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("4301010001,某校,小学,城区,100,\n", "须填写学校所属区县"),
        ("4301010001,某校,小学,城区,100,沁源县\n", "不是长治市下属的区县"),
    ],
)
def test_a_school_without_a_county_of_the_city_imports_nothing(app, review, line, words):
    city_admin = _client(app, "city-admin")
    sent = city_admin.post(
        f"/console/campaigns/{review}/schools",
        data={
            "csrf_token": csrf_of(city_admin, "/console/"),
            "file": (io.BytesIO((SCHOOLS + line).encode()), "s.csv"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 422 and words in sent.get_data(as_text=True)
    assert "第 6 行" in sent.get_data(as_text=True) or ">6<" in sent.get_data(as_text=True)


def test_the_assessed_county_sees_nothing_until_allowed(app, review):
    county = _client(app, "admin", PASSWORD)
    assert county.get(f"/console/campaigns/{review}").status_code == 404
    assert "市级复核" not in county.get("/console/").get_data(as_text=True)


def test_the_assessed_county_follows_only_its_own_counts(app, review):
    _allow(app, review)
    county = _client(app, "admin", PASSWORD)
    assert "2026年长治市市级复核" in county.get("/console/").get_data(as_text=True)
    page = county.get(f"/console/campaigns/{review}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "只可查看本县的答卷进度" in html
    assert "示例县城关第二小学" in html and "东县第一小学" not in html
    assert "认可度报告" not in html and "下载进度表" not in html and "秘密意见" not in html
    coord = _client(app, "coord", PASSWORD)
    mine = coord.get(f"/console/campaigns/{review}").get_data(as_text=True)
    assert "示例县城关第一小学" in mine and "示例县城关第二小学" not in mine


@pytest.mark.parametrize("user", ["admin", "analyst", "coord"])
def test_route_matrix_of_the_assessed(app, review, user, campaign_routes):
    """Every console route of the campaign: the progress page opens, everything else is 403
    (report, exports, comments, links, codes, schools, settings)."""
    _allow(app, review)
    client = _client(app, user, PASSWORD)
    with app.app_context():
        link_id = db.session.scalar(sa.select(Link.id).where(Link.campaign_id == review))
    seen = campaign_routes(client, review, link_id)
    for endpoint, method, url, status in seen:
        if endpoint == "console.dashboard" and method == "GET":
            assert status == 200, url
        else:
            assert status == 403, (method, url, status)
    assert len(seen) > 20


def test_the_assessor_sees_everything(app, review):
    for name in ("city-admin", "city-analyst"):
        client = _client(app, name)
        report = client.get(f"/console/campaigns/{review}/report")
        assert report.status_code == 200 and "县城的秘密意见" in report.get_data(as_text=True)
        with client.get(f"/console/campaigns/{review}/export.csv") as export:  # a file body: closed
            assert export.status_code == 200
    dashboard = (
        _client(app, "city-admin").get(f"/console/campaigns/{review}").get_data(as_text=True)
    )
    assert "东县第一小学" in dashboard and "示例县城关第一小学" in dashboard
    # counties first (each 20 answers of a target of 40), then the schools
    counties = dashboard.index('class="grid progress counties"')
    assert counties < dashboard.index("东县第一小学")
    table = dashboard[counties : dashboard.index("</table>", counties)]
    assert table.count("<tr><td>") == 2 and table.count("50%") == 2


def test_another_city_sees_nothing_of_the_review(app, review):
    _allow(app, review)
    other = _client(app, "other-city")
    assert other.get(f"/console/campaigns/{review}").status_code == 404


def test_the_review_rolls_up_by_county_ranked(app, runner, review):
    out = runner.invoke(args=["analyze", str(review), "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    counties = doc["counties"]
    assert [c["county"] for c in counties] and {c["county"] for c in counties} == {"示例县", "东县"}
    assert [c["rank"] for c in counties] == [1, 2]
    assert [c["county"] for c in counties] == ["示例县", "东县"]
    assert counties[0]["rate"] > counties[1]["rate"]
    for c in counties:
        assert c["n"] == 2 * 2 * 5  # two schools, two groups, five answers each
        assert set(c["groups"]) == {"parent", "student"}
        for g in c["groups"].values():
            assert {"n", "rate", "verdict", "interval_vs_threshold"} <= set(g) and g["n"] == 10
        assert c["verdict"] in ("meets", "below", "insufficient")
    # a county's own campaign has no roll-up
    own = json.loads(runner.invoke(args=["analyze", "1", "--json"]).output)
    assert own["counties"] is None


def test_the_report_ranks_counties_and_drills_down_to_one(app, review):
    city = _client(app, "city-admin")
    html = city.get(f"/console/campaigns/{review}/report").get_data(as_text=True)
    assert "各区县（按认可率排名）" in html and "county=%E4%B8%9C%E5%8E%BF" in html
    one = city.get(f"/console/campaigns/{review}/report?county=东县").get_data(as_text=True)
    assert "东县第一小学" in one and "示例县城关第一小学" not in one and "返回全部区县" in one
    assert city.get(f"/console/campaigns/{review}/report?county=无此县").status_code == 404
    book = city.get(f"/console/campaigns/{review}/export.xlsx")
    data = book.data
    book.close()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    ranked = [row[:2] for row in workbook["区县"].iter_rows(min_row=2, values_only=True)]
    assert sorted(county for _, county in ranked) == ["东县", "示例县"]
    assert [rank for rank, _ in ranked] == [1, 2]
