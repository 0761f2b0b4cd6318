"""Read a campaign's responses into the frames analysis/ works on, and run the analysis."""

from __future__ import annotations

import hashlib
import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from analysis.compare import compare
from analysis.quality import QualityConfig
from analysis.report import Settings, analyze, prepare
from questionnaires import GROUPS

from ..core.database import db
from ..models import AnalysisCache, Campaign, Link, Response, ResponseTally, School, SchoolClass
from ..services.campaigns import registry

RESPONSE_COLUMNS = [
    "response_id",
    "school_id",
    "group",
    "questionnaire",
    "version",
    "vector",
    "duration",
    "network",
    "address",
    "submitted_at",
]
_R = Response.__table__.c
_SOURCE = [
    _R.id,
    _R.school_id,
    _R.group,
    _R.questionnaire,
    _R.questionnaire_version,
    _R.vector,
    _R.duration_seconds,
    _R.network,
    _R.address,
    _R.submitted_at,
]
_TYPES = [pa.int64(), pa.int64(), pa.string(), pa.string(), pa.int64(), pa.string()]
_TYPES += [pa.float64(), pa.string(), pa.string(), pa.timestamp("us")]
#: columns only the raw-data exports read: name -> (column, type)
EXPORT_COLUMNS = {
    "source": (_R.source, pa.string()),
    "source_detail": (_R.source_detail, pa.string()),
}


class AnalysisError(RuntimeError):
    """The stored answers cannot be analysed (e.g. a questionnaire version is missing)."""


class ScopeNotFound(AnalysisError):
    """A report asked for a county the campaign has no schools in."""


#: between the values of one aggregated column: a control character no stored value holds
SEP = "\x1f"
#: responses read per aggregate query (ids, so each string stays well under the drivers' limits)
ID_SPAN = 250_000
#: spans read at once, each on a connection of its own (SQLite and PostgreSQL build each
#: aggregate on one core)
READERS = 2


def _empty_responses() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in RESPONSE_COLUMNS})
    frame["school"] = pd.Series(dtype="category")
    frame["submitted_at"] = pd.Series(dtype="datetime64[ns]")
    frame["network_id"] = pd.Series(dtype=np.int64)
    frame["address_id"] = pd.Series(dtype=np.int64)
    frame["duration"] = pd.Series(dtype=float)
    frame["version"] = pd.Series(dtype=int)
    return frame.drop(columns=["school_id", "network", "address"])


def _aggregated(column: sa.Column, dialect: str) -> sa.ColumnElement:
    """All of a column's values in one string, a NULL as an empty value. The separator is a
    literal: SQLite reads a bound one again for every row, at nearly twice the cost."""
    value = sa.cast(column, sa.Text) if dialect == "postgresql" else column
    if column.nullable:
        value = sa.func.coalesce(value, "")
    return sa.func.aggregate_strings(value, sa.literal_column(f"'{SEP}'"))


def _split(joined: str | None, dtype: pa.DataType) -> pa.Array:
    """One aggregated column back as an Arrow array (empty values as nulls, except text)."""
    values = pc.split_pattern(pa.array([joined or ""], pa.string()), SEP).flatten()
    values = pc.if_else(pc.equal(values, ""), None, values)
    return values if pa.types.is_string(dtype) else pc.cast(values, dtype)


def _read_span(
    conn: sa.Connection, campaign_id: int, start: int, stop: int, extra: tuple[str, ...] = ()
) -> pa.Table:
    """Responses with start ≤ id < stop as an Arrow table: one statement, so one snapshot.
    `extra`: EXPORT_COLUMNS to read as well."""
    if conn.dialect.name == "postgresql":  # a serial plan: every aggregate sees one row order
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    span = (_R.campaign_id == campaign_id) & (_R.id >= start) & (_R.id < stop)
    sources = _SOURCE + [EXPORT_COLUMNS[name][0] for name in extra]
    types = _TYPES + [EXPORT_COLUMNS[name][1] for name in extra]
    columns = [_aggregated(c, conn.dialect.name) for c in sources]
    count, *joined = conn.execute(sa.select(sa.func.count(), *columns).where(span)).one()
    if count:
        arrays = [_split(j, t) for j, t in zip(joined, types, strict=True)]
    else:
        arrays = [pa.array([], t) for t in types]
    if any(len(a) != count for a in arrays):  # a separator inside a value, say
        raise AnalysisError("读取答卷时数据不一致，请联系系统管理员")
    for name in ("group", "questionnaire"):  # labels as categories, here in the reader
        i = RESPONSE_COLUMNS.index(name)
        arrays[i] = pc.dictionary_encode(arrays[i])
    for name in ("network", "address"):  # only equality matters past this point
        i = RESPONSE_COLUMNS.index(name)
        arrays[i] = _fingerprints(arrays[i])
    if "source" in extra:
        i = len(RESPONSE_COLUMNS) + extra.index("source")
        arrays[i] = pc.dictionary_encode(arrays[i])
    return pa.table(arrays, names=RESPONSE_COLUMNS + list(extra))


def connections_share(engine: sa.Engine) -> bool:
    """Whether another connection of the engine sees the same data (not an in-memory
    SQLite database, which each connection has to itself): reads may then run side by side."""
    return engine.url.database not in (None, "", ":memory:")


def _read_table(conn: sa.Connection, campaign_id: int, extra: tuple[str, ...] = ()) -> pa.Table:
    """The campaign's response columns as an Arrow table, read through the app's own driver.

    Why aggregates: the app's SQLite library must be the only one that opens the live database
    file in a server process. A second copy of SQLite in the same process (an ADBC driver, say)
    does not share its POSIX lock state, takes itself for the last connection on closing, and
    deletes the WAL that the app's connections are still writing to (sqlite.org, "How To Corrupt
    An SQLite Database File", 2.2.1): acknowledged answers were lost that way. A row cursor
    through the app's driver costs about 4 s per million responses in Python objects; one
    `group_concat` / `string_agg` per column builds each column in the database's C code in
    one pass (the values of one row stay aligned across the aggregates of that pass), and Arrow
    splits it again without a Python object per value. A large campaign is read in id spans,
    READERS at a time on pooled connections of the same engine; a response stored meanwhile
    above the highest id seen is simply not in this analysis.
    """
    low, high = conn.execute(
        sa.select(sa.func.min(_R.id), sa.func.max(_R.id)).where(_R.campaign_id == campaign_id)
    ).one()
    if low is None:
        return _read_span(conn, campaign_id, 0, 0, extra)
    spans = [(a, min(a + ID_SPAN, high + 1)) for a in range(low, high + 1, ID_SPAN)]
    if len(spans) == 1 or not connections_share(conn.engine):
        return pa.concat_tables([_read_span(conn, campaign_id, a, b, extra) for a, b in spans])

    def read(bounds: tuple[int, int]) -> pa.Table:
        with conn.engine.connect() as own:
            return _read_span(own, campaign_id, *bounds, extra)

    with ThreadPoolExecutor(READERS) as pool:
        return pa.concat_tables(list(pool.map(read, spans)))


def _fingerprints(array: pa.Array) -> pa.Array:
    """A 64-bit fingerprint per text value (null stays null): equal texts, equal numbers.

    The bytes are read straight from the Arrow buffer into a zero-padded matrix and folded a
    64-bit word at a time (FNV-1a, the length mixed in): no Python string per value. Device
    and address hashes are short hex strings, so the matrix stays small.
    """
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    lengths = pc.fill_null(pc.binary_length(array), 0).to_numpy().astype(np.int64)
    offsets = np.frombuffer(array.buffers()[1], np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(array.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    longest = int(lengths.max(initial=0))
    width = -(-longest // 8) * 8 or 8
    matrix = np.zeros((len(array), width), np.uint8)
    if valid.all() and (lengths == longest).all():  # one length, as hashes have: a reshape
        matrix[:, :longest] = data.reshape(len(array), longest)
    else:
        rows = np.repeat(np.arange(len(array)), lengths)
        matrix[rows, np.arange(len(data)) - np.repeat(offsets[:-1] - offsets[0], lengths)] = data
    fingerprint = np.full(len(array), 14695981039346656037, np.uint64) ^ lengths.astype(np.uint64)
    with np.errstate(over="ignore"):
        for word in matrix.view(np.uint64).T:
            fingerprint = (fingerprint ^ word) * np.uint64(1099511628211)
    return pa.array(fingerprint, mask=~valid)


def _ids(fingerprints: pa.ChunkedArray) -> np.ndarray:
    """A non-negative integer per value (-1 for null): equal values, equal ids."""
    array = fingerprints.combine_chunks()
    ids = pc.fill_null(array, 0).to_numpy().view(np.int64) & np.int64(0x7FFF_FFFF_FFFF_FFFF)
    ids[~array.is_valid().to_numpy(zero_copy_only=False)] = -1
    return ids


def _from_arrow(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of the response columns as the frame: labels as categoricals, integer
    ids for the device and the address (the text itself is not needed past this point)."""
    table = table.unify_dictionaries()  # each span encoded its own labels
    network_id, address_id = _ids(table["network"]), _ids(table["address"])
    frame = table.drop_columns(["network", "address"]).to_pandas()
    frame["network_id"] = network_id
    frame["address_id"] = np.where(address_id >= 0, address_id, network_id)
    return frame


def load_responses(campaign: Campaign, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per response (no answers JSON: the vector carries the choices), in id order.

    Read column by column through the app's own connection into Arrow (see _read_table),
    repeated labels kept as categoricals: a million ORM rows would cost more than the whole
    analysis. `extra`: EXPORT_COLUMNS the raw-data exports need as well.
    """
    table = _read_table(db.session.connection(), campaign.id, extra)
    if not table.num_rows:
        frame = _empty_responses()
        for name in extra:
            frame[name] = pd.Series(dtype=object)
        return frame
    frame = _from_arrow(table)
    schools = list(campaign.schools)
    index = np.full(max([s.id for s in schools], default=0) + 1, -1, dtype=np.int64)
    for i, s in enumerate(schools):
        index[s.id] = i
    frame["school"] = pd.Categorical.from_codes(
        index[frame["school_id"].to_numpy(dtype=np.int64)], categories=[s.code for s in schools]
    )
    frame["version"] = frame["version"].astype(int)
    missing = frame["vector"].isna()
    if missing.any():  # answers stored before vectors existed
        frame.loc[missing, "vector"] = _vectors_from_answers(frame.loc[missing, "response_id"])
    _attach_classes(campaign, frame)
    _attach_languages(campaign, frame)
    return frame.drop(columns=["school_id"])


#: how the report names the languages answers were given in
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "ug": "维吾尔文", "en": "英文"}


def _attach_languages(campaign: Campaign, frame: pd.DataFrame) -> None:
    """A `language` column where the campaign offers more than one (the answers not in
    zh-Hans read by id; the rest, and imports, count as zh-Hans)."""
    offered = list(campaign.languages or [])
    if len(offered) < 2:
        return
    found = dict(
        db.session.execute(
            sa.select(Response.id, Response.language).where(
                Response.campaign_id == campaign.id,
                Response.language.is_not(None),
                Response.language != "zh-Hans",
            )
        ).all()
    )
    codes = _by_response(frame, found, offered, missing=0)
    frame["language"] = codes.rename_categories([LANGUAGE_NAMES.get(c, c) for c in offered])


def campaign_classes(campaign: Campaign) -> list[SchoolClass]:
    """The classes of the campaign's schools, by school code, grade and name."""
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .join(School, SchoolClass.school_id == School.id)
            .where(School.campaign_id == campaign.id)
            .order_by(School.code, SchoolClass.grade, SchoolClass.name)
        )
    )


def _attach_classes(campaign: Campaign, frame: pd.DataFrame) -> None:
    """A `class` column (class ids as categories, missing where the answer came through a
    school-wide link) where the campaign's schools list classes. Only answers through class
    links are read, by the partial index on class_id."""
    ids = [c.id for c in campaign_classes(campaign)]
    if not ids:
        return
    found = dict(
        db.session.execute(
            sa.select(Response.id, Response.class_id).where(Response.class_id.in_(ids))
        ).all()
    )
    frame["class"] = _by_response(frame, found, ids, missing=-1)


def _by_response(frame: pd.DataFrame, found: dict, values: list, missing: int) -> pd.Categorical:
    """A categorical over `values` from {response id: value}; rows not found take the value at
    position `missing` (-1: none)."""
    position = {v: i for i, v in enumerate(values)}
    codes = frame["response_id"].map({rid: position.get(v, missing) for rid, v in found.items()})
    return pd.Categorical.from_codes(
        codes.fillna(missing).to_numpy(dtype=np.int64), categories=values
    )


def _vectors_from_answers(ids: pd.Series) -> list[str]:
    out = {}
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids.iloc[chunk_start : chunk_start + 5000].tolist()
        for rid, code, version, answers in db.session.execute(
            sa.select(
                Response.id,
                Response.questionnaire,
                Response.questionnaire_version,
                Response.answers,
            ).where(Response.id.in_(chunk))
        ):
            q = registry().get(code, version)
            out[rid] = q.encode_vector(answers or {}) if q else ""
    return [out.get(int(r), "") for r in ids]


def load_schools(campaign: Campaign) -> pd.DataFrame:
    rows = [
        {
            "school": s.code,
            "name": s.name,
            "stage": s.stage_label,
            "location": s.location_label,
            "enrolment": s.enrolment,
            "county": s.county.name if s.county_id else "",
        }
        for s in campaign.schools
    ]
    return pd.DataFrame(
        rows, columns=["school", "name", "stage", "location", "enrolment", "county"]
    )


def load_comments(
    campaign: Campaign,
    query: str | None = None,
    *,
    hidden: set[tuple[str, str]] | frozenset = frozenset(),
    schools: set[str] | None = None,
    window: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Open comments: response_id, school, group, item, text (only rows that have one).

    hidden: (school code, group) cells left out; schools: only these school codes; window:
    (offset, count) of the responses with comments, in the order they came (the report's
    pages: the database stops after the page, so a page never reads a million answers).
    """
    codes = sorted(
        {it.code for form in set(campaign.forms.values()) for it in registry().get(form).text_items}
    )
    cols = ["response_id", "school", "group", "item", "text"]
    if not codes:
        return pd.DataFrame(columns=cols)
    exprs = {c: Response.answers[c].as_string() for c in codes}
    stmt = (
        sa.select(Response.id, School.code, Response.group, *exprs.values())
        .join(School, Response.school_id == School.id)
        .where(
            Response.campaign_id == campaign.id,
            Response.has_comment,
            sa.or_(*(e.is_not(None) & (e != "") for e in exprs.values())),
        )
        .order_by(Response.id)
    )
    if query:
        stmt = stmt.where(sa.or_(*(e.contains(query, autoescape=True) for e in exprs.values())))
    if hidden:
        stmt = stmt.where(sa.tuple_(School.code, Response.group).not_in(sorted(hidden)))
    if schools is not None:
        stmt = stmt.where(School.code.in_(sorted(schools)))
    if window is not None:
        stmt = stmt.offset(window[0]).limit(window[1])
    rows = []
    for rid, school, group, *texts in db.session.execute(stmt):
        for code, text in zip(codes, texts, strict=True):
            if text and (not query or query in text):
                rows.append((rid, school, group, code, text))
    return pd.DataFrame(rows, columns=cols)


def settings_for(
    campaign: Campaign, method: str | None = None, screen_rule: str | None = None
) -> Settings:
    return Settings(
        method=method or campaign.method,
        threshold=campaign.threshold,
        group_weights=campaign.group_weights or None,
        poststratify=campaign.poststratify,
        screen_rule=screen_rule or campaign.screen_rule,
        min_cell=campaign.min_cell,
        min_verdict_n=campaign.min_verdict_n,
        quality=QualityConfig(speed_floor=campaign.speed_floor),
    )


def load_targets(campaign: Campaign) -> dict[tuple[str, str], int]:
    """Respondents wanted per (school code, group), where a target is set."""
    rows = db.session.execute(
        sa.select(School.code, Link.group, Link.target)
        .join(School, Link.school_id == School.id)
        .where(Link.campaign_id == campaign.id, Link.class_id.is_(None), Link.target > 0)
    )
    return {(code, group): int(target) for code, group, target in rows}


def run_analysis(
    campaign: Campaign,
    method: str | None = None,
    screen_rule: str | None = None,
    county: str | None = None,
) -> dict:
    """The analysis document of a campaign, with school names and group labels added;
    `county`: of that county's schools alone (a campaign over several counties)."""
    settings = settings_for(campaign, method, screen_rule)
    schools = load_schools(campaign)
    responses = load_responses(campaign)
    if county is not None:
        schools = schools[schools["county"] == county].reset_index(drop=True)
        if schools.empty:
            raise ScopeNotFound(f"本次调查没有“{county}”的学校。")
        responses = responses[responses["school"].isin(set(schools["school"]))]
    try:
        prep = prepare(responses, schools, registry().versions, settings)
    except ValueError as exc:
        raise AnalysisError(f"无法分析本次调查的答卷：{exc}") from exc
    result = analyze(
        prep, schools, settings, groups=list(campaign.groups), targets=load_targets(campaign)
    )
    names = dict(zip(schools["school"], schools["name"], strict=True))
    for key in ("schools", "school_totals", "weak_items_by_school"):
        for row in result[key]:
            row["school_name"] = names.get(row["school_code"], "")
    for row in result["quality"]["by_school"] + result["quality"]["coached"]:
        row["school_name"] = names.get(row["school_code"], "")
    if result["classes"]:
        classes = {c.id: c for c in campaign_classes(campaign)}
        codes = {s.id: s.code for s in campaign.schools}
        for row in result["classes"]:
            found = classes[row["class"]]
            row["school_code"] = codes[found.school_id]
            row["school_name"] = names.get(row["school_code"], "")
            row["class_label"] = found.label
    result["campaign"] = {
        "id": campaign.id,
        "slug": campaign.slug,
        "name": campaign.name,
        "county": campaign.county.name,
    }
    result["scope"] = county  # None: the whole campaign
    result["group_labels"] = {g: GROUPS[g] for g in campaign.groups}
    return result


def json_safe(value):
    """JSON-safe copies of analysis values: numpy scalars to numbers, NaN to None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


#: analysis documents kept per campaign (the newest; older keys are dropped)
CACHE_KEEP = 8


def _code_version() -> str:
    """A digest of the code and definitions that make a document: an upgrade that changes how
    figures are computed or worded never serves a document the old code made."""
    import analysis
    import questionnaires

    digest = hashlib.sha256()
    files = [
        *sorted(Path(analysis.__file__).parent.glob("*.py")),
        *sorted(Path(questionnaires.__file__).parent.rglob("*.json")),
        Path(__file__),
    ]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


ANALYSIS_VERSION = _code_version()


def analysis_key(
    campaign: Campaign, method: str | None, screen_rule: str | None, county: str | None
) -> str:
    """A digest of everything an analysis document depends on: the answers stored so far
    (their count from the tallies and the newest id), the settings, groups and forms, the
    schools and their targets, and the scope asked for."""
    stored = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ResponseTally.n), 0)).where(
            ResponseTally.campaign_id == campaign.id
        )
    ).scalar()
    newest = db.session.execute(
        sa.select(sa.func.max(Response.id)).where(Response.campaign_id == campaign.id)
    ).scalar()
    schools = sorted(
        (s.code, s.name, s.stage, s.location, s.enrolment, s.teachers, s.county_id)
        for s in campaign.schools
    )
    parts = [
        ANALYSIS_VERSION,
        int(stored),
        newest,
        method,
        screen_rule,
        county,
        repr(settings_for(campaign, method, screen_rule)),
        campaign.groups,
        campaign.forms,
        campaign.name,
        campaign.county.name,
        schools,
        sorted(load_targets(campaign).items()),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def cached_analysis(
    campaign: Campaign,
    method: str | None = None,
    screen_rule: str | None = None,
    county: str | None = None,
) -> dict:
    """run_analysis, kept in the database while nothing behind it changes (every worker and
    host shares it): a report opened again, or by a colleague, costs a lookup."""
    key = analysis_key(campaign, method, screen_rule, county)
    found = db.session.scalar(
        sa.select(AnalysisCache.document).where(
            AnalysisCache.campaign_id == campaign.id, AnalysisCache.key == key
        )
    )
    if found is not None:
        return found
    document = json_safe(run_analysis(campaign, method, screen_rule, county))
    _keep(campaign.id, key, document)
    return document


def _keep(campaign_id: int, key: str, document: dict) -> None:
    """Store a document on a connection of its own (the request's session stays as it is); a
    concurrent worker storing the same key first is fine."""
    table = AnalysisCache.__table__
    try:
        with db.engine.begin() as conn:
            conn.execute(table.insert().values(campaign_id=campaign_id, key=key, document=document))
            old = (
                conn.execute(
                    sa.select(table.c.id)
                    .where(table.c.campaign_id == campaign_id)
                    .order_by(table.c.id.desc())
                    .offset(CACHE_KEEP)
                )
                .scalars()
                .all()
            )
            if old:
                conn.execute(table.delete().where(table.c.id.in_(old)))
    except IntegrityError:
        pass


def analysis_document(campaign: Campaign) -> dict:
    """A campaign's analysis as it stands: computed now, or for a purged campaign the one kept
    just before its answers were removed. AnalysisError when there is none."""
    if campaign.purged_at is not None:
        if not campaign.final_report:
            raise AnalysisError(f"“{campaign.name}”的答卷已清除，且没有保留清除前的分析结果。")
        return campaign.final_report
    return cached_analysis(campaign)


def compare_campaigns(a: Campaign, b: Campaign) -> dict:
    """Round B against round A (analysis.compare), each with its own settings."""
    return compare(analysis_document(a), analysis_document(b))


def hidden_cells(campaign: Campaign, min_cell: int) -> set[tuple[str, str]]:
    """(school code, group) cells with fewer than min_cell responses (all responses counted,
    flagged or not): their comments are withheld in the report and in every export."""
    counts = db.session.execute(
        sa.select(School.code, ResponseTally.group, sa.func.sum(ResponseTally.n))
        .join(School, ResponseTally.school_id == School.id)
        .where(ResponseTally.campaign_id == campaign.id)
        .group_by(School.code, ResponseTally.group)
    ).all()
    return {(code, group) for code, group, n in counts if n < min_cell}


def visible_comments(
    campaign: Campaign,
    result: dict,
    query: str | None = None,
    window: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Comments of the school × group cells with at least min_cell responses (of one county
    in a county's report); window: (offset, count) of the responses with comments."""
    scope = None
    if result.get("scope") is not None:  # one county's report: its schools' comments only
        scope = {r["school_code"] for r in result["school_totals"]}
    comments = load_comments(
        campaign,
        query,
        hidden=hidden_cells(campaign, result["min_cell"]),
        schools=scope,
        window=window,
    )
    names = {s.code: s.name for s in campaign.schools}
    comments = comments.assign(school_name=comments["school"].map(names))
    return comments.reset_index(drop=True)


#: responses with comments per page of the report
COMMENT_PAGE = 100


def comment_page(
    campaign: Campaign, result: dict, query: str | None, page: int
) -> tuple[pd.DataFrame, bool]:
    """One page (from 1) of the report's comments, and whether another follows."""
    start = (page - 1) * COMMENT_PAGE
    comments = visible_comments(campaign, result, query, window=(start, COMMENT_PAGE + 1))
    ids = comments["response_id"].drop_duplicates()
    more = len(ids) > COMMENT_PAGE
    if more:
        comments = comments[comments["response_id"] != ids.iloc[-1]].reset_index(drop=True)
    return comments, more
