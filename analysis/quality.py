"""Data-quality screening: flag, never drop.

Per response: speeders, straight-lining, bursts from one network, duplicates that slipped
through. Per school × group: "coached" answer patterns (many identical answer vectors from
different devices), for a person to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REASONS = ("speeder", "straight_line", "burst", "duplicate")
REASON_LABELS = {
    "speeder": "答题过快",
    "straight_line": "所有题目同一选项",
    "burst": "同一网络短时集中提交相近答案",
    "duplicate": "重复提交",
}


@dataclass(frozen=True)
class QualityConfig:
    speed_floor: float = 30.0  #: seconds; faster is a speeder
    speed_fraction: float = 0.3  #: ... or faster than this share of the group's median
    straight_min_items: int = 8  #: a questionnaire this long or longer can be straight-lined
    burst_k: int = 5  #: this many responses ...
    burst_minutes: float = 10.0  #: ... within this window from one network at one school
    burst_max_diff: int = 1  #: ... differing in at most this many answers
    duplicate_minutes: float = 60.0  #: same device and answers again within this window
    coached_min_n: int = 10  #: school × group cells smaller than this are not judged
    coached_share: float = 0.3  #: share of the most common answer vector that looks coached
    coached_ratio: float = 3.0  #: ... and at least this many times the county's share
    coached_networks: int = 3  #: ... coming from at least this many devices


def network_ids(network: pd.Series) -> np.ndarray:
    """A 64-bit hash per network label (-1 where there is none): equal labels, equal ids."""
    values = network.to_numpy(dtype=object, na_value=None)
    missing = pd.isna(values)
    ids = pd.util.hash_array(np.where(missing, "", values).astype(object), categorize=False)
    ids = ids.view(np.int64)
    ids[missing] = -1
    return ids


def _ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Integer stand-ins for the string keys: network_id and answer_id (-1 = none).

    A prepared frame (analysis.report.prepare) already carries both."""
    if {"network_id", "answer_id"} <= set(frame.columns):
        return frame[["school", "group", "network_id", "answer_id"]]
    out = pd.DataFrame({"school": frame["school"], "group": frame["group"]}, index=frame.index)
    out["network_id"] = network_ids(frame["network"])
    out["answer_id"] = pd.factorize(frame["vector"], use_na_sentinel=True)[0]
    return out


def speeders(frame: pd.DataFrame, cfg: QualityConfig) -> pd.Series:
    """Duration under the floor, or under a fraction of the median of the same group."""
    duration = frame["duration"].astype(float)
    median = duration.groupby(frame["group"]).transform("median")
    fast = (duration < cfg.speed_floor) | (duration < cfg.speed_fraction * median)
    return fast.fillna(False).astype(bool)


def straight_lines(choice: np.ndarray, cfg: QualityConfig) -> np.ndarray:
    """The same option on every scored item of a long questionnaire (all answered)."""
    n, k = choice.shape
    if k < cfg.straight_min_items or n == 0:
        return np.zeros(n, bool)
    return (choice == choice[:, :1]).all(axis=1) & (choice[:, 0] != 36)


def _hamming(vectors: list[str], reference: str) -> np.ndarray:
    a = np.frombuffer(
        "".join(v.ljust(len(reference))[: len(reference)] for v in vectors).encode(), np.uint8
    ).reshape(len(vectors), len(reference))
    b = np.frombuffer(reference.encode(), np.uint8)
    return (a != b).sum(axis=1)


def bursts(frame: pd.DataFrame, cfg: QualityConfig) -> pd.Series:
    """≥ k responses from one network at one school inside the window, with near-identical
    answers (within burst_max_diff of the window's most common vector)."""
    flagged = pd.Series(False, index=frame.index)
    ids = _ids(frame)
    ids = ids[ids["network_id"] != -1]
    ids = ids[ids.duplicated(["school", "network_id"], keep=False)]  # cheap pre-filter
    if ids.empty:
        return flagged
    sizes = ids.groupby(["school", "network_id"], observed=True)["group"].transform("size")
    data = frame.loc[ids.index[(sizes >= cfg.burst_k).to_numpy()]]
    data = data.assign(network_id=ids["network_id"])
    window = np.timedelta64(int(cfg.burst_minutes * 60), "s")
    for _, grp in data.groupby(["school", "network_id"], sort=False, observed=True):
        grp = grp.sort_values("submitted_at")
        times = grp["submitted_at"].to_numpy("datetime64[ns]")
        ends = np.searchsorted(times, times + window, side="right")
        starts = np.flatnonzero(ends - np.arange(len(times)) >= cfg.burst_k)
        if not len(starts):
            continue
        inside = np.zeros(len(times), bool)
        for s in starts:
            inside[s : ends[s]] = True
        vectors = grp["vector"].fillna("").tolist()
        chosen = [v for v, f in zip(vectors, inside, strict=True) if f]
        mode = pd.Series(chosen).mode().iloc[0]
        near = _hamming(vectors, mode) <= cfg.burst_max_diff
        hit = inside & near
        if hit.sum() >= cfg.burst_k:
            flagged.loc[grp.index[hit]] = True
    return flagged


def duplicates(frame: pd.DataFrame, cfg: QualityConfig) -> pd.Series:
    """The same device (network hash) sending the same answers to the same school and group
    again within the window: every repeat after the first is flagged."""
    keys = ["school", "group", "network_id", "answer_id"]
    ids = _ids(frame)
    ids = ids[(ids["network_id"] != -1) & (ids["answer_id"] != -1)]
    ids = ids[ids.duplicated(["school", "network_id"], keep=False)]  # cheap first cut
    ids = ids[ids.duplicated(keys, keep=False)]  # only repeated keys can be duplicates
    flagged = pd.Series(False, index=frame.index)
    if ids.empty:
        return flagged
    data = ids.assign(submitted_at=frame.loc[ids.index, "submitted_at"])
    data = data.sort_values([*keys, "submitted_at"])
    same = (data[keys] == data[keys].shift()).all(axis=1)
    gap = data["submitted_at"].diff() <= pd.Timedelta(minutes=cfg.duplicate_minutes)
    flagged.loc[data.index[same & gap]] = True
    return flagged


def flag_responses(
    frame: pd.DataFrame, straight: np.ndarray, cfg: QualityConfig | None = None
) -> pd.DataFrame:
    """Boolean columns per reason, 'flagged' (any) and 'reasons' (comma-joined codes).

    frame needs: school, group, network, vector, submitted_at (datetime64), duration.
    """
    cfg = cfg or QualityConfig()
    out = pd.DataFrame(index=frame.index)
    out["speeder"] = speeders(frame, cfg)
    out["straight_line"] = np.asarray(straight, bool)
    # only responses that share a network with another at the same school can be part of a
    # burst or a duplicate: both checks look at those few rows, not at the whole county
    ids = _ids(frame)
    shared = (ids["network_id"] != -1) & ids.duplicated(["school", "network_id"], keep=False)
    few = frame[shared.to_numpy()]
    out["burst"] = bursts(few, cfg).reindex(frame.index, fill_value=False)
    out["duplicate"] = duplicates(few, cfg).reindex(frame.index, fill_value=False)
    flags = out[list(REASONS)].to_numpy()
    out["flagged"] = flags.any(axis=1)
    # each combination of reasons is one category: "" for none, "speeder,burst" and so on
    combination = flags.astype(np.int64) @ (1 << np.arange(len(REASONS)))
    labels = [
        ",".join(r for j, r in enumerate(REASONS) if c >> j & 1) for c in range(1 << len(REASONS))
    ]
    out["reasons"] = pd.Categorical.from_codes(combination, categories=labels)
    return out


def coached_schools(frame: pd.DataFrame, cfg: QualityConfig | None = None) -> pd.DataFrame:
    """School × group cells whose answers are far more uniform than the rest of the county's.

    For each cell, the most common answer vector's share in the school is compared with the
    same vector's share among the group's other respondents in the county.
    Columns: school, group, n, modal_share, county_share, networks, flagged.
    """
    cfg = cfg or QualityConfig()
    rows = []
    ids = _ids(frame)
    data = ids[ids["answer_id"] != -1]
    county = {
        g: (grp["answer_id"].value_counts(), len(grp))
        for g, grp in data.groupby("group", observed=True)
    }
    for (school, group), grp in data.groupby(["school", "group"], observed=True):
        n = len(grp)
        counts = grp["answer_id"].value_counts()
        mode, top = counts.index[0], int(counts.iloc[0])
        share = top / n
        all_counts, total = county[group]
        rest_n = total - n
        rest = (int(all_counts.get(mode, 0)) - top) / rest_n if rest_n > 0 else 0.0
        same = (grp["answer_id"] == mode) & (grp["network_id"] != -1)
        devices = int(grp.loc[same, "network_id"].nunique())
        flagged = (
            n >= cfg.coached_min_n
            and share >= cfg.coached_share
            and share >= cfg.coached_ratio * rest
            and devices >= cfg.coached_networks
        )
        rows.append(
            {
                "school": school,
                "group": group,
                "n": n,
                "modal_share": share,
                "county_share": rest,
                "networks": devices,
                "flagged": bool(flagged),
            }
        )
    return pd.DataFrame(
        rows, columns=["school", "group", "n", "modal_share", "county_share", "networks", "flagged"]
    )
