"""The app-wide request hooks the survey pages do without.

Extensions register their per-request work for every view. On the survey pages, the hot path
of an evening peak, most of it has nothing to do: nobody signs in there (Flask-Login's remember
cookie), the form is guarded by the ticket's browser key instead of Flask-WTF's session token
(ticket.py), and the views count their own rate limits (throttle.py). Those hooks return at once
for the respondent blueprint; the security headers and the NUL guard still run on every page.
Together they cost about a sixth of a submission's time in the app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps

from flask import Flask, request

from ..extensions import csrf, limiter, login_manager

BLUEPRINT = "respondent"


def init_app(app: Flask) -> None:
    """Wrap the extensions' hooks (call after the extensions and blueprints are set up)."""
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        funcs = hooks.get(None, [])
        for i, func in enumerate(funcs):
            if _unused_by_survey(func):
                funcs[i] = _outside_survey(func)


def _owner(func: Callable) -> object | None:
    owner = getattr(func, "__self__", None)
    if owner is None and isinstance(func, partial) and func.args:
        owner = func.args[0]  # Flask-Limiter registers partial(Limiter.__inject_headers, self)
    return owner


def _unused_by_survey(func: Callable) -> bool:
    if _owner(func) in (limiter, login_manager):
        return True
    # CSRFProtect registers a closure (the survey's submit view is exempt from it anyway)
    return getattr(func, "__qualname__", "").startswith(f"{type(csrf).__name__}.")


def _outside_survey(hook: Callable) -> Callable:
    @wraps(hook)
    def run(*args):
        if request.blueprint == BLUEPRINT:
            # an after_request hook hands its response on (a teardown's value is ignored)
            return args[0] if args else None
        return hook(*args)

    return run
