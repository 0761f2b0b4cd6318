"""Text for files a bureau opens in a spreadsheet: never a formula, always its own cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: the same as a regular expression (for vectorised writers)
FORMULA_START = "^[=+\\-@\t\r]"


def safe_text(value):
    """Text that a spreadsheet will never run as a formula (for CSV, whose cells have no type;
    the xlsx writer stores text as text and the .sav has no formulas)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with a BOM (Excel reads it as UTF-8), quoted where needed, formulas guarded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
