"""What may be kept about a respondent's device: a salted hash, never the IP itself."""

from __future__ import annotations

import hashlib
import ipaddress
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


def address_hash(remote_addr: str | None, salt: str) -> str | None:
    """A salted, truncated SHA-256 of the network address alone: an IPv4 address, or the /64
    prefix of an IPv6 one (a phone rotates the rest of its address). Burst screening uses it,
    so changing the browser's User-Agent does not make one phone look like many."""
    if not remote_addr:
        return None
    try:
        ip = ipaddress.ip_address(remote_addr)
    except ValueError:
        network = remote_addr
    else:
        mapped = getattr(ip, "ipv4_mapped", None)
        if mapped is not None:
            network = str(mapped)
        elif ip.version == 6:
            network = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        else:
            network = str(ip)
    h = hashlib.sha256()
    h.update(salt.encode())
    h.update(b"\0address\0")
    h.update(network.encode())
    return h.hexdigest()[:32]


def label_hash(label: str | None, salt: str) -> str | None:
    """A salted hash of a network label from an imported file (it may be an IP address)."""
    if not label:
        return None
    return network_hash(label, None, salt)


def request_network_hash() -> str:
    """The device hash (address and User-Agent) of the current request."""
    return network_hash(
        request.remote_addr, request.headers.get("User-Agent"), current_app.config["NETWORK_SALT"]
    )


def request_address_hash() -> str | None:
    """The address hash of the current request."""
    return address_hash(request.remote_addr, current_app.config["NETWORK_SALT"])


#: contact details a respondent may type into a comment: mobile numbers however they are
#: spaced or dotted (138 1234 5678, 138.1234.5678, 1 3 8 …, full-width digits), landlines,
#: 18-digit identity card numbers, e-mail addresses
CONTACTS = re.compile(
    r"(?<!\d)(?:1[\s.\-]?[3-9](?:[\s.\-]?\d){9}"  # mobile
    r"|\d{17}[\dXx]"  # identity card
    r"|0\d{2,3}[\s.\-]?\d{7,8})(?!\d)"  # landline with area code
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
#: WeChat and QQ ids: a wxid_ id anywhere, or an id after a WeChat or QQ label
#: (微信/微信号/VX/WeChat …: abc_123; QQ/扣扣: 12345678); the label stays, the id goes
IM_IDS = re.compile(
    r"wxid_[A-Za-z0-9_-]+"
    r"|(?P<label>(?:微信号?|威信|v信|[Vv][Xx]|[Ww]e[Cc]hat|[Ww]eixin|[Qq]{2}号?|扣扣号?)\s*[:：]?\s*)"
    r"(?P<id>[A-Za-z0-9][-_A-Za-z0-9]{4,19})",
)
HIDDEN = "〔已隐去〕"


#: full-width digits, letters and separators read as their ASCII forms (one character each,
#: so a match in the read text has the same span in the written one)
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _blank(pattern: re.Pattern, text: str, keep_label: bool = False) -> str:
    probe = text.translate(_FULLWIDTH)
    out, at = [], 0
    for m in pattern.finditer(probe):
        start = m.start("id") if keep_label and m.group("id") else m.start()
        out += [text[at:start], HIDDEN]
        at = m.end()
    return "".join(out) + text[at:]


def redact_contacts(text: str) -> str:
    """A comment with phone numbers, ID numbers, e-mail addresses and WeChat or QQ ids blanked
    out."""
    return _blank(IM_IDS, _blank(CONTACTS, text), keep_label=True)


def redact_answers(questionnaire, answers: dict[str, str]) -> dict[str, str]:
    """The answers with contact details blanked out of every open comment (a new dict)."""
    out = dict(answers)
    for item in questionnaire.text_items:
        if out.get(item.code):
            out[item.code] = redact_contacts(out[item.code])
    return out
