"""Reading a campaign's responses for analysis: the Arrow (ADBC) path and the cursor path agree."""

from __future__ import annotations

import adbc_driver_manager
import pandas as pd
import pytest

from survey.demo import simulate_responses
from survey.extensions import db
from survey.models import Campaign
from survey.reports import data


def _load(app, campaign_id):
    with app.app_context():
        frame = data.load_responses(db.session.get(Campaign, campaign_id))
        db.session.remove()
    return frame.sort_values("response_id").reset_index(drop=True)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values only: the two paths may hold strings in different pandas dtypes."""
    out = frame.drop(columns=["network_id"]).astype(object)
    return out.where(out.notna(), None)


def test_arrow_and_cursor_reads_give_the_same_frame(app, demo, monkeypatch):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 150, seed=3)
    arrow = _load(app, demo)
    monkeypatch.setattr(data, "_adbc_connect", lambda url: None)  # as for an in-memory database
    cursor = _load(app, demo)
    assert len(arrow) == 150
    pd.testing.assert_frame_equal(_plain(arrow), _plain(cursor))
    # network ids are equal exactly where the labels are
    same_arrow = arrow["network_id"].to_numpy()[:, None] == arrow["network_id"].to_numpy()
    same_label = arrow["network"].to_numpy()[:, None] == arrow["network"].to_numpy()
    assert (same_arrow == same_label).all()


@pytest.mark.parametrize("adbc", [True, False])
def test_a_campaign_without_responses_reads_as_an_empty_frame(app, demo, monkeypatch, adbc):
    if not adbc:
        monkeypatch.setattr(data, "_adbc_connect", lambda url: None)
    frame = _load(app, demo)
    assert frame.empty and {"response_id", "school", "group", "vector"} <= set(frame.columns)
    with app.app_context():
        result = data.run_analysis(db.session.get(Campaign, demo))
    assert result["responses"] == 0


def test_a_database_adbc_cannot_open_is_read_through_the_apps_connection(app, demo, monkeypatch):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 40, seed=5)
    arrow = _load(app, demo)

    def refuse(url):
        raise adbc_driver_manager.OperationalError(
            "connection refused", status_code=adbc_driver_manager.AdbcStatusCode.IO
        )

    monkeypatch.setattr(data, "_adbc_connect", refuse)
    pd.testing.assert_frame_equal(_plain(arrow), _plain(_load(app, demo)))
