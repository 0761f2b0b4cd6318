"""What may be kept about a respondent's device: a salted hash, never the IP itself."""

from __future__ import annotations

import hashlib

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
