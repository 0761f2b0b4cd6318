"""QR codes, printable notices and ZIP bundles of a campaign's links."""

from __future__ import annotations

import io
import re
import zipfile

import segno

from questionnaires import GROUPS

from ..services.campaigns import LinkRow
from .spreadsheet import csv_bytes


def qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    qr(url).save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title="问卷二维码"
    )
    return out.getvalue()


def qr_svg_inline(url: str, scale: int = 6) -> str:
    """SVG markup to put inside an HTML page: a viewBox and no width or height, so the page's
    CSS gives it its exact printed size (a fixed-size SVG in a larger box prints off-centre)."""
    return qr(url).svg_inline(scale=scale, border=2, omitsize=True)


def qr_png(url: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    qr(url).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def safe_filename(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")[:80] or "file"


def qr_zip(rows: list[LinkRow]) -> bytes:
    """A ZIP of PNG and SVG QR codes, one folder per school, plus an index of links."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        index = [["学校代码", "学校名称", "班级", "群体", "链接"]]
        for r in rows:
            folder = safe_filename(f"{r.school_code}_{r.school_name}")
            where = f"{r.school_code}_{r.class_label}" if r.class_label else r.school_code
            name = safe_filename(f"{where}_{GROUPS.get(r.group, r.group)}")
            zf.writestr(f"{folder}/{name}.png", qr_png(r.url))
            zf.writestr(f"{folder}/{name}.svg", qr_svg(r.url))
            group = GROUPS.get(r.group, r.group)
            index.append([r.school_code, r.school_name, r.class_label, group, r.url])
        zf.writestr("links.csv", csv_bytes(index))
    return out.getvalue()
