"""The bare baseline of bench/load: a minimal Flask app whose POST inserts one row.

Same database (DATABASE_URL), same gunicorn settings, same client: what a survey submission
would cost with no questionnaire, validation, CSRF, tickets, tallies or templates.
"""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from flask import Flask, request

from survey.core.config import normalise_url
from survey.core.db_setup import sqlite_pragmas

engine = sa.create_engine(
    normalise_url(os.environ.get("DATABASE_URL", "sqlite://")),
    connect_args={"timeout": 15} if "sqlite" in os.environ.get("DATABASE_URL", "sqlite") else {},
)
if engine.dialect.name == "sqlite":
    sa.event.listen(engine, "connect", sqlite_pragmas)  # the app's own settings


metadata = sa.MetaData()
rows = sa.Table(
    "bench_row",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("link", sa.Integer, nullable=False),
    sa.Column("submission_id", sa.String(40), unique=True, nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
)


def setup(uri: str) -> None:
    """Create the table once, before the workers start (concurrent CREATE TABLE races on PG)."""
    once = sa.create_engine(normalise_url(uri))
    metadata.drop_all(once)
    metadata.create_all(once)
    once.dispose()


app = Flask(__name__)
PAGE = (
    '<form method="post"><input name="csrf_token" type="hidden" value="x">'
    '<input name="ticket" type="hidden" value="{}"><button>ok</button></form>'
)


@app.get("/")
def home():
    return "ok"


@app.get("/base/<int:link>")
def page(link: int):
    return PAGE.format(uuid.uuid4().hex)


@app.post("/base/<int:link>")
def insert(link: int):
    with engine.begin() as conn:
        conn.execute(
            rows.insert().values(
                link=link, submission_id=request.form["ticket"], answers=dict(request.form)
            )
        )
    return "", 303, {"Location": f"/base/{link}/done"}
