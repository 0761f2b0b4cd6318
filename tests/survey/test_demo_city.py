"""`demo --city`: a city with three counties, each with a rehearsal and a self-assessment whose
weak items improve (and one worsens), and the city's review over the three, with accounts."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Org, Response
from survey.services.demo_city import weak_items
from tests.helpers import login


def _campaigns(app) -> dict[str, tuple[str, int]]:
    with app.app_context():
        return {
            c.slug: (c.county.name, len(c.schools))
            for c in db.session.scalars(sa.select(Campaign).order_by(Campaign.id))
        }


def test_the_city_demo_holds_three_counties_two_rounds_each_and_a_review(app, runner):
    out = runner.invoke(args=["demo", "--city", "--responses", "300", "--seed", "4"])
    assert out.exit_code == 0, out.output
    with app.app_context():
        city = db.session.scalar(sa.select(Org).where(Org.name == "示例市"))
        counties = db.session.scalars(sa.select(Org.name).where(Org.parent_id == city.id)).all()
        assert city.kind == "city" and sorted(counties) == ["东城县", "南河县", "西山县"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 7 * 300
    campaigns = _campaigns(app)
    assert len(campaigns) == 7
    assert campaigns["city-demo-review"] == ("示例市", 3 * 6 + 3)  # schools and county units
    assert campaigns["city-demo-dongchengxian-rehearsal"] == ("东城县", 6 + 1)
    # the rehearsal's weak items improve by the self-assessment; one item worsens
    compared = runner.invoke(
        args=[
            "compare",
            "city-demo-dongchengxian-rehearsal",
            "city-demo-dongchengxian-self",
            "--json",
        ]
    )
    items = {r["item"]: r for r in json.loads(compared.output)["items"]}
    with app.app_context():
        better, worse = weak_items(app.extensions["questionnaires"].get("parent"))
    assert all(items[code]["change"] == "improved" for code in better), better
    assert items[worse]["change"] == "worsened"
    # the city's analyst signs in with the printed password and sees the county roll-up
    password = re.search(r"demo-city-analyst\s+\S+\s+密码 (\S+)", out.output).group(1)
    client = app.test_client()
    assert login(client, "demo-city-analyst", password).status_code == 302
    with app.app_context():
        review = db.session.scalar(
            sa.select(Campaign.id).where(Campaign.slug == "city-demo-review")
        )
        own = db.session.scalar(
            sa.select(Campaign.id).where(Campaign.slug == "city-demo-xishanxian-self")
        )
    report = client.get(f"/console/campaigns/{review}/report").get_data(as_text=True)
    assert "各区县" in report and all(name in report for name in counties)
    assert client.get(f"/console/campaigns/{own}/report").status_code == 200  # shared up
    assert "/s/" in out.output and "flask --app survey compare" in out.output


def test_the_city_demo_run_again_changes_nothing_until_reset(app, runner):
    assert runner.invoke(args=["demo", "--city", "--responses", "20"]).exit_code == 0
    again = runner.invoke(args=["demo", "--city", "--responses", "20"])
    assert again.exit_code == 0 and "已存在" in again.output and "密码 " not in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 7 * 20
    reset = runner.invoke(args=["demo", "--city", "--reset", "--responses", "10"])
    assert reset.exit_code == 0 and "删除 140 份答卷" in reset.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 7 * 10
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Org)) == 4
