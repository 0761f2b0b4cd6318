"""社会认可度调查系统: two Flask apps, the console and the respondent side.

- `create_app()`: both in one WSGI app (the console, with every /s/ URL dispatched to the
  respondent app; survey/core/dispatch.py). `gunicorn "survey:create_app()"`, `flask --app survey`.
- `create_console_app()`: the console alone (sign-in, campaigns, reports, the CLI).
- `create_respondent_app()`: the survey pages alone, for public hosts (docs/deploy.md).

Both are built from survey/core/settings.py: the same configuration, secrets and database.
"""

from __future__ import annotations

from flask import Flask

from .respondent.app import create_respondent_app

__all__ = ["create_app", "create_console_app", "create_respondent_app"]


def create_console_app(test_config: dict | None = None) -> Flask:
    """The console: defaults, then instance/config.py and FLASK_* variables, or test_config."""
    from flask_compress import Compress

    from . import cli
    from .auth import bp as auth_bp
    from .console import bp as console_bp
    from .core import settings
    from .core.database import db
    from .core.extensions import csrf, limiter, login_manager, migrate
    from .core.metrics import Timed
    from .core.settings import MIGRATIONS
    from .reports import bp as reports_bp
    from .respondent import links
    from .services import audit
    from .web import assets, errors, health, language, security

    app = Flask(__name__, instance_relative_config=True)
    assets.use_id_converter(app)
    settings.configure(app, test_config)
    settings.init_database(app)
    audit.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    Compress(app)
    links.init_app(app)  # its edits drop the cached links at once
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(reports_bp)
    security.init_app(app, forms=True)
    cli.register(app)
    errors.register(app)
    errors.register_csrf(app)
    language.init_app(app)  # the message pages it shares with the survey side
    assets.register(app)
    health.register(app, "/healthz")
    app.wsgi_app = Timed(app.wsgi_app, "console")
    return app


def create_app(test_config: dict | None = None) -> Flask:
    """Console and respondent app in one process, sharing its link caches."""
    from .core.dispatch import SURVEY_PREFIX, PathDispatcher
    from .respondent import links

    console = create_console_app(test_config)
    # one process: one questionnaire registry and one set of survey caches for both apps
    respondent = create_respondent_app(test_config, registry=console.extensions["questionnaires"])
    links.init_app(console, shared=links.caches_of(respondent))
    console.wsgi_app = PathDispatcher(console.wsgi_app, SURVEY_PREFIX, respondent)
    console.extensions["respondent_app"] = respondent
    return console
