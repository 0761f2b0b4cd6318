"""The signed hidden field of a served form, and the browser key that guards it against CSRF.

A ticket carries the submission id (which makes a submit idempotent), when the form was served,
the link, the questionnaire version and the browser's key. The key is a random value kept in an
HttpOnly, SameSite cookie of the survey pages; a submit counts only when the ticket's key equals
the cookie (a signed double-submit token, OWASP's stateless CSRF defence). Another site can
neither read that cookie nor forge a ticket, and the respondent side needs no server session:
nothing to sign or store per page view beyond the ticket itself.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask import Request, current_app
from itsdangerous import BadSignature, URLSafeSerializer

KEY_COOKIE = "svk"
KEY_LENGTH = 22  # token_urlsafe(16)


@dataclass(frozen=True)
class Ticket:
    submission_id: str
    started: int  #: epoch seconds when the form was served
    link_id: int
    version: int
    key: str  #: the browser key it was issued to

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.started, UTC).replace(tzinfo=None)


def _serializer() -> URLSafeSerializer:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("ticket_serializer")
    if found is None:
        found = URLSafeSerializer(app.config["SECRET_KEY"], salt="survey-ticket")
        app.extensions["ticket_serializer"] = found
    return found


def browser_key(request: Request) -> str | None:
    """The browser key sent with a request, if it looks like one of ours."""
    key = request.cookies.get(KEY_COOKIE)
    if key and len(key) == KEY_LENGTH:
        return key
    return None


def new_key() -> str:
    return secrets.token_urlsafe(16)


def sign(t: Ticket) -> str:
    """The hidden-field value of a ticket."""
    return _serializer().dumps([t.submission_id, t.started, t.link_id, t.version, t.key])


def issue(link_id: int, version: int, key: str) -> str:
    """A fresh ticket for a form being served now to the browser holding `key`."""
    return sign(Ticket(uuid.uuid4().hex, int(time.time()), link_id, version, key))


def reissue(ticket: Ticket, key: str) -> str:
    """The same submission (id and start time) for another browser key."""
    return sign(replace(ticket, key=key))


def read(value: str | None, link_id: int) -> Ticket | None:
    """The returned ticket, or None if missing, forged, stale or another link's."""
    if not value or len(value) > 300:
        return None
    try:
        sid, started, lid, version, key = _serializer().loads(value)
    except (BadSignature, ValueError, TypeError):
        return None
    if lid != link_id or not isinstance(started, int) or not isinstance(sid, str):
        return None
    if not isinstance(version, int) or not isinstance(key, str):
        return None
    if time.time() - started > current_app.config["TICKET_MAX_AGE"]:
        return None
    return Ticket(sid, started, lid, version, key)
