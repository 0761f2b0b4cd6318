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
import sqlalchemy as sa

from analysis.report import Settings, prepare
from analysis.scoring import BLANK, decode
from questionnaires import GROUPS, Questionnaire

from ..campaigns import registry
from ..extensions import db
from ..models import Campaign, Response
from ..timeutil import format_local
from .data import load_responses, load_schools

CHUNK = 20_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """Text that a spreadsheet will never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass
class Layout:
    """The columns of the raw-data table: fixed ones, then every item of the campaign's forms."""

    forms: list[Questionnaire]
    items: list[tuple[str, str]]  #: (item code, item text) in first-seen order
    text_codes: list[str]

    @property
    def headers(self) -> list[str]:
        return [
            "response_id",
            "school_code",
            "school_name",
            "stage",
            "location",
            "group",
            "questionnaire",
            "version",
            "source",
            "submitted_at",
            "duration_seconds",
            "flagged",
            "reasons",
            *[c for c, _ in self.items],
        ]


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


def flags_by_id(campaign: Campaign, settings: Settings) -> dict[int, str]:
    """Quality reasons of the flagged responses, by response id."""
    schools = load_schools(campaign)
    frame = prepare(load_responses(campaign), schools, registry().versions, settings).frame
    hit = frame[frame["flagged"]]
    return dict(zip(hit["response_id"].astype(int), hit["reasons"], strict=True))


def raw_rows(
    campaign: Campaign, layout: Layout, flags: dict[int, str], labels: bool = True
) -> Iterator[list]:
    """One list per response in layout.headers order, read in chunks of CHUNK rows."""
    schools = {s.id: s for s in campaign.schools}
    texts = {c: Response.answers[c].as_string() for c in layout.text_codes}
    position = {code: i for i, (code, _) in enumerate(layout.items)}
    tables = {}
    for q in layout.forms:
        choice = q.choice_items
        opts = [[(o.label if labels else o.code) for o in it.options] for it in choice]
        tables[(q.code, q.version)] = (choice, opts)
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
        batch = db.session.execute(stmt).all()
        if not batch:
            return
        for rid, sid, group, qcode, version, source, at, duration, vector, *comments in batch:
            school = schools[sid]
            row = [
                rid,
                school.code,
                school.name,
                school.stage_label,
                school.location_label,
                GROUPS.get(group, group),
                qcode,
                version,
                source,
                format_local(at, "%Y-%m-%d %H:%M:%S"),
                None if duration is None else round(duration, 1),
                "是" if rid in flags else "否",
                flags.get(rid, ""),
            ]
            cells: list = [None] * len(layout.items)
            choice, opts = tables.get((qcode, version), ((), []))
            if vector and choice:
                idx = decode([vector], len(choice))[0]
                for j, item in enumerate(choice):
                    if idx[j] != BLANK and idx[j] < len(opts[j]):
                        cells[position[item.code]] = opts[j][idx[j]]
            for code, text in zip(layout.text_codes, comments, strict=True):
                if text:
                    cells[position[code]] = safe_text(text)
            yield row + cells
        last_id = batch[-1][0]
        db.session.expunge_all()


def write_csv(campaign: Campaign, out: io.TextIOBase, settings: Settings) -> int:
    """Raw responses as CSV in UTF-8 with a BOM (Excel opens it correctly); returns rows."""
    layout = layout_of(campaign)
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(layout.headers)
    n = 0
    for row in raw_rows(campaign, layout, flags_by_id(campaign, settings)):
        writer.writerow(row)
        n += 1
    return n


def write_xlsx(campaign: Campaign, path: str, result: dict, comments, settings: Settings) -> int:
    """The dossier workbook: summary, groups, schools, items, quality, comments, raw data."""
    import xlsxwriter

    from .sheets import write_summary_sheets

    book = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        write_summary_sheets(book, result, comments)
        layout = layout_of(campaign)
        sheet = book.add_worksheet("原始数据")
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, layout.headers, bold)
        n = 0
        for n, row in enumerate(raw_rows(campaign, layout, flags_by_id(campaign, settings)), 1):
            sheet.write_row(n, 0, row)
    finally:
        book.close()
    return n


def write_sav(campaign: Campaign, path: str, settings: Settings) -> int:
    """SPSS .sav: numeric answer codes with value labels, item texts as variable labels."""
    import pandas as pd
    import pyreadstat

    layout = layout_of(campaign)
    flags = flags_by_id(campaign, settings)
    school_index = {s.code: i + 1 for i, s in enumerate(campaign.schools)}
    group_index = {g: i + 1 for i, g in enumerate(GROUPS)}
    value_of = {}
    item_labels: dict[str, dict] = {}
    for q in layout.forms:
        for it in q.choice_items:
            codes = {}
            for j, o in enumerate(it.options):
                num = int(o.code) if o.code.isdigit() else j + 1
                codes[o.label] = num
                item_labels.setdefault(it.code, {})[float(num)] = o.label
            value_of[it.code] = codes
    choice_codes = [c for c, _ in layout.items if c in value_of]
    columns: dict[str, list[np.ndarray]] = {
        c: []
        for c in ["response_id", "school", "group", "flagged", "duration_seconds", *choice_codes]
    }
    comments: list[str] = []
    buffer: dict[str, list] = {c: [] for c in columns}
    headers = layout.headers
    pos = {h: i for i, h in enumerate(headers)}
    n = 0

    def flush():
        for c, values in buffer.items():
            columns[c].append(np.asarray(values, dtype=float))
            values.clear()

    for row in raw_rows(campaign, layout, flags):
        buffer["response_id"].append(row[0])
        buffer["school"].append(school_index.get(row[1], np.nan))
        group_code = next((g for g, lab in GROUPS.items() if lab == row[5]), None)
        buffer["group"].append(group_index.get(group_code, np.nan))
        buffer["flagged"].append(1 if row[11] == "是" else 0)
        buffer["duration_seconds"].append(np.nan if row[10] is None else row[10])
        for c in choice_codes:
            label = row[pos[c]]
            buffer[c].append(np.nan if label is None else value_of[c].get(label, np.nan))
        text = " | ".join(str(row[pos[c]]) for c in layout.text_codes if row[pos[c]])
        comments.append(text[:2000])
        n += 1
        if len(buffer["response_id"]) >= CHUNK:
            flush()
    flush()
    frame = pd.DataFrame(
        {c: (np.concatenate(v) if v else np.array([], float)) for c, v in columns.items()}
    )
    frame["comment"] = comments
    texts = dict(layout.items)
    labels = {
        "response_id": "答卷编号",
        "school": "学校",
        "group": "群体",
        "flagged": "质量标记",
        "duration_seconds": "答题时长（秒）",
        "comment": "意见建议",
    }
    labels.update({c: texts[c][:250] for c in choice_codes})
    value_labels = {c: item_labels[c] for c in choice_codes}
    value_labels["school"] = {
        float(i): f"{s.code} {s.name}"
        for s, i in ((s, school_index[s.code]) for s in campaign.schools)
    }
    value_labels["group"] = {float(i): GROUPS[g] for g, i in group_index.items()}
    value_labels["flagged"] = {0.0: "否", 1.0: "是"}
    pyreadstat.write_sav(frame, path, column_labels=labels, variable_value_labels=value_labels)
    return n
