"""`/healthz` for load balancers and monitoring: is the database reachable? 200 or 503, JSON."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, jsonify

from ..core.database import db


def database_ok() -> bool:
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"; the log says which
        current_app.logger.exception("Health check: the database is not reachable")
        return False
    return True


def register(app: Flask, path: str) -> None:
    @app.get(path, endpoint="healthz")
    def healthz():
        ok = database_ok()
        body = {"status": "ok" if ok else "error", "database": "ok" if ok else "unreachable"}
        response = jsonify(body)
        response.status_code = 200 if ok else 503
        response.headers["Cache-Control"] = "no-store"
        return response
