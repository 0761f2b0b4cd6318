"""Links handed out as QR codes, printable notices, a ZIP, and one-time code slips."""

from __future__ import annotations

import io
import re
import zipfile

import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Link
from tests.helpers import csrf_of, login


def _link(app, demo):
    with app.app_context():
        return db.session.scalars(sa.select(Link).where(Link.campaign_id == demo)).first()


def test_qr_codes_and_notice(app, client, demo, staff):
    login(client, "admin")
    link = _link(app, demo)
    svg = client.get(f"/console/links/{link.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and b"<path" in svg.data
    png = client.get(f"/console/links/{link.id}/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    notice = client.get(f"/console/links/{link.id}/notice").get_data(as_text=True)
    assert "示例县城关第一小学" in notice and "<svg" in notice and f"/s/{link.token}" in notice
    assert "print.css" in notice


def test_zip_has_every_link(app, client, demo, staff):
    login(client, "admin")
    resp = client.get(f"/console/campaigns/{demo}/qr.zip")
    assert resp.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert len([n for n in names if n.endswith(".png")]) == 48
    assert len([n for n in names if n.endswith(".svg")]) == 48
    index = zipfile.ZipFile(io.BytesIO(resp.data)).read("links.csv").decode("utf-8-sig")
    assert index.count("/s/") == 48


def test_codes_generated_and_printed_as_slips(app, client, demo, staff):
    with app.app_context():
        db.session.get(Campaign, demo).link_mode = "code"
        db.session.commit()
    login(client, "admin")
    link = _link(app, demo)
    resp = client.post(
        f"/console/links/{link.id}/codes",
        data={"csrf_token": csrf_of(client, "/console/"), "count": "12"},
    )
    assert resp.status_code == 302
    slips = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert slips.count('class="slip"') == 12 and slips.count("<svg") == 12
    bad = client.post(
        f"/console/links/{link.id}/codes",
        data={"csrf_token": csrf_of(client, "/console/"), "count": "0"},
    )
    assert bad.status_code == 303
    assert "一次可生成1到2000个" in client.get(bad.headers["Location"]).get_data(as_text=True)


def test_the_links_index_in_the_zip_runs_no_formula(app, client, demo, staff):
    """A school named like a formula is written as text, its own cell, in links.csv."""
    import csv
    import io
    import zipfile

    from survey.models import School

    with app.app_context():
        school = db.session.scalar(sa.select(School).where(School.code == "4101010001"))
        school.name = '=HYPERLINK("http://evil.example","点这里"),第二列'
        db.session.commit()
    login(client, "admin")
    body = client.get(f"/console/campaigns/{demo}/qr.zip").data
    index = zipfile.ZipFile(io.BytesIO(body)).read("links.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(index)))
    named = [r for r in rows if r[0] == "4101010001"]
    assert named and all(len(r) == 5 for r in rows)
    assert all(r[1] == '\'=HYPERLINK("http://evil.example","点这里"),第二列' for r in named)


def _targets(app, demo, n: int = 10) -> None:
    with app.app_context():
        for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == demo)):
            link.target = n
        db.session.commit()


def _school_id(app, demo, code: str) -> int:
    from survey.models import School

    with app.app_context():
        return db.session.scalar(
            sa.select(School.id).where(School.campaign_id == demo, School.code == code)
        )


def test_one_document_holds_every_notice_of_a_school_or_of_the_campaign(app, client, demo, staff):
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        campaign.contact = "县教育局督导室 0355-1234567"
        campaign.organiser = "示例县人民政府教育督导室"
        campaign.closes_at = campaign.created_at.replace(year=2031, month=6, day=30, hour=10)
        db.session.commit()
    login(client, "admin")
    school = _school_id(app, demo, "4101010003")
    one = client.get(f"/console/campaigns/{demo}/notices?school={school}")
    html = one.get_data(as_text=True)
    assert one.status_code == 200
    pages = html.count('class="notice sheet"')
    assert pages == 6  # one A4 page per group of the school
    assert html.count("示例县实验中学 · ") == 6 and "城关第一小学" not in html
    for words in ("示例县人民政府教育督导室", "0355-1234567", "2031-06-30", "为了解社会各界"):
        assert words in html
    # the QR code carries a viewBox and no fixed size: the print CSS sizes and centres it
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) == 6 and all("viewBox" in s and "width" not in s for s in svgs)
    every = client.get(f"/console/campaigns/{demo}/notices").get_data(as_text=True)
    assert every.count('class="notice sheet"') == 48  # 8 schools x 6 groups, one document


def test_a_coordinator_prints_only_their_own_schools_notices(app, client, demo, staff):
    login(client, "coord")
    mine = client.get(f"/console/campaigns/{demo}/notices").get_data(as_text=True)
    assert mine.count('class="notice sheet"') == 6 and "示例县城关第一小学" in mine
    assert "示例县实验中学" not in mine
    other = _school_id(app, demo, "4101010003")
    assert client.get(f"/console/campaigns/{demo}/notices?school={other}").status_code == 403
    assert client.get(f"/console/campaigns/{demo}/notices?school=x1").status_code == 404


def test_codes_for_the_whole_campaign_in_one_action_sized_from_targets(app, client, demo, staff):
    from survey.models import AccessCode

    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        campaign.link_mode, campaign.code_margin = "code", 25
        db.session.commit()
    _targets(app, demo, 10)
    login(client, "admin")
    sent = client.post(
        f"/console/campaigns/{demo}/codes", data={"csrf_token": csrf_of(client, "/console/")}
    )
    assert sent.status_code == 303
    with app.app_context():
        per_link = dict(
            db.session.execute(
                sa.select(AccessCode.link_id, sa.func.count()).group_by(AccessCode.link_id)
            ).all()
        )
    assert len(per_link) == 48 and set(per_link.values()) == {13}  # ceil(10 x 1.25)
    slips = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert slips.count('class="slip"') == 48 * 13 and slips.count('class="sheet"') == 48
    # again: the unused codes already cover the targets, none are added
    client.post(
        f"/console/campaigns/{demo}/codes", data={"csrf_token": csrf_of(client, "/console/")}
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessCode)) == 48 * 13


def test_codes_and_slips_for_one_school(app, client, demo, staff):
    with app.app_context():
        db.session.get(Campaign, demo).link_mode = "code"
        db.session.commit()
    _targets(app, demo, 4)
    school = _school_id(app, demo, "4101010001")
    login(client, "admin")
    sent = client.post(
        f"/console/campaigns/{demo}/codes",
        data={"csrf_token": csrf_of(client, "/console/"), "school": str(school)},
    )
    slips = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert slips.count('class="slip"') == 6 * 5  # six groups, ceil(4 x 1.2) each
    assert "示例县实验中学" not in slips
    coordinator = app.test_client()
    login(coordinator, "coord")
    mine = coordinator.get(f"/console/campaigns/{demo}/slips").get_data(as_text=True)
    assert mine.count('class="slip"') == 30


def test_links_without_targets_get_no_codes_and_the_bureau_is_told(app, client, demo, staff):
    with app.app_context():
        db.session.get(Campaign, demo).link_mode = "code"
        db.session.commit()
    login(client, "admin")
    sent = client.post(
        f"/console/campaigns/{demo}/codes",
        data={"csrf_token": csrf_of(client, "/console/")},
        follow_redirects=True,
    )
    assert "48 个链接还没有目标数" in sent.get_data(as_text=True)
