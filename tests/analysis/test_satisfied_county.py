"""A satisfied county: most honest respondents answer the most positive option everywhere.

The default screen must not flip its verdict: straight-lining is the commonest honest sheet
there, pupils answer from their school's computer room (one network address), and families
share a home network. The headline under the default rule stays within one percentage point
of the all-answers figure for every group, with the same verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.report import Settings, analyze, prepare
from questionnaires.loader import load_registry
from questionnaires.model import VECTOR_DIGITS

REGISTRY = load_registry()
FORMS = {g: REGISTRY.get(g) for g in ("student", "parent", "teacher", "principal", "public")}
SIZES = {"student": 60, "parent": 120, "teacher": 30, "principal": 2, "public": 10}
SCHOOLS = [f"S{i}" for i in range(8)]


def _sheet(rng, q, all_positive: bool) -> str:
    """One answer vector: the most positive option everywhere, or a varied honest sheet
    (about 80% of answers recognised, a few 不了解)."""
    out = []
    for item in q.choice_items:
        options = item.options
        if not item.scored:
            out.append(VECTOR_DIGITS[rng.integers(len(options))])
            continue
        good = [i for i, o in enumerate(options) if o.recognised]
        bad = [i for i, o in enumerate(options) if not o.recognised and not o.dont_know]
        unknown = [i for i, o in enumerate(options) if o.dont_know]
        if all_positive:
            pick = good[0]
        else:
            draw = rng.random()
            if draw < 0.80:
                pick = good[rng.integers(len(good))]
            elif draw < 0.97 or not unknown:
                pick = bad[rng.integers(len(bad))]
            else:
                pick = unknown[0]
        out.append(VECTOR_DIGITS[pick])
    return "".join(out)


def _county(seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-11-20 08:00")
    rid = 0
    for school in SCHOOLS:
        for group, q in FORMS.items():
            for k in range(SIZES[group]):
                rid += 1
                positive = rng.random() < 0.55
                # ordinary durations; people who tick 满意 throughout are a little quicker
                median = 120 if positive else 200
                duration = float(rng.lognormal(np.log(median), 0.45))
                if group == "student":  # a class in the computer room, 40 minutes a session
                    address = f"{school}-lab"
                    minutes = (k // 30) * 60 + rng.uniform(0, 40)
                else:  # at home over five days; two in ten share a home network
                    address = f"{school}-{group}-home{k // 2 if k % 10 < 2 else k}"
                    minutes = rng.uniform(0, 5 * 24 * 60)
                rows.append(
                    {
                        "response_id": rid,
                        "school": school,
                        "group": group,
                        "questionnaire": q.code,
                        "version": q.version,
                        "vector": _sheet(rng, q, positive),
                        "duration": duration,
                        "network": f"device-{rid}",
                        "address": address,
                        "submitted_at": start + pd.Timedelta(minutes=float(minutes)),
                    }
                )
    return pd.DataFrame(rows)


def _schools() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school": SCHOOLS,
            "name": SCHOOLS,
            "stage": "小学",
            "location": "乡村",
            "enrolment": 500,
        }
    )


def test_the_default_screen_keeps_a_satisfied_countys_verdict():
    responses, schools = _county(), _schools()
    settings = Settings()  # the default rule, as a new campaign has it
    assert settings.screen_rule == "strong"
    prep = prepare(responses, schools, REGISTRY.versions, settings)
    result = analyze(prep, schools, settings)
    assert result["quality"]["counts"]["straight_line"] > 0.4 * len(responses)
    for group, block in result["groups"].items():
        every = block["all_responses"]
        assert every["rate"] > 0.87, group  # truly above the line
        assert abs(block["rate"] - every["rate"]) <= 0.01, (group, block["rate"], every["rate"])
        assert block["verdict"] == every["verdict"], group
    assert result["groups"]["parent"]["verdict"] == "meets"
    # the computer rooms are as satisfied as the rest of the county: no burst
    assert result["quality"]["counts"]["burst"] == 0
    # the strict rule shows what round 1's default did to this county
    strict = Settings(screen_rule="any")
    strict_result = analyze(prepare(responses, schools, REGISTRY.versions, strict), schools, strict)
    parent = strict_result["groups"]["parent"]
    assert parent["rate"] < result["groups"]["parent"]["rate"] - 0.05


@pytest.mark.parametrize("school", ["S3"])
def test_a_coached_room_in_the_same_county_is_still_caught(school):
    """One class told what to answer: identical sheets from one room within minutes, while
    the rest of the county answers as above."""
    responses = _county()
    coached = (responses["school"] == school) & (responses["group"] == "student")
    dissent = responses.loc[~coached & (responses["group"] == "student"), "vector"]
    fixed = dissent[dissent.str.contains("1")].iloc[0]  # one sheet, not the all-满意 one
    responses.loc[coached, "vector"] = fixed
    settings = Settings()
    result = analyze(
        prepare(responses, _schools(), REGISTRY.versions, settings), _schools(), settings
    )
    assert result["quality"]["counts"]["burst"] >= coached.sum() * 0.9
    assert result["quality"]["rules"]["strong"]["removed"] >= coached.sum() * 0.9
