"""Numbers typed by people: ids in URLs and forms, option numbers, counts."""

from __future__ import annotations

#: the largest id an integer column holds (PostgreSQL's 32-bit integer)
MAX_ID = 2**31 - 1


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The value of `text` written in ASCII digits alone, up to `maximum`; else None.
    (str.isdigit() also takes "²" and other digits that int() refuses.)"""
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= maximum else None
