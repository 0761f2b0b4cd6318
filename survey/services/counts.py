"""The response tallies: answers per (campaign, school, group, clock hour), kept by the database.

A trigger on the response table (`response_counted`, migration 0022) adds one to a row's tally
in the statement that stores it, on SQLite and on PostgreSQL alike, whatever stores the row: a
submission, an import, the demo, a bench's bulk load. Nothing in the code counts, so no path
can forget to, and progress pages read the tallies instead of counting answers.
"""

from __future__ import annotations

from datetime import datetime


def hour_of(at: datetime) -> datetime:
    """The start of the tally hour holding `at` (naive UTC), as the trigger computes it."""
    return at.replace(minute=0, second=0, microsecond=0)
