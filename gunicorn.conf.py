"""gunicorn settings, read from the working directory by `gunicorn "survey:create_app()"`.

Workers default to CPU + 1 (override with WEB_CONCURRENCY): the survey pages are CPU-bound
and short, and on the 2-core benchmark machine five processes spent ~20 % more CPU per
submission than three (bench/load, docs/deploy.md); the bind address with
GUNICORN_BIND. Behind nginx set PROXY_COUNT=1 in instance/config.py (or FLASK_PROXY_COUNT=1)
so the network hash sees the real client address.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 60  # exports of large campaigns stream for a while
graceful_timeout = 30
keepalive = 5
max_requests = 100000  # recycle workers now and then (each restart re-imports the app)
max_requests_jitter = 10000
# An access line carries no client address, path (a survey path holds its link token),
# query or User-Agent: time, method, status, bytes and seconds only. ACCESS_LOG=off drops it.
accesslog = None if os.environ.get("ACCESS_LOG") == "off" else "-"
access_log_format = "%(t)s %(m)s %(s)s %(B)s %(L)s"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, a dead worker's metrics files are retired."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
