"""Bulk-synthesise realistic responses straight into the database (for benchmarks only).

Answers are drawn per school mood with numpy, written in batches (executemany on SQLite,
COPY on PostgreSQL); the database's trigger counts them in the tallies as it counts every
stored answer (survey/services/counts.py); then the database is settled (see `settle`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import timedelta

import numpy as np
import sqlalchemy as sa

from questionnaires import Questionnaire
from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import Campaign, Link, Response
from survey.services.campaigns import registry
from survey.services.demo import GROUP_SHARE

COLUMNS = [
    "campaign_id",
    "school_id",
    "link_id",
    "group",
    "questionnaire",
    "questionnaire_version",
    "answers",
    "vector",
    "started_at",
    "submitted_at",
    "duration_seconds",
    "submission_id",
    "source",
    "network",
    "address",
    "has_comment",
]
#: about one answer in eight carries an open comment, as in the rounds bureaus ran
COMMENT_SHARE = 0.12
COMMENTS = ("希望学校多开展体育活动。", "老师很负责。", "上学路上的交通安全还需要加强。")


def _option_probabilities(q: Questionnaire, mood: float) -> list[np.ndarray]:
    """Per choice item, the chance of each option for a respondent of this mood."""
    out = []
    for item in q.choice_items:
        n = len(item.options)
        if not item.scored:
            out.append(np.full(n, 1 / n))
            continue
        p = np.zeros(n)
        rec = [i for i, o in enumerate(item.options) if o.recognised]
        dk = [i for i, o in enumerate(item.options) if o.dont_know]
        rest = [i for i in range(n) if i not in rec and i not in dk]
        p[dk] = 0.04 / max(len(dk), 1)
        p[rec] = (0.96 * mood) / len(rec)
        if rest:
            p[rest] = (0.96 * (1 - mood)) / len(rest)
        out.append(p / p.sum())
    return out


def synthesize(
    campaign: Campaign, n: int, seed: int = 7, batch: int = 20_000, with_answers_json: bool = True
) -> float:
    """Insert n responses for the campaign; returns seconds taken."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    links = db.session.scalars(sa.select(Link).where(Link.campaign_id == campaign.id)).all()
    schools = {s.id: s for s in campaign.schools}
    groups = list(campaign.groups)
    shares = np.array([GROUP_SHARE.get(g, 0.05) for g in groups])
    group_of = rng.choice(len(groups), size=n, p=shares / shares.sum())
    now = utcnow()
    engine = db.engine
    dialect = engine.dialect.name
    for gi, group in enumerate(groups):
        idx = np.flatnonzero(group_of == gi)
        if not len(idx):
            continue
        q = registry().get(campaign.forms[group])
        pool = [lk for lk in links if lk.group == group]
        weights = np.array([max(schools[lk.school_id].enrolment, 20) for lk in pool], float)
        which = rng.choice(len(pool), size=len(idx), p=weights / weights.sum())
        for li, link in enumerate(pool):
            rows_idx = np.flatnonzero(which == li)
            m = len(rows_idx)
            if not m:
                continue
            mood = float(rng.uniform(0.8, 0.96))
            probs = _option_probabilities(q, mood)
            picks = np.stack([rng.choice(len(p), size=m, p=p) for p in probs], axis=1)
            digits = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
            vectors = digits[picks].view(f"S{picks.shape[1]}").ravel()
            durations = np.maximum(15, rng.lognormal(5.2, 0.5, size=m))
            minutes = rng.uniform(0, 60 * 24 * 5, size=m)
            # a household or a school's Wi-Fi: about one answer in twenty shares its address
            # with another answer of the same school and group
            addresses = rng.integers(0, 10 * m, size=m)
            rows = []
            codes = [[o.code for o in it.options] for it in q.choice_items]
            item_codes = [it.code for it in q.choice_items]
            text_code = q.text_items[0].code if q.text_items else None
            commented = rng.random(m) < COMMENT_SHARE if text_code else np.zeros(m, bool)
            for r in range(m):
                vec = vectors[r].decode()
                submitted = now - timedelta(minutes=float(minutes[r]))
                answers = (
                    {c: codes[j][int(vec[j], 36)] for j, c in enumerate(item_codes)}
                    if with_answers_json
                    else {}
                )
                if commented[r] and with_answers_json:
                    answers[text_code] = COMMENTS[r % len(COMMENTS)]
                rows.append(
                    (
                        campaign.id,
                        link.school_id,
                        link.id,
                        group,
                        q.code,
                        q.version,
                        answers,
                        vec,
                        submitted - timedelta(seconds=float(durations[r])),
                        submitted,
                        float(durations[r]),
                        uuid.uuid4().hex,
                        "web",
                        f"syn{rng.integers(0, 2**40):010x}",
                        f"adr{link.id:04x}{addresses[r]:08x}",
                        bool(commented[r] and with_answers_json),
                    )
                )
            _write(engine, dialect, rows, batch)
    db.session.commit()
    settle(engine)
    return time.perf_counter() - t0


def settle(engine: sa.Engine) -> None:
    """Leave the database as weeks of trickling answers would, not as a bulk load just did:
    PostgreSQL vacuumed and analysed (as autovacuum would have; a first scan of fresh rows
    otherwise rewrites every page to set hint bits), SQLite's WAL checkpointed, and the
    written pages flushed, so a timing that follows measures its own work and not the
    kernel writing back the load."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE response")
            conn.exec_driver_sql("VACUUM ANALYZE response_tally")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    os.sync()


def _write(engine, dialect: str, rows: list[tuple], batch: int) -> None:
    table = Response.__table__
    if dialect == "postgresql":
        raw = engine.raw_connection()
        try:
            cols = ", ".join(f'"{c}"' for c in COLUMNS)
            with raw.cursor() as cur, cur.copy(f"COPY response ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:6], json.dumps(row[6], ensure_ascii=False), *row[7:]))
            raw.commit()
        finally:
            raw.close()
        return
    with engine.begin() as conn:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            conn.execute(table.insert(), [dict(zip(COLUMNS, r, strict=True)) for r in chunk])
