"""The signed hidden field of a served form, and the browser key that guards it against CSRF.

A ticket carries the submission id (which makes a submit idempotent), when the form was served,
the link, the questionnaire version and the browser's key. The key is a random value kept in an
HttpOnly, SameSite cookie of the survey pages; a submit counts only when the ticket's key equals
the cookie (a signed double-submit token, OWASP's stateless CSRF defence). Another site can
neither read that cookie nor forge a ticket, and the respondent side needs no server session:
nothing to sign or store per page view beyond the ticket itself.

The value is `<submission id>.<served at>.<link>.<version>.<key>[.<sheet>].<signature>`, the
sheet number present for another person's sheet on a shared phone: itsdangerous's
Signer (HMAC) over a dotted string, which costs a sixth of its JSON serializer per page. Tickets
in the serializer's older JSON form are still read, so forms served before an upgrade submit.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask import Request, current_app
from itsdangerous import BadPayload, BadSignature, Signer, URLSafeSerializer

KEY_COOKIE = "svk"
KEY_LENGTH = 22  # token_urlsafe(16)
SALT = "survey-ticket"
KEY_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}")
_LEGACY = URLSafeSerializer(b"payload decoding only", salt=SALT)


@dataclass(frozen=True)
class Ticket:
    submission_id: str
    started: int  #: epoch seconds when the form was served
    link_id: int
    version: int
    key: str  #: the browser key it was issued to
    #: 0 for a phone's own sheet; 1, 2… for further people answering on the same phone
    sheet: int = 0

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.started, UTC).replace(tzinfo=None)


def _signer() -> Signer:
    """The app's ticket signer. Its key is derived from SECRET_KEY and the salt once, here,
    and handed over with key_derivation="none": the signatures are the default Signer's,
    without an HMAC of the salt before every sign and check."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("ticket_signer")
    if found is None:
        derived = Signer(app.config["SECRET_KEY"], salt=SALT).derive_key()
        found = Signer(derived, salt=SALT, key_derivation="none")
        app.extensions["ticket_signer"] = found
    return found


def browser_key(request: Request) -> str | None:
    """The browser key sent with a request, if it looks like one of ours."""
    key = request.cookies.get(KEY_COOKIE)
    if key and KEY_PATTERN.fullmatch(key):
        return key
    return None


def new_key() -> str:
    return secrets.token_urlsafe(16)


def sign(t: Ticket) -> str:
    """The hidden-field value of a ticket."""
    payload = f"{t.submission_id}.{t.started}.{t.link_id}.{t.version}.{t.key}"
    if t.sheet:
        payload += f".{t.sheet}"
    return _signer().sign(payload).decode("ascii")


def issue(link_id: int, version: int, key: str, sheet: int = 0) -> str:
    """A fresh ticket for a form being served now to the browser holding `key` (`sheet`: the
    number of another person's sheet on a shared phone)."""
    return sign(Ticket(uuid.uuid4().hex, int(time.time()), link_id, version, key, sheet))


def reissue(ticket: Ticket, key: str) -> str:
    """The same submission (id and start time) for another browser key."""
    return sign(replace(ticket, key=key))


def read(value: str | None, link_id: int) -> Ticket | None:
    """The returned ticket, or None if missing, forged, stale or another link's."""
    if not value or len(value) > 300:
        return None
    fields = _unsign(value)
    if fields is None:
        return None
    sid, started, lid, version, key, sheet = fields
    if lid != link_id or not isinstance(started, int) or not isinstance(sid, str):
        return None
    if not isinstance(version, int) or not isinstance(key, str):
        return None
    if not isinstance(sheet, int) or sheet < 0:
        return None
    if time.time() - started > current_app.config["TICKET_MAX_AGE"]:
        return None
    return Ticket(sid, started, lid, version, key, sheet)


def _unsign(value: str) -> list | None:
    try:
        payload = _signer().unsign(value)
    except BadSignature:
        return None
    parts = payload.split(b".")
    if len(parts) in (5, 6):
        sid, started, lid, version, key, *sheet = parts
        try:
            return [
                sid.decode("ascii"),
                int(started),
                int(lid),
                int(version),
                key.decode("ascii"),
                int(sheet[0]) if sheet else 0,
            ]
        except (ValueError, UnicodeError):
            return None
    try:  # the older form: the serializer's base64 JSON, signed by the same Signer
        fields = _LEGACY.load_payload(payload)
    except BadPayload:
        return None
    return [*fields, 0] if isinstance(fields, list) and len(fields) == 5 else None
