"""Command-line interface for bureau IT staff. Command names and JSON keys are stable."""

from __future__ import annotations

import functools
import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

from .campaigns import (
    campaign_links,
    find_campaign,
    registry,
    response_counts,
)
from .db_setup import upgrade_schema
from .extensions import db
from .models import Campaign


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def resolve_base_url(option: str | None) -> str:
    """--base-url, else SERVER_NAME, else BASE_URL (default http://127.0.0.1:5000)."""
    if option:
        return option.rstrip("/")
    cfg = current_app.config
    if cfg.get("SERVER_NAME"):
        return f"{cfg.get('PREFERRED_URL_SCHEME', 'http')}://{cfg['SERVER_NAME']}"
    return cfg["BASE_URL"].rstrip("/")


def needs_schema(fn):
    """Turn a missing schema into one clear line instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException(
                f"数据库不可用或尚未初始化（{exc.orig}）。请先运行: flask --app survey init-db"
            ) from None

    return wrapper


def get_campaign(ref: str) -> Campaign:
    campaign = find_campaign(ref)
    if campaign is None:
        raise click.ClickException(f"没有找到调查活动: {ref}（可用 id 或 slug，见 campaigns 命令）")
    return campaign


def print_links(campaign: Campaign, url: str, as_json: bool) -> None:
    rows = campaign_links(campaign, url)
    if as_json:
        emit_json([{"school_code": r.school_code, "group": r.group, "url": r.url} for r in rows])
        return
    from questionnaires import GROUPS

    for r in rows:
        click.echo(f"{r.school_code}  {r.school_name}  {GROUPS.get(r.group, r.group)}  {r.url}")


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade_schema()
    click.echo("数据库已就绪。")


@click.command("demo")
@with_appcontext
@click.option(
    "--responses",
    "n_responses",
    type=click.IntRange(min=0),
    default=0,
    help="Also simulate N realistic responses.",
)
@click.option("--base-url", default=None, help="Base URL for the printed links.")
@click.option("--seed", type=int, default=None, help="Random seed for simulated answers.")
def demo_command(n_responses: int, base_url: str | None, seed: int | None):
    """Create a demo county with schools and an open campaign; print its links."""
    from .demo import ensure_demo_campaign, simulate_responses

    upgrade_schema()
    campaign, created = ensure_demo_campaign()
    click.echo(
        ("已创建" if created else "已存在") + f"示例调查: {campaign.name} (slug: {campaign.slug})"
    )
    if n_responses:
        stored = simulate_responses(campaign, n_responses, seed)
        click.echo(f"已模拟提交 {stored} 份答卷。")
    print_links(campaign, resolve_base_url(base_url), as_json=False)


@click.command("campaigns")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@needs_schema
def campaigns_command(as_json: bool):
    """List campaigns with their response counts."""
    counts = response_counts()
    rows = [
        {
            "id": c.id,
            "slug": c.slug,
            "name": c.name,
            "status": c.state(),
            "responses": counts.get(c.id, 0),
        }
        for c in db.session.scalars(db.select(Campaign).order_by(Campaign.id))
    ]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['id']:>4}  {r['slug']:<24} {r['status']:<9} {r['responses']:>7}  {r['name']}"
        )


@click.command("links")
@with_appcontext
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--base-url", default=None, help="Base URL, e.g. https://survey.example.gov.cn")
@needs_schema
def links_command(campaign: str, as_json: bool, base_url: str | None):
    """Print every school × group link of CAMPAIGN (id or slug)."""
    print_links(get_campaign(campaign), resolve_base_url(base_url), as_json)


@click.command("questionnaires")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def questionnaires_command(as_json: bool):
    """Print every questionnaire definition (all versions) and the layouts."""
    reg = registry()
    defs = [q.to_dict() for _, q in sorted(reg.versions.items())]
    if as_json:
        emit_json(defs)
        return
    for q in defs:
        scored = sum(1 for i in q["items"] if i["scored"])
        click.echo(f"{q['code']:<18} v{q['version']}  {q['title']}  ({scored} 道计分题)")
    for lay in reg.layouts.values():
        click.echo(f"layout {lay.code}: {lay.label}")


def register(app: Flask) -> None:
    for cmd in (
        init_db_command,
        demo_command,
        campaigns_command,
        links_command,
        questionnaires_command,
    ):
        app.cli.add_command(cmd)
