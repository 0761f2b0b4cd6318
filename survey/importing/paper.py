"""Paper sheets: numbering what is printed, and double entry of what comes back.

A batch is a stack of sheets of one school × group. Two operators type it, each blind to the
other's pass; the sheets are compared item by item, every difference is settled by someone
looking at the paper, and only then is the batch stored, through the one storage path, with
source ``paper``. A sheet number is stored once per school × group, whatever the batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from questionnaires import GROUPS, Questionnaire
from questionnaires.expressions import evaluate, references
from questionnaires.model import BASE_LANGUAGE, Item

from ..core.database import db
from ..core.parsing import whole_number
from ..core.privacy import redact_answers
from ..core.timeutil import utcnow
from ..models import (
    COUNTY_WIDE,
    Campaign,
    EntryBatch,
    EntrySheet,
    PaperNumbers,
    PaperPrint,
    Response,
    School,
    User,
)
from ..services import audit
from ..services.campaigns import group_forms, registry
from ..services.handouts import school_links
from ..services.responses import DuplicateBatch, build_row, store_batch
from .responses import check_sheet, places
from .tabular import Problem

#: the highest sheet number (six digits on the sheet)
NUMBER_MAX = 999_999
PASSES = (1, 2)
PASS_LABELS = {1: "第一遍", 2: "第二遍"}


class EntryRefused(Exception):
    """What an operator asked cannot be done now; the message says why, in Chinese."""


# -- what a sheet carries ---------------------------------------------------------------


def fixed_answers(q: Questionnaire, group: str) -> dict[str, str]:
    """What a sheet of this group answers before anyone writes on it: the identity item,
    where the group has one option of it."""
    ident = q.identity_item
    if ident is None:
        return {}
    mine = [o.code for o in ident.options if o.group == group]
    return {ident.code: mine[0]} if len(mine) == 1 else {}


def _group_decides(item: Item, fixed: dict[str, str]) -> bool:
    """Whether the item's condition rests on the sheet's group alone (its identity answer)."""
    return item.condition is not None and references(item.condition) <= set(fixed)


def sheet_items(q: Questionnaire, group: str) -> list[Item]:
    """The items a sheet of this group carries, in order: an item asked only of other
    groups (its condition on the identity alone does not hold) is left off."""
    fixed = fixed_answers(q, group)
    return [
        item
        for item in q.items
        if not _group_decides(item, fixed) or evaluate(item.condition, fixed)
    ]


def item_numbers(q: Questionnaire, group: str) -> dict[str, int]:
    """Item code -> the number printed before it on a sheet of this group."""
    asked = [it for it in sheet_items(q, group) if it.type != "note"]
    return {item.code: n for n, item in enumerate(asked, start=1)}


def needs_instruction(item: Item, q: Questionnaire, group: str) -> bool:
    """Whether the sheet tells in words when to answer the item (not when the group alone
    decides it)."""
    return item.condition is not None and not _group_decides(item, fixed_answers(q, group))


def entry_items(q: Questionnaire, group: str) -> list[tuple[int, Item]]:
    """What an operator types for a sheet: (number printed, item), without the answers the
    sheet carries printed (the group's identity)."""
    fixed = fixed_answers(q, group)
    return [(n, q.item(code)) for code, n in item_numbers(q, group).items() if code not in fixed]


# -- numbers printed on the sheets ------------------------------------------------------

#: sheets per school × group when its link has no target
DEFAULT_COPIES = 20
#: sheets in one printing (a bigger one is made in several)
MAX_SHEETS = 5000
#: sheets per school × group in one printing
MAX_COPIES = 1000


@dataclass(frozen=True)
class Sheet:
    """One printed sheet: where it goes and its number."""

    campaign_id: int
    school: School
    group: str
    number: int

    @property
    def code(self) -> str:
        """What its QR code holds: a scanner types it into the entry screen's number field,
        which finds the school, the group and the number from it (parse_number)."""
        return f"P{self.campaign_id}-{self.school.code}-{self.group}-{self.number}"


def print_sheets(
    campaign: Campaign,
    school_code: str | None = None,
    group: str | None = None,
    copies: int | None = None,
    lang: str | None = None,
) -> list[Sheet]:
    """Number the sheets to print: for each school × group the campaign has a link for (one
    school and one group, or all), `copies` sheets or as many as the link's target, in
    `lang` (one the campaign offers). The numbers are reserved (the caller commits), so
    sheets printed twice never share one."""
    if group is not None and group not in campaign.groups:
        raise EntryRefused(f"本次调查没有群体“{group}”。")
    if copies is not None and not 1 <= copies <= MAX_COPIES:
        raise EntryRefused(f"每所学校每个群体的份数应为 1 到 {MAX_COPIES}。")
    if lang is not None and lang not in (campaign.languages or [BASE_LANGUAGE]):
        raise EntryRefused(f"本次调查不提供语言 {lang[:16]}。")
    wanted = [
        (entry.school, link.group, copies or link.target or DEFAULT_COPIES)
        for entry in school_links(campaign)
        if school_code in (None, entry.school.code)
        for link in entry.links
        if link.class_id is None and group in (None, link.group)
    ]
    if not wanted:
        raise EntryRefused("没有找到这所学校的这个群体（请核对学校代码和群体）。")
    total = sum(n for _, _, n in wanted)
    if total > MAX_SHEETS:
        raise EntryRefused(
            f"一次最多打印 {MAX_SHEETS} 份（这次要 {total} 份），请按学校或群体分批打印。"
        )
    forms = group_forms(campaign)
    sheets = [
        Sheet(campaign.id, school, g, number)
        for school, g, n in wanted
        for number in reserve_numbers(campaign, school, g, n, forms[g].version)
    ]
    audit.record(
        "paper.print",
        f"campaign {campaign.id}",
        school=school_code,
        group=group,
        sheets=len(sheets),
    )
    return sheets


def reserve_numbers(
    campaign: Campaign, school: School, group: str, copies: int, version: int
) -> range:
    """The next `copies` sheet numbers of a school × group, never handed out before, printed
    with questionnaire `version` (the caller commits). The counter row is locked on PostgreSQL
    so two printings never share."""
    row = db.session.scalar(
        sa.select(PaperNumbers)
        .where(PaperNumbers.school_id == school.id, PaperNumbers.group == group)
        .with_for_update()
    )
    if row is None:
        row = PaperNumbers(campaign_id=campaign.id, school_id=school.id, group=group, last=0)
        db.session.add(row)
    first = row.last + 1
    if first + copies - 1 > NUMBER_MAX:
        raise EntryRefused(f"{school.name}{GROUPS[group]}问卷的编号已用完。")
    row.last = first + copies - 1
    db.session.add(
        PaperPrint(
            campaign_id=campaign.id,
            school_id=school.id,
            group=group,
            first=first,
            last=row.last,
            version=version,
        )
    )
    db.session.flush()
    return range(first, first + copies)


def parse_number(batch: EntryBatch, text: str) -> int:
    """A typed sheet number, or the code scanned from the sheet's QR code (which must be of
    this batch's campaign, school and group). Where the school × group's sheets were printed
    here, a number beyond the last one printed is refused."""
    text = (text or "").strip()
    if not text:
        raise EntryRefused("请先输入问卷编号。")
    if (typed := whole_number(text)) is not None:
        number = typed
    else:
        prefix = f"P{batch.campaign_id}-"
        parts = text[len(prefix) :].rsplit("-", 2) if text.startswith(prefix) else []
        if len(parts) != 3 or whole_number(parts[2]) is None:
            raise EntryRefused(f"“{text[:40]}”不是问卷编号，也不是本次调查问卷上的二维码。")
        school_code, group, digits = parts
        if school_code != batch.school.code or group != batch.group:
            where = GROUPS.get(group, group)
            raise EntryRefused(
                f"这张问卷属于学校代码 {school_code[:32]} 的{where}问卷，不属于本批次"
                f"（{batch.school.name}，{GROUPS[batch.group]}）。"
            )
        number = int(digits)
    if not 1 <= number <= NUMBER_MAX:
        raise EntryRefused(f"问卷编号应在 1 到 {NUMBER_MAX} 之间。")
    printed = db.session.scalar(
        sa.select(PaperNumbers.last).where(
            PaperNumbers.school_id == batch.school_id, PaperNumbers.group == batch.group
        )
    )
    if printed is not None and number > printed:  # a slip of the keyboard, most likely
        raise EntryRefused(
            f"本批次的问卷只打印到第 {printed} 号，没有第 {number} 号，请核对问卷上的编号。"
        )
    version = printed_version(batch.school_id, batch.group, number)
    if version is not None and batch.version is not None and version != batch.version:
        raise EntryRefused(
            f"第 {number} 号问卷是按第 {version} 版问卷印刷的，本批次录入第 {batch.version} 版："
            f"请新建批次、选择第 {version} 版来录入它。"
        )
    return number


def printed_version(school_id: int, group: str, number: int | None = None) -> int | None:
    """The questionnaire version sheet `number` of a school × group was printed with, or
    without a number that of its latest printing (None where nothing was printed here)."""
    query = sa.select(PaperPrint.version).where(
        PaperPrint.school_id == school_id, PaperPrint.group == group
    )
    if number is not None:
        query = query.where(PaperPrint.first <= number, PaperPrint.last >= number)
    return db.session.scalar(query.order_by(PaperPrint.id.desc()).limit(1))


def printed_versions(campaign: Campaign) -> list[int]:
    """The questionnaire versions the campaign's sheets were printed with, oldest first."""
    return sorted(
        db.session.scalars(
            sa.select(PaperPrint.version).where(PaperPrint.campaign_id == campaign.id).distinct()
        )
    )


# -- batches and passes -----------------------------------------------------------------


def form_of(batch: EntryBatch) -> Questionnaire:
    """The questionnaire a batch is typed against: the version its sheets were printed with."""
    campaign = db.session.get(Campaign, batch.campaign_id)
    return registry().get(campaign.forms[batch.group], batch.version)  # None: the current one


def new_batch(
    campaign: Campaign,
    school: School,
    group: str,
    label: str,
    user: User,
    version: int | None = None,
) -> EntryBatch:
    """A batch of a school × group's sheets, typed against questionnaire `version`: by
    default the version of the school × group's latest printing, else the current one."""
    if group not in campaign.groups:
        raise EntryRefused("本次调查没有这个群体。")
    if school.campaign_id != campaign.id:
        raise EntryRefused("本次调查没有这所学校。")
    if version is None:
        version = printed_version(school.id, group)
    q = registry().get(campaign.forms[group], version)  # version None: the current one
    if q is None:
        raise EntryRefused(f"没有第 {version} 版的{GROUPS[group]}问卷。")
    version = q.version
    label = label.strip()[:80] or f"{school.name} {GROUPS[group]}"
    batch = EntryBatch(
        campaign_id=campaign.id,
        school_id=school.id,
        group=group,
        version=version,
        label=label,
        created_by=user.id,
        settled={},
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "paper.batch",
        f"campaign {campaign.id}",
        batch=batch.id,
        school=school.code,
        group=group,
        version=version,
    )
    return batch


#: the batch's columns of each pass: its operator and when it was finished
_PASS_COLUMNS = {
    1: ("first_operator_id", "first_done_at"),
    2: ("second_operator_id", "second_done_at"),
}


def operator_of(batch: EntryBatch, pass_no: int) -> int | None:
    return getattr(batch, _PASS_COLUMNS[pass_no][0])


def done_at(batch: EntryBatch, pass_no: int):
    return getattr(batch, _PASS_COLUMNS[pass_no][1])


def _mark_done(batch: EntryBatch, pass_no: int, when) -> None:
    setattr(batch, _PASS_COLUMNS[pass_no][1], when)


def may_enter(batch: EntryBatch, pass_no: int, user: User) -> str | None:
    """Why `user` may not type pass `pass_no` of the batch, or None if they may."""
    if pass_no not in PASSES:
        return "只有第一遍和第二遍。"
    if batch.stored_at is not None:
        return "本批次已经存入答卷，不能再录入。"
    owner = operator_of(batch, pass_no)
    other = operator_of(batch, 3 - pass_no)
    if owner is not None and owner != user.id:
        return f"{PASS_LABELS[pass_no]}已由另一位录入员录入，每一遍只由一人录入。"
    if other == user.id:
        return "两遍须由两位不同的录入员各自录入：您已录入本批次的另一遍。"
    if done_at(batch, pass_no) is not None:
        return f"{PASS_LABELS[pass_no]}已录入完成；如需修改，请先“重新打开”这一遍。"
    return None


def _claim(batch: EntryBatch, pass_no: int, user: User) -> None:
    refused = may_enter(batch, pass_no, user)
    if refused:
        raise EntryRefused(refused)
    setattr(batch, _PASS_COLUMNS[pass_no][0], user.id)


def pass_sheets(batch: EntryBatch, pass_no: int) -> dict[int, EntrySheet]:
    return {s.number: s for s in batch.sheets if s.pass_no == pass_no}


@dataclass
class Entered:
    """One typed sheet: its answers as checked, or what is wrong with them per item."""

    number: int | None = None
    answers: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  #: item code ("" the sheet) -> message

    @property
    def ok(self) -> bool:
        return not self.problems


def check(batch: EntryBatch, values: Mapping[str, str]) -> Entered:
    """The typed values checked by the one validator, as an import's row is."""
    q = form_of(batch)
    given = {it.code: str(values.get(it.code, "") or "") for it in q.items if it.type != "note"}
    problems: list[Problem] = []
    answers = check_sheet(
        0,
        q,
        batch.group,
        given,
        {code: code for code in given},
        problems,
        GROUPS[batch.group],
        stage=None if batch.school.stage == COUNTY_WIDE else batch.school.stage,
    )
    entered = Entered(answers=redact_answers(q, answers))
    for p in problems:
        entered.problems[p.column] = p.message
    return entered


#: after a refused repeat of a number: what to do with two sheets of one number (a photocopy)
COPIED = (
    "若手上有两份同号的问卷（复印件），请为本校加印问卷，把其中一份誊写到新编号的问卷上再录入。"
)


def enter_sheet(
    batch: EntryBatch,
    pass_no: int,
    user: User,
    number_text: str,
    values: Mapping[str, str],
    replace: bool = False,
) -> Entered:
    """Type (or retype, with `replace`) one sheet in the user's pass. Nothing is kept when
    anything is wrong; the caller commits."""
    try:
        number = parse_number(batch, number_text)
    except EntryRefused as exc:
        return Entered(problems={"number": str(exc)})
    entered = check(batch, values)
    entered.number = number
    mine = pass_sheets(batch, pass_no)
    if number in mine and not replace:
        entered.problems["number"] = (
            f"第 {number} 号已在{PASS_LABELS[pass_no]}录入过；如需修改，请点该编号。{COPIED}"
        )
    elif number not in mine and replace:
        entered.problems["number"] = f"{PASS_LABELS[pass_no]}没有第 {number} 号。"
    else:
        elsewhere = _taken_elsewhere(batch, pass_no, number)
        if elsewhere:
            entered.problems["number"] = elsewhere
    if not entered.ok:
        return entered
    _claim(batch, pass_no, user)
    if number in mine:
        mine[number].answers = entered.answers
    else:
        db.session.add(
            EntrySheet(batch=batch, pass_no=pass_no, number=number, answers=entered.answers)
        )
    db.session.flush()
    return entered


def _taken_elsewhere(batch: EntryBatch, pass_no: int, number: int) -> str | None:
    """The sheet number stored already, or typed in this pass of another batch of the same
    school × group: one paper sheet is one respondent."""
    if db.session.scalar(
        sa.select(Response.id).where(Response.submission_id == submission_id(batch, number))
    ):
        return f"第 {number} 号问卷已经存入答卷，不能重复录入。{COPIED}"
    other = db.session.scalar(
        sa.select(EntryBatch.label)
        .join(EntrySheet, EntrySheet.batch_id == EntryBatch.id)
        .where(
            EntryBatch.school_id == batch.school_id,
            EntryBatch.group == batch.group,
            EntryBatch.id != batch.id,
            EntryBatch.stored_at.is_(None),
            EntrySheet.pass_no == pass_no,
            EntrySheet.number == number,
        )
    )
    if other is not None:
        return f"第 {number} 号已在批次“{other}”中录入。{COPIED}"
    return None


def delete_sheet(batch: EntryBatch, pass_no: int, user: User, number: int) -> None:
    _claim(batch, pass_no, user)
    sheet = pass_sheets(batch, pass_no).get(number)
    if sheet is None:
        raise EntryRefused(f"{PASS_LABELS[pass_no]}没有第 {number} 号。")
    batch.sheets.remove(sheet)
    db.session.flush()


def finish_pass(batch: EntryBatch, pass_no: int, user: User) -> None:
    _claim(batch, pass_no, user)
    if not pass_sheets(batch, pass_no):
        raise EntryRefused("这一遍还没有录入任何问卷。")
    _mark_done(batch, pass_no, utcnow())
    audit.record(
        "paper.pass",
        f"campaign {batch.campaign_id}",
        batch=batch.id,
        pass_no=pass_no,
        sheets=len(pass_sheets(batch, pass_no)),
    )


def reopen_pass(batch: EntryBatch, pass_no: int, user: User) -> None:
    """Let the pass's own operator type again (a sheet found missing at comparison)."""
    if pass_no not in PASSES:
        raise EntryRefused("只有第一遍和第二遍。")
    if batch.stored_at is not None:
        raise EntryRefused("本批次已经存入答卷。")
    if operator_of(batch, pass_no) != user.id:
        raise EntryRefused(f"只有{PASS_LABELS[pass_no]}的录入员可以重新打开这一遍。")
    _mark_done(batch, pass_no, None)
    audit.record("paper.reopen", f"campaign {batch.campaign_id}", batch=batch.id, pass_no=pass_no)


# -- comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    number: int
    item: str
    first: str
    second: str
    chosen: str | None  #: the value settled on, None while open

    @property
    def key(self) -> str:
        return f"{self.number}|{self.item}"


@dataclass
class Comparison:
    ready: bool  #: both passes finished
    only_first: list[int] = field(default_factory=list)
    only_second: list[int] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    sheets: int = 0  #: sheets typed in both passes

    @property
    def open(self) -> list[Difference]:
        return [d for d in self.differences if d.chosen is None]

    @property
    def blocking(self) -> str | None:
        """Why the batch cannot be stored yet, or None."""
        if not self.ready:
            return "两遍都录入完成后才能核对和存入。"
        if self.only_first or self.only_second:
            return "有问卷只在一遍中录入，请补录或删除后再存入。"
        if self.open:
            return f"还有 {len(self.open)} 处两遍录入不一致，请对照纸质问卷逐一核定。"
        if not self.sheets:
            return "本批次没有问卷。"
        return None


def compare(batch: EntryBatch) -> Comparison:
    """The two passes side by side: sheets typed in one only, and every item read
    differently (with the value settled on, where someone has)."""
    ready = all(done_at(batch, p) is not None for p in PASSES)
    result = Comparison(ready=ready)
    if not ready:
        return result  # blind: nothing of one pass is shown before both are finished
    first, second = pass_sheets(batch, 1), pass_sheets(batch, 2)
    result.only_first = sorted(set(first) - set(second))
    result.only_second = sorted(set(second) - set(first))
    both = sorted(set(first) & set(second))
    result.sheets = len(both)
    q = form_of(batch)
    for number in both:
        a, b = first[number].answers, second[number].answers
        for item in q.items:
            va, vb = a.get(item.code, ""), b.get(item.code, "")
            if va != vb:
                s = batch.settled.get(f"{number}|{item.code}")
                chosen = s[2] if s and s[0] == va and s[1] == vb else None
                result.differences.append(Difference(number, item.code, va, vb, chosen))
    return result


def settle(batch: EntryBatch, user: User, choices: Mapping[str, str]) -> int:
    """Settle differences: `choices` maps "number|item" to the value read on the paper: an
    option code, "__first" or "__second" (that pass's value) or "__blank". Returns how many
    were settled; the caller commits."""
    comparison = compare(batch)
    if not comparison.ready:
        raise EntryRefused(comparison.blocking)
    q = form_of(batch)
    settled = dict(batch.settled or {})
    count = 0
    for diff in comparison.differences:
        if diff.key not in choices:
            continue
        value = str(choices[diff.key] or "").strip()
        value = {"__first": diff.first, "__second": diff.second, "__blank": ""}.get(value, value)
        if not value and choices[diff.key] != "__blank":
            continue  # nothing chosen yet
        item = q.item(diff.item)
        if item.type == "single" and value and item.option(value) is None:
            raise EntryRefused(f"第 {diff.number} 号 {diff.item}：“{value[:10]}”不是有效选项。")
        settled[diff.key] = [diff.first, diff.second, value]
        count += 1
    batch.settled = settled
    if count:
        audit.record(
            "paper.settle",
            f"campaign {batch.campaign_id}",
            batch=batch.id,
            settled=count,
            operators=[batch.first_operator_id, batch.second_operator_id],
        )
    return count


# -- storing ---------------------------------------------------------------------------


def submission_id(batch: EntryBatch, number: int) -> str:
    return f"paper-{batch.campaign_id}-{batch.school_id}-{batch.group}-{number}"


def store(batch: EntryBatch, user: User) -> int:
    """Store every sheet of a compared, settled batch as answers (source paper), all or
    none; the typed passes are then removed and the batch keeps its counts. The caller
    commits."""
    if batch.stored_at is not None:
        raise EntryRefused("本批次已经存入答卷。")
    comparison = compare(batch)
    if comparison.blocking:
        raise EntryRefused(comparison.blocking)
    q = form_of(batch)
    chosen = {(d.number, d.item): d.chosen for d in comparison.differences}
    where = places(batch.campaign_id)(batch.school_id, batch.group)
    rows = []
    for number, sheet in sorted(pass_sheets(batch, 1).items()):
        values = {
            item.code: chosen.get((number, item.code), sheet.answers.get(item.code, ""))
            for item in q.items
        }
        entered = check(batch, values)  # a settled answer may change what is asked after it
        if not entered.ok:
            first = next(iter(entered.problems.items()))
            raise EntryRefused(f"第 {number} 号：{first[0]} {first[1]}")
        rows.append(
            build_row(
                link=where,
                questionnaire=q,
                answers=entered.answers,
                submission_id=submission_id(batch, number),
                source="paper",
            )
        )
    try:
        store_batch(rows)
    except DuplicateBatch:
        raise EntryRefused("本批次有问卷编号已经存入答卷，没有重复存入。") from None
    batch.stored_at = utcnow()
    batch.stored_by = user.id
    batch.stored_sheets = len(rows)
    batch.settled_count = len(comparison.differences)
    batch.sheets.clear()
    audit.record(
        "paper.store",
        f"campaign {batch.campaign_id}",
        batch=batch.id,
        sheets=len(rows),
        settled=len(comparison.differences),
        operators=[batch.first_operator_id, batch.second_operator_id],
    )
    return len(rows)


def batches(campaign: Campaign) -> list[EntryBatch]:
    return list(
        db.session.scalars(
            sa.select(EntryBatch)
            .where(EntryBatch.campaign_id == campaign.id)
            .order_by(EntryBatch.id.desc())
        )
    )


def pass_counts(campaign: Campaign) -> dict[tuple[int, int], int]:
    """(batch id, pass) -> sheets typed, for the campaign's batches, in one query."""
    return {
        (batch_id, pass_no): n
        for batch_id, pass_no, n in db.session.execute(
            sa.select(EntrySheet.batch_id, EntrySheet.pass_no, sa.func.count())
            .join(EntryBatch, EntrySheet.batch_id == EntryBatch.id)
            .where(EntryBatch.campaign_id == campaign.id)
            .group_by(EntrySheet.batch_id, EntrySheet.pass_no)
        )
    }


def find_batch(campaign: Campaign, batch_id: int) -> EntryBatch | None:
    batch = db.session.get(EntryBatch, batch_id)
    return batch if batch is not None and batch.campaign_id == campaign.id else None
