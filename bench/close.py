"""Close a campaign from the command line while warm gunicorn workers serve it: how long do
answers keep being accepted?

    python -m bench.close                      # SQLite then PostgreSQL, 8 phones, 3 workers
    python -m bench.close --backend sqlite

Phones answer continuously (page, then a complete answer set). After a few seconds,
`flask --app survey close CAMPAIGN` runs in another process; the phones go on. Prints how long
after the command returned the last answer was acknowledged (303), how many were acknowledged
after it, and that every later post was refused with 410. The target is under 1 s
(CAMPAIGN_STATE_SECONDS). Then `open` runs and the time to the first acknowledged answer is
printed too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode

from bench.common import DEFAULT_PG
from bench.load import HIDDEN, ROOT, bench_env, gunicorn, prepare, stop


class Phone(threading.Thread):
    """Answers until told to stop; records (time, status) of every post."""

    def __init__(self, port: int, jobs: list, offset: int, done: threading.Event):
        super().__init__(daemon=True)
        self.port, self.jobs, self.offset, self.done = port, jobs, offset, done
        self.posts: list[tuple[float, int]] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        n = self.offset
        while not self.done.is_set():
            path, answers = self.jobs[n % len(self.jobs)]
            n += 1
            try:
                conn.request("GET", path)
                page = conn.getresponse()
                html = page.read().decode()
                cookie = page.getheader("Set-Cookie", "").split(";")[0]
                if page.status != 200:
                    self.posts.append((time.monotonic(), page.status))
                    time.sleep(0.01)
                    continue
                body = urlencode({**dict(HIDDEN.findall(html)), **answers}).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                self.posts.append((time.monotonic(), resp.status))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)


class Poller(threading.Thread):
    """Reads the campaign's status every 10 ms: when each change was committed."""

    def __init__(self, uri: str, campaign_id: int, done: threading.Event):
        super().__init__(daemon=True)
        self.uri, self.campaign_id, self.done = uri, campaign_id, done
        self.changes: list[tuple[float, str]] = []

    def run(self) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.uri)
        sql = f"SELECT status FROM campaign WHERE id = {int(self.campaign_id)}"
        try:
            while not self.done.is_set():
                with engine.connect() as conn:
                    status = conn.exec_driver_sql(sql).scalar()
                if not self.changes or self.changes[-1][1] != status:
                    self.changes.append((time.monotonic(), status))
                time.sleep(0.01)
        finally:
            engine.dispose()


def _cli(env: dict, *args: str) -> tuple[float, float]:
    """Run a flask command; returns the monotonic times when it started and had finished."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "survey", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return started, time.monotonic()


def run(backend: str, phones: int = 8, pg_url: str = DEFAULT_PG, port: int = 8900) -> dict:
    from survey.core.config import normalise_url

    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            uri = f"sqlite:///{tmp}/close.db"
        else:
            sep = "&" if "?" in pg_url else "?"
            uri = normalise_url(pg_url) + f"{sep}options=-csearch_path%3Dclosebench"
        jobs, campaign_id = prepare(uri, schema="closebench")
        env = bench_env(uri)
        env.pop("REDIS_URL", None)
        proc = gunicorn("survey:create_app()", port, env)
        done = threading.Event()
        crowd = [Phone(port, jobs, k * 3, done) for k in range(phones)]
        poller = Poller(uri, campaign_id, done)
        try:
            poller.start()
            for phone in crowd:
                phone.start()
            time.sleep(3)  # every worker warm, its link cache full
            close_started, closed_at = _cli(env, "close", str(campaign_id))
            time.sleep(3)
            open_started, opened_at = _cli(env, "open", str(campaign_id))
            time.sleep(3)
        finally:
            done.set()
            for phone in crowd:
                phone.join(timeout=30)
            poller.join(timeout=30)
            stop(proc)
    posts = sorted(p for phone in crowd for p in phone.posts)
    # from the moment `close` had committed to the moment `open` started
    closing = [(t, s) for t, s in posts if closed_at <= t < open_started]
    accepted_late = [t - closed_at for t, s in closing if s == 303]
    last_ok = max(accepted_late, default=0.0)
    refused = [s for t, s in closing if t - closed_at > last_ok]
    reopened = [t - opened_at for t, s in posts if t >= opened_at and s == 303]
    # when the close was committed, as the poller first read it
    committed = next(t for t, status in poller.changes if status == "closed")
    during = [(t, s) for t, s in posts if committed <= t < open_started]
    last_from_commit = max((t - committed for t, s in during if s == 303), default=0.0)
    figures = {
        "backend": backend,
        "close_command_s": round(closed_at - close_started, 3),
        "last_acknowledged_after_commit_s": round(last_from_commit, 3),
        "acknowledged_after_commit": sum(1 for _, s in during if s == 303),
        "acknowledged_before_close": sum(1 for t, s in posts if t < closed_at and s == 303),
        "acknowledged_after_close": len(accepted_late),
        "last_acknowledged_after_close_s": round(last_ok, 3),
        "later_posts": len(refused),
        "later_posts_all_410": all(s == 410 for s in refused),
        "first_acknowledged_after_open_s": round(min(reopened), 3) if reopened else None,
    }
    print(
        f"[{backend}] close from the CLI with {phones} phones on 3 warm workers: the command "
        f"ran {figures['close_command_s']:.2f} s; last answer acknowledged "
        f"{figures['last_acknowledged_after_commit_s']:.3f} s after its commit "
        f"({figures['acknowledged_after_commit']} acknowledged after the commit) and "
        f"{figures['last_acknowledged_after_close_s']:.3f} s after it returned; later "
        f"{figures['later_posts']} posts, all 410: {figures['later_posts_all_410']}; re-opened: "
        f"first answer acknowledged {figures['first_acknowledged_after_open_s']} s after `open`"
    )
    print(json.dumps(figures))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.phones, args.pg_url)


if __name__ == "__main__":
    main()
