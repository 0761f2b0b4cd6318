"""The server's own log under gunicorn.conf.py: no respondent address, link token or browser."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_the_access_log_names_no_address_token_or_user_agent(tmp_path):
    from bench.load import bench_env, prepare

    uri = f"sqlite:///{tmp_path}/log.db"
    jobs, _ = prepare(uri)
    port = free_port()
    env = {**bench_env(uri), "WEB_CONCURRENCY": "1"}
    env.pop("ACCESS_LOG", None)
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "survey:create_app()",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            path = jobs[0][0]
            token = path.rsplit("/", 1)[1]
            status = None
            deadline = time.monotonic() + 60  # a loaded CI machine starts gunicorn slowly
            while status is None and time.monotonic() < deadline:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                try:
                    conn.request("GET", path, headers={"User-Agent": "MicroMessenger/8.0.50"})
                    status = conn.getresponse().status
                except OSError:  # not serving yet
                    time.sleep(0.1)
                finally:
                    conn.close()  # a refused or timed-out attempt too (no stray socket)
            assert status == 200
            deadline = time.monotonic() + 10
            while " GET 200 " not in log.read_text(errors="replace"):
                assert time.monotonic() < deadline, "no access line logged"
                time.sleep(0.1)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert " GET 200 " in text  # the request was logged
    assert "127.0.0.1" not in text.replace(f"127.0.0.1:{port}", "")  # only the bind line
    assert token not in text and "MicroMessenger" not in text
