"""Campaign set-up: creation, schools, links and lookups shared by the CLI and the console."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from questionnaires import GROUPS, Questionnaire, Registry
from questionnaires.model import BASE_LANGUAGE, LANGUAGES

from ..core.database import db
from ..core.parsing import whole_number
from ..core.timeutil import to_local, utcnow
from ..models import (
    CLASS_GROUPS,
    COUNTY_GROUPS,
    COUNTY_WIDE,
    AccessCode,
    Campaign,
    County,
    EntryBatch,
    Link,
    PaperNumbers,
    ResponseTally,
    School,
    SchoolClass,
)
from ..models.campaign import COUNTY_WIDE_LABEL


def registry() -> Registry:
    """The questionnaire registry: the shipped definitions, and those imported at run time
    (looked for at most every definitions.REFRESH_SECONDS)."""
    from .definitions import refresh

    found = current_app.extensions["questionnaires"]
    refresh(found)
    return found


def group_forms(campaign: Campaign) -> dict[str, Questionnaire]:
    """Each of the campaign's groups and the questionnaire it answers."""
    found = registry()
    return {g: found.get(campaign.forms[g]) for g in campaign.groups}


def get_or_create_county(name: str, code: str | None = None) -> County:
    county = db.session.scalar(sa.select(County).where(County.name == name))
    if county is None:
        county = County(name=name, code=code)
        db.session.add(county)
        db.session.flush()
    return county


def county_has_school(county: County, school_code: str) -> bool:
    """Whether any campaign of the county lists a school with this code."""
    return (
        db.session.scalar(
            sa.select(School.id)
            .join(Campaign, School.campaign_id == Campaign.id)
            .where(Campaign.county_id == county.id, School.code == school_code.strip())
            .limit(1)
        )
        is not None
    )


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40] or "campaign"


def round_slug(county: County, year: int) -> str:
    """A short name that says what the campaign is: the county in pinyin, the year and the
    county's round in that year (示例县, 2026, second round -> shilixian-2026-2)."""
    from pypinyin import lazy_pinyin

    place = slugify("".join(lazy_pinyin(county.name)))
    prefix = f"{place if place != 'campaign' else 'county'}-{year}-"
    taken = db.session.scalars(sa.select(Campaign.slug).where(Campaign.slug.like(prefix + "%")))
    rounds = [whole_number(s[len(prefix) :]) or 0 for s in taken]
    return f"{prefix}{max(rounds, default=0) + 1}"


def unique_slug(base: str) -> str:
    slug, n = slugify(base), 1
    while db.session.scalar(sa.select(Campaign.id).where(Campaign.slug == slug)) is not None:
        n += 1
        slug = f"{slugify(base)}-{n}"
    return slug


def create_campaign(
    county: County,
    name: str,
    *,
    slug: str | None = None,
    layout: str = "six_forms",
    groups: Iterable[str] | None = None,
    link_mode: str = "open",
    threshold: float = 0.85,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    county_links: bool = False,
) -> Campaign:
    """Make a campaign; its forms are fixed from the layout now. county_links: deputies and
    the public answer through a county-wide link, not through schools."""
    lay = registry().layouts.get(layout)
    if lay is None:
        raise ValueError(f"unknown layout {layout!r}")
    groups = [g for g in (groups or GROUPS) if g in lay.forms]
    if not groups:
        raise ValueError("a campaign needs at least one group its layout serves")
    campaign = Campaign(
        county=county,
        name=name,
        slug=unique_slug(slug or round_slug(county, to_local(opens_at or utcnow()).year)),
        layout=layout,
        forms={g: lay.forms[g] for g in groups},
        groups=groups,
        link_mode=link_mode,
        threshold=threshold,
        opens_at=opens_at,
        closes_at=closes_at,
        status="draft",
        county_links=county_links,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


@dataclass
class CampaignEdit:
    """What the campaign form sets (times as naive UTC)."""

    name: str
    layout: str
    groups: list[str]
    link_mode: str
    threshold: float
    opens_at: datetime | None
    closes_at: datetime | None
    county_links: bool = False  #: deputies and the public through county-wide links
    languages: list[str] = field(default_factory=lambda: ["zh-Hans"])  #: offered on the pages
    analysis: dict = field(default_factory=dict)  #: ANALYSIS_FIELDS -> value
    notice: dict = field(default_factory=dict)  #: NOTICE_FIELDS -> value
    share_up: bool = False  #: the levels above may read it
    assessed_see_progress: bool = False  #: the assessed counties follow their own progress


#: the analysis settings of a campaign the form may change at any time
ANALYSIS_FIELDS = (
    "method",
    "group_weights",
    "poststratify",
    "screen_rule",
    "min_cell",
    "min_verdict_n",
    "speed_floor",
)


#: what the printed notices and code slips take from a campaign (blank text: the default)
NOTICE_FIELDS = ("organiser", "contact", "purpose", "code_margin")


def apply_settings(campaign: Campaign, edit: CampaignEdit) -> None:
    """What the campaign form sets beside the round's frame: sharing, analysis, notices."""
    others = [c for c in LANGUAGES if c in edit.languages and c != BASE_LANGUAGE]
    campaign.languages = [BASE_LANGUAGE, *others]
    campaign.share_up = edit.share_up
    campaign.assessed_see_progress = edit.assessed_see_progress
    set_analysis(campaign, edit.analysis)
    set_notice(campaign, edit.notice)


def set_notice(campaign: Campaign, values: dict) -> None:
    for key in NOTICE_FIELDS:
        if key in values:
            value = values[key]
            if isinstance(value, str):
                setattr(campaign, key, value.strip() or None)
            elif value is not None:  # a number left out keeps what it was
                setattr(campaign, key, value)


class EditRefused(ValueError):
    """An edit the campaign no longer allows; the message is for the bureau (Chinese)."""


def update_campaign(campaign: Campaign, edit: CampaignEdit, has_answers: bool) -> list[str]:
    """Apply an edit; returns the changed fields' names. Once answers have arrived the layout
    and groups are fixed (EditRefused). New links are made for new groups; the caller audits
    and commits."""
    changes: dict = {
        "name": edit.name,
        "link_mode": edit.link_mode,
        "threshold": edit.threshold,
        "opens_at": edit.opens_at,
        "closes_at": edit.closes_at,
    }
    if not has_answers:
        layout = registry().layouts[edit.layout]
        groups = [g for g in GROUPS if g in edit.groups and g in layout.forms]
        changes.update(
            layout=edit.layout,
            groups=groups,
            forms={g: layout.forms[g] for g in groups},
            county_links=edit.county_links,
        )
    elif edit.layout != campaign.layout or set(edit.groups) != set(campaign.groups):
        raise EditRefused("已有答卷后不能更改问卷方案和群体")
    elif edit.county_links != campaign.county_links:
        raise EditRefused("已有答卷后不能更改人大代表、政协委员和社会公众的链接方式")
    relinked = changes.get("county_links", campaign.county_links) != campaign.county_links
    if relinked and has_paper(campaign, COUNTY_GROUPS):  # its sheets name the unit or school
        raise EditRefused("已为人大代表、政协委员或社会公众打印纸质问卷，不能再更改他们的链接方式")
    for key, value in changes.items():
        setattr(campaign, key, value)
    apply_settings(campaign, edit)
    if relinked:
        prune_links(campaign)
    ensure_links(campaign)
    return sorted(k for k in changes if k != "forms" and (k != "county_links" or relinked))


def has_paper(campaign: Campaign, groups: Iterable[str]) -> bool:
    """Whether paper sheets of these groups have been printed or typed in the campaign."""
    groups = list(groups)
    return any(
        db.session.scalar(
            sa.select(sa.exists().where(model.campaign_id == campaign.id, model.group.in_(groups)))
        )
        for model in (PaperNumbers, EntryBatch)
    )


def set_analysis(campaign: Campaign, values: dict) -> None:
    for key in ANALYSIS_FIELDS:
        if key in values:
            setattr(campaign, key, values[key])


def new_token() -> str:
    """An unguessable URL token (128 bits)."""
    return secrets.token_urlsafe(16)


def ensure_links(campaign: Campaign) -> int:
    """Give every school × group of the campaign a link, every class a link per class group,
    and, with county links, each county's unit a link per county group; return how many were
    made."""
    ensure_county_units(campaign)
    existing = {
        (school_id, class_id, group)
        for school_id, class_id, group in db.session.execute(
            sa.select(Link.school_id, Link.class_id, Link.group).where(
                Link.campaign_id == campaign.id
            )
        )
    }
    made = 0
    for school, school_class, group in wanted_links(campaign):
        key = (school.id, school_class.id if school_class else None, group)
        if key not in existing:
            db.session.add(
                Link(
                    campaign=campaign,
                    school=school,
                    school_class=school_class,
                    group=group,
                    token=new_token(),
                )
            )
            made += 1
    db.session.flush()
    return made


def wanted_links(campaign: Campaign) -> list[tuple[School, SchoolClass | None, str]]:
    """(school or unit, class or None, group) of every link the campaign should have."""
    county_groups = set(COUNTY_GROUPS) if campaign.county_links else set()
    out = []
    for school in campaign.schools:
        for group in campaign.groups:
            if school.county_wide != (group in county_groups):
                continue
            out.append((school, None, group))
            if group in CLASS_GROUPS:
                out.extend((school, c, group) for c in school.classes)
    return out


def county_unit_code(county: County | None) -> str:
    """The code of a county's unit: 全县, or 全县-<county> in a campaign over several."""
    return COUNTY_WIDE_LABEL if county is None else f"{COUNTY_WIDE_LABEL}-{county.name}"[:32]


def ensure_county_units(campaign: Campaign) -> None:
    """With county links, one unit per county of the campaign (its own county, or each
    assessed county that has schools in it)."""
    if not campaign.county_links or not set(COUNTY_GROUPS) & set(campaign.groups):
        return
    units = {s.county_id for s in campaign.schools if s.county_wide}
    if campaign.county.kind == "county":
        wanted = {None}
    else:
        wanted = {s.county_id for s in campaign.schools if not s.county_wide}
    for county_id in sorted(wanted - units, key=lambda c: c or 0):
        county = db.session.get(County, county_id) if county_id else None
        campaign.schools.append(
            School(
                code=county_unit_code(county),
                name=f"{(county or campaign.county).name}（全县，不分学校）",
                stage=COUNTY_WIDE,
                location=COUNTY_WIDE,
                enrolment=0,
                county_id=county_id,
            )
        )
    db.session.flush()


def prune_links(campaign: Campaign) -> None:
    """Drop the links (and units) a changed setting no longer wants; only before answers, so
    nothing answered is lost. The caller has checked there are no answers."""
    keep = {
        (school.id, school_class.id if school_class else None, group)
        for school, school_class, group in wanted_links(campaign)
    }
    links = db.session.scalars(sa.select(Link).where(Link.campaign_id == campaign.id)).all()
    for link in links:
        if (link.school_id, link.class_id, link.group) not in keep:
            db.session.execute(sa.delete(AccessCode).where(AccessCode.link_id == link.id))
            db.session.delete(link)
    db.session.flush()
    linked = {school.id for school, _, _ in wanted_links(campaign)}
    for school in list(campaign.schools):
        if school.county_wide and school.id not in linked:
            campaign.schools.remove(school)
    db.session.flush()


def link_with_context(*where) -> sa.Row | None:
    """One link with its school and campaign, in one query: (Link, School, Campaign) or None."""
    return db.session.execute(
        sa.select(Link, School, Campaign)
        .join(School, Link.school_id == School.id)
        .join(Campaign, Link.campaign_id == Campaign.id)
        .where(*where)
    ).first()


#: the largest id an INTEGER key column holds (PostgreSQL refuses larger numbers in a query)


def survey_path(token: str) -> str:
    """The respondent page of a link (the route is respondent.survey)."""
    return f"/s/{token}"


def find_campaign(ref: str | int) -> Campaign | None:
    """A campaign by id or slug."""
    ref = str(ref).strip()
    if "\x00" in ref:  # never a slug, and PostgreSQL refuses it in a query
        return None
    if (number := whole_number(ref)) is not None:
        found = db.session.get(Campaign, number)
        if found is not None:
            return found
    return db.session.scalar(sa.select(Campaign).where(Campaign.slug == ref))


def _newest_first(*where) -> list[Campaign]:
    return list(
        db.session.scalars(
            sa.select(Campaign)
            .where(*where)
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )


def shared_from_below(org_id: int) -> list[Campaign]:
    """Campaigns the bureaus under this one share upward, newest first."""
    from .orgs import below

    ids = below(org_id)
    return _newest_first(Campaign.county_id.in_(ids), Campaign.share_up) if ids else []


def assessing_campaigns(county_id: int) -> list[Campaign]:
    """Campaigns of the levels above that assess this county and let it follow its progress."""
    assessed = sa.select(School.campaign_id).where(School.county_id == county_id)
    return _newest_first(Campaign.assessed_see_progress, Campaign.id.in_(assessed))


def county_campaigns(county_id: int) -> list[Campaign]:
    """A county's campaigns, newest first."""
    return _newest_first(Campaign.county_id == county_id)


def response_counts() -> dict[int, int]:
    """Stored responses per campaign id, from the kept tallies (no scan of the answers)."""
    rows = db.session.execute(
        sa.select(ResponseTally.campaign_id, sa.func.sum(ResponseTally.n)).group_by(
            ResponseTally.campaign_id
        )
    )
    return {campaign_id: int(n) for campaign_id, n in rows}


@dataclass(frozen=True)
class LinkRow:
    school_code: str
    school_name: str
    group: str
    token: str
    url: str
    school_stage: str = ""
    class_label: str = ""  #: a class link's class (三年级2班)


def campaign_links(campaign: Campaign, base_url: str) -> list[LinkRow]:
    """Every link of a campaign with its absolute URL, by school then group order."""
    order = {g: i for i, g in enumerate(campaign.groups)}
    rows = db.session.execute(
        sa.select(Link, School)
        .join(School, Link.school_id == School.id)
        .where(Link.campaign_id == campaign.id)
    ).all()
    rows.sort(
        key=lambda r: (
            r.School.code,
            r.Link.school_class is not None,
            r.Link.class_label,
            order.get(r.Link.group, 99),
        )
    )
    base = base_url.rstrip("/")
    return [
        LinkRow(
            s.code,
            s.name,
            lnk.group,
            lnk.token,
            base + survey_path(lnk.token),
            s.stage,
            lnk.class_label,
        )
        for lnk, s in rows
    ]


#: letters and digits that cannot be misread on a printed slip (no 0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def generate_codes(link: Link, n: int, length: int = 8) -> list[str]:
    """Make n new one-time access codes for a link (unique across the database)."""
    made: list[str] = []
    while len(made) < n:
        batch = {
            "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
            for _ in range(n - len(made))
        }
        taken = set(
            db.session.scalars(sa.select(AccessCode.code).where(AccessCode.code.in_(batch)))
        )
        fresh = sorted(batch - taken - set(made))
        db.session.add_all(AccessCode(link_id=link.id, code=c) for c in fresh)
        made.extend(fresh)
    db.session.flush()
    return made


#: what a change of status says to the person who made it
STATUS_MESSAGES = {
    "open": "调查已开放，可以接收答卷。",
    "closed": "调查已关闭，不再接收答卷，已有数据全部保留。",
    "draft": "调查已退回准备状态。",
}


class StatusRefused(ValueError):
    """The campaign cannot take that status now (the message says why, in Chinese)."""


def set_status(campaign: Campaign, status: str) -> None:
    """Open, close or return a campaign to draft, audited; the caller commits. Every survey
    worker sees the change within CAMPAIGN_STATE_SECONDS (survey/respondent/links.py)."""
    from . import audit

    if status not in STATUS_MESSAGES:
        raise StatusRefused(f"未知的状态：{status}")
    if status == "open" and not campaign.schools_only:
        raise StatusRefused("请先导入学校再开放调查。")
    if status == "open" and campaign.purged_at is not None:
        raise StatusRefused("这次调查的答卷已清除，不能重新开放。")
    campaign.status = status
    audit.record(f"campaign.{status}", f"campaign {campaign.id}", county_id=campaign.county_id)
