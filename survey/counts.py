"""Keep the response tallies: one upsert per stored response, inside its transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db
from .models import ResponseTally


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
def tally_upsert(dialect: str):
    """INSERT .. ON CONFLICT DO UPDATE n = n + excluded.n, built once per dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ResponseTally.__table__
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["campaign_id", "school_id", "group", "hour"],
        set_={"n": table.c.n + stmt.excluded.n},
    )
