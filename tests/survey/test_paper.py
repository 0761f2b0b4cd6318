"""Paper questionnaires: numbered A4 sheets (CLI and console), and their double entry: two
operators type a batch blind, differences are settled from the paper, and only then is it
stored (source paper), each sheet number once."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn

from survey.core.database import db
from survey.models import AuditEntry, Campaign, EntryBatch, Response, School, User
from tests.artifacts import SAVED, SCREENSHOT_DIR
from tests.helpers import PASSWORD, csrf_of, login, response_count

SCHOOL = "4101010001"
REWORDED = "第二版改写的第一题"


@pytest.fixture
def typists(app, staff):
    """Two admin clients of the demo county: the first and the second operator."""
    with app.app_context():
        county_id = db.session.get(User, staff["admin"]).county_id
        second = User(username="typist2", role="admin", county_id=county_id)
        second.set_password(PASSWORD)
        db.session.add(second)
        db.session.commit()
    first_client, second_client = app.test_client(), app.test_client()
    login(first_client, "admin")
    login(second_client, "typist2")
    return first_client, second_client


@pytest.fixture
def make_batch(app, demo):
    """make_batch(client, label) -> the URL prefix of a new parent batch of school 4101010001,
    made in the console."""
    with app.app_context():
        school_id = db.session.scalar(
            sa.select(School.id).where(School.campaign_id == demo, School.code == SCHOOL)
        )

    def make(client, label=""):
        page = f"/console/campaigns/{demo}/paper"
        resp = client.post(
            page,
            data={
                "csrf_token": csrf_of(client, page),
                "action": "batch",
                "school": school_id,
                "group": "parent",
                "label": label,
            },
        )
        assert resp.status_code == 302
        return resp.headers["Location"].rsplit("/", 1)[0]

    return make


@pytest.fixture
def batch_url(typists, make_batch):
    return make_batch(typists[0], "一小 家长 第1包")


@pytest.fixture
def enter(demo):
    """enter(client, url, pass_no, number, answers) -> response of typing one sheet."""

    def post(client, url, pass_no, number, answers, action="save"):
        page = f"{url}/{pass_no}"
        return client.post(
            page,
            data={"csrf_token": csrf_of(client, page), "number": number, "action": action}
            | answers,
        )

    return post


def sheet(overall="1", p03="2", comment=""):
    """A parent's answers as option numbers typed from the paper."""
    answers = {f"P{i:02d}": "1" for i in range(1, 18)}
    answers["P03"] = p03
    answers["P17"] = overall
    answers["C01"] = comment
    return answers


def finish(client, url, pass_no):
    page = f"{url}/{pass_no}"
    return client.post(page, data={"csrf_token": csrf_of(client, page), "action": "finish"})


def test_a_batch_with_one_differing_answer_cannot_be_stored_until_settled(
    app, demo, typists, batch_url, enter
):
    first, second = typists
    for number in (1, 2, 3):
        assert enter(first, batch_url, 1, str(number), sheet()).status_code == 302
    assert finish(first, batch_url, 1).status_code == 302
    for number in (1, 2, 3):
        typed = sheet(p03="3") if number == 2 else sheet()  # one slip of the finger
        assert enter(second, batch_url, 2, str(number), typed).status_code == 302
    assert finish(second, batch_url, 2).status_code == 302

    compare = f"{batch_url}/compare"
    page = first.get(compare).get_data(as_text=True)
    assert "不一致 1 处" in page and "2 比较满意" in page and "3 不太满意" in page
    store = first.post(compare, data={"csrf_token": csrf_of(first, compare), "action": "store"})
    assert store.status_code == 409
    assert "还有 1 处两遍录入不一致" in store.get_data(as_text=True)
    assert response_count(app, campaign_id=demo, source="paper") == 0

    settled = first.post(compare, data={"csrf_token": csrf_of(first, compare), "v:2|P03": "2"})
    assert settled.status_code == 302
    store = first.post(compare, data={"csrf_token": csrf_of(first, compare), "action": "store"})
    assert store.status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Response).where(Response.campaign_id == demo, Response.source == "paper")
        ).all()
        assert len(rows) == 3
        assert {r.answers["P03"] for r in rows} == {"2"}  # the settled reading
        assert {r.group for r in rows} == {"parent"}
        batch = db.session.scalar(sa.select(EntryBatch))
        assert (batch.stored_sheets, batch.settled_count, batch.sheets) == (3, 1, [])
        operators = {batch.first_operator_id, batch.second_operator_id}
        logged = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like("paper.%"))
        ).all()
        actions = [e.action for e in logged]
        assert actions.count("paper.pass") == 2 and "paper.settle" in actions
        stored = next(e for e in logged if e.action == "paper.store")
        assert set(stored.detail["operators"]) == operators and len(operators) == 2


def test_the_second_pass_is_blind_and_typed_by_another_operator(
    app, demo, typists, batch_url, enter
):
    first, second = typists
    assert enter(first, batch_url, 1, "7", sheet(comment="食堂饭菜太咸")).status_code == 302
    # the first operator may not type the second pass
    refused = enter(first, batch_url, 2, "7", sheet())
    assert refused.status_code == 409
    assert "两位不同的录入员" in refused.get_data(as_text=True)
    # the second operator sees neither the first pass's numbers nor its answers
    page = second.get(f"{batch_url}/2").get_data(as_text=True)
    assert "食堂饭菜太咸" not in page and 'href="?sheet=7"' not in page
    assert second.get(f"{batch_url}/1").status_code == 200  # but may not type it
    assert "另一位录入员" in second.get(f"{batch_url}/1").get_data(as_text=True)
    compare = second.get(f"{batch_url}/compare").get_data(as_text=True)
    assert "食堂饭菜太咸" not in compare and "两遍都录入完成后" in compare


def test_a_typed_sheet_with_a_bad_answer_is_refused_and_keeps_nothing(
    app, demo, typists, batch_url, enter
):
    first, _ = typists
    resp = enter(first, batch_url, 1, "5", sheet(overall="7"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "这份问卷没有保存" in html and "“7”不是 P17 的有效选项" in html
    assert 'value="7"' in html  # what was typed stays on the screen
    assert enter(first, batch_url, 1, "abc", sheet()).status_code == 422
    assert enter(first, batch_url, 1, "", sheet()).status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(EntryBatch)).sheets == []


def test_the_qr_code_of_the_sheet_is_read_and_another_schools_refused(
    app, demo, typists, batch_url, enter
):
    first, _ = typists
    assert enter(first, batch_url, 1, f"P{demo}-{SCHOOL}-parent-12", sheet()).status_code == 302
    wrong = enter(first, batch_url, 1, f"P{demo}-4101010002-parent-13", sheet())
    assert wrong.status_code == 422 and "不属于本批次" in wrong.get_data(as_text=True)
    again = enter(first, batch_url, 1, "12", sheet())
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and "第 12 号已在第一遍录入过" in page
    assert "复印件" in page  # two sheets of one number: what to do is said

    # retyped on purpose, through the sheet's own page
    assert enter(first, batch_url, 1, "12", sheet(overall="2"), "replace").status_code == 302
    with app.app_context():
        typed = db.session.scalar(sa.select(EntryBatch)).sheets
        assert [(s.number, s.answers["P17"]) for s in typed] == [(12, "2")]


def test_a_sheet_number_is_stored_once_whatever_the_batch(
    app, demo, typists, batch_url, enter, make_batch
):
    first, second = typists
    for client, pass_no in ((first, 1), (second, 2)):
        assert enter(client, batch_url, pass_no, "1", sheet()).status_code == 302
        assert finish(client, batch_url, pass_no).status_code == 302
    compare = f"{batch_url}/compare"
    first.post(compare, data={"csrf_token": csrf_of(first, compare), "action": "store"})
    assert response_count(app, campaign_id=demo, source="paper") == 1
    # the same paper sheet put in a second batch
    other = make_batch(first)
    resp = enter(first, other, 1, "1", sheet())
    assert resp.status_code == 422 and "已经存入答卷" in resp.get_data(as_text=True)
    assert response_count(app, campaign_id=demo, source="paper") == 1


def test_a_sheet_typed_in_one_pass_only_blocks_the_store(app, demo, typists, batch_url, enter):
    first, second = typists
    for number in ("1", "2"):
        enter(first, batch_url, 1, number, sheet())
    finish(first, batch_url, 1)
    enter(second, batch_url, 2, "1", sheet())
    finish(second, batch_url, 2)
    compare = f"{batch_url}/compare"
    page = first.get(compare).get_data(as_text=True)
    assert "只在第一遍录入的问卷：2" in page
    store = first.post(compare, data={"csrf_token": csrf_of(first, compare), "action": "store"})
    assert store.status_code == 409 and response_count(app, campaign_id=demo) == 0
    # the second operator reopens the pass and types the sheet that was missing
    reopened = second.post(
        f"{batch_url}/reopen", data={"csrf_token": csrf_of(second, compare), "pass_no": "2"}
    )
    assert reopened.status_code == 302
    enter(second, batch_url, 2, "2", sheet())
    finish(second, batch_url, 2)
    store = first.post(compare, data={"csrf_token": csrf_of(first, compare), "action": "store"})
    assert store.status_code == 302
    assert response_count(app, campaign_id=demo, source="paper") == 2


def _texts(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        for table in section.header.tables:
            parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_paper_form_command_numbers_every_sheet_and_continues(app, runner, demo, tmp_path):
    out = tmp_path / "parents.docx"
    args = ["paper-form", "demo-2026", "--school", SCHOOL, "--group", "parent"]
    done = runner.invoke(args=[*args, "--copies", "3", "--output", str(out)])
    assert done.exit_code == 0, done.output
    doc = Document(str(out))
    assert len(doc.sections) == 3
    headers = ["".join(c.text for c in s.header.tables[0].rows[0].cells) for s in doc.sections]
    assert all("家长 · 第1版 · 问卷编号" in h and "请勿复印" in h for h in headers)
    assert [re.search(r"问卷编号 (\d{6})", h).group(1) for h in headers] == [
        "000001",
        "000002",
        "000003",
    ]
    assert all(s.header.part.rels for s in doc.sections)  # each header holds its QR image
    assert abs(doc.sections[0].page_width.cm - 21) < 0.01
    text = _texts(doc)
    assert text.count("1. 您对孩子所在学校的校舍") == 3
    assert "□\u00a01\u00a0满意" in text and "□\u00a09\u00a0不了解" in text
    # printed again: the numbers go on, never repeat
    again = tmp_path / "more.docx"
    assert runner.invoke(args=[*args, "--copies", "2", "--output", str(again)]).exit_code == 0
    assert "问卷编号 000004" in _texts(Document(str(again)))
    # several schools or groups: one document each, in a ZIP
    bundle = tmp_path / "all.zip"
    many = runner.invoke(
        args=["paper-form", "demo-2026", "--group", "teacher", "--copies", "1"]
        + ["--output", str(bundle)]
    )
    assert many.exit_code == 0, many.output
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
    assert len(names) == 8 and all(n.endswith(".docx") and "教师" in n for n in names)
    refused = runner.invoke(
        args=["paper-form", "demo-2026", "--group", "teacher", "--output", str(tmp_path / "x.docx")]
    )
    assert refused.exit_code != 0 and ".zip" in refused.output


def test_a_shared_form_prints_only_the_groups_own_items(app, runner, staff, tmp_path):
    """The national social form (one form, three groups): a parent's sheet has its identity
    ticked and carries no item asked only of the other groups."""
    from survey.importing.paper import sheet_items
    from survey.services.campaigns import create_campaign, ensure_links, registry

    with app.app_context():
        county = db.session.get(User, staff["admin"]).county
        campaign = create_campaign(county, "国家核查", layout="national_2024")
        db.session.add(
            School(campaign=campaign, code=SCHOOL, name="一小", stage="primary", location="urban")
        )
        db.session.flush()
        ensure_links(campaign)
        db.session.commit()
        q = registry().get(campaign.forms["parent"])
        parents = {it.code for it in sheet_items(q, "parent")}
        deputies = {it.code for it in sheet_items(q, "deputy")}
        assert parents != deputies and parents < {it.code for it in q.items}
        slug = campaign.slug
    out = tmp_path / "social.docx"
    done = runner.invoke(
        args=["paper-form", slug, "--group", "parent", "--copies", "1", "--output", str(out)]
        + ["--school", SCHOOL]
    )
    assert done.exit_code == 0, done.output
    text = _texts(Document(str(out)))
    assert "☑" in text and "（家长填写）" not in text
    with app.app_context():
        for code in parents:
            assert q.item(code).text in text
        left_off = [it for it in q.items if it.code not in parents]
        assert left_off and all(f". {it.text}" not in text for it in left_off)


def test_the_console_prints_one_school_and_group_as_a_word_document(app, demo, typists, tmp_path):
    first, _ = typists
    page = f"/console/campaigns/{demo}/paper"
    resp = first.post(
        f"{page}/print",
        data={
            "csrf_token": csrf_of(first, page),
            "school": SCHOOL,
            "group": "student",
            "copies": "2",
            "language": "zh-Hans",
        },
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].endswith(".docx")
    doc = Document(io.BytesIO(resp.data))
    assert len(doc.sections) == 2
    bad = first.post(
        f"{page}/print",
        data={"csrf_token": csrf_of(first, page), "school": "nope", "group": "", "copies": ""},
    )
    assert bad.status_code == 303
    assert "没有找到" in first.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, demo).status == "open"


def test_a_purge_removes_the_typed_sheets_and_keeps_the_batch(app, demo, typists, batch_url, enter):
    from survey.models import EntrySheet
    from survey.services.purge import purge_answers

    first, _ = typists
    assert enter(first, batch_url, 1, "3", sheet(comment="电话13800000000")).status_code == 302
    with app.app_context():
        typed = db.session.scalar(sa.select(EntrySheet))
        assert "13800000000" not in str(typed.answers)  # redacted as it is typed
        campaign = db.session.get(Campaign, demo)
        campaign.status = "closed"
        db.session.commit()
        purge_answers(campaign)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EntrySheet)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EntryBatch)) == 1


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    not SOFFICE and not os.environ.get("REQUIRE_LIBREOFFICE"),
    reason="no LibreOffice (apt-get install libreoffice-writer-nogui)",
)
def test_a_printed_sheet_is_a4_and_its_pages_are_kept_as_images(app, runner, demo, tmp_path):
    """LibreOffice prints two sheets of the parent form: A4 pages, each sheet starting on a
    page of its own; the pages are kept beside the screenshots to be looked at."""
    out = tmp_path / "sheets.docx"
    args = ["paper-form", "demo-2026", "--school", SCHOOL, "--group", "parent", "--copies", "2"]
    assert runner.invoke(args=[*args, "--output", str(out)]).exit_code == 0
    done = subprocess.run(
        [SOFFICE or "soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless"]
        + ["--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "sheets.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    data = pdf.read_bytes()
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)
    assert sizes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in sizes)
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    assert pages >= 2 and pages % 2 == 0  # each sheet from a new page, both the same length
    if shutil.which("pdftoppm"):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-l", "2", str(pdf)]
            + [str(SCREENSHOT_DIR / "paper-form")],
            check=True,
            timeout=60,
        )
        SAVED.extend(sorted(SCREENSHOT_DIR.glob("paper-form-*.png")))


def test_a_number_beyond_the_printed_sheets_is_refused(
    app, runner, demo, typists, batch_url, enter, tmp_path
):
    args = ["paper-form", "demo-2026", "--school", SCHOOL, "--group", "parent", "--copies", "3"]
    assert runner.invoke(args=[*args, "--output", str(tmp_path / "p.docx")]).exit_code == 0
    first, _ = typists
    typo = enter(first, batch_url, 1, "30", sheet())  # sheet 3 with a key held too long
    assert typo.status_code == 422
    assert "只打印到第 3 号，没有第 30 号" in typo.get_data(as_text=True)
    assert enter(first, batch_url, 1, "3", sheet()).status_code == 302
    with app.app_context():
        assert [s.number for s in db.session.scalar(sa.select(EntryBatch)).sheets] == [3]


def test_a_uyghur_sheet_speaks_uyghur_from_the_instruction_to_the_options(
    app, runner, demo, tmp_path
):
    """Its body carries no Chinese: instruction, questions and options in Uyghur, right to
    left (the header stays for the bureau's operators)."""
    with app.app_context():
        db.session.get(Campaign, demo).languages = ["zh-Hans", "ug"]
        db.session.commit()
    out = tmp_path / "ug.docx"
    args = ["paper-form", "demo-2026", "--school", SCHOOL, "--group", "parent", "--copies", "1"]
    done = runner.invoke(args=[*args, "--language", "ug", "--output", str(out)])
    assert done.exit_code == 0, done.output
    body = [p for p in Document(str(out)).paragraphs if p.text.strip()]
    chinese = [p.text for p in body if any("\u4e00" <= ch <= "\u9fff" for ch in p.text)]
    assert chinese == []
    assert any("«√»" in p.text for p in body)  # the instruction
    words = [p for p in body if p.text.strip("_ ")]  # not the lines to write a comment on
    assert all(p._p.pPr is not None and p._p.pPr.find(qn("w:bidi")) is not None for p in words)


def test_sheets_are_typed_against_the_questionnaire_version_they_were_printed_with(
    app, runner, demo, typists, make_batch, enter, new_version, tmp_path
):
    args = ["paper-form", "demo-2026", "--school", SCHOOL, "--group", "parent", "--copies", "2"]
    assert runner.invoke(args=[*args, "--output", str(tmp_path / "v1.docx")]).exit_code == 0
    # the parents' questionnaire is changed after the printing
    assert new_version("parent", lambda body: body["items"][0].update(text=REWORDED)) == 2
    first, _ = typists
    old = make_batch(first, "旧版")
    typing = first.get(f"{old}/1").get_data(as_text=True)
    assert "问卷第 1 版" in typing and REWORDED not in typing
    assert enter(first, old, 1, "2", sheet()).status_code == 302
    # sheets printed now carry version 2: not typed into the version 1 batch
    assert runner.invoke(args=[*args, "--output", str(tmp_path / "v2.docx")]).exit_code == 0
    refused = enter(first, old, 1, "3", sheet())
    assert refused.status_code == 422
    assert "第 3 号问卷是按第 2 版问卷印刷的" in refused.get_data(as_text=True)
    page = first.get(f"/console/campaigns/{demo}/paper").get_data(as_text=True)
    assert '<option value="2">第 2 版</option>' in page
    new = make_batch(first, "新版")  # the latest printing's version by default
    assert REWORDED in first.get(f"{new}/1").get_data(as_text=True)
    assert enter(first, new, 1, "3", sheet()).status_code == 302
    with app.app_context():
        versions = dict(db.session.execute(sa.select(EntryBatch.label, EntryBatch.version)).all())
        assert versions == {"旧版": 1, "新版": 2}
