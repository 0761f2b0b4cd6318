"""Data-quality screening: flag, weigh the evidence, and exclude only on strong evidence.

Per response: answers under the absolute speed floor, answers much faster than the group's
median, straight-lining, bursts of near-identical sheets from one network address, and
duplicates that slipped through. Per school × group: "coached" answer patterns (one answer
vector far more common than in the rest of the county, from many devices), for a person to
review.

In a satisfied county the most common honest sheet is the most positive option on every item,
so a pattern alone is weak evidence. Each reason carries its weight of evidence (EVIDENCE); a
screening rule (RULES) says which responses leave the headline, and the default rule removes
only what coaching or stuffing leaves behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binom

REASONS = ("too_fast", "fast", "straight_line", "burst", "duplicate")
REASON_LABELS = {
    "too_fast": "答题时间低于下限",
    "fast": "明显快于同群体多数人",
    "straight_line": "所有题目同一选项",
    "burst": "同一网络短时集中提交相近答案",
    "duplicate": "同一设备重复提交相同答案",
}
#: weight of evidence of each reason on its own
EVIDENCE = {
    "too_fast": "strong",
    "fast": "weak",
    "straight_line": "weak",
    "burst": "strong",
    "duplicate": "strong",
}
#: screening rule -> what it leaves out of the headline (the documented choices of a campaign)
RULES = {
    "strong": "剔除强证据答卷：重复提交、同一网络集中提交相近答案、答题时间低于下限，"
    "以及所有题目同一选项且明显快于同群体多数人的答卷",
    "none": "不剔除任何答卷（全部答卷）",
    "any": "剔除任一质量标记的答卷（最严格：也剔除仅“所有题目同一选项”的答卷，"
    "在满意度高的县会压低认可率）",
}
DEFAULT_RULE = "strong"


@dataclass(frozen=True)
class QualityConfig:
    speed_floor: float = 30.0  #: seconds; faster is too fast, whatever the form
    speed_fraction: float = 0.3  #: ... faster than this share of the group's median is fast
    straight_min_items: int = 8  #: a questionnaire this long or longer can be straight-lined
    burst_k: int = 5  #: this many responses ...
    burst_minutes: float = 10.0  #: ... within this window from one address at one school
    burst_max_diff: int = 1  #: ... differing in at most this many answers
    #: ... and more alike than the rest of the county's answers make likely (one-sided
    #: binomial p-value against the share of such sheets among the group's other schools)
    burst_alpha: float = 0.001
    duplicate_minutes: float = 60.0  #: same device and answers again within this window
    coached_min_n: int = 10  #: school × group cells smaller than this are not judged
    coached_share: float = 0.3  #: share of the most common answer vector that looks coached
    coached_ratio: float = 3.0  #: ... and at least this many times the county's share
    coached_networks: int = 3  #: ... coming from at least this many devices


def excluded(flags: pd.DataFrame, rule: str) -> np.ndarray:
    """Which responses a screening rule leaves out of the headline (flags: flag_responses)."""
    if rule not in RULES:
        raise ValueError(f"unknown screening rule {rule!r}; known: {sorted(RULES)}")
    n = len(flags)
    if rule == "none":
        return np.zeros(n, bool)
    if rule == "any":
        return flags["flagged"].to_numpy(bool)
    strong = np.zeros(n, bool)
    for reason, weight in EVIDENCE.items():
        if weight == "strong":
            strong |= flags[reason].to_numpy(bool)
    return strong | (flags["straight_line"].to_numpy(bool) & flags["fast"].to_numpy(bool))


def network_ids(network: pd.Series) -> np.ndarray:
    """An integer per network label (-1 where there is none): equal labels, equal ids."""
    codes, _ = pd.factorize(network.to_numpy(dtype=object, na_value=None), use_na_sentinel=True)
    return codes.astype(np.int64)


def shared_at_school(school_codes: np.ndarray, network_ids: np.ndarray) -> np.ndarray:
    """Whether each response shares its network with another response at the same school
    (only such responses can be part of a burst or a duplicate). Ids are non-negative
    integers, -1 for none."""
    has = network_ids >= 0
    if not has.any():
        return has
    with np.errstate(over="ignore"):  # one 64-bit key per (school, network); wrapping is fine
        key = network_ids[has].astype(np.int64) * np.int64(1_000_003) + school_codes[has]
    out = np.zeros(len(network_ids), bool)
    out[has] = pd.Series(key).duplicated(keep=False).to_numpy()  # a hash table, no sort
    return out


def _ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Integer stand-ins for the string keys (-1 = none): network_id (the device: address and
    browser), address_id (the network address alone; the device where a frame has no
    address) and answer_id. A prepared frame (analysis.report.prepare) carries all three."""
    out = pd.DataFrame({"school": frame["school"], "group": frame["group"]}, index=frame.index)
    out["network_id"] = (
        frame["network_id"] if "network_id" in frame else network_ids(frame["network"])
    )
    if "address_id" in frame:
        out["address_id"] = frame["address_id"]
    elif "address" in frame:
        out["address_id"] = network_ids(frame["address"])
    else:
        out["address_id"] = out["network_id"]
    out["answer_id"] = (
        frame["answer_id"]
        if "answer_id" in frame
        else pd.factorize(frame["vector"], use_na_sentinel=True)[0]
    )
    return out


def speed(frame: pd.DataFrame, cfg: QualityConfig) -> tuple[pd.Series, pd.Series]:
    """(too_fast, fast): under the absolute floor; else under a fraction of the group's median."""
    duration = frame["duration"].astype(float)
    median = duration.groupby(frame["group"], observed=True).transform("median")
    too_fast = (duration < cfg.speed_floor).fillna(False).astype(bool)
    fast = (duration < cfg.speed_fraction * median).fillna(False).astype(bool) & ~too_fast
    return too_fast, fast


def straight_lines(choice: np.ndarray, cfg: QualityConfig) -> np.ndarray:
    """The same option on every scored item of a long questionnaire (all answered)."""
    n, k = choice.shape
    if k < cfg.straight_min_items or n == 0:
        return np.zeros(n, bool)
    return (choice == choice[:, :1]).all(axis=1) & (choice[:, 0] != 36)


def _matrix(vectors: list[str], width: int) -> np.ndarray:
    """Answer vectors as an (n, width) byte matrix (short ones padded with blanks)."""
    joined = "".join((v or "").ljust(width, ".")[:width] for v in vectors)
    return np.frombuffer(joined.encode("ascii", "replace"), np.uint8).reshape(len(vectors), width)


def near_counter(frame: pd.DataFrame, cfg: QualityConfig) -> Callable[[str, str], float]:
    """A function (group, vector) -> share of the group's responses whose answers are within
    burst_max_diff of the vector. The county's own answers are the baseline a burst is judged
    against: where most honest parents answer 满意 everywhere, many alike sheets are expected.
    """
    matrices: dict[tuple[str, int], np.ndarray] = {}
    by_group: dict[str, np.ndarray] = {}

    def share(group: str, vector: str, school_mask: np.ndarray | None = None) -> float:
        if group not in by_group:  # built on first use: most counties have no burst at all
            by_group[group] = np.flatnonzero((frame["group"] == group).to_numpy())
        rows = by_group[group]
        if school_mask is not None:
            rows = rows[~school_mask[rows]]
        if not len(rows):
            return 0.0
        key = (group, len(vector))
        if key not in matrices:
            vectors = frame["vector"].iloc[by_group[group]].fillna("").tolist()
            matrices[key] = _matrix(vectors, len(vector))
        full = matrices[key]
        sub = full if school_mask is None else full[~school_mask[by_group[group]]]
        ref = np.frombuffer(vector.encode("ascii", "replace"), np.uint8)
        return float(((sub != ref).sum(axis=1) <= cfg.burst_max_diff).mean())

    return share


def bursts(
    frame: pd.DataFrame,
    cfg: QualityConfig,
    baseline: Callable[[str, str, object], float] | None = None,
) -> pd.Series:
    """≥ k responses from one network address at one school inside the window, with
    near-identical answers (within burst_max_diff of the window's most common vector), more
    alike than the rest of the county's answers of that group make likely. `baseline(group,
    vector, school)` gives that share; without one, any such window is a burst."""
    flagged = pd.Series(False, index=frame.index)
    ids = _ids(frame)
    ids = ids[ids["address_id"] != -1]
    ids = ids[ids.duplicated(["school", "address_id"], keep=False)]  # cheap pre-filter
    if ids.empty:
        return flagged
    sizes = ids.groupby(["school", "address_id"], observed=True)["group"].transform("size")
    data = frame.loc[ids.index[(sizes >= cfg.burst_k).to_numpy()]]
    data = data.assign(address_id=ids["address_id"])
    window = np.timedelta64(int(cfg.burst_minutes * 60), "s")
    for (school, _), grp in data.groupby(["school", "address_id"], sort=False, observed=True):
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
        chosen = pd.Series([v for v, f in zip(vectors, inside, strict=True) if f])
        mode = chosen.mode().iloc[0]
        near = (_matrix(vectors, len(mode)) != _matrix([mode], len(mode))).sum(axis=1)
        hit = inside & (near <= cfg.burst_max_diff)
        hits = int(hit.sum())
        if hits < cfg.burst_k:
            continue
        group = grp["group"].iloc[0] if grp["group"].nunique() == 1 else None
        if baseline is not None and group is not None:
            p0 = baseline(str(group), mode, school)
            if float(binom.sf(hits - 1, int(inside.sum()), p0)) >= cfg.burst_alpha:
                continue  # as alike as the county's own answers: no evidence
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
    data = ids[keys].assign(submitted_at=frame.loc[ids.index, "submitted_at"])
    data = data.sort_values([*keys, "submitted_at"])
    same = (data[keys] == data[keys].shift()).all(axis=1)
    gap = data["submitted_at"].diff() <= pd.Timedelta(minutes=cfg.duplicate_minutes)
    flagged.loc[data.index[same & gap]] = True
    return flagged


def flag_responses(
    frame: pd.DataFrame, straight: np.ndarray, cfg: QualityConfig | None = None
) -> pd.DataFrame:
    """Boolean columns per reason, 'flagged' (any reason) and 'reasons' (comma-joined codes).

    frame needs: school, group, network, vector, submitted_at (datetime64), duration; and
    optionally address (the network address alone, for bursts).
    """
    cfg = cfg or QualityConfig()
    out = pd.DataFrame(index=frame.index)
    out["too_fast"], out["fast"] = speed(frame, cfg)
    out["straight_line"] = np.asarray(straight, bool)
    # only responses that share a device or an address with another at the same school can be
    # part of a burst or a duplicate: both checks look at those few rows, not the whole county
    ids = _ids(frame)
    # (one device is one address, and a response without an address stands for its device:
    # sharing an address covers sharing a device)
    school = pd.Categorical(frame["school"]).codes
    shared = shared_at_school(school, ids["address_id"].to_numpy())
    few = frame[shared]
    if len(few):
        few = few.assign(network_id=ids["network_id"][shared], address_id=ids["address_id"][shared])
        if "answer_id" not in few:
            few = few.assign(answer_id=ids["answer_id"][shared])
    county = near_counter(frame, cfg)

    def baseline(group: str, vector: str, school_code) -> float:
        return county(group, vector, (frame["school"] == school_code).to_numpy())

    out["burst"] = bursts(few, cfg, baseline).reindex(frame.index, fill_value=False)
    out["duplicate"] = duplicates(few, cfg).reindex(frame.index, fill_value=False)
    # each combination of reasons is one category: "" for none, "fast,burst" and so on (a
    # bit per reason, or-ed column by column: an integer matrix product has no fast path)
    combination = np.zeros(len(out), np.int8)
    for j, reason in enumerate(REASONS):
        combination |= out[reason].to_numpy(bool).view(np.int8) << j
    out["flagged"] = combination != 0
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
    columns = ["school", "group", "n", "modal_share", "county_share", "networks", "flagged"]
    ids = _ids(frame)
    data = ids[ids["answer_id"] != -1]
    if data.empty:
        return pd.DataFrame(columns=columns)
    school = pd.Categorical(data["school"])
    group = pd.Categorical(data["group"])
    group_codes = group.codes.astype(np.int64)
    answer, _ = pd.factorize(data["answer_id"].to_numpy())
    n_answers = int(answer.max()) + 1
    cell = school.codes.astype(np.int64) * len(group.categories) + group_codes
    # answers per cell and vector, most common first within each cell
    pairs, pair_n = np.unique(cell * n_answers + answer, return_counts=True)
    pair_cell, pair_answer = pairs // n_answers, pairs % n_answers
    order = np.lexsort((-pair_n, pair_cell))
    first = order[np.r_[True, np.diff(pair_cell[order]) != 0]]
    cells, mode, top = pair_cell[first], pair_answer[first], pair_n[first]
    size = np.bincount(np.searchsorted(cells, cell), minlength=len(cells))
    # the same vector across the group's whole county
    g_of_cell = cells % len(group.categories)
    county_keys, county_n = np.unique(group_codes * n_answers + answer, return_counts=True)
    at = np.searchsorted(county_keys, g_of_cell * n_answers + mode)
    same_in_county = np.where(
        county_keys[np.minimum(at, len(county_keys) - 1)] == (g_of_cell * n_answers + mode),
        county_n[np.minimum(at, len(county_keys) - 1)],
        0,
    )
    group_size = np.bincount(group_codes, minlength=len(group.categories))[g_of_cell]
    rest_n = group_size - size
    rest = np.where(rest_n > 0, (same_in_county - top) / np.maximum(rest_n, 1), 0.0)
    # devices behind each cell's most common vector
    cell_index = np.searchsorted(cells, cell)
    modal = (answer == mode[cell_index]) & (data["network_id"].to_numpy() != -1)
    devices = np.zeros(len(cells), np.int64)
    if modal.any():
        uniq = pd.DataFrame({"c": cell_index[modal], "d": data["network_id"].to_numpy()[modal]})
        counted = uniq.drop_duplicates()["c"].value_counts()
        devices[counted.index.to_numpy()] = counted.to_numpy()
    share = top / size
    flagged = (
        (size >= cfg.coached_min_n)
        & (share >= cfg.coached_share)
        & (share >= cfg.coached_ratio * rest)
        & (devices >= cfg.coached_networks)
    )
    return pd.DataFrame(
        {
            "school": school.categories[cells // len(group.categories)].to_numpy(dtype=object),
            "group": group.categories[g_of_cell].to_numpy(dtype=object),
            "n": size.astype(int),
            "modal_share": share.astype(float),
            "county_share": rest.astype(float),
            "networks": devices.astype(int),
            "flagged": flagged.astype(bool),
        },
        columns=columns,
    )
