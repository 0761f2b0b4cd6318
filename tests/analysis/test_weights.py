"""Group weights and post-stratification by enrolment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.intervals import Estimate, kish
from analysis.report import Settings, analyze, prepare
from analysis.weights import combine_groups, poststratify
from tests.analysis.helpers import frame, schools, tiny

Q = {("t", 1): tiny()}


def test_poststratification_gives_each_school_its_enrolment_share():
    data = pd.DataFrame({"school": ["A", "A", "A", "B"], "group": ["parent"] * 4})
    w = poststratify(data, {"A": 100, "B": 300})
    # A: 3 responses share 0.25 of 4 -> 1/3 each; B: 1 response weighs 3
    assert w == pytest.approx([1 / 3, 1 / 3, 1 / 3, 3.0])
    assert w.sum() == pytest.approx(4)
    other = pd.DataFrame({"school": ["A", "B"], "group": ["teacher", "teacher"]})
    assert poststratify(other, {"A": 100, "B": 300}).tolist() == [1.0, 1.0]


def test_weighted_group_rate_and_effective_n():
    rows = [
        ("A", "parent", "111", 200, "a"),
        ("A", "parent", "111", 200, "b"),
        ("A", "parent", "111", 200, "c"),
        ("B", "parent", "333", 200, "d"),
    ]
    settings = Settings(min_cell=1, poststratify=True, screen_rule="none")
    sch = schools(("A", 100), ("B", 300))
    result = analyze(prepare(frame(rows), sch, Q, settings), sch, settings)
    g = result["groups"]["parent"]
    # A (all recognised) weighs 0.25, B (none) 0.75
    assert g["weighted"] and g["rate"] == pytest.approx(0.25)
    assert g["n_eff"] == pytest.approx(kish(np.array([1 / 3] * 3 + [3.0])))
    assert g["unweighted"]["rate"] == pytest.approx(0.75)


def test_group_weights_combine_present_groups_only():
    ests = {
        "parent": Estimate(0.9, 0.01, 0.88, 0.92, 100),
        "student": Estimate(0.8, 0.02, 0.76, 0.84, 50),
        "teacher": Estimate(None, None, None, None, 0),
    }
    combined, used = combine_groups(
        ests, {"parent": 0.4, "student": 0.2, "teacher": 0.2, "deputy": 0.2}
    )
    assert used == {"parent": 0.4, "student": 0.2}
    assert combined.rate == pytest.approx((0.4 * 0.9 + 0.2 * 0.8) / 0.6)
    assert combined.se == pytest.approx(((2 / 3 * 0.01) ** 2 + (1 / 3 * 0.02) ** 2) ** 0.5)
    none, used = combine_groups(ests, {"deputy": 1.0})
    assert none.rate is None and used == {}


def test_analyze_reports_weighted_overall_when_weights_are_set():
    rows = [("A", "parent", "111", 200, "a"), ("A", "teacher", "333", 200, "b")]
    settings = Settings(min_cell=1, group_weights={"parent": 3, "teacher": 1, "public": 5})
    sch = schools(("A", 100))
    result = analyze(prepare(frame(rows), sch, Q, settings), sch, settings)
    assert result["overall"]["weighted"] is True
    assert result["overall"]["rate"] == pytest.approx(0.75)
    assert result["overall"]["weights"] == {"parent": 3.0, "teacher": 1.0}
