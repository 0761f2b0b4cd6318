"""Shared settings and the case counter of the property-based (hypothesis) tests.

Every fuzz test counts the cases it ran and the server errors it saw; the totals are printed
at the end of the run (tests/conftest.py). FUZZ_SCALE multiplies every test's case budget: an
everyday run takes a tenth of it (about 1,150 cases); CI sets FUZZ_SCALE=1 (about 11,500).
`pytest -m "not fuzz"` leaves them out.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

CASES: Counter = Counter()
SERVER_ERRORS: Counter = Counter()
SCALE = float(os.environ.get("FUZZ_SCALE", "0.1"))


def budget(n: int):
    """Hypothesis settings for a test that should run about n cases."""
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


def count(kind: str, status: int | None = None) -> None:
    CASES[kind] += 1
    if status is not None and status >= 500:
        SERVER_ERRORS[kind] += 1
