"""The raw-data exports say, row by row, what each stored answer sheet says."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Response
from survey.reports.data import hidden_cells
from survey.services.campaigns import registry
from survey.services.demo import simulate_responses
from tests.helpers import login


@pytest.fixture
def mixed(app, demo):
    """300 simulated answers of every group, in an order of ids that is not the order of
    their groups, one with a comment that looks like a formula; the stored truth by id (the
    comments of cells under the small-cell limit withheld)."""
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        simulate_responses(campaign, 300, seed=11)
        hidden = hidden_cells(campaign, campaign.min_cell)
        assert hidden  # some small cells: their comments are withheld
        codes = {s.id: s.code for s in campaign.schools}
        first = next(
            r
            for r in db.session.scalars(
                sa.select(Response).where(Response.group == "parent").order_by(Response.id)
            )
            if (codes[r.school_id], "parent") not in hidden
        )
        first.answers = {**first.answers, "C01": "=1+1 家长的意见"}
        db.session.commit()
        truth = {}
        for r in db.session.scalars(sa.select(Response).where(Response.campaign_id == demo)):
            q = registry().get(r.questionnaire, r.questionnaire_version)
            labels = {
                it.code: it.option(r.answers[it.code]).label
                for it in q.choice_items
                if r.answers.get(it.code)
            }
            small = (codes[r.school_id], r.group) in hidden
            texts = {it.code: "" if small else r.answers.get(it.code) or "" for it in q.text_items}
            truth[r.id] = (r.group, labels, texts)
        return demo, truth


def test_the_csv_and_the_workbook_agree_with_every_stored_sheet(client, mixed, staff):
    demo, truth = mixed
    login(client, "admin")
    with client.get(f"/console/campaigns/{demo}/export.csv") as resp:
        text = resp.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    codes = [h.split(" ", 1)[0] for h in rows[0]]
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(truth)  # every sheet once, in the order they came
    for fmt in ("xlsx", "raw.xlsx"):  # the dossier workbook's sheet, and the raw workbook
        with client.get(f"/console/campaigns/{demo}/export.{fmt}") as resp:
            book = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)
        sheet = list(book["原始数据"].iter_rows(values_only=True))
        assert [h for h in sheet[0]] == rows[0]
        assert [int(r[0]) for r in sheet[1:]] == ids
        assert book["变量说明"].max_row > 100
        _agree(truth, codes, rows, sheet[1:])
    assert "'=1+1 家长的意见" in text


def _agree(truth, codes, rows, sheet) -> None:
    """Each CSV row and workbook row says what its stored sheet says."""
    checked = 0
    for row, cells in zip(rows[1:], sheet, strict=True):
        group, labels, texts = truth[int(row[0])]
        by_code = dict(zip(codes, row, strict=True))
        in_book = dict(zip(codes, cells, strict=True))
        for code, label in labels.items():
            assert by_code[code] == label and in_book[code] == label, (row[0], code)
            checked += 1
        asked = set(labels) | set(texts)
        for code in codes[15:]:  # the items this sheet's form does not ask stay empty
            if code not in asked:
                assert by_code[code] == "" and in_book[code] is None, (row[0], code)
        for code, comment in texts.items():
            if comment.startswith("="):
                assert by_code[code] == "'" + comment and in_book[code] == comment
            else:
                assert by_code[code] == comment and (in_book[code] or "") == comment
    assert checked > 3000


def test_a_large_campaign_s_workbook_points_to_the_raw_data_download(
    client, mixed, staff, monkeypatch
):
    from survey.reports import exports

    monkeypatch.setattr(exports, "RAW_IN_WORKBOOK", 100)  # stands for a province's million
    demo, truth = mixed
    login(client, "analyst")
    with client.get(f"/console/campaigns/{demo}/export.xlsx") as resp:
        book = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)
    note = [r for r in book["原始数据"].iter_rows(values_only=True)]
    assert note == [(f"答卷共 {len(truth)} 份，原始数据请在报告页下载“原始数据（Excel）”。",)]
    report = client.get(f"/console/campaigns/{demo}/report").get_data(as_text=True)
    assert "export.raw.xlsx" in report and "原始数据（Excel）" in report


def test_an_answer_stored_while_the_csv_is_read_is_left_out_whole(
    client, mixed, staff, monkeypatch
):
    """A sheet with a comment that lands after the answers were read (before its comment is)
    is not in this export at all: its comment is not pinned to another row."""
    from survey.reports import raw

    demo, truth = mixed
    read = raw.load_responses
    late = "迟到的家长意见"

    def read_then_one_more(campaign, **kwargs):
        frame = read(campaign, **kwargs)
        table = Response.__table__
        row = db.session.execute(
            sa.select(table).where(table.c.campaign_id == demo, table.c.group == "parent")
        ).first()
        values = {**row._mapping, "id": max(truth) + 1, "submission_id": "late-during-export"}
        values.update(answers={**row.answers, "C01": late}, has_comment=True)
        db.session.execute(table.insert().values(**values))
        db.session.commit()
        return frame

    monkeypatch.setattr(raw, "load_responses", read_then_one_more)
    login(client, "admin")
    with client.get(f"/console/campaigns/{demo}/export.csv") as resp:
        assert resp.status_code == 200
        text = resp.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [int(r[0]) for r in rows[1:]] == sorted(truth)
    assert late not in text
