"""Fixtures: an app on a fresh database per test, a client and a CLI runner.

SQLite: the schema is migrated once into a template file that each test copies.
PostgreSQL (DATABASE_URL=postgresql://...): migrated once, then truncated per test.
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from survey.core.config import normalise_url
from survey.core.database import db
from tests.helpers import PASSWORD, PG_URL, USE_PG, make_app, release


def _migrate(uri: str) -> None:
    from flask_migrate import upgrade

    app = make_app(uri)
    with app.app_context():
        if USE_PG:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    if USE_PG:
        uri = normalise_url(PG_URL)
        _migrate(uri)
        return uri
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_uri(template_db, tmp_path):
    if USE_PG:
        return template_db
    path = tmp_path / "survey.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(db_uri):
    app = make_app(db_uri)
    yield app
    release(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo campaign (open, eight schools, every group)."""
    from survey.services.demo import ensure_demo_campaign

    with app.app_context():
        campaign, _ = ensure_demo_campaign()
        return campaign.id


@pytest.fixture
def staff(app, demo):
    """Accounts: admin, analyst and coordinator of the demo county; an admin of another county."""
    from survey.models import Campaign, User
    from survey.services.campaigns import get_or_create_county

    with app.app_context():
        county = db.session.get(Campaign, demo).county
        other = get_or_create_county("另一县")
        made = {}
        for name, role, cty, school in [
            ("admin", "admin", county, None),
            ("analyst", "analyst", county, None),
            ("coord", "coordinator", county, "4101010001"),
            ("other", "admin", other, None),
        ]:
            user = User(username=name, role=role, county=cty, school_code=school)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            made[name] = user.id
        db.session.commit()
        return made


@pytest.fixture
def new_version(app):
    """new_version(code, change) -> the shipped questionnaire `code` stored as its next
    version after change(body) edits it, as an XLSForm import would; served at once."""
    import json
    from pathlib import Path

    from survey.models import QuestionnaireDefinition
    from survey.services.definitions import next_version, refresh

    def store(code: str, change) -> int:
        shipped = Path(__file__).parents[1] / "questionnaires" / "definitions" / f"{code}.v1.json"
        body = json.loads(shipped.read_text(encoding="utf-8"))
        change(body)
        with app.app_context():
            registry = app.extensions["questionnaires"]
            body["version"] = next_version(registry, code, 1)
            db.session.add(QuestionnaireDefinition(code=code, version=body["version"], body=body))
            db.session.commit()
            refresh(registry, force=True)
        return body["version"]

    return store


def pytest_terminal_summary(terminalreporter):
    """Print where the screenshots are, how many generated cases the fuzz tests ran, and
    the server errors among them."""
    from tests.artifacts import SAVED, SCREENSHOT_DIR
    from tests.fuzzing import CASES, SERVER_ERRORS

    if SAVED:
        terminalreporter.write_line(f"browser screenshots ({len(SAVED)}): {SCREENSHOT_DIR}")
    if CASES:
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(CASES.items()))
        terminalreporter.write_line(
            f"fuzzed cases: {sum(CASES.values())} ({parts}); "
            f"server errors: {sum(SERVER_ERRORS.values())}"
        )
