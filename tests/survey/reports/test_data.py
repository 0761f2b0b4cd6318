"""Reading a campaign's responses for analysis through the app's own connection."""

from __future__ import annotations

import os
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Response
from survey.reports import data
from survey.services.demo import simulate_responses
from tests.helpers import USE_PG


def _load(app, campaign_id):
    with app.app_context():
        frame = data.load_responses(db.session.get(Campaign, campaign_id))
        db.session.remove()
    return frame.sort_values("response_id").reset_index(drop=True)


def _orm_rows(app, campaign_id) -> pd.DataFrame:
    """The same columns read row by row through the ORM: the independent reference."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Response.id,
                Response.group,
                Response.questionnaire,
                Response.questionnaire_version,
                Response.vector,
                Response.duration_seconds,
                Response.network,
                Response.address,
            )
            .where(Response.campaign_id == campaign_id)
            .order_by(Response.id)
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "response_id",
            "group",
            "questionnaire",
            "version",
            "vector",
            "duration",
            "network",
            "address",
        ],
    )


def _same_ids(ids, labels) -> bool:
    """Integer ids equal exactly where the labels are equal (and -1 where there is none)."""
    ids, labels = pd.Series(ids).to_numpy(), pd.Series(labels, dtype=object).to_numpy()
    missing = pd.isna(labels)
    if not ((ids == -1) == missing).all():
        return False
    ids, labels = ids[~missing], labels[~missing]
    return bool(((ids[:, None] == ids) == (labels[:, None] == labels)).all())


@pytest.mark.parametrize("span", [data.ID_SPAN, 7])
def test_the_column_read_gives_what_the_rows_hold(app, demo, monkeypatch, span):
    monkeypatch.setattr(data, "ID_SPAN", span)  # 7: many id spans, joined again
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 60, seed=3)
        ids = db.session.scalars(sa.select(Response.id).order_by(Response.id)).all()
        # missing values of every nullable column, and a shared address
        db.session.execute(
            sa.update(Response).where(Response.id == ids[0]).values(duration_seconds=None)
        )
        db.session.execute(sa.update(Response).where(Response.id == ids[1]).values(network=None))
        db.session.execute(
            sa.update(Response).where(Response.id.in_(ids[2:6])).values(address="same-wifi")
        )
        db.session.commit()
    frame = _load(app, demo)
    expected = _orm_rows(app, demo)
    assert len(frame) == 60
    for col in ("response_id", "version"):
        assert frame[col].tolist() == expected[col].tolist()
    for col in ("group", "questionnaire", "vector"):
        assert frame[col].astype(str).tolist() == expected[col].astype(str).tolist()
    assert frame["duration"].isna().tolist() == expected["duration"].isna().tolist()
    assert frame["duration"].dropna().tolist() == pytest.approx(expected["duration"].dropna())
    assert _same_ids(frame["network_id"], expected["network"])
    # where there is no address, the device stands in for it
    address = expected["address"].where(expected["address"].notna(), "dev:" + expected["network"])
    assert _same_ids(frame["address_id"], address)


def test_a_campaign_without_responses_reads_as_an_empty_frame(app, demo):
    frame = _load(app, demo)
    assert frame.empty and {"response_id", "school", "group", "vector"} <= set(frame.columns)
    with app.app_context():
        result = data.run_analysis(db.session.get(Campaign, demo))
    assert result["responses"] == 0


@pytest.mark.skipif(USE_PG, reason="SQLite's write-ahead log")
def test_analysis_leaves_the_live_write_ahead_log_in_place(app, demo):
    """Round 1 lost answers: the analysis opened the file through a second SQLite library,
    which deleted the WAL that the app's connections were still writing to."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        simulate_responses(campaign, 30, seed=4)
        keep = db.engine.connect()  # a worker's pooled connection, open throughout
        keep.exec_driver_sql("SELECT count(*) FROM response").scalar()
        assert os.path.exists(path + "-wal")
        data.run_analysis(campaign)
        db.session.remove()
        assert os.path.exists(path + "-wal"), "the analysis deleted the live WAL"
        simulate_responses(db.session.get(Campaign, demo), 5, seed=5)
        db.session.remove()
        with sqlite3.connect(path) as other:  # another process's view, e.g. the CLI
            assert other.execute("SELECT count(*) FROM response").fetchone()[0] == 35
        keep.close()
