"""Prometheus metrics: request latency and server errors per app, submissions by outcome.

Each app's WSGI callable is wrapped by `Timed` (no Flask hook on the hot path). Under gunicorn
set PROMETHEUS_MULTIPROC_DIR to an empty directory so that the workers' figures are summed at
scrape time (gunicorn.conf.py marks a dead worker's files); without it each process reports its
own. The console serves them, with per-campaign answer counts, at /console/metrics.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUEST_SECONDS = Histogram(
    "survey_request_seconds",
    "Time to answer a request, by app",
    ["app"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SERVER_ERRORS = Counter("survey_server_errors", "Responses with a 5xx status, by app", ["app"])
SUBMISSIONS = Counter(
    "survey_submissions",
    "Survey submissions by outcome (stored, retry, invalid, unavailable)",
    ["outcome"],
)
#: the counter of each outcome, bound once (the submit path only increments)
SUBMITTED = {o: SUBMISSIONS.labels(o) for o in ("stored", "retry", "invalid", "unavailable")}


class Timed:
    """WSGI middleware: each request's time and 5xx status, labelled with the app's name."""

    def __init__(self, app: Callable, name: str):
        self.app = app
        self.seconds = REQUEST_SECONDS.labels(name)
        self.errors = SERVER_ERRORS.labels(name)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def start(status: str, headers, exc_info=None):
            if status.startswith("5"):
                self.errors.inc()
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            self.seconds.observe(time.perf_counter() - started)


class CampaignCounts:
    """Answers stored per campaign, read from the tallies at scrape time."""

    def __init__(self, rows: list[tuple[str, int]]):
        self.rows = rows

    def collect(self):
        gauge = GaugeMetricFamily(
            "survey_campaign_responses", "Answers stored per campaign", labels=["campaign"]
        )
        for slug, n in self.rows:
            gauge.add_metric([slug], n)
        yield gauge


def exposition(campaign_rows: list[tuple[str, int]]) -> bytes:
    """The text a Prometheus server scrapes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    counts = CollectorRegistry()
    counts.register(CampaignCounts(campaign_rows))
    return generate_latest(registry) + generate_latest(counts)
