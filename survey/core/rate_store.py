"""An in-process fixed-window counter store for Flask-Limiter (`local://`).

The `limits` library's own `memory://` store starts a timer thread to expire its keys, and
restarts it whenever it has finished, so a busy worker spawns a thread every few requests; at
an evening peak that cost as much CPU as the survey page itself. This store expires windows
when they are next touched and sweeps the dictionary when it grows. Fixed windows only (the
strategy this app uses). Like `memory://`, counts live in one process: several gunicorn
workers or hosts share limits only through Redis (REDIS_URL).
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage


class LocalWindowStorage(Storage):
    STORAGE_SCHEME = ["local"]
    SWEEP_AT = 50_000  #: keys kept before expired windows are swept out

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._windows: dict[str, list] = {}  # key -> [count, expires at]
        self._lock = threading.Lock()

    @property
    def base_exceptions(self):
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[1] <= now:
                if len(self._windows) >= self.SWEEP_AT:
                    self._sweep(now)
                window = self._windows[key] = [0, now + expiry]
            window[0] += amount
            return window[0]

    def get(self, key: str) -> int:
        window = self._windows.get(key)
        return window[0] if window and window[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        window = self._windows.get(key)
        return window[1] if window else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            n = len(self._windows)
            self._windows.clear()
        return n

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def _sweep(self, now: float) -> None:
        for key in [k for k, w in self._windows.items() if w[1] <= now]:
            del self._windows[key]
