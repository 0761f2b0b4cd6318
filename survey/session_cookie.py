"""Flask's signed cookie session, without the signing work on requests that carry no session.

Respondents never get a session (their pages are guarded by the ticket's browser key), yet
Flask's default interface builds a key-derived serializer on every request before looking for
the cookie. This one looks first.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazySessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
