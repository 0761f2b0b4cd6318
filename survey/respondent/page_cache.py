"""The blank survey page of a link, rendered once and reused.

Everyone who opens a link gets the same page except its two hidden fields (the CSRF token and
the signed ticket), so the page is rendered with placeholders and the fields are filled in per
request: no form objects and no template rendering on the hot path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

CSRF_MARK = "\x00csrf\x00"
TICKET_MARK = "\x00ticket\x00"
MAX_PAGES = 2048

_pages: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def get(key: tuple) -> str | None:
    with _lock:
        page = _pages.get(key)
        if page is not None:
            _pages.move_to_end(key)
        return page


def put(key: tuple, page: str) -> None:
    if CSRF_MARK not in page or TICKET_MARK not in page:
        return  # never cache a page whose hidden fields could not be found again
    with _lock:
        _pages[key] = page
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def fill(page: str, csrf_token: str, ticket: str) -> str:
    return page.replace(CSRF_MARK, csrf_token, 1).replace(TICKET_MARK, ticket, 1)


def clear() -> None:
    with _lock:
        _pages.clear()
