"""`analyze --json` on imported answers equals an independent computation of each method."""

from __future__ import annotations

import json
import math
import random

import pytest

from questionnaires.loader import DEFINITIONS_DIR

METHODS = ["positive_share", "respondent_mean", "option_scores", "overall_item"]


def _definition(code):
    raw = json.loads((DEFINITIONS_DIR / f"{code}.v1.json").read_text(encoding="utf-8"))
    options = {}
    for item in raw["items"]:
        if item.get("type", "single") == "single" and item.get("scored", True):
            options[item["code"]] = (raw["scales"][item["scale"]], item.get("overall", False))
    return options


def _write_file(tmp_path, seed=11, n=240):
    """Random but plausible paper answers for parents and teachers of the demo schools."""
    rng = random.Random(seed)
    forms = {"parent": _definition("parent"), "teacher": _definition("teacher")}
    header = ["school_code", "group"] + sorted({c for f in forms.values() for c in f})
    rows = []
    for _ in range(n):
        group = rng.choice(["parent", "parent", "teacher"])
        row = {"school_code": f"410101000{rng.randint(1, 8)}", "group": group}
        for code, (scale, _) in forms[group].items():
            if rng.random() < 0.05:
                continue  # unanswered on paper
            row[code] = rng.choices([o["code"] for o in scale], [6, 3, 1, 0.6, 0.5])[0]
        rows.append(row)
    path = tmp_path / "paper.csv"
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, rows, forms


def _independent(rows, forms, group, method):
    """Plain-Python recognition rate of one group (no code shared with analysis/)."""
    num = den = 0.0
    means = []
    for row in rows:
        if row["group"] != group:
            continue
        rec = valid = pts = npts = 0
        for code, (scale, overall) in forms[group].items():
            answer = row.get(code)
            opt = next((o for o in scale if o["code"] == answer), None)
            if opt is None or opt.get("dont_know"):
                continue
            if method == "overall_item" and not overall:
                continue
            valid += 1
            rec += bool(opt.get("recognised"))
            top = max(o.get("score", 0) for o in scale)
            pts += opt["score"] / top
            npts += 1
        if method == "option_scores":
            num, den = num + pts, den + npts
        elif method == "respondent_mean":
            if valid:
                means.append(rec / valid)
        else:
            num, den = num + rec, den + valid
    if method == "respondent_mean":
        return sum(means) / len(means), len(means)
    return num / den, int(den)


@pytest.mark.parametrize("method", METHODS)
def test_analyze_matches_an_independent_computation(app, runner, demo, tmp_path, method):
    path, rows, forms = _write_file(tmp_path)
    assert runner.invoke(args=["import-responses", "demo-2026", str(path)]).exit_code == 0
    out = runner.invoke(
        args=["analyze", "demo-2026", "--json", "--method", method, "--screen", "none"]
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["method"] == method and result["threshold"] == 0.85
    for group in ("parent", "teacher"):
        expected, n = _independent(rows, forms, group, method)
        got = result["groups"][group]
        assert got["rate"] == pytest.approx(expected, rel=0, abs=1e-12)
        assert {"n", "rate", "ci_low", "ci_high", "verdict", "interval_vs_threshold"} <= set(got)
        assert got["verdict"] == ("meets" if expected >= 0.85 else "below")
        if method == "overall_item":
            z = 1.959963984540054
            p = expected
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            assert got["n"] == n
            assert got["ci_low"] == pytest.approx(centre - half, abs=1e-4)
            assert got["ci_high"] == pytest.approx(centre + half, abs=1e-4)
    assert {"school_code", "group", "n", "rate"} <= set(result["schools"][0])
    assert {"group", "item", "n", "rate"} <= set(result["items"][0])
    assert set(result["quality"]["counts"]) == {
        "too_fast",
        "fast",
        "straight_line",
        "burst",
        "duplicate",
    }
    assert "overall" in result and result["groups"]["student"]["n"] == 0


def test_analyze_on_an_empty_campaign_says_so(runner, demo):
    out = runner.invoke(args=["analyze", "demo-2026"])
    assert out.exit_code == 0 and "无有效答卷" in out.output


@pytest.mark.parametrize("change_browser", [False, True])
def test_stuffed_answers_from_one_network_are_flagged(app, runner, demo, change_browser):
    """Five phones behind one network sending the same answers within minutes: a burst, and
    repeats of the same device's answers flagged as duplicates; nothing is deleted. A new
    User-Agent for each sheet does not hide the burst (the address alone is screened)."""
    from tests.helpers import complete_answers, hidden_fields, link_token, questionnaire_for

    token = link_token(app, demo, "parent")
    q = questionnaire_for(app, demo, "parent")
    for i in range(5):
        phone = app.test_client()  # no shared cookie; same address
        headers = {"User-Agent": f"Mozilla/5.0 MicroMessenger/8.0.{i}"} if change_browser else {}
        html = phone.get(f"/s/{token}", headers=headers).get_data(as_text=True)
        data = {**hidden_fields(html), **complete_answers(q, "parent", 1)}
        assert phone.post(f"/s/{token}", data=data, headers=headers).status_code == 303
    out = runner.invoke(args=["analyze", "demo-2026", "--json"])
    result = json.loads(out.output)
    assert result["quality"]["counts"]["burst"] == 5
    assert result["quality"]["counts"]["duplicate"] == (0 if change_browser else 4)
    assert result["responses"] == 5 and result["analysed"] == 0
    assert result["groups"]["parent"]["all_responses"]["n"] == 5
    assert result["quality"]["rules"]["none"]["removed"] == 0


def test_tiny_groups_get_no_verdict_and_razor_edges_no_absurd_advice(
    app, runner, demo, tmp_path, client, staff
):
    """One principal and two deputies: no 达标/未达标. A group at 85.1%: 达标 by the rule, the
    interval spans the line, and no six-digit "more needed"."""
    forms = {g: _definition(g) for g in ("principal", "public", "parent")}
    header = ["school_code", "group"] + sorted({c for f in forms.values() for c in f})
    rows = []

    def sheet(group: str, bad: int) -> dict:
        """Every scored item answered; the first `bad` of them not recognised."""
        row = {"school_code": "4101010001", "group": group}
        for j, (code, (scale, _)) in enumerate(forms[group].items()):
            good = next(o["code"] for o in scale if o.get("recognised"))
            worse = next(o for o in scale if not o.get("recognised") and not o.get("dont_know"))
            row[code] = worse["code"] if j < bad else good
        return row

    rows.append(sheet("principal", 1))
    rows += [sheet("public", 0), sheet("public", 1)]
    per = len(forms["parent"])
    bad = round(0.149 * 200 * per)  # 85.1% recognised over 200 parents
    for _ in range(200):
        rows.append(sheet("parent", min(per, bad)))
        bad -= min(per, bad)
    path = tmp_path / "paper.csv"
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert runner.invoke(args=["import-responses", "demo-2026", str(path)]).exit_code == 0
    result = json.loads(runner.invoke(args=["analyze", "demo-2026", "--json"]).output)
    groups = result["groups"]
    assert groups["principal"]["n"] == 1 and groups["principal"]["verdict"] == "insufficient"
    assert groups["principal"]["ci_high"] - groups["principal"]["ci_low"] > 0.1
    assert groups["public"]["n"] == 2 and groups["public"]["verdict"] == "insufficient"
    par = groups["parent"]
    assert par["n"] == 200 and 0.85 <= par["rate"] < 0.852 and par["verdict"] == "meets"
    assert par["interval_vs_threshold"] == "spans"
    assert par["more_needed"] is None or par["more_needed"] < 1000
    assert result["overall"]["verdict"] in ("meets", "below")
    assert "interval_vs_threshold" in result["overall"]
    cells = [r for r in result["schools"] if r["group"] == "parent"]
    assert cells and all("verdict" in r and "interval_vs_threshold" in r for r in cells)
    # the report says the same in words
    from tests.helpers import login

    login(client, "analyst")
    html = client.get(f"/console/campaigns/{demo}/report").get_data(as_text=True)
    assert html.count("样本不足，不作结论") >= 2  # principal and public cards
    assert "置信区间跨越达标线，与达标线几乎持平，增加样本也难以改变结论" in html
