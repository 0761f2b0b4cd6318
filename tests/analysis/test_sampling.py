"""Sample-size targets, checked against hand computation."""

from __future__ import annotations

import math

import pytest

from analysis.sampling import (
    SchoolSize,
    allocate,
    calculator_plan,
    permille_plan,
    sample_size,
)

SCHOOLS = [SchoolSize("A", 1000, 60), SchoolSize("B", 300, 20), SchoolSize("C", 40, 4)]


def test_sample_size_matches_cochran_with_fpc():
    n0 = 1.959964**2 * 0.85 * 0.15 / 0.05**2  # 195.92
    assert sample_size(None) == math.ceil(n0) == 196
    assert sample_size(1000) == math.ceil(n0 / (1 + (n0 - 1) / 1000)) == 164
    assert sample_size(30) <= 30 and sample_size(0) == 0
    assert sample_size(None, margin=0.03) == math.ceil(1.959964**2 * 0.1275 / 0.0009)
    with pytest.raises(ValueError):
        sample_size(100, margin=0)


def test_allocate_is_proportional_capped_and_sums():
    shares = allocate(100, {"a": 3, "b": 1}, {"a": 1000, "b": 1000})
    assert shares == {"a": 75, "b": 25}
    capped = allocate(100, {"a": 3, "b": 1}, {"a": 1000, "b": 10})
    assert capped == {"a": 90, "b": 10}
    even = allocate(10, {"a": 1, "b": 1, "c": 1})
    assert sum(even.values()) == 10 and set(even.values()) == {3, 4}
    assert allocate(0, {"a": 1}) == {"a": 0}


def test_calculator_plan_parents_at_least_half():
    plan = calculator_plan(SCHOOLS, ["student", "parent", "teacher", "principal"])
    total = sum(plan.totals.values())
    assert plan.totals["parent"] * 2 >= total
    assert plan.totals["principal"] == 4  # a census: 2 at A (1,000 pupils or more), 1 each else
    assert all(plan.targets[(s.key, "teacher")] <= s.teachers for s in SCHOOLS)
    assert any("n0 = z²·p·(1−p)/e²" in line for line in plan.explanation)


def test_permille_plan_minimum_600():
    plan = permille_plan(SCHOOLS, ["student", "parent", "teacher"], 300_000)
    assert plan.totals["parent"] >= 300  # half of 600, more where a school needs it
    big = permille_plan(SCHOOLS, ["parent", "public"], 1_000_000)
    assert big.totals["parent"] == 750
    with pytest.raises(ValueError):
        permille_plan(SCHOOLS, ["parent"], 0)


TWELVE = [
    SchoolSize(f"S{i:02d}", e, t)
    for i, (e, t) in enumerate(
        [
            (1800, 110),
            (1200, 80),
            (950, 60),
            (640, 45),
            (420, 30),
            (300, 22),
            (180, 14),
            (120, 10),
            (60, 6),
            (35, 5),
            (20, 3),
            (12, 2),
        ]
    )
]
ALL = ["student", "parent", "teacher", "principal", "deputy", "public"]


def test_the_permille_rule_fills_in_at_least_its_stated_minimum():
    plan = permille_plan(TWELVE, ALL, 250_000)  # 1.5‰ = 375 → the 600 floor
    assert sum(plan.targets.values()) >= 600
    assert sum(plan.totals.values()) == sum(plan.targets.values())
    assert str(sum(plan.totals.values())) in " ".join(plan.explanation)


@pytest.mark.parametrize(
    "make",
    [
        lambda: permille_plan(TWELVE, ALL, 250_000),
        lambda: calculator_plan(TWELVE, ALL),
    ],
)
def test_parents_are_at_least_half_in_every_school_that_has_families(make):
    plan = make()
    for s in TWELVE:
        parents = plan.targets[(s.key, "parent")]
        others = sum(v for (k, g), v in plan.targets.items() if k == s.key and g != "parent")
        assert parents >= others or parents == s.enrolment, s.key
