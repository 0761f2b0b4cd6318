"""Shared set-up for the benchmarks: a fresh database with the demo campaign and an admin."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from contextlib import contextmanager

import sqlalchemy as sa

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def bench_app(backend: str, pg_url: str | None = None):
    """Yield (app, campaign_id) on an empty migrated database with the demo campaign."""
    from survey import create_app
    from survey.core.database import db
    from survey.core.db_setup import upgrade_schema
    from survey.models import User
    from survey.services.demo import ensure_demo_campaign

    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            uri = f"sqlite:///{tmp}/bench.db"
        else:
            # never DATABASE_URL: the benchmark drops the schema it is given
            uri = pg_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
        app = create_app(
            {"SECRET_KEY": "bench", "NETWORK_SALT": "bench", "SQLALCHEMY_DATABASE_URI": uri}
        )
        with app.app_context():
            if backend != "sqlite":
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade_schema()
            campaign, _ = ensure_demo_campaign()
            admin = User(username="bench-admin", role="admin", county_id=campaign.county_id)
            admin.set_password("bench-password")
            db.session.add(admin)
            db.session.commit()
            cid = campaign.id
        try:
            yield app, cid
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]
