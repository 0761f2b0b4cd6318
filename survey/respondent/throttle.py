"""Rate limits of the survey pages, counted with the `limits` library.

The console's sign-in page uses Flask-Limiter's decorator; the respondent app does without
Flask-Limiter and counts its two or three known limits per view with the same library
underneath, in the storage RATELIMIT_STORAGE_URI names (per-process local://, see
survey/core/rate_store.py, or Redis when REDIS_URL is set, shared by every worker and host).
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, abort, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ..core import rate_store  # noqa: F401 - registers the local:// storage


@lru_cache(maxsize=64)
def _item(spec: str) -> RateLimitItem:
    return parse(spec)


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["survey_limits"] = FixedWindowRateLimiter(storage)


def hit(setting: str, *keys: str) -> None:
    """Count one request against the limit named by a config setting; 429 when over it.

    A rate-limit store that cannot be reached never turns a respondent away: the request
    goes through and the failure is logged.
    """
    app = current_app
    if not app.config["RATELIMIT_ENABLED"]:
        return
    try:
        allowed = app.extensions["survey_limits"].hit(_item(app.config[setting]), setting, *keys)
    except Exception:  # noqa: BLE001 - storage down: fail open, loudly
        app.logger.exception("Rate limit storage failed; %s not applied", setting)
        return
    if not allowed:
        abort(429)
