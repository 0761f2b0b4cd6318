"""The whole analysis of a campaign as plain data: the JSON of `analyze`, the web report and
the exports all read this.

Input frames (built by the app, or by hand in tests):

* responses: response_id, school, group, questionnaire, version, vector, duration, network,
  submitted_at, source
* schools: school, name, stage, location, enrolment
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from questionnaires.model import GROUPS, Questionnaire

from .breakdowns import METHODS, check, estimate, table
from .intervals import wilson
from .quality import (
    REASON_LABELS,
    REASONS,
    QualityConfig,
    coached_schools,
    flag_responses,
    straight_lines,
)
from .scoring import lookup, score
from .weights import POSTSTRATIFIED, combine_groups, poststratify


@dataclass(frozen=True)
class Settings:
    method: str = "positive_share"
    threshold: float = 0.85
    group_weights: Mapping[str, float] | None = None
    poststratify: bool = False
    exclude_flagged: bool = True  #: the headline leaves flagged responses out
    min_cell: int = 5  #: fewer respondents than this: count shown, rate withheld
    quality: QualityConfig = field(default_factory=QualityConfig)


@dataclass
class Prepared:
    """Respondent-level frame with scores, flags and weights, and the item matrices."""

    frame: pd.DataFrame
    blocks: list[tuple[Questionnaire, np.ndarray, object]]  #: (questionnaire, positions, Scored)
    coached: pd.DataFrame


def prepare(
    responses: pd.DataFrame,
    schools: pd.DataFrame,
    questionnaires: Mapping[tuple[str, int], Questionnaire],
    settings: Settings,
) -> Prepared:
    """Score every response, flag quality problems and attach weights."""
    frame = responses.reset_index(drop=True).copy()
    n = len(frame)
    for col in ("rec", "valid", "score_n"):
        frame[col] = np.zeros(n, dtype=np.int64)
    frame["score_sum"] = np.zeros(n)
    frame["overall"] = np.full(n, np.nan)
    straight = np.zeros(n, bool)
    blocks = []
    for (code, version), positions in frame.groupby(["questionnaire", "version"]).indices.items():
        q = questionnaires.get((code, int(version)))
        if q is None:
            raise ValueError(f"responses name an unknown questionnaire {code} v{version}")
        scored = score(frame["vector"].to_numpy()[positions].tolist(), lookup(q))
        frame.loc[positions, "rec"] = scored.rec
        frame.loc[positions, "valid"] = scored.valid
        frame.loc[positions, "score_sum"] = scored.score_sum
        frame.loc[positions, "score_n"] = scored.score_n
        frame.loc[positions, "overall"] = scored.overall
        straight[positions] = straight_lines(scored.choice, settings.quality)
        blocks.append((q, positions, scored))
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    flags = flag_responses(frame, straight, settings.quality)
    frame = pd.concat([frame, flags], axis=1)
    info = schools.set_index("school")
    for col in ("name", "stage", "location"):
        frame[col] = frame["school"].map(info[col]).fillna("")
    frame["weight"] = 1.0
    return Prepared(frame, blocks, coached_schools(frame, settings.quality))


def _weights(frame: pd.DataFrame, schools: pd.DataFrame, settings: Settings) -> np.ndarray:
    if not settings.poststratify:
        return np.ones(len(frame))
    enrolment = dict(zip(schools["school"], schools["enrolment"], strict=True))
    return poststratify(frame, enrolment)


def _group_block(frame, group, settings, threshold, method) -> dict:
    weighted = settings.poststratify and group in POSTSTRATIFIED
    est = estimate(frame, method, weighted)
    out = check(est, threshold, method, frame)
    out["label"] = GROUPS.get(group, group)
    out["weighted"] = weighted
    if weighted:
        plain = estimate(frame, method, False)
        out["unweighted"] = {
            k: v
            for k, v in check(plain, threshold, method, frame).items()
            if k in ("n", "rate", "ci_low", "ci_high", "verdict")
        }
    return out


def _items(
    prep: Prepared, keep: np.ndarray, weights: np.ndarray, by: list[str], settings: Settings
) -> list[dict]:
    """Item rates per group (and per school where by holds 'school')."""
    rows = []
    frame = prep.frame
    use_scores = settings.method == "option_scores"
    for q, positions, scored in prep.blocks:
        mask = keep[positions]
        if not mask.any():
            continue
        pos = positions[mask]
        w = weights[pos][:, None]
        if use_scores:
            num = np.nan_to_num(scored.item_score[mask]) * w
            den = (~np.isnan(scored.item_score[mask])) * w
        else:
            num = scored.item_rec[mask] * w
            den = scored.item_valid[mask] * w
        keys = [frame[col].to_numpy()[pos] for col in by]
        respondents = (
            pd.Series(1, index=pd.MultiIndex.from_arrays(keys))
            .groupby(level=list(range(len(by))))
            .size()
        )
        sums = pd.DataFrame(num, columns=scored.codes).groupby(keys).sum()
        dens = pd.DataFrame(den, columns=scored.codes).groupby(keys).sum()
        sq = pd.DataFrame(den * w, columns=scored.codes).groupby(keys).sum()
        counts = pd.DataFrame(den > 0, columns=scored.codes).groupby(keys).sum()
        for key in sums.index:
            kt = key if isinstance(key, tuple) else (key,)
            n_resp = int(respondents.loc[key])
            for code in scored.codes:
                item = q.item(code)
                row = dict(zip(by, kt, strict=True))
                row.update(
                    questionnaire=q.code,
                    item=code,
                    text=item.text,
                    n=int(counts.loc[key, code]),
                    respondents=n_resp,
                )
                d = float(dens.loc[key, code])
                if n_resp < settings.min_cell or d <= 0:
                    row.update(
                        rate=None,
                        ci_low=None,
                        ci_high=None,
                        below=None,
                        suppressed=n_resp < settings.min_cell,
                    )
                else:
                    rate = float(sums.loc[key, code]) / d
                    low = high = None
                    if not use_scores:
                        n_eff = d * d / float(sq.loc[key, code])
                        low, high = wilson(rate * n_eff, n_eff)
                    row.update(
                        rate=rate,
                        ci_low=low,
                        ci_high=high,
                        below=rate < settings.threshold,
                        suppressed=False,
                    )
                rows.append(row)
    return rows


def analyze(
    prep: Prepared, schools: pd.DataFrame, settings: Settings, groups: list[str] | None = None
) -> dict:
    """Rates, intervals and verdicts per group, school, stage, location, item; weak items;
    quality counts. Every figure the report, the JSON and the exports show."""
    if settings.method not in METHODS:
        raise ValueError(f"unknown method {settings.method!r}")
    frame = prep.frame
    t, m, cell = settings.threshold, settings.method, settings.min_cell
    keep = ~frame["flagged"].to_numpy() if settings.exclude_flagged else np.ones(len(frame), bool)
    data = frame[keep].copy()
    data["weight"] = _weights(data, schools, settings)
    weights = np.ones(len(frame))
    weights[keep] = data["weight"].to_numpy()
    groups = groups or [g for g in GROUPS if g in set(frame["group"])]

    group_out = {}
    for g in groups:
        sub = data[data["group"] == g]
        block = _group_block(sub, g, settings, t, m)
        everyone = frame[frame["group"] == g]
        block["responses"] = int(len(everyone))
        block["flagged"] = int(everyone["flagged"].sum())
        block["all_responses"] = {
            k: v
            for k, v in check(estimate(everyone, m), t, m, everyone).items()
            if k in ("n", "rate", "ci_low", "ci_high", "verdict")
        }
        group_out[g] = block

    if settings.group_weights:
        ests = {
            g: estimate(data[data["group"] == g], m, settings.poststratify and g in POSTSTRATIFIED)
            for g in groups
        }
        combined, used = combine_groups(ests, settings.group_weights)
        overall = check(combined, t, m)
        overall.update(weighted=True, weights=used)
    else:
        overall = check(estimate(data, m), t, m, data)
        overall.update(weighted=False, weights=None)

    quality_counts = {r: int(frame[r].sum()) for r in REASONS}
    by_school = (
        frame.groupby("school")[list(REASONS) + ["flagged"]]
        .sum()
        .astype(int)
        .reset_index()
        .rename(columns={"school": "school_code"})
    )
    items = _items(prep, keep, weights, ["group"], settings)
    school_items = _items(prep, keep, weights, ["school", "group"], settings)
    weak = {}
    for g in groups:
        ranked = sorted(
            (r for r in items if r["group"] == g and r["below"]), key=lambda r: r["rate"]
        )
        weak[g] = [
            {"item": r["item"], "text": r["text"], "rate": r["rate"], "n": r["n"]} for r in ranked
        ]
    weak_by_school = sorted(
        (
            {
                "school_code": r["school"],
                "group": r["group"],
                "item": r["item"],
                "text": r["text"],
                "rate": r["rate"],
                "n": r["n"],
            }
            for r in school_items
            if r["below"]
        ),
        key=lambda r: (r["school_code"], r["group"], r["rate"]),
    )

    rename = {"school": "school_code"}
    return {
        "threshold": t,
        "method": m,
        "method_description": METHODS[m],
        "headline": "excluding_flagged" if settings.exclude_flagged else "all_responses",
        "poststratified": settings.poststratify,
        "min_cell": cell,
        "responses": int(len(frame)),
        "analysed": int(keep.sum()),
        "groups": group_out,
        "overall": overall,
        "schools": [
            {rename.get(k, k): v for k, v in r.items()}
            for r in table(data, ["school", "group"], m, t, cell)
        ],
        "school_totals": [
            {rename.get(k, k): v for k, v in r.items()} for r in table(data, ["school"], m, t, cell)
        ],
        "stages": table(data, ["stage", "group"], m, t, cell),
        "locations": table(data, ["location", "group"], m, t, cell),
        "items": [{k: v for k, v in r.items()} for r in items],
        "weak_items": weak,
        "weak_items_by_school": weak_by_school,
        "quality": {
            "counts": quality_counts,
            "labels": REASON_LABELS,
            "flagged": int(frame["flagged"].sum()),
            "total": int(len(frame)),
            "by_school": by_school.to_dict("records"),
            "coached": [
                {rename.get(k, k): v for k, v in r.items()} for r in prep.coached.to_dict("records")
            ],
        },
    }
