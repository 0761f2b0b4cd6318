"""Keep the response tallies: one upsert per stored response, inside its transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from ..core.database import db
from ..models import ResponseTally


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def add_counts(
    keys: Iterable[tuple[int, int, str, datetime]], conn: Connection | None = None
) -> None:
    """Add one to the tally of each (campaign_id, school_id, group, submitted_at).

    An upsert (INSERT .. ON CONFLICT DO UPDATE) on both SQLite and PostgreSQL, so
    concurrent submissions never lose a count. Runs in the caller's transaction: on `conn`,
    else on the session's.
    """
    upsert_tallies(Counter((c, s, g, hour_of(at)) for c, s, g, at in keys), conn)


def upsert_tallies(
    counter: Mapping[tuple[int, int, str, datetime], int], conn: Connection | None = None
) -> None:
    """Add counts to (campaign_id, school_id, group, hour start) tallies in one statement."""
    if not counter:
        return
    rows = [
        {"campaign_id": c, "school_id": s, "group": g, "hour": h, "n": n}
        for (c, s, g, h), n in sorted(counter.items())
    ]
    conn = conn if conn is not None else db.session.connection()
    conn.execute(tally_upsert(conn.dialect.name), rows)


@cache
def insert_counted(table: sa.Table) -> sa.Insert:
    """PostgreSQL: insert one row of `table` and add one to its tally in one statement.

    `WITH r AS (INSERT INTO <table> .. RETURNING id) INSERT INTO response_tally .. ON CONFLICT
    DO UPDATE .. RETURNING (SELECT id FROM r)`: atomic by itself, so a submission costs one
    round trip in autocommit instead of four (BEGIN, two statements, COMMIT). The row's own
    campaign_id, school_id and group parameters feed the tally; `hour` is the hour's start.
    """
    cols = [c for c in table.c if not c.primary_key]
    row = (
        sa.insert(table)
        .values({c.name: sa.bindparam(c.name, type_=c.type) for c in cols})
        .returning(table.c.id)
        .cte("counted_row")
    )
    tally = ResponseTally.__table__
    stmt = postgresql.insert(tally).values(
        campaign_id=sa.bindparam("campaign_id", type_=tally.c.campaign_id.type),
        school_id=sa.bindparam("school_id", type_=tally.c.school_id.type),
        group=sa.bindparam("group", type_=tally.c.group.type),
        hour=sa.bindparam("hour", type_=tally.c.hour.type),
        n=1,
    )
    stmt = _add_on_conflict(stmt)
    return stmt.returning(sa.select(row.c.id).scalar_subquery()).add_cte(row)


@cache
def tally_upsert(dialect: str):
    """INSERT .. ON CONFLICT DO UPDATE n = n + excluded.n, built once per dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return _add_on_conflict(insert(ResponseTally.__table__))


def _add_on_conflict(stmt):
    """An insert into the tallies that adds its n to an existing (campaign, school, group,
    hour) row instead of failing."""
    return stmt.on_conflict_do_update(
        index_elements=["campaign_id", "school_id", "group", "hour"],
        set_={"n": ResponseTally.__table__.c.n + stmt.excluded.n},
    )
