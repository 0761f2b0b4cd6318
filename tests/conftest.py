"""Fixtures: an app on a fresh database per test, a client and a CLI runner.

SQLite: the schema is migrated once into a template file that each test copies.
PostgreSQL (DATABASE_URL=postgresql://...): migrated once, then truncated per test.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.config import normalise_url
from survey.extensions import db

PG_URL = os.environ.get("DATABASE_URL", "")
USE_PG = PG_URL.startswith(("postgres://", "postgresql"))


def make_app(uri: str, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "NETWORK_SALT": "test-salt",
        "SQLALCHEMY_DATABASE_URI": uri,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return create_app(config)


def make_demo_app(uri: str, admin: str | None = None, **extra):
    """make_app with the demo campaign (id in config DEMO_ID) and, if named, an admin of its
    county whose password is PASSWORD. The caller releases it."""
    from survey.demo import ensure_demo_campaign
    from survey.models import User

    app = make_app(uri, **extra)
    with app.app_context():
        campaign, _ = ensure_demo_campaign()
        if admin:
            user = User(username=admin, role="admin", county_id=campaign.county_id)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
        app.config["DEMO_ID"] = campaign.id
    return app


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


def release(app, reset: bool = True) -> None:
    """Close an app's connections; on PostgreSQL also empty every table for the next test."""
    with app.app_context():
        db.session.remove()
        if USE_PG and reset:
            tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


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
    from survey.demo import ensure_demo_campaign

    with app.app_context():
        campaign, _ = ensure_demo_campaign()
        return campaign.id


_HIDDEN = re.compile(r'name="(csrf_token|ticket)" type="hidden" value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The csrf_token and ticket of a rendered survey form."""
    return dict(_HIDDEN.findall(html))


def link_token(app, campaign_id: int, group: str, school_code: str | None = None) -> str:
    from survey.models import Link, School

    with app.app_context():
        q = (
            sa.select(Link.token)
            .join(School, Link.school_id == School.id)
            .where(Link.campaign_id == campaign_id, Link.group == group)
            .order_by(School.code)
        )
        if school_code:
            q = q.where(School.code == school_code)
        return db.session.scalars(q).first()


def questionnaire_for(app, campaign_id: int, group: str):
    from survey.models import Campaign

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        return app.extensions["questionnaires"].get(campaign.forms[group])


def complete_answers(q, group: str, option_index: int = 0) -> dict[str, str]:
    """A full answer set: every single-choice item answered, the identity matching group."""
    out = {}
    for item in q.items:
        if item.identity:
            out[item.code] = next(o.code for o in item.options if o.group == group)
        elif item.type == "single":
            out[item.code] = item.options[option_index % len(item.options)].code
        else:
            out[item.code] = "希望学校越办越好。"
    return out


def response_count(app, **where) -> int:
    from survey.models import Response

    with app.app_context():
        q = sa.select(sa.func.count()).select_from(Response)
        for key, value in where.items():
            q = q.where(getattr(Response, key) == value)
        return db.session.scalar(q)


PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(app, demo):
    """Accounts: admin, analyst and coordinator of the demo county; an admin of another county."""
    from survey.campaigns import get_or_create_county
    from survey.models import Campaign, User

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


def login(client, username: str, password: str = PASSWORD):
    page = client.get("/auth/login")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    return client.post(
        "/auth/login",
        data={"csrf_token": token.group(1), "username": username, "password": password},
    )


def csrf_of(client, path: str = "/auth/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


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
