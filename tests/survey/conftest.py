"""Fixtures of the browser tests: the system's Chromium, and an app served over real HTTP.

Chromium comes from the operating system's packages (/usr/bin/chromium, or CHROMIUM); no
browser is ever downloaded. Without it the browser tests are skipped, unless
REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from tests.helpers import PASSWORD

#: the password of the accounts the tree fixture makes (the policy wants a symbol)
STRONG = PASSWORD + "A1!"

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        path = None
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no system Chromium / Playwright is installed")
        pytest.skip("no system Chromium (apt-get install chromium) or Playwright")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe():
    """axe(page) -> the accessibility violations axe-core finds on the page (WCAG 2 A/AA).
    axe-core comes from npm (package.json, test-only); without it the test is skipped, unless
    REQUIRE_AXE=1 (as in CI)."""
    from pathlib import Path

    script = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        if os.environ.get("REQUIRE_AXE") == "1":
            pytest.fail("REQUIRE_AXE=1 but node_modules/axe-core is missing (npm install)")
        pytest.skip("axe-core not installed (npm install)")
    source = script.read_text(encoding="utf-8")

    def check(page) -> list[dict]:
        page.evaluate(source)  # through the devtools protocol: the page's own CSP stays on
        result = page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        )
        return [
            {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]
        ]

    return check


@pytest.fixture
def serve():
    """serve(app) -> base URL: the app on a free port over real HTTP until the test ends."""
    from werkzeug.serving import make_server

    running = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in running:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def admin(app, staff):
    """A test client signed in as the demo county's admin."""
    from tests.helpers import login

    client = app.test_client()
    login(client, "admin")
    return client


@pytest.fixture
def campaign_form():
    """The campaign form as the console posts it (all six groups, open links, 85%); a test
    changes what it is about."""
    return {
        "name": "示例调查",
        "layout": "six_forms",
        "groups": ["parent", "student", "teacher", "principal", "deputy", "public"],
        "link_mode": "open",
        "threshold": "85",
        "method": "positive_share",
        "screen_rule": "strong",
        "min_cell": "5",
        "min_verdict_n": "10",
        "speed_floor": "30",
    }


@pytest.fixture
def tree(app, runner, demo, staff):
    """山西省 → 长治市 → 示例县 (the demo's county), and 晋城市 beside 长治市; an admin at each
    city and the province, an analyst at 长治市."""
    for args in (
        ["create-org", "province", "山西省"],
        ["create-org", "city", "长治市", "--parent", "山西省"],
        ["create-org", "city", "晋城市", "--parent", "山西省"],
        ["set-parent", "示例县", "长治市"],
    ):
        out = runner.invoke(args=args)
        assert out.exit_code == 0, out.output
    for name, org, role in (
        ("city-admin", "长治市", "admin"),
        ("city-analyst", "长治市", "analyst"),
        ("province-admin", "山西省", "admin"),
        ("other-city", "晋城市", "admin"),
    ):
        out = runner.invoke(
            args=["create-user", name, "--org", org, "--role", role, "--password", STRONG]
        )
        assert out.exit_code == 0, out.output
    return demo


@pytest.fixture
def campaign_routes(app, staff):
    """campaign_routes(client, campaign_id, link_id) -> [(endpoint, method, url, status)]: every
    console route of a campaign or a link, opened by that client (POSTs with its CSRF token)."""
    from tests.helpers import console_routes, csrf_of, route_url

    def walk(client, campaign_id: int, link_id: int) -> list[tuple[str, str, str, int]]:
        token = csrf_of(client, "/console/")
        out = []
        for endpoint, rule, methods in console_routes(app):
            if not ({"campaign_id", "link_id"} & set(rule.arguments)):
                continue
            url = route_url(app, rule, campaign_id, link_id, staff["analyst"])
            for method in methods:
                data = {"csrf_token": token} if method == "POST" else None
                with client.open(url, method=method, data=data) as resp:  # closes a file body
                    out.append((endpoint, method, url, resp.status_code))
        return out

    return walk
