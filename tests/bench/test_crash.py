"""The short form of bench/crash: SIGKILL the server under load; nothing lost, nothing twice."""

from __future__ import annotations

import socket

from tests.conftest import PG_URL, USE_PG


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_acknowledged_answer_survives_a_sigkill_exactly_once(capsys):
    from bench.crash import run

    figures = run(
        "postgresql" if USE_PG else "sqlite",
        clients=8,
        before_kill=2.0,
        after_kill=2.5,
        pg_url=PG_URL or "postgresql://postgres@127.0.0.1:5432/test",
        port=_free_port(),
    )
    with capsys.disabled():
        print(f"\n[kill test] {figures}")
    assert figures["acknowledged"] > 20  # a real load was running
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert figures["acknowledged_twice"] == 0 and figures["refused"] == 0
    assert figures["stored"] == figures["acknowledged"]  # every phone finished its retries
    assert figures["still_pending"] == 0
