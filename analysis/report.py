"""The whole analysis of a campaign as plain data: the JSON of `analyze`, the web report and
the exports all read this.

Input frames (built by the app, or by hand in tests):

* responses: response_id, school, group, questionnaire, version, vector, duration, network,
  submitted_at (may be NaT where the network is unique at its school: no burst or duplicate
  can involve such a response), and optionally address (the network address alone),
  network_id and address_id (integer stand-ins for network and address), and class (a
  categorical of class ids: answers through a class's link; missing for the rest), and
  language (the language each answer was given in, where a campaign offers several)
* schools: school, name, stage, location, enrolment
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse

from questionnaires.model import GROUPS, Questionnaire

from .breakdowns import METHODS, check, estimate, table
from .intervals import verdict_minimum, wilson
from .quality import (
    DEFAULT_RULE,
    EVIDENCE,
    REASON_LABELS,
    REASONS,
    RULES,
    QualityConfig,
    coached_schools,
    excluded,
    flag_responses,
    network_ids,
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
    screen_rule: str = DEFAULT_RULE  #: which flagged responses the headline leaves out (RULES)
    min_cell: int = 5  #: fewer respondents than this: count shown, rate withheld
    min_verdict_n: int = 10  #: fewer respondents than this (or the target): no verdict
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
    frame = responses.reset_index(drop=True)  # a new frame; columns shared with the caller
    n = len(frame)
    cols = {
        "rec": np.zeros(n, np.int64),
        "valid": np.zeros(n, np.int64),
        "score_n": np.zeros(n, np.int64),
        "score_sum": np.zeros(n),
        "overall": np.full(n, np.nan),
        "answer_id": np.zeros(n, np.int64),
    }
    straight = np.zeros(n, bool)
    blocks = []
    vectors = _strings(frame["vector"])
    for (code, version), positions in frame.groupby(
        ["questionnaire", "version"], observed=True
    ).indices.items():
        q = questionnaires.get((code, int(version)))
        if q is None:
            raise ValueError(f"responses name an unknown questionnaire {code} v{version}")
        scored = score(vectors.take(positions), lookup(q))
        cols["rec"][positions] = scored.rec
        cols["valid"][positions] = scored.valid
        cols["score_sum"][positions] = scored.score_sum
        cols["score_n"][positions] = scored.score_n
        cols["overall"][positions] = scored.overall
        cols["answer_id"][positions] = scored.answer_id
        straight[positions] = straight_lines(scored.choice, settings.quality)
        blocks.append((q, positions, scored))
    for name, values in cols.items():
        frame[name] = values
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    if "network_id" not in frame:
        frame["network_id"] = network_ids(frame["network"])
    if "address_id" not in frame:
        frame["address_id"] = (
            network_ids(frame["address"]) if "address" in frame else frame["network_id"]
        )
    for col in ("school", "group"):
        if not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("category")
    flags = flag_responses(frame, straight, settings.quality)
    for col in flags.columns:
        frame[col] = flags[col].array  # (reasons stays categorical)
    info = schools.set_index("school")
    school_codes = frame["school"].cat.codes.to_numpy()
    for col in [c for c in ("name", "stage", "location", "county") if c in info]:
        labels = info[col].reindex(frame["school"].cat.categories).fillna("").astype(str)
        values, uniques = pd.factorize(labels.to_numpy())
        frame[col] = pd.Categorical.from_codes(
            np.where(school_codes >= 0, values[school_codes], -1), categories=uniques
        )
    frame["weight"] = 1.0
    return Prepared(frame, blocks, coached_schools(frame, settings.quality))


def _strings(values: pd.Series) -> pa.Array:
    """A string column as one Arrow array (no copy when pandas already holds it in Arrow)."""
    arr = pa.array(values, type=pa.string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _weights(frame: pd.DataFrame, schools: pd.DataFrame, settings: Settings) -> np.ndarray:
    if not settings.poststratify:
        return np.ones(len(frame))
    enrolment = dict(zip(schools["school"], schools["enrolment"], strict=True))
    return poststratify(frame, enrolment)


#: the figures of a check repeated beside the headline (unweighted, all answers)
BRIEF = ("n", "rate", "ci_low", "ci_high", "verdict", "interval_vs_threshold")


def _group_block(frame, group, settings, min_n, headroom) -> dict:
    t, m = settings.threshold, settings.method
    weighted = settings.poststratify and group in POSTSTRATIFIED
    est = estimate(frame, m, weighted)
    out = check(est, t, m, frame, min_n, headroom)
    out["label"] = GROUPS.get(group, group)
    out["weighted"] = weighted
    if weighted:
        plain = check(estimate(frame, m, False), t, m, frame, min_n)
        out["unweighted"] = {k: plain[k] for k in BRIEF}
    return out


@dataclass
class ItemSums:
    """Per school × group cell and item of one questionnaire: weighted sums behind item rates."""

    questionnaire: Questionnaire
    codes: tuple[str, ...]
    cells: list[tuple[str, str]]  #: (school, group)
    size: np.ndarray  #: respondents per cell
    total: np.ndarray  #: (cells, items) Σ w·recognised (or Σ w·score)
    denom: np.ndarray  #: Σ w·valid
    sq: np.ndarray  #: Σ w²·valid
    answered: np.ndarray  #: valid answers (unweighted)


def _item_sums(
    prep: Prepared, keep: np.ndarray, weights: np.ndarray, use_scores: bool
) -> list[ItemSums]:
    """One pass over the item matrices, summed per school × group cell (sparse products)."""
    out = []
    school, group = prep.frame["school"].cat, prep.frame["group"].cat
    width = len(group.categories) + 1
    for q, positions, scored in prep.blocks:
        mask = keep[positions]
        if not mask.any():
            continue
        pos = positions[mask]
        combined = (
            school.codes.to_numpy()[pos].astype(np.int64) * width + group.codes.to_numpy()[pos]
        )
        key_values, codes = np.unique(combined, return_inverse=True)
        cells = [(school.categories[v // width], group.categories[v % width]) for v in key_values]
        # (cells × respondents) indicator matrices: a cell's sums are one sparse product
        rows, cols = codes, np.arange(len(pos))
        shape = (len(cells), len(pos))
        w = weights[pos]
        unweighted = bool(np.all(w == 1.0))
        count = sparse.csr_matrix((np.ones(len(pos)), (rows, cols)), shape=shape)
        by_w = count if unweighted else sparse.csr_matrix((w, (rows, cols)), shape=shape)

        def cell_sum(values: np.ndarray, by: sparse.csr_matrix = by_w) -> np.ndarray:
            return np.asarray(by @ values.astype(float))

        if use_scores:
            valid = ~np.isnan(scored.item_score[mask])
            total = cell_sum(np.nan_to_num(scored.item_score[mask]))
        else:
            valid = scored.item_valid[mask]
            total = cell_sum(scored.item_rec[mask])
        denom = cell_sum(valid)
        if unweighted:
            answered = sq = denom
        else:
            answered = cell_sum(valid, count)
            sq = cell_sum(valid, sparse.csr_matrix((w**2, (rows, cols)), shape=shape))
        out.append(
            ItemSums(
                questionnaire=q,
                codes=scored.codes,
                cells=cells,
                size=np.bincount(codes, minlength=len(cells)),
                total=total,
                denom=denom,
                sq=sq,
                answered=answered,
            )
        )
    return out


def _item_rows(sums: list[ItemSums], by_school: bool, settings: Settings) -> list[dict]:
    """Item rates per school × group, or per group (the cells' sums added up)."""
    rows = []
    use_scores = settings.method == "option_scores"
    for block in sums:
        if by_school:
            keys = [{"school": s, "group": g} for s, g in block.cells]
            index = np.arange(len(block.cells))
        else:
            groups = list(dict.fromkeys(g for _, g in block.cells))
            keys = [{"group": g} for g in groups]
            index = np.array([groups.index(g) for _, g in block.cells])
        merge = sparse.csr_matrix(
            (np.ones(len(index)), (index, np.arange(len(index)))), shape=(len(keys), len(index))
        )
        size = merge @ block.size
        total, denom = merge @ block.total, merge @ block.denom
        sq, answered = merge @ block.sq, merge @ block.answered
        q = block.questionnaire
        for c, key in enumerate(keys):
            for j, code in enumerate(block.codes):
                row = dict(key)
                row.update(
                    questionnaire=q.code,
                    item=code,
                    text=q.item(code).text,
                    n=int(answered[c, j]),
                    respondents=int(size[c]),
                )
                d = float(denom[c, j])
                if size[c] < settings.min_cell or d <= 0:
                    row.update(
                        rate=None,
                        ci_low=None,
                        ci_high=None,
                        below=None,
                        suppressed=bool(size[c] < settings.min_cell),
                    )
                else:
                    rate = float(total[c, j]) / d
                    low = high = None
                    if not use_scores:
                        n_eff = d * d / float(sq[c, j])
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


def _county_rows(data: pd.DataFrame, settings: Settings, groups: list[str]) -> list[dict]:
    """A campaign over several counties: each county's overall check and its groups', ranked
    by the overall rate (counties without one last)."""
    t, m, cell, min_n = (
        settings.threshold,
        settings.method,
        settings.min_cell,
        settings.min_verdict_n,
    )
    brief = ("n", "rate", "ci_low", "ci_high", "verdict", "interval_vs_threshold")
    per_group: dict[str, dict] = {}
    for r in table(data, ["county", "group"], m, t, cell, min_verdict_n=min_n):
        per_group.setdefault(r["county"], {})[r["group"]] = {k: r.get(k) for k in brief}
    rows = [
        {
            "county": r["county"],
            **{k: r.get(k) for k in brief},
            "groups": {g: per_group.get(r["county"], {}).get(g) for g in groups},
        }
        for r in table(data, ["county"], m, t, cell, min_verdict_n=min_n)
    ]
    rows.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["county"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def analyze(
    prep: Prepared,
    schools: pd.DataFrame,
    settings: Settings,
    groups: list[str] | None = None,
    targets: Mapping[tuple[str, str], int] | None = None,
) -> dict:
    """Rates, intervals and verdicts per group, school, stage, location, item; weak items;
    quality counts. Every figure the report, the JSON and the exports show.

    targets: respondents wanted per (school, group); they cap the respondents a verdict
    needs and bound the "more needed" advice.
    """
    if settings.method not in METHODS:
        raise ValueError(f"unknown method {settings.method!r}")
    frame = prep.frame
    t, m, cell = settings.threshold, settings.method, settings.min_cell
    targets = dict(targets or {})
    group_target: dict[str, int] = {}
    for (_, g), n in targets.items():
        group_target[g] = group_target.get(g, 0) + int(n or 0)
    removed = {rule: excluded(frame, rule) for rule in RULES}
    keep = ~removed[settings.screen_rule]
    needed = [
        "school",
        "group",
        "stage",
        "location",
        "rec",
        "valid",
        "score_sum",
        "score_n",
        "overall",
        "weight",
    ]
    # a campaign over several counties names each school's county (one check per school)
    by_county = "county" in schools and bool((schools["county"].fillna("") != "").any())
    if by_county:
        needed.append("county")
    by_class = "class" in frame  # answers through class links (the rest: missing)
    if by_class:
        needed.append("class")
    by_language = "language" in frame  # a campaign offered in several languages
    if by_language:
        needed.append("language")
    data = frame.loc[keep, needed].copy()
    data["weight"] = _weights(data, schools, settings)
    weights = np.ones(len(frame))
    weights[keep] = data["weight"].to_numpy()
    groups = groups or [g for g in GROUPS if g in set(frame["group"])]

    group_out = {}
    slim = frame[[*needed, "flagged"]]  # not the string columns: each filter would copy them
    for g in groups:
        sub = data[data["group"] == g]
        everyone = slim[slim["group"] == g]
        target = group_target.get(g)
        min_n = verdict_minimum(settings.min_verdict_n, target)
        headroom = max(target - len(everyone), 0) if target else None
        block = _group_block(sub, g, settings, min_n, headroom)
        block["responses"] = int(len(everyone))
        block["target"] = target
        block["flagged"] = int(everyone["flagged"].sum())
        block["excluded"] = int(len(everyone) - len(sub))
        every = check(estimate(everyone, m), t, m, everyone, min_n)
        block["all_responses"] = {k: every[k] for k in BRIEF}
        group_out[g] = block

    overall_min = verdict_minimum(settings.min_verdict_n, sum(group_target.values()) or None)
    if settings.group_weights:
        ests = {
            g: estimate(data[data["group"] == g], m, settings.poststratify and g in POSTSTRATIFIED)
            for g in groups
        }
        combined, used = combine_groups(ests, settings.group_weights)
        overall = check(combined, t, m, None, overall_min)
        overall.update(weighted=True, weights=used)
    else:
        overall = check(estimate(data, m), t, m, data, overall_min)
        overall.update(weighted=False, weights=None)

    quality_counts = {r: int(frame[r].sum()) for r in REASONS}
    by_school = (
        frame.groupby("school")[list(REASONS) + ["flagged"]]
        .sum()
        .astype(int)
        .reset_index()
        .rename(columns={"school": "school_code"})
    )
    sums = _item_sums(prep, keep, weights, settings.method == "option_scores")
    items = _item_rows(sums, False, settings)
    school_items = _item_rows(sums, True, settings)
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
    counties = _county_rows(data, settings, groups) if by_county else None
    return {
        "counties": counties,
        "threshold": t,
        "method": m,
        "method_description": METHODS[m],
        "screen_rule": settings.screen_rule,
        "screen_rule_description": RULES[settings.screen_rule],
        "poststratified": settings.poststratify,
        "min_cell": cell,
        "min_verdict_n": settings.min_verdict_n,
        "responses": int(len(frame)),
        "analysed": int(keep.sum()),
        "groups": group_out,
        "overall": overall,
        "schools": [
            {rename.get(k, k): v for k, v in r.items()}
            for r in table(
                data,
                ["school", "group"],
                m,
                t,
                cell,
                min_verdict_n=settings.min_verdict_n,
                targets=targets,
            )
        ],
        "school_totals": [
            {rename.get(k, k): v for k, v in r.items()} for r in table(data, ["school"], m, t, cell)
        ],
        "stages": table(data, ["stage", "group"], m, t, cell),
        "classes": table(data, ["class", "group"], m, t, cell) if by_class else [],
        "languages": table(data, ["language", "group"], m, t, cell) if by_language else [],
        "locations": table(data, ["location", "group"], m, t, cell),
        "items": [{k: v for k, v in r.items()} for r in items],
        "weak_items": weak,
        "weak_items_by_school": weak_by_school,
        "quality": {
            "counts": quality_counts,
            "labels": REASON_LABELS,
            "evidence": EVIDENCE,
            "rules": {
                rule: {"description": text, "removed": int(removed[rule].sum())}
                for rule, text in RULES.items()
            },
            "flagged": int(frame["flagged"].sum()),
            "total": int(len(frame)),
            "by_school": by_school.to_dict("records"),
            "coached": [
                {rename.get(k, k): v for k, v in r.items()} for r in prep.coached.to_dict("records")
            ],
        },
    }
