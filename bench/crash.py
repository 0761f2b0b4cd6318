"""Kill the server with SIGKILL in the middle of a load and check that no answer is lost or doubled.

    python -m bench.crash                         # SQLite then PostgreSQL, 16 phones
    python -m bench.crash --backend sqlite --clients 8 --before-kill 2 --after-kill 3

Each phone answers again and again: it opens the survey page and posts a complete answer set
whose comment carries a unique marker. When a post gets no answer (the server died, or the
connection broke) the phone sends the very same form again - same ticket, same cookie, as the
page's script does - until the server acknowledges it. Meanwhile the whole gunicorn process
group is killed with SIGKILL and started again. At the end every acknowledged marker must be
stored exactly once and nothing may be stored twice. Prints acknowledged, stored, duplicates,
lost, and how many posts were cut off by the kill.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import tempfile
import threading
import time
from collections import Counter
from urllib.parse import urlencode

from bench.common import DEFAULT_PG
from bench.load import HIDDEN, bench_env, gunicorn, prepare

COMMENT = re.compile(r'<textarea id="([^"]+)" name="\1"')


class Phone(threading.Thread):
    """Answers until told to stop; retries an unacknowledged post until it is acknowledged."""

    def __init__(self, port: int, jobs: list, offset: int, stop: threading.Event, name: str):
        super().__init__(daemon=True)
        self.port, self.jobs, self.offset, self.stop, self.label = port, jobs, offset, stop, name
        self.acknowledged: list[str] = []
        self.retries = 0  #: posts sent again after no answer
        self.refused = 0  #: 4xx answers (must stay 0)
        self.pending: str | None = None

    def _request(self, method: str, path: str, body: bytes | None = None, cookie: str = ""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Cookie": cookie} if cookie else {}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheader("Set-Cookie", ""), resp.read().decode("utf-8")
        finally:
            conn.close()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            path, answers = self.jobs[(self.offset + n) % len(self.jobs)]
            marker = f"crash-{self.label}-{n}"
            n += 1
            try:
                status, cookie, html = self._request("GET", path)
            except (OSError, http.client.HTTPException):  # no reply, or a cut one
                time.sleep(0.05)  # the server is down: try the page again
                continue
            if status != 200:
                time.sleep(0.05)
                continue
            comment = COMMENT.search(html)
            form = {**dict(HIDDEN.findall(html)), **answers}
            if comment:
                form[comment.group(1)] = marker
            body, cookie = urlencode(form).encode(), cookie.split(";")[0]
            self.pending = marker
            first = True
            while True:  # the same form until the server says it has it
                if not first:
                    self.retries += 1
                    time.sleep(0.05)
                first = False
                try:
                    status, _, _ = self._request("POST", path, body, cookie)
                except (OSError, http.client.HTTPException):  # no reply, or a cut one
                    continue
                if status == 303:
                    self.acknowledged.append(marker)
                    break
                if status >= 500:
                    continue
                self.refused += 1
                break
            self.pending = None


def _stored(uri: str, campaign_id: int) -> Counter:
    import sqlalchemy as sa

    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT answers FROM response WHERE campaign_id = {int(campaign_id)}"
            ).all()
    finally:
        engine.dispose()
    found: Counter = Counter()
    for (answers,) in rows:
        data = answers if isinstance(answers, dict) else json.loads(answers)
        for value in data.values():
            if isinstance(value, str) and value.startswith("crash-"):
                found[value] += 1
    return found


def run(
    backend: str,
    clients: int = 16,
    before_kill: float = 3.0,
    after_kill: float = 4.0,
    pg_url: str = DEFAULT_PG,
    port: int = 8800,
    quiet: bool = False,
) -> dict:
    """One kill test; returns its figures (see the module docstring)."""
    from survey.config import normalise_url

    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            uri = f"sqlite:///{tmp}/crash.db"
        else:
            sep = "&" if "?" in pg_url else "?"
            uri = normalise_url(pg_url) + f"{sep}options=-csearch_path%3Dcrash"
        jobs, campaign_id = prepare(uri, schema="crash")
        env = bench_env(uri)
        env.pop("REDIS_URL", None)
        proc = gunicorn("survey:create_app()", port, env)
        stop = threading.Event()
        phones = [Phone(port, jobs, k * 5, stop, f"{k}") for k in range(clients)]
        for phone in phones:
            phone.start()
        try:
            time.sleep(before_kill)
            os.killpg(proc.pid, signal.SIGKILL)  # master and workers, mid-request
            proc.wait()
            in_flight = sum(1 for p in phones if p.pending)
            proc = gunicorn("survey:create_app()", port, env)
            time.sleep(after_kill)
            stop.set()
            for phone in phones:
                phone.join(timeout=60)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        stored = _stored(uri, campaign_id)
    acknowledged = Counter(m for p in phones for m in p.acknowledged)
    figures = {
        "backend": backend,
        "acknowledged": sum(acknowledged.values()),
        "stored": sum(stored.values()),
        "duplicates": sum(n - 1 for n in stored.values() if n > 1),
        "acknowledged_twice": sum(n - 1 for n in acknowledged.values() if n > 1),
        "lost": len(set(acknowledged) - set(stored)),
        "stored_unacknowledged": len(set(stored) - set(acknowledged)),
        "in_flight_at_kill": in_flight,
        "retries": sum(p.retries for p in phones),
        "refused": sum(p.refused for p in phones),
        "still_pending": sum(1 for p in phones if p.pending),
    }
    if not quiet:
        print(
            f"[{backend}] SIGKILL under load: acknowledged {figures['acknowledged']}, stored "
            f"{figures['stored']}, duplicates {figures['duplicates']}, lost {figures['lost']}; "
            f"{figures['in_flight_at_kill']} posts in flight at the kill, {figures['retries']} "
            f"re-sent, {figures['refused']} refused"
        )
        print(json.dumps(figures))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--before-kill", type=float, default=3.0)
    parser.add_argument("--after-kill", type=float, default=4.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.clients, args.before_kill, args.after_kill, args.pg_url)


if __name__ == "__main__":
    main()
