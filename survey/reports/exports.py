"""Exports for the dossier: Excel workbooks and CSV (UTF-8 with BOM); SPSS .sav in spss.py.

The raw data comes from raw.py in Arrow batches. CSV goes out through Arrow's CSV writer,
each batch rendered on one of two threads while the next is built (Arrow lets go of the GIL
while it renders; bench/analysis.py prints the time for a million answers). The
raw-data workbook (原始数据.xlsx) goes through rust_xlsxwriter (the rustpy-xlsxwriter
binding; constant memory, rows streamed), several times faster than XlsxWriter cell by cell
(bench/analysis.py prints both). The dossier workbook stays with XlsxWriter for its formats
and charts, and carries the raw data itself while a campaign is small enough for that to take
seconds (RAW_IN_WORKBOOK).
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from analysis.report import Settings

from ..models import Campaign
from ..web.spreadsheet import safe_text
from .raw import layout_of, raw_batches, read_raw

#: threads rendering CSV batches
WRITERS = 2


def write_csv(campaign: Campaign, out: BinaryIO, settings: Settings) -> int:
    """Raw responses as CSV in UTF-8 with a BOM (Excel opens it correctly), one header row of
    "code question" (Layout.titled_headers), CRLF line ends; returns rows. Arrow's CSV writer
    writes each batch (see raw.py). Every text cell is defused: a CSV cell has no type, so
    Excel would run "=…" as a formula."""
    import pyarrow.csv as pacsv

    layout = layout_of(campaign)
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow([safe_text(h) for h in layout.titled_headers])
    out.write(("\ufeff" + head.getvalue()).encode("utf-8"))
    options = pacsv.WriteOptions(include_header=False, eol="\r\n")

    def render(batch: pa.Table) -> bytes:
        # dictionaries decoded first: decoding and writing plain strings took 0.27 s for a
        # batch here, the writer decoding each cell 0.38 s
        plain = [
            col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
            for col in batch.columns
        ]
        buffer = io.BytesIO()
        pacsv.write_csv(pa.table(plain, names=batch.column_names), buffer, options)
        return buffer.getvalue()

    # batches are rendered on two threads while the next is built (Arrow lets go of the GIL
    # while it writes), and written out in order; at most two wait, so memory stays flat
    n = 0
    with ThreadPoolExecutor(WRITERS) as writers:
        waiting: deque = deque()
        for batch in raw_batches(read_raw(campaign, settings), layout, defuse=True):
            if len(waiting) == WRITERS:
                out.write(waiting.popleft().result())
            waiting.append(writers.submit(render, batch))
            n += batch.num_rows
        while waiting:
            out.write(waiting.popleft().result())
    return n


def write_xlsx(campaign: Campaign, path: str, result: dict, comments, settings: Settings) -> int:
    """The dossier workbook: summary, groups, schools, items, quality, comments, raw data
    (headed "code question", text stored as text, never as a formula) and its codebook."""
    import xlsxwriter

    from .sheets import write_codebook, write_summary_sheets

    book = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        write_summary_sheets(book, result, comments)
        layout = layout_of(campaign)
        sheet = book.add_worksheet("原始数据")
        n = int(result["responses"])  # every answer analysed: no read to count them
        if n <= RAW_IN_WORKBOOK:
            bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
            sheet.write_row(0, 0, layout.titled_headers, bold)
            sheet.freeze_panes(1, 3)
            n = write_raw_sheet(sheet, raw_batches(read_raw(campaign, settings), layout))
        else:
            sheet.write_string(0, 0, f"答卷共 {n} 份，原始数据请在报告页下载“原始数据（Excel）”。")
        write_codebook(book, layout.codebook())
    finally:
        book.close()
    return n


def write_raw_xlsx(campaign: Campaign, path: str, settings: Settings) -> int:
    """The raw data as a workbook of its own: 原始数据 (headed "code question", frozen on the
    header and the school columns; text as text, never a formula) and 变量说明. Returns
    rows written."""
    from rustpy_xlsxwriter import FastExcel

    layout = layout_of(campaign)
    headers = layout.titled_headers
    counted = [0]

    def rows() -> Iterator[dict]:
        # every row a full record in header order: the writer places values by position
        for batch in raw_batches(read_raw(campaign, settings), layout):
            columns = [_python_values(column) for column in batch.columns]
            for values in zip(*columns, strict=True):
                counted[0] += 1
                yield dict(zip(headers, values, strict=True))

    codebook_headers = ["代码", "题目或变量", "类型", "选项（代码=含义）", "缺失值代码"]
    codebook = [dict(zip(codebook_headers, r, strict=True)) for r in layout.codebook()]
    book = FastExcel(path).format(bold_headers=True).freeze(row=1, col=3)
    book.sheet("原始数据", rows()).sheet("变量说明", codebook).save()
    return counted[0]


#: the dossier workbook carries the raw data itself up to this many answers (XlsxWriter,
#: about 16 s here at this size); larger campaigns download 原始数据.xlsx on its own
RAW_IN_WORKBOOK = 50_000

#: raw-data columns holding numbers (the others hold text)
NUMERIC = ("response_id", "version", "duration_seconds")


def write_raw_sheet(sheet, batches: Iterator[pa.Table]) -> int:
    """The raw data under a header row, row by row as XlsxWriter's constant-memory mode asks:
    only the cells that hold something (a respondent answers one form of several, so most of
    a row is empty), each with its type's own writer instead of write_row's guessing per
    cell. Returns rows written."""
    n = 0
    for batch in batches:
        writers = [
            sheet.write_number if name in NUMERIC else sheet.write_string
            for name in batch.column_names
        ]
        columns = [_python_values(column) for column in batch.columns]
        for values in zip(*columns, strict=True):
            n += 1
            for j, value in enumerate(values):
                if value is None or value == "" or value != value:  # blank, or NaN
                    continue
                writers[j](n, j, value)
    return n


def _python_values(column: pa.ChunkedArray) -> list:
    """A column's values as Python objects (None where empty); a dictionary column through
    its few values, not one Arrow scalar per cell."""
    array = column.combine_chunks()
    if pa.types.is_dictionary(array.type):
        words = np.array([*array.dictionary.to_pylist(), None], dtype=object)
        index = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return words[index].tolist()
    return array.to_pylist()
