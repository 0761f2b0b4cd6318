"""Classes under schools (年级 + 班级): added with the school list or typed in later, each with
links for its pupils and parents, and their counts so a head teacher can chase the class."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..core.database import db
from ..core.parsing import whole_number
from ..models import CLASS_GROUPS, Campaign, Response, School, SchoolClass
from .campaigns import ensure_links

GRADE_MAX = 12
NAME_MAX = 20
PUPILS_MAX = 200


@dataclass(frozen=True)
class ClassEntry:
    grade: str
    name: str
    pupils: int | None = None


def check_class(grade: str, name: str, pupils: str) -> tuple[ClassEntry | None, str | None]:
    """One class from its three texts, or what is wrong with them (in Chinese)."""
    grade, name, pupils = grade.strip(), name.strip(), pupils.strip()
    if not grade or not name:
        return None, "年级和班级都要填写"
    if len(grade) > GRADE_MAX or len(name) > NAME_MAX:
        return None, f"年级不超过{GRADE_MAX}字，班级不超过{NAME_MAX}字"
    count = None
    if pupils:
        count = whole_number(pupils, PUPILS_MAX)
        if not count:
            return None, f"班级人数“{pupils}”应为1到{PUPILS_MAX}的整数"

    return ClassEntry(grade, name, count), None


def parse_class_lines(text: str) -> tuple[list[ClassEntry], list[str]]:
    """Classes typed one per line: 年级 班级 [人数], separated by spaces, commas or tabs
    (三年级 2班 45). All lines valid, or the problems by line number."""
    entries: list[ClassEntry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p for p in re.split(r"[\s,，、;；]+", line.strip()) if p]
        if not parts:
            continue
        if len(parts) not in (2, 3):
            problems.append(f"第 {number} 行：应为“年级 班级 人数”，如“三年级 2班 45”")
            continue
        entry, problem = check_class(parts[0], parts[1], parts[2] if len(parts) == 3 else "")
        if problem:
            problems.append(f"第 {number} 行：{problem}")
            continue
        key = (entry.grade, entry.name)
        if key in seen:
            problems.append(f"第 {number} 行：{entry.grade}{entry.name}与第 {seen[key]} 行重复")
            continue
        seen[key] = number
        entries.append(entry)
    return (entries if not problems else []), problems


def add_classes(school: School, entries: list[ClassEntry], relink: bool = True) -> tuple[int, int]:
    """Add the classes a school lacks and update the pupils of those it has (classes are never
    removed here: their links may have answers); links follow unless the caller makes them
    (relink False). (added, updated)"""
    have = {(c.grade, c.name): c for c in school.classes}
    added = updated = 0
    for entry in entries:
        found = have.get((entry.grade, entry.name))
        if found is None:
            school.classes.append(
                SchoolClass(grade=entry.grade, name=entry.name, pupils=entry.pupils)
            )
            added += 1
        elif entry.pupils is not None and entry.pupils != found.pupils:
            found.pupils = entry.pupils
            updated += 1
    db.session.flush()
    if added and relink:
        ensure_links(school.campaign)
    return added, updated


@dataclass
class ClassProgress:
    """A class's answers per class group (students, parents), against its pupils."""

    school_class: SchoolClass
    counts: dict[str, int] = field(default_factory=dict)

    def share(self, group: str) -> float | None:
        """Answers as a share of the class's pupils (one parent per pupil), if known."""
        pupils = self.school_class.pupils
        return self.counts.get(group, 0) / pupils if pupils else None


@dataclass
class SchoolClasses:
    school: School
    classes: list[ClassProgress]


def class_progress(campaign: Campaign, school_ids: list[int] | None = None) -> list[SchoolClasses]:
    """Each school's classes (those of `school_ids`, or all) with their counts, from the
    answers through class links (a partial index holds only those)."""
    query = (
        sa.select(SchoolClass, School)
        .join(School, SchoolClass.school_id == School.id)
        .where(School.campaign_id == campaign.id)
        .order_by(School.code, SchoolClass.grade, SchoolClass.name)
    )
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    rows = db.session.execute(query).all()
    counts: dict[int, dict[str, int]] = {}
    ids = [c.id for c, _ in rows]
    if ids:
        for class_id, group, n in db.session.execute(
            sa.select(Response.class_id, Response.group, sa.func.count())
            .where(Response.class_id.in_(ids))
            .group_by(Response.class_id, Response.group)
        ):
            counts.setdefault(class_id, {})[group] = int(n)
    out: dict[int, SchoolClasses] = {}
    for school_class, school in rows:
        entry = out.setdefault(school.id, SchoolClasses(school, []))
        entry.classes.append(ClassProgress(school_class, counts.get(school_class.id, {})))
    return list(out.values())


def class_groups(campaign: Campaign) -> list[str]:
    """The campaign's groups that get a link per class."""
    return [g for g in campaign.groups if g in CLASS_GROUPS]
