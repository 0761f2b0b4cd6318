"""Bytes and requests a respondent page costs a phone.

    python -m bench.page                 # in-process, a throw-away demo, every language
    python -m bench.page --url URL       # a running server's survey link

Counts the HTML and every asset it references (stylesheets, scripts, images, icons),
fetched with Accept-Encoding: gzip, and checks all are same-origin.
"""

from __future__ import annotations

import argparse
import gzip
import re
import tempfile
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

_REFS = re.compile(r'<(?:link|script|img|source)\b[^>]*?\b(?:href|src)="([^"]+)"', re.I)


@dataclass
class PageWeight:
    requests: int = 0
    transferred: int = 0  #: bytes on the wire (gzip where the server compresses)
    uncompressed: int = 0
    urls: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def asset_refs(html: str) -> list[str]:
    """URLs the page makes the browser fetch (data: URIs cost no request)."""
    return [u for u in _REFS.findall(html) if not u.startswith("data:")]


def measure(fetch, url: str) -> PageWeight:
    """fetch(url) -> (status, headers, raw_body) as sent on the wire."""
    result = PageWeight()
    origin = urlparse(url).netloc

    def get(u: str) -> bytes:
        status, headers, body = fetch(u)
        if status != 200:
            raise RuntimeError(f"{u}: HTTP {status}")
        result.requests += 1
        result.transferred += len(body)
        result.urls.append(u)
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        result.uncompressed += len(body)
        return body

    html = get(url).decode("utf-8")
    for ref in asset_refs(html):
        absolute = urljoin(url, ref)
        if urlparse(absolute).netloc != origin:
            result.foreign.append(absolute)
            continue
        get(absolute)
    return result


def client_fetcher(client):
    def fetch(u: str):
        parsed = urlparse(u)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        resp = client.get(path, headers={"Accept-Encoding": "gzip"})
        body = resp.get_data()
        resp.close()
        return resp.status_code, resp.headers, body

    return fetch


def http_fetch(u: str):
    req = urllib.request.Request(u, headers={"Accept-Encoding": "gzip", "User-Agent": "bench"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.headers, resp.read()


def in_process() -> list[tuple[str, PageWeight]]:
    """The demo's parent page in every language its form speaks (the campaign offers all)."""
    from questionnaires.model import LANGUAGES
    from survey import create_app
    from survey.core.db_setup import upgrade_schema
    from survey.services.campaigns import campaign_links, registry
    from survey.services.demo import ensure_demo_campaign

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "NETWORK_SALT": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            }
        )
        with app.app_context():
            from survey.core.database import db

            upgrade_schema()
            campaign, _ = ensure_demo_campaign()
            campaign.languages = list(LANGUAGES)
            db.session.commit()
            url = next(
                r.url for r in campaign_links(campaign, "http://localhost") if r.group == "parent"
            )
            spoken = registry().get(campaign.forms["parent"]).languages
        out = [(f"{url}?lang={lang}", None) for lang in spoken]
        out = [(u, measure(client_fetcher(app.test_client()), u)) for u, _ in out]
        with app.app_context():
            db.engine.dispose()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a survey link of a running server")
    args = parser.parse_args()
    pages = [(args.url, measure(http_fetch, args.url))] if args.url else in_process()
    ok = True
    for url, weight in pages:
        print(f"page: {url}")
        for u in weight.urls:
            print(f"  fetched {u}")
        print(f"requests: {weight.requests} (target <= 3)")
        print(
            f"transferred (gzip): {weight.transferred} bytes = {weight.transferred / 1024:.1f} KB "
            f"(target <= 30 KB)"
        )
        print(f"uncompressed: {weight.uncompressed} bytes")
        print(f"third-party assets: {len(weight.foreign)} {weight.foreign or ''}")
        ok = ok and weight.requests <= 3 and weight.transferred <= 30 * 1024 and not weight.foreign
    print("result:", "OK" if ok else "OVER BUDGET")


if __name__ == "__main__":
    main()
