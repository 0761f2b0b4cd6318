"""The raw data as an SPSS .sav: the CSV's columns with SPSS's own metadata.

Answers are the option codes as numbers with value labels; don't-know codes (不了解, 说不清)
are declared user-missing, so SPSS and PSPP leave them out of means and valid percentages as
the recognition rate does; items are ordinal, labels nominal, times and durations scale.
"""

from __future__ import annotations

import pandas as pd

from analysis.report import Settings
from questionnaires import GROUPS

from ..core.parsing import whole_number
from ..models import LOCATIONS, STAGES, Campaign
from .raw import FIXED, SOURCE_LABELS, layout_of, raw_chunks, read_raw

YES_NO = {0.0: "否", 1.0: "是"}
#: labelled categories of the fixed columns: variable -> {number: label}
CATEGORIES = {
    "stage": dict(enumerate(STAGES.values(), 1)),
    "location": dict(enumerate(LOCATIONS.values(), 1)),
    "group": dict(enumerate(GROUPS.values(), 1)),
    "source": dict(enumerate(SOURCE_LABELS.values(), 1)),
    "flagged": YES_NO,
    "excluded": YES_NO,
}
TEXT = ("school_code", "school_name", "questionnaire", "source_detail", "reasons")


def _option_numbers(campaign: Campaign):
    """Per choice item: option code -> number, number -> label, don't-know numbers, scored."""
    numbers: dict[str, dict[str, float]] = {}
    labels: dict[str, dict[float, str]] = {}
    missing: dict[str, set[float]] = {}
    scored: dict[str, bool] = {}
    for q in layout_of(campaign).forms:
        for it in q.choice_items:
            for j, o in enumerate(it.options):
                num = float(whole_number(o.code, 10**9) or j + 1)
                numbers.setdefault(it.code, {})[o.code] = num
                labels.setdefault(it.code, {})[num] = o.label
                if o.dont_know:
                    missing.setdefault(it.code, set()).add(num)
            scored[it.code] = scored.get(it.code, False) or it.scored
    return numbers, labels, missing, scored


def write_sav(campaign: Campaign, path: str, settings: Settings) -> int:
    """Write the .sav; returns the number of responses."""
    import pyreadstat

    layout = layout_of(campaign)
    numbers, value_labels, missing, scored = _option_numbers(campaign)
    choice = [c for c, _ in layout.items if c in numbers]
    texts = layout.text_codes
    parts = []
    # answers and sources as codes; stage, location and group come as their labels
    by_value = {
        col: {label: num for num, label in cats.items()} for col, cats in CATEGORIES.items()
    }
    by_value["source"] = {code: float(i) for i, code in enumerate(SOURCE_LABELS, 1)}
    for chunk in raw_chunks(read_raw(campaign, settings), layout, labels=False):
        part = {"response_id": chunk["response_id"].astype(float)}
        for col in FIXED:
            if col in CATEGORIES:
                part[col] = chunk[col].map(by_value[col]).astype(float)
            elif col in TEXT:
                part[col] = chunk[col].fillna("").astype(str)
        part["version"] = chunk["version"].astype(float)
        part["submitted_at"] = pd.to_datetime(chunk["submitted_at"])
        part["duration_seconds"] = chunk["duration_seconds"].astype(float)
        for c in choice:
            part[c] = chunk[c].map(numbers[c]).astype(float)
        for c in texts:
            part[c] = chunk[c].fillna("").astype(str)
        part = pd.DataFrame(part)
        parts.append(part[list(FIXED) + choice + texts])
    frame = pd.concat(parts, ignore_index=True) if parts else _empty(choice, texts)
    labels = dict(layout.labels)
    measure = {c: "nominal" for c in (*CATEGORIES, *TEXT, "version")}
    measure.update(response_id="scale", submitted_at="scale", duration_seconds="scale")
    formats = {
        "response_id": "F10.0",
        "version": "F3.0",
        "submitted_at": "DATETIME20",
        "duration_seconds": "F8.1",
        **{c: "F1.0" for c in CATEGORIES},
    }
    for c in choice:
        measure[c] = "ordinal" if scored[c] else "nominal"
        width = max(len(str(int(n))) for n in value_labels[c])
        formats[c] = f"F{width}.0"
    value = {c: dict(v) for c, v in CATEGORIES.items()}
    value.update({c: value_labels[c] for c in choice})
    pyreadstat.write_sav(
        frame,
        path,
        file_label=campaign.name[:64],
        column_labels={c: labels[c][:250] for c in frame.columns},
        variable_value_labels=value,
        missing_ranges={c: sorted(missing[c])[:3] for c in choice if c in missing},
        variable_measure=measure,
        variable_format=formats,
    )
    return len(frame)


def _empty(choice: list[str], texts: list[str]) -> pd.DataFrame:
    columns = {c: pd.Series(dtype=float) for c in FIXED}
    for c in TEXT:
        columns[c] = pd.Series(dtype=object)
    columns["submitted_at"] = pd.Series(dtype="datetime64[ns]")
    columns.update({c: pd.Series(dtype=float) for c in choice})
    columns.update({c: pd.Series(dtype=object) for c in texts})
    return pd.DataFrame(columns)
