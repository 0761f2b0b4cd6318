"""analysis.compare on small documents: missing figures, the change rule, unmatched items."""

from __future__ import annotations

import pytest

from analysis.compare import change, compare, newcombe


def _doc(groups: dict, items: list[dict], threshold: float = 0.85) -> dict:
    return {
        "threshold": threshold,
        "method": "positive_share",
        "groups": groups,
        "items": items,
        "school_totals": [],
        "weak_items": {"parent": [i for i in items if i.get("rate") and i["rate"] < threshold]},
    }


def test_newcombe_of_equal_rates_covers_zero_symmetrically():
    low, high = newcombe(0.8, 0.7, 0.88, 0.8, 0.7, 0.88)
    assert low == pytest.approx(-high) and low < 0 < high


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.01, 0.05, "improved"),
        (-0.05, -0.001, "worsened"),
        (-0.01, 0.02, "unchanged"),
        (None, 0.1, None),
    ],
)
def test_the_change_follows_the_interval(low, high, expected):
    assert change(low, high) == expected


def test_figures_missing_in_one_round_are_not_compared_and_unmatched_items_listed():
    a = _doc(
        {
            "parent": {"label": "家长", "rate": 0.8, "se": 0.02, "n": 100},
            "public": {"label": "社会公众", "rate": 0.9, "se": 0.03, "n": 40},
        },
        [
            {
                "group": "parent",
                "item": "P01",
                "text": "t",
                "rate": 0.7,
                "ci_low": 0.6,
                "ci_high": 0.78,
                "n": 100,
            },
            {
                "group": "parent",
                "item": "P09",
                "text": "u",
                "rate": 0.9,
                "ci_low": 0.8,
                "ci_high": 0.95,
                "n": 100,
            },
        ],
    )
    b = _doc(
        {
            "parent": {"label": "家长", "rate": None, "se": None, "n": 3},
            "public": {"label": "社会公众", "rate": 0.95, "se": 0.02, "n": 50},
        },
        [
            {
                "group": "parent",
                "item": "P01",
                "text": "t",
                "rate": 0.9,
                "ci_low": 0.84,
                "ci_high": 0.94,
                "n": 120,
            },
            {
                "group": "parent",
                "item": "P10",
                "text": "v",
                "rate": 0.9,
                "ci_low": 0.8,
                "ci_high": 0.95,
                "n": 120,
            },
        ],
    )
    out = compare(a, b)
    assert out["groups"]["parent"]["diff"] is None and out["groups"]["parent"]["change"] is None
    assert out["groups"]["public"]["diff"] == pytest.approx(0.05)
    assert [r["item"] for r in out["items"]] == ["P01"]
    assert out["items"][0]["change"] == "improved"
    assert out["unmatched_items"] == {
        "only_a": [{"group": "parent", "item": "P09"}],
        "only_b": [{"group": "parent", "item": "P10"}],
    }
    assert out["weak_items"]["parent"][0]["item"] == "P01"
    assert out["weak_items"]["parent"][0]["below_b"] is False
