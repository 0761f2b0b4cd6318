"""Response targets (quotas) per link: read the campaign's links and set their targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from questionnaires import GROUPS

from ..core.database import db
from ..models import Campaign, Link, School
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
            .where(Link.campaign_id == campaign.id)
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
        elif raw.isascii() and raw.isdigit() and int(raw) <= TARGET_MAX:
            value = int(raw)
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
