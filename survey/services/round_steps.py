"""The steps of a survey round, and which are done: what the campaign pages show a bureau as
its way through (学校 → 目标 → 链接与二维码 → 开放 → 监测 → 报告)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..core.database import db
from ..models import COUNTY_WIDE, AuditEntry, Campaign, Link, ResponseTally, School

#: audit actions that show the links went out (a batch of notices, slips or QR codes)
HANDOUT_ACTIONS = ("download.notices", "download.slips", "download.qr_zip")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    endpoint: str  #: the console page where the step is taken
    hint: str  #: what to do, shown while the step is next


def round_steps(campaign: Campaign) -> list[Step]:
    """The six steps of this campaign's round, each done or not."""
    cid = campaign.id
    schools = (
        db.session.scalar(
            sa.select(sa.func.count()).where(School.campaign_id == cid, School.stage != COUNTY_WIDE)
        )
        or 0
    )
    links, targeted = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Link.target)).where(
            Link.campaign_id == cid, Link.class_id.is_(None)
        )
    ).one()
    actions = set(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(
                AuditEntry.target == f"campaign {cid}",
                AuditEntry.action.in_((*HANDOUT_ACTIONS, "report.view")),
                AuditEntry.result == "ok",
            )
            .distinct()
        )
    )
    answers = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ResponseTally.n), 0)).where(
            ResponseTally.campaign_id == cid
        )
    )
    state = campaign.state()
    return [
        Step("schools", "学校", schools > 0, "console.schools", "导入本次调查的学校名单"),
        Step(
            "targets",
            "目标",
            links > 0 and targeted == links,
            "console.targets",
            "按规则计算各校各群体的样本目标",
        ),
        Step(
            "handouts",
            "链接与二维码",
            bool(actions & set(HANDOUT_ACTIONS)),
            "console.links",
            "打印各校告知单（或答题码），发到学校",
        ),
        Step("open", "开放", campaign.status != "draft", "console.edit_campaign", "开放调查"),
        Step("monitor", "监测", answers > 0, "console.dashboard", "查看各校进度，督促落后的学校"),
        Step(
            "report",
            "报告",
            state == "closed" and "report.view" in actions,
            "reports.report",
            "关闭调查后查看认可度报告并导出",
        ),
    ]


def next_step(steps: list[Step]) -> Step | None:
    return next((s for s in steps if not s.done), None)
