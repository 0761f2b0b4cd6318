"""Engine settings per database and schema creation through Alembic."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .database import db


def sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout makes writers queue, not fail.
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:  # a read-only file or folder: reads still work
        logging.getLogger(__name__).error("SQLite database not writable (%s): read-only", exc)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def configure(app: Flask) -> None:
    """Attach per-dialect connection settings to the app's engine."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", sqlite_pragmas)


def upgrade_schema() -> None:
    """Bring the database to the newest migration (needs an app context)."""
    from flask_migrate import upgrade

    upgrade()
