"""Printable A4 questionnaires: one sheet per respondent, each with a number of its own and
a QR code naming its campaign, school and group (what the entry screen reads first), big
tick boxes with the option numbers the operators type, and the skip instructions in words.
One Word document holds the sheets of one school × group, or of many in batches; a bureau
prints it as it is or restyles it in Word or WPS."""

from __future__ import annotations

import copy
import io
import zipfile

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from questionnaires import GROUPS, Questionnaire
from questionnaires.answers import visible_options
from questionnaires.model import BASE_LANGUAGE, LANGUAGES

from ..importing.paper import Sheet, item_numbers, needs_instruction, sheet_items
from ..models import COUNTY_WIDE, Campaign
from ..services.campaigns import group_forms
from ..web.language import translate
from ..web.qr import qr_png, safe_filename

BODY_FONT = "宋体"
#: a font Word and WPS ship for Uyghur; LibreOffice falls back on what the system has
UYGHUR_FONT = "Microsoft Uighur"
BOX, TICKED = "□", "☑"
INSTRUCTION = "请在您所选答案前的方框内打“√”，每题只选一项；带说明的题目按说明作答。"


def suffix_for(sheets: list[Sheet]) -> str:
    """ ".docx" for the sheets of one school × group, ".zip" (one document each) for more."""
    return ".docx" if len(_by_pair(sheets)) == 1 else ".zip"


def write_sheets(campaign: Campaign, sheets: list[Sheet], path_or_stream, lang=None) -> int:
    """Write the sheets (in the order given) as suffix_for says: one school × group as a
    .docx, more as a ZIP of one document each named by school code, school, group and
    numbers. Returns how many sheets."""
    forms = group_forms(campaign)
    pairs = _by_pair(sheets)
    if len(pairs) == 1:
        _document(campaign, sheets, forms[sheets[0].group], path_or_stream, lang)
        return len(sheets)
    with zipfile.ZipFile(path_or_stream, "w", zipfile.ZIP_DEFLATED) as zf:
        for batch in pairs.values():
            first = batch[0]
            name = safe_filename(
                f"{first.school.code}_{first.school.name}_{GROUPS[first.group]}"
                f"_{first.number:06d}-{batch[-1].number:06d}"
            )
            out = io.BytesIO()
            _document(campaign, batch, forms[first.group], out, lang)
            zf.writestr(f"{name}.docx", out.getvalue())
    return len(sheets)


def _by_pair(sheets: list[Sheet]) -> dict[tuple[int, str], list[Sheet]]:
    pairs: dict[tuple[int, str], list[Sheet]] = {}
    for sheet in sheets:
        pairs.setdefault((sheet.school.id, sheet.group), []).append(sheet)
    return pairs


def _document(campaign: Campaign, sheets: list[Sheet], q: Questionnaire, out, lang) -> None:
    """The sheets of one school × group: the body typeset once, then copied after each
    sheet's own section (its header carries the number and the QR code). python-docx
    looks for a free part name by walking every part, so one document per school × group
    also keeps a printing of thousands of sheets linear."""
    lang = lang or BASE_LANGUAGE
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(12)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    if lang == "ug":
        fonts.set(qn("w:cs"), UYGHUR_FONT)
    body = doc.element.body
    typeset: list = []
    for i, sheet in enumerate(sheets):
        section = doc.sections[0] if i == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section)
        _header(section, campaign, sheet, q.version)
        end = body.sectPr  # the document's last section: every sheet goes before it
        if typeset:
            for element in typeset:
                end.addprevious(copy.deepcopy(element))
            continue
        start = len(body) - 1
        _sheet(doc, sheet, q, lang)
        typeset = [copy.deepcopy(e) for e in body[start:-1]]
    doc.save(out)


def _page(section) -> None:
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(1.6)
    section.left_margin = section.right_margin = Cm(1.8)
    section.header_distance = section.footer_distance = Cm(0.8)


def _header(section, campaign: Campaign, sheet: Sheet, version: int) -> None:
    """The sheet's number and QR code on every page of it, so pages never lose their sheet,
    and the questionnaire version it carries (a batch is typed against one version)."""
    section.header.is_linked_to_previous = False
    where = sheet.school.name
    table = section.header.add_table(1, 2, Cm(17.4))
    table.autofit = False
    left, right = table.rows[0].cells
    table.columns[0].width = left.width = Cm(14.6)
    table.columns[1].width = right.width = Cm(2.8)
    left.paragraphs[0].text = campaign.name
    line = left.add_paragraph(f"{where} · {GROUPS[sheet.group]} · 第{version}版 · 问卷编号 ")
    number = line.add_run(f"{sheet.number:06d}")
    number.bold = True
    number.font.size = Pt(14)
    for p in left.paragraphs:
        p.paragraph_format.space_after = Pt(0)
        for run in p.runs:
            run.font.size = run.font.size or Pt(10)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    right.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(sheet.code, scale=4)), Cm(2.2))
    hint = left.add_paragraph().add_run(
        "每个编号只算一份，请勿复印，不够请加印；录入时先输入问卷编号或扫描右侧二维码"
    )
    hint.font.size = Pt(8)


def _sheet(doc, sheet: Sheet, q: Questionnaire, lang: str) -> None:
    rtl = LANGUAGES.get(lang, ("", "ltr"))[1] == "rtl"
    title = _para(doc, q.title_in(lang), size=16, bold=True, rtl=rtl)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if q.intro_in(lang):
        _para(doc, q.intro_in(lang), size=12, rtl=rtl)
    _para(doc, translate(INSTRUCTION, lang), size=11, bold=True, rtl=rtl)
    stage = None if sheet.school.stage == COUNTY_WIDE else sheet.school.stage
    groups = frozenset({sheet.group})
    items = sheet_items(q, sheet.group)
    numbers = item_numbers(q, sheet.group)
    for item in items:
        if item.type == "note":
            _para(doc, item.text_in(lang), size=12, rtl=rtl)
            continue
        text = f"{numbers[item.code]}. {item.text_in(lang)}"
        question = _para(doc, text, size=13, bold=True, rtl=rtl, keep=True)
        question.paragraph_format.space_before = Pt(6)
        if needs_instruction(item, q, sheet.group):
            words = q.condition_text(item, lang, numbers)
            _para(doc, words, size=11, italic=True, rtl=rtl, keep=True)
        if item.hint_in(lang):
            _para(doc, item.hint_in(lang), size=10, italic=True, rtl=rtl, keep=True)
        if item.type == "text":
            for _ in range(3):
                _para(doc, "_" * 62, size=12)
            continue
        options = visible_options(item, groups, stage)
        line = doc.add_paragraph()
        line.paragraph_format.space_after = Pt(2)
        _direction(line, rtl)
        ticked = item.identity and len(options) == 1  # the sheet's group, printed ticked
        for opt in options:
            box = line.add_run(TICKED if ticked else BOX)
            box.font.size = Pt(20)
            _direction_run(box, rtl)
            label = line.add_run(f"\u00a0{opt.code}\u00a0{opt.label_in(lang)}\u3000 ")
            label.font.size = Pt(13)
            _direction_run(label, rtl)


def _para(doc, text: str, size: int, bold=False, italic=False, rtl=False, keep=False):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    p.paragraph_format.space_after = Pt(2)
    p.paragraph_format.keep_with_next = keep
    _direction(p, rtl)
    _direction_run(run, rtl)
    return p


#: what follows w:bidi in a paragraph's properties, and w:szCs in a run's (the schema's order)
_AFTER_BIDI = (
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)  # fmt: skip
_AFTER_SZCS = (
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
    "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip


def _direction(paragraph, rtl: bool) -> None:
    """Right-to-left paragraphs for Uyghur (python-docx has no setting for it)."""
    if not rtl:
        return
    paragraph._p.get_or_add_pPr().insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _direction_run(run, rtl: bool) -> None:
    """A right-to-left run, sized as the left-to-right ones (Word sizes it by w:szCs)."""
    if not rtl:
        return
    run.font.rtl = True
    if run.font.size is not None:
        size = OxmlElement("w:szCs")
        size.set(qn("w:val"), str(int(run.font.size.pt * 2)))
        run._r.get_or_add_rPr().insert_element_before(size, *_AFTER_SZCS)
