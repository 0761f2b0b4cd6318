"""The request hooks: extensions' hooks skip the survey pages, compression still happens."""

from __future__ import annotations

import gzip

from survey.extensions import limiter, login_manager
from survey.respondent import hooks
from tests.conftest import link_token, login


def _hooks(app):
    return [
        f
        for funcs in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
        for f in funcs.get(None, [])
    ]


def test_only_the_extensions_hooks_are_wrapped(app):
    wrapped = [h for f in _hooks(app) for h in getattr(f, "wrapped_hooks", ())]
    owners = {hooks._owner(f) for f in wrapped} - {None}
    assert owners == {limiter, login_manager}
    assert any(f.__qualname__.startswith("CSRFProtect.") for f in wrapped)
    names = {getattr(f, "__name__", "") for f in _hooks(app) if not hasattr(f, "wrapped_hooks")}
    assert {"refuse_nul", "add_headers", "compress_response", "buffer_static"} <= names
    # adjacent hooks share one wrapper: one check per list on a survey page
    assert sum(hasattr(f, "wrapped_hooks") for f in _hooks(app)) == 3


def test_wrapped_hooks_run_in_flasks_order_everywhere_but_on_the_survey_pages(app, demo):
    calls = []

    def hook(name, result=None):
        def run(*args):
            calls.append(name)
            return result if result is not None else (f"{args[0]}+{name}" if args else None)

        return run

    before = hooks._outside_survey([hook("a"), hook("b", "stop"), hook("c")], "before")
    after = hooks._outside_survey([hook("y"), hook("x")], "after")  # registered x, y
    teardown = hooks._outside_survey([hook("t")], "teardown")
    token = link_token(app, demo, "parent")
    with app.test_request_context(f"/s/{token}"):
        assert before() is None and after("resp") == "resp" and teardown(None) is None
    assert calls == []
    with app.test_request_context("/console/"):
        assert before() == "stop"  # a before hook's response ends the chain, as in Flask
        assert after("resp") == "resp+y+x"
        teardown(None)
    assert calls == ["a", "b", "y", "x", "t"]


def test_console_pages_and_static_files_are_still_gzipped(client, staff):
    login(client, "admin")
    page = client.get("/console/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(page.data).decode().lstrip().startswith("<!doctype html>")
    css = client.get("/static/survey.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"


def test_redirects_and_errors_are_not_compressed(client, staff):
    login(client, "admin")
    moved = client.get("/console", headers={"Accept-Encoding": "gzip"})
    missing = client.get("/console/campaigns/999999", headers={"Accept-Encoding": "gzip"})
    assert moved.status_code in (301, 308) and "Content-Encoding" not in moved.headers
    assert missing.status_code == 404 and "Content-Encoding" not in missing.headers


def test_merged_hooks_keep_the_order_flask_runs_them_in(app, monkeypatch):
    """Flask runs after-request and teardown hooks last-registered first: merging adjacent
    extension hooks into one wrapper must not change that order, on every other page."""
    calls = []

    def hook(name):
        def run(*args):
            calls.append(name)
            return args[0] if args else None

        run.extension = name.startswith("ext")
        return run

    monkeypatch.setattr(hooks, "_unused_by_survey", lambda f: f.extension)
    for kind in ("before", "after", "teardown"):
        funcs = [hook("own1"), hook("ext1"), hook("ext2"), hook("own2"), hook("ext3")]
        merged = hooks._merge_runs(funcs, kind)
        assert len(merged) == 4  # ext1 and ext2 share one wrapper

        def flask_order(fs, kind=kind):  # as Flask's preprocess/process_response/teardown
            return fs if kind == "before" else list(reversed(fs))

        with app.test_request_context("/console/"):
            calls.clear()
            for f in flask_order(funcs):
                f(*([] if kind == "before" else ["resp"]))
            expected = list(calls)
            calls.clear()
            for f in flask_order(merged):
                f(*([] if kind == "before" else ["resp"]))
        assert calls == expected, kind
