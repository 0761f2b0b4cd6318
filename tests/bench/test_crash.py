"""The short form of bench/crash: SIGKILL the server under load while an analyst reports and
exports; nothing lost, nothing twice, no worker writing to a deleted file, every view agrees."""

from __future__ import annotations

from tests.helpers import PG_URL, USE_PG, free_port


def test_every_acknowledged_answer_survives_a_sigkill_exactly_once(capsys):
    from bench.crash import run

    figures = run(
        "postgresql" if USE_PG else "sqlite",
        clients=8,
        before_kill=3.0,
        after_kill=2.5,
        pg_url=PG_URL or "postgresql://postgres@127.0.0.1:5432/test",
        port=free_port(),
        analyst=True,
    )
    with capsys.disabled():
        print(f"\n[kill test] {figures}")
    assert figures["acknowledged"] > 20  # a real load was running
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert figures["acknowledged_twice"] == 0 and figures["refused"] == 0
    assert figures["stored"] == figures["acknowledged"]  # every phone finished its retries
    assert figures["still_pending"] == 0
    # the analyst's reports and exports ran during the load, and none failed
    done = figures["analyst_done"]
    assert set(done) == {"report", "export.xlsx", "export.csv", "export.sav"}
    assert figures["analyst_failed"] == []
    # no worker ever held a deleted WAL (or any deleted database file)
    assert figures["deleted_files_seen"] == {}
    if not USE_PG:
        assert figures["watcher_looks"] > 10
    # before the kill: the database, the CLI and each worker's report saw every acknowledged
    agreement = figures["agreement"]
    expected = agreement["acknowledged"]
    assert expected > 0
    assert agreement["database"] == agreement["cli"] == expected
    assert agreement["reports"] == [expected] * len(agreement["reports"])
