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

from analysis.report import Settings, prepare
from analysis.scoring import BLANK, decode
from questionnaires import GROUPS, Questionnaire

from ..campaigns import registry
from ..extensions import db
from ..models import Campaign, Response
from .data import AnalysisError, load_responses, load_schools

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
    try:
        frame = prepare(load_responses(campaign), schools, registry().versions, settings).frame
    except ValueError as exc:
        raise AnalysisError(f"无法分析本次调查的答卷：{exc}") from exc
    hit = frame[frame["flagged"]]
    return dict(zip(hit["response_id"].astype(int), hit["reasons"], strict=True))


def raw_chunks(
    campaign: Campaign, layout: Layout, flags: dict[int, str], labels: bool = True
) -> Iterator[pd.DataFrame]:
    """The raw-data table in chunks of CHUNK responses (keyset pages by id), each a frame
    with layout.headers columns; answers as option labels (or codes), comments defused."""
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
        chunk["group"] = chunk["group"].map(GROUPS).fillna(chunk["group"])
        local = pd.to_datetime(chunk["submitted_at"]) + pd.Timedelta(hours=8)
        chunk["submitted_at"] = local.dt.strftime("%Y-%m-%d %H:%M:%S")
        chunk["duration_seconds"] = chunk["duration_seconds"].astype(float).round(1)
        reasons = chunk["response_id"].map(flags)
        chunk["flagged"] = np.where(reasons.notna(), "是", "否")
        chunk["reasons"] = reasons.fillna("")
        answers = {code: np.full(len(chunk), None, dtype=object) for code, _ in layout.items}
        for (qcode, version), pos in chunk.groupby(["questionnaire", "version"]).indices.items():
            choice, options = tables.get((qcode, int(version)), ((), []))
            if not choice:
                continue
            idx = decode(chunk["vector"].to_numpy()[pos].tolist(), len(choice))
            for j, item in enumerate(choice):
                answers[item.code][pos] = options[j][idx[:, j]]
        for code in layout.text_codes:
            answers[code] = chunk[code].map(safe_text, na_action="ignore").to_numpy()
        for code, values in answers.items():
            chunk[code] = values
        yield chunk[layout.headers]
        db.session.expunge_all()


def raw_rows(
    campaign: Campaign, layout: Layout, flags: dict[int, str], labels: bool = True
) -> Iterator[list]:
    """The raw-data table row by row (for writers that take rows)."""
    for chunk in raw_chunks(campaign, layout, flags, labels):
        for row in chunk.itertuples(index=False, name=None):
            yield [None if (isinstance(v, float) and np.isnan(v)) else v for v in row]


def write_csv(campaign: Campaign, out: io.TextIOBase, settings: Settings) -> int:
    """Raw responses as CSV in UTF-8 with a BOM (Excel opens it correctly); returns rows."""
    layout = layout_of(campaign)
    out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerow(layout.headers)
    n = 0
    for chunk in raw_chunks(campaign, layout, flags_by_id(campaign, settings)):
        chunk.to_csv(out, header=False, index=False, lineterminator="\r\n")
        n += len(chunk)
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
    import pyreadstat

    layout = layout_of(campaign)
    flags = flags_by_id(campaign, settings)
    schools = list(campaign.schools)
    school_num = {s.code: float(i + 1) for i, s in enumerate(schools)}
    group_num = {label: float(i + 1) for i, label in enumerate(GROUPS.values())}
    numbers: dict[str, dict[str, float]] = {}
    value_labels: dict[str, dict[float, str]] = {}
    for q in layout.forms:
        for it in q.choice_items:
            for j, o in enumerate(it.options):
                num = float(o.code) if o.code.isdigit() else float(j + 1)
                numbers.setdefault(it.code, {})[o.code] = num
                value_labels.setdefault(it.code, {})[num] = o.label
    choice_codes = [c for c, _ in layout.items if c in numbers]
    parts = []
    for chunk in raw_chunks(campaign, layout, flags, labels=False):
        part = pd.DataFrame(
            {
                "response_id": chunk["response_id"].astype(float),
                "school": chunk["school_code"].map(school_num).astype(float),
                "group": chunk["group"].map(group_num).astype(float),
                "flagged": (chunk["flagged"] == "是").astype(float),
                "duration_seconds": chunk["duration_seconds"].astype(float),
            }
        )
        for c in choice_codes:
            part[c] = chunk[c].map(numbers[c]).astype(float)
        comments = chunk[layout.text_codes].fillna("").astype(str)
        part["comment"] = comments.agg(" | ".join, axis=1).str.strip(" |").str[:2000]
        parts.append(part)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            columns=[
                "response_id",
                "school",
                "group",
                "flagged",
                "duration_seconds",
                *choice_codes,
                "comment",
            ]
        )
    )
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
    value_labels = {c: value_labels[c] for c in choice_codes}
    value_labels["school"] = {school_num[s.code]: f"{s.code} {s.name}" for s in schools}
    value_labels["group"] = {num: label for label, num in group_num.items()}
    value_labels["flagged"] = {0.0: "否", 1.0: "是"}
    pyreadstat.write_sav(frame, path, column_labels=labels, variable_value_labels=value_labels)
    return len(frame)
