"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.models import ResponseTally
from survey.services.counts import hour_of
from tests.helpers import USE_PG, make_app


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == []


def test_tally_migration_counts_responses_stored_before_it(tmp_path):
    """Responses stored under revision 0001 appear in the tallies after upgrading."""
    if USE_PG:
        pytest.skip("SQLite file database for the step-by-step upgrade")
    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0001")
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
                    "INSERT INTO school (id, campaign_id, code, name, stage, location, enrolment)"
                    " VALUES (1, 1, 'A', 'a', 'primary', 'urban', 10)"
                )
            )
            for i in range(3):
                conn.execute(
                    sa.text(
                        'INSERT INTO response (campaign_id, school_id, "group", questionnaire,'
                        " questionnaire_version, answers, submitted_at, submission_id, source)"
                        " VALUES (1, 1, 'parent', 'parent', 1, '{}', :at, :sid, 'web')"
                    ),
                    {"at": now, "sid": f"s{i}"},
                )
        upgrade()
        rows = db.session.execute(sa.select(ResponseTally.hour, ResponseTally.n)).all()
        db.engine.dispose()
    assert rows == [(hour_of(now), 3)]
