"""The assessment's tree: provinces, cities and counties, and campaigns shared upward that the
levels above read but never change."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Org, User
from tests.helpers import PASSWORD, csrf_of, login, own_link_id

STRONG = PASSWORD + "A1!"  # the password the tree fixture gives its accounts


def _share(app, demo, on: bool = True) -> None:
    with app.app_context():
        db.session.get(Campaign, demo).share_up = on
        db.session.commit()


def _login(app, name):
    client = app.test_client()
    login(client, name, STRONG)
    return client


def test_orgs_json_lists_the_tree(runner, tree):
    rows = json.loads(runner.invoke(args=["orgs", "--json"]).output)
    by_name = {r["name"]: r for r in rows}
    assert by_name["山西省"] == {
        "id": by_name["山西省"]["id"],
        "kind": "province",
        "name": "山西省",
        "parent": None,
    }
    assert by_name["长治市"]["parent"] == "山西省" and by_name["长治市"]["kind"] == "city"
    assert by_name["示例县"] == {**by_name["示例县"], "kind": "county", "parent": "长治市"}
    assert by_name["另一县"]["parent"] is None  # a county made before the tree keeps its place


def test_the_tree_refuses_what_does_not_fit(runner, tree):
    cases = [
        (["create-org", "county", "某县", "--parent", "山西省"], "上级应为市级"),
        (["create-org", "city", "长治市"], "已有名为"),
        (["create-org", "town", "某镇"], "Invalid value"),
        (["create-org", "county", "某县", "--parent", "无此市"], "没有名为"),
        (["set-parent", "长治市", "示例县"], "上级不能是"),
        (
            [
                "create-user",
                "c2",
                "--org",
                "长治市",
                "--role",
                "coordinator",
                "--school-code",
                "4101010001",
                "--password",
                PASSWORD + "A1!",
            ],
            "只能属于区县",
        ),
        (
            ["create-user", "c3", "--org", "长治市", "--county", "示例县", "--password", PASSWORD],
            "二选一",
        ),
    ]
    for args, words in cases:
        out = runner.invoke(args=args)
        assert out.exit_code != 0 and words in out.output, (args, out.output)


def test_users_made_with_county_still_work(app, runner, tree):
    out = runner.invoke(
        args=["create-user", "c4", "--county", "示例县", "--password", PASSWORD + "A1!"]
    )
    assert out.exit_code == 0, out.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "c4"))
        assert user.county.name == "示例县" and user.county.kind == "county"


def test_a_city_sees_a_county_campaign_only_once_shared_and_only_reads_it(app, tree):
    demo = tree
    city = _login(app, "city-admin")
    assert city.get(f"/console/campaigns/{demo}").status_code == 404
    assert "下级单位共享" not in city.get("/console/").get_data(as_text=True)
    _share(app, demo)
    index = city.get("/console/").get_data(as_text=True)
    assert "下级单位共享的调查" in index and "示例县" in index
    page = city.get(f"/console/campaigns/{demo}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "只读查看" in html and "本轮调查的步骤" not in html
    assert city.get(f"/console/campaigns/{demo}/report").status_code == 200
    with city.get(f"/console/campaigns/{demo}/export.csv") as export:  # a file body: closed
        assert export.status_code == 200
    token = csrf_of(city, "/console/")
    for url, data in (
        (f"/console/campaigns/{demo}/status", {"status": "closed", "confirm": "1"}),
        (f"/console/campaigns/{demo}/edit", {"name": "改名"}),
        (f"/console/campaigns/{demo}/targets", {}),
        (f"/console/campaigns/{demo}/codes", {}),
    ):
        assert city.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        assert campaign.status == "open" and campaign.name != "改名"
    analyst = _login(app, "city-analyst")
    assert analyst.get(f"/console/campaigns/{demo}/report").status_code == 200


def test_the_province_reads_it_and_another_city_sees_nothing(app, tree):
    demo = tree
    _share(app, demo)
    province = _login(app, "province-admin")
    assert province.get(f"/console/campaigns/{demo}/report").status_code == 200
    other = _login(app, "other-city")
    for url in (
        f"/console/campaigns/{demo}",
        f"/console/campaigns/{demo}/report",
        f"/console/campaigns/{demo}/export.csv",
    ):
        assert other.get(url).status_code == 404, url
    assert "示例县" not in other.get("/console/").get_data(as_text=True)
    _share(app, demo, False)  # no longer shared: gone for the levels above again
    assert province.get(f"/console/campaigns/{demo}/report").status_code == 404


def test_the_county_admin_shares_from_the_campaign_form(app, client, tree, campaign_form):
    demo = tree
    login(client, "admin")
    url = f"/console/campaigns/{demo}/edit"
    sent = client.post(
        url, data={**campaign_form, "csrf_token": csrf_of(client, url), "share_up": "y"}
    )
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, demo).share_up is True
        assert db.session.scalar(sa.select(Org.kind).where(Org.name == "长治市")) == "city"


#: pages of a campaign only its own bureau opens: codes admit respondents, uploads await
#: confirmation, paper sheets are typed there
OWNER_ONLY = {
    "console.slips",
    "console.all_slips",
    "console.wjx_mapping",
    "console.paper_home",
    "console.paper_entry",
    "console.paper_compare",
}


@pytest.mark.parametrize("user", ["city-admin", "province-admin", "city-analyst", "other-city"])
def test_route_matrix_of_the_levels_above_on_a_shared_campaign(app, tree, user, campaign_routes):
    """Every console route of a campaign or link, for each account above the county: the
    city and province read (GET never 403/404; every change 403), another city gets 404."""
    demo = tree
    _share(app, demo)
    seen = campaign_routes(_login(app, user), demo, own_link_id(app, demo))
    for endpoint, method, url, status in seen:
        if user == "other-city":
            assert status == 404, (method, url, status)
        elif method != "GET":
            assert status == 403, (method, url, status)
        elif endpoint in OWNER_ONLY:
            assert status == 403, url  # codes admit respondents, uploads await: owner only
        else:
            assert status in (200, 302, 403), (method, url, status)
            assert status != 403 or "analyst" in user, (url, status)
    assert len(seen) > 20
