"""Responses against targets per school × group, from the kept tallies (never the answers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from questionnaires import GROUPS

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import Campaign, Link, ResponseTally, School
from .counts import hour_of


@dataclass
class Cell:
    group: str
    target: int | None
    count: int

    @property
    def completion(self) -> float | None:
        if not self.target:
            return None
        return self.count / self.target

    @property
    def level(self) -> str:
        """Colour class: done, near, low, none (no target)."""
        c = self.completion
        if c is None:
            return "none"
        return "done" if c >= 1 else "near" if c >= 0.6 else "low"


@dataclass
class SchoolProgress:
    school_id: int
    code: str
    name: str
    stage: str
    location: str
    cells: dict[str, Cell] = field(default_factory=dict)
    county: str = ""  #: a campaign over several counties: the school's county

    @property
    def target(self) -> int:
        return sum(c.target or 0 for c in self.cells.values())

    @property
    def count(self) -> int:
        return sum(c.count for c in self.cells.values())

    @property
    def completion(self) -> float | None:
        """Share of targets met, counting each cell at most to its target."""
        target = self.target
        if not target:
            return None
        return sum(min(c.count, c.target or 0) for c in self.cells.values()) / target


@dataclass
class Progress:
    campaign: Campaign
    groups: list[str]
    schools: list[SchoolProgress]

    def group_totals(self, schools: list[SchoolProgress] | None = None) -> list[Cell]:
        out = []
        for g in self.groups:
            cells = [s.cells[g] for s in (self.schools if schools is None else schools)]
            targets = [c.target for c in cells if c.target]
            out.append(Cell(g, sum(targets) if targets else None, sum(c.count for c in cells)))
        return out

    def counties(self) -> list[tuple[str, Cell, list[Cell]]]:
        """A campaign over several counties: (county, its total, its group totals), least
        complete first; empty for a county's own campaign."""
        names = sorted({s.county for s in self.schools if s.county})
        out = []
        for name in names:
            totals = self.group_totals([s for s in self.schools if s.county == name])
            targets = [c.target for c in totals if c.target]
            total = Cell("all", sum(targets) if targets else None, sum(c.count for c in totals))
            out.append((name, total, totals))
        out.sort(key=lambda r: (r[1].completion if r[1].completion is not None else 2, r[0]))
        return out

    @property
    def total(self) -> Cell:
        totals = self.group_totals()
        targets = [c.target for c in totals if c.target]
        return Cell("all", sum(targets) if targets else None, sum(c.count for c in totals))

    def as_rows(self) -> list[dict]:
        """Flat rows for JSON and Excel."""
        return [
            {
                "school_code": s.code,
                "school_name": s.name,
                "county": s.county or None,
                "group": g,
                "group_name": GROUPS.get(g, g),
                "target": s.cells[g].target,
                "responses": s.cells[g].count,
                "completion": (
                    round(s.cells[g].completion, 4) if s.cells[g].completion is not None else None
                ),
            }
            for s in self.schools
            for g in self.groups
        ]


def campaign_progress(campaign: Campaign, school_ids: list[int] | None = None) -> Progress:
    """Per school × group targets and counts; lagging schools first.

    Cost grows with schools × groups × hours of tallies, not with responses.
    """
    school_q = sa.select(School).where(School.campaign_id == campaign.id)
    tally_q = (
        sa.select(ResponseTally.school_id, ResponseTally.group, sa.func.sum(ResponseTally.n))
        .where(ResponseTally.campaign_id == campaign.id)
        .group_by(ResponseTally.school_id, ResponseTally.group)
    )
    link_q = sa.select(Link.school_id, Link.group, Link.target).where(
        Link.campaign_id == campaign.id, Link.class_id.is_(None)
    )
    if school_ids is not None:
        school_q = school_q.where(School.id.in_(school_ids))
        tally_q = tally_q.where(ResponseTally.school_id.in_(school_ids))
        link_q = link_q.where(Link.school_id.in_(school_ids))
    counts = {(s, g): int(n) for s, g, n in db.session.execute(tally_q)}
    targets = {(s, g): t for s, g, t in db.session.execute(link_q)}
    groups = list(campaign.groups)
    schools = []
    for school in db.session.scalars(school_q.options(joinedload(School.county))):
        sp = SchoolProgress(
            school.id,
            school.code,
            school.name,
            school.stage_label,
            school.location_label,
            county=school.county.name if school.county_id else "",
        )
        for g in groups:
            sp.cells[g] = Cell(g, targets.get((school.id, g)), counts.get((school.id, g), 0))
        schools.append(sp)
    schools.sort(key=lambda s: (s.county, s.completion if s.completion is not None else 2, s.code))
    return Progress(campaign, groups, schools)


def hourly_counts(
    campaign: Campaign,
    school_ids: list[int] | None = None,
    hours: int = 48,
    now: datetime | None = None,
) -> list[tuple[datetime, int]]:
    """Responses per hour over the last ``hours`` hours (UTC hour starts), zeros included."""
    end = hour_of(now or utcnow())
    start = end - timedelta(hours=hours - 1)
    q = (
        sa.select(ResponseTally.hour, sa.func.sum(ResponseTally.n))
        .where(ResponseTally.campaign_id == campaign.id, ResponseTally.hour >= start)
        .group_by(ResponseTally.hour)
    )
    if school_ids is not None:
        q = q.where(ResponseTally.school_id.in_(school_ids))
    found = {h: int(n) for h, n in db.session.execute(q)}
    return [
        (start + timedelta(hours=i), found.get(start + timedelta(hours=i), 0)) for i in range(hours)
    ]
