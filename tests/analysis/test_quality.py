"""Data-quality screening flags, and rates with and without the flagged responses."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.quality import QualityConfig, coached_schools, flag_responses
from analysis.report import Settings, analyze, prepare
from tests.analysis.helpers import frame, schools, tiny, vec

Q8 = {("t", 1): tiny(n_items=8)}
SCH = schools(("A", 100), ("B", 100))


def _flags(rows, **cfg):
    df = frame(rows)
    df["submitted_at"] = df["submitted_at"].astype("datetime64[ns]")
    return flag_responses(df, np.zeros(len(df), bool), QualityConfig(**cfg))


def test_too_fast_under_the_floor_and_fast_against_the_median():
    rows = [("A", "parent", "1", d, f"n{i}") for i, d in enumerate([10, 400, 420, 100, 380])]
    flags = _flags(rows)
    assert flags["too_fast"].tolist() == [True, False, False, False, False]
    assert flags["fast"].tolist() == [False, False, False, True, False]


def test_straight_lining_needs_a_long_questionnaire():
    rows = [
        ("A", "parent", "11111111", 300, "a"),
        ("A", "parent", "11111112", 300, "b"),
        ("A", "parent", "33333333", 300, "c"),
    ]
    settings = Settings(min_cell=1)
    prep = prepare(frame(rows), SCH, Q8, settings)
    assert prep.frame["straight_line"].tolist() == [True, False, True]
    short = prepare(frame(rows[:1]), SCH, {("t", 1): tiny(n_items=3)}, settings)
    assert not short.frame["straight_line"].any()


def _varied(school: str, n: int, prefix: str = "v") -> list[tuple]:
    """n honest answers of another school, of many kinds (none near 1111), from as many
    phones."""
    return [
        (school, "parent", f"{2 + i % 2}{2 + (i // 2) % 2}{2 + (i // 4) % 2}3", 200, f"{prefix}{i}")
        for i in range(n)
    ]


def test_burst_from_one_network_with_near_identical_answers():
    rows = [("A", "parent", "1111", 200, "same", i) for i in range(5)]
    rows += [("A", "parent", "2222", 200, "same", 30)]  # outside the window, different
    rows += [("B", "parent", "1111", 200, f"d{i}", i) for i in range(5)]  # many devices
    rows += _varied("B", 20)
    flags = _flags(rows)
    assert flags["burst"].tolist() == [True] * 5 + [False] * 26


def test_a_changed_user_agent_does_not_hide_a_burst():
    """Each sheet from another browser (device hash) but one address: still one network."""
    rows = [("A", "parent", "1112", 200, f"ua{i}", i) for i in range(6)] + _varied("B", 20)
    df = frame(rows)
    df["address"] = ["school-wifi"] * 6 + [f"home{i}" for i in range(20)]
    df["submitted_at"] = df["submitted_at"].astype("datetime64[ns]")
    flags = flag_responses(df, np.zeros(len(df), bool), QualityConfig())
    assert flags["burst"].tolist() == [True] * 6 + [False] * 20
    assert not flags["duplicate"].any()  # different devices: no duplicate


def test_a_computer_room_as_satisfied_as_the_county_is_no_burst():
    """Pupils in one room answer 满意 everywhere as often as the rest of the county does."""
    room = [("A", "parent", "1111", 200, f"pc{i}", i) for i in range(5)]
    room += [("A", "parent", "1211", 200, f"pc{i + 5}", i) for i in range(2)]
    county = [("B", "parent", "1111", 200, f"b{i}") for i in range(30)]
    county += _varied("C", 20, "c")
    df = frame(room + county)
    df["address"] = ["room"] * 7 + [f"home{i}" for i in range(50)]
    df["submitted_at"] = df["submitted_at"].astype("datetime64[ns]")
    flags = flag_responses(df, np.zeros(len(df), bool), QualityConfig())
    assert not flags["burst"].any()
    stuffed = df.copy()
    stuffed.loc[stuffed["school"] == "B", "vector"] = vec("3333")
    # the county answers otherwise: the same room is now a burst
    flags = flag_responses(stuffed, np.zeros(len(df), bool), QualityConfig())
    assert flags["burst"].tolist()[:7] == [True] * 7


def test_duplicate_that_slipped_through():
    rows = [
        ("A", "parent", "1213", 200, "dev", 0),
        ("A", "parent", "1213", 200, "dev", 5),
        ("A", "parent", "1213", 200, "dev", 300),
        ("A", "parent", "1213", 200, "other", 6),
    ]
    assert _flags(rows)["duplicate"].tolist() == [False, True, False, False]


def test_coached_school_flagged_for_review():
    rows = [("A", "parent", "1111", 200, f"a{i}") for i in range(8)]
    rows += [("A", "parent", "1213", 200, "a9"), ("A", "parent", "2113", 200, "a10")]
    rows += [
        ("B", "parent", f"{i % 3 + 1}{i % 2 + 1}{(i // 2) % 3 + 1}1", 200, f"b{i}")
        for i in range(20)
    ]
    df = frame(rows)
    result = coached_schools(df, QualityConfig())
    a = result[result["school"] == "A"].iloc[0]
    b = result[result["school"] == "B"].iloc[0]
    assert bool(a["flagged"]) and a["modal_share"] == pytest.approx(0.8) and a["networks"] == 8
    assert not bool(b["flagged"])


def test_headline_under_each_screening_rule():
    rows = [
        ("A", "parent", "111", 5, "x"),  # under the absolute floor: strong evidence
        ("A", "parent", "333", 300, "y"),
        ("A", "parent", "113", 300, "z"),
    ]
    sch = schools(("A", 100))
    for rule, expected in (("strong", 2 / 6), ("any", 2 / 6), ("none", 5 / 9)):
        settings = Settings(min_cell=1, screen_rule=rule)
        result = analyze(prepare(frame(rows), sch, {("t", 1): tiny()}, settings), sch, settings)
        g = result["groups"]["parent"]
        assert g["rate"] == pytest.approx(expected)
        assert g["all_responses"]["rate"] == pytest.approx(5 / 9)
        assert result["quality"]["counts"]["too_fast"] == 1 and g["flagged"] == 1
        assert {r: v["removed"] for r, v in result["quality"]["rules"].items()} == {
            "strong": 1,
            "none": 0,
            "any": 1,
        }


def test_straight_lining_alone_never_leaves_the_default_headline():
    q8 = {("t", 1): tiny(n_items=8)}
    sch = schools(("A", 100))
    rows = [("A", "parent", "11111111", 240 + i, f"s{i}") for i in range(6)]  # honest 满意
    rows += [("A", "parent", "12131123", 250 + i, f"o{i}") for i in range(4)]
    rows += [("A", "parent", "11111111", 40, "quick")]  # straight and far faster than most
    results = {}
    for rule in ("strong", "any"):
        settings = Settings(min_cell=1, screen_rule=rule)
        results[rule] = analyze(prepare(frame(rows), sch, q8, settings), sch, settings)
    strong, strict = results["strong"], results["any"]
    assert strong["quality"]["counts"]["straight_line"] == 7
    assert strong["analysed"] == 10  # only the quick straight-liner left out
    assert strict["analysed"] == 4


def test_small_cells_keep_counts_but_withhold_rates():
    rows = [("A", "teacher", "111", 300, f"t{i}") for i in range(3)]
    rows += [("B", "teacher", "113", 300, f"u{i}") for i in range(6)]
    settings = Settings(min_cell=5)
    result = analyze(prepare(frame(rows), SCH, {("t", 1): tiny()}, settings), SCH, settings)
    cells = {r["school_code"]: r for r in result["schools"]}
    assert cells["A"]["n"] == 3 and cells["A"]["rate"] is None and cells["A"]["suppressed"]
    assert cells["B"]["rate"] == pytest.approx(4 / 6)
    assert result["groups"]["teacher"]["n"] == 9  # counted at the level above
    assert result["groups"]["teacher"]["rate"] == pytest.approx((9 + 12) / 27)
    a_items = [r for r in result["items"] if r["group"] == "teacher"]
    assert a_items and all(r["rate"] is not None for r in a_items)
