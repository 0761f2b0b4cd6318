"""Exports for the dossier: Excel workbook, CSV (UTF-8 with BOM) and SPSS .sav.

Raw responses are read from the database in chunks and written as they come (XlsxWriter in
constant-memory mode, csv row by row, .sav from numpy columns), so a million responses never
become a million Python objects at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.quality import REASON_LABELS, excluded
from analysis.report import Settings, prepare
from analysis.scoring import BLANK, decode
from questionnaires import GROUPS, Questionnaire

from ..core.database import db
from ..models import Campaign, Response
from ..services.campaigns import registry
from ..web.spreadsheet import safe_text
from .data import AnalysisError, hidden_cells, load_responses, load_schools

CHUNK = 20_000
#: shown in every export where a small cell's comment is withheld
WITHHELD = ""

#: the fixed columns of the raw data: code -> label
FIXED = {
    "response_id": "答卷编号",
    "school_code": "学校代码",
    "school_name": "学校名称",
    "stage": "学段",
    "location": "城乡",
    "group": "群体",
    "questionnaire": "问卷",
    "version": "问卷版本",
    "source": "来源",
    "submitted_at": "提交时间（北京时间）",
    "duration_seconds": "答题时长（秒）",
    "flagged": "质量标记",
    "excluded": "主要结果中剔除",
    "reasons": "标记原因",
}
SOURCE_LABELS = {"web": "网上作答", "paper": "纸质问卷录入", "import": "外部导入"}


@dataclass
class Layout:
    """The columns of the raw-data table: fixed ones, then every item of the campaign's forms."""

    forms: list[Questionnaire]
    items: list[tuple[str, str]]  #: (item code, item text) in first-seen order
    text_codes: list[str]

    @property
    def headers(self) -> list[str]:
        return [*FIXED, *(c for c, _ in self.items)]

    @property
    def labels(self) -> dict[str, str]:
        return {**FIXED, **dict(self.items)}

    @property
    def titled_headers(self) -> list[str]:
        """One header row a person and a program can both read: "P01 您对……" (the code, a
        space, the question; split at the first space for the code)."""
        labels = self.labels
        return [f"{c} {labels[c]}" for c in self.headers]

    def codebook(self) -> list[list[str]]:
        """Rows of the codebook: code, label, type, options (code = label), missing codes."""
        rows = [[c, label, "", "", ""] for c, label in FIXED.items()]
        seen = set()
        for q in self.forms:
            for it in q.items:
                if it.code in seen:
                    continue
                seen.add(it.code)
                if it.type == "text":
                    rows.append([it.code, it.text, "文字", "", ""])
                    continue
                options = "；".join(f"{o.code}={o.label}" for o in it.options)
                missing = "、".join(o.code for o in it.options if o.dont_know)
                rows.append([it.code, it.text, "单选", options, missing])
        return rows


def layout_of(campaign: Campaign) -> Layout:
    forms = []
    for code in dict.fromkeys(campaign.forms[g] for g in campaign.groups):
        forms.extend(q for (c, _), q in sorted(registry().versions.items()) if c == code)
    items, seen = [], set()
    for q in forms:
        for it in q.items:
            if it.code not in seen:
                seen.add(it.code)
                items.append((it.code, it.text))
    text_codes = [
        c
        for c, _ in items
        if any((q.item(c) is not None and q.item(c).type == "text") for q in forms)
    ]
    return Layout(forms, items, text_codes)


@dataclass
class Screening:
    """What the raw data says of each response's quality: reasons of the flagged ones (in
    Chinese), those the campaign's rule leaves out, and the small cells whose comments are
    withheld in every export."""

    reasons: dict[int, str]
    excluded: set[int]
    hidden_cells: set[tuple[str, str]]


def screening_of(campaign: Campaign, settings: Settings) -> Screening:
    schools = load_schools(campaign)
    try:
        frame = prepare(load_responses(campaign), schools, registry().versions, settings).frame
    except ValueError as exc:
        raise AnalysisError(f"无法分析本次调查的答卷：{exc}") from exc
    labels = {
        combo: "、".join(REASON_LABELS[r] for r in combo.split(",") if r)
        for combo in frame["reasons"].cat.categories
    }
    hit = frame[frame["flagged"]]
    ids = frame["response_id"].to_numpy()
    out = excluded(frame, settings.screen_rule)
    return Screening(
        reasons=dict(
            zip(hit["response_id"].astype(int), hit["reasons"].map(labels).astype(str), strict=True)
        ),
        excluded={int(i) for i in ids[out]},
        hidden_cells=hidden_cells(campaign, settings.min_cell),
    )


def raw_chunks(
    campaign: Campaign, layout: Layout, screen: Screening, labels: bool = True
) -> Iterator[pd.DataFrame]:
    """The raw-data table in chunks of CHUNK responses (keyset pages by id), each a frame
    with layout.headers columns; answers as option labels (or codes); comments of small cells
    withheld. Text stays as typed: a writer that needs it defused (CSV) does so itself."""
    info = {s.id: (s.code, s.name, s.stage_label, s.location_label) for s in campaign.schools}
    texts = {c: Response.answers[c].as_string() for c in layout.text_codes}
    tables = {}
    for q in layout.forms:
        choice = q.choice_items
        options = [
            np.array(
                [(o.label if labels else o.code) for o in it.options]
                + [None] * (BLANK + 1 - len(it.options)),
                dtype=object,
            )
            for it in choice
        ]
        tables[(q.code, q.version)] = (choice, options)
    fixed = [
        "response_id",
        "school_id",
        "group",
        "questionnaire",
        "version",
        "source",
        "submitted_at",
        "duration_seconds",
        "vector",
    ]
    last_id = 0
    while True:
        stmt = (
            sa.select(
                Response.id,
                Response.school_id,
                Response.group,
                Response.questionnaire,
                Response.questionnaire_version,
                Response.source,
                Response.submitted_at,
                Response.duration_seconds,
                Response.vector,
                *texts.values(),
            )
            .where(Response.campaign_id == campaign.id, Response.id > last_id)
            .order_by(Response.id)
            .limit(CHUNK)
        )
        rows = [tuple(r) for r in db.session.execute(stmt)]
        if not rows:
            return
        last_id = rows[-1][0]
        chunk = pd.DataFrame.from_records(rows, columns=fixed + layout.text_codes)
        school = chunk["school_id"].map(info)
        for i, col in enumerate(("school_code", "school_name", "stage", "location")):
            chunk[col] = school.str[i]
        cells = zip(chunk["school_code"], chunk["group"], strict=True)
        hidden = pd.Series([c in screen.hidden_cells for c in cells], index=chunk.index)
        chunk["group"] = chunk["group"].map(GROUPS).fillna(chunk["group"])
        if labels:
            chunk["source"] = chunk["source"].map(SOURCE_LABELS).fillna(chunk["source"])
        local = pd.to_datetime(chunk["submitted_at"]) + pd.Timedelta(hours=8)
        chunk["submitted_at"] = local.dt.strftime("%Y-%m-%d %H:%M:%S")
        chunk["duration_seconds"] = chunk["duration_seconds"].astype(float).round(1)
        reasons = chunk["response_id"].map(screen.reasons)
        chunk["flagged"] = np.where(reasons.notna(), "是", "否")
        chunk["excluded"] = np.where(chunk["response_id"].isin(screen.excluded), "是", "否")
        chunk["reasons"] = reasons.astype(object).fillna("")
        answers = {code: np.full(len(chunk), None, dtype=object) for code, _ in layout.items}
        for (qcode, version), pos in chunk.groupby(["questionnaire", "version"]).indices.items():
            choice, options = tables.get((qcode, int(version)), ((), []))
            if not choice:
                continue
            idx = decode(chunk["vector"].to_numpy()[pos].tolist(), len(choice))
            for j, item in enumerate(choice):
                answers[item.code][pos] = options[j][idx[:, j]]
        for code in layout.text_codes:
            answers[code] = chunk[code].where(~hidden, WITHHELD).to_numpy(dtype=object)
        for code, values in answers.items():
            chunk[code] = values
        yield chunk[layout.headers]
        db.session.expunge_all()


def raw_rows(
    campaign: Campaign, layout: Layout, screen: Screening, labels: bool = True
) -> Iterator[list]:
    """The raw-data table row by row (for writers that take rows)."""
    for chunk in raw_chunks(campaign, layout, screen, labels):
        for row in chunk.itertuples(index=False, name=None):
            yield [None if (isinstance(v, float) and np.isnan(v)) else v for v in row]


def write_csv(campaign: Campaign, out: io.TextIOBase, settings: Settings) -> int:
    """Raw responses as CSV in UTF-8 with a BOM (Excel opens it correctly), one header row of
    "code question" (Layout.titled_headers); returns rows. Every text cell is defused: a CSV
    cell has no type, so Excel would run "=…" as a formula."""
    layout = layout_of(campaign)
    out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerow(layout.titled_headers)
    n = 0
    for chunk in raw_chunks(campaign, layout, screening_of(campaign, settings)):
        text = chunk.select_dtypes(include=["object", "string"]).columns
        chunk[text] = chunk[text].apply(lambda col: col.map(safe_text, na_action="ignore"))
        chunk.to_csv(out, header=False, index=False, lineterminator="\r\n")
        n += len(chunk)
    return n


def write_xlsx(campaign: Campaign, path: str, result: dict, comments, settings: Settings) -> int:
    """The dossier workbook: summary, groups, schools, items, quality, comments, raw data
    (headed "code question", text stored as text, never as a formula) and its codebook."""
    import xlsxwriter

    from .sheets import write_codebook, write_summary_sheets

    book = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        write_summary_sheets(book, result, comments)
        layout = layout_of(campaign)
        sheet = book.add_worksheet("原始数据")
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        sheet.write_row(0, 0, layout.titled_headers, bold)
        sheet.freeze_panes(1, 3)
        n = 0
        for n, row in enumerate(raw_rows(campaign, layout, screening_of(campaign, settings)), 1):
            sheet.write_row(n, 0, row)
        write_codebook(book, layout.codebook())
    finally:
        book.close()
    return n
