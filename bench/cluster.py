"""Two app servers ("hosts") behind nginx on one PostgreSQL and Redis: a close reaches the other
host within a second, and a host killed under load loses nothing.

    python -m bench.cluster                    # 16 phones, 2 hosts x 2 workers
    python -m bench.cluster --phones 8 --before-kill 4 --after-kill 4

Needs Debian's nginx (`apt-get install nginx-light`), PostgreSQL and Redis (REDIS_URL, default
redis://127.0.0.1:6379/15: the rate limits every host shares). Each host is
`gunicorn "survey:create_app()"` on its own port with PROXY_COUNT=1; nginx balances between
them and, when a host does not answer, passes the request to the other - POSTs too
(`proxy_next_upstream ... non_idempotent`), which is safe here because a submission is
idempotent (its ticket carries the submission id).

1. Kill: phones answer through nginx; host A's whole process group gets SIGKILL; the phones go
   on (a post without an answer is sent again, as the page's script does). Prints answers
   acknowledged and stored, duplicates, lost, and what nginx passed on.
2. Close: host A is started again; phones answer on host B directly; `flask close` runs with
   host A's settings; prints how long after the commit host B still acknowledged an answer
   and that it refused everything later (410); then `open` and the first answer after it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter

from bench import close as closebench
from bench import crash
from bench.common import DEFAULT_PG
from bench.load import bench_env, gunicorn, prepare, stop, wait_until_serving

NGINX = """
worker_processes 1;
daemon off;
user root;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream survey {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=10s;
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://survey;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 non_idempotent;
        }}
    }}
}}
"""


def start_nginx(tmp: str, port: int, a: int, b: int) -> subprocess.Popen:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        raise SystemExit("nginx not found: apt-get install nginx-light (Debian's package)")
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as fh:
        fh.write(NGINX.format(tmp=tmp, port=port, a=a, b=b))
    proc = subprocess.Popen([binary, "-c", conf, "-p", tmp], start_new_session=True)
    return wait_until_serving(proc, port, f"nginx did not start; see {tmp}/error.log", 100)


def kill_host(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _passed_on(tmp: str) -> int:
    """Requests nginx sent to the other host after one failed (its error log says so)."""
    try:
        with open(os.path.join(tmp, "error.log")) as fh:
            return sum("upstream" in line for line in fh)
    except OSError:
        return 0


def kill_phase(port, host_a, jobs, uri, cid, phones, before, after, tmp) -> dict:
    halt = threading.Event()
    crowd = [crash.Phone(port, jobs, k * 5, halt, f"p{k}") for k in range(phones)]
    for phone in crowd:
        phone.start()
    time.sleep(before)
    acknowledged_at_kill = sum(len(p.acknowledged) for p in crowd)
    in_flight = sum(p.pending is not None for p in crowd)
    kill_host(host_a)
    killed = time.monotonic()
    time.sleep(after)
    halt.set()
    for phone in crowd:
        phone.join(timeout=60)
    acknowledged = Counter(m for p in crowd for m in p.acknowledged)
    stored = crash._stored(uri, cid)
    return {
        "acknowledged": sum(acknowledged.values()),
        "acknowledged_before_kill": acknowledged_at_kill,
        "acknowledged_after_kill": sum(acknowledged.values()) - acknowledged_at_kill,
        "after_kill_per_s": round(
            (sum(acknowledged.values()) - acknowledged_at_kill) / (time.monotonic() - killed), 1
        ),
        "stored": sum(stored.values()),
        "duplicates": sum(1 for n in stored.values() if n > 1),
        "lost": sum(1 for m in acknowledged if m not in stored),
        "stored_unacknowledged": sum(1 for m in stored if m not in acknowledged),
        "in_flight_at_kill": in_flight,
        "retries": sum(p.retries for p in crowd),
        "refused": sum(p.refused for p in crowd),
        "nginx_upstream_errors_logged": _passed_on(tmp),
    }


def close_phase(host_b_port: int, env: dict, jobs, uri: str, cid: int, phones: int) -> dict:
    done = threading.Event()
    crowd = [closebench.Phone(host_b_port, jobs, k * 3, done) for k in range(phones)]
    poller = closebench.Poller(uri, cid, done)
    try:
        poller.start()
        for phone in crowd:
            phone.start()
        time.sleep(3)  # host B's workers warm, their link caches full
        _, closed_at = closebench._cli(env, "close", str(cid))  # "on host A"
        time.sleep(3)
        open_started, opened_at = closebench._cli(env, "open", str(cid))
        time.sleep(3)
    finally:
        done.set()
        for phone in crowd:
            phone.join(timeout=30)
        poller.join(timeout=30)
    posts = sorted(p for phone in crowd for p in phone.posts)
    committed = next(t for t, status in poller.changes if status == "closed")
    during = [(t, s) for t, s in posts if committed <= t < open_started]
    last_ok = max((t - committed for t, s in during if s == 303), default=0.0)
    later = [s for t, s in during if t - committed > last_ok]
    reopened = [t - opened_at for t, s in posts if t >= opened_at and s == 303]
    return {
        "acknowledged_before_close": sum(1 for t, s in posts if t < committed and s == 303),
        "last_acknowledged_on_b_after_commit_s": round(last_ok, 3),
        "acknowledged_on_b_after_commit": sum(1 for _, s in during if s == 303),
        "later_requests_on_b": len(later),
        "later_all_410": all(s == 410 for s in later),
        "first_acknowledged_after_open_s": round(min(reopened), 3) if reopened else None,
    }


def run(
    pg_url: str,
    phones: int,
    before: float,
    after: float,
    ports: tuple[int, int, int] = (8950, 8951, 8952),
) -> dict:
    """ports: nginx, host A, host B."""
    from survey.core.config import normalise_url

    sep = "&" if "?" in pg_url else "?"
    uri = normalise_url(pg_url) + f"{sep}options=-csearch_path%3Dclusterbench"
    jobs, cid = prepare(uri, schema="clusterbench")
    env = {
        **bench_env(uri),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "FLASK_PROXY_COUNT": "1",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
    }
    port, a_port, b_port = ports
    with tempfile.TemporaryDirectory() as tmp:
        host_a = gunicorn("survey:create_app()", a_port, env)
        host_b = gunicorn("survey:create_app()", b_port, env)
        nginx = start_nginx(tmp, port, a_port, b_port)
        try:
            killed = kill_phase(port, host_a, jobs, uri, cid, phones, before, after, tmp)
            host_a = gunicorn("survey:create_app()", a_port, env)
            closed = close_phase(b_port, env, jobs, uri, cid, max(4, phones // 2))
        finally:
            for proc in (host_a, host_b):
                if proc.poll() is None:
                    stop(proc)
            os.killpg(nginx.pid, signal.SIGTERM)
            nginx.wait(timeout=10)
    figures = {"phones": phones, "kill": killed, "close": closed}
    k, c = killed, closed
    print(
        f"[cluster] kill host A under {phones} phones through nginx: acknowledged "
        f"{k['acknowledged']} ({k['acknowledged_after_kill']} after the kill, "
        f"{k['after_kill_per_s']}/s on host B alone), stored {k['stored']}, lost {k['lost']}, "
        f"duplicates {k['duplicates']}, stored unacknowledged {k['stored_unacknowledged']}; "
        f"{k['in_flight_at_kill']} in flight at the kill, {k['retries']} posts sent again, "
        f"{k['refused']} refused"
    )
    print(
        f"[cluster] close from host A's CLI: host B acknowledged its last answer "
        f"{c['last_acknowledged_on_b_after_commit_s']:.3f} s after the commit; "
        f"{c['later_requests_on_b']} later requests on B, all 410: {c['later_all_410']}; "
        f"re-opened: first answer {c['first_acknowledged_after_open_s']} s after `open`"
    )
    print(json.dumps(figures))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--phones", type=int, default=16)
    parser.add_argument("--before-kill", type=float, default=5)
    parser.add_argument("--after-kill", type=float, default=5)
    args = parser.parse_args()
    run(args.pg_url, args.phones, args.before_kill, args.after_kill)


if __name__ == "__main__":
    main()
