"""Read an uploaded CSV or Excel file into numbered rows of text, whatever its encoding."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

MAX_ROWS = 200_000


class TableError(ValueError):
    """The file as a whole cannot be read (wrong type, empty, no header...)."""


@dataclass(frozen=True)
class Problem:
    row: int  #: row number as the user sees it in the file (header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        col = f"，列“{self.column}”" if self.column else ""
        return f"{where}{col}：{self.message}"


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 Excel (.xlsx) 文件。")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise TableError("文件内容不是文本表格，请上传 CSV 或 Excel (.xlsx) 文件。")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise TableError(f"CSV 格式有误：{exc}") from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise TableError(
            f"无法打开 Excel 文件（{type(exc).__name__}），请确认是 .xlsx 格式。"
        ) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise TableError("Excel 文件中没有工作表。")
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                raise TableError(f"文件超过 {MAX_ROWS} 行，请分批导入。")
        return rows
    finally:
        book.close()


def read_table(filename: str, data: bytes) -> Table:
    """Rows of a .csv/.txt or .xlsx upload as {header: text}; raises TableError."""
    if not data or not data.strip():
        raise TableError("文件是空的。")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        raw = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")) or not name:
        raw = _csv_rows(data)
    elif name.endswith(".xls"):
        raise TableError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV。")
    else:
        raise TableError("请上传 CSV 或 Excel (.xlsx) 文件。")
    while raw and not any(raw[0]):
        raw.pop(0)
    if not raw:
        raise TableError("文件中没有表头。")
    headers = [h.strip().lstrip("\ufeff") for h in raw[0]]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise TableError("文件中没有表头。")
    dupes = sorted({h for h in headers if h and headers.count(h) > 1})
    if dupes:
        raise TableError(f"表头重复：{'、'.join(dupes)}")
    if len(raw) - 1 > MAX_ROWS:
        raise TableError(f"文件超过 {MAX_ROWS} 行，请分批导入。")
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        row = {
            h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers) if h
        }
        rows.append((number, row))
    if not rows:
        raise TableError("文件中只有表头，没有数据行。")
    return Table(headers=[h for h in headers if h], rows=rows)


def map_headers(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map each canonical column to the header used in the file (English or Chinese)."""
    found = {}
    lowered = {h.lower(): h for h in headers}
    for key, names in aliases.items():
        for name in (key, *names):
            if name.lower() in lowered:
                found[key] = lowered[name.lower()]
                break
    return found
