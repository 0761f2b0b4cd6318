"""What may be kept about a respondent's device: a salted hash, never the IP itself."""

from __future__ import annotations

import hashlib
import re

from flask import current_app, request


def network_hash(remote_addr: str | None, user_agent: str | None, salt: str) -> str:
    """A salted, truncated SHA-256 of the client address and user agent.

    Equal for the same phone on the same network, so bursts can be screened,
    yet the address cannot be read back from it.
    """
    h = hashlib.sha256()
    h.update(salt.encode())
    h.update(b"\0")
    h.update((remote_addr or "").encode())
    h.update(b"\0")
    h.update((user_agent or "").encode("utf-8", "replace"))
    return h.hexdigest()[:32]


def request_network_hash() -> str:
    """The network hash of the current request."""
    return network_hash(
        request.remote_addr, request.headers.get("User-Agent"), current_app.config["NETWORK_SALT"]
    )


#: contact details a respondent may type into a comment: mobile and landline numbers,
#: 18-digit identity card numbers, e-mail addresses
CONTACTS = re.compile(
    r"(?<!\d)(?:1[3-9]\d(?:[\s-]?\d{4}){2}"  # mobile, also 138 1234 5678
    r"|\d{17}[\dXx]"  # identity card
    r"|0\d{2,3}[\s-]?\d{7,8})(?!\d)"  # landline with area code
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
HIDDEN = "〔已隐去〕"


def redact_contacts(text: str) -> str:
    """A comment with phone numbers, ID numbers and e-mail addresses blanked out."""
    return CONTACTS.sub(HIDDEN, text)


def redact_answers(questionnaire, answers: dict[str, str]) -> dict[str, str]:
    """The answers with contact details blanked out of every open comment (a new dict)."""
    out = dict(answers)
    for item in questionnaire.text_items:
        if out.get(item.code):
            out[item.code] = redact_contacts(out[item.code])
    return out
