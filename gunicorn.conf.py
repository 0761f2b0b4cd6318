"""gunicorn settings, read from the working directory by `gunicorn "survey:create_app()"`.

Workers default to 2 × CPU + 1 (override with WEB_CONCURRENCY); the bind address with
GUNICORN_BIND. Behind nginx set PROXY_COUNT=1 in instance/config.py (or FLASK_PROXY_COUNT=1)
so the network hash sees the real client address.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60  # exports of large campaigns stream for a while
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
