"""A demo county with mixed schools, and simulated answers through the real storage path."""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from questionnaires import Questionnaire
from questionnaires.answers import visible_options

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import (
    AccessCode,
    AnalysisCache,
    Campaign,
    EntryBatch,
    EntrySheet,
    Link,
    PaperNumbers,
    PaperPrint,
    Response,
    ResponseTally,
    School,
    SchoolClass,
    User,
)
from .campaigns import create_campaign, ensure_links, get_or_create_county, registry
from .responses import build_row, store_batch

DEMO_SLUG = "demo-2026"
DEMO_COUNTY = "示例县"

#: code, name, stage, location, enrolment, teachers
DEMO_SCHOOLS = [
    ("4101010001", "示例县城关第一小学", "primary", "urban", 1860, 98),
    ("4101010002", "示例县城关第二小学", "primary", "urban", 1420, 76),
    ("4101010003", "示例县实验中学", "junior", "urban", 2050, 152),
    ("4101010004", "河东镇中心小学", "primary", "town", 880, 52),
    ("4101010005", "河东镇初级中学", "junior", "town", 730, 61),
    ("4101010006", "柳林乡九年一贯制学校", "nine_year", "rural", 430, 39),
    ("4101010007", "柳林乡中心小学", "primary", "rural", 310, 24),
    ("4101010008", "石门村小学", "primary", "rural", 64, 7),
]

#: share of respondents per group in the simulation (parents are the largest)
GROUP_SHARE = {
    "parent": 0.55,
    "student": 0.2,
    "teacher": 0.12,
    "principal": 0.02,
    "deputy": 0.03,
    "public": 0.08,
}

COMMENTS = [
    "希望学校多开展一些体育和兴趣活动。",
    "老师很负责，孩子很喜欢上学。",
    "上学路上的交通安全还需要加强。",
    "希望农村学校也能有更多好老师。",
    "作业量比以前少了，孩子睡眠时间够了。",
    "课后服务很好，解决了接孩子难的问题。",
    "食堂的饭菜可以再丰富一些。",
]


def ensure_demo_campaign() -> tuple[Campaign, bool]:
    """The demo campaign, made on first call; returns (campaign, created)."""
    found = db.session.scalar(sa.select(Campaign).where(Campaign.slug == DEMO_SLUG))
    if found is not None:
        return found, False
    county = get_or_create_county(DEMO_COUNTY, "410101")
    campaign = create_campaign(
        county,
        "2026年示例县义务教育优质均衡发展社会认可度调查",
        slug=DEMO_SLUG,
        closes_at=utcnow() + timedelta(days=30),
    )
    campaign.status = "open"
    campaign.opens_at = utcnow() - timedelta(hours=1)
    for code, name, stage, location, enrolment, teachers in DEMO_SCHOOLS:
        campaign.schools.append(
            School(
                code=code,
                name=name,
                stage=stage,
                location=location,
                enrolment=enrolment,
                teachers=teachers,
            )
        )
    db.session.flush()
    ensure_links(campaign)
    db.session.commit()
    return campaign, True


def _answer(item, options, mood: float, rng: random.Random) -> str:
    """One simulated answer: a respondent's mood (the chance of a recognised answer to this
    item) shifts the odds toward recognised options."""
    dont_know = [o for o in options if o.dont_know]
    if dont_know and rng.random() < 0.04:
        return dont_know[0].code
    valid = [o for o in options if not o.dont_know]
    recognised = [o for o in valid if o.recognised]
    if not item.scored:
        return rng.choice(valid).code
    if recognised and rng.random() < mood:
        return recognised[0 if rng.random() < 0.6 else -1].code
    others = [o for o in valid if not o.recognised] or valid
    return rng.choice(others).code


def simulate_answers(
    q: Questionnaire,
    mood: float,
    rng: random.Random,
    groups: frozenset[str] | None = None,
    stage: str | None = None,
    item_shift: dict[str, float] | None = None,
) -> dict[str, str]:
    """A simulated answer sheet, choosing only among the options offered (the groups', the
    school stage's); item_shift moves the mood for some items (a weak item: below zero)."""
    answers = {}
    for item in q.items:
        if item.identity:
            opts = [o for o in item.options if groups is None or o.group in groups]
            answers[item.code] = rng.choice(opts).code
        elif item.type == "single":
            shifted = min(0.995, max(0.05, mood + (item_shift or {}).get(item.code, 0.0)))
            options = visible_options(item, frozenset(), stage)
            answers[item.code] = _answer(item, options, shifted, rng)
        elif rng.random() < 0.15:
            answers[item.code] = rng.choice(COMMENTS)
    return answers


def simulate_responses(
    campaign: Campaign,
    n: int,
    seed: int | None = None,
    *,
    item_shift: dict[str, float] | None = None,
    ending: datetime | None = None,
    moods: dict[str, float] | None = None,
) -> int:
    """Store n simulated responses in one batch through the storage path (build_row,
    store_batch), submitted over the three days before `ending` (default now); committed;
    returns how many were stored."""
    rng = random.Random(seed)
    links = db.session.scalars(sa.select(Link).where(Link.campaign_id == campaign.id)).all()
    if not links:
        return 0
    schools = {s.id: s for s in campaign.schools}
    school_mood = {
        sid: (moods or {}).get(s.code) or rng.uniform(0.78, 0.97) for sid, s in schools.items()
    }
    by_group: dict[str, list[Link]] = {}
    for link in links:
        by_group.setdefault(link.group, []).append(link)
    groups = [g for g in campaign.groups if g in by_group]
    weights = [GROUP_SHARE.get(g, 0.05) for g in groups]
    now = ending or utcnow()
    rows = []
    for _ in range(n):
        group = rng.choices(groups, weights)[0]
        pool = by_group[group]
        link = rng.choices(pool, [max(schools[lk.school_id].enrolment, 20) for lk in pool])[0]
        q = registry().get(campaign.forms[group])
        forms_groups = frozenset(g for g, f in campaign.forms.items() if f == q.code)
        mood = min(0.995, max(0.4, rng.gauss(school_mood[link.school_id], 0.08)))
        duration = max(20.0, rng.lognormvariate(5.2, 0.45))
        submitted = now - timedelta(minutes=rng.uniform(0, 60 * 24 * 3))
        rows.append(
            build_row(
                link=link,
                questionnaire=q,
                answers=simulate_answers(
                    q, mood, rng, forms_groups, schools[link.school_id].stage, item_shift
                ),
                submission_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                started_at=submitted - timedelta(seconds=duration),
                submitted_at=submitted,
                network=f"demo{rng.getrandbits(40):010x}",
            )
        )
    stored = store_batch(rows) if rows else 0
    db.session.commit()
    return stored


DEMO_ACCOUNTS = (("demo-admin", "admin"), ("demo-coord", "coordinator"))


def _demo_password() -> str:
    """A random password that meets the policy (upper, lower, digits, a symbol)."""
    return f"Demo-{secrets.token_hex(4)}-{secrets.token_urlsafe(6)}9a"


def ensure_demo_accounts(campaign: Campaign) -> list[tuple[str, str, str]]:
    """An admin and a coordinator (of the first school) of the demo county with new random
    passwords; returns (name, role, password) to print once."""
    made = []
    first_school = min(s.code for s in campaign.schools)
    for name, role in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.username == name))
        if user is None:
            user = User(username=name, role=role, county_id=campaign.county_id)
            db.session.add(user)
        user.school_code = first_school if role == "coordinator" else None
        password = _demo_password()
        user.set_password(password)
        user.must_change_password = False
        made.append((name, role, password))
    db.session.commit()
    return made


def reset_demo() -> int:
    """Remove the demo campaign (its staff accounts stay: the audit log refers to them);
    returns how many answers went."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == DEMO_SLUG))
    if campaign is None:
        return 0
    removed = delete_campaign(campaign)
    db.session.commit()
    return removed


def delete_campaign(campaign: Campaign) -> int:
    """Remove a demo campaign with its schools, classes, links, codes, answers, tallies and
    kept analyses; returns how many answers went. The caller commits."""
    cid = campaign.id
    removed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Response).where(Response.campaign_id == cid)
    )
    links = sa.select(Link.id).where(Link.campaign_id == cid)
    db.session.execute(sa.delete(ResponseTally).where(ResponseTally.campaign_id == cid))
    db.session.execute(sa.delete(Response).where(Response.campaign_id == cid))
    batches = sa.select(EntryBatch.id).where(EntryBatch.campaign_id == cid)
    db.session.execute(sa.delete(EntrySheet).where(EntrySheet.batch_id.in_(batches)))
    db.session.execute(sa.delete(EntryBatch).where(EntryBatch.campaign_id == cid))
    db.session.execute(sa.delete(PaperNumbers).where(PaperNumbers.campaign_id == cid))
    db.session.execute(sa.delete(PaperPrint).where(PaperPrint.campaign_id == cid))
    db.session.execute(sa.delete(AccessCode).where(AccessCode.link_id.in_(links)))
    db.session.execute(sa.delete(Link).where(Link.campaign_id == cid))
    schools = sa.select(School.id).where(School.campaign_id == cid)
    db.session.execute(sa.delete(SchoolClass).where(SchoolClass.school_id.in_(schools)))
    db.session.execute(sa.delete(School).where(School.campaign_id == cid))
    db.session.execute(sa.delete(AnalysisCache).where(AnalysisCache.campaign_id == cid))
    db.session.execute(sa.delete(Campaign).where(Campaign.id == cid))
    return removed
