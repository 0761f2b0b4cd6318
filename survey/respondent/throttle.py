"""Rate limits of the survey pages, counted in Flask-Limiter's own storage and strategy.

The survey pages are the hot path of an evening peak. Flask-Limiter's route decorators spend
more per request resolving which limits apply than the count itself costs, so these views
call the configured strategy (`limiter.limiter`: per-process local://, or Redis when
REDIS_URL is set) with their two or three known limits directly, and Flask-Limiter's
per-request machinery skips the respondent blueprint (hooks.py). Login and the console keep
the decorators.
"""

from __future__ import annotations

from functools import lru_cache

from flask import abort, current_app
from limits import RateLimitItem, parse

from ..extensions import limiter


@lru_cache(maxsize=64)
def _item(spec: str) -> RateLimitItem:
    return parse(spec)


def hit(setting: str, *keys: str) -> None:
    """Count one request against the limit named by a config setting; 429 when over it.

    A rate-limit store that cannot be reached never turns a respondent away: the request
    goes through and the failure is logged.
    """
    app = current_app
    if not app.config["RATELIMIT_ENABLED"]:
        return
    try:
        allowed = limiter.limiter.hit(_item(app.config[setting]), setting, *keys)
    except Exception:  # noqa: BLE001 - storage down: fail open, loudly
        app.logger.exception("Rate limit storage failed; %s not applied", setting)
        return
    if not allowed:
        abort(429)
