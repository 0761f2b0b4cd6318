"""Import paper or external answers: one row per respondent, all rows or none.

Columns: ``school_code``, ``group``, one column per item code holding the option code
(blank = unanswered), and optional ``submitted_at``, ``duration_seconds``, ``network``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from questionnaires import GROUPS, TEXT_MAX, Questionnaire
from questionnaires.answers import Fault, check_answers

from ..core.database import db
from ..core.privacy import label_hash
from ..core.timeutil import CST, utcnow
from ..models import Campaign, Link
from ..services.campaigns import group_forms
from ..services.responses import DuplicateBatch, build_row, store_batch
from .tabular import Problem, TableError, read_table

FIXED = ("school_code", "group", "submitted_at", "duration_seconds", "network")
ALIASES = {
    "学校代码": "school_code",
    "群体": "group",
    "身份": "group",
    "提交时间": "submitted_at",
    "答题时长": "duration_seconds",
    "网络": "network",
}
GROUP_WORDS = {
    **{k: k for k in GROUPS},
    **{v: k for k, v in GROUPS.items()},
    "人大代表": "deputy",
    "政协委员": "deputy",
    "群众": "public",
    "社会群众": "public",
    "其他群众": "public",
    "校长教师": "teacher",
    "学生家长": "parent",
    "家长（监护人）": "parent",
    "老师": "teacher",
    "社会人士": "public",
    "社区居民": "public",
    "人大代表或政协委员": "deputy",
}


@dataclass(frozen=True)
class ImportedLink:
    """Where an imported sheet belongs (responses.LinkRef); id None when the school has no
    link for the group."""

    id: int | None
    group: str
    campaign_id: int
    school_id: int
    class_id: int | None = None  #: sheets are imported per school, not per class


def places(campaign_id: int) -> Callable[[int, str], ImportedLink]:
    """Where an imported or typed sheet of (school id, group) belongs: its school's
    school-wide link of the group, the campaign's links read once."""
    links = {
        (lk.school_id, lk.group): lk.id
        for lk in db.session.scalars(
            sa.select(Link).where(Link.campaign_id == campaign_id, Link.class_id.is_(None))
        )
    }
    return lambda school_id, group: ImportedLink(
        links.get((school_id, group)), group, campaign_id, school_id
    )


@dataclass
class ResponseImport:
    problems: list[Problem] = field(default_factory=list)
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_time(value: str) -> datetime | None:
    """A local (China) time as naive UTC; None if unreadable."""
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d",
        "%Y/%m/%d",
    ):
        try:
            local = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=CST).astimezone(UTC).replace(tzinfo=None)
    return None


def check_sheet(
    number: int,
    q: Questionnaire,
    group: str,
    given: dict[str, str],
    headers: dict[str, str],
    problems: list[Problem],
    group_text: str,
    stage: str | None = None,
) -> dict[str, str]:
    """One imported sheet's answers (item code -> option code or text) checked by the one
    validator; each fault a problem naming the row and the column (`headers`: item code ->
    the file's header; `stage`: the school's, where known). Returns the answers kept, the
    identity item filled from the group."""
    cleaned, faults = check_answers(q, frozenset({group}), given, required=False, stage=stage)
    for code, fault in faults.items():
        header, value = headers[code], given[code].strip()
        item = q.item(code)
        if fault is Fault.TOO_LONG:
            problems.append(Problem(number, header, f"意见建议超过{TEXT_MAX}字"))
        elif item.identity and item.option(value) is not None:
            label = item.option(value).label
            problems.append(Problem(number, header, f"身份“{label}”与群体“{group_text}”不一致"))
        else:
            valid = "/".join(o.code for o in item.options)
            problems.append(
                Problem(number, header, f"“{value}”不是 {item.code} 的有效选项（{valid}）")
            )
    answers = {code: value for code, value in cleaned.items() if value and code not in faults}
    ident = q.identity_item
    if ident is not None and ident.code not in answers:
        answers[ident.code] = next(o.code for o in ident.options if o.group == group)
    if not any(q.item(k).scored for k in answers):
        problems.append(Problem(number, "", "这一行没有任何计分题的答案"))
    return answers


def _check_row(number, row, cols, campaign, schools, forms, problems):
    """Validate one row; return a record for insertion or None."""
    before = len(problems)
    code = row.get(cols["school_code"], "").strip()
    school = schools.get(code)
    if school is None:
        problems.append(Problem(number, cols["school_code"], f"未知学校代码“{code}”"))
    group_text = row.get(cols["group"], "").strip()
    group = GROUP_WORDS.get(group_text)
    if group is None or group not in campaign.groups:
        problems.append(Problem(number, cols["group"], f"“{group_text}”不是本次调查的群体"))
        return None
    q: Questionnaire = forms[group]
    given = {it.code: row.get(cols[it.code], "") for it in q.items if cols.get(it.code)}
    answers = check_sheet(number, q, group, given, cols, problems, group_text)
    for header in cols.get("_items", []):
        if q.item(header) is None and row.get(header, "").strip():
            problems.append(Problem(number, header, f"{GROUPS[group]}问卷没有题目 {header}"))
    submitted = utcnow()
    if cols.get("submitted_at") and row.get(cols["submitted_at"], "").strip():
        text = row[cols["submitted_at"]].strip()
        submitted = parse_time(text)
        if submitted is None:
            problems.append(Problem(number, cols["submitted_at"], f"“{text}”不是有效时间"))
    duration = None
    if cols.get("duration_seconds") and row.get(cols["duration_seconds"], "").strip():
        text = row[cols["duration_seconds"]].strip()
        try:
            duration = float(text)
            if not 0 <= duration < 10**7:
                raise ValueError
        except ValueError:
            problems.append(Problem(number, cols["duration_seconds"], f"“{text}”不是有效秒数"))
    # the label (it may be an IP address) is kept only as a salted hash, like a web address
    label = row.get(cols.get("network", ""), "").strip()[:200] or None
    network = label_hash(label, current_app.config["NETWORK_SALT"])
    if len(problems) > before:
        return None
    return {
        "school": school,
        "group": group,
        "q": q,
        "answers": answers,
        "submitted_at": submitted,
        "duration": duration,
        "network": network,
    }


def import_responses(
    campaign: Campaign, filename: str, data: bytes, source: str = "paper"
) -> ResponseImport:
    """Validate every row, then store them all in one transaction (or none)."""
    result = ResponseImport()
    try:
        table = read_table(filename, data)
    except TableError as exc:
        result.problems.append(Problem(0, "", str(exc)))
        return result
    forms = group_forms(campaign)
    item_codes = {it.code for q in forms.values() for it in q.items}
    cols: dict = {}
    items = []
    for header in table.headers:
        key = ALIASES.get(header, header)
        if key in FIXED:
            cols[key] = header
        elif header in item_codes:
            cols[header] = header
            items.append(header)
        else:
            result.problems.append(Problem(1, header, "未知的列（既不是固定列，也不是题目代码）"))
    cols["_items"] = items
    for key in ("school_code", "group"):
        if key not in cols:
            result.problems.append(Problem(1, "", f"缺少列 {key}"))
    if result.problems:
        return result
    schools = {s.code: s for s in campaign.schools}
    records = []
    for number, row in table.rows:
        rec = _check_row(number, row, cols, campaign, schools, forms, result.problems)
        if rec is not None:
            records.append((number, rec))
    if result.problems:
        return result
    place = places(campaign.id)
    digest = hashlib.sha256(data).hexdigest()[:16]
    rows = [
        build_row(
            link=place(rec["school"].id, rec["group"]),
            questionnaire=rec["q"],
            answers=rec["answers"],
            submission_id=f"{source}-{campaign.id}-{digest}-{number}",
            source=source,
            network=rec["network"],
            address=rec["network"],
            submitted_at=rec["submitted_at"],
            duration_seconds=rec["duration"],
        )
        for number, rec in records
    ]
    try:
        store_batch(rows)
    except DuplicateBatch:
        result.problems.append(Problem(0, "", "这个文件已经导入过了，没有重复导入。"))
        return result
    result.imported = len(rows)
    return result
