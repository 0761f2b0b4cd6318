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
from functools import partial

from flask import Flask, request

from ..extensions import csrf, limiter, login_manager

BLUEPRINT = "respondent"


def init_app(app: Flask) -> None:
    """Wrap the extensions' hooks (call after the extensions and blueprints are set up).

    Adjacent extension hooks share one wrapper, so a survey page pays one check per list
    instead of one per hook (Flask also checks each hook for a coroutine on every request).
    Order is kept: Flask runs after-request and teardown hooks last-registered first.
    """
    for kind, hooks in (
        ("before", app.before_request_funcs),
        ("after", app.after_request_funcs),
        ("teardown", app.teardown_request_funcs),
    ):
        if hooks.get(None):
            hooks[None] = _merge_runs(hooks[None], kind)


def _merge_runs(funcs: list[Callable], kind: str) -> list[Callable]:
    merged: list[Callable] = []
    run: list[Callable] = []
    for func in [*funcs, None]:
        if func is not None and _unused_by_survey(func):
            run.append(func)
            continue
        if run:
            merged.append(_outside_survey(run[::-1] if kind != "before" else run, kind))
            run = []
        if func is not None:
            merged.append(func)
    return merged


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


def _outside_survey(hooks: list[Callable], kind: str) -> Callable:
    """One hook running `hooks` in order as Flask would, except on the survey pages."""

    def before():
        if request.blueprint != BLUEPRINT:
            for hook in hooks:
                rv = hook()
                if rv is not None:  # a response: Flask stops the request here
                    return rv
        return None

    def after(response):
        if request.blueprint != BLUEPRINT:
            for hook in hooks:
                response = hook(response)
        return response

    def teardown(exc=None):
        if request.blueprint != BLUEPRINT:
            for hook in hooks:
                hook(exc)

    run = {"before": before, "after": after, "teardown": teardown}[kind]
    run.wrapped_hooks = tuple(hooks)  # type: ignore[attr-defined]
    return run
