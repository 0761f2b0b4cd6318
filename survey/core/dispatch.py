"""One WSGI entry for both apps: the survey pages to the respondent app, the rest to the console.

Flask's "application dispatching" pattern, by path prefix. Unlike werkzeug's
DispatcherMiddleware the prefix stays in the path, so the respondent app has the same URLs
(`/s/<token>`, `/s/static/…`) whether it runs behind this dispatcher or alone on the public
survey hosts (docs/deploy.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

#: every URL of the respondent app starts with this
SURVEY_PREFIX = "/s/"


class PathDispatcher:
    def __init__(self, default: WSGIApp, prefix: str, app: WSGIApp):
        self.default, self.prefix, self.app = default, prefix, app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.app(environ, start_response)
        return self.default(environ, start_response)
