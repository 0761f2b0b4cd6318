"""Back up and restore the database with the instance secrets, while the app runs.

A backup is one zip file: `manifest.json` (dialect, schema revision, when, row counts),
`secrets.json` (without it no open form submits and no network hash matches) and the database:
SQLite through its online backup API (a consistent copy while workers write), PostgreSQL
through `pg_dump --format=custom` (one snapshot). Restore refuses a database that already holds
campaigns or answers unless told to overwrite it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path

import sqlalchemy as sa

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import AuditEntry, Campaign, Response, User

COUNTED = {"campaign": Campaign, "response": Response, "user": User, "audit_log": AuditEntry}


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message is for the operator (Chinese)."""


def _libpq_url(engine: sa.Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian: postgresql-client）")
    return found


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.scalar(sa.select(sa.func.count()).select_from(model))
            for name, model in COUNTED.items()
        }


def backup(path: str | Path, instance_path: str) -> dict:
    """Write a backup zip; returns its manifest."""
    engine = db.engine
    with tempfile.TemporaryDirectory() as tmp:
        if engine.dialect.name == "sqlite":
            dump = Path(tmp) / "database.sqlite"
            source = engine.raw_connection()
            try:
                target = sqlite3.connect(dump)
                with target:
                    source.driver_connection.backup(target)
                target.close()
            finally:
                source.close()
            with sqlite3.connect(dump) as check:
                revision = check.execute("SELECT version_num FROM alembic_version").fetchone()[0]
                rows = {
                    name: check.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                    for name in COUNTED
                }
        else:
            dump = Path(tmp) / "database.pgdump"
            done = subprocess.run(
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(dump),
                    "--dbname",
                    _libpq_url(engine),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
            with engine.connect() as conn:
                revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            rows = None  # pg_dump's snapshot is its own; counts from the restore
        manifest = {
            "format": 1,
            "dialect": engine.dialect.name,
            "revision": revision,
            "made_at": utcnow().isoformat(timespec="seconds") + "Z",
            "rows": rows,
        }
        secrets = Path(instance_path) / "secrets.json"
        partial = Path(f"{path}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            out.write(dump, dump.name)
            if secrets.exists():
                out.write(secrets, "secrets.json")
        os.chmod(partial, 0o600)  # it holds the secrets and every answer
        partial.replace(path)
    return manifest


def restore(path: str | Path, instance_path: str, overwrite: bool = False) -> dict:
    """Restore a backup into this app's database (and its secrets); returns the row counts."""
    engine = db.engine
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"不是有效的备份文件：{exc}") from None
    with archive, tempfile.TemporaryDirectory() as tmp:
        manifest = json.loads(archive.read("manifest.json"))
        if manifest["dialect"] != engine.dialect.name:
            raise BackupError(
                f"备份来自 {manifest['dialect']}，当前数据库是 {engine.dialect.name}，不能直接恢复"
            )
        if not overwrite and _holds_data(engine):
            raise BackupError("当前数据库已有调查或答卷；确认要覆盖时加 --overwrite")
        if engine.dialect.name == "sqlite":
            archive.extract("database.sqlite", tmp)
            source = sqlite3.connect(Path(tmp) / "database.sqlite")
            engine.dispose()
            target = engine.raw_connection()
            try:
                source.backup(target.driver_connection)
            finally:
                target.close()
                source.close()
        else:
            archive.extract("database.pgdump", tmp)
            done = subprocess.run(
                [
                    _pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--dbname",
                    _libpq_url(engine),
                    str(Path(tmp) / "database.pgdump"),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_restore 失败：{done.stderr.strip()}")
        if "secrets.json" in archive.namelist():
            target = Path(instance_path) / "secrets.json"
            target.write_bytes(archive.read("secrets.json"))
            os.chmod(target, 0o600)
    engine.dispose()
    return counts(engine)


def _holds_data(engine: sa.Engine) -> bool:
    try:
        found = counts(engine)
    except sa.exc.DBAPIError:  # no schema yet
        return False
    return bool(found["campaign"] or found["response"])
