"""Import a 问卷星 (wjx.cn) export: the platform most bureaus ran earlier rounds on.

The export (Excel or CSV) starts with `序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP`,
then one column per question headed like `1、您的身份是：`. Answers come as option text
(按选项文本) or as option numbers (按选项序号); multi-select text is joined with `┋`; skipped
questions read `(跳过)` (text) or `-3` (numbers); 所用时间 reads `123秒` or `2分3秒`;
来自IP reads `61.158.148.23(河南-郑州)`.

Three steps. `read_wjx` reads the file and replaces each address by its salted hashes at once
(the raw address never leaves this module, and the place name is dropped). `propose` matches
the question columns to the campaign's items by text and number, or takes the mapping saved
for the same form. `import_wjx` applies a confirmed mapping: every row checked by the one
validator, then all rows stored through the one storage path, or none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher

import sqlalchemy as sa

from questionnaires import GROUPS, Questionnaire
from questionnaires.model import Item

from ..core.database import db
from ..core.parsing import whole_number
from ..core.privacy import address_hash, label_hash
from ..models import Campaign, ImportMapping, Response, School
from ..services.campaigns import group_forms
from ..services.responses import DuplicateBatch, build_row, store_batch
from .responses import GROUP_WORDS, ResponseImport, check_sheet, parse_time, places
from .tabular import Problem, TableError, read_table

PLATFORM = "wjx"
META = {
    "序号": "serial",
    "提交答卷时间": "submitted_at",
    "所用时间": "duration",
    "来源": "source",
    "来源详情": "source_page",
    "来自IP": "ip",
}
#: a question column: `12、您对…：` (also `12.` and a matrix row `12(…)`)
QUESTION = re.compile(r"^\s*(\d+)\s*(?:[、.．:：]|(?=[(（]))\s*(.*)$", re.S)
#: what a question not asked or not answered reads in either export kind
UNANSWERED = {"", "(跳过)", "（跳过）", "(空)", "（空）", "-3", "-2", "-1"}
MULTI = "┋"
SCHOOL, GROUP, SKIP = "school", "group", ""
KINDS = {"text": "选项文本", "numbers": "选项序号"}
_DURATION = re.compile(r"^(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+)\s*秒)?$")
_OTHER_TEXT = re.compile(r"〖.*?〗")  # the words typed into an 其他 option
_PUNCT = re.compile(r"[\s\W_]+", re.U)


def parse_duration(text: str) -> float | None:
    """Seconds from 所用时间 (`123秒`, `2分3秒`, `1小时2分3秒`, or a bare number); None if
    unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        return None
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    return float(h * 3600 + mi * 60 + s)


def _norm(text: str) -> str:
    """Text compared for matching: no spaces or punctuation, no 其他 fill-in."""
    return _PUNCT.sub("", _OTHER_TEXT.sub("", text or "")).lower()


@dataclass(frozen=True)
class Question:
    header: str
    number: int
    text: str


@dataclass
class WjxFile:
    """A 问卷星 export as read: question columns and rows, addresses already hashed."""

    questions: list[Question]
    #: (row number in the file, metadata, answers by question header); metadata holds
    #: serial, submitted_at, duration, source, and the hashes `address` and `network`
    rows: list[tuple[int, dict[str, str | None], dict[str, str]]]

    @property
    def form_key(self) -> str:
        """The form, known by its question headers (the same form exported again matches)."""
        text = "\n".join(q.header for q in self.questions)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def to_json(self) -> dict:
        return {"questions": [asdict(q) for q in self.questions], "rows": self.rows}

    @classmethod
    def from_json(cls, body: dict) -> WjxFile:
        return cls(
            [Question(**q) for q in body["questions"]],
            [(n, meta, cells) for n, meta, cells in body["rows"]],
        )


def read_wjx(filename: str, data: bytes, salt: str) -> WjxFile:
    """Read an export; raise TableError when it is not one. 来自IP becomes its hashes here."""
    table = read_table(filename, data)
    meta = {META[h]: h for h in table.headers if h in META}
    if "serial" not in meta or "submitted_at" not in meta:
        raise TableError(
            "这不是问卷星导出的答卷文件：缺少“序号”或“提交答卷时间”列。"
            "请在问卷星“下载答卷数据”中导出 Excel 或 CSV。"
        )
    questions = []
    for header in table.headers:
        if header in META:
            continue
        m = QUESTION.match(header)
        if m:
            questions.append(Question(header, int(m.group(1)), m.group(2).strip()))
    if not questions:
        raise TableError("文件中没有题目列（列名应形如“1、您的身份是：”）。")
    rows = []
    for number, row in table.rows:
        ip = row.get(meta.get("ip", ""), "").split("(")[0].split("（")[0].strip() or None
        info: dict[str, str | None] = {
            key: row.get(meta[key], "") if key in meta else ""
            for key in ("serial", "submitted_at", "duration", "source")
        }
        info["address"] = address_hash(ip, salt)
        info["network"] = label_hash(ip, salt)
        rows.append((number, info, {q.header: row.get(q.header, "") for q in questions}))
    return WjxFile(questions, rows)


def _targets(forms: Mapping[str, Questionnaire]) -> dict[str, tuple[Item, int]]:
    """Every item a column can feed (code -> item, its position among answerable items)."""
    found: dict[str, tuple[Item, int]] = {}
    for q in forms.values():
        answerable = [it for it in q.items if it.type != "note"]
        for pos, item in enumerate(answerable, start=1):
            found.setdefault(item.code, (item, pos))
    return found


def _looks_like(values: list[str], words: set[str]) -> bool:
    """Whether nearly all given answers of a column are among `words`."""
    given = [_norm(v) for v in values if v.strip() not in UNANSWERED]
    return bool(given) and sum(v in words for v in given) >= 0.8 * len(given)


def propose(
    file: WjxFile,
    campaign: Campaign,
    forms: Mapping[str, Questionnaire],
    group: str | None = None,
) -> dict[str, str]:
    """A mapping of each question column: the saved one for this form, else matched. A
    column whose answers are the campaign's school names or codes feeds `school`; one whose
    answers are groups (学生家长, 教师…) feeds `group`; the others the item of those groups'
    forms whose text is most alike (the same number breaking ties), if alike enough; the
    rest nothing. `group`: the group of every row, when the file is one group's."""
    saved = saved_mapping(campaign, file.form_key)
    if saved is not None:
        return saved
    schools = {_norm(s.name) for s in campaign.schools} | {_norm(s.code) for s in campaign.schools}
    mapping: dict[str, str] = {}
    found_groups: set[str] = set()
    for question in file.questions:
        values = [cells[question.header] for _, _, cells in file.rows[:500]]
        if SCHOOL not in mapping.values() and _looks_like(values, schools):
            mapping[question.header] = SCHOOL
        elif group is None and GROUP not in mapping.values():
            named = {_group_of(v, "text", forms) for v in values if v.strip() not in UNANSWERED}
            if named and None not in named:
                mapping[question.header] = GROUP
                found_groups = {g for g in named if g in forms}
    asked = [group] if group else sorted(found_groups) or list(forms)
    targets = _targets({g: forms[g] for g in asked if g in forms})
    scored: list[tuple[float, str, str]] = []
    for question in file.questions:
        if question.header in mapping:
            continue
        mapping[question.header] = SKIP
        text = _norm(question.text)
        for code, (item, pos) in targets.items():
            if item.identity:
                continue
            ratio = SequenceMatcher(None, text, _norm(item.text)).ratio()
            scored.append((ratio + (0.05 if pos == question.number else 0), question.header, code))
    taken: set[str] = set()
    for score, header, code in sorted(scored, reverse=True):
        if score < 0.6 or code in taken or mapping[header] != SKIP:
            continue
        mapping[header] = code
        taken.add(code)
    return {q.header: mapping[q.header] for q in file.questions}


def describe(target: str, forms: Mapping[str, Questionnaire], group: str | None = None) -> str:
    """A mapping target in words: 学校, 群体, （不导入）, or the item's code and text (from the
    given group's form when several forms share the code)."""
    words = {SCHOOL: "学校", GROUP: "群体", SKIP: "（不导入）"}
    if target in words:
        return words[target]
    order = [forms[group]] if group in forms else []
    for q in [*order, *forms.values()]:
        item = q.item(target)
        if item is not None:
            return f"{target} {item.text}"
    return target


def saved_mapping(campaign: Campaign, form_key: str) -> dict[str, str] | None:
    row = db.session.scalar(
        sa.select(ImportMapping).where(
            ImportMapping.county_id == campaign.county_id,
            ImportMapping.platform == PLATFORM,
            ImportMapping.form_key == form_key,
        )
    )
    return dict(row.columns) if row is not None else None


def save_mapping(campaign: Campaign, form_key: str, mapping: Mapping[str, str]) -> None:
    """Keep a confirmed mapping for the next file of the same form (caller commits)."""
    row = db.session.scalar(
        sa.select(ImportMapping).where(
            ImportMapping.county_id == campaign.county_id,
            ImportMapping.platform == PLATFORM,
            ImportMapping.form_key == form_key,
        )
    )
    if row is None:
        row = ImportMapping(county_id=campaign.county_id, platform=PLATFORM, form_key=form_key)
        db.session.add(row)
    row.columns = dict(mapping)


def detect_kind(file: WjxFile, mapping: Mapping[str, str], forms) -> str:
    """`numbers` when every answer in the mapped items' choice columns is an option number,
    else `text`."""
    targets = _targets(forms)
    single = [h for h, t in mapping.items() if t in targets and targets[t][0].type == "single"]
    values = [cells[h].strip() for _, _, cells in file.rows for h in single]
    given = [v for v in values if v not in UNANSWERED]
    return "numbers" if given and all(whole_number(v) is not None for v in given) else "text"


def check_mapping(
    file: WjxFile, mapping: Mapping[str, str], forms: Mapping[str, Questionnaire]
) -> list[Problem]:
    """What is wrong with a mapping: unknown columns or items, an item fed twice."""
    problems = []
    headers = {q.header for q in file.questions}
    targets = _targets(forms)
    seen: dict[str, str] = {}
    for header, target in mapping.items():
        if header not in headers:
            problems.append(Problem(1, header, "文件中没有这一列"))
        elif target not in (SCHOOL, GROUP, SKIP) and target not in targets:
            problems.append(Problem(1, header, f"问卷中没有题目“{target}”"))
        elif target and target in seen:
            problems.append(Problem(1, header, f"与“{seen[target]}”对应到了同一项（{target}）"))
        if target:
            seen.setdefault(target, header)
    if not any(t not in (SCHOOL, GROUP, SKIP) for t in mapping.values()):
        problems.append(Problem(1, "", "没有任何一列对应到问卷题目"))
    return problems


@dataclass
class WjxImport(ResponseImport):
    kind: str = "text"
    skipped: int = 0  #: rows stored by an earlier import of the same answers


def _option(item: Item, value: str, kind: str) -> str | None:
    """The option code an answer names (its number, or its label in any language)."""
    if kind == "numbers":
        number = whole_number(value, len(item.options))
        return item.options[number - 1].code if number else None
    text = _norm(value)
    for opt in item.options:
        if text in {_norm(opt.label), *(_norm(lab) for _, lab in opt.labels)}:
            return opt.code
    return None


def _group_of(value: str, kind: str, forms: Mapping[str, Questionnaire]) -> str | None:
    """The group an identity answer names (its number in the identity item, or its words)."""
    ident = next((q.identity_item for q in forms.values() if q.identity_item), None)
    if kind == "numbers":
        number = whole_number(value, len(ident.options)) if ident is not None else None
        return ident.options[number - 1].group if number else None
    text = _norm(value)
    for word, group in GROUP_WORDS.items():
        if _norm(word) == text:
            return group
    if ident is not None:
        for opt in ident.options:
            if _norm(opt.label) == text:
                return opt.group
    return None


def import_wjx(
    campaign: Campaign,
    file: WjxFile,
    mapping: Mapping[str, str],
    *,
    kind: str | None = None,
    school_code: str | None = None,
    group: str | None = None,
) -> WjxImport:
    """Check every row under the mapping, then store them all (or none) with source `import`
    and 来源 as the source detail. Rows whose answers an earlier import of the same export
    stored (same 序号 and time) are counted as skipped, not stored twice. The caller commits."""
    forms = group_forms(campaign)
    result = WjxImport()
    result.problems += check_mapping(file, mapping, forms)
    fixed_school = None
    if school_code:
        fixed_school = _find_school(campaign, school_code)
        if fixed_school is None:
            result.problems.append(Problem(0, "", f"本次调查没有学校代码“{school_code}”"))
    elif SCHOOL not in mapping.values():
        result.problems.append(
            Problem(0, "", "请指定学校：把学校题对应为“学校”，或为整个文件选一所学校")
        )
    if group and group not in campaign.groups:
        result.problems.append(Problem(0, "", f"“{group}”不是本次调查的群体"))
    if not group and GROUP not in mapping.values() and len(campaign.groups) > 1:
        result.problems.append(
            Problem(0, "", "请指定群体：把身份题对应为“群体”，或为整个文件选一个群体")
        )
    if result.problems:
        return result
    result.kind = kind = kind or detect_kind(file, mapping, forms)
    header_of = {t: h for h, t in mapping.items() if t}
    records = []
    for number, info, cells in file.rows:
        rec = _check_row(
            number, info, cells, campaign, forms, header_of, kind, fixed_school, group, result
        )
        if rec is not None:
            records.append(rec)
    if result.problems:
        return result
    ids = [rec["submission_id"] for rec in records]
    stored = set()
    for start in range(0, len(ids), 500):
        stored |= set(
            db.session.scalars(
                sa.select(Response.submission_id).where(
                    Response.submission_id.in_(ids[start : start + 500])
                )
            )
        )
    place = places(campaign.id)
    rows = []
    for rec in records:
        if rec["submission_id"] in stored:
            result.skipped += 1
            continue
        school, g = rec["school"], rec["group"]
        row = build_row(
            link=place(school.id, g),
            questionnaire=forms[g],
            answers=rec["answers"],
            submission_id=rec["submission_id"],
            source="import",
            source_detail=rec["source_detail"],
            network=rec["network"],
            address=rec["address"],
            submitted_at=rec["submitted_at"],
            duration_seconds=rec["duration"],
        )
        rows.append(row)
    if rows:
        try:
            store_batch(rows)
        except DuplicateBatch:  # another import of the same export got there first
            result.problems.append(Problem(0, "", "这些答卷刚刚已由另一次导入存入，请重新导入。"))
            return result
    result.imported = len(rows)
    save_mapping(campaign, file.form_key, mapping)
    return result


def _check_row(number, info, cells, campaign, forms, header_of, kind, fixed_school, group, out):
    before = len(out.problems)
    problems = out.problems
    school = fixed_school
    if school is None:
        header = header_of[SCHOOL]
        value = cells.get(header, "").strip()
        school = _find_school(campaign, value)
        if school is None:
            why = "按选项序号导出的学校无法对应，请按选项文本导出" if kind == "numbers" else ""
            problems.append(Problem(number, header, f"未知学校“{value}”{why}"))
    g = group
    if g is None:
        if GROUP in header_of:
            header = header_of[GROUP]
            value = cells.get(header, "").strip()
            g = _group_of(value, kind, forms)
            if g is None or g not in campaign.groups:
                problems.append(Problem(number, header, f"“{value}”不是本次调查的群体"))
                return None
        else:
            g = campaign.groups[0]
    q = forms[g]
    given, headers = {}, {}
    for code, header in header_of.items():
        if code in (SCHOOL, GROUP):
            continue
        raw = cells.get(header, "").strip()
        item = q.item(code)
        if raw in UNANSWERED:
            continue
        if item is None:
            problems.append(Problem(number, header, f"{GROUPS[g]}问卷没有题目 {code}"))
            continue
        headers[code] = header
        if item.type == "single":
            if MULTI in raw:
                problems.append(Problem(number, header, f"“{raw}”是多选答案，{code} 是单选题"))
                continue
            given[code] = _option(item, raw, kind) or raw
        else:
            given[code] = raw
    answers = check_sheet(number, q, g, given, headers, problems, GROUPS[g])
    submitted = parse_time(info.get("submitted_at") or "")
    if submitted is None:
        text = info.get("submitted_at")
        problems.append(Problem(number, "提交答卷时间", f"“{text}”不是有效时间"))
    duration = None
    if info.get("duration"):
        duration = parse_duration(info["duration"])
        if duration is None:
            problems.append(Problem(number, "所用时间", f"“{info['duration']}”不是有效时长"))
    if len(problems) > before:
        return None
    serial = (info.get("serial") or str(number)).strip()
    key = hashlib.sha256(f"{serial}|{info.get('submitted_at')}".encode()).hexdigest()[:20]
    detail = (info.get("source") or "").strip()
    return {
        "school": school,
        "group": g,
        "answers": answers,
        "submitted_at": submitted,
        "duration": duration,
        "network": info.get("network"),
        "address": info.get("address"),
        "source_detail": f"问卷星·{detail}"[:40] if detail else "问卷星",
        "submission_id": f"wjx-{campaign.id}-{key}",
    }


def _find_school(campaign: Campaign, value: str) -> School | None:
    text = _norm(value)
    for school in campaign.schools:
        if text and text in (_norm(school.code), _norm(school.name)):
            return school
    return None


@dataclass
class Choices:
    """What the console's confirmation form says: the mapping (field `col-<n>` for the n-th
    question column), a school and a group for every row (blank: from the file), the kind
    (blank: found from the file)."""

    mapping: dict[str, str]
    school: str | None = None
    group: str | None = None
    kind: str | None = None

    @classmethod
    def from_values(cls, file: WjxFile, values: Mapping[str, str]) -> Choices:
        mapping = {
            q.header: (values.get(f"col-{n}") or "").strip()[:40]
            for n, q in enumerate(file.questions)
        }
        kind = values.get("kind") or None
        return cls(
            mapping,
            (values.get("school") or "").strip()[:40] or None,
            (values.get("group") or "").strip()[:20] or None,
            kind if kind in KINDS else None,
        )


def target_choices(forms: Mapping[str, Questionnaire]) -> list[tuple[str, str]]:
    """(value, words) of everything a column may feed, each item once, in form order."""
    out = [(SKIP, "（不导入）"), (SCHOOL, "学校"), (GROUP, "群体（身份）")]
    seen = set()
    for q in forms.values():
        for item in q.items:
            if item.type != "note" and not item.identity and item.code not in seen:
                seen.add(item.code)
                out.append((item.code, f"{item.code} {item.text[:30]}"))
    return out


def samples(file: WjxFile, n: int = 3) -> dict[str, list[str]]:
    """The first few answers of each question column, to check a mapping against."""
    return {q.header: [cells[q.header] for _, _, cells in file.rows[:n]] for q in file.questions}
