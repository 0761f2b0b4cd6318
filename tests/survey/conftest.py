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
