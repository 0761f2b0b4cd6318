"""Generated files against the school and answer imports: a clear message or a clean import.

CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 and UTF-16; Excel workbooks with formulas, merged
cells, dates, blank sheets and extra sheets; random bytes under any file name. Each case either
imports every row or reports problems in Chinese and changes nothing; nothing else may happen.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from survey.core.database import db
from survey.importing.responses import import_responses
from survey.importing.schools import COLUMNS, import_schools
from survey.models import Campaign, Response, School
from tests.fuzzing import budget, count
from tests.helpers import csrf_of, login

CJK = re.compile(r"[\u4e00-\u9fff]")
SCHOOL_HEADERS = [names[0] for names in COLUMNS.values()] + ["code", "name", "备注"]
ANSWER_HEADERS = ["学校代码", "群体", "提交时间", "答题时长", "网络", "school_code", "group"]
FORMULAS = ["=1+1", "=SUM(A1:A3)", "=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", '=HYPERLINK("x")']

cells = st.one_of(
    st.sampled_from(
        [
            "4101010001",
            "4101010099",
            "城关一小",
            "小学",
            "初中",
            "城区",
            "乡村",
            "1200",
            "-5",
            "1e9",
            "家长",
            "学生",
            "parent",
            "2026-11-20 20:15",
            "2026/11/20",
            "90",
            "",
            " ",
            "很满意",
            "满意",
            "1",
            "2",
            "3",
            "4",
            "5",
            "A",
            "是",
        ]
    ),
    st.sampled_from(FORMULAS),
    st.text(max_size=30),
    st.integers(-10, 10**7).map(str),
)

pytestmark = pytest.mark.fuzz  # FUZZ_SCALE sets the cases (tests/fuzzing.py)


def _answer_headers(app, campaign_id):
    with app.app_context():
        q = app.extensions["questionnaires"].get(
            db.session.get(Campaign, campaign_id).forms["parent"]
        )
        return ANSWER_HEADERS + [item.code for item in q.items]


@st.composite
def tables(draw, header_pool):
    headers = draw(
        st.lists(st.one_of(st.sampled_from(header_pool), st.text(max_size=8)), max_size=14)
    )
    rows = draw(st.lists(st.lists(cells, max_size=len(headers) + 2), max_size=8))
    return [headers, *rows]


def _csv(table, encoding, delimiter):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(table)
    return buffer.getvalue().encode(encoding, errors="replace")


def _xlsx(table, merges, extra_sheet, blank):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    if not blank:  # a workbook cannot hold control characters at all
        for row in table:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
        if sheet.cell(row=2, column=1).value is None:
            sheet.cell(row=2, column=1).value = datetime(2026, 11, 20, 20, 15)
        for r, c in merges:
            sheet.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c + 1)
    if extra_sheet:
        book.create_sheet("说明").append(["请勿修改"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


files = st.one_of(
    st.tuples(
        st.sampled_from(["a.csv", "学校.csv", "x.txt", ""]),
        st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "latin-1"]),
        st.sampled_from([",", "\t", ";"]),
    ).map(lambda t: ("csv", *t)),
    st.tuples(
        st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), max_size=2),
        st.booleans(),
        st.booleans(),
    ).map(lambda t: ("xlsx", *t)),
    st.tuples(
        st.sampled_from(["a.xlsx", "a.xls", "a.csv", "a.pdf", "a", "a.xlsm"]),
        st.binary(max_size=600),
    ).map(lambda t: ("bytes", *t)),
)


def _render(kind_args, table):
    kind, *args = kind_args
    if kind == "csv":
        name, encoding, delimiter = args
        return name, _csv(table, encoding, delimiter)
    if kind == "xlsx":
        return "book.xlsx", _xlsx(table, *args)
    return args[0], args[1]


def _assert_clear(problems) -> None:
    assert problems
    for problem in problems:
        text = str(problem)
        assert text and CJK.search(text), text


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


#: kind -> (importer, the model it writes, how many rows a clean import added)
IMPORTS = {
    "import-schools": (import_schools, School, lambda result: result.added),
    "import-answers": (import_responses, Response, lambda result: result.imported),
}


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_import_is_all_or_nothing_with_clear_messages(app, demo, kind):
    run, model, added = IMPORTS[kind]
    headers = SCHOOL_HEADERS if kind == "import-schools" else _answer_headers(app, demo)

    @budget(1600)
    @given(table=tables(headers), file=files)
    def case(table, file):
        name, data = _render(file, table)
        with app.app_context():
            campaign = db.session.get(Campaign, demo)
            before = _count(model)
            result = run(campaign, name, data)
            count(kind)
            if result.ok:
                assert _count(model) == before + added(result)
            else:
                _assert_clear(result.problems)
                assert _count(model) == before  # nothing half-written
            db.session.rollback()

    case()


def test_uploads_through_the_console_never_fail(app, demo, staff):
    client = app.test_client()
    login(client, "admin")
    token = csrf_of(client, f"/console/campaigns/{demo}/responses/import")
    headers = _answer_headers(app, demo)

    def stored():
        with app.app_context():
            return _count(Response)

    @budget(250)
    @given(
        table=tables(headers), file=files, which=st.sampled_from(["responses/import", "schools"])
    )
    def case(table, file, which):
        name, data = _render(file, table)
        before = stored()
        resp = client.post(
            f"/console/campaigns/{demo}/{which}",
            data={"csrf_token": token, "source": "paper", "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        count("upload", resp.status_code)
        assert resp.status_code in (200, 302, 400, 422), resp.status_code
        if resp.status_code != 302:
            assert stored() == before

    case()


def test_huge_and_empty_uploads_get_a_clear_answer(app, demo, staff):
    client = app.test_client()
    login(client, "admin")
    token = csrf_of(client, f"/console/campaigns/{demo}/responses/import")
    url = f"/console/campaigns/{demo}/responses/import"
    rows = b"4101010001,parent\n" * (app.config["MAX_CONTENT_LENGTH"] // 18)
    body = (  # built by hand: the test client would spool it to a temporary file
        b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"'
        + b"\r\nContent-Type: text/csv\r\n\r\nschool_code,group\n"
        + rows
        + b"\r\n--B--\r\n"
    )
    resp = client.post(url, data=body, content_type="multipart/form-data; boundary=B")
    assert resp.status_code == 413 and "文件太大" in resp.get_data(as_text=True)
    for empty in (b"", b"\xef\xbb\xbf", b"\n\n", b"a,b\n"):
        resp = client.post(
            url,
            data={"csrf_token": token, "source": "paper", "file": (io.BytesIO(empty), "e.csv")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 422 and CJK.search(resp.get_data(as_text=True))
    with app.app_context():
        assert _count(Response) == 0
