"""A second factor: a six-digit code from an authenticator app (TOTP, RFC 6238, via pyotp).

Anyone may add one on the account page; with REQUIRE_ADMIN_TOTP an admin must before anything
else. With one set, a correct password leads to the code page instead of a session: the
password step leaves only the account id and a time in the signed Flask session.
"""

from __future__ import annotations

import time

import pyotp
import segno
from flask import current_app, session

from ..models import User

PENDING = "totp_pending"  #: (user id, when the password was right)
PENDING_SECONDS = 300
ISSUER = "社会认可度调查系统"


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def code_ok(secret: str, code: str) -> bool:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    return len(code) == 6 and pyotp.TOTP(secret).verify(code, valid_window=1)


def required(user: User) -> bool:
    """Whether the user must add a second factor before using the console."""
    return user.role == "admin" and bool(current_app.config["REQUIRE_ADMIN_TOTP"])


def hold(user: User) -> None:
    """The password was right; the code is still to come."""
    session.clear()
    session[PENDING] = [user.id, int(time.time())]


def held_user_id() -> int | None:
    held = session.get(PENDING)
    if not held or time.time() - held[1] > PENDING_SECONDS:
        return None
    return int(held[0])
