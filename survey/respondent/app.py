"""The respondent app: survey pages and submissions, and nothing of the console.

It has no sign-in, no session and no CSRF middleware (a form is guarded by its ticket and the
browser key, ticket.py), counts its own rate limits (throttle.py) and caches the link behind a
token (links.py). Everything it needs per request is registered here, in plain sight.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SessionInterface
from flask_compress import Compress

from ..core import settings
from ..core.metrics import Timed
from ..web import assets, errors, health, language, security
from . import links, throttle
from .routes import bp


class NoSession(SessionInterface):
    """Respondents never get a server session: each request gets Flask's null session."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        return None


def create_respondent_app(test_config: dict | None = None, registry=None) -> Flask:
    """The survey side alone (`gunicorn "survey:create_respondent_app()"`); its URLs start
    with /s/ as in the combined app, so QR codes work against either."""
    app = Flask("survey", instance_relative_config=True, static_url_path="/s/static")
    app.session_interface = NoSession()
    assets.use_id_converter(app)
    settings.configure(app, test_config, registry)
    settings.init_database(app)
    throttle.init_app(app)
    links.init_app(app)
    Compress(app)  # the survey page comes gzipped from page_cache; this does the rest
    app.register_blueprint(bp)
    security.init_app(app)
    errors.register(app)
    language.init_app(app)
    assets.register_assets(app)
    health.register(app, "/s/healthz")
    app.wsgi_app = Timed(app.wsgi_app, "survey")
    return app
