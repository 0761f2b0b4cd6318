"""社会认可度调查系统: the Flask application."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from questionnaires import QuestionnaireError, load_registry

from .config import DEFAULTS, database_url, instance_secrets, normalise_url
from .session_cookie import LazySessionInterface
from .web import use_id_converter


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py and FLASK_* variables, or test_config."""
    app = Flask(__name__, instance_relative_config=True)
    app.session_interface = LazySessionInterface()
    use_id_converter(app)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if os.environ.get("REDIS_URL") and test_config is None:
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
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

    try:
        app.extensions["questionnaires"] = load_registry(
            app.config.get("QUESTIONNAIRE_DIR"), app.config.get("LAYOUTS_FILE")
        )
    except QuestionnaireError as exc:
        app.logger.critical("Questionnaire definitions are broken: %s", exc)
        raise

    _init_extensions(app)
    _register_blueprints(app)

    from . import security
    from .respondent import hooks, targets

    security.init_app(app)
    targets.init_app(app)
    hooks.init_app(app)

    from . import cli, errors, web

    cli.register(app)
    errors.register(app)
    web.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_compress import Compress

    from . import db_setup
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    db_setup.configure(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config["COMPRESS_REGISTER"] = False  # registered below, behind a cheap check
    compress = Compress(app)

    @app.after_request
    def compress_response(response):
        """Flask-Compress, skipped early where it would not compress anyway: redirects,
        errors and bodies already encoded (the survey page is gzipped by its own cache)."""
        if 200 <= response.status_code < 300 and "Content-Encoding" not in response.headers:
            return compress.after_request(response)
        return response


def _register_blueprints(app: Flask) -> None:
    from .auth import bp as auth_bp
    from .console import bp as console_bp
    from .reports import bp as reports_bp
    from .respondent import bp as respondent_bp

    app.register_blueprint(respondent_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(reports_bp)
