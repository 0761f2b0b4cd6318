"""Accessibility basics of the respondent pages: language, labels, fieldsets, focus, contrast."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import complete_answers, hidden_fields, link_token, questionnaire_for

CSS = Path(__file__).resolve().parents[2] / "survey" / "static" / "survey.css"


class Page(HTMLParser):
    """The parts of a page the checks need, with the fieldset each control sits in."""

    def __init__(self, html: str):
        super().__init__()
        self.lang = None
        self.labels_for: set[str] = set()
        self.controls: list[dict] = []
        self.fieldsets: list[dict] = []
        self._open: list[dict] = []
        self._in_label = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        elif tag == "fieldset":
            fs = {"id": a.get("id"), "legend": False, "first": None, "controls": 0}
            self.fieldsets.append(fs)
            self._open.append(fs)
        elif self._open and self._open[-1]["first"] is None:
            self._open[-1]["first"] = tag
        if tag == "legend" and self._open:
            self._open[-1]["legend"] = True
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.controls.append({**a, "tag": tag, "wrapped": self._in_label > 0})
            if self._open:
                self._open[-1]["controls"] += 1

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label -= 1
        elif tag == "fieldset" and self._open:
            self._open.pop()


def _check_page(html: str, items: int) -> None:
    page = Page(html)
    assert page.lang == "zh-CN"
    assert page.controls, "no form controls"
    for control in page.controls:
        assert control.get("id") in page.labels_for or control["wrapped"], control
    questions = [fs for fs in page.fieldsets if (fs["id"] or "").startswith("q-")]
    assert len(questions) == items
    for fs in questions:
        assert fs["legend"] and fs["first"] == "legend" and fs["controls"] >= 1, fs


@pytest.mark.parametrize("group", ["student", "parent", "public"])
def test_survey_page_labels_every_control_and_groups_each_item(app, client, demo, group):
    token = link_token(app, demo, group)
    q = questionnaire_for(app, demo, group)
    html = client.get(f"/s/{token}").get_data(as_text=True)
    _check_page(html, len(q.items))
    # the page returned with errors keeps all of it and ties each message to its item
    answers = complete_answers(q, group)
    missing = q.scored_items[0].code
    del answers[missing]
    bad = client.post(f"/s/{token}", data={**hidden_fields(html), **answers})
    page = bad.get_data(as_text=True)
    _check_page(page, len(q.items))
    assert f'aria-describedby="e-{missing}"' in page and f'id="e-{missing}"' in page
    assert 'role="alert"' in page


def _rules() -> dict[str, dict[str, str]]:
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", CSS.read_text(encoding="utf-8")):
        decl = dict(
            (k.strip(), v.strip())
            for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        for sel in selectors.split(","):
            rules.setdefault(sel.strip(), {}).update(decl)
    return rules


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _colour(value: str | None) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value or "")
    return found.group(0) if found else None


def test_contrast_of_every_text_colour_meets_wcag_aa():
    rules = _rules()
    page_bg = _colour(rules["body"]["background"])
    checked = 0
    for selector, decl in rules.items():
        fg = _colour(decl.get("color"))
        if not fg or "opacity" in decl or selector == ".req":  # .req: a decorative asterisk
            continue
        bg = _colour(decl.get("background"))
        backgrounds = [bg] if bg else [page_bg, "#ffffff"]
        large = selector.startswith("button") or selector.startswith(".msg h1")
        for back in backgrounds:
            ratio = contrast(fg, back)
            assert ratio >= (3.0 if large else 4.5), (selector, fg, back, round(ratio, 2))
            checked += 1
    assert checked >= 10


def test_keyboard_focus_is_visible():
    rules = _rules()
    for sel in ("input:focus-visible", "textarea:focus-visible", "button:focus-visible"):
        outline = rules.get(sel, {}).get("outline", "")
        assert re.match(r"\d+px solid #", outline), (sel, outline)
    assert "outline:none" not in CSS.read_text().replace(" ", "")
    assert "outline:0" not in CSS.read_text().replace(" ", "")


def test_contrast_helper_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54
