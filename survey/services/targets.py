"""Response targets (quotas) per link: read the campaign's links and set their targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from questionnaires import GROUPS

from ..core.database import db
from ..core.parsing import whole_number
from ..models import COUNTY_GROUPS, Campaign, Link, School
from . import audit

TARGET_MAX = 100_000


@dataclass
class TargetUpdate:
    changed: dict[int, int | None] = field(default_factory=dict)  #: link id -> new target
    errors: list[str] = field(default_factory=list)


def links_by_school_group(campaign: Campaign) -> dict[tuple[str, str], Link]:
    """(school code, group) -> link, for every link of the campaign."""
    return {
        (school_code, link.group): link
        for link, school_code in db.session.execute(
            sa.select(Link, School.code)
            .join(School, Link.school_id == School.id)
            .where(Link.campaign_id == campaign.id, Link.class_id.is_(None))
        )
    }


def set_targets(campaign: Campaign, values: Mapping[int, str]) -> TargetUpdate:
    """Set each link's target from the text typed for it (link id -> text; blank: none).

    All or nothing: with any value that is not a whole number 0..TARGET_MAX, nothing changes
    and each such value is named in `errors`. Audited; the caller commits.
    """
    result = TargetUpdate()
    links = links_by_school_group(campaign)
    for (code, group), link in links.items():
        raw = (values.get(link.id) or "").strip()
        if raw == "":
            value = None
        elif (number := whole_number(raw, TARGET_MAX)) is not None:
            value = number
        else:
            result.errors.append(
                f"{code} {GROUPS.get(group, group)}：“{raw}”不是0到{TARGET_MAX}的整数"
            )
            continue
        if value != link.target:
            result.changed[link.id] = value
    if result.errors:
        result.changed.clear()
        return result
    for link in links.values():
        if link.id in result.changed:
            link.target = result.changed[link.id]
    audit.record(
        "targets.update",
        f"campaign {campaign.id}",
        cells=len(result.changed),
        total=sum(v or 0 for v in result.changed.values()),
    )
    return result


def units_take_county_groups(campaign: Campaign, targets: dict[tuple[str, str], int]) -> bool:
    """With county links, the targets a plan shared among schools for deputies and the public
    go to the county-wide unit of each school's county instead. True if anything moved."""
    if not campaign.county_links:
        return False
    unit_of = {s.county_id: s.code for s in campaign.schools if s.county_wide}
    county_of = {s.code: s.county_id for s in campaign.schools if not s.county_wide}
    moved = False
    for code, group in list(targets):
        if group in COUNTY_GROUPS and code in county_of and county_of[code] in unit_of:
            key = (unit_of[county_of[code]], group)
            targets[key] = targets.get(key, 0) + targets.pop((code, group))
            moved = True
    return moved
