"""Helpers the tests share: apps on a test database, links, answers, sign-in."""

from __future__ import annotations

import os
import re
import socket

import sqlalchemy as sa

from questionnaires.answers import visible_options
from survey import create_app
from survey.core.database import db

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
    from survey.models import User
    from survey.services.demo import ensure_demo_campaign

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


def release(app, reset: bool = True) -> None:
    """Close an app's connections (the combined app's survey side too); on PostgreSQL also
    empty every table for the next test."""
    survey_side = app.extensions.get("respondent_app")
    if survey_side is not None:
        with survey_side.app_context():
            db.session.remove()
            db.engine.dispose()
    with app.app_context():
        db.session.remove()
        if USE_PG and reset:
            tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


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


def complete_answers(
    q, group: str, option_index: int = 0, stage: str | None = None
) -> dict[str, str]:
    """A full answer set: every single-choice item asked of the group answered (the identity
    matching it), and with a school `stage` only options offered there (no 七年级 at a 小学)."""
    from questionnaires.expressions import evaluate

    out = {}
    for item in q.items:
        if item.condition is not None and not evaluate(item.condition, out):
            continue  # not asked of this group (skip logic)
        if item.identity:
            out[item.code] = next(o.code for o in item.options if o.group == group)
        elif item.type == "single":
            options = visible_options(item, frozenset({group}), stage)
            out[item.code] = options[option_index % len(options)].code
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


def console_routes(app):
    """(endpoint, rule, methods) of every route under /console, from the app's URL map."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/console"):
            methods = sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))
            out.append((rule.endpoint, rule, methods))
    return out


def own_link_id(app, demo):
    """The demo link of the coordinator's school (4101010001)."""
    from survey.models import Link, School

    with app.app_context():
        return db.session.scalar(
            sa.select(Link.id)
            .join(School, Link.school_id == School.id)
            .where(Link.campaign_id == demo, School.code == "4101010001")
        )


def route_url(app, rule, demo, link_id, user_id):
    """A console route's URL with the demo's ids filled in."""
    from survey.models import Link

    fmt = "svg" if rule.endpoint == "console.qr_code" else "csv"
    values = {
        "campaign_id": demo,
        "link_id": link_id,
        "user_id": user_id,
        "fmt": fmt,
        "code": "parent",
        "version": 1,
        "pass_no": 1,
    }
    if "token" in rule.arguments:  # an upload waiting for confirmation, the demo admin's
        values["token"] = _draft_token(app, demo)
    if "batch_id" in rule.arguments:  # a paper entry batch of the demo admin's
        values["batch_id"] = _entry_batch(app, demo)
    if "school_id" in rule.arguments:  # the link's school (the coordinator's)
        with app.app_context():
            values["school_id"] = db.session.get(Link, link_id).school_id
    with app.test_request_context():
        return app.url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def _draft_token(app, demo) -> str:
    import sqlalchemy as sa

    from survey.importing import drafts
    from survey.importing.wjx import Question, WjxFile
    from survey.models import Campaign, User

    found = WjxFile(
        [Question("1、您的身份是：", 1, "您的身份是：")], [(2, {}, {"1、您的身份是：": "家长"})]
    )
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        token = drafts.keep(db.session.get(Campaign, demo), admin.id, "wjx.xlsx", found)
        db.session.commit()
    return token


def _entry_batch(app, demo) -> int:
    """The demo's paper entry batch (made once, as a row: nothing audited)."""
    from survey.models import Campaign, EntryBatch, User

    with app.app_context():
        found = db.session.scalar(sa.select(EntryBatch.id).where(EntryBatch.campaign_id == demo))
        if found is not None:
            return found
        campaign = db.session.get(Campaign, demo)
        admin = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
        batch = EntryBatch(
            campaign_id=demo,
            school_id=campaign.schools_only[0].id,
            group="parent",
            label="一小 家长",
            created_by=admin,
            settled={},
        )
        db.session.add(batch)
        db.session.commit()
        return batch.id


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
