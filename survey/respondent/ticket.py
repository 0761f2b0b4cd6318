"""The signed hidden field of a served form: submission id, start time, link and version."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


@dataclass(frozen=True)
class Ticket:
    submission_id: str
    started: int  #: epoch seconds when the form was served
    link_id: int
    version: int

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.started, UTC).replace(tzinfo=None)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="survey-ticket")


def issue(link_id: int, version: int) -> str:
    """A fresh ticket for a form being served now."""
    return _serializer().dumps([uuid.uuid4().hex, int(time.time()), link_id, version])


def read(value: str | None, link_id: int) -> Ticket | None:
    """The returned ticket, or None if missing, forged, stale or another link's."""
    if not value or len(value) > 300:
        return None
    try:
        sid, started, lid, version = _serializer().loads(value)
    except (BadSignature, ValueError, TypeError):
        return None
    if lid != link_id or not isinstance(started, int) or not isinstance(sid, str):
        return None
    if time.time() - started > current_app.config["TICKET_MAX_AGE"]:
        return None
    return Ticket(sid, started, lid, version)
