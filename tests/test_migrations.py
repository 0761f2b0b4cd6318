"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import Response, ResponseTally
from survey.services.counts import hour_of
from tests.helpers import USE_PG, make_app


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == []


@pytest.fixture
def old_database(tmp_path):
    """old_database(revision, answers) -> the app of a SQLite file database upgraded to that
    revision, holding one campaign, one school and a parent's response per answers JSON."""
    if USE_PG:
        pytest.skip("SQLite file database for the step-by-step upgrade")

    def make(revision: str, answers: list[str]):
        app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
        with app.app_context():
            upgrade(revision=revision)
            now = utcnow()
            with db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO county (id, name) VALUES (1, 'x')"))
                conn.execute(
                    sa.text(
                        "INSERT INTO campaign (id, county_id, slug, name, layout, forms, groups,"
                        " status, link_mode, threshold, method, created_at)"
                        " VALUES (1, 1, 's', 'n', 'six_forms', '{}', '[]', 'open', 'open', 0.85,"
                        " 'positive_share', :now)"
                    ),
                    {"now": now},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO school (id, campaign_id, code, name, stage, location,"
                        " enrolment) VALUES (1, 1, 'A', 'a', 'primary', 'urban', 10)"
                    )
                )
                for i, text in enumerate(answers):
                    conn.execute(
                        sa.text(
                            'INSERT INTO response (campaign_id, school_id, "group", questionnaire,'
                            " questionnaire_version, answers, submitted_at, submission_id, source)"
                            " VALUES (1, 1, 'parent', 'parent', 1, :answers, :at, :sid, 'web')"
                        ),
                        {"answers": text, "at": now, "sid": f"s{i}"},
                    )
        return app

    return make


def test_tally_migration_counts_responses_stored_before_it(old_database):
    """Responses stored under revision 0001 appear in the tallies after upgrading."""
    app = old_database("0001", ["{}"] * 3)
    with app.app_context():
        upgrade()
        rows = db.session.execute(sa.select(ResponseTally.hour, ResponseTally.n)).all()
        stored = db.session.scalar(sa.select(sa.func.min(Response.submitted_at)))
        db.engine.dispose()
    assert rows == [(hour_of(stored), 3)]


def test_answers_stored_before_0015_know_whether_they_carry_a_comment(old_database):
    app = old_database("0014", ['{"P01": "1", "C01": "意见"}', '{"P01": "1"}'])
    with app.app_context():
        upgrade()
        flags = db.session.execute(
            sa.text("SELECT submission_id, has_comment FROM response ORDER BY id")
        ).all()
    assert [(sid, bool(flag)) for sid, flag in flags] == [("s0", True), ("s1", False)]


def test_tallies_counted_before_0022_go_on_counting_in_the_same_rows(old_database):
    """A tally row the code wrote before the trigger and the trigger's count of a later answer
    in the same hour are one row (the hour is stored alike), so nothing is counted apart."""
    app = old_database("0021", [])
    at = utcnow()
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(ResponseTally.__table__).values(
                    campaign_id=1, school_id=1, group="parent", hour=hour_of(at), n=4
                )
            )
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(Response.__table__).values(
                    campaign_id=1,
                    school_id=1,
                    group="parent",
                    questionnaire="parent",
                    questionnaire_version=1,
                    answers={},
                    submitted_at=at,
                    submission_id="late",
                    source="web",
                )
            )
        rows = db.session.execute(sa.select(ResponseTally.hour, ResponseTally.n)).all()
        db.engine.dispose()
    assert rows == [(hour_of(at), 5)]
