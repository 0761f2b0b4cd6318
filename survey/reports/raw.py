"""The raw-data table every export writes (CSV, the workbook's 原始数据 sheet, SPSS .sav).

Read once through the analysis's own read path (data.load_responses, with the export's extra
columns) and screened by the same `prepare`, so the exports and the report agree on every
flag. The table is built in Arrow batches, column by column: a choice is a dictionary index
into its item's option labels (or codes), a school, group or source an index into its few
values, so a million answers never become a hundred million Python strings (the row cursor
and pandas' to_csv this replaced took 21–37 s for CSV; bench/analysis.py prints the figure).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from flask import current_app

from analysis.quality import REASON_LABELS, excluded
from analysis.report import Settings, prepare
from analysis.scoring import BLANK, decode
from questionnaires import GROUPS, Questionnaire

from ..core.database import db
from ..models import Campaign
from ..services.campaigns import registry
from ..web.spreadsheet import FORMULA_START, safe_text
from .data import (
    AnalysisError,
    connections_share,
    hidden_cells,
    load_comments,
    load_responses,
    load_schools,
)

#: rows per batch (the output side's memory: a batch of every column at once)
BATCH = 100_000

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
    "source_detail": "来源详情",
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
            if it.code not in seen and it.type != "note":
                seen.add(it.code)
                items.append((it.code, it.text))
    text_codes = [
        c
        for c, _ in items
        if any((q.item(c) is not None and q.item(c).type == "text") for q in forms)
    ]
    return Layout(forms, items, text_codes)


@dataclass
class RawData:
    """A campaign's responses as read and screened for the exports."""

    frame: pd.DataFrame  #: prepare's frame (one row per response) with source columns
    order: np.ndarray  #: positions of the rows in response id order
    excluded: np.ndarray  #: (n,) bool: left out of the headline by the campaign's rule
    reason_labels: dict[str, str]  #: a flag combination ("fast,burst") in Chinese
    comments: dict[str, pa.Array]  #: item code -> text per row in `order` (null: none, or a
    #: small cell's, withheld)


def read_raw(campaign: Campaign, settings: Settings) -> RawData:
    """Read and screen every response once, for any number of batches. The comments are read
    on a connection of their own while the answers are screened (the screening keeps one core
    busy, the comments' query the other)."""
    schools = load_schools(campaign)
    responses = load_responses(campaign, extra=("source", "source_detail"))
    hidden = hidden_cells(campaign, settings.min_cell)
    app = current_app._get_current_object()

    def comments_of(campaign_id: int) -> pd.DataFrame:
        with app.app_context():  # its own session and connection
            return load_comments(db.session.get(Campaign, campaign_id), hidden=hidden)

    if not connections_share(db.engine):
        frame = _screen(responses, schools, settings)
        found = load_comments(campaign, hidden=hidden)
    else:
        with ThreadPoolExecutor(1) as pool:
            comments = pool.submit(comments_of, campaign.id)
            frame = _screen(responses, schools, settings)
            found = comments.result()
    reasons = frame["reasons"].cat.categories
    labels = {c: "、".join(REASON_LABELS[r] for r in c.split(",") if r) for c in reasons}
    ids = frame["response_id"].to_numpy(dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    return RawData(
        frame=frame,
        order=order,
        excluded=excluded(frame, settings.screen_rule),
        reason_labels=labels,
        comments=_aligned(found, ids[order]),
    )


def _aligned(found: pd.DataFrame, ids: np.ndarray) -> dict[str, pa.Array]:
    """Per text item, its comments as one column over the rows of `ids` (sorted), null where a
    row has none; a comment of a response stored after the answers were read is left out."""
    texts = {}
    for code, part in found.groupby("item"):
        wanted = part["response_id"].to_numpy(dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, wanted), max(len(ids) - 1, 0))
        hit = ids[at] == wanted if len(ids) else np.zeros(len(wanted), bool)
        index = np.full(len(ids), -1, np.int64)
        index[at[hit]] = np.flatnonzero(hit)
        values = pa.array(part["text"].to_numpy(dtype=object), pa.string())
        texts[code] = values.take(pa.array(index, mask=index < 0))
    return texts


def _screen(responses: pd.DataFrame, schools: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    try:
        return prepare(responses, schools, registry().versions, settings).frame
    except ValueError as exc:
        raise AnalysisError(f"无法分析本次调查的答卷：{exc}") from exc


def _dictionary(indices: np.ndarray, values: list, defuse: bool) -> pa.DictionaryArray:
    """Indices (-1: empty; any signed integer type, taken as it is) into a few values, as an
    Arrow dictionary column."""
    if defuse:
        values = [safe_text(v) for v in values]
    index = pa.array(indices, mask=indices < 0)
    return pa.DictionaryArray.from_arrays(index, pa.array(values, pa.string()))


def _categorical(series: pd.Series, rows: np.ndarray, rename, defuse: bool) -> pa.Array:
    cats = [rename(c) for c in series.cat.categories]
    return _dictionary(series.cat.codes.to_numpy()[rows], cats, defuse)


def _text(values: pa.Array, defuse: bool) -> pa.Array:
    """Free text, with "'" before what a spreadsheet would run as a formula (CSV)."""
    if not defuse:
        return values
    risky = pc.match_substring_regex(values, FORMULA_START)
    quote, nothing = pa.scalar("'", values.type), pa.scalar("", values.type)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, values, nothing), values)


def raw_batches(
    raw: RawData, layout: Layout, labels: bool = True, defuse: bool = False
) -> Iterator[pa.Table]:
    """The raw-data table (layout.headers columns) in batches of BATCH rows, in response id
    order: answers as option labels (or codes), comments of small cells withheld; `defuse`:
    text a spreadsheet would run as a formula gets a leading "'" (CSV cells have no type)."""
    frame = raw.frame
    vectors = pa.array(frame["vector"], type=pa.string(), from_pandas=True)
    if isinstance(vectors, pa.ChunkedArray):
        vectors = vectors.combine_chunks()
    # each row's form (code and version) as one integer key, factorized without tuples
    code_of = frame["questionnaire"].astype("category")
    versions = frame["version"].to_numpy(dtype=np.int64)
    width = int(versions.max(initial=0)) + 1
    keys = code_of.cat.codes.to_numpy(dtype=np.int64) * width + versions
    forms, form_of = np.unique(keys, return_inverse=True)
    names = code_of.cat.categories
    questionnaires = [registry().get(str(names[k // width]), int(k % width)) for k in forms]
    # per item column: its dictionary, and per form the option index -> dictionary index
    choice_codes = [c for c, _ in layout.items if c not in layout.text_codes]
    column_of = {c: i for i, c in enumerate(choice_codes)}
    values: dict[str, list[str]] = {c: [] for c in choice_codes}
    maps: dict[tuple[int, str], np.ndarray] = {}
    for f, q in enumerate(questionnaires):
        for item in q.choice_items:
            known = values[item.code]
            to = np.full(BLANK + 1, -1, np.int16)
            for i, opt in enumerate(item.options):
                word = opt.label if labels else opt.code
                if word not in known:
                    known.append(word)
                to[i] = known.index(word)
            maps[(f, item.code)] = to
    # an item's answers as 1-byte indices where its labels allow (they nearly always do): the
    # batch's index matrix is the largest thing built per batch
    narrow = np.int8 if max(map(len, values.values()), default=0) < 128 else np.int16
    local = pd.to_datetime(frame["submitted_at"]) + pd.Timedelta(hours=8)
    stamps = pa.array(local.to_numpy(dtype="datetime64[s]"), pa.timestamp("s"))
    flagged = frame["flagged"].to_numpy(bool)
    all_ids = frame["response_id"].to_numpy(dtype=np.int64)
    source = frame["source"].astype("category")
    details = pa.array(frame["source_detail"].to_numpy(dtype=object), pa.string(), from_pandas=True)
    yes_no = ["否", "是"]
    for start in range(0, len(frame), BATCH):
        rows = raw.order[start : start + BATCH]
        ids = all_ids[rows]
        columns = {
            "response_id": pa.array(ids),
            "school_code": _categorical(frame["school"], rows, str, defuse),
            "school_name": _categorical(frame["name"], rows, str, defuse),
            "stage": _categorical(frame["stage"], rows, str, defuse),
            "location": _categorical(frame["location"], rows, str, defuse),
            "group": _categorical(
                frame["group"], rows, lambda g: GROUPS.get(g, g) if labels else g, defuse
            ),
            "questionnaire": _categorical(frame["questionnaire"], rows, str, defuse),
            "version": pa.array(frame["version"].to_numpy(dtype=np.int64)[rows]),
            "source": _categorical(
                source, rows, lambda s: SOURCE_LABELS.get(s, s) if labels else s, defuse
            ),
            "source_detail": _text(details.take(pa.array(rows)), defuse),
            # a cast, not strftime: the same "YYYY-MM-DD HH:MM:SS", about 20 times faster
            "submitted_at": stamps.take(pa.array(rows)).cast(pa.string()),
            "duration_seconds": pa.array(
                np.round(frame["duration"].to_numpy(dtype=float)[rows], 1),
                from_pandas=True,
            ),
            "flagged": _dictionary(flagged[rows].view(np.int8), yes_no, False),
            "excluded": _dictionary(raw.excluded[rows].view(np.int8), yes_no, False),
            "reasons": _categorical(frame["reasons"], rows, raw.reason_labels.get, defuse),
        }
        batch_forms = form_of[rows]
        # one matrix for every choice column of the batch (a row per column, so each column
        # is contiguous and goes to Arrow as it is): one allocation, not one per column
        indices = np.full((len(choice_codes), len(rows)), -1, narrow)
        for f in np.unique(batch_forms):
            q = questionnaires[f]
            where = np.flatnonzero(batch_forms == f)
            chosen = decode(vectors.take(pa.array(rows[where])), len(q.choice_items))
            for j, item in enumerate(q.choice_items):
                indices[column_of[item.code], where] = maps[(f, item.code)][chosen[:, j]]
        for code, _ in layout.items:
            if code in layout.text_codes:
                found = raw.comments.get(code)
                texts = found.slice(start, len(rows)) if found is not None else pa.nulls(len(rows))
                columns[code] = _text(texts.cast(pa.string()), defuse)
            else:
                columns[code] = _dictionary(indices[column_of[code]], values[code], defuse)
        yield pa.table(columns)


def raw_chunks(raw: RawData, layout: Layout, labels: bool = True) -> Iterator[pd.DataFrame]:
    """The same batches as pandas frames (for writers that take frames)."""
    for batch in raw_batches(raw, layout, labels):
        yield batch.to_pandas()
