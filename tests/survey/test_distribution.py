"""Links handed out as QR codes, printable notices, a ZIP, and one-time code slips."""

from __future__ import annotations

import io
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
    assert named and all(len(r) == 4 for r in rows)
    assert all(r[1] == '\'=HYPERLINK("http://evil.example","点这里"),第二列' for r in named)
