"""The web report and the exports: they open, carry labels, escape comments, defuse formulas."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pyreadstat
import pytest

from survey.core.database import db
from survey.models import Campaign
from survey.services.demo import simulate_responses
from tests.helpers import complete_answers, hidden_fields, link_token, login, questionnaire_for

EVIL = '<script>alert("x")</script>=HYPERLINK("http://evil")'


@pytest.fixture
def answered(app, client, demo):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 150, seed=4)
    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    respondent = app.test_client()
    html = respondent.get(f"/s/{token}").get_data(as_text=True)
    answers = complete_answers(q, "parent")
    answers["C01"] = EVIL
    assert (
        respondent.post(f"/s/{token}", data={**hidden_fields(html), **answers}).status_code == 303
    )
    return demo


def test_report_shows_verdicts_charts_and_escaped_comments(client, answered, staff):
    login(client, "analyst")
    resp = client.get(f"/console/campaigns/{answered}/report?q=script")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "达标线 85%" in html and "<svg" in html and 'class="ref"' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "家长" in html and "95%区间" in html


def test_report_with_unknown_method_is_400(client, answered, staff):
    login(client, "admin")
    assert client.get(f"/console/campaigns/{answered}/report?method=nope").status_code == 400


def test_empty_campaign_report_says_there_are_no_answers(client, demo, staff):
    login(client, "admin")
    html = client.get(f"/console/campaigns/{demo}/report").get_data(as_text=True)
    assert "还没有任何答卷" in html


def test_csv_export_is_utf8_with_bom_and_defuses_formulas(client, answered, staff):
    login(client, "admin")
    with client.get(f"/console/campaigns/{answered}/export.csv") as resp:
        data = resp.data
    assert resp.status_code == 200 and data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["response_id 答卷编号", "school_code 学校代码", "school_name 学校名称"]
    assert [h.split(" ", 1)[0] for h in rows[0]][-3:] == ["P15", "P16", "C01"] or any(
        h.startswith("P01 您对孩子所在学校") for h in rows[0]
    )
    assert len(rows) == 152
    assert "满意" in rows[1]
    comment = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert comment == [EVIL]  # starts with '<': nothing to defuse
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_xlsx_export_opens_with_every_sheet_and_no_formulas(client, answered, staff, tmp_path):
    login(client, "admin")
    resp = client.get(f"/console/campaigns/{answered}/export.xlsx")
    data = resp.data
    resp.close()
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "概要",
        "群体",
        "学校",
        "题目",
        "数据质量",
        "意见建议",
        "图表",
        "图表数据",
        "原始数据",
        "变量说明",
    ]
    raw = book["原始数据"]
    assert raw.max_row == 152
    header = [c.value for c in raw[1]]
    assert any(h.startswith("P01 您对孩子所在学校") for h in header)
    cells = [c for row in raw.iter_rows(min_row=2) for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)  # no formula anywhere
    assert EVIL in [c.value for c in cells]  # stored as text, as typed, without a quote mark
    assert book["群体"]["A1"].value == "群体"
    codebook = {r[0]: r for r in book["变量说明"].iter_rows(min_row=2, values_only=True)}
    assert codebook["P01"][1].startswith("您对孩子所在学校") and "9=不了解" in codebook["P01"][3]
    assert codebook["P01"][4] == "9"


def test_sav_export_reads_back_with_labels(client, answered, staff, tmp_path):
    login(client, "analyst")
    resp = client.get(f"/console/campaigns/{answered}/export.sav")
    path = tmp_path / "out.sav"
    path.write_bytes(resp.data)
    resp.close()
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert len(frame) == 151
    assert meta.column_names_to_labels["P01"].startswith("您对孩子所在学校")
    assert meta.variable_value_labels["P01"][1.0] == "满意"
    assert meta.variable_value_labels["group"][2.0] == "家长"
    # 不了解 (code 9) is user-missing: SPSS leaves it out of means and valid percentages
    assert meta.missing_ranges["P01"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.variable_measure["P01"] == "ordinal"
    assert meta.variable_measure["group"] == "nominal"
    assert meta.variable_measure["school_code"] == "nominal"
    assert meta.variable_measure["duration_seconds"] == "scale"
    assert meta.original_variable_types["P01"] == "F1.0"
    assert meta.original_variable_types["submitted_at"].startswith("DATETIME")
    csv_columns = [
        "response_id", "school_code", "school_name", "stage", "location", "group",
        "questionnaire", "version", "source", "source_detail", "submitted_at",
        "duration_seconds", "flagged", "excluded", "reasons",
    ]  # fmt: skip
    assert list(frame.columns[: len(csv_columns)]) == csv_columns
    assert EVIL in frame["C01"].tolist()  # text as typed: no quote mark in a text variable
    plain, _ = pyreadstat.read_sav(str(path))  # missing values read as missing
    assert (frame["P01"] == 9).sum() > 0
    assert plain["P01"].isna().sum() == frame["P01"].isna().sum() + (frame["P01"] == 9).sum()


def test_cli_export_each_format(runner, answered, tmp_path):
    for fmt in ("csv", "xlsx", "sav"):
        out = tmp_path / f"e.{fmt}"
        result = runner.invoke(args=["export", "demo-2026", "--format", fmt, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000 and "151" in result.output


def test_a_failing_analysis_says_so(app, client, runner, answered, staff, monkeypatch):
    from questionnaires import Registry

    registry = app.extensions["questionnaires"]
    versions = {k: v for k, v in registry.versions.items() if k[0] != "parent"}
    monkeypatch.setitem(app.extensions, "questionnaires", Registry(versions, registry.layouts))
    login(client, "admin")
    resp = client.get(f"/console/campaigns/{answered}/report")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "报告生成失败" in html and "parent" in html
    assert "<table" not in html
    assert client.get(f"/console/campaigns/{answered}/export.csv").status_code == 500
    out = runner.invoke(args=["analyze", "demo-2026", "--json"])
    assert out.exit_code != 0 and "无法分析" in out.output


def test_small_cells_hide_their_comments(app, client, demo, staff):
    token = link_token(app, demo, "principal", "4101010008")
    q = questionnaire_for(app, demo, "principal")
    respondent = app.test_client()
    html = respondent.get(f"/s/{token}").get_data(as_text=True)
    answers = {**complete_answers(q, "principal"), "C01": "村小校长的悄悄话"}
    assert (
        respondent.post(f"/s/{token}", data={**hidden_fields(html), **answers}).status_code == 303
    )
    login(client, "admin")
    page = client.get(f"/console/campaigns/{demo}/report").get_data(as_text=True)
    assert "村小校长的悄悄话" not in page and "不显示认可率和意见建议" in page
    resp = client.get(f"/console/campaigns/{demo}/export.xlsx")
    data = resp.data
    resp.close()
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in ("意见建议", "原始数据"):  # the raw data too
        shown = [c for row in book[sheet].iter_rows(values_only=True) for c in row]
        assert "村小校长的悄悄话" not in shown
    with client.get(f"/console/campaigns/{demo}/export.csv") as export:
        assert "村小校长的悄悄话" not in export.text
    sav = client.get(f"/console/campaigns/{demo}/export.sav")
    assert "村小校长的悄悄话".encode() not in sav.data
    sav.close()


def test_the_workbook_draws_native_charts_with_the_threshold_line(client, answered, staff):
    login(client, "admin")
    with client.get(f"/console/campaigns/{answered}/export.xlsx") as resp:
        data = resp.data
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        charts = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/charts/")]
    # one chart of the groups, then one per group of its schools
    assert len(charts) == 1 + 6
    for chart in charts:
        assert "<c:barChart>" in chart and "<c:lineChart>" in chart  # bars, and the line
        assert "达标线 85%" in chart
    assert "各群体认可率" in charts[0] and "家长：各校认可率" in "".join(charts)
    table = openpyxl.load_workbook(io.BytesIO(data))["图表数据"]
    names = [row[0] for row in table.iter_rows(values_only=True)]
    small = [n for n in names if n and n.endswith("（人数过少）")]
    assert small and all(not table.cell(names.index(n) + 1, 2).value for n in small)
    assert "示例县城关第一小学" in names  # whole, never cut to six characters
