"""Rates by the four methods for any breakdown of respondents, with small cells withheld."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .intervals import (
    EMPTY,
    VERDICT_FLOOR,
    Estimate,
    binomial_p_value,
    interval_vs_threshold,
    mean_estimates,
    more_needed,
    proportion_estimates,
    ratio_estimates,
    verdict,
    verdict_minimum,
)

#: method code -> description (the Chinese labels: survey/web/labels.py)
METHODS = {
    "positive_share": "recognised answers ÷ valid answers, pooled over the scored items",
    "respondent_mean": "each respondent's recognised ÷ valid, averaged over respondents",
    "option_scores": "mean option score ÷ the maximum score, over valid answers",
    "overall_item": "recognised ÷ valid on the overall-satisfaction item alone",
}


def estimates(
    frame: pd.DataFrame,
    method: str,
    weighted: bool = False,
    cells: np.ndarray | None = None,
    n_cells: int = 1,
) -> list[Estimate]:
    """One figure by one method for each cell of a breakdown (cells: a cell number per row of
    frame; None: all rows are one cell)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {sorted(METHODS)}")
    if frame.empty:
        return [EMPTY] * n_cells
    w = frame["weight"].to_numpy(float) if weighted else None
    if method == "positive_share":
        y, m = frame["rec"].to_numpy(), frame["valid"].to_numpy()
        return ratio_estimates(y, m, w, cells, n_cells)
    if method == "option_scores":
        y, m = frame["score_sum"].to_numpy(), frame["score_n"].to_numpy()
        return ratio_estimates(y, m, w, cells, n_cells)
    if method == "respondent_mean":
        valid = frame["valid"].to_numpy(float)
        share = np.divide(
            frame["rec"].to_numpy(float), valid, out=np.full(len(frame), np.nan), where=valid > 0
        )
        return mean_estimates(share, w, cells, n_cells)
    return proportion_estimates(frame["overall"].to_numpy(float), w, cells, n_cells)


def estimate(frame: pd.DataFrame, method: str, weighted: bool = False) -> Estimate:
    """One figure by one method over a set of respondents (rows of frame)."""
    return estimates(frame, method, weighted)[0]


def check(
    est: Estimate,
    threshold: float,
    method: str,
    frame: pd.DataFrame | None = None,
    min_n: int = VERDICT_FLOOR,
    headroom: int | None = None,
) -> dict:
    """The threshold check of one figure as plain data: the verdict of record (point rule,
    'insufficient' under min_n respondents) and, beside it, where the interval stands."""
    out = {
        "n": est.n,
        "rate": est.rate,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "se": est.se,
        "n_eff": est.n_eff,
        "verdict": verdict(est, threshold, min_n),
        "min_n": min_n,
        "interval_vs_threshold": interval_vs_threshold(est, threshold),
        "more_needed": more_needed(est, threshold, headroom),
        "p_value": None,
    }
    if method == "overall_item" and frame is not None and not frame.empty:
        x = frame["overall"].to_numpy(float)
        x = x[~np.isnan(x)]
        out["p_value"] = binomial_p_value(int(x.sum()), len(x), threshold)
    return out


def _cells(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, list[tuple]]:
    """A cell number per row for the combinations of the categorical columns `by` (-1 where a
    value is missing), and each cell's labels, in the categories' order: arithmetic on the
    category codes instead of a group-by."""
    cells = np.zeros(len(frame), np.int64)
    missing = np.zeros(len(frame), bool)
    labels: list[tuple] = [()]
    for col in by:
        values = frame[col]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("category")
        codes = values.cat.codes.to_numpy().astype(np.int64)
        categories = list(values.cat.categories)
        missing |= codes < 0
        cells = cells * len(categories) + codes
        labels = [(*key, cat) for key in labels for cat in categories]
    cells[missing] = -1
    return cells, labels


def table(
    frame: pd.DataFrame,
    by: Sequence[str],
    method: str,
    threshold: float,
    min_cell: int,
    weighted: bool = False,
    min_verdict_n: int | None = None,
    targets: Mapping[tuple, int] | None = None,
) -> list[dict]:
    """One row per cell of the breakdown: keys, n, and (unless n < min_cell) the rate and its
    interval. A withheld cell keeps its count and says so. With min_verdict_n each row also
    carries its verdict (the minimum capped by the cell's target in `targets`)."""
    rows = []
    if frame.empty:
        return rows
    cells, labels = _cells(frame, by)
    sizes = np.bincount(cells[cells >= 0], minlength=len(labels))
    found = estimates(frame, method, weighted, cells, len(labels))
    for c, keys in enumerate(labels):
        if not sizes[c]:
            continue
        row = dict(zip(by, keys, strict=True))
        row["n"] = int(sizes[c])
        if sizes[c] < min_cell:  # a withheld cell shows its count only
            row.update(rate=None, ci_low=None, ci_high=None, se=None, suppressed=True, below=None)
            if min_verdict_n is not None:
                row.update(verdict="insufficient", interval_vs_threshold=None)
        else:
            est = found[c]
            row.update(
                rate=est.rate,
                ci_low=est.ci_low,
                ci_high=est.ci_high,
                se=est.se,  # (two rounds compared combine the standard errors)
                suppressed=False,
                below=None if est.rate is None else est.rate < threshold,
            )
            if min_verdict_n is not None:
                target = (targets or {}).get(keys)
                row.update(
                    verdict=verdict(est, threshold, verdict_minimum(min_verdict_n, target)),
                    interval_vs_threshold=interval_vs_threshold(est, threshold),
                )
        rows.append(row)
    return rows
