"""The four recognition methods, intervals and verdicts on hand-computed tables."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binom

from analysis.intervals import (
    binomial_p_value,
    interval_vs_threshold,
    kish,
    more_needed,
    proportion_estimate,
    ratio_estimate,
    verdict,
    verdict_minimum,
    wilson,
)
from analysis.report import Settings, analyze, prepare
from tests.analysis.helpers import frame, schools, tiny

Q = {("t", 1): tiny()}
SCHOOLS = schools(("A", 100), ("B", 300))
# parent answers on Q1 Q2 Q3(overall); 1,2 recognised; 3 not; 9 don't know; space blank
ROWS = [
    ("A", "parent", "121", 200, "n1"),  # rec 3 of 3, score 1+.8+1 = 2.8, overall yes
    ("A", "parent", "133", 200, "n2"),  # rec 1 of 3, score 1.0, overall no
    ("B", "parent", "9 2", 200, "n3"),  # rec 1 of 1 (9 and blank excluded), score .8, overall yes
    ("B", "parent", "399", 200, "n4"),  # rec 0 of 1, score 0, overall invalid
]


def run(method, rows=ROWS, **kw):
    settings = Settings(method=method, min_cell=1, **kw)
    prep = prepare(frame(rows), SCHOOLS, Q, settings)
    return analyze(prep, SCHOOLS, settings)


def test_positive_share_pools_answers():
    g = run("positive_share")["groups"]["parent"]
    assert g["rate"] == pytest.approx(5 / 8) and g["n"] == 4


def test_respondent_mean_averages_people():
    g = run("respondent_mean")["groups"]["parent"]
    assert g["rate"] == pytest.approx((1 + 1 / 3 + 1 + 0) / 4)


def test_option_scores_mean_score_over_max():
    g = run("option_scores")["groups"]["parent"]
    assert g["rate"] == pytest.approx((2.8 + 1.0 + 0.8 + 0) / 8)


def test_overall_item_with_wilson_and_exact_p():
    g = run("overall_item")["groups"]["parent"]
    assert g["rate"] == pytest.approx(2 / 3) and g["n"] == 3
    low, high = wilson(2, 3)
    assert (g["ci_low"], g["ci_high"]) == pytest.approx((low, high))
    assert g["p_value"] == pytest.approx(binom.sf(1, 3, 0.85))


def test_wilson_matches_the_formula():
    z = 1.959963984540054
    p, n = 0.9, 50
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson(45, 50) == pytest.approx((centre - half, centre + half))


def test_ratio_interval_treats_the_respondent_as_cluster():
    y, m = [3, 1, 1, 0], [3, 3, 1, 1]
    est = ratio_estimate(y, m)
    r = 5 / 8
    var = 4 / 3 * sum((yi - r * mi) ** 2 for yi, mi in zip(y, m, strict=True)) / 64
    assert est.rate == pytest.approx(r) and est.se == pytest.approx(math.sqrt(var))
    assert est.ci_low == pytest.approx(r - 1.959963984540054 * math.sqrt(var))


def test_the_verdict_of_record_is_the_point_rule_with_the_interval_beside_it():
    high = proportion_estimate([1.0] * 95 + [0.0] * 5)
    assert verdict(high, 0.85) == "meets" and interval_vs_threshold(high, 0.85) == "above"
    assert more_needed(high, 0.85) is None  # nothing to settle
    low = proportion_estimate([1.0] * 60 + [0.0] * 40)
    assert verdict(low, 0.85) == "below" and interval_vs_threshold(low, 0.85) == "under"
    close = proportion_estimate([1.0] * 88 + [0.0] * 12)
    # 88% ≥ 85%: the official rule says 达标, the interval only says how safe that is
    assert verdict(close, 0.85) == "meets" and interval_vs_threshold(close, 0.85) == "spans"
    n_star = 100 * (1.959963984540054 * close.se / 0.03) ** 2
    assert more_needed(close, 0.85, headroom=1000) == math.ceil(n_star - 100)
    bigger = proportion_estimate([1.0] * (88 * 6) + [0.0] * (12 * 6))
    assert interval_vs_threshold(bigger, 0.85) == "above"  # 600 > 100 + extra at that rate
    just_under = proportion_estimate([1.0] * 849 + [0.0] * 151)
    assert verdict(just_under, 0.85) == "below"


def test_more_needed_only_when_a_bureau_can_act_on_it():
    razor = proportion_estimate([1.0] * 851 + [0.0] * 149)  # 85.1%
    assert interval_vs_threshold(razor, 0.85) == "spans"
    assert more_needed(razor, 0.85, headroom=200) is None  # ~140,000 more: not a plan
    assert more_needed(razor, 0.85) is None  # no target known: at most the sample again
    close = proportion_estimate([1.0] * 88 + [0.0] * 12)
    assert more_needed(close, 0.85, headroom=10) is None
    assert more_needed(close, 0.85) is None  # ~350 more than the 100 so far
    nearer = proportion_estimate([1.0] * 90 + [0.0] * 10)
    assert interval_vs_threshold(nearer, 0.85) == "spans"
    assert 0 < more_needed(nearer, 0.85) <= 100


def test_too_few_respondents_get_no_verdict():
    one = ratio_estimate([12], [13])
    assert verdict(one, 0.85) == "insufficient" and one.rate == pytest.approx(12 / 13)
    assert one.ci_high - one.ci_low > 0.2  # one person settles nothing: no zero-width interval
    two = proportion_estimate([1.0, 1.0])
    assert verdict(two, 0.85, min_n=1) == "insufficient"  # never under three, whatever is asked
    eight = ratio_estimate([10] * 8, [10] * 8)  # a county's eight principals, all 满意
    assert verdict(eight, 0.85, verdict_minimum(10, 8)) == "meets"
    assert verdict(eight, 0.85, verdict_minimum(10, None)) == "insufficient"
    assert eight.ci_low < 1.0 and eight.ci_high == 1.0  # all alike: still an honest interval
    assert verdict_minimum(10, 2) == 3 and verdict_minimum(10, 50) == 10


def test_binomial_p_value_and_kish():
    assert binomial_p_value(90, 100, 0.85) == pytest.approx(binom.sf(89, 100, 0.85))
    assert binomial_p_value(0, 0, 0.85) is None
    assert kish([1, 1, 1, 1]) == 4 and kish([1, 3]) == pytest.approx(16 / 10)


def test_group_with_no_responses_all_dont_know_and_one_school():
    result = run(
        "positive_share", rows=ROWS + [("A", "teacher", "999", 100, "t1")], group_weights=None
    )
    teacher = result["groups"]["teacher"]
    assert teacher["responses"] == 1 and teacher["n"] == 0 and teacher["rate"] is None
    assert teacher["verdict"] is None
    one = run("positive_share", rows=[r for r in ROWS if r[0] == "A"])
    assert [s["school_code"] for s in one["schools"]] == ["A"]
    assert one["groups"]["parent"]["rate"] == pytest.approx(4 / 6)
    assert "student" not in run("positive_share")["groups"]


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        run("median_vibes")
