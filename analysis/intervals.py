"""Confidence intervals, the exact binomial test and the verdict against a threshold.

The verdict of record is the official point rule: a rate at or above the threshold meets it.
The interval stands beside it (above / spans / under the threshold) and says how safe the
verdict is; it never replaces it. Too few respondents give no verdict at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, norm

Z95 = float(norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    rate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int  #: respondents behind the figure
    n_eff: float | None = None  #: Kish effective sample size (weighted figures)


EMPTY = Estimate(None, None, None, None, 0, None)


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; n may be an effective (fractional) size."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def kish(weights: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²."""
    w = np.asarray(weights, dtype=float)
    s2 = float((w * w).sum())
    return float(w.sum()) ** 2 / s2 if s2 > 0 else 0.0


def _cells(n: int, cells: np.ndarray | None, n_cells: int) -> tuple[np.ndarray, int]:
    if cells is None:
        return np.zeros(n, np.intp), 1
    return np.asarray(cells, np.intp), n_cells


def _by_cell(cells: np.ndarray, n_cells: int, values: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(cells, values, minlength=n_cells).astype(float)


def ratio_estimates(
    y: np.ndarray,
    m: np.ndarray,
    w: np.ndarray | None = None,
    cells: np.ndarray | None = None,
    n_cells: int = 1,
    z: float = Z95,
) -> list[Estimate]:
    """A pooled rate Σw·y / Σw·m with the respondent as the cluster, for each cell of a
    breakdown at once (cells: a cell number per respondent; None: one cell).

    y: recognised answers (or score points) per respondent, m: valid answers per respondent.
    The variance is the linearised (Taylor) variance of a ratio estimator,
    n/(n−1) · Σ w²(y − r·m)² / (Σ w·m)², so answers of one person count as one cluster.
    Respondents with no valid answer are left out.
    """
    m = np.asarray(m)
    cells, n_cells = _cells(len(m), cells, n_cells)
    keep = m > 0
    if not (cells >= 0).all():  # (a row of no cell: -1)
        keep &= cells >= 0
        cells = np.where(keep, cells, 0)
    # a respondent with no valid answer adds 0 to Σy and Σm (y ≤ m) and to the residuals; it
    # is left out of n and, through its weight, of the Kish size
    n = np.bincount(cells, keep, minlength=n_cells).astype(np.int64)
    if w is None:  # the common case: no weights to multiply by
        wm, wy = m, np.asarray(y)
        if not keep.all():
            wm, wy = np.where(keep, wm, 0), np.where(keep, wy, 0)
        sum_w = sum_w2 = n.astype(float)
    else:
        w = np.where(keep, np.asarray(w, float), 0.0)
        wm, wy = w * m, w * np.asarray(y)
        sum_w, sum_w2 = _by_cell(cells, n_cells, w), _by_cell(cells, n_cells, w * w)
    total_m = _by_cell(cells, n_cells, wm)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = _by_cell(cells, n_cells, wy) / total_m
    resid = wy - rate[cells] * wm
    squares = _by_cell(cells, n_cells, resid * resid)
    out = []
    for c in range(n_cells):
        if n[c] == 0:
            out.append(EMPTY)
            continue
        r, n_eff = float(rate[c]), float(sum_w[c] ** 2 / sum_w2[c])
        var = n[c] / (n[c] - 1) * squares[c] / total_m[c] ** 2 if n[c] > 1 else 0.0
        se = math.sqrt(var)
        if se == 0.0:
            # one respondent, or respondents who all gave the same share: the linearised
            # variance is zero, which would claim certainty; take a Wilson interval with each
            # respondent as one observation (answers of one person are not independent)
            low, high = wilson(r * n_eff, n_eff, z)
        else:
            low, high = max(0.0, r - z * se), min(1.0, r + z * se)
        out.append(Estimate(r, se, low, high, int(n[c]), n_eff))
    return out


def ratio_estimate(
    y: np.ndarray, m: np.ndarray, w: np.ndarray | None = None, z: float = Z95
) -> Estimate:
    """ratio_estimates of one set of respondents."""
    return ratio_estimates(y, m, w, z=z)[0]


def mean_estimates(
    x: np.ndarray,
    w: np.ndarray | None = None,
    cells: np.ndarray | None = None,
    n_cells: int = 1,
    z: float = Z95,
) -> list[Estimate]:
    """A (weighted) mean of per-respondent proportions (NaN = none) with a normal interval,
    per cell."""
    x = np.asarray(x, float)
    answered = ~np.isnan(x)
    return ratio_estimates(np.where(answered, x, 0.0), answered, w, cells, n_cells, z)


def mean_estimate(x: np.ndarray, w: np.ndarray | None = None, z: float = Z95) -> Estimate:
    return mean_estimates(x, w, z=z)[0]


def proportion_estimates(
    x: np.ndarray,
    w: np.ndarray | None = None,
    cells: np.ndarray | None = None,
    n_cells: int = 1,
    z: float = Z95,
) -> list[Estimate]:
    """A proportion of respondents (0/1, NaN = no valid answer) with a Wilson interval, per
    cell; weighted: Wilson at the Kish effective size."""
    x = np.asarray(x, float)
    w = np.ones_like(x) if w is None else np.asarray(w, float)
    cells, n_cells = _cells(len(x), cells, n_cells)
    keep = ~np.isnan(x) & (cells >= 0)
    x, w, cells = x[keep], w[keep], cells[keep]
    n = np.bincount(cells, minlength=n_cells)
    sum_wx = _by_cell(cells, n_cells, w * x)
    sum_w, sum_w2 = _by_cell(cells, n_cells, w), _by_cell(cells, n_cells, w * w)
    out = []
    for c in range(n_cells):
        if n[c] == 0:
            out.append(EMPTY)
            continue
        rate, n_eff = float(sum_wx[c] / sum_w[c]), float(sum_w[c] ** 2 / sum_w2[c])
        low, high = wilson(rate * n_eff, n_eff, z)
        se = math.sqrt(rate * (1 - rate) / n_eff)
        out.append(Estimate(rate, se, low, high, int(n[c]), n_eff))
    return out


def proportion_estimate(x: np.ndarray, w: np.ndarray | None = None, z: float = Z95) -> Estimate:
    return proportion_estimates(x, w, z=z)[0]


def binomial_p_value(successes: int, n: int, threshold: float) -> float | None:
    """One-sided exact binomial p-value of H0: rate ≤ threshold against H1: rate > threshold."""
    if n <= 0:
        return None
    return float(binom.sf(successes - 1, n, threshold))


#: fewer respondents than this never get a verdict, whatever the campaign's setting
VERDICT_FLOOR = 3


def verdict_minimum(setting: int, target: int | None) -> int:
    """Respondents a verdict needs: the campaign's setting, never more than the target (so a
    county's eight principals all answering still get a verdict), never under VERDICT_FLOOR."""
    wanted = setting if not target or target <= 0 else min(setting, target)
    return max(VERDICT_FLOOR, wanted)


def verdict(est: Estimate, threshold: float, min_n: int = VERDICT_FLOOR) -> str | None:
    """The verdict of record: 'meets' (rate ≥ threshold), 'below', or 'insufficient' (fewer
    than min_n respondents); None where there is no valid answer at all."""
    if est.rate is None:
        return None
    if est.n < max(min_n, VERDICT_FLOOR):
        return "insufficient"
    return "meets" if est.rate >= threshold else "below"


def interval_vs_threshold(est: Estimate, threshold: float) -> str | None:
    """'above' (the whole interval at or above the threshold), 'spans' or 'under'."""
    if est.ci_low is None or est.ci_high is None:
        return None
    if est.ci_low >= threshold:
        return "above"
    if est.ci_high < threshold:
        return "under"
    return "spans"


def more_needed(
    est: Estimate, threshold: float, headroom: int | None = None, z: float = Z95
) -> int | None:
    """About how many more respondents would bring the interval clear of the threshold, if the
    rate and the spread stay as they are (the standard error shrinks as 1/√n); only when the
    interval spans the threshold and the number is one a bureau can act on: no more than
    `headroom` (the group's remaining target or population), or, where that is unknown, no
    more than the respondents so far. None otherwise."""
    if interval_vs_threshold(est, threshold) != "spans" or not est.se or est.rate is None:
        return None
    gap = abs(est.rate - threshold)
    if gap == 0:
        return None
    needed = max(1, math.ceil(est.n * (z * est.se / gap) ** 2 - est.n))
    limit = headroom if headroom is not None else est.n
    return needed if needed <= limit else None
