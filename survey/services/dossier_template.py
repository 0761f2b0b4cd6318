"""A bureau's own Word template for the dossier: uploaded once (the exported dossier restyled
in Word or WPS and saved), then every dossier of the bureau's campaigns is written on it."""

from __future__ import annotations

import io

import sqlalchemy as sa
from docx import Document

from ..core.database import db
from ..models import Campaign, DossierTemplate
from . import audit

MAX_BYTES = 5 * 1024 * 1024
#: the styles the dossier is written in; a template must define them all
STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid")


class TemplateRefused(Exception):
    """The file cannot serve as a template; the message says why, in Chinese."""


def check_template(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise TemplateRefused("模板文件超过 5 MB。")
    try:
        doc = Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001  (any unreadable upload is refused the same way)
        raise TemplateRefused(
            "这不是 Word 文档（.docx）。WPS 或 Word 中请“另存为 .docx”。"
        ) from None
    names = {s.name for s in doc.styles}
    missing = [name for name in STYLES if name not in names]
    if missing:
        raise TemplateRefused(
            f"模板缺少样式：{'、'.join(missing)}。请以本系统导出的督导评估材料为底稿修改后上传。"
        )


def save_template(county_id: int, filename: str, data: bytes, user_id: int) -> None:
    """Check and keep the county's template (replacing any before); the caller commits."""
    check_template(data)
    found = db.session.scalar(
        sa.select(DossierTemplate).where(DossierTemplate.county_id == county_id)
    )
    if found is None:
        found = DossierTemplate(county_id=county_id)
        db.session.add(found)
    found.filename, found.body, found.user_id = filename[:200] or "template.docx", data, user_id
    audit.record("dossier.template", f"county {county_id}", file=found.filename)


def remove_template(county_id: int) -> bool:
    removed = db.session.execute(
        sa.delete(DossierTemplate).where(DossierTemplate.county_id == county_id)
    ).rowcount
    if removed:
        audit.record("dossier.template", f"county {county_id}", removed=True)
    return bool(removed)


def template_name(county_id: int) -> str | None:
    return db.session.scalar(
        sa.select(DossierTemplate.filename).where(DossierTemplate.county_id == county_id)
    )


def template_for(campaign: Campaign) -> bytes | None:
    """The template of the campaign's own bureau, if it has one."""
    return db.session.scalar(
        sa.select(DossierTemplate.body).where(DossierTemplate.county_id == campaign.county_id)
    )
