"""App-wide web bits: hashed asset URLs and the landing page."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, render_template, request, url_for
from werkzeug.routing import IntegerConverter

from ..core.parsing import MAX_ID
from ..core.timeutil import format_local


@lru_cache(maxsize=64)
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """A static file's URL carrying its content hash, so it may be cached for a year."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_digest(str(path)))


def buffer_static(response: Response) -> Response:
    """Read small static files into memory so the compressor gzips them like pages."""
    if response.direct_passthrough and response.status_code == 200 and request.endpoint == "static":
        response.direct_passthrough = False
        source = response.response
        body = response.get_data()
        if hasattr(source, "close"):
            source.close()
        response.set_data(body)
    return response


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: ids beyond the INTEGER range are simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def use_id_converter(app: Flask) -> None:
    """Call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter


def register_assets(app: Flask) -> None:
    """Template helpers both apps use; static files compressed like pages (register after
    Flask-Compress, so that this runs before it)."""
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.filters["local"] = format_local
    app.after_request(buffer_static)


def register(app: Flask) -> None:
    register_assets(app)

    @app.get("/")
    def index():
        return render_template("index.html")
