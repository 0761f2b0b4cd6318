"""Read a campaign's responses into the frames analysis/ works on, and run the analysis."""

from __future__ import annotations

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc_pg
import adbc_driver_sqlite.dbapi as adbc_sqlite
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from flask import current_app

from analysis.quality import QualityConfig, network_ids
from analysis.report import Settings, analyze, prepare
from questionnaires import GROUPS

from ..campaigns import registry
from ..extensions import db
from ..models import Campaign, Response, ResponseTally, School

RESPONSE_COLUMNS = [
    "response_id",
    "school_id",
    "group",
    "questionnaire",
    "version",
    "vector",
    "duration",
    "network",
]


def _sql(campaign: Campaign) -> str:
    """Plain columns, no SQL functions and no ORDER BY: each would cost SQLite a second per
    million rows, and the analysis needs no order."""
    return (
        'SELECT id, school_id, "group", questionnaire, questionnaire_version, vector, '
        "duration_seconds, network FROM response "
        f"WHERE campaign_id = {int(campaign.id)}"
    )


def _empty_responses() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in RESPONSE_COLUMNS})
    frame["school"] = pd.Series(dtype="category")
    frame["submitted_at"] = pd.Series(dtype="datetime64[ns]")
    frame["network_id"] = pd.Series(dtype=np.int64)
    frame["duration"] = pd.Series(dtype=float)
    frame["version"] = pd.Series(dtype=int)
    return frame.drop(columns=["school_id"])


def _columns(table: np.ndarray) -> pd.DataFrame:
    """A 2-D object array of driver rows as typed columns. (Building the frame from the
    tuples directly makes pandas infer every string column, at several times the cost.)"""
    named = dict(zip(RESPONSE_COLUMNS, table.T, strict=True))
    out = {}
    for name, col in named.items():
        if name in ("response_id", "school_id", "version"):
            out[name] = col.astype(np.int64)
        elif name == "duration":
            out[name] = np.array(col, dtype=float)  # None becomes NaN
        elif name in ("group", "questionnaire"):
            codes, labels = pd.factorize(col)
            out[name] = pd.Categorical.from_codes(codes, categories=labels)
        else:
            out[name] = pd.Series(np.ascontiguousarray(col), dtype=object)
    return pd.DataFrame(out)


def _adbc_connect(url: sa.URL):
    """An ADBC connection to the app's database, or None for an in-memory SQLite database
    (which only the app's own connection can see)."""
    if url.get_backend_name() == "postgresql":
        return adbc_pg.connect(url.set(drivername="postgresql").render_as_string(False))
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return adbc_sqlite.connect(database)


def _read_arrow(url: sa.URL, sql: str) -> pa.Table | None:
    """The query's rows as an Arrow table, or None where ADBC cannot read the database (an
    in-memory one, or a connection it cannot open: logged): the caller then reads through
    the app's own connection."""
    try:
        adbc = _adbc_connect(url)
        if adbc is None:
            return None
        with adbc, adbc.cursor() as cur:
            cur.execute(sql)
            return cur.fetch_arrow_table()
    except adbc_driver_manager.Error:
        current_app.logger.warning("ADBC read failed; reading through SQLAlchemy", exc_info=True)
        return None


def _from_arrow(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of the response columns as the frame: labels as categoricals."""
    table = table.rename_columns(RESPONSE_COLUMNS)
    for name in ("group", "questionnaire"):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pc.dictionary_encode(table[name]))
    return table.to_pandas()


def load_responses(campaign: Campaign) -> pd.DataFrame:
    """One row per response (no answers JSON: the vector carries the choices).

    Reads through an ADBC driver, which fills Arrow columns straight from the database with
    no Python object per value (on SQLite a third of a cursor's time, on PostgreSQL less than
    COPY to CSV and parsing it), and keeps repeated labels as categoricals: a million ORM
    rows would cost more than the whole analysis.
    """
    conn = db.session.connection()
    table = _read_arrow(conn.engine.url, _sql(campaign))
    if table is not None:
        if not table.num_rows:
            return _empty_responses()
        frame = _from_arrow(table)
    else:
        cur = conn.connection.dbapi_connection.cursor()
        try:
            cur.execute(_sql(campaign))
            rows = cur.fetchall()
        finally:
            cur.close()
        if not rows:
            return _empty_responses()
        frame = _columns(np.array(rows, dtype=object))
    schools = list(campaign.schools)
    index = np.full(max([s.id for s in schools], default=0) + 1, -1, dtype=np.int64)
    for i, s in enumerate(schools):
        index[s.id] = i
    frame["school"] = pd.Categorical.from_codes(
        index[frame["school_id"].to_numpy(dtype=np.int64)], categories=[s.code for s in schools]
    )
    frame["version"] = frame["version"].astype(int)
    frame["network_id"] = network_ids(frame["network"])
    frame["submitted_at"] = _times_where_needed(frame)
    frame["duration"] = pd.to_numeric(frame["duration"], errors="coerce").astype(float)
    missing = frame["vector"].isna()
    if missing.any():  # answers stored before vectors existed
        frame.loc[missing, "vector"] = _vectors_from_answers(frame.loc[missing, "response_id"])
    return frame.drop(columns=["school_id"])


def _times_where_needed(frame: pd.DataFrame) -> pd.Series:
    """Submission times of the responses that share a network with another response at the
    same school: only those can be part of a burst or a duplicate. The rest stay NaT, which
    spares reading and parsing a timestamp per response."""
    shared = (frame["network_id"] != -1) & frame.duplicated(["school", "network_id"], keep=False)
    times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    ids = frame.loc[shared, "response_id"].astype(int).tolist()
    found = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            db.session.execute(
                sa.select(Response.id, Response.submitted_at).where(Response.id.in_(chunk))
            ).all()
        )
    if found:
        times[shared] = pd.to_datetime(frame.loc[shared, "response_id"].map(found))
    return times


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


class AnalysisError(RuntimeError):
    """The stored answers cannot be analysed (e.g. a questionnaire version is missing)."""


def load_schools(campaign: Campaign) -> pd.DataFrame:
    rows = [
        {
            "school": s.code,
            "name": s.name,
            "stage": s.stage_label,
            "location": s.location_label,
            "enrolment": s.enrolment,
        }
        for s in campaign.schools
    ]
    return pd.DataFrame(rows, columns=["school", "name", "stage", "location", "enrolment"])


def load_comments(campaign: Campaign, query: str | None = None) -> pd.DataFrame:
    """Open comments: response_id, school, group, item, text (only rows that have one)."""
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
            sa.or_(*(e.is_not(None) & (e != "") for e in exprs.values())),
        )
        .order_by(Response.id)
    )
    rows = []
    for rid, school, group, *texts in db.session.execute(stmt):
        for code, text in zip(codes, texts, strict=True):
            if text and (not query or query in text):
                rows.append((rid, school, group, code, text))
    return pd.DataFrame(rows, columns=cols)


def settings_for(
    campaign: Campaign, method: str | None = None, exclude_flagged: bool | None = None
) -> Settings:
    return Settings(
        method=method or campaign.method,
        threshold=campaign.threshold,
        group_weights=campaign.group_weights or None,
        poststratify=campaign.poststratify,
        exclude_flagged=campaign.exclude_flagged if exclude_flagged is None else exclude_flagged,
        min_cell=campaign.min_cell,
        quality=QualityConfig(speed_floor=campaign.speed_floor),
    )


def run_analysis(
    campaign: Campaign, method: str | None = None, exclude_flagged: bool | None = None
) -> dict:
    """The analysis document of a campaign, with school names and group labels added."""
    settings = settings_for(campaign, method, exclude_flagged)
    schools = load_schools(campaign)
    responses = load_responses(campaign)
    try:
        prep = prepare(responses, schools, registry().versions, settings)
    except ValueError as exc:
        raise AnalysisError(f"无法分析本次调查的答卷：{exc}") from exc
    result = analyze(prep, schools, settings, groups=list(campaign.groups))
    names = dict(zip(schools["school"], schools["name"], strict=True))
    for key in ("schools", "school_totals", "weak_items_by_school"):
        for row in result[key]:
            row["school_name"] = names.get(row["school_code"], "")
    for row in result["quality"]["by_school"] + result["quality"]["coached"]:
        row["school_name"] = names.get(row["school_code"], "")
    result["campaign"] = {
        "id": campaign.id,
        "slug": campaign.slug,
        "name": campaign.name,
        "county": campaign.county.name,
    }
    result["group_labels"] = {g: GROUPS[g] for g in campaign.groups}
    return result


def visible_comments(campaign: Campaign, result: dict, query: str | None = None) -> pd.DataFrame:
    """Comments of the school × group cells with at least min_cell responses (all responses
    counted, flagged or not): a small cell keeps its comments hidden."""
    comments = load_comments(campaign, query)
    counts = db.session.execute(
        sa.select(School.code, ResponseTally.group, sa.func.sum(ResponseTally.n))
        .join(School, ResponseTally.school_id == School.id)
        .where(ResponseTally.campaign_id == campaign.id)
        .group_by(School.code, ResponseTally.group)
    ).all()
    hidden = {(code, group) for code, group, n in counts if n < result["min_cell"]}
    if hidden and not comments.empty:
        keys = list(zip(comments["school"], comments["group"], strict=True))
        comments = comments[[k not in hidden for k in keys]]
    names = {s.code: s.name for s in campaign.schools}
    comments = comments.assign(school_name=comments["school"].map(names))
    return comments.reset_index(drop=True)
