"""Operator commands: accounts, the audit log, backup and restore."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from .auth.accounts import AccountRefused, set_active, set_password
from .cli_params import FilePath
from .core.database import db
from .core.timeutil import utcnow
from .models import User
from .services import audit
from .services.backup import BackupError, backup, restore


def _user(username: str) -> User:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"没有用户 {username}")
    return user


@click.command("reset-password")
@click.argument("username")
@click.password_option(help="A temporary password; prompted for when not given.")
@with_appcontext
def reset_password_command(username, password):
    """Set a temporary password the user must change at the next sign-in; signs them out."""
    user = _user(username)
    try:
        set_password(user, password, by_admin=True)
    except AccountRefused as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"已重置 {username} 的密码；其登录已全部退出，下次登录须修改密码")


@click.command("deactivate")
@click.argument("username")
@click.option("--undo", is_flag=True, help="Re-activate the account instead.")
@with_appcontext
def deactivate_command(username, undo):
    """Deactivate (or with --undo re-activate) an account; ends its sessions."""
    user = _user(username)
    set_active(user, undo)
    db.session.commit()
    click.echo(f"已{'启用' if undo else '停用'} {username}")


@click.command("audit")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@click.option("--since", default=None, help="YYYY-MM-DD (UTC).")
@with_appcontext
def audit_command(as_json, since):
    """Print the audit log: at, actor, action, target, result, detail."""
    start = None
    if since:
        try:
            start = datetime.strptime(since, "%Y-%m-%d")
        except ValueError:
            raise click.ClickException(f"日期格式应为 YYYY-MM-DD：{since}") from None
    rows = [
        {
            "id": e.id,
            "at": e.at.isoformat(timespec="seconds") + "Z",
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "result": e.result,
            "county_id": e.county_id,
            "detail": e.detail,
        }
        for e in audit.entries(start)
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['at']}  {r['actor'] or '-'}  {r['action']}  {r['target']}  {r['result']}")


@click.command("audit-verify")
@with_appcontext
def audit_verify_command():
    """Check the audit log's hash chain; exit 1 where an entry was changed, added or removed."""
    audit.seal()
    checked, breaks = audit.verify()
    for b in breaks:
        click.echo(f"第 {b.entry_id} 条：{b.reason}", err=True)
    if breaks:
        raise SystemExit(1)
    click.echo(f"操作日志完整：{checked} 条记录的哈希链校验通过")


@click.command("audit-archive")
@click.argument("file", type=FilePath(dir_okay=False))
@click.option(
    "--days",
    type=int,
    default=None,
    help="Keep this many days (default and minimum: AUDIT_RETENTION_DAYS, 180).",
)
@with_appcontext
def audit_archive_command(file, days):
    """Move audit entries older than the retention period to FILE (JSON lines, appended)."""
    keep = current_app.config["AUDIT_RETENTION_DAYS"]
    if days is not None and days < keep:
        raise click.ClickException(f"操作日志至少保留 {keep} 天（网络安全法要求不少于六个月）")
    before = utcnow() - timedelta(days=days or keep)
    n = audit.archive(file, before)
    click.echo(f"已归档 {n} 条操作日志到 {file}；哈希链从归档处接续")


@click.command("backup")
@click.argument("file", type=FilePath(dir_okay=False))
@with_appcontext
def backup_command(file):
    """A consistent copy of the database and the instance secrets, while the app runs."""
    try:
        manifest = backup(file, current_app.instance_path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {file}（{manifest['dialect']}，版本 {manifest['revision']}）")


@click.command("restore")
@click.argument("file", type=FilePath(exists=True, dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file, overwrite):
    """Restore a backup (database and secrets) into this instance's database."""
    try:
        rows = restore(file, current_app.instance_path, overwrite)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"已恢复：{rows['campaign']} 个调查，{rows['response']} 份答卷，{rows['user']} 个用户，"
        f"{rows['audit_log']} 条操作日志"
    )


COMMANDS = (
    reset_password_command,
    deactivate_command,
    audit_command,
    audit_verify_command,
    audit_archive_command,
    backup_command,
    restore_command,
)
