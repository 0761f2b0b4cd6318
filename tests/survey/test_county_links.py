"""County-wide links: deputies, CPPCC members and the public belong to no school, so they answer
through one link per county (a unit named 全县), sized and reported as such."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Link, Response, School
from tests.helpers import (
    PASSWORD,
    complete_answers,
    csrf_of,
    hidden_fields,
    login,
    questionnaire_for,
)

SCHOOLS = (
    "学校代码,学校名称,学段,城乡类型,在校生数,教师数\n"
    "A001,青山小学,小学,城区,900,60\n"
    "A002,河西小学,小学,乡村,300,25\n"
    "A003,青山中学,初中,城区,1200,90\n"
)


@pytest.fixture
def made(app, admin, campaign_form):
    """A campaign of every group made in the console with county links, schools imported."""
    token = csrf_of(admin, "/console/campaigns/new")
    sent = admin.post(
        "/console/campaigns/new",
        data={**campaign_form, "csrf_token": token, "county_links": "y"},
    )
    cid = int(re.search(r"/campaigns/(\d+)/", sent.headers["Location"]).group(1))
    imported = admin.post(
        f"/console/campaigns/{cid}/schools",
        data={"csrf_token": token, "file": (io.BytesIO(SCHOOLS.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    return cid


def _links(app, cid) -> set[tuple[str, str]]:
    with app.app_context():
        return {
            (code, group)
            for code, group in db.session.execute(
                sa.select(School.code, Link.group)
                .join(School, Link.school_id == School.id)
                .where(Link.campaign_id == cid)
            )
        }


def _edit(admin, cid, form, **changes):
    url = f"/console/campaigns/{cid}/edit"
    data = {**form, "csrf_token": csrf_of(admin, url), **changes}
    return admin.post(url, data={k: v for k, v in data.items() if v is not None})


def test_deputies_and_the_public_answer_through_one_county_link(app, admin, made, runner):
    links = _links(app, made)
    assert {g for code, g in links if code == "全县"} == {"deputy", "public"}
    assert not any(g in ("deputy", "public") for code, g in links if code != "全县")
    assert len(links) == 3 * 4 + 2
    # the schools page and the campaign list count three schools, not four
    assert "<td>3</td>" in admin.get("/console/").get_data(as_text=True)
    # the targets' suggestion puts the county's deputies and public on the 全县 row
    page = admin.get(f"/console/campaigns/{made}/targets").get_data(as_text=True)
    unit_row = re.search(r"<tr><td>示例县（全县，不分学校）.*?</tr>", page, re.S).group(0)
    values = [int(v) for v in re.findall(r'value="(\d+)"', unit_row)]
    assert len(values) == 2 and all(v > 0 for v in values), unit_row
    school_row = re.search(r"<tr><td>青山小学.*?</tr>", page, re.S).group(0)
    assert school_row.count("<input") == 4
    assert "合计到“全县”" in page
    # a deputy answers through the county link; the answer belongs to the unit, not a school
    with app.app_context():
        db.session.get(Campaign, made).status = "open"
        db.session.get(Campaign, made).speed_floor = 0
        token = db.session.scalar(
            sa.select(Link.token)
            .join(School, Link.school_id == School.id)
            .where(Link.campaign_id == made, School.code == "全县", Link.group == "deputy")
        )
        db.session.commit()
    q = questionnaire_for(app, made, "deputy")
    for n in range(5):
        phone = app.test_client()
        env = {"REMOTE_ADDR": f"10.1.{n}.9"}
        html = phone.get(f"/s/{token}", environ_base=env).get_data(as_text=True)
        assert "示例县（全县，不分学校）" in html
        sent = phone.post(
            f"/s/{token}",
            data={**hidden_fields(html), **complete_answers(q, "deputy")},
            environ_base=env,
        )
        assert sent.status_code == 303
    with app.app_context():
        codes = db.session.scalars(
            sa.select(School.code).join(Response, Response.school_id == School.id)
        ).all()
        assert codes == ["全县"] * 5
    report = admin.get(f"/console/campaigns/{made}/report").get_data(as_text=True)
    assert "示例县（全县，不分学校）" in report and "全县" in report


def test_the_county_link_setting_changes_links_only_before_answers(app, admin, made, campaign_form):
    off = _edit(admin, made, campaign_form, county_links=None)
    assert off.status_code == 302
    links = _links(app, made)
    assert not any(code == "全县" for code, _ in links)
    assert ("A002", "deputy") in links and len(links) == 3 * 6
    with app.app_context():
        assert not any(s.county_wide for s in db.session.get(Campaign, made).schools)
    on = _edit(admin, made, campaign_form, county_links="y")
    assert on.status_code == 302
    assert {g for code, g in _links(app, made) if code == "全县"} == {"deputy", "public"}
    assert ("A002", "deputy") not in _links(app, made)
    # once an answer is in, the choice is fixed: refused, nothing changed
    with app.app_context():
        campaign = db.session.get(Campaign, made)
        campaign.status = "open"
        db.session.commit()
    with app.app_context():
        token = db.session.scalar(
            sa.select(Link.token).where(Link.campaign_id == made, Link.group == "public")
        )
    q = questionnaire_for(app, made, "public")
    phone = app.test_client()
    html = phone.get(f"/s/{token}").get_data(as_text=True)
    assert (
        phone.post(
            f"/s/{token}", data={**hidden_fields(html), **complete_answers(q, "public")}
        ).status_code
        == 303
    )
    before = _links(app, made)
    refused = _edit(admin, made, campaign_form, county_links=None)
    assert refused.status_code == 400
    assert "不能更改人大代表、政协委员和社会公众的链接方式" in refused.get_data(as_text=True)
    assert _links(app, made) == before


def test_a_round_cannot_open_with_the_county_unit_alone(app, admin, campaign_form):
    token = csrf_of(admin, "/console/campaigns/new")
    sent = admin.post(
        "/console/campaigns/new",
        data={**campaign_form, "csrf_token": token, "county_links": "y"},
    )
    cid = int(re.search(r"/campaigns/(\d+)/", sent.headers["Location"]).group(1))
    refused = admin.post(
        f"/console/campaigns/{cid}/status", data={"csrf_token": token, "status": "open"}
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, cid).status == "draft"


def test_a_school_code_cannot_take_the_county_units_name(app, admin, made):
    sent = admin.post(
        f"/console/campaigns/{made}/schools",
        data={
            "csrf_token": csrf_of(admin, "/console/"),
            "file": (io.BytesIO((SCHOOLS + "全县,冒名学校,小学,城区,10,1\n").encode()), "s.csv"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 422 and "留作全县统一链接" in sent.get_data(as_text=True)


def test_an_assessor_campaign_has_a_county_link_per_assessed_county(app, tree):
    from survey.models import Org
    from survey.services.campaigns import create_campaign
    from survey.services.orgs import create_org

    with app.app_context():
        city = db.session.scalar(sa.select(Org).where(Org.name == "长治市"))
        create_org("county", "东县", "长治市")
        cid = create_campaign(
            city, "市级复核", groups=["parent", "deputy", "public"], county_links=True
        ).id
        db.session.commit()
    city_admin = app.test_client()
    login(city_admin, "city-admin", PASSWORD + "A1!")  # the tree fixture's password
    sent = city_admin.post(
        f"/console/campaigns/{cid}/schools",
        data={
            "csrf_token": csrf_of(city_admin, "/console/"),
            "file": (
                io.BytesIO(
                    "学校代码,学校名称,学段,城乡类型,在校生数,区县\n"
                    "S1,示例县一小,小学,城区,800,示例县\n"
                    "E1,东县一小,小学,城区,700,东县\n".encode()
                ),
                "s.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    with app.app_context():
        units = {
            s.code: s.county.name for s in db.session.get(Campaign, cid).schools if s.county_wide
        }
    assert units == {"全县-示例县": "示例县", "全县-东县": "东县"}
    assert {g for code, g in _links(app, cid) if code.startswith("全县")} == {"deputy", "public"}
    assert len(_links(app, cid)) == 2 * 1 + 2 * 2


def test_the_county_link_setting_stays_once_sheets_are_printed_for_the_county_unit(
    app, admin, made, campaign_form, runner, tmp_path
):
    out = tmp_path / "deputies.docx"
    printed = runner.invoke(
        args=["paper-form", str(made), "--school", "全县", "--group", "deputy"]
        + ["--copies", "2", "--output", str(out)]
    )
    assert printed.exit_code == 0, printed.output
    before = _links(app, made)
    # the county unit's numbered sheets are out there: the unit cannot go away under them
    refused = _edit(admin, made, campaign_form, county_links=None)
    assert refused.status_code == 400
    assert "已为人大代表、政协委员或社会公众打印纸质问卷" in refused.get_data(as_text=True)
    assert _links(app, made) == before
    # other edits still go through
    renamed = _edit(admin, made, campaign_form, county_links="y", name="改名后的调查")
    assert renamed.status_code == 302
