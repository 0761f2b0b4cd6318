"""The dossier's 社会认可度 section as Word: downloaded by an analyst, it holds the title block,
the summary written from the figures, the group table and chart images, and no comment of a
small cell; LibreOffice (Debian's libreoffice-writer-nogui) turns it into a PDF whose pages are
kept as images beside the browser screenshots."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa
from docx import Document

from survey.core.database import db
from survey.models import Campaign, Link, School
from survey.services.campaigns import ensure_links, registry
from survey.services.demo import simulate_responses
from survey.services.responses import build_row, store_batch
from tests.artifacts import SAVED, SCREENSHOT_DIR
from tests.helpers import complete_answers, login

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def answered(app, demo, staff):
    """600 simulated answers, and 3 parents of a school added after them (a small cell), each
    with a comment."""
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        simulate_responses(campaign, 600, seed=3)
        campaign.schools.append(
            School(
                code="4101010099",
                name="后山教学点",
                stage="primary",
                location="rural",
                enrolment=30,
            )
        )
        db.session.flush()
        ensure_links(campaign)
        q = registry().get(campaign.forms["parent"])
        link = db.session.scalar(
            sa.select(Link)
            .join(School, Link.school_id == School.id)
            .where(Link.campaign_id == demo, School.code == "4101010099", Link.group == "parent")
        )
        rows = []
        for k in range(3):
            answers = complete_answers(q, "parent")
            answers[q.text_items[0].code] = f"小校家长的私密意见{k}"
            rows.append(
                build_row(
                    link=link, questionnaire=q, answers=answers, submission_id=uuid.uuid4().hex
                )
            )
        store_batch(rows)
        db.session.commit()
    return demo


def _docx(client, campaign_id) -> bytes:
    resp = client.get(f"/console/campaigns/{campaign_id}/export.docx")
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype.endswith("wordprocessingml.document")
    data = resp.data
    resp.close()
    return data


def test_the_dossier_holds_the_summary_tables_and_charts(client, answered):
    login(client, "analyst")
    doc = Document(io.BytesIO(_docx(client, answered)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "2026年示例县义务教育优质均衡发展社会认可度调查" in text
    assert "本次调查共收回答卷 603 份" in text and "总体认可度为" in text
    assert "一、总体结论" in text and "附录：意见建议" in text
    assert "群体" in cells and "95%置信区间" in cells and "家长" in cells
    assert "示例县城关第一小学" in cells  # school names whole, never cut
    assert len(doc.inline_shapes) >= 2  # the group chart and the school chart
    assert "小校家长的私密意见" not in cells  # a cell of 3: its comments are withheld


@pytest.mark.skipif(
    not SOFFICE and not os.environ.get("REQUIRE_LIBREOFFICE"),
    reason="no LibreOffice (apt-get install libreoffice-writer-nogui)",
)
def test_libreoffice_turns_the_dossier_into_pdf_pages(client, answered, tmp_path):
    login(client, "analyst")
    (tmp_path / "dossier.docx").write_bytes(_docx(client, answered))
    done = subprocess.run(
        [
            SOFFICE or "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "dossier.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "dossier.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):  # the pages as images, kept with the screenshots
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-l", "4", str(pdf), str(SCREENSHOT_DIR / "dossier")],
            check=True,
            timeout=60,
        )
        pages = sorted(SCREENSHOT_DIR.glob("dossier-*.png"))
        assert pages
        SAVED.extend(pages)


def test_a_bureau_restyles_the_dossier_once_with_its_own_word_template(app, client, answered):
    """The exported dossier restyled in Word (body font, a header with the bureau's name) and
    uploaded: later dossiers keep its styles and header, with the content written anew."""
    from docx.oxml.ns import qn

    login(client, "admin")
    styled = Document(io.BytesIO(_docx(client, answered)))
    normal = styled.styles["Normal"]
    normal.font.name = "仿宋"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    styled.sections[0].header.paragraphs[0].text = "示例县教育局督导室"
    upload = io.BytesIO()
    styled.save(upload)
    report = f"/console/campaigns/{answered}/report"
    page = client.get(report).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    url = f"/console/campaigns/{answered}/dossier-template"
    sent = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(upload.getvalue()), "本局模板.docx")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    assert "本局模板.docx" in client.get(report).get_data(as_text=True)

    again = Document(io.BytesIO(_docx(client, answered)))
    assert again.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert again.sections[0].header.paragraphs[0].text == "示例县教育局督导室"
    text = "\n".join(p.text for p in again.paragraphs)
    assert text.count("一、总体结论") == 1  # the template's old body is not kept

    refused = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(b"not a document"), "x.docx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 303
    assert "这不是 Word 文档" in client.get(report).get_data(as_text=True)
    removed = client.post(url, data={"csrf_token": token, "action": "remove"})
    assert removed.status_code == 302
    plain = Document(io.BytesIO(_docx(client, answered)))
    assert plain.sections[0].header.paragraphs[0].text == ""
