"""A demo city with three counties: each county's rehearsal and self-assessment with answers
(weak items that improve between them, one that worsens), shared with the city, and the city's
review across the three counties, with county-wide links and accounts at every level."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from pypinyin import lazy_pinyin

from questionnaires import Questionnaire

from ..core.database import db
from ..core.timeutil import utcnow
from ..importing.schools import SCHOOL_FIELDS, upsert_schools
from ..models import Campaign, Link, Org, User
from .campaigns import county_unit_code, create_campaign, registry, slugify
from .demo import GROUP_SHARE, delete_campaign, simulate_responses
from .orgs import create_org, find_org

CITY = "示例市"
#: name, division code
COUNTIES = (("东城县", "410201"), ("西山县", "410202"), ("南河县", "410203"))
#: name after the county, stage, location, enrolment, teachers
SCHOOLS = (
    ("城关第一小学", "primary", "urban", 1500, 80),
    ("城关第二小学", "primary", "urban", 1100, 62),
    ("实验中学", "junior", "urban", 1800, 130),
    ("镇中心小学", "primary", "town", 700, 45),
    ("镇初级中学", "junior", "town", 650, 52),
    ("乡九年一贯制学校", "nine_year", "rural", 380, 35),
)
SLUG_PREFIX = "city-demo-"
#: a weak item's answers: this much less likely to be recognised than the respondent's mood
WEAK = -0.3


@dataclass
class CityDemo:
    city: Org
    campaigns: list[Campaign] = field(default_factory=list)
    review: Campaign | None = None
    #: (campaign A, campaign B) of each county: rehearsal then self-assessment
    rounds: list[tuple[Campaign, Campaign]] = field(default_factory=list)
    #: item codes weak in the rehearsal that improve, and the one that worsens
    improved: list[str] = field(default_factory=list)
    worsened: list[str] = field(default_factory=list)


def weak_items(q: Questionnaire) -> tuple[list[str], str]:
    """The items a questionnaire's demo makes weak in the rehearsal (the second and third
    scored items) and the one that worsens in the self-assessment (the last but one)."""
    scored = [i.code for i in q.items if i.type == "single" and i.scored and not i.identity]
    return scored[1:3], scored[-2]


def _shifts(campaign: Campaign, rehearsal: bool) -> tuple[dict[str, float], list, list]:
    shift: dict[str, float] = {}
    improved, worsened = [], []
    for code in sorted(set(campaign.forms.values())):
        better, worse = weak_items(registry().get(code))
        improved += better
        worsened.append(worse)
        for item in better if rehearsal else [worse]:
            shift[item] = WEAK
    return shift, improved, worsened


def find_city_demo() -> list[Campaign]:
    return list(
        db.session.scalars(
            sa.select(Campaign).where(Campaign.slug.like(SLUG_PREFIX + "%")).order_by(Campaign.id)
        )
    )


def reset_city_demo() -> int:
    """Remove the city demo's campaigns (organisations and accounts stay); answers removed."""
    removed = sum(delete_campaign(c) for c in find_city_demo())
    db.session.commit()
    return removed


def _org(kind: str, name: str, parent: str | None, code: str | None = None) -> Org:
    found = find_org(name)
    if found is None:
        found = create_org(kind, name, parent)
        found.code = code
        db.session.flush()
    return found


def _targets(campaign: Campaign, responses: int) -> None:
    """Each link's target: its group's share of the responses, split among the group's links
    by enrolment (deputies and the public among the county units)."""
    links = db.session.scalars(
        sa.select(Link).where(Link.campaign_id == campaign.id, Link.class_id.is_(None))
    ).all()
    for group in campaign.groups:
        mine = [lk for lk in links if lk.group == group]
        weights = [max(lk.school.enrolment, 300) for lk in mine]
        for link, weight in zip(mine, weights, strict=True):
            share = GROUP_SHARE.get(group, 0.05) * responses * weight / sum(weights)
            link.target = max(1, math.ceil(share * 0.9))


def ensure_city_demo(responses: int = 900, seed: int | None = None) -> tuple[CityDemo, bool]:
    """The city demo, made on first call with `responses` answers per campaign; returns
    (demo, created). A second call finds what the first made."""
    found = find_city_demo()
    city = _org("city", CITY, None, "410200")
    demo = CityDemo(city)
    if found:
        demo.campaigns = found
        demo.review = next((c for c in found if c.county_id == city.id), None)
        own = [c for c in found if c.county_id != city.id]
        demo.rounds = [tuple(own[i : i + 2]) for i in range(0, len(own), 2)]  # type: ignore[misc]
        return demo, False
    now = utcnow()
    windows = {
        "rehearsal": (now - timedelta(days=160), now - timedelta(days=150)),
        "self": (now - timedelta(days=20), now - timedelta(days=10)),
    }
    review_schools = []
    for i, (name, code) in enumerate(COUNTIES):
        county = _org("county", name, CITY, code)
        # a county's schools keep their standing between rounds: only the weak items move
        rng = random.Random(None if seed is None else seed * 100 + i)
        moods = {f"{code}{k + 1:04d}": rng.uniform(0.88, 0.97) for k in range(len(SCHOOLS))}
        moods[county_unit_code(None)] = rng.uniform(0.88, 0.97)
        pair = []
        for kind, label in (("rehearsal", "调查（预演）"), ("self", "自评")):
            opens, closes = windows[kind]
            campaign = create_campaign(
                county,
                f"2026年{name}义务教育优质均衡发展社会认可度{label}",
                slug=f"{SLUG_PREFIX}{slugify(''.join(lazy_pinyin(name)))}-{kind}",
                opens_at=opens,
                closes_at=closes,
                county_links=True,
            )
            campaign.status = "closed"
            campaign.share_up = True
            upsert_schools(
                campaign,
                [
                    {
                        "code": f"{code}{k + 1:04d}",
                        "name": f"{name}{school}",
                        "stage": stage,
                        "location": location,
                        "enrolment": enrolment,
                        "teachers": teachers,
                    }
                    for k, (school, stage, location, enrolment, teachers) in enumerate(SCHOOLS)
                ],
            )
            _targets(campaign, responses)
            shift, demo.improved, demo.worsened = _shifts(campaign, kind == "rehearsal")
            simulate_responses(
                campaign,
                responses,
                None if seed is None else seed * 10 + i * 2 + len(pair),
                item_shift=shift,
                ending=closes,
                moods=moods,
            )
            pair.append(campaign)
        demo.rounds.append((pair[0], pair[1]))
        review_schools += [(county, s) for s in pair[1].schools_only]
    review = create_campaign(
        city,
        f"2026年{CITY}义务教育优质均衡发展市级复核社会认可度调查",
        slug=f"{SLUG_PREFIX}review",
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=5),
        county_links=True,
    )
    review.status = "open"
    review.assessed_see_progress = True
    upsert_schools(
        review,
        [
            {**{f: getattr(s, f) for f in SCHOOL_FIELDS}, "county_id": county.id}
            for county, s in review_schools
        ],
    )
    _targets(review, responses)
    simulate_responses(review, responses, None if seed is None else seed * 10 + 9)
    demo.review = review
    demo.campaigns = [c for pair in demo.rounds for c in pair] + [review]
    db.session.commit()
    return demo, True


def _password() -> str:
    return f"City-{secrets.token_hex(4)}-{secrets.token_urlsafe(6)}9a"


def ensure_city_accounts(demo: CityDemo) -> list[tuple[str, str, str, str]]:
    """An admin and an analyst of the city, an admin of each county, with new random
    passwords; (name, role, organisation, password) to print once."""
    wanted = [("demo-city-admin", "admin", demo.city), ("demo-city-analyst", "analyst", demo.city)]
    for name, _ in COUNTIES:
        county = find_org(name)
        wanted.append((f"demo-{slugify(''.join(lazy_pinyin(name)))}-admin", "admin", county))
    made = []
    for username, role, org in wanted:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = User(username=username, role=role, county_id=org.id)
            db.session.add(user)
        password = _password()
        user.set_password(password)
        user.must_change_password = False
        made.append((username, role, org.name, password))
    db.session.commit()
    return made
