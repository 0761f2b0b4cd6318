"""Weights: post-stratification by enrolment, and group weights for a county figure."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .intervals import Estimate

#: groups whose answers are post-stratified to school enrolment when a campaign asks for it
POSTSTRATIFIED = ("student", "parent")


def poststratify(
    frame: pd.DataFrame, enrolment: Mapping[str, float], groups: tuple[str, ...] = POSTSTRATIFIED
) -> np.ndarray:
    """Weights so that, within each listed group, a school's responses together weigh its
    share of enrolment (among the schools with responses in that group). Weights average 1
    within a group; other groups get 1.

    frame needs columns school and group.
    """
    w = np.ones(len(frame))
    for group in groups:
        mask = (frame["group"] == group).to_numpy()
        if not mask.any():
            continue
        schools = frame.loc[mask, "school"]
        counts = schools.value_counts()
        sizes = pd.Series({s: float(enrolment.get(s, 0) or 0) for s in counts.index})
        if sizes.sum() <= 0:
            continue
        share = sizes / sizes.sum()
        n = int(mask.sum())
        per_school = share * n / counts  # each school's responses sum to share × n
        w[mask] = schools.map(per_school).to_numpy(float)
    return w


def combine_groups(
    estimates: Mapping[str, Estimate], weights: Mapping[str, float]
) -> tuple[Estimate, dict[str, float]]:
    """Σ w_g·rate_g ÷ Σ w_g over the groups that have a rate; the variance adds the groups'
    variances (independent samples) with the normalised weights squared.

    Returns the combined estimate and the weights actually used (absent groups dropped).
    """
    used = {
        g: float(w)
        for g, w in weights.items()
        if w and w > 0 and estimates.get(g) is not None and estimates[g].rate is not None
    }
    total = sum(used.values())
    if not used or total <= 0:
        return Estimate(None, None, None, None, 0), {}
    rate = sum(w * estimates[g].rate for g, w in used.items()) / total
    var = sum((w / total) ** 2 * (estimates[g].se or 0.0) ** 2 for g, w in used.items())
    se = math.sqrt(var)
    n = sum(estimates[g].n for g in used)
    z = 1.959963984540054
    return Estimate(rate, se, max(0.0, rate - z * se), min(1.0, rate + z * se), n), used
