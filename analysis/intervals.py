"""Confidence intervals, the exact binomial test and the verdict against a threshold."""

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
    if n > 1:
        resid = w * (y - rate * m)
        var = n / (n - 1) * float((resid * resid).sum()) / (total_m * total_m)
    else:
        var = 0.0
    se = math.sqrt(var)
    return Estimate(rate, se, max(0.0, rate - z * se), min(1.0, rate + z * se), n, kish(w))


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


def verdict(est: Estimate, threshold: float) -> str | None:
    """'meets' (interval above the threshold), 'below' (under it) or 'inconclusive'."""
    if est.rate is None or est.ci_low is None:
        return None
    if est.ci_low >= threshold:
        return "meets"
    if est.ci_high < threshold:
        return "below"
    return "inconclusive"


def more_needed(est: Estimate, threshold: float, z: float = Z95) -> int | None:
    """About how many more respondents would settle an inconclusive verdict, if the rate and
    the spread stay as they are (the standard error shrinks as 1/√n). None: cannot settle."""
    if est.rate is None or est.se is None or est.n == 0:
        return None
    gap = abs(est.rate - threshold)
    if gap == 0:
        return None
    if verdict(est, threshold) != "inconclusive":
        return 0
    needed = est.n * (z * est.se / gap) ** 2
    return max(1, math.ceil(needed - est.n))
