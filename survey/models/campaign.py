"""Counties, their survey campaigns, schools, links and one-time access codes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import db
from ..core.timeutil import utcnow

#: School stages: stored code -> label shown and accepted on import.
STAGES = {
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制",
    "twelve_year": "十二年一贯制",
}
#: Urban/town/rural location of a school.
LOCATIONS = {"urban": "城区", "town": "镇区", "rural": "乡村"}
LINK_MODES = {"open": "公开链接", "code": "一次性答题码"}
#: the stage and location of a county-wide unit: the "school" whose links reach deputies, CPPCC
#: members and the public, who belong to no school (one per county of a campaign)
COUNTY_WIDE = "county"
COUNTY_WIDE_LABEL = "全县"
#: groups whose links are county-wide when a campaign has county links
COUNTY_GROUPS = ("deputy", "public")
#: groups that get a link per class where a school lists its classes
CLASS_GROUPS = ("student", "parent")
STATUSES = ("draft", "open", "closed")
#: what a notice says of the survey's purpose when the campaign names none
DEFAULT_PURPOSE = (
    "为了解社会各界对本县义务教育优质均衡发展工作的认可程度，听取您的意见和建议，"
    "特开展本次问卷调查。问卷不记名，您的回答仅用于统计分析。"
)


#: levels of the assessment's tree, top down (a county bureau runs schools' surveys; a city
#: reviews its counties; a province assesses its cities' counties)
ORG_KINDS = {"province": "省级", "city": "市级", "county": "县级"}
#: the kind an organisation's parent must be
PARENT_KIND = {"county": "city", "city": "province"}


class County(db.Model):
    """An education bureau in the assessment's tree: a province, a city or a county (district),
    each with its accounts and campaigns. (Named for the level it began with; `kind` says
    which level a row is. Org is the same class.)"""

    __table_args__ = (
        sa.CheckConstraint("kind IN ('province', 'city', 'county')", name="org_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 沁县, 长治市, 山西省
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: administrative division code, optional
    code: Mapped[str | None] = mapped_column(sa.String(12))
    #: key of ORG_KINDS
    kind: Mapped[str] = mapped_column(sa.String(10), default="county", server_default="county")
    #: the level above (a county's city, a city's province); None at the top
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("county.id"), index=True)

    campaigns: Mapped[list[Campaign]] = relationship(back_populates="county")
    parent: Mapped[County | None] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return ORG_KINDS.get(self.kind, self.kind)


Org = County


class Campaign(db.Model):
    """One survey round of a county."""

    __table_args__ = (
        sa.CheckConstraint("threshold > 0 AND threshold <= 1", name="threshold_range"),
        sa.CheckConstraint("link_mode IN ('open', 'code')", name="link_mode_known"),
        sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
        sa.CheckConstraint("screen_rule IN ('strong', 'none', 'any')", name="screen_rule_known"),
        sa.CheckConstraint("min_verdict_n >= 1", name="min_verdict_n_positive"),
        sa.CheckConstraint("code_margin >= 0 AND code_margin <= 200", name="code_margin_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("county.id"), index=True)
    #: stable short name used in URLs and the CLI
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: layout code from questionnaires/layouts.json
    layout: Mapped[str] = mapped_column(sa.String(40))
    #: group code -> questionnaire code, fixed when the campaign is made
    forms: Mapped[dict] = mapped_column(sa.JSON)
    #: the groups this campaign surveys, in display order
    groups: Mapped[list] = mapped_column(sa.JSON)
    #: 'draft' (set-up), 'open' (takes answers within the window), 'closed'
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    #: 'open' links anyone can answer once per browser, or 'code' one-time codes
    link_mode: Mapped[str] = mapped_column(sa.String(8), default="open")
    threshold: Mapped[float] = mapped_column(default=0.85)
    #: recognition-rate method (see analysis.breakdowns.METHODS)
    method: Mapped[str] = mapped_column(sa.String(20), default="positive_share")
    #: optional group weights for a weighted county figure, e.g. {"parent": 0.4, ...}
    group_weights: Mapped[dict | None] = mapped_column(sa.JSON)
    #: weight student and parent answers to school enrolment
    poststratify: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: which flagged responses the headline leaves out (analysis.quality.RULES)
    screen_rule: Mapped[str] = mapped_column(
        sa.String(12), default="strong", server_default="strong"
    )
    #: breakdowns with fewer respondents show their count but no rate or comments
    min_cell: Mapped[int] = mapped_column(default=5, server_default="5")
    #: groups with fewer respondents (or fewer than their target) get no verdict
    min_verdict_n: Mapped[int] = mapped_column(default=10, server_default="10")
    #: answers faster than this many seconds are flagged as speeders
    speed_floor: Mapped[float] = mapped_column(default=30.0, server_default="30")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when the individual answers were removed (survey/services/purge.py); tallies stay
    purged_at: Mapped[datetime | None]
    #: the analysis document as it stood just before the purge
    final_report: Mapped[dict | None] = mapped_column(sa.JSON)
    #: who runs the survey, as the notices name it (blank: the county's education bureau)
    organiser: Mapped[str | None] = mapped_column(sa.String(120))
    #: the contact line printed on notices, e.g. 县教育局督导室 0355-1234567
    contact: Mapped[str | None] = mapped_column(sa.String(200))
    #: why the survey is run, as the notices say it (blank: DEFAULT_PURPOSE)
    purpose: Mapped[str | None] = mapped_column(sa.Text)
    #: one-time codes made per link: its target plus this percentage, for spoilt slips
    code_margin: Mapped[int] = mapped_column(default=20, server_default="20")
    #: the levels above the owner (city, province) may see this campaign, read-only
    share_up: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: a city's or province's campaign over counties: the assessed counties' accounts and
    #: their schools' coordinators may follow their own progress (counts, never answers)
    assessed_see_progress: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: deputies, CPPCC members and the public answer through one link per county (a county-wide
    #: unit), not through a school's links
    county_links: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the languages the survey pages offer (questionnaires.model.LANGUAGES codes), zh-Hans first
    languages: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: ["zh-Hans"], server_default=sa.text("'[\"zh-Hans\"]'")
    )

    county: Mapped[County] = relationship(back_populates="campaigns")
    schools: Mapped[list[School]] = relationship(
        back_populates="campaign", order_by="School.code", cascade="all, delete-orphan"
    )

    @property
    def schools_only(self) -> list[School]:
        """The schools, without the county-wide units of deputies and the public."""
        return [s for s in self.schools if not s.county_wide]

    @property
    def organiser_name(self) -> str:
        return self.organiser or f"{self.county.name}教育局"

    @property
    def purpose_text(self) -> str:
        return self.purpose or DEFAULT_PURPOSE

    def state(self, now: datetime | None = None) -> str:
        """'draft', 'scheduled' (open but before its window), 'open' or 'closed'."""
        now = now or utcnow()
        if self.status != "open":
            return self.status
        if self.opens_at and now < self.opens_at:
            return "scheduled"
        if self.closes_at and now >= self.closes_at:
            return "closed"
        return "open"


class School(db.Model):
    """A school taking part in a campaign."""

    __table_args__ = (sa.UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    #: the bureau's school code (e.g. the 10-digit national school identifier)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: key of STAGES
    stage: Mapped[str] = mapped_column(sa.String(12))
    #: key of LOCATIONS
    location: Mapped[str] = mapped_column(sa.String(8))
    #: pupils enrolled (for weighting and sample sizes)
    enrolment: Mapped[int] = mapped_column(default=0)
    teachers: Mapped[int | None]
    #: in a city's or province's campaign, the assessed county the school belongs to (None in
    #: a county's own campaign: the campaign's county)
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("county.id"), index=True)

    campaign: Mapped[Campaign] = relationship(back_populates="schools")
    county: Mapped[County | None] = relationship()
    links: Mapped[list[Link]] = relationship(back_populates="school", cascade="all, delete-orphan")
    classes: Mapped[list[SchoolClass]] = relationship(
        back_populates="school",
        order_by="(SchoolClass.grade, SchoolClass.name)",
        cascade="all, delete-orphan",
    )

    @property
    def county_wide(self) -> bool:
        """The county-wide unit (deputies, the public), not a school."""
        return self.stage == COUNTY_WIDE

    @property
    def stage_label(self) -> str:
        return COUNTY_WIDE_LABEL if self.county_wide else STAGES.get(self.stage, self.stage)

    @property
    def location_label(self) -> str:
        if self.location == COUNTY_WIDE:
            return COUNTY_WIDE_LABEL
        return LOCATIONS.get(self.location, self.location)


class SchoolClass(db.Model):
    """A class (年级 + 班级) of a school: its parents and pupils get links of their own, so a
    head teacher can follow and chase the class."""

    __tablename__ = "school_class"
    __table_args__ = (sa.UniqueConstraint("school_id", "grade", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    #: e.g. 三年级, 初一
    grade: Mapped[str] = mapped_column(sa.String(12))
    #: e.g. 2班
    name: Mapped[str] = mapped_column(sa.String(20))
    #: pupils in the class, optional (a target for its links)
    pupils: Mapped[int | None]

    school: Mapped[School] = relationship(back_populates="classes")

    @property
    def label(self) -> str:
        return f"{self.grade}{self.name}"


class Link(db.Model):
    """The unguessable survey link of one school (or one of its classes) and group."""

    __table_args__ = (
        sa.UniqueConstraint("class_id", "group"),
        #: one school-wide link per school and group (class links carry their class)
        sa.Index(
            "uq_link_school_id_group",
            "school_id",
            "group",
            unique=True,
            sqlite_where=sa.text("class_id IS NULL"),
            postgresql_where=sa.text("class_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    group: Mapped[str] = mapped_column(sa.String(12))
    #: random URL token (secrets.token_urlsafe)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: responses wanted from this school and group
    target: Mapped[int | None]
    #: a class link: the class whose parents or pupils it reaches (None: the whole school)
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_class.id"))

    school: Mapped[School] = relationship(back_populates="links")
    campaign: Mapped[Campaign] = relationship()
    school_class: Mapped[SchoolClass | None] = relationship(lazy="joined")

    @property
    def class_label(self) -> str:
        """The class of a class link (三年级2班), "" for a school-wide link."""
        return self.school_class.label if self.school_class else ""

    @property
    def place(self) -> str:
        """Where the link reaches: its school, and the class of a class link."""
        return f"{self.school.name} {self.class_label}".strip()


class AccessCode(db.Model):
    """A one-time code handed to one respondent (link mode 'code')."""

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("link.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    #: set when a response used it; a used code admits nobody else
    used_at: Mapped[datetime | None]
