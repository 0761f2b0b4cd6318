"""The local:// limiter store: fixed windows that expire on their own, no threads."""

from __future__ import annotations

import threading

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from survey.core import rate_store
from survey.core.rate_store import LocalWindowStorage


def test_uri_selects_the_store_and_limits_count_per_window(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(rate_store.time, "time", lambda: now[0])
    store = storage_from_string("local://")
    assert isinstance(store, LocalWindowStorage)
    limiter = FixedWindowRateLimiter(store)
    item = parse("3/minute")
    assert [limiter.hit(item, "addr", "1.2.3.4") for _ in range(4)] == [True] * 3 + [False]
    assert limiter.hit(item, "addr", "5.6.7.8")  # another key has its own window
    now[0] += 61
    assert limiter.hit(item, "addr", "1.2.3.4")  # a new window
    assert store.get(item.key_for("addr", "1.2.3.4")) == 1


def test_expired_windows_are_swept_when_the_store_grows(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(rate_store.time, "time", lambda: now[0])
    monkeypatch.setattr(LocalWindowStorage, "SWEEP_AT", 10)
    store = LocalWindowStorage()
    for i in range(10):
        store.incr(f"k{i}", 5)
    now[0] = 6.0
    store.incr("fresh", 5)
    assert set(store._windows) == {"fresh"}


def test_no_thread_is_started():
    before = threading.active_count()
    store = LocalWindowStorage()
    for i in range(1000):
        store.incr(f"k{i % 7}", 60)
    assert threading.active_count() == before
