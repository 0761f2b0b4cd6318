"""A 问卷星 export in either kind (option text, option numbers) comes in whole, with its
durations and hashed addresses feeding the screening and no raw address stored anywhere."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey.core.database import db
from survey.core.privacy import address_hash
from survey.importing.wjx import parse_duration
from survey.models import Campaign, Response
from tests.helpers import csrf_of, login, questionnaire_for, response_count

META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
LABELS = ["满意", "比较满意", "不太满意", "不满意", "不了解"]
SCHOOLS = ["示例县城关第一小学", "河东镇中心小学", "示例县实验中学"]
#: (school, duration, ip, answer index for every item, comment)
PEOPLE = [
    (0, "2分3秒", "61.158.148.23(河南-郑州)", [0] * 17, "希望多开展课后活动"),
    (0, "123秒", "61.158.148.24(河南-郑州)", [0, 1, 0, 0, 1, *[0] * 12], ""),
    (1, "5分0秒", "117.136.10.8(河南-洛阳)", [1, 1, 2, 0, 0, 0, 4, *[0] * 4, 1, 1, 0, 0, 0, 1], ""),
    (1, "8秒", "117.136.10.9(河南-洛阳)", [0] * 17, ""),  # far too fast
    (2, "3分10秒", "223.104.5.77(河南-开封)", [2, 3, 1, 1, 0, 0, 0, 0, 1, *[0] * 5, 2, 0, 1], ""),
    (2, "3分12秒", "223.104.5.77(河南-开封)", [2, 3, 1, 1, 0, 0, 0, 0, 1, *[0] * 5, 2, 0, 1], ""),
]
CODES = ["4101010001", "4101010004", "4101010003"]
RAW_ADDRESSES = ["61.158.148.23", "61.158.148.24", "117.136.10.8", "117.136.10.9", "223.104.5.77"]


@pytest.fixture
def wjx_export(app, demo):
    """A hand-written 问卷星 export of six parents: `kind` "text" or "numbers"; question texts
    as a bureau's own form words them (punctuation and a prefix differing from ours)."""
    q = questionnaire_for(app, demo, "parent")
    scored = [it for it in q.items if it.type == "single"]
    comment = next(it for it in q.items if it.type == "text")

    def make(kind: str, fmt: str = "xlsx", people=PEOPLE, first: int = 1) -> tuple[str, bytes]:
        headers = [*META, "1、您的孩子就读的学校：", "2、您的身份是："]
        headers += [f"{n}、{it.text.rstrip('？')}：" for n, it in enumerate(scored, start=3)]
        headers.append(f"{len(scored) + 3}、{comment.text}")
        rows = []
        for serial, (school, took, ip, picks, text) in enumerate(people, start=first):
            row = [serial, f"2024/9/19 20:{5 + serial:02d}:11", took, "微信", "直接访问", ip]
            if kind == "text":
                row += [SCHOOLS[school], "学生家长", *(LABELS[p] for p in picks)]
            else:  # choices as numbers; the school typed in as its code
                row += [CODES[school], 2, *(p + 1 for p in picks)]
            row.append(text or "(跳过)")
            rows.append(row)
        if fmt == "csv":
            lines = [",".join(headers)] + [",".join(map(str, r)) for r in rows]
            return "wjx.csv", ("\n".join(lines) + "\n").encode("utf-8-sig")
        book = Workbook()
        sheet = book.active
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return "wjx.xlsx", out.getvalue()

    return make


@pytest.fixture
def dump(app):
    """Every row of every table as text: what a database dump would hold."""

    def take() -> str:
        with app.app_context():
            parts = []
            for table in db.metadata.sorted_tables:
                for row in db.session.execute(sa.select(table)):
                    parts.append(repr(tuple(row)))
            return "\n".join(parts)

    return take


def _chosen(html: str) -> dict[str, str]:
    """The selected value of each column's select on the mapping page."""
    out = {}
    for chunk in html.split('<select id="')[1:]:
        name = chunk.split('"', 1)[0]
        body = chunk.split("</select>", 1)[0]
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        if name.startswith("col-"):
            out[name] = chosen.group(1) if chosen else ""
    return out


def _write(tmp_path, name_data) -> str:
    name, data = name_data
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _stored(app, demo) -> list[Response]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Response).where(Response.campaign_id == demo).order_by(Response.id)
        ).all()
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("123秒", 123), ("2分3秒", 123), ("1小时2分3秒", 3723), ("45", 45), ("十秒", None)],
)
def test_durations_read_as_seconds(text, seconds):
    assert parse_duration(text) == seconds


def test_a_text_export_imports_with_its_metadata_hashed(
    app, runner, demo, wjx_export, dump, tmp_path
):
    path = _write(tmp_path, wjx_export("text"))
    out = runner.invoke(args=["import-responses", "demo-2026", path, "--from", "wjx", "--yes"])
    assert out.exit_code == 0, out.output
    assert "已导入 6 份答卷（按选项文本）" in out.output
    # the matched mapping was shown: the school, the group and P01 by its text
    assert "→  学校" in out.output and "→  群体" in out.output and "→  P01" in out.output
    rows = _stored(app, demo)
    assert len(rows) == 6 and {r.group for r in rows} == {"parent"}
    assert {r.source for r in rows} == {"import"}
    assert {r.source_detail for r in rows} == {"问卷星·微信"}
    assert [r.duration_seconds for r in rows] == [123, 123, 300, 8, 190, 192]
    assert rows[0].answers["P01"] == "1" and rows[2].answers["P03"] == "3"
    assert rows[2].answers["P07"] == "9"  # 不了解 (its code in the parents' form)
    assert rows[0].answers["C01"] == "希望多开展课后活动" and "C01" not in rows[1].answers
    salt = app.config["NETWORK_SALT"]
    assert rows[0].address == address_hash("61.158.148.23", salt)
    assert rows[4].address == rows[5].address and rows[4].network == rows[5].network
    text = dump()
    for raw in [*RAW_ADDRESSES, "河南-郑州", "郑州"]:
        assert raw not in text


def test_a_numbers_export_stores_the_same_answers_and_is_not_stored_twice(
    app, runner, demo, wjx_export, tmp_path
):
    numbers = _write(tmp_path, wjx_export("numbers"))
    out = runner.invoke(
        args=["import-responses", "demo-2026", numbers, "--from", "wjx", "--group", "parent"],
        input="y\n",
    )
    assert out.exit_code == 0, out.output
    assert "已导入 6 份答卷（按选项序号）" in out.output
    by_numbers = [r.answers for r in _stored(app, demo)]
    # the same export downloaded as text (and as CSV) a day later: already there, skipped
    text = _write(tmp_path, wjx_export("text", "csv"))
    again = runner.invoke(
        args=["import-responses", "demo-2026", text, "--from", "wjx", "--group", "parent", "--yes"]
    )
    assert again.exit_code == 0, again.output
    assert "已导入 0 份答卷" in again.output and "6 份此前已导入，跳过" in again.output
    assert [r.answers for r in _stored(app, demo)] == by_numbers
    assert response_count(app) == 6


def test_the_screening_sees_the_durations_and_the_hashed_addresses(
    app, runner, demo, wjx_export, tmp_path
):
    path = _write(tmp_path, wjx_export("text"))
    assert (
        runner.invoke(
            args=["import-responses", "demo-2026", path, "--from", "wjx", "--yes"]
        ).exit_code
        == 0
    )
    from survey.reports.data import run_analysis

    with app.app_context():
        quality = run_analysis(db.session.get(Campaign, demo))["quality"]
    assert quality["counts"]["too_fast"] == 1  # the 8-second sheet
    assert quality["counts"]["duplicate"] >= 1  # one address, the same answers, twice
    assert quality["counts"]["fast"] == 0 and quality["total"] == 6


def test_a_bad_answer_imports_nothing_and_names_row_and_column(
    app, runner, demo, wjx_export, tmp_path
):
    people = [*PEOPLE[:2], (1, "2分", "1.2.3.4", [0] * 16 + [0], "")]
    name, data = wjx_export("text", people=people)  # its row 4 gets an answer not ours
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    sheet.cell(row=4, column=6 + 2 + 17).value = "非常满意"
    out_file = io.BytesIO()
    book.save(out_file)
    path = _write(tmp_path, (name, out_file.getvalue()))
    out = runner.invoke(args=["import-responses", "demo-2026", path, "--from", "wjx", "--yes"])
    assert out.exit_code != 0
    assert "第 4 行，列“19、" in out.stderr and "“非常满意”不是 P17 的有效选项" in out.stderr
    assert response_count(app) == 0


def test_the_confirmed_mapping_is_used_for_the_next_file_of_the_form(
    app, runner, demo, wjx_export, tmp_path
):
    path = _write(tmp_path, wjx_export("text", people=PEOPLE[:3]))
    # the matcher took question 19 (总的来说…) for P17; the bureau leaves it out instead
    first = runner.invoke(
        args=["import-responses", "demo-2026", path, "--from", "wjx", "--map", "19="],
        input="y\n",
    )
    assert first.exit_code == 0, first.output
    assert all("P17" not in r.answers for r in _stored(app, demo))
    later = _write(tmp_path, wjx_export("text", people=PEOPLE[3:], first=4))
    second = runner.invoke(
        args=["import-responses", "demo-2026", later, "--from", "wjx"], input="\n"
    )
    assert second.exit_code == 0, second.output
    assert "沿用上次确认的题目对应" in second.output
    assert response_count(app) == 6
    assert all("P17" not in r.answers for r in _stored(app, demo))


def test_declining_the_mapping_imports_nothing(app, runner, demo, wjx_export, tmp_path):
    path = _write(tmp_path, wjx_export("text"))
    out = runner.invoke(args=["import-responses", "demo-2026", path, "--from", "wjx"], input="n\n")
    assert out.exit_code != 0 and "未导入" in out.output
    assert response_count(app) == 0


def test_a_file_that_is_not_a_wjx_export_is_refused(app, runner, demo, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_text("school_code,group,P01\n4101010001,parent,1\n", encoding="utf-8")
    out = runner.invoke(args=["import-responses", "demo-2026", str(path), "--from", "wjx"])
    assert out.exit_code != 0 and "这不是问卷星导出的答卷文件" in out.output


@pytest.fixture
def uploaded(client, demo, staff, wjx_export) -> str:
    """The text export uploaded in the console by the county's admin (signed in on `client`):
    the address of its mapping page."""
    login(client, "admin")
    url = f"/console/campaigns/{demo}/responses/import"
    name, data = wjx_export("text")
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_of(client, url),
            "source": "wjx",
            "file": (io.BytesIO(data), name),
        },
    )
    assert resp.status_code == 302
    return resp.headers["Location"]


def test_the_console_shows_the_mapping_then_imports_on_confirmation(app, client, uploaded, dump):
    page_url = uploaded
    page = client.get(page_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "核对问卷星题目对应" in html
    assert '<option value="school" selected>' in html and '<option value="P01" selected>' in html
    assert response_count(app) == 0
    waiting = dump()
    assert "61.158.148" not in waiting and "117.136.10" not in waiting  # hashed on the way in
    fields = _chosen(html)
    assert len(fields) == 20
    # another admin's session cannot open this upload
    other = app.test_client()
    login(other, "other")
    assert other.get(page_url).status_code == 404
    done = client.post(
        page_url,
        data={"csrf_token": csrf_of(client, page_url), "action": "import", **fields},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert response_count(app, source="import") == 6
    assert client.get(page_url).status_code == 404  # the upload is gone once imported
    for raw in RAW_ADDRESSES:
        assert raw not in dump()


def test_a_mapping_that_feeds_one_item_twice_is_shown_again_with_the_problem(app, client, uploaded):
    page_url = uploaded
    html = client.get(page_url).get_data(as_text=True)
    fields = _chosen(html)
    fields["col-3"] = "P01"  # P01 again
    bad = client.post(
        page_url, data={"csrf_token": csrf_of(client, page_url), "action": "import", **fields}
    )
    assert bad.status_code == 422
    assert "对应到了同一项（P01）" in bad.get_data(as_text=True)
    assert response_count(app) == 0
    cancel = client.post(
        page_url, data={"csrf_token": csrf_of(client, page_url), "action": "cancel"}
    )
    assert cancel.status_code == 302 and client.get(page_url).status_code == 404
