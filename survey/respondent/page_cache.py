"""The blank survey page of a link, rendered and compressed once, filled in per request.

Everyone who opens a link gets the same page except its hidden ticket, so the page is rendered
with a placeholder, split around it, and each part compressed once. A request then costs no
template rendering and no compression: its gzip body is the compressed head, the ticket as a
stored deflate block, and the compressed tail, with the CRC-32 of the whole combined from the
parts (RFC 1951 §3.2.4, RFC 1952). The head ends with a full flush, so the tail's compressor
never refers back across the ticket.
"""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass

TICKET_MARK = "\x00ticket\x00"
MAX_PAGES = 2048

#: gzip member header: magic, deflate, no flags, no mtime, no extra flags, unknown OS
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@dataclass(frozen=True)
class Page:
    head: bytes
    tail: bytes
    head_deflated: bytes  #: raw deflate of head, full-flushed (not final)
    tail_deflated: bytes  #: raw deflate of tail, final block
    head_crc: int

    @classmethod
    def build(cls, html: str, level: int = 9) -> Page | None:
        """Split a page rendered with TICKET_MARK; None if the mark is not there once."""
        if html.count(TICKET_MARK) != 1:
            return None
        head, tail = (part.encode("utf-8") for part in html.split(TICKET_MARK))
        first = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
        second = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
        return cls(
            head=head,
            tail=tail,
            head_deflated=first.compress(head) + first.flush(zlib.Z_FULL_FLUSH),
            tail_deflated=second.compress(tail) + second.flush(zlib.Z_FINISH),
            head_crc=zlib.crc32(head),
        )

    def html(self, ticket: str) -> bytes:
        """The page as UTF-8 with its ticket filled in."""
        return self.head + ticket.encode("ascii") + self.tail

    def gzipped(self, ticket: str) -> bytes:
        """The same page as a gzip member, without compressing anything."""
        middle = ticket.encode("ascii")
        stored = b"\x00" + struct.pack("<HH", len(middle), len(middle) ^ 0xFFFF) + middle
        crc = zlib.crc32(self.tail, zlib.crc32(middle, self.head_crc))
        size = len(self.head) + len(middle) + len(self.tail)
        return b"".join(
            (
                GZIP_HEADER,
                self.head_deflated,
                stored,
                self.tail_deflated,
                struct.pack("<II", crc, size & 0xFFFFFFFF),
            )
        )


_pages: dict[tuple, Page] = {}
_lock = threading.Lock()


def get(key: tuple) -> Page | None:
    return _pages.get(key)


def put(key: tuple, page: Page) -> None:
    """Keep a page; a worker holding MAX_PAGES pages starts over (pages rebuild on demand)."""
    with _lock:
        if len(_pages) >= MAX_PAGES:
            _pages.clear()
        _pages[key] = page


def clear() -> None:
    with _lock:
        _pages.clear()
