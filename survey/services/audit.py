"""The audit log: who did what, when, to what, with what result; append-only, hash-chained.

`record` adds an entry to the caller's transaction. At the end of the request or command,
`seal` gives every new entry, in id order, the SHA-256 of its own content and the previous
entry's hash, in a transaction that holds the database's write lock (SQLite BEGIN IMMEDIATE, a
PostgreSQL advisory lock), so concurrent writers never fork the chain. `verify` recomputes the
chain: an edited, inserted or deleted row shows. Nothing in the app updates or deletes an entry
otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_login import current_user

from ..core.database import db
from ..models import AuditEntry

_PENDING = "audit_pending"
_LOCK = 7_310_421  #: PostgreSQL advisory lock key of the audit chain
_T = AuditEntry.__table__.c


def record(
    action: str,
    target: str = "",
    county_id: int | None = None,
    result: str = "ok",
    actor: str | None = None,
    user_id: int | None = None,
    **detail,
) -> None:
    """Add an audit entry to the current transaction (the caller commits)."""
    user = current_user if getattr(current_user, "is_authenticated", False) else None
    db.session.add(
        AuditEntry(
            user_id=user_id if user_id is not None else (user.id if user else None),
            county_id=county_id if county_id is not None else (user.county_id if user else None),
            actor=actor or (user.username if user else None),
            action=action,
            target=target,
            result=result,
            detail=detail or None,
        )
    )
    db.session.info[_PENDING] = True


def content(row) -> bytes:
    """The canonical bytes of an entry that its hash covers."""
    at = row.at.isoformat(timespec="microseconds") if isinstance(row.at, datetime) else str(row.at)
    detail = row.detail if isinstance(row.detail, dict | None) else json.loads(row.detail)
    fields = [row.id, at, row.user_id, row.county_id, row.actor, row.action, row.target]
    fields += [row.result, detail]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode()


def chain(previous: str, row) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + content(row)).hexdigest()


def seal(engine: sa.Engine | None = None) -> int:
    """Hash every entry that has none yet, in id order; returns how many."""
    engine = engine or db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK)))
        try:
            todo = conn.execute(
                sa.select(AuditEntry.__table__).where(_T.hash.is_(None)).order_by(_T.id)
            ).all()
            if todo:
                previous = conn.scalar(
                    sa.select(_T.hash)
                    .where(_T.hash.is_not(None), _T.id < todo[0].id)
                    .order_by(_T.id.desc())
                    .limit(1)
                )
                previous = previous or ""
                for row in todo:
                    previous = chain(previous, row)
                    conn.execute(
                        sa.update(AuditEntry.__table__)
                        .where(_T.id == row.id, _T.hash.is_(None))
                        .values(hash=previous)
                    )
            conn.exec_driver_sql("COMMIT")
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
    return len(todo)


@dataclass(frozen=True)
class Break:
    entry_id: int
    reason: str


def verify(engine: sa.Engine | None = None) -> tuple[int, list[Break]]:
    """Recompute the chain: (entries checked, where it breaks)."""
    engine = engine or db.engine
    breaks: list[Break] = []
    previous, checked = "", 0
    with engine.connect() as conn:
        anchors = _anchors(conn)
        for row in conn.execute(sa.select(AuditEntry.__table__).order_by(_T.id)):
            if checked == 0 and row.id - 1 in anchors:  # the entries before went to an archive
                previous = anchors[row.id - 1]
            checked += 1
            if row.hash is None:
                breaks.append(Break(row.id, "未封存（没有哈希）"))
                continue
            if row.hash != chain(previous, row):
                breaks.append(Break(row.id, "内容被修改，或它之前的记录被删除或插入"))
            previous = row.hash
    return checked, breaks


def _anchors(conn) -> dict[int, str]:
    """Where archived entries ended: last archived id -> its hash (from audit.archive rows)."""
    out = {}
    for (detail,) in conn.execute(sa.select(_T.detail).where(_T.action == "audit.archive")):
        detail = detail if isinstance(detail, dict) else json.loads(detail)
        out[int(detail["up_to_id"])] = detail["last_hash"]
    return out


def archive(path: str, before: datetime) -> int:
    """Move entries older than `before` to a JSON-lines file (with their hashes), then out of
    the database; the archive itself is an audited entry that anchors the remaining chain.
    Returns how many were archived. The caller checks the retention setting."""
    seal()
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.at < before).order_by(AuditEntry.id)
    ).all()
    if not rows:
        return 0
    first_kept = db.session.scalar(sa.select(sa.func.min(_T.id)).where(_T.at >= before))
    if first_kept is not None and first_kept < rows[-1].id:
        raise ValueError("entries out of time order; archive by id")
    with open(path, "a", encoding="utf-8") as out:
        for e in rows:
            line = {
                "id": e.id,
                "at": e.at.isoformat(timespec="microseconds"),
                "user_id": e.user_id,
                "county_id": e.county_id,
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "result": e.result,
                "detail": e.detail,
                "hash": e.hash,
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    last = rows[-1]
    record(
        "audit.archive",
        "audit_log",
        up_to_id=last.id,
        last_hash=last.hash,
        count=len(rows),
        file=os.path.basename(path),
    )
    db.session.execute(sa.delete(AuditEntry).where(_T.id <= last.id))
    db.session.commit()
    seal()
    return len(rows)


def entries(since: datetime | None = None) -> Iterator[AuditEntry]:
    q = sa.select(AuditEntry).order_by(AuditEntry.id)
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    yield from db.session.scalars(q)


def seal_pending(_exc: BaseException | None = None) -> None:
    """At the end of a request or CLI command: seal what this app context recorded (its
    session has committed or rolled back by then and holds no connection)."""
    registry = db.session.registry
    if registry.has() and registry().info.pop(_PENDING, False):
        try:
            seal()
        except Exception:  # noqa: BLE001 - the next seal takes these entries in
            logging.getLogger(__name__).exception("Audit entries not sealed yet")


def init_app(app) -> None:
    """Seal at the end of every app context (register after the database)."""
    app.teardown_appcontext(seal_pending)
