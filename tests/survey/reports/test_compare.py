"""Two rounds compared: the CLI and the console page against an independent computation from
the stored answers (pooled rates and their linearised errors, Wilson and Newcombe by hand)."""

from __future__ import annotations

import json
import math
import random
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.core.timeutil import utcnow
from survey.importing.schools import copy_schools
from survey.models import Campaign, Link, Response, School
from survey.services.campaigns import create_campaign, registry
from survey.services.demo import simulate_answers
from survey.services.responses import store_response
from tests.helpers import login

Z = 1.959963984540054


def _fill(campaign: Campaign, n: int, mood: float, seed: int, worse: str | None = None) -> None:
    """n simulated respondents; `worse`: an item most of them do not recognise."""
    rng = random.Random(seed)
    links = db.session.scalars(sa.select(Link).where(Link.campaign_id == campaign.id)).all()
    stages = {s.id: s.stage for s in campaign.schools}
    now = utcnow()
    for k in range(n):
        link = links[k % len(links)]
        q = registry().get(campaign.forms[link.group])
        answers = simulate_answers(q, mood, rng, frozenset({link.group}), stages[link.school_id])
        if worse and q.item(worse) and rng.random() < 0.7:
            answers[worse] = next(
                o.code for o in q.item(worse).options if not o.recognised and not o.dont_know
            )
        store_response(
            link=link,
            questionnaire=q,
            answers=answers,
            submission_id=uuid.uuid4().hex,
            started_at=now - timedelta(minutes=k, seconds=300),
            submitted_at=now - timedelta(minutes=k),
            network=f"net{seed}-{k}",
        )


@pytest.fixture
def rounds(app, demo):
    """A rehearsal (A) and a self-assessment (B) of the demo county, same schools, the second
    better overall but worse on one parent item; every answer kept (screen rule none)."""
    with app.app_context():
        a = db.session.get(Campaign, demo)
        b = create_campaign(a.county, "第二轮", slug="round-b")
        copy_schools(a, b)
        for c in (a, b):
            c.screen_rule = "none"
        db.session.commit()
        _fill(a, 900, 0.80, seed=1)
        _fill(b, 900, 0.93, seed=2, worse="P05")
        db.session.commit()
        return a.id, b.id


def _schools_by_hand(app, campaign_id: int) -> dict[str, tuple[float, float]]:
    """Per school, all groups pooled: (rate, se) as for a group."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                School.code,
                Response.questionnaire,
                Response.questionnaire_version,
                Response.answers,
            )
            .join(School, Response.school_id == School.id)
            .where(Response.campaign_id == campaign_id)
        ).all()
        reg = registry()
        pairs: dict[str, list[tuple[int, int]]] = {}
        for code, qcode, version, answers in rows:
            q = reg.get(qcode, version)
            opts = [
                it.option(answers.get(it.code, ""))
                for it in q.items
                if it.type == "single" and it.scored
            ]
            valid = [o for o in opts if o is not None and not o.dont_know]
            if valid:
                pairs.setdefault(code, []).append((sum(o.recognised for o in valid), len(valid)))
    out = {}
    for code, ps in pairs.items():
        n, sy, sm = len(ps), sum(y for y, _ in ps), sum(m for _, m in ps)
        r = sy / sm
        out[code] = (r, math.sqrt(n / (n - 1) * sum((y - r * m) ** 2 for y, m in ps) / sm**2))
    return out


def _by_hand(app, campaign_id: int):
    """Per group: (rate, se) of Σrecognised/Σvalid over scored items with the respondent as the
    cluster; per (group, item): recognised and valid counts."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Response.group,
                Response.questionnaire,
                Response.questionnaire_version,
                Response.answers,
            ).where(Response.campaign_id == campaign_id)
        ).all()
        reg = registry()
        per_group: dict[str, list[tuple[int, int]]] = {}
        items: dict[tuple[str, str], list[int]] = {}
        for group, code, version, answers in rows:
            q = reg.get(code, version)
            y = m = 0
            for item in q.items:
                if item.type != "single" or not item.scored:
                    continue
                opt = item.option(answers.get(item.code, ""))
                if opt is None or opt.dont_know:
                    continue
                y, m = y + opt.recognised, m + 1
                cell = items.setdefault((group, item.code), [0, 0])
                cell[0] += opt.recognised
                cell[1] += 1
            per_group.setdefault(group, []).append((y, m))
    groups = {}
    for g, pairs in per_group.items():
        pairs = [(y, m) for y, m in pairs if m > 0]
        n, sy, sm = len(pairs), sum(y for y, _ in pairs), sum(m for _, m in pairs)
        r = sy / sm
        var = n / (n - 1) * sum((y - r * m) ** 2 for y, m in pairs) / sm**2
        groups[g] = (r, math.sqrt(var))
    return groups, items


def _wilson(x: int, n: int) -> tuple[float, float, float]:
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return p, centre - half, centre + half


def test_compare_matches_an_independent_computation(app, runner, rounds):
    a, b = rounds
    out = runner.invoke(args=["compare", str(a), "round-b", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    groups_a, items_a = _by_hand(app, a)
    groups_b, items_b = _by_hand(app, b)
    for g, row in doc["groups"].items():
        (ra, sa_), (rb, sb) = groups_a[g], groups_b[g]
        assert row["rate_a"] == pytest.approx(ra, abs=1e-12)
        assert row["diff"] == pytest.approx(rb - ra, abs=1e-12)
        half = Z * math.sqrt(sa_**2 + sb**2)
        assert row["ci_low"] == pytest.approx(rb - ra - half, abs=1e-4)
        assert row["ci_high"] == pytest.approx(rb - ra + half, abs=1e-4)
        expected = (
            "improved" if rb - ra - half > 0 else "worsened" if rb - ra + half < 0 else "unchanged"
        )
        assert row["change"] == expected
    checked = 0
    for row in doc["items"]:
        key = (row["group"], row["item"])
        if key not in items_a or row["diff"] is None:
            continue
        p1, l1, u1 = _wilson(*items_a[key])
        p2, l2, u2 = _wilson(*items_b[key])
        d = p2 - p1
        assert row["diff"] == pytest.approx(d, abs=1e-12)
        assert row["ci_low"] == pytest.approx(
            d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), abs=1e-4
        )
        assert row["ci_high"] == pytest.approx(
            d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2), abs=1e-4
        )
        checked += 1
    assert checked >= 20
    parent = {r["item"]: r for r in doc["items"] if r["group"] == "parent"}
    assert parent["P05"]["change"] == "worsened"
    assert doc["groups"]["parent"]["change"] == "improved"
    schools_a, schools_b = _schools_by_hand(app, a), _schools_by_hand(app, b)
    assert len(doc["schools"]) == 8
    for row in doc["schools"]:
        (ra, sa_), (rb, sb) = schools_a[row["school_code"]], schools_b[row["school_code"]]
        assert row["diff"] == pytest.approx(rb - ra, abs=1e-12)
        assert row["ci_high"] - row["diff"] == pytest.approx(
            Z * math.sqrt(sa_**2 + sb**2), abs=1e-4
        )


def test_the_weak_items_of_a_are_followed_into_b(app, runner, rounds):
    a, b = rounds
    doc = json.loads(runner.invoke(args=["compare", str(a), str(b), "--json"]).output)
    weak = doc["weak_items"]["parent"]
    assert weak and all({"item", "rate_a", "rate_b", "change", "below_b"} <= set(w) for w in weak)
    assert all(w["rate_a"] < doc["threshold_a"] for w in weak)


def test_the_console_page_shows_both_rounds_to_admins_and_analysts(app, client, staff, rounds):
    a, b = rounds
    login(client, "analyst")
    page = client.get(f"/console/compare?a={a}&b={b}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "各群体" in html and "下降" in html and "提高" in html
    assert "A 轮的短板题在 B 轮" in html
    assert client.get("/console/compare?a=x&b=1").status_code == 400


def test_another_countys_rounds_cannot_be_compared(app, client, staff, rounds):
    a, b = rounds
    login(client, "other")
    assert client.get(f"/console/compare?a={a}&b={b}").status_code == 404


def test_a_coordinator_cannot_compare(client, staff, rounds):
    a, b = rounds
    login(client, "coord")
    assert client.get(f"/console/compare?a={a}&b={b}").status_code == 403
