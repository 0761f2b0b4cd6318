"""Two rounds compared (a rehearsal and the real self-assessment, say): per group, item and
school, both rates, the difference B − A with its 95% interval, and whether it changed.

Pure functions over two analysis documents (analysis.report.analyze):
- a pooled rate (a group, a school) is a ratio estimate with its own standard error; the two
  rounds are independent samples, so the difference's standard error is √(se_a² + se_b²);
- a single item's rate is a proportion with a Wilson interval; the difference gets Newcombe's
  hybrid score interval (Newcombe 1998, method 10), built from the two Wilson intervals.
A change is `improved` or `worsened` when the interval leaves out 0, else `unchanged`; a
figure missing in either round (too few respondents, not asked) gives no difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .intervals import Z95

IMPROVED, WORSENED, UNCHANGED = "improved", "worsened", "unchanged"


def newcombe(
    p1: float, l1: float, u1: float, p2: float, l2: float, u2: float
) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p2 − p1 from each rate's Wilson interval."""
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return max(-1.0, low), min(1.0, high)


def pooled_difference(
    rate_a: float, se_a: float, rate_b: float, se_b: float, z: float = Z95
) -> tuple[float, float, float]:
    """B − A of two independent ratio estimates and its normal interval."""
    d = rate_b - rate_a
    half = z * math.sqrt(se_a**2 + se_b**2)
    return d, max(-1.0, d - half), min(1.0, d + half)


def change(low: float | None, high: float | None) -> str | None:
    if low is None or high is None:
        return None
    if low > 0:
        return IMPROVED
    if high < 0:
        return WORSENED
    return UNCHANGED


def _row(a: Mapping | None, b: Mapping | None, single_item: bool) -> dict:
    """rate_a, rate_b, diff, ci_low, ci_high, change (and n of each) of one figure."""
    out = {
        "rate_a": a.get("rate") if a else None,
        "rate_b": b.get("rate") if b else None,
        "n_a": a.get("n") if a else None,
        "n_b": b.get("n") if b else None,
        "diff": None,
        "ci_low": None,
        "ci_high": None,
        "change": None,
    }
    if out["rate_a"] is None or out["rate_b"] is None:
        return out
    if single_item:
        if None in (a.get("ci_low"), a.get("ci_high"), b.get("ci_low"), b.get("ci_high")):
            return out  # a score rate: no interval to combine
        d = b["rate"] - a["rate"]
        low, high = newcombe(
            a["rate"], a["ci_low"], a["ci_high"], b["rate"], b["ci_low"], b["ci_high"]
        )
    else:
        if a.get("se") is None or b.get("se") is None:
            return out
        d, low, high = pooled_difference(a["rate"], a["se"], b["rate"], b["se"])
    out.update(diff=d, ci_low=low, ci_high=high, change=change(low, high))
    return out


def compare(doc_a: Mapping, doc_b: Mapping) -> dict:
    """Round B against round A, figure by figure (see the module's docstring).

    Items are matched by group and item code; those found in one round only are listed in
    `unmatched_items`. Schools are matched by school code (their pooled rate, all groups).
    `weak_items`: round A's weak items (短板) per group, and where each stands in round B.
    """
    groups_a, groups_b = doc_a["groups"], doc_b["groups"]
    groups = [g for g in groups_a if g in groups_b]
    items_a = {(r["group"], r["item"]): r for r in doc_a["items"]}
    items_b = {(r["group"], r["item"]): r for r in doc_b["items"]}
    items = []
    for key, a in items_a.items():
        if key in items_b:
            items.append(
                {"group": key[0], "item": key[1], "text": a["text"], **_row(a, items_b[key], True)}
            )
    schools_a = {r["school_code"]: r for r in doc_a["school_totals"]}
    schools_b = {r["school_code"]: r for r in doc_b["school_totals"]}
    schools = [
        {
            "school_code": code,
            "school_name": a.get("school_name") or schools_b[code].get("school_name", ""),
            **_row(a, schools_b[code], False),
        }
        for code, a in schools_a.items()
        if code in schools_b
    ]
    weak = {}
    for g in groups:
        weak[g] = []
        for w in doc_a.get("weak_items", {}).get(g, []):
            b = items_b.get((g, w["item"]))
            row = _row(items_a.get((g, w["item"])), b, True)
            row.update(
                item=w["item"],
                text=w["text"],
                below_b=None if row["rate_b"] is None else row["rate_b"] < doc_b["threshold"],
            )
            weak[g].append(row)
    return {
        "a": doc_a.get("campaign"),
        "b": doc_b.get("campaign"),
        "threshold_a": doc_a["threshold"],
        "threshold_b": doc_b["threshold"],
        "method_a": doc_a["method"],
        "method_b": doc_b["method"],
        "groups": {
            g: {"label": groups_a[g].get("label", g), **_row(groups_a[g], groups_b[g], False)}
            for g in groups
        },
        "items": items,
        "schools": schools,
        "unmatched_items": {
            "only_a": [{"group": g, "item": i} for g, i in items_a if (g, i) not in items_b],
            "only_b": [{"group": g, "item": i} for g, i in items_b if (g, i) not in items_a],
        },
        "unmatched_groups": sorted(set(groups_a) ^ set(groups_b)),
        "weak_items": weak,
    }
