"""Concurrent phones doing the real flow against the app under gunicorn, beside a bare baseline.

    python -m bench.load                          # 16 clients, 20 s, SQLite then PostgreSQL
    python -m bench.load --clients 16 --seconds 30 --backend sqlite
    python -m bench.load --rounds 3               # 3 rounds, print the median ratio

Each client opens a survey page (GET), reads its hidden fields and POSTs a complete answer set,
again and again, over keep-alive HTTP/1.1 on loopback. The baseline is a minimal Flask app under
the same gunicorn settings whose GET returns a tiny page and whose POST inserts one row into the
same database. Both servers run side by side and are driven by turns in 2-second slices, so
that both see the machine alike. Prints completed submissions/s, p50/p95/p99 latency, errors,
the ratio to the baseline, and checks that stored responses equal acknowledged ones.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from bench.common import DEFAULT_PG, percentile

HIDDEN = re.compile(r'name="(csrf_token|ticket)" type="hidden" value="([^"]*)"')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: seconds of one turn of each app in a round (bench/load's _round)
SLICE_SECONDS = 2.0


class Phone(threading.Thread):
    """One client: GET the page, POST the answers, repeat until the deadline."""

    def __init__(
        self, host: str, port: int, jobs: list[tuple[str, dict]], deadline: float, offset: int
    ):
        super().__init__(daemon=True)
        self.host, self.port, self.jobs, self.deadline = host, port, jobs, deadline
        self.offset = offset
        self.latencies: list[float] = []  # seconds per completed submission (GET + POST)
        self.posts: list[float] = []
        self.ok = 0
        self.errors = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        i = self.offset
        while time.perf_counter() < self.deadline:
            path, answers = self.jobs[i % len(self.jobs)]
            i += 1
            try:
                t0 = time.perf_counter()
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                page = conn.getresponse()
                body = page.read()
                cookie = page.getheader("Set-Cookie", "").split(";")[0]
                if page.status != 200:
                    self.errors += 1
                    continue
                if page.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                fields = dict(HIDDEN.findall(body.decode("utf-8")))
                t1 = time.perf_counter()
                conn.request(
                    "POST",
                    path,
                    body=urlencode({**fields, **answers}).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
                )
                resp = conn.getresponse()
                resp.read()
                t2 = time.perf_counter()
                if resp.status == 303:
                    self.ok += 1
                    self.latencies.append(t2 - t0)
                    self.posts.append(t2 - t1)
                else:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.close()


def server_cpu(proc: subprocess.Popen | None) -> float:
    """CPU seconds used so far by a gunicorn master and its workers (Linux /proc; else 0)."""
    if proc is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        pids = [proc.pid]
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
            pids += [int(p) for p in fh.read().split()]
        for pid in pids:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    except (OSError, ValueError):
        return 0.0
    return total


@dataclass
class Slice:
    """What one stretch of driving an app measured."""

    ok: int
    errors: int
    elapsed: float
    flows: list[float]  #: seconds per completed submission (GET + POST)
    posts: list[float]
    server_cpu: float  #: CPU seconds of the server (all workers) during the stretch
    client_cpu: float


def drive(
    base: str,
    jobs: list[tuple[str, dict]],
    clients: int,
    seconds: float,
    server: subprocess.Popen | None = None,
) -> Slice:
    parts = urlsplit(base)
    deadline = time.perf_counter() + seconds
    phones = [Phone(parts.hostname, parts.port, jobs, deadline, k * 7) for k in range(clients)]
    cpu0, client0 = server_cpu(server), time.process_time()
    start = time.perf_counter()
    for p in phones:
        p.start()
    for p in phones:
        p.join()
    elapsed = time.perf_counter() - start
    cpu1, client1 = server_cpu(server), time.process_time()
    return Slice(
        ok=sum(p.ok for p in phones),
        errors=sum(p.errors for p in phones),
        elapsed=elapsed,
        flows=[x for p in phones for x in p.latencies],
        posts=[x for p in phones for x in p.posts],
        server_cpu=cpu1 - cpu0,
        client_cpu=client1 - client0,
    )


def summary(slices: list[Slice]) -> dict:
    """Completed submissions per second over the slices' time together, latencies over all."""
    ok = sum(s.ok for s in slices)
    flows = sorted(x for s in slices for x in s.flows)
    posts = sorted(x for s in slices for x in s.posts)
    return {
        "ok": ok,
        "errors": sum(s.errors for s in slices),
        "rate": ok / sum(s.elapsed for s in slices),
        "p50": percentile(flows, 50) * 1000,
        "p95": percentile(flows, 95) * 1000,
        "p99": percentile(flows, 99) * 1000,
        "post_p99": percentile(posts, 99) * 1000,
        #: CPU milliseconds per completed submission, server (all workers) and this client
        "server_cpu_ms": sum(s.server_cpu for s in slices) * 1000 / max(ok, 1),
        "client_cpu_ms": sum(s.client_cpu for s in slices) * 1000 / max(ok, 1),
    }


def gunicorn(app_spec: str, port: int, env: dict) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        app_spec,
        "-c",
        os.path.join(ROOT, "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
    ]
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return wait_until_serving(proc, port, f"gunicorn did not start: {' '.join(cmd)}")


def wait_until_serving(proc: subprocess.Popen, port: int, failure: str, tries: int = 150):
    """Return proc once something answers HTTP on the port; kill it and raise if nothing does."""
    for _ in range(tries):
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            probe.request("GET", "/")
            probe.getresponse().read()
            return proc
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
        finally:
            probe.close()
    proc.kill()
    raise RuntimeError(failure)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def prepare(
    uri: str, schema: str = "public", admin: tuple[str, str] | None = None
) -> tuple[list[tuple[str, dict]], int]:
    """A fresh schema with the demo campaign; the survey jobs (path, answers) of every link.

    On PostgreSQL `schema` is dropped and created again (the URL's search_path must name it).
    admin: (name, password) of an admin of the demo county to create.
    """
    from survey import create_app
    from survey.core.database import db
    from survey.core.db_setup import upgrade_schema
    from survey.services.campaigns import campaign_links
    from survey.services.demo import ensure_demo_campaign
    from tests.helpers import complete_answers

    app = create_app({"SECRET_KEY": "x", "NETWORK_SALT": "x", "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        if uri.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.exec_driver_sql(
                    f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                )
        upgrade_schema()
        campaign, _ = ensure_demo_campaign()
        if admin:
            from survey.models import User

            user = User(username=admin[0], role="admin", county_id=campaign.county_id)
            user.set_password(admin[1])
            db.session.add(user)
            db.session.commit()
        reg = app.extensions["questionnaires"]
        jobs = []
        for row in campaign_links(campaign, ""):
            q = reg.get(campaign.forms[row.group])
            jobs.append((row.url, complete_answers(q, row.group, stage=row.school_stage)))
        cid = campaign.id
        db.session.remove()
        db.engine.dispose()
    return jobs, cid


def _baseline_table(uri: str) -> None:
    from bench import baseline

    baseline.setup(uri)


def stored(uri: str, sql: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(uri)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar())
    finally:
        engine.dispose()


def bench_env(uri: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": uri,
        "BENCH_DATABASE_URL": uri,
        "FLASK_SECRET_KEY": "load-bench",
        "FLASK_NETWORK_SALT": "load-bench",
        "FLASK_RATE_SUBMIT_PER_ADDRESS": "1000000/minute",
        "FLASK_RATE_SUBMIT_PER_LINK": "1000000/minute",
        "FLASK_RATE_PAGE_PER_ADDRESS": "1000000/minute",
        "FLASK_RATE_LOGIN_PER_ADDRESS": "1000/minute",
        "PYTHONPATH": ROOT,
    }


def _round(
    uri, cid, jobs, clients, seconds, port, slice_seconds: float = SLICE_SECONDS
) -> tuple[dict, dict, int]:
    """The survey app and the bare baseline, served side by side on freshly started,
    warmed-up workers and driven by turns in short slices (survey, baseline, baseline,
    survey, ...), `seconds` each in all. A machine that speeds up or slows down during the
    round (a busy neighbour on the same host) then weighs on both alike; one long run of each
    after the other did not (the same code measured 0.58 to 0.79 that way)."""
    env = bench_env(uri)
    count_sql = f"SELECT count(*) FROM response WHERE campaign_id = {cid}"
    _baseline_table(uri)
    # the same answer sets as the survey flow, so the client does the same work
    base_jobs = [(f"/base/{i}", answers) for i, (_, answers) in enumerate(jobs)]
    survey_url, base_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
    proc = gunicorn("survey:create_app()", port, env)
    base_proc = None
    try:
        base_proc = gunicorn("bench.baseline:app", port + 1, env)
        drive(survey_url, jobs, clients, 3)  # warm up every worker
        drive(base_url, base_jobs, clients, 3)
        before = stored(uri, count_sql)
        real: list[Slice] = []
        base: list[Slice] = []
        turns = [
            lambda: real.append(drive(survey_url, jobs, clients, slice_seconds, proc)),
            lambda: base.append(drive(base_url, base_jobs, clients, slice_seconds, base_proc)),
        ]
        for k in range(max(1, round(seconds / slice_seconds))):
            for turn in turns if k % 2 == 0 else turns[::-1]:
                turn()
        added = stored(uri, count_sql) - before
    finally:
        stop(proc)
        if base_proc is not None:
            stop(base_proc)
    return summary(real), summary(base), added


def run(backend: str, clients: int, seconds: float, pg_url: str, rounds: int = 1) -> None:
    from survey.core.config import normalise_url

    ratios, p99s, results = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/load.db" if backend == "sqlite" else normalise_url(pg_url)
        jobs, cid = prepare(uri)
        port = 8600 if backend == "sqlite" else 8700
        for n in range(1, rounds + 1):
            real, base, added = _round(uri, cid, jobs, clients, seconds, port)
            tag = f"[{backend}]" if rounds == 1 else f"[{backend} round {n}/{rounds}]"
            _report(tag, real, base, added, clients, seconds)
            ratios.append(real["rate"] / base["rate"])
            p99s.append(real["p99"])
            results.append({"survey": real, "baseline": base, "stored": added})
    if rounds > 1:
        print(
            f"[{backend}] median ratio over {rounds} rounds: {statistics.median(ratios):.2f} "
            f"(each {', '.join(f'{r:.2f}' for r in ratios)}); worst flow p99 {max(p99s):.1f} ms"
        )
    print(json.dumps({"backend": backend, "rounds": results}))


def _report(tag: str, real: dict, base: dict, added: int, clients: int, seconds: float) -> None:
    print(
        f"{tag} survey flow : {real['rate']:.1f} submissions/s with {clients} clients for "
        f"{seconds:.0f} s; flow p50 {real['p50']:.1f} ms, p95 {real['p95']:.1f} ms, p99 "
        f"{real['p99']:.1f} ms (POST alone p99 {real['post_p99']:.1f} ms); errors {real['errors']}"
    )
    print(
        f"{tag} bare baseline: {base['rate']:.1f} inserts/s; p50 {base['p50']:.1f} ms, "
        f"p99 {base['p99']:.1f} ms; errors {base['errors']}"
    )
    print(
        f"{tag} CPU per submission: survey server {real['server_cpu_ms']:.2f} ms, "
        f"client {real['client_cpu_ms']:.2f} ms; baseline server {base['server_cpu_ms']:.2f} ms, "
        f"client {base['client_cpu_ms']:.2f} ms"
    )
    print(
        f"{tag} ratio survey/baseline: {real['rate'] / base['rate']:.2f} (target ≥ 0.70); "
        f"acknowledged {real['ok']}, stored {added} "
        f"({'equal' if real['ok'] == added else 'MISMATCH'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds on fresh servers; print the median ratio"
    )
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.clients, args.seconds, args.pg_url, args.rounds)


if __name__ == "__main__":
    main()
