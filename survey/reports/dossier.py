"""The dossier's 社会认可度 section as a Word document, as a county submits it with its
self-assessment: title block, a summary written from the figures, tables per group, school and
item, weak items, data quality, charts with the threshold line, the method, and the comments as
an appendix (the small-cell rule applies as everywhere). A bureau restyles it in Word or WPS."""

from __future__ import annotations

import io

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from questionnaires import GROUPS

from ..core.timeutil import format_local
from ..models import LINK_MODES, Campaign
from ..web.labels import METHOD_LABELS, SCREEN_RULE_LABELS, VERDICT_LABELS, interval_note, pct
from .figures import bar_png

#: comments printed in the appendix; the workbook holds them all
APPENDIX_COMMENTS = 2000
BODY_FONT = "宋体"
HEADING_FONT = "黑体"


def write_docx(
    campaign: Campaign,
    path: str,
    result: dict,
    comments: pd.DataFrame,
    settings=None,
    template: bytes | None = None,
) -> int:
    """Write the document, on the bureau's `template` where it has one (its styles, page,
    headers and footers; its body is replaced); returns the answers it reports on (as the
    other exports do)."""
    doc = _document(template)
    t = result["threshold"]
    _title_block(doc, campaign, result)
    doc.add_heading("一、总体结论", level=1)
    doc.add_paragraph(summary(result, campaign))
    doc.add_heading("二、各群体认可度", level=1)
    groups = list(result["groups"].values())
    _table(
        doc,
        ["群体", "答卷数", "纳入分析", "认可率", "95%置信区间", "结论"],
        [
            [
                d["label"],
                d["responses"],
                d["n"],
                pct(d["rate"]),
                f"{pct(d['ci_low'])}–{pct(d['ci_high'])}",
                VERDICT_LABELS.get(d["verdict"], "无有效答卷"),
            ]
            for d in groups
        ],
    )
    doc.add_picture(
        io.BytesIO(
            bar_png(
                [d["label"] for d in groups],
                [d["rate"] for d in groups],
                title="各群体认可度（认可率）",
                threshold=t,
            )
        ),
        width=Cm(15),
    )
    if result.get("counties"):
        doc.add_heading("各区县认可度（按总体认可率排序）", level=2)
        _table(
            doc,
            ["排名", "区县", "人数", "认可率", "结论"],
            [
                [
                    c["rank"],
                    c["county"],
                    c["n"],
                    pct(c["rate"]),
                    VERDICT_LABELS.get(c["verdict"], ""),
                ]
                for c in result["counties"]
            ],
        )
    doc.add_heading("三、各校认可度", level=1)
    totals = result["school_totals"]
    _table(
        doc,
        ["学校", "人数", "认可率", "95%置信区间"],
        [
            [
                r["school_name"] or r["school_code"],
                r["n"],
                "人数过少，不显示" if r["suppressed"] else pct(r["rate"]),
                "" if r["suppressed"] else f"{pct(r['ci_low'])}–{pct(r['ci_high'])}",
            ]
            for r in totals
        ],
    )
    if totals:
        doc.add_picture(
            io.BytesIO(
                bar_png(
                    [r["school_name"] or r["school_code"] for r in totals],
                    [None if r["suppressed"] else r["rate"] for r in totals],
                    title="各校总体认可度（全部群体）",
                    threshold=t,
                )
            ),
            width=Cm(15),
        )
    doc.add_heading("四、题目认可度与短板", level=1)
    for g, weak in result["weak_items"].items():
        label = GROUPS.get(g, g)
        if weak:
            doc.add_paragraph(f"{label}：以下题目认可率低于达标线（短板），由低到高：")
            _table(
                doc,
                ["题号", "题目", "人数", "认可率"],
                [[w["item"], w["text"], w["n"], pct(w["rate"])] for w in weak],
            )
        else:
            doc.add_paragraph(f"{label}：没有认可率低于达标线的题目。")
    doc.add_heading("五、数据质量筛查", level=1)
    quality = result["quality"]
    doc.add_paragraph(
        f"共 {result['responses']} 份答卷，{quality['flagged']} 份有质量标记；按“"
        f"{SCREEN_RULE_LABELS[result['screen_rule']]}”剔除 "
        f"{result['responses'] - result['analysed']} 份，纳入分析 {result['analysed']} 份。"
    )
    _table(
        doc,
        ["筛查规则", "剔除份数"],
        [[SCREEN_RULE_LABELS.get(k, k), r["removed"]] for k, r in quality["rules"].items()],
    )
    doc.add_heading("六、方法说明", level=1)
    doc.add_paragraph(
        f"认可率的计算方法：{METHOD_LABELS.get(result['method'], result['method'])}"
        f"（{result['method_description']}）。达标线为 {t:.0%}；95% 置信区间用于判断结论是否稳定。"
        f"人数少于 {result['min_cell']} 人的学校、班级和群体只报人数，不报认可率和意见建议；"
        f"某群体少于 {result['min_verdict_n']} 人时不下结论。"
        f"数据质量筛查：{result['screen_rule_description']}"
    )
    doc.add_heading("附录：意见建议", level=1)
    if comments.empty:
        doc.add_paragraph("暂无意见建议。")
    else:
        shown = comments.head(APPENDIX_COMMENTS)
        _table(
            doc,
            ["学校", "群体", "意见建议"],
            [
                [row.school_name, GROUPS.get(row.group, row.group), row.text]
                for row in shown.itertuples()
            ],
        )
        if len(comments) > len(shown):
            doc.add_paragraph(
                f"共 {len(comments)} 条，此处列出前 {len(shown)} 条；全部见 Excel 导出。"
            )
    doc.save(path)
    return int(result["responses"])


def summary(result: dict, campaign: Campaign) -> str:
    """The paragraph a bureau would write from the figures."""
    t = result["threshold"]
    overall = result["overall"]
    groups = list(result["groups"].values())
    meets = [d["label"] for d in groups if d["verdict"] == "meets"]
    below = [d["label"] for d in groups if d["verdict"] == "below"]
    unsure = [d["label"] for d in groups if d["verdict"] not in ("meets", "below")]
    verdict = VERDICT_LABELS.get(overall["verdict"], "无有效答卷")
    text = (
        f"本次调查共收回答卷 {result['responses']} 份，经数据质量筛查剔除 "
        f"{result['responses'] - result['analysed']} 份，纳入分析 {result['analysed']} 份。"
        f"总体认可度为 {pct(overall['rate'])}（95% 置信区间 {pct(overall['ci_low'])}–"
        f"{pct(overall['ci_high'])}），结论：{verdict}（达标线 {t:.0%}；"
        f"{interval_note(overall, t)}）。"
    )
    if meets:
        text += f"达标的群体：{'、'.join(meets)}。"
    if below:
        text += f"未达标的群体：{'、'.join(below)}。"
    if unsure:
        text += f"样本不足、不作结论的群体：{'、'.join(unsure)}。"
    weakest = sorted(
        (w | {"group": g} for g, ws in result["weak_items"].items() for w in ws),
        key=lambda w: w["rate"],
    )[:3]
    if weakest:
        text += (
            "认可率最低的题目是"
            + "；".join(
                f"{GROUPS.get(w['group'], w['group'])}卷“{w['text']}”（{pct(w['rate'])}）"
                for w in weakest
            )
            + "，是需要改进的短板。"
        )
    else:
        text += "所有题目的认可率均在达标线以上。"
    return text


def _title_block(doc, campaign: Campaign, result: dict) -> None:
    title = doc.add_heading(campaign.name, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph("社会认可度调查结果（督导评估材料）")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    window = "—"
    if campaign.opens_at or campaign.closes_at:
        window = (
            f"{format_local(campaign.opens_at) or '—'} 至 {format_local(campaign.closes_at) or '—'}"
        )
    _table(
        doc,
        ["项目", "内容"],
        [
            ["组织单位", campaign.organiser_name],
            ["调查时间（北京时间）", window],
            ["调查方式", f"网络问卷（{LINK_MODES.get(campaign.link_mode, campaign.link_mode)}）"],
            ["调查对象", "、".join(GROUPS.get(g, g) for g in campaign.groups)],
            ["样本", f"答卷 {result['responses']} 份，纳入分析 {result['analysed']} 份"],
            ["达标线", f"{result['threshold']:.0%}"],
        ],
    )


def _table(doc, headers: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    doc.add_paragraph()


def _document(template: bytes | None):
    if template is None:
        doc = Document()
        _fonts(doc)
        return doc
    doc = Document(io.BytesIO(template))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep the page setup, headers and footers
            body.remove(child)
    return doc


def _fonts(doc) -> None:
    """Chinese text in 宋体 (headings 黑体), as dossiers are typeset; Word falls back on a
    machine without them."""
    for name, font in (
        ("Normal", BODY_FONT),
        ("Heading 1", HEADING_FONT),
        ("Heading 2", HEADING_FONT),
        ("Title", HEADING_FONT),
    ):
        style = doc.styles[name]
        style.font.name = font
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    doc.styles["Normal"].font.size = Pt(11)
