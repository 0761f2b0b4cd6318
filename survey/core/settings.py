"""What both apps are made of: configuration, the database and the questionnaires.

The console and the respondent side are two Flask apps (survey/__init__.py); each is built
with `configure` and `init_database`, so they read the same settings and secrets, migrate the
same schema and talk to the same database.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from questionnaires import QuestionnaireError, load_registry

from .config import DEFAULTS, database_url, instance_secrets, normalise_url

MIGRATIONS = str(Path(__file__).parents[1] / "migrations")


def configure(app: Flask, test_config: dict | None = None, registry=None) -> None:
    """Defaults, then instance/config.py and FLASK_* variables (or test_config), secrets,
    the database URL and the questionnaire registry (loaded, unless another app of this
    process passes its own)."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
        if os.environ.get("REDIS_URL"):
            app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        normalise_url(uri) if uri else database_url(app.instance_path)
    )
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # a server restart or failover must not cost each worker a failed request
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not (app.config.get("SECRET_KEY") and app.config.get("NETWORK_SALT")):
        stored = instance_secrets(app.instance_path)
        for key in ("SECRET_KEY", "NETWORK_SALT"):
            app.config[key] = app.config.get(key) or stored[key]
    # cookies are Secure when the site is served over HTTPS (BASE_URL), unless set explicitly
    https = str(app.config.get("BASE_URL", "")).startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = https

    if registry is None:
        try:
            registry = load_registry(
                app.config.get("QUESTIONNAIRE_DIR"), app.config.get("LAYOUTS_FILE")
            )
        except QuestionnaireError as exc:
            app.logger.critical("Questionnaire definitions are broken: %s", exc)
            raise
    app.extensions["questionnaires"] = registry

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def init_database(app: Flask) -> None:
    """Bind the shared SQLAlchemy object and the per-dialect connection settings."""
    from . import db_setup
    from .database import db

    db.init_app(app)
    db_setup.configure(app)
