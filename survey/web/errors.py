"""Readable Chinese error pages; never a bare 500 with a traceback."""

from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException

from ..core.database import db


def _page(kind: str, status: int, detail: str | None = None):
    return render_template("respondent/message.html", kind=kind, detail=detail), status


def register_csrf(app: Flask) -> None:
    """The console's forms: an expired or missing CSRF token."""
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _page("bad_request", 400, "页面已过期或缺少安全校验信息，请返回并刷新页面后重试。")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 404:
            return _page("not_found", 404)
        if exc.code == 403:
            return _page("forbidden", 403)
        if exc.code == 429:
            return _page("too_many", 429)
        if exc.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            return _page(
                "bad_request", 413, f"上传的文件太大（超过 {limit} MB），请拆分后分批上传。"
            )
        if exc.code and exc.code >= 500:
            return _page("server_error", exc.code)
        return _page("bad_request", exc.code or 400, "请求的内容不正确，请返回后重试。")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)
    def database_unavailable(exc):
        """Down, read-only or full: one log line naming the cause, a Chinese page, 503."""
        rule = request.url_rule.rule if request.url_rule else "?"
        app.logger.error("Database unavailable on %s %s: %s", request.method, rule, exc.orig)
        db.session.rollback()
        return _page("server_error", 503)

    @app.errorhandler(Exception)
    def unexpected(exc):
        # the route, never the path: a survey path holds its link token
        rule = request.url_rule.rule if request.url_rule else "?"
        app.logger.exception("Unhandled error on %s %s", request.method, rule)
        db.session.rollback()
        return _page("server_error", 500)
