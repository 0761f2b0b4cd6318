"""A parent's page stays small, same-origin and readable on a phone."""

from __future__ import annotations

import re

from bench.page import asset_refs, client_fetcher, measure
from tests.helpers import link_token


def test_parent_page_is_small_and_same_origin(app, client, demo):
    token = link_token(app, demo, "parent")
    weight = measure(client_fetcher(client), f"http://localhost/s/{token}")
    assert weight.foreign == []
    assert weight.requests <= 3
    assert weight.transferred <= 30 * 1024
    assert weight.uncompressed > weight.transferred  # it really was compressed


def test_no_third_party_reference_anywhere_in_the_page(app, client, demo):
    html = client.get(f"/s/{link_token(app, demo, 'student')}").get_data(as_text=True)
    assert all(not ref.startswith(("http:", "https:", "//")) for ref in asset_refs(html))
    assert not re.search(r"https?://", html)
    assert 'name="viewport"' in html and 'rel="icon" href="data:,"' in html


def test_assets_are_cacheable_for_a_year(app, client, demo):
    html = client.get(f"/s/{link_token(app, demo, 'parent')}").get_data(as_text=True)
    for ref in asset_refs(html):
        assert "?v=" in ref
        resp = client.get(ref)
        assert resp.status_code == 200
        assert "max-age=31536000" in resp.headers["Cache-Control"]
