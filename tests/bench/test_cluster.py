"""The short form of bench/cluster: two hosts behind nginx on PostgreSQL and Redis."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import PG_URL, USE_PG, free_port

pytestmark = [
    pytest.mark.skipif(not USE_PG, reason="several hosts share PostgreSQL (the PostgreSQL run)"),
    pytest.mark.skipif(
        not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"))
        and not os.environ.get("REQUIRE_NGINX"),
        reason="Debian's nginx is not installed",
    ),
]


def test_a_host_killed_behind_nginx_loses_nothing_and_a_close_reaches_the_other(capsys):
    from bench.cluster import run

    figures = run(
        PG_URL, phones=6, before=2.0, after=2.0, ports=(free_port(), free_port(), free_port())
    )
    with capsys.disabled():
        print(f"\n[cluster test] {figures}")
    kill, close = figures["kill"], figures["close"]
    assert kill["acknowledged_before_kill"] > 20 and kill["acknowledged_after_kill"] > 20
    assert kill["lost"] == 0 and kill["duplicates"] == 0 and kill["refused"] == 0
    assert kill["stored"] == kill["acknowledged"]
    # host B stops taking answers once the close is read (CAMPAIGN_STATE_SECONDS = 0.5 s; the
    # margin is for a loaded machine, bench/cluster prints the figure)
    assert close["acknowledged_before_close"] > 0 and close["later_requests_on_b"] > 0
    assert close["later_all_410"] is True
    assert close["last_acknowledged_on_b_after_commit_s"] < 2.0
    assert close["first_acknowledged_after_open_s"] is not None
