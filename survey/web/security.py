"""Response headers that keep pages to our own assets, and the NUL guard.

Every page is served with a Content-Security-Policy that allows scripts, styles, images and
connections from this site only (no inline script or style: the templates have none), refuses
framing (clickjacking of the console), and stops MIME sniffing and cross-site referrers. The
headers are added as the response leaves the app (a WSGI middleware): no view sets its own, so
they are the same on every response, error pages and static files included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, abort, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


class SecurityHeaders:
    """WSGI middleware: HEADERS appended to every response's headers."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info=None):
            headers.extend(HEADERS)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def refuse_nul() -> None:
    """A NUL character is never part of a valid path or query, and PostgreSQL rejects it in
    text: answer 400 before it reaches a query."""
    query = request.query_string  # raw: "%00" is the only way a NUL gets into an argument
    if "\x00" in request.path or b"%00" in query or b"\x00" in query:
        abort(400)


def refuse_nul_in_forms() -> None:
    """Nor in a console form. (The survey form keeps its answers instead: its own checks
    strip or refuse such values.)"""
    if request.method == "POST" and any("\x00" in v for _, v in request.form.items(multi=True)):
        abort(400)


def init_app(app: Flask, forms: bool = False) -> None:
    """The headers on every response and the NUL guard (of posted forms too with `forms`)."""
    app.before_request(refuse_nul)
    if forms:
        app.before_request(refuse_nul_in_forms)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
