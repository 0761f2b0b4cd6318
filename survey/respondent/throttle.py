"""Rate limits of the survey pages, counted in Flask-Limiter's own storage and strategy.

The survey pages are the hot path of an evening peak. Flask-Limiter's route decorators spend
more per request resolving which limits apply than the count itself costs, so these views
call the configured strategy (`limiter.limiter`: memory, or Redis when REDIS_URL is set) with
their two or three known limits directly, and Flask-Limiter's per-request machinery skips the
respondent blueprint. Login and the console keep the decorators.
"""

from __future__ import annotations

from functools import lru_cache, partial, wraps

from flask import Flask, abort, current_app, request
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


def init_app(app: Flask) -> None:
    """Let Flask-Limiter's per-request hooks pass the survey pages by (call after its init)."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    for hooks in (app.before_request_funcs, app.after_request_funcs):
        funcs = hooks.get(None, [])
        for i, func in enumerate(funcs):
            if _is_limiter_hook(func):
                funcs[i] = _outside_survey(func)


def _is_limiter_hook(func) -> bool:
    owner = getattr(func, "__self__", None)
    if owner is None and isinstance(func, partial) and func.args:
        owner = func.args[0]
    return owner is limiter


def _outside_survey(hook):
    @wraps(hook)
    def run(*args):
        if request.blueprint == "respondent":
            return args[0] if args else None  # after_request hooks return the response
        return hook(*args)

    return run
