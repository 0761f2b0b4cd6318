"""Import a campaign's schools from CSV or Excel: every row valid, or nothing changes."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..core.database import db
from ..models import LOCATIONS, STAGES, Campaign, County, School
from ..models.campaign import COUNTY_WIDE_LABEL
from ..services.campaigns import ensure_links
from ..services.classes import ClassEntry, add_classes, check_class
from ..services.orgs import below
from .tabular import Problem, TableError, map_headers, read_table

COLUMNS = {
    "code": ("学校代码", "学校编码"),
    "name": ("学校名称", "校名"),
    "stage": ("学段", "学校类型"),
    "location": ("城乡类型", "城乡", "所在地"),
    "enrolment": ("在校生数", "学生数"),
    "teachers": ("教师数", "专任教师数"),
    #: a city's or province's campaign: the school's county (a county under the campaign's)
    "county": ("区县", "所属区县", "县区"),
    #: optional: one row per class (the school's columns repeated), or per school without them
    "grade": ("年级",),
    "class": ("班级", "班级名称"),
    "pupils": ("班级人数", "班额"),
}
REQUIRED = ("code", "name", "stage", "location", "enrolment")

_STAGE_WORDS = {
    **{v: k for k, v in STAGES.items()},
    **{k: k for k in STAGES},
    "九年制": "nine_year",
    "完全中学": "twelve_year",
    "初级中学": "junior",
}
_LOCATION_WORDS = {
    **{v: k for k, v in LOCATIONS.items()},
    **{k: k for k in LOCATIONS},
    "城市": "urban",
    "县城": "urban",
    "城镇": "town",
    "镇": "town",
    "农村": "rural",
    "乡": "rural",
    "村": "rural",
}


@dataclass
class SchoolImport:
    problems: list[Problem] = field(default_factory=list)
    added: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _count(value: str, column: str, row: int, problems: list[Problem], required: bool):
    if not value:
        if required:
            problems.append(Problem(row, column, "不能为空"))
        return None
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        problems.append(Problem(row, column, f"“{value}”不是数字"))
        return None
    if number < 0 or not number.is_integer() or number > 1_000_000:
        problems.append(Problem(row, column, f"“{value}”应为0到1000000之间的整数"))
        return None
    return int(number)


def _cell(row: dict[str, str], cols: dict[str, str], key: str) -> str:
    return row.get(cols.get(key, ""), "").strip()


def parse_schools(filename: str, data: bytes) -> tuple[list[dict], list[Problem]]:
    """Validated school records and the problems found (row, column, what is wrong)."""
    try:
        table = read_table(filename, data)
    except TableError as exc:
        return [], [Problem(0, "", str(exc))]
    cols = map_headers(table.headers, COLUMNS)
    missing = [f"{k}（{COLUMNS[k][0]}）" for k in REQUIRED if k not in cols]
    if missing:
        return [], [Problem(1, "", "缺少列：" + "、".join(missing))]
    problems: list[Problem] = []
    records: list[dict] = []
    seen: dict[str, dict] = {}  #: code -> the school's first record
    for number, row in table.rows:
        get = functools.partial(_cell, row, cols)
        code, name = get("code"), get("name")
        school_class = _class_of(get, cols, number, problems)
        first = seen.get(code)
        if first is not None and school_class is not None:
            # one row per class: the school's columns repeat the first row's
            if (name, get("stage"), get("location")) != first["texts"]:
                problems.append(
                    Problem(
                        number,
                        cols["name"],
                        f"学校代码“{code}”在第 {first['row']} 行已出现，但学校名称、学段或"
                        "城乡类型不一致",
                    )
                )
            elif (school_class.grade, school_class.name) in first["class_rows"]:
                problems.append(
                    Problem(
                        number,
                        cols["class"],
                        f"{school_class.grade}{school_class.name}与第 "
                        f"{first['class_rows'][(school_class.grade, school_class.name)]} 行重复",
                    )
                )
            else:
                first["classes"].append(school_class)
                first["class_rows"][(school_class.grade, school_class.name)] = number
            continue
        if not code:
            problems.append(Problem(number, cols["code"], "学校代码不能为空"))
        elif len(code) > 32:
            problems.append(Problem(number, cols["code"], "学校代码不能超过32个字符"))
        elif first is not None:
            problems.append(
                Problem(number, cols["code"], f"学校代码“{code}”与第 {first['row']} 行重复")
            )
        elif code == COUNTY_WIDE_LABEL or code.startswith(COUNTY_WIDE_LABEL + "-"):
            problems.append(
                Problem(number, cols["code"], f"“{code}”留作全县统一链接，不能用作学校代码")
            )
        if not name:
            problems.append(Problem(number, cols["name"], "学校名称不能为空"))
        elif len(name) > 200:
            problems.append(Problem(number, cols["name"], "学校名称过长"))
        stage = _STAGE_WORDS.get(get("stage"))
        if stage is None:
            problems.append(
                Problem(
                    number,
                    cols["stage"],
                    f"“{get('stage')}”不是有效学段（{'/'.join(STAGES.values())}）",
                )
            )
        location = _LOCATION_WORDS.get(get("location"))
        if location is None:
            problems.append(
                Problem(
                    number,
                    cols["location"],
                    f"“{get('location')}”不是有效城乡类型（城区/镇区/乡村）",
                )
            )
        enrolment = _count(get("enrolment"), cols["enrolment"], number, problems, True)
        teachers = _count(
            get("teachers"), cols.get("teachers", "teachers"), number, problems, False
        )
        record = {
            "row": number,
            "texts": (name, get("stage"), get("location")),
            "classes": [school_class] if school_class else [],
            "class_rows": {(school_class.grade, school_class.name): number} if school_class else {},
            "county_name": get("county"),
            "county_column": cols.get("county", COLUMNS["county"][0]),
            "code": code,
            "name": name,
            "stage": stage,
            "location": location,
            "enrolment": enrolment,
            "teachers": teachers,
        }
        if code and code not in seen:
            seen[code] = record
        records.append(record)
    for record in records:
        del record["texts"], record["class_rows"]
    return (records if not problems else []), problems


def _class_of(get, cols: dict[str, str], number: int, problems: list[Problem]):
    """The class a row names (年级 and 班级 columns), None where the file or row has none."""
    if "grade" not in cols and "class" not in cols:
        return None
    grade, name, pupils = get("grade"), get("class"), get("pupils")
    if not grade and not name:
        return None
    entry, problem = check_class(grade, name, pupils)
    if problem:
        problems.append(Problem(number, cols.get("class", cols.get("grade", "")), problem))
    return entry


def import_schools(campaign: Campaign, filename: str, data: bytes) -> SchoolImport:
    """Add or update the campaign's schools from a file; on any problem change nothing."""
    records, problems = parse_schools(filename, data)
    result = SchoolImport(problems=problems)
    if problems:
        return result
    result.problems = _place_in_counties(campaign, records)
    if result.problems:
        return result
    result.added, result.updated = upsert_schools(campaign, records)
    return result


def _place_in_counties(campaign: Campaign, records: list[dict]) -> list[Problem]:
    """Each record's county: in a county's own campaign none (the campaign's); in a city's or
    province's campaign a county under it, named on every row."""
    owner = campaign.county
    counties = dict(
        db.session.execute(
            sa.select(County.name, County.id).where(
                County.kind == "county", County.id.in_(below(owner.id))
            )
        ).all()
    )
    problems = []
    for rec in records:
        name, row, column = rec.pop("county_name"), rec.pop("row"), rec.pop("county_column")
        if owner.kind == "county":
            rec["county_id"] = None
        elif not name:
            problems.append(Problem(row, column, f"{owner.kind_label}组织的调查须填写学校所属区县"))
        elif name not in counties:
            problems.append(Problem(row, column, f"“{name}”不是{owner.name}下属的区县"))
        else:
            rec["county_id"] = counties[name]
    return problems


#: what a school record holds (a parsed row, or a school of another campaign)
SCHOOL_FIELDS = ("code", "name", "stage", "location", "enrolment", "teachers", "county_id")


def copy_schools(source: Campaign, target: Campaign) -> SchoolImport:
    """The school list of another round (a rehearsal's, say) added to or updated in `target`."""
    records = [
        {
            **{f: getattr(s, f) for f in SCHOOL_FIELDS},
            "classes": [ClassEntry(c.grade, c.name, c.pupils) for c in s.classes],
        }
        for s in source.schools_only
    ]
    result = SchoolImport(problems=[])
    result.added, result.updated = upsert_schools(target, records)
    return result


def upsert_schools(campaign: Campaign, records: list[dict]) -> tuple[int, int]:
    """Add schools by code, or update those the campaign has; links follow. (added, updated)"""
    added = updated = 0
    existing = {
        s.code: s
        for s in db.session.scalars(sa.select(School).where(School.campaign_id == campaign.id))
    }
    for rec in records:
        rec = dict(rec)
        classes = rec.pop("classes", [])
        school = existing.get(rec["code"])
        if school is None:
            school = School(**rec)
            campaign.schools.append(school)
            added += 1
        else:
            for key, value in rec.items():
                setattr(school, key, value)
            updated += 1
        if classes:
            db.session.flush()
            add_classes(school, classes, relink=False)
    db.session.flush()
    ensure_links(campaign)
    return added, updated
