"""What a bureau hands out: each school's notices (one per group) and its one-time code slips,
for one school or the whole campaign in one document, with codes sized from the targets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from questionnaires import GROUPS

from ..core.database import db
from ..models import AccessCode, Campaign, Link, School
from .campaigns import generate_codes


@dataclass(frozen=True)
class SchoolLinks:
    """A school and its links in the campaign's group order."""

    school: School
    links: list[Link]


def school_links(campaign: Campaign, school_ids: list[int] | None = None) -> list[SchoolLinks]:
    """The campaign's schools (all, or those of `school_ids`) by code, each with its links."""
    query = (
        sa.select(Link, School)
        .join(School, Link.school_id == School.id)
        .where(Link.campaign_id == campaign.id)
        .order_by(School.code)
    )
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    order = {g: i for i, g in enumerate(campaign.groups)}
    found: dict[int, SchoolLinks] = {}
    for link, school in db.session.execute(query):
        if link.group in order:
            found.setdefault(school.id, SchoolLinks(school, [])).links.append(link)
    for entry in found.values():
        # school-wide links first, then each class's
        entry.links.sort(
            key=lambda lk: (
                lk.school_class is not None,
                (lk.school_class.grade, lk.school_class.name) if lk.school_class else (),
                order[lk.group],
            )
        )
    return list(found.values())


def group_label(group: str) -> str:
    return GROUPS.get(group, group)


def codes_wanted(target: int | None, margin_percent: int) -> int:
    """Codes a link should hold unused: its target plus the margin, rounded up."""
    if not target:
        return 0
    return math.ceil(target * (1 + margin_percent / 100))


def unused_codes(link_ids: list[int]) -> dict[int, list[str]]:
    """Each link's unused codes, oldest first."""
    if not link_ids:
        return {}
    rows = db.session.execute(
        sa.select(AccessCode.link_id, AccessCode.code)
        .where(AccessCode.link_id.in_(link_ids), AccessCode.used_at.is_(None))
        .order_by(AccessCode.id)
    )
    out: dict[int, list[str]] = {lid: [] for lid in link_ids}
    for link_id, code in rows:
        out[link_id].append(code)
    return out


@dataclass(frozen=True)
class CodeBatch:
    made: int  #: codes made now
    links: int  #: links that got new codes
    without_target: int  #: links left out because they have no target


def top_up_codes(campaign: Campaign, schools: list[SchoolLinks]) -> CodeBatch:
    """Give every link of these schools as many unused codes as its target plus the
    campaign's margin (codes already made and still unused count; none are taken away).
    The caller audits and commits."""
    links = [lk for entry in schools for lk in entry.links]
    unused = unused_codes([lk.id for lk in links])
    made = topped = missing = 0
    for link in links:
        if not link.target:
            missing += 1
            continue
        short = codes_wanted(link.target, campaign.code_margin) - len(unused[link.id])
        if short > 0:
            made += len(generate_codes(link, short))
            topped += 1
    return CodeBatch(made, topped, missing)
