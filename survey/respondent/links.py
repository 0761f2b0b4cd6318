"""The link behind a survey token, with its school and campaign, kept a few seconds per process.

Every page view and submission starts by resolving a link token. At the evening peak thousands
of phones hit the same few hundred links, so the link, its school and its campaign are kept as
small frozen snapshots (never live ORM objects) for LINK_CACHE_SECONDS. An edit to a campaign,
school or link made by this process drops the cache at once; other processes see it within the
TTL. Whether a campaign takes answers is fresher: each process reads every campaign's status and
window in one small query at most once every CAMPAIGN_STATE_SECONDS (0.5 s), whatever the traffic,
so closing, re-opening or purging reaches every worker and host within a second.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, abort, current_app, has_app_context
from sqlalchemy.orm import Session

from questionnaires import GROUPS, Questionnaire

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import Campaign, Link, School
from ..services.campaigns import link_with_context, registry


@dataclass(frozen=True)
class LinkInfo:
    id: int
    token: str
    group: str
    campaign_id: int
    school_id: int
    class_id: int | None


@dataclass(frozen=True)
class SchoolInfo:
    id: int
    name: str  #: with the class where the link is a class's (青山小学 三年级2班)
    stage: str  #: limits options offered only at some stages (a 小学 offers no 七年级)


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    name: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    link_mode: str
    forms: dict
    groups: tuple[str, ...]
    languages: tuple[str, ...] = ("zh-Hans",)  #: offered on the pages

    def state(self, now: datetime | None = None) -> str:
        """'draft', 'scheduled', 'open' or 'closed' (as Campaign.state)."""
        return Campaign.state(self, now or utcnow())  # type: ignore[arg-type]


@dataclass(frozen=True)
class LinkContext:
    """A link as a respondent meets it: school, campaign and the questionnaire to answer."""

    link: LinkInfo
    school: SchoolInfo
    campaign: CampaignInfo
    questionnaire: Questionnaire

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this page offers: the campaign's that its questionnaire speaks."""
        spoken = self.questionnaire.languages
        return tuple(c for c in self.campaign.languages if c in spoken) or ("zh-Hans",)

    @property
    def code_mode(self) -> bool:
        return self.campaign.link_mode == "code"

    @property
    def groups(self) -> frozenset[str]:
        """The campaign's groups served by this questionnaire (identity item options)."""
        forms = self.campaign.forms
        return frozenset(g for g in self.campaign.groups if forms.get(g) == self.questionnaire.code)

    @property
    def group_label(self) -> str:
        """The link's group as respondents read it (家长, 学生…)."""
        return GROUPS.get(self.link.group, self.link.group)

    @property
    def cookie_name(self) -> str:
        return f"sv{self.link.id}"


Snapshot = tuple[LinkInfo, SchoolInfo, CampaignInfo]
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")


class LinkCache:
    """Token -> snapshot, each kept for `ttl` seconds (0 turns caching off)."""

    def __init__(self, ttl: float, size: int = 20000):
        self.ttl, self.size = ttl, size
        self._rows: dict[str, tuple[float, Snapshot | None]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> tuple[bool, Snapshot | None]:
        hit = self._rows.get(token)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, token: str, snapshot: Snapshot | None) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._rows) >= self.size:
                self._rows.clear()
            self._rows[token] = (time.monotonic() + self.ttl, snapshot)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


#: campaign id -> (status, opens_at, closes_at) as stored; a purged campaign reads as closed
States = dict[int, tuple[str, datetime | None, datetime | None]]


class CampaignStates:
    """Every campaign's status and window, read in one query at most once per `interval`."""

    def __init__(self, interval: float):
        self.interval = interval
        self._states: States = {}
        self._expires = 0.0
        self._lock = threading.Lock()

    def get(self, read) -> States:
        """The states, read again through `read()` when older than the interval (one reader
        at a time; the others keep using the states they have)."""
        if time.monotonic() >= self._expires and self._lock.acquire(blocking=not self._states):
            try:
                if time.monotonic() >= self._expires:
                    self._states = read()
                    self._expires = time.monotonic() + self.interval
            finally:
                self._lock.release()
        return self._states

    def clear(self) -> None:
        self._expires = 0.0


def _read_states() -> States:
    c = Campaign.__table__.c
    with db.engine.connect() as conn:  # its own short read: the request's session stays unused
        rows = conn.execute(sa.select(c.id, c.status, c.opens_at, c.closes_at, c.purged_at)).all()
    return {
        cid: ("closed" if purged is not None else status, opens, closes)
        for cid, status, opens, closes, purged in rows
    }


def _current(campaign: CampaignInfo) -> CampaignInfo:
    """The cached campaign with its status and window as they are now (within the interval)."""
    fresh = caches().states.get(_read_states).get(campaign.id)
    if fresh is None or fresh == (campaign.status, campaign.opens_at, campaign.closes_at):
        return campaign
    return replace(campaign, status=fresh[0], opens_at=fresh[1], closes_at=fresh[2])


def _snapshot(token: str) -> Snapshot | None:
    row = link_with_context(Link.token == token)
    if row is None:
        return None
    link, school, campaign = row
    return (
        LinkInfo(link.id, link.token, link.group, link.campaign_id, link.school_id, link.class_id),
        SchoolInfo(
            school.id,
            link.place,
            school.stage,
        ),
        CampaignInfo(
            campaign.id,
            campaign.name,
            campaign.status,
            campaign.opens_at,
            campaign.closes_at,
            campaign.link_mode,
            dict(campaign.forms or {}),
            tuple(campaign.groups or ()),
            tuple(campaign.languages or ("zh-Hans",)),
        ),
    )


@dataclass(frozen=True)
class Caches:
    """A process's cached links and campaign states (shared by both apps of one process, so
    an edit in the console is seen by the survey pages at once)."""

    links: LinkCache
    states: CampaignStates

    def clear(self) -> None:
        self.links.clear()
        self.states.clear()


def caches() -> Caches:
    return caches_of(current_app)


def caches_of(app: Flask) -> Caches:
    return app.extensions["survey_links"]


def load_link(token: str, version: int | None = None) -> LinkContext:
    """The link behind a token with its school, campaign and questionnaire, or 404."""
    if not _TOKEN.fullmatch(token):  # tokens are URL-safe base64 (campaigns.new_token)
        abort(404)
    links = caches().links
    found, snap = links.get(token)
    if not found:
        snap = _snapshot(token)
        links.put(token, snap)
    if snap is None:
        abort(404)
    link, school, campaign = snap
    campaign = _current(campaign)
    code = campaign.forms.get(link.group)
    forms = registry()
    q = forms.get(code, version) or forms.get(code)
    if q is None:
        abort(404)
    return LinkContext(link, school, campaign, q)


def _drop_on_edit(session: Session, _context) -> None:
    """An edit to a campaign, school or link made here is seen here at once."""
    if not has_app_context() or "survey_links" not in current_app.extensions:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Campaign | School | Link):
            caches().clear()
            return


def init_app(app: Flask, shared: Caches | None = None) -> Caches:
    """Give the app its caches (LINK_CACHE_SECONDS, CAMPAIGN_STATE_SECONDS), or `shared`
    ones of another app of this process."""
    app.extensions["survey_links"] = shared or Caches(
        LinkCache(app.config["LINK_CACHE_SECONDS"]),
        CampaignStates(app.config["CAMPAIGN_STATE_SECONDS"]),
    )
    if not sa.event.contains(Session, "after_flush", _drop_on_edit):
        sa.event.listen(Session, "after_flush", _drop_on_edit)
    return app.extensions["survey_links"]
