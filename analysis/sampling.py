"""Sample-size targets per school × group, by a calculator or by the 1.5‰ rule.

Two ways a bureau sets how many answers it needs (README, "Analysis, report and exports"):

* ``calculator``: for each group, Cochran's n0 = z² p (1-p) / e² at the chosen confidence and
  margin e with the expected rate p (0.85), corrected for the finite population N of the group
  in the county: n = n0 / (1 + (n0 - 1) / N); then shared among the schools in proportion to
  their population (at least ``min_per_school`` each, never more than the school has).
* ``permille``: 1.5‰ of the county's resident population (at least 600 where it is under
  400,000), parents half of it, the other groups equal shares of the rest.

Either way parents are raised, where needed, to at least half of all targets, county-wide and
in every school; with the 1.5‰ rule, what capped groups (principals, teachers) cannot take is
given to the uncapped ones, so the plan fills in at least the total it states.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scipy.stats import norm

from questionnaires.model import GROUPS

PARENT_MIN_SHARE = 0.5
PERMILLE = 0.0015


@dataclass(frozen=True)
class SchoolSize:
    key: str  #: school code
    enrolment: int
    teachers: int


@dataclass
class TargetPlan:
    #: (school key, group) -> target
    targets: dict[tuple[str, str], int]
    #: group -> county total
    totals: dict[str, int]
    #: lines a bureau can quote to defend the numbers
    explanation: list[str] = field(default_factory=list)


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    return float(norm.ppf(1 - (1 - confidence) / 2))


def sample_size(
    population: int | None, margin: float = 0.05, confidence: float = 0.95, p: float = 0.85
) -> int:
    """Respondents needed for a proportion near p within ±margin, with the finite-population
    correction when the population is known."""
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1")
    if not 0 < p < 1:
        raise ValueError("expected rate must be between 0 and 1")
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None:
        return math.ceil(n0)
    if population <= 0:
        return 0
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, math.ceil(n - 1e-9))


def allocate(
    total: int,
    weights: Mapping[str, float],
    caps: Mapping[str, int] | None = None,
    minimum: int = 0,
) -> dict[str, int]:
    """Share ``total`` among keys in proportion to weights (largest remainder), each at
    least ``minimum`` and at most its cap; returns whole numbers."""
    keys = list(weights)
    if not keys or total <= 0:
        return dict.fromkeys(keys, 0)
    caps = caps or {}
    cap = {k: caps.get(k, total) for k in keys}
    weight_sum = sum(max(w, 0) for w in weights.values()) or len(keys)
    raw = {k: total * (max(weights[k], 0) if weight_sum else 1) / weight_sum for k in keys}
    out = {k: min(cap[k], max(minimum, math.floor(raw[k]))) for k in keys}
    remaining = total - sum(out.values())
    order = sorted(keys, key=lambda k: raw[k] - math.floor(raw[k]), reverse=True)
    while remaining > 0:
        progressed = False
        for k in order:
            if remaining <= 0:
                break
            if out[k] < cap[k]:
                out[k] += 1
                remaining -= 1
                progressed = True
        if not progressed:
            break
    return out


def _group_population(group: str, schools: Sequence[SchoolSize]) -> dict[str, int | None]:
    """Per-school population of a group; None where it is unknown (the public, deputies)."""
    if group in ("student", "parent"):
        return {s.key: s.enrolment for s in schools}
    if group == "teacher":
        return {s.key: s.teachers for s in schools}
    if group == "principal":
        return {s.key: 1 if s.enrolment < 1000 else 2 for s in schools}
    return dict.fromkeys((s.key for s in schools), None)


def _raise_parents(plan: TargetPlan, schools: Sequence[SchoolSize]) -> None:
    if "parent" not in plan.totals:
        return
    others = sum(v for g, v in plan.totals.items() if g != "parent")
    need = math.ceil(others * PARENT_MIN_SHARE / (1 - PARENT_MIN_SHARE))
    if plan.totals["parent"] >= need:
        return
    caps = {s.key: s.enrolment for s in schools}
    shares = allocate(need, {s.key: s.enrolment for s in schools}, caps)
    for key, value in shares.items():
        plan.targets[(key, "parent")] = value
    plan.totals["parent"] = sum(shares.values())
    plan.explanation.append(
        f"家长不少于样本总量的50%：其他群体合计 {others} 人，"
        f"家长目标提高到 {plan.totals['parent']} 人。"
    )


def _raise_parents_per_school(plan: TargetPlan, schools: Sequence[SchoolSize]) -> None:
    """In every school with a parent target, parents at least half of that school's targets
    (as far as the school has families)."""
    if "parent" not in plan.totals:
        return
    raised = 0
    for s in schools:
        others = sum(v for (key, g), v in plan.targets.items() if key == s.key and g != "parent")
        current = plan.targets.get((s.key, "parent"), 0)
        wanted = min(s.enrolment, math.ceil(others * PARENT_MIN_SHARE / (1 - PARENT_MIN_SHARE)))
        if current < wanted:
            plan.targets[(s.key, "parent")] = wanted
            raised += wanted - current
    if raised:
        plan.totals["parent"] += raised
        plan.explanation.append(
            f"每所学校的家长不少于该校样本的50%：家长目标共增加 {raised} 人，"
            f"家长合计 {plan.totals['parent']} 人，样本合计 {sum(plan.totals.values())} 人。"
        )


def _fill_shortfall(
    plan: TargetPlan, schools: Sequence[SchoolSize], groups: Sequence[str], total: int
) -> None:
    """Groups capped by their real numbers (principals, teachers) leave a gap below the
    stated total: the uncapped groups fill it, so the plan keeps its own minimum."""
    gap = total - sum(plan.totals.values())
    takers = [g for g in groups if g in ("student", "deputy", "public")]
    if gap <= 0 or not takers:
        return
    per_group = allocate(gap, dict.fromkeys(takers, 1.0))
    for group in takers:
        pops = _group_population(group, schools)
        room = {
            s.key: (pops[s.key] - plan.targets[(s.key, group)])
            if pops[s.key] is not None
            else per_group[group]
            for s in schools
        }
        extra = allocate(per_group[group], {s.key: s.enrolment for s in schools}, room)
        for key, value in extra.items():
            plan.targets[(key, group)] += value
        plan.totals[group] += sum(extra.values())
    names = "、".join(GROUPS.get(g, g) for g in takers)
    plan.explanation.append(
        f"校长、教师按实有人数封顶，差额 {gap} 人由{names}补足，合计 "
        f"{sum(plan.totals.values())} 人。"
    )


def calculator_plan(
    schools: Sequence[SchoolSize],
    groups: Sequence[str],
    margin: float = 0.05,
    confidence: float = 0.95,
    p: float = 0.85,
    min_per_school: int = 5,
    deputies: int = 60,
) -> TargetPlan:
    """Targets from the sample-size formula per group, shared among schools."""
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    plan = TargetPlan(
        {},
        {},
        [
            f"n0 = z²·p·(1−p)/e² = {z:.3f}² × {p:.2f} × {1 - p:.2f} / {margin:.3f}² = {n0:.1f}"
            f"（置信度 {confidence:.0%}，误差 ±{margin:.0%}，预期认可度 {p:.0%}）",
            "有限总体校正：n = n0 / (1 + (n0 − 1) / N)，N 为该群体在全县的人数。",
        ],
    )
    for group in groups:
        pops = _group_population(group, schools)
        known = [v for v in pops.values() if v is not None]
        population = sum(known) if known else (deputies if group == "deputy" else None)
        total = sample_size(population, margin, confidence, p)
        if group == "principal":
            total = sum(known)  # a census: every principal is asked
        weights = {
            k: (v if v is not None else s.enrolment)
            for (k, v), s in zip(pops.items(), schools, strict=True)
        }
        caps = {k: v for k, v in pops.items() if v is not None}
        floor = min_per_school if group in ("student", "parent", "teacher") else 0
        shares = allocate(total, weights, caps, floor)
        for key, value in shares.items():
            plan.targets[(key, group)] = value
        plan.totals[group] = sum(shares.values())
        pop_text = f"N = {population}" if population is not None else "N 未知（按无限总体）"
        plan.explanation.append(
            f"{GROUPS.get(group, group)}：{pop_text}，n = {total}，按学校人数比例分配到各校。"
        )
    _raise_parents(plan, schools)
    _raise_parents_per_school(plan, schools)
    return plan


def permille_plan(
    schools: Sequence[SchoolSize], groups: Sequence[str], resident_population: int
) -> TargetPlan:
    """Targets from the 1.5‰ rule: parents half, the other groups equal shares of the rest."""
    if resident_population <= 0:
        raise ValueError("resident population must be positive")
    total = math.ceil(resident_population * PERMILLE)
    lines = [f"样本总量 = 常住人口 {resident_population} × 1.5‰ = {total}"]
    if resident_population < 400_000 and total < 600:
        total = 600
        lines.append("常住人口不足40万的县，样本总量不少于600份：取 600。")
    others = [g for g in groups if g != "parent"]
    parent_total = math.ceil(total * PARENT_MIN_SHARE) if "parent" in groups else 0
    if not others:
        parent_total = total
    each = math.ceil((total - parent_total) / len(others)) if others else 0
    lines.append(
        f"家长 {parent_total} 人（50%），其余每个群体约 {each} 人，按学校人数比例分到各校。"
    )
    plan = TargetPlan({}, {}, lines)
    for group in groups:
        pops = _group_population(group, schools)
        weights = {
            s.key: (pops[s.key] if pops[s.key] is not None else s.enrolment) for s in schools
        }
        caps = {k: v for k, v in pops.items() if v is not None}
        shares = allocate(parent_total if group == "parent" else each, weights, caps)
        for key, value in shares.items():
            plan.targets[(key, group)] = value
        plan.totals[group] = sum(shares.values())
    _fill_shortfall(plan, schools, groups, total)
    _raise_parents(plan, schools)
    _raise_parents_per_school(plan, schools)
    return plan
