"""A bureau imports an XLSForm in the console: a new version of the parent form, served at once
with its conditions and choice filter; a broken one lists its problems and changes nothing;
every definition downloads as XLSForm; only the top bureau's admins import."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from survey.core.database import db
from survey.models import QuestionnaireDefinition, Response
from tests.helpers import PASSWORD, csrf_of, hidden_fields, link_token, login

EXAMPLE = Path(__file__).parents[2] / "questionnaires" / "examples" / "family.xlsx"


def _upload(client, data: bytes, code: str = "parent"):
    return client.post(
        "/console/questionnaires",
        data={
            "csrf_token": csrf_of(client, "/console/questionnaires"),
            "code": code,
            "file": (io.BytesIO(data), "form.xlsx"),
        },
        content_type="multipart/form-data",
    )


def test_an_imported_form_is_served_at_once_with_its_logic(app, admin, demo, runner):
    sent = _upload(admin, EXAMPLE.read_bytes())
    assert sent.status_code == 302
    page = admin.get("/console/questionnaires").get_data(as_text=True)
    assert "家长卷（双语）" in page and "待母语者审校" in page
    token = link_token(app, demo, "parent")
    phone = app.test_client()
    html = phone.get(f"/s/{token}").get_data(as_text=True)
    assert "孩子在读学段" in html and 'data-filter="BAND"' in html and 'data-when="j"' in html
    answers = {"BAND": "p", "GRADE": "3", "Q1": "1", "Q2": "1", "Q4": "2", "Q5": "1"}
    wrong = phone.post(f"/s/{token}", data={**hidden_fields(html), **answers, "GRADE": "8"})
    assert wrong.status_code == 422  # 八年级 is not offered to a 小学 parent
    stored = phone.post(f"/s/{token}", data={**hidden_fields(html), **answers, "Q3": "4"})
    assert stored.status_code == 303
    with app.app_context():
        row = db.session.scalars(sa.select(Response)).one()
        assert (row.questionnaire, row.questionnaire_version) == ("parent", 2)
        assert "Q3" not in row.answers and row.answers["GRADE"] == "3"
        assert db.session.scalar(sa.select(QuestionnaireDefinition.version)) == 2
    # another process (a second worker or host) finds it in the database
    from survey.services.definitions import refresh
    from tests.helpers import make_app, release

    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.app_context():
            refresh(other.extensions["questionnaires"], force=True)
            assert other.extensions["questionnaires"].get("parent").version == 2
    finally:
        release(other, reset=False)
    listed = json.loads(runner.invoke(args=["questionnaires", "--json"]).output)
    assert {(q["code"], q["version"]) for q in listed} >= {("parent", 1), ("parent", 2)}


def test_a_broken_xlsform_lists_its_problems_and_changes_nothing(app, admin):
    book = openpyxl.load_workbook(io.BytesIO(EXAMPLE.read_bytes()))
    book["survey"]["A9"] = "geopoint"
    book["survey"]["I5"] = "maybe"
    out = io.BytesIO()
    book.save(out)
    sent = _upload(admin, out.getvalue())
    page = sent.get_data(as_text=True)
    assert sent.status_code == 422 and "2 处问题" in page
    assert "<td>survey</td><td>9</td><td>type</td>" in page and "geopoint" in page
    assert "<td>survey</td><td>5</td><td>scored</td>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(QuestionnaireDefinition.id))) == 0


def test_every_definition_downloads_as_xlsform(admin):
    got = admin.get("/console/questionnaires/social/v2.xlsx")
    assert got.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(got.data))
    assert book.sheetnames == ["survey", "choices", "settings"]
    assert admin.get("/console/questionnaires/social/v9.xlsx").status_code == 404


def test_only_the_top_bureaus_admins_import(app, tree):
    county = app.test_client()
    login(county, "admin")  # 示例县 sits under 长治市 now
    assert _upload(county, EXAMPLE.read_bytes()).status_code == 403
    province = app.test_client()
    login(province, "province-admin", PASSWORD + "A1!")  # the tree fixture's password
    assert _upload(province, EXAMPLE.read_bytes()).status_code == 302
