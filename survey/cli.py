"""Command-line interface for bureau IT staff. Command names and JSON keys are stable."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

from questionnaires import GROUPS

from .auth.passwords import password_problem
from .cli_params import FilePath, refuse_nul
from .core.database import db
from .core.db_setup import upgrade_schema
from .models import ORG_KINDS, ROLES, Campaign, County, User
from .ops_cli import COMMANDS
from .services import audit
from .services.campaigns import (
    campaign_links,
    county_has_school,
    find_campaign,
    get_or_create_county,
    group_forms,
    registry,
    response_counts,
)
from .services.orgs import OrgRefused, create_org, find_org, org_rows, set_parent
from .web.labels import METHOD_LABELS, SCREEN_RULE_LABELS


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
        emit_json(
            [
                {
                    "school_code": r.school_code,
                    "class": r.class_label or None,
                    "group": r.group,
                    "url": r.url,
                }
                for r in rows
            ]
        )
        return
    from questionnaires import GROUPS

    for r in rows:
        place = f"{r.school_name} {r.class_label}" if r.class_label else r.school_name
        click.echo(f"{r.school_code}  {place}  {GROUPS.get(r.group, r.group)}  {r.url}")


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
    help="Also simulate N realistic responses (only when the demo is made).",
)
@click.option("--base-url", default=None, help="Base URL for the printed links.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="The port `flask run` will use: links point at http://127.0.0.1:PORT.",
)
@click.option("--seed", type=int, default=None, help="Random seed for simulated answers.")
@click.option("--reset", is_flag=True, help="Remove the demo's answers and start again.")
@click.option(
    "--city",
    is_flag=True,
    help="A city with three counties (rehearsal and self-assessment each, with answers) and "
    "the city's review across them; --responses per campaign (default 900).",
)
def demo_command(n_responses, base_url, port, seed, reset, city):
    """Create a demo county with schools, an open campaign and two staff accounts; print its
    links and where to sign in. A second run changes nothing unless told --reset."""
    from .services.demo import (
        ensure_demo_accounts,
        ensure_demo_campaign,
        reset_demo,
        simulate_responses,
    )

    upgrade_schema()
    if city:
        base = (
            base_url.rstrip("/")
            if base_url
            else (f"http://127.0.0.1:{port}" if port else resolve_base_url(None))
        )
        return _city_demo(n_responses or 900, seed, reset, base)
    if reset:
        removed = reset_demo()
        click.echo(f"已重置示例调查（删除 {removed} 份答卷）。")
    campaign, created = ensure_demo_campaign()
    base = (
        base_url.rstrip("/")
        if base_url
        else (f"http://127.0.0.1:{port}" if port else resolve_base_url(None))
    )
    if created:
        click.echo(f"已创建示例调查: {campaign.name} (slug: {campaign.slug})")
        if n_responses:
            stored = simulate_responses(campaign, n_responses, seed)
            click.echo(f"已模拟提交 {stored} 份答卷。")
        accounts = ensure_demo_accounts(campaign)
        click.echo(f"工作人员登录: {base}/auth/login （以下密码只显示这一次）")
        for name, role, password in accounts:
            click.echo(f"  {name}  {ROLES[role]}  密码 {password}")
    else:
        click.echo(
            f"示例调查已存在，未做改动: {campaign.name}（重新生成请加 --reset；"
            f"工作人员登录: {base}/auth/login）"
        )
    print_links(campaign, base, as_json=False)


def _city_demo(n_responses: int, seed: int | None, reset: bool, base: str) -> None:
    from .services.demo_city import (
        COUNTIES,
        ensure_city_accounts,
        ensure_city_demo,
        reset_city_demo,
    )

    if reset:
        click.echo(f"已重置示例市（删除 {reset_city_demo()} 份答卷）。")
    demo, created = ensure_city_demo(n_responses, seed)
    counties = "、".join(name for name, _ in COUNTIES)
    if not created:
        click.echo(f"示例市已存在，未做改动（重新生成请加 --city --reset）：{demo.city.name}")
    else:
        click.echo(f"已创建{demo.city.name}及所辖{counties}，每次调查 {n_responses} 份模拟答卷。")
    counts = response_counts()
    for c in demo.campaigns:
        status = {"open": "进行中", "closed": "已关闭", "draft": "准备中"}[c.state()]
        click.echo(f"  {c.slug:<34} {status}  {counts.get(c.id, 0):>5} 份  {c.name}")
    click.echo("预演与自评对比（短板题的变化）：")
    for a, b in demo.rounds:
        click.echo(f"  flask --app survey compare {a.slug} {b.slug}")
    if created:
        click.echo(f"工作人员登录: {base}/auth/login （以下密码只显示这一次）")
        for name, role, org, password in ensure_city_accounts(demo):
            click.echo(f"  {name}  {org}{ROLES[role]}  密码 {password}")
    else:
        click.echo(f"工作人员登录: {base}/auth/login （密码见第一次运行的输出）")
    if demo.review is not None:
        click.echo(f"市级复核的问卷链接（{demo.review.slug}）：")
        print_links(demo.review, base, as_json=False)


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


@click.command("import-xlsform")
@click.argument("file", type=FilePath(exists=True, dir_okay=False))
@click.option("--code", default=None, help="Questionnaire code (default: the form_id setting).")
@with_appcontext
@needs_schema
def import_xlsform_command(file, code):
    """Import an XLSForm as a questionnaire (a new version where the code exists)."""
    from questionnaires.xlsform import XLSFormError

    from .services.definitions import import_xlsform

    try:
        q = import_xlsform(registry(), Path(file).read_bytes(), code)
    except XLSFormError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"未导入：{len(exc.problems)} 处问题") from None
    db.session.commit()
    langs = "、".join(q.languages)
    click.echo(f"已导入问卷 {q.code} v{q.version}：{q.title}（{len(q.items)} 题；语言 {langs}）")


@click.command("export-xlsform")
@click.argument("code")
@click.option("--version", "version", type=int, default=None, help="Default: the newest.")
@click.option("--output", type=FilePath(dir_okay=False, writable=True), required=True)
@with_appcontext
def export_xlsform_command(code, version, output):
    """Write a questionnaire as an XLSForm workbook."""
    from questionnaires.xlsform import write_xlsform

    q = registry().get(code, version)
    if q is None:
        raise click.ClickException(f"没有问卷 {code}" + (f" v{version}" if version else ""))
    Path(output).write_bytes(write_xlsform(q))
    click.echo(f"已导出 {q.code} v{q.version} 到 {output}")


@click.command("create-user")
@click.argument("username")
@click.option("--county", default=None, help="County (bureau) name; it must exist already.")
@click.option("--new-county", is_flag=True, help="Create the county if there is none by that name.")
@click.option(
    "--org", default=None, help="Any bureau of the tree (province, city, county) by name."
)
@click.option("--role", type=click.Choice(list(ROLES)), default="admin", show_default=True)
@click.option("--school-code", default=None, help="Coordinators: the school they look after.")
@click.option("--password", default=None, help="Asked for (twice, hidden) when not given.")
@with_appcontext
@needs_schema
def create_user_command(username, county, new_county, org, role, school_code, password):
    """Create a staff account (the first admin of a county, for example)."""
    if db.session.scalar(db.select(User.id).where(User.username == username)):
        raise click.ClickException(f"用户 {username} 已存在")
    if bool(county) == bool(org):
        raise click.ClickException("请用 --county 或 --org 指定所属单位（二选一）")
    if org:
        found = find_org(org)
        if found is None:
            raise click.ClickException(f"没有名为“{org}”的单位；先用 create-org 建立")
        if found.kind != "county" and role == "coordinator":
            raise click.ClickException("学校联络员只能属于区县")
        county = found.name
    else:
        found = db.session.scalar(db.select(County).where(County.name == county.strip()))
    if found is None and not new_county:
        known = "、".join(db.session.scalars(db.select(County.name).order_by(County.name)))
        raise click.ClickException(
            f"没有名为“{county}”的区县（已有：{known or '无'}）；新建区县请加 --new-county"
        )
    if role == "coordinator":
        if not school_code:
            raise click.ClickException("学校联络员需要 --school-code")
        if found is None or not county_has_school(found, school_code):
            raise click.ClickException(f"{county}的调查中没有学校代码 {school_code}")
    password = password if password is not None else _ask_password(username)
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    user = User(
        username=username,
        role=role,
        school_code=school_code if role == "coordinator" else None,
        county=found or get_or_create_county(county.strip()),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        f"user {user.id}",
        county_id=user.county_id,
        username=username,
        role=role,
        via="cli",
    )
    db.session.commit()
    click.echo(f"已创建用户 {username}（{ROLES[role]}，{county}）")


@click.command("create-org")
@click.argument("kind", type=click.Choice(list(ORG_KINDS)))
@click.argument("name")
@click.option(
    "--parent", default=None, help="The bureau above: a county's city, a city's province."
)
@with_appcontext
@needs_schema
def create_org_command(kind, name, parent):
    """Add a province, city or county bureau to the tree."""
    try:
        made = create_org(kind, name, parent)
    except OrgRefused as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("org.create", f"org {made.id}", county_id=made.id, kind=kind, name=made.name)
    db.session.commit()
    click.echo(
        f"已建立{made.kind_label}单位 {made.name}" + (f"（上级：{parent}）" if parent else "")
    )


@click.command("set-parent")
@click.argument("name")
@click.argument("parent")
@with_appcontext
@needs_schema
def set_parent_command(name, parent):
    """Place a bureau (a county made before its city) under the bureau above it."""
    org, above = find_org(name), find_org(parent)
    if org is None or above is None:
        raise click.ClickException(f"没有名为“{name if org is None else parent}”的单位")
    try:
        set_parent(org, above)
    except OrgRefused as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("org.parent", f"org {org.id}", county_id=org.id, parent=above.name)
    db.session.commit()
    click.echo(f"{org.name} 的上级已设为 {above.name}")


@click.command("orgs")
@click.option("--json", "as_json", is_flag=True, help="Print [{id, kind, name, parent}].")
@with_appcontext
@needs_schema
def orgs_command(as_json):
    """The bureaus of the tree."""
    rows = org_rows()
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}  {ORG_KINDS[r['kind']]}  {r['name']}  {r['parent'] or ''}")


def _ask_password(username: str) -> str:
    """Ask once, check the policy at once, then ask again to confirm."""
    while True:
        first = click.prompt("密码", hide_input=True)
        problem = password_problem(first, username)
        if problem:
            click.echo(problem, err=True)
            continue
        if click.prompt("再次输入密码", hide_input=True) == first:
            return first
        click.echo("两次输入不一致", err=True)


def _import(kind: str, campaign: str, file: str, run) -> None:
    """Run an import; on problems print them to stderr and exit non-zero, importing nothing."""
    c = get_campaign(campaign)
    result = run(c, file, Path(file).read_bytes())
    if not result.ok:
        db.session.rollback()
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"文件有 {len(result.problems)} 处问题，未导入任何{kind}")
    return c, result


@click.command("import-schools")
@click.argument("campaign")
@click.argument("file", type=FilePath(exists=True, dir_okay=False))
@with_appcontext
@needs_schema
def import_schools_command(campaign, file):
    """Import schools (code, name, stage, location, enrolment, teachers) from .xlsx or .csv."""
    from .importing.schools import import_schools

    c, result = _import("学校", campaign, file, import_schools)
    audit.record(
        "schools.import",
        f"campaign {c.id}",
        county_id=c.county_id,
        file=file,
        added=result.added,
        updated=result.updated,
        via="cli",
    )
    db.session.commit()
    click.echo(f"新增 {result.added} 所学校，更新 {result.updated} 所")


@click.command("import-responses")
@click.argument("campaign")
@click.argument("file", type=FilePath(exists=True, dir_okay=False))
@click.option(
    "--source", type=click.Choice(["paper", "import"]), default="paper", show_default=True
)
@click.option(
    "--from",
    "platform",
    type=click.Choice(["table", "wjx"]),
    default="table",
    show_default=True,
    help="table: the project's columns (school_code, group, item codes); wjx: a 问卷星 export.",
)
@click.option("--school", help="wjx: the school of every row (else a question names it).")
@click.option("--group", help="wjx: the group of every row (else the identity question).")
@click.option(
    "--kind",
    type=click.Choice(["text", "numbers"]),
    help="wjx: answers as option text or option numbers (found from the file when not given).",
)
@click.option(
    "--map",
    "overrides",
    multiple=True,
    metavar="QUESTION=TARGET",
    help="wjx: feed a question (its number or header) to an item code, school, "
    "group, or nothing (empty); repeatable.",
)
@click.option("--yes", is_flag=True, help="wjx: import without asking to confirm the mapping.")
@with_appcontext
@needs_schema
def import_responses_command(campaign, file, source, platform, school, group, kind, overrides, yes):
    """Import paper or external responses: one row per respondent; all rows or none."""
    if platform == "wjx":
        return _import_wjx(campaign, file, school, group, kind, overrides, yes)
    from .importing.responses import import_responses

    c, result = _import(
        "答卷", campaign, file, lambda c, f, data: import_responses(c, f, data, source)
    )
    audit.record(
        "responses.import",
        f"campaign {c.id}",
        county_id=c.county_id,
        file=file,
        source=source,
        rows=result.imported,
        via="cli",
    )
    db.session.commit()
    click.echo(f"已导入 {result.imported} 份答卷")


def _import_wjx(campaign, file, school, group, kind, overrides, yes) -> None:
    """A 问卷星 export: the mapping shown (the saved one for this form, else matched), then
    confirmed, then every row or none."""
    from .importing import wjx
    from .importing.tabular import TableError

    c = get_campaign(campaign)
    try:
        found = wjx.read_wjx(file, Path(file).read_bytes(), current_app.config["NETWORK_SALT"])
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    forms = group_forms(c)
    saved = wjx.saved_mapping(c, found.form_key) is not None
    mapping = wjx.propose(found, c, forms, group)
    by_number = {str(q.number): q.header for q in found.questions}
    for entry in overrides:
        key, sep, target = entry.partition("=")
        header = by_number.get(key.strip(), key.strip())
        if not sep or header not in mapping:
            raise click.BadParameter(f"没有题目“{key}”", param_hint="--map")
        mapping[header] = target.strip()
    click.echo("沿用上次确认的题目对应：" if saved and not overrides else "题目对应：")
    for header, target in mapping.items():
        click.echo(f"  {header[:40]}  →  {wjx.describe(target, forms, group)}")
    if not yes and not click.confirm("按以上对应导入？", default=saved):
        raise click.ClickException("未导入。可用 --map 题号=题目代码 修改对应后再试")
    result = wjx.import_wjx(c, found, mapping, kind=kind, school_code=school, group=group)
    if not result.ok:
        db.session.rollback()
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"文件有 {len(result.problems)} 处问题，未导入任何答卷")
    audit.record(
        "responses.import",
        f"campaign {c.id}",
        county_id=c.county_id,
        file=file,
        source="wjx",
        rows=result.imported,
        skipped=result.skipped,
        via="cli",
    )
    db.session.commit()
    skipped = f"，{result.skipped} 份此前已导入，跳过" if result.skipped else ""
    click.echo(f"已导入 {result.imported} 份答卷（按{wjx.KINDS[result.kind]}）{skipped}")


@click.command("progress")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
@needs_schema
def progress_command(campaign, as_json):
    """Responses against targets per school × group (lagging schools first)."""
    from .services.progress import campaign_progress

    rows = campaign_progress(get_campaign(campaign)).as_rows()
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        target = r["target"] if r["target"] is not None else "-"
        click.echo(
            f"{r['school_code']}  {r['school_name']}  {r['group_name']}  {r['responses']}/{target}"
        )


@click.command("analyze")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON document.")
@click.option(
    "--method",
    type=click.Choice(list(METHOD_LABELS)),
    default=None,
    help="Recognition method (default: the campaign's).",
)
@click.option(
    "--screen",
    type=click.Choice(list(SCREEN_RULE_LABELS)),
    default=None,
    help="Screening rule for the headline: strong (leave out strong evidence of stuffing or "
    "coaching), none (every answer), any (every flagged answer). Default: the campaign's.",
)
@with_appcontext
@needs_schema
def analyze_command(campaign, as_json, method, screen):
    """Recognition rates, intervals and the threshold check per group, school and item."""
    from .reports.data import AnalysisError, cached_analysis
    from .web.labels import VERDICT_LABELS

    try:
        result = cached_analysis(get_campaign(campaign), method, screen)
    except AnalysisError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        emit_json(result)
        return
    click.echo(
        f"{result['campaign']['name']}  方法 {result['method']}  "
        f"达标线 {result['threshold']:.0%}  答卷 {result['responses']}"
    )
    for d in result["groups"].values():
        rate = "—" if d["rate"] is None else f"{d['rate']:.1%}"
        ci = "" if d["ci_low"] is None else f"  [{d['ci_low']:.1%}, {d['ci_high']:.1%}]"
        verdict = VERDICT_LABELS.get(d["verdict"], "无有效答卷")
        click.echo(f"  {d['label']:<12} n={d['n']:<6} {rate}{ci}  {verdict}")


@click.command("compare")
@click.argument("campaign_a")
@click.argument("campaign_b")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON document.")
@with_appcontext
@needs_schema
def compare_command(campaign_a, campaign_b, as_json):
    """Round B against round A: per group, item and school, the difference and its interval."""
    from .reports.data import AnalysisError, compare_campaigns
    from .web.labels import CHANGE_LABELS

    try:
        result = compare_campaigns(get_campaign(campaign_a), get_campaign(campaign_b))
    except AnalysisError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        emit_json(result)
        return
    click.echo(f"A {result['a']['name']}  →  B {result['b']['name']}")
    for d in result["groups"].values():
        if d["diff"] is None:
            click.echo(f"  {d['label']:<12} 无法比较（人数过少或无答卷）")
            continue
        click.echo(
            f"  {d['label']:<12} {d['rate_a']:.1%} → {d['rate_b']:.1%}  "
            f"{d['diff'] * 100:+.1f} [{d['ci_low'] * 100:+.1f}, {d['ci_high'] * 100:+.1f}]  "
            f"{CHANGE_LABELS[d['change']]}"
        )


def _status_command(name: str, status: str, doc: str):
    @click.command(name, help=doc)
    @click.argument("campaign")
    @with_appcontext
    @needs_schema
    def command(campaign):
        from .services.campaigns import STATUS_MESSAGES, StatusRefused, set_status

        c = get_campaign(campaign)
        try:
            set_status(c, status)
        except StatusRefused as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(f"{c.name}（{c.slug}）：{STATUS_MESSAGES[status]}")

    return command


close_command = _status_command(
    "close", "closed", "Close a campaign: every survey worker refuses new answers within 1 s."
)
open_command = _status_command(
    "open", "open", "Open (or re-open) a campaign: survey workers take answers within 1 s."
)


@click.command("export")
@click.argument("campaign")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "raw-xlsx", "csv", "sav", "docx"]),
    required=True,
    help="xlsx: the dossier workbook; raw-xlsx: the raw data alone (fast at any size).",
)
@click.option("--output", type=FilePath(dir_okay=False, writable=True), required=True)
@click.option("--method", type=click.Choice(list(METHOD_LABELS)), default=None)
@with_appcontext
@needs_schema
def export_command(campaign, fmt, output, method):
    """Write the results and raw responses as an Excel workbook, CSV or SPSS file."""
    from .reports.data import AnalysisError, settings_for

    c = get_campaign(campaign)
    settings = settings_for(c, method)
    try:
        n = _write_export(c, fmt, output, method, settings)
    except AnalysisError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已导出 {n} 份答卷到 {output}")


def _write_export(c, fmt, output, method, settings) -> int:
    from .reports.data import cached_analysis, visible_comments
    from .reports.exports import write_csv, write_raw_xlsx, write_xlsx
    from .reports.spss import write_sav

    if fmt == "csv":
        with open(output, "wb") as out:
            n = write_csv(c, out, settings)
    elif fmt == "raw-xlsx":
        n = write_raw_xlsx(c, output, settings)
    elif fmt in ("xlsx", "docx"):
        from .reports.dossier import write_docx

        result = cached_analysis(c, method)
        write = write_xlsx if fmt == "xlsx" else write_docx
        n = write(c, output, result, visible_comments(c, result), settings)
    else:
        n = write_sav(c, output, settings)
    return n


@click.command("paper-form")
@click.argument("campaign")
@click.option("--school", "school_code", default=None, help="School code (default: every school).")
@click.option(
    "--group", type=click.Choice(list(GROUPS)), default=None, help="Default: every group."
)
@click.option(
    "--copies",
    type=int,
    default=None,
    help="Sheets per school and group, up to 1000 (default: the link's target, else 20).",
)
@click.option("--language", default=None, help="A language the campaign offers, e.g. ug.")
@click.option("--output", type=FilePath(dir_okay=False, writable=True), required=True)
@with_appcontext
@needs_schema
def paper_form_command(campaign, school_code, group, copies, language, output):
    """Print numbered A4 paper questionnaires: a Word document for one school × group, or a
    ZIP of one document per school × group (--output ending in .zip)."""
    from .importing.paper import EntryRefused, print_sheets
    from .reports.paper_form import suffix_for, write_sheets

    c = get_campaign(campaign)
    try:
        sheets = print_sheets(c, school_code, group, copies, language)
    except EntryRefused as exc:
        raise click.ClickException(str(exc)) from None
    suffix = suffix_for(sheets)
    if not output.lower().endswith(suffix):
        db.session.rollback()  # no number is taken
        raise click.ClickException(
            "这次打印多所学校或多个群体：每所学校每个群体一个文档，请用 .zip 作输出文件名。"
            if suffix == ".zip"
            else "这次打印一所学校的一个群体，请用 .docx 作输出文件名。"
        )
    write_sheets(c, sheets, output, language)
    db.session.commit()  # the numbers are taken once the document is written
    first, last = sheets[0], sheets[-1]
    click.echo(
        f"已生成 {len(sheets)} 份纸质问卷到 {output}"
        f"（{first.school.code} {GROUPS[first.group]} 第 {first.number} 号"
        f" 至 {last.school.code} {GROUPS[last.group]} 第 {last.number} 号）"
    )


def register(app: Flask) -> None:
    for cmd in (
        init_db_command,
        demo_command,
        campaigns_command,
        links_command,
        questionnaires_command,
        create_user_command,
        import_xlsform_command,
        export_xlsform_command,
        paper_form_command,
        import_schools_command,
        import_responses_command,
        progress_command,
        analyze_command,
        compare_command,
        create_org_command,
        set_parent_command,
        orgs_command,
        export_command,
        close_command,
        open_command,
        *COMMANDS,
    ):
        app.cli.add_command(refuse_nul(cmd))
