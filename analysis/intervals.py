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


def ratio_estimate(
    y: np.ndarray, m: np.ndarray, w: np.ndarray | None = None, z: float = Z95
) -> Estimate:
    """A pooled rate Σw·y / Σw·m with the respondent as the cluster.

    y: recognised answers (or score points) per respondent, m: valid answers per respondent.
    The variance is the linearised (Taylor) variance of a ratio estimator,
    n/(n−1) · Σ w²(y − r·m)² / (Σ w·m)², so answers of one person count as one cluster.
    Respondents with no valid answer are left out.
    """
    y, m = np.asarray(y, float), np.asarray(m, float)
    w = np.ones_like(m) if w is None else np.asarray(w, float)
    keep = m > 0
    y, m, w = y[keep], m[keep], w[keep]
    n = int(keep.sum())
    if n == 0:
        return EMPTY
    total_m = float((w * m).sum())
    rate = float((w * y).sum()) / total_m
    n_eff = kish(w)
    if n > 1:
        resid = w * (y - rate * m)
        var = n / (n - 1) * float((resid * resid).sum()) / (total_m * total_m)
    else:
        var = 0.0
    se = math.sqrt(var)
    if se == 0.0:
        # one respondent, or respondents who all gave the same share: the linearised
        # variance is zero, which would claim certainty; take a Wilson interval with each
        # respondent as one observation (answers of one person are not independent)
        low, high = wilson(rate * n_eff, n_eff, z)
        return Estimate(rate, se, low, high, n, n_eff)
    return Estimate(rate, se, max(0.0, rate - z * se), min(1.0, rate + z * se), n, n_eff)


def _answered(x, w) -> tuple[np.ndarray, np.ndarray]:
    """Per-respondent values and weights, without the respondents who have no value (NaN)."""
    x = np.asarray(x, float)
    w = np.ones_like(x) if w is None else np.asarray(w, float)
    keep = ~np.isnan(x)
    return x[keep], w[keep]


def mean_estimate(x: np.ndarray, w: np.ndarray | None = None, z: float = Z95) -> Estimate:
    """A (weighted) mean of per-respondent proportions with a normal interval."""
    x, w = _answered(x, w)
    if len(x) == 0:
        return EMPTY
    return ratio_estimate(x, np.ones_like(x), w, z)


def proportion_estimate(x: np.ndarray, w: np.ndarray | None = None, z: float = Z95) -> Estimate:
    """A proportion of respondents (0/1, NaN = no valid answer) with a Wilson interval;
    weighted: Wilson at the Kish effective size."""
    x, w = _answered(x, w)
    n = len(x)
    if n == 0:
        return EMPTY
    rate = float((w * x).sum() / w.sum())
    n_eff = kish(w)
    low, high = wilson(rate * n_eff, n_eff, z)
    se = math.sqrt(rate * (1 - rate) / n_eff)
    return Estimate(rate, se, low, high, n, n_eff)


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
