"""Kill the server with SIGKILL in the middle of a load and check that no answer is lost or doubled.

    python -m bench.crash                         # SQLite then PostgreSQL, 16 phones
    python -m bench.crash --backend sqlite --clients 8 --before-kill 2 --after-kill 3
    python -m bench.crash --analyst               # and an analyst reporting and exporting

Each phone answers again and again: it opens the survey page and posts a complete answer set
whose comment carries a unique marker. When a post gets no answer (the server died, or the
connection broke) the phone sends the very same form again - same ticket, same cookie, as the
page's script does - until the server acknowledges it. Meanwhile the whole gunicorn process
group is killed with SIGKILL and started again. At the end every acknowledged marker must be
stored exactly once and nothing may be stored twice. Prints acknowledged, stored, duplicates,
lost, and how many posts were cut off by the kill.

With --analyst, a signed-in analyst opens the report and downloads every export format again
and again while the phones answer; a watcher reads each gunicorn worker's open files
(/proc/<pid>/fd) and counts any deleted SQLite file a worker still writes to (a WAL that a
second SQLite library unlinked: round 1 lost answers that way). Before the kill the phones
pause, and the database, the `analyze` command and the report served by every worker must
agree on the count of acknowledged answers.
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
from bench.load import HIDDEN, ROOT, bench_env, gunicorn, prepare

COMMENT = re.compile(r'<textarea id="([^"]+)" name="\1"')
ANALYST = ("bench-analyst", "bench-analyst-password")
REPORT_COUNT = re.compile(r"共收到答卷 (\d+) 份")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Phone(threading.Thread):
    """Answers until told to stop; retries an unacknowledged post until it is acknowledged."""

    def __init__(self, port: int, jobs: list, offset: int, stop: threading.Event, name: str):
        super().__init__(daemon=True)
        self.port, self.jobs, self.offset, self.stop, self.label = port, jobs, offset, stop, name
        self.acknowledged: list[str] = []
        self.retries = 0  #: posts sent again after no answer
        self.refused = 0  #: 4xx answers (must stay 0)
        self.pending: str | None = None
        self.hold = threading.Event()
        self.lock = threading.Lock()
        self.busy = False

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
            with self.lock:  # the pause is taken between two answers, never inside one
                held = self.hold.is_set()
                self.busy = not held
            if held:  # paused while the counts are compared
                time.sleep(0.02)
                continue
            try:
                n = self._answer(n)
            finally:
                self.busy = False

    def _answer(self, n: int) -> int:
        """Fetch the form and post it until the server has it; returns the next job number."""
        path, answers = self.jobs[(self.offset + n) % len(self.jobs)]
        marker = f"crash-{self.label}-{n}"
        n += 1
        try:
            status, cookie, html = self._request("GET", path)
        except (OSError, http.client.HTTPException):  # no reply, or a cut one
            time.sleep(0.05)  # the server is down: try the page again
            return n
        if status != 200:
            time.sleep(0.05)
            return n
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
        return n

    def pause(self) -> None:
        """Hold the phone after the answer it is on (if any); `busy` says when it is done."""
        with self.lock:
            self.hold.set()


class Browser:
    """A signed-in console user over plain HTTP (cookies kept by hand)."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            data = None
            if body is not None:
                data = urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            for header, value in resp.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";")[0]
            return resp.status, resp.read()
        finally:
            conn.close()

    def login(self, name: str, password: str) -> None:
        _, page = self.request("GET", "/auth/login")
        token = CSRF.search(page.decode()).group(1)
        status, _ = self.request(
            "POST", "/auth/login", {"csrf_token": token, "username": name, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"sign-in failed: {status}")


class Analyst(threading.Thread):
    """Opens the report and downloads every export, again and again, until told to stop."""

    def __init__(self, port: int, campaign_id: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.campaign_id, self.stop = port, campaign_id, stop
        self.done: Counter = Counter()
        self.failed: list[str] = []

    def run(self) -> None:
        browser = Browser(self.port)
        while not self.stop.is_set():
            try:
                if not browser.cookies:
                    browser.login(*ANALYST)
                for what in ("report", "export.xlsx", "export.csv", "export.sav"):
                    status, body = browser.request(
                        "GET", f"/console/campaigns/{self.campaign_id}/{what}"
                    )
                    if status == 200 and len(body) > 1000:
                        self.done[what] += 1
                    elif status == 302:  # the session died with the server: sign in again
                        browser.cookies.clear()
                        break
                    else:
                        self.failed.append(f"{what}: {status}, {len(body)} bytes")
            except (OSError, http.client.HTTPException, RuntimeError, AttributeError):
                browser.cookies.clear()  # the server is down (the kill): try again
                time.sleep(0.2)


def _workers(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


class Watcher(threading.Thread):
    """Counts, every 50 ms, the deleted database files any gunicorn worker holds open."""

    def __init__(self, stop: threading.Event, db_path: str):
        super().__init__(daemon=True)
        self.stop, self.db_path = stop, db_path
        self.master = 0
        self.deleted: Counter = Counter()
        self.looks = 0

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in _workers(self.master):
                try:
                    fds = os.listdir(f"/proc/{pid}/fd")
                except OSError:
                    continue
                for fd in fds:
                    try:
                        target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    except OSError:
                        continue
                    if target.startswith(self.db_path) and target.endswith("(deleted)"):
                        self.deleted[os.path.basename(target)] += 1
            self.looks += 1
            time.sleep(0.05)


def _agreement(port: int, uri: str, campaign_id: int, workers: int) -> dict:
    """The count of stored answers as the database, the analyze command and the report of
    every worker see it (several rounds of concurrent requests: a sync worker serves one at a
    time, so concurrent requests spread over the workers)."""
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    counts: dict = {"database": sum(_stored(uri, campaign_id).values())}
    env = bench_env(uri)
    cli = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "survey", "analyze", str(campaign_id), "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    counts["cli"] = json.loads(cli.stdout)["responses"]

    def report(_):
        browser = Browser(port)
        browser.login(*ANALYST)
        status, body = browser.request("GET", f"/console/campaigns/{campaign_id}/report")
        found = REPORT_COUNT.search(body.decode())
        return int(found.group(1)) if status == 200 and found else None

    with ThreadPoolExecutor(workers) as pool:
        counts["reports"] = [n for _ in range(3) for n in pool.map(report, range(workers))]
    return counts


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
    analyst: bool = False,
) -> dict:
    """One kill test; returns its figures (see the module docstring)."""
    from survey.core.config import normalise_url

    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            uri = f"sqlite:///{tmp}/crash.db"
        else:
            sep = "&" if "?" in pg_url else "?"
            uri = normalise_url(pg_url) + f"{sep}options=-csearch_path%3Dcrash"
        jobs, campaign_id = prepare(uri, schema="crash", admin=ANALYST if analyst else None)
        env = bench_env(uri)
        env.pop("REDIS_URL", None)
        proc = gunicorn("survey:create_app()", port, env)
        stop = threading.Event()
        phones = [Phone(port, jobs, k * 5, stop, f"{k}") for k in range(clients)]
        helpers = []
        watcher = Watcher(stop, os.path.join(tmp, "crash.db"))
        if analyst:
            helpers.append(Analyst(port, campaign_id, stop))
            if backend == "sqlite":
                helpers.append(watcher)
        watcher.master = proc.pid
        for thread in phones + helpers:
            thread.start()
        agreement = None
        try:
            time.sleep(before_kill)
            if analyst:  # pause the phones, let their last posts land, compare the counts
                for phone in phones:
                    phone.pause()
                while any(p.busy for p in phones):
                    time.sleep(0.02)
                acknowledged_now = sum(len(p.acknowledged) for p in phones)
                agreement = _agreement(port, uri, campaign_id, 3)
                agreement["acknowledged"] = acknowledged_now
                for phone in phones:
                    phone.hold.clear()
                time.sleep(min(1.0, before_kill / 2))
            os.killpg(proc.pid, signal.SIGKILL)  # master and workers, mid-request
            proc.wait()
            in_flight = sum(1 for p in phones if p.pending)
            proc = gunicorn("survey:create_app()", port, env)
            watcher.master = proc.pid
            time.sleep(after_kill)
            stop.set()
            for thread in phones + helpers:
                thread.join(timeout=60)
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
    if analyst:
        reporter = next(h for h in helpers if isinstance(h, Analyst))
        figures.update(
            analyst_done=dict(reporter.done),
            analyst_failed=reporter.failed,
            deleted_files_seen=dict(watcher.deleted),
            watcher_looks=watcher.looks,
            agreement=agreement,
        )
    if not quiet:
        print(
            f"[{backend}] SIGKILL under load: acknowledged {figures['acknowledged']}, stored "
            f"{figures['stored']}, duplicates {figures['duplicates']}, lost {figures['lost']}; "
            f"{figures['in_flight_at_kill']} posts in flight at the kill, {figures['retries']} "
            f"re-sent, {figures['refused']} refused"
        )
        if analyst:
            print(
                f"[{backend}] analyst: {dict(figures['analyst_done'])} done, "
                f"{len(figures['analyst_failed'])} failed; deleted database files held by "
                f"workers: {figures['deleted_files_seen'] or 'none'} in "
                f"{figures['watcher_looks']} looks; counts before the kill: {agreement}"
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
    parser.add_argument(
        "--analyst", action="store_true", help="report and export throughout, check the counts"
    )
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(
            backend,
            args.clients,
            args.before_kill,
            args.after_kill,
            args.pg_url,
            analyst=args.analyst,
        )


if __name__ == "__main__":
    main()
