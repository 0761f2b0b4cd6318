"""Load and validate questionnaire definitions (``<code>.v<N>.json``) and layouts.

Every problem raises :class:`QuestionnaireError` naming the file and the place,
so a broken definition stops the app with a message a person can act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .expressions import ExpressionError
from .expressions import parse as parse_expression
from .model import (
    BASE_LANGUAGE,
    GROUPS,
    LANGUAGES,
    SCHOOL_STAGES,
    Item,
    Layout,
    Option,
    Questionnaire,
)

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
LAYOUTS_FILE = Path(__file__).parent / "layouts.json"

_FILE_RE = re.compile(r"^(?P<code>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.json$")
_ITEM_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
_OPTION_CODE_RE = re.compile(r"^[0-9A-Za-z]{1,4}$")
_TOP_KEYS = {
    "code",
    "version",
    "title",
    "intro",
    "scales",
    "items",
    "titles",
    "intros",
    "needs_review",
}
_ITEM_KEYS = {
    "code",
    "type",
    "text",
    "scale",
    "scored",
    "overall",
    "identity",
    "required",
    "relevant",
    "texts",
    "hint",
    "hints",
    "choice_filter",
}
_OPTION_KEYS = {
    "code",
    "label",
    "recognised",
    "dont_know",
    "score",
    "group",
    "stages",
    "labels",
    "filter",
}
TEXT_MAX = 1000  #: longest accepted open comment, in characters


class QuestionnaireError(ValueError):
    """A questionnaire definition or layout is broken."""


@dataclass(frozen=True)
class Registry:
    """All loaded questionnaire versions and layouts."""

    versions: dict[tuple[str, int], Questionnaire]
    layouts: dict[str, Layout]

    def get(self, code: str, version: int | None = None) -> Questionnaire | None:
        if version is None:
            found = [v for (c, v) in self.versions if c == code]
            if not found:
                return None
            version = max(found)
        return self.versions.get((code, version))

    def latest(self) -> list[Questionnaire]:
        codes = sorted({c for c, _ in self.versions})
        return [self.get(c) for c in codes]


def _fail(where: str, msg: str) -> QuestionnaireError:
    return QuestionnaireError(f"{where}: {msg}")


def _check_keys(where: str, obj: object, allowed: set[str], required: set[str]) -> dict:
    if not isinstance(obj, dict):
        raise _fail(where, "expected an object")
    unknown = set(obj) - allowed
    if unknown:
        raise _fail(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(obj)
    if missing:
        raise _fail(where, f"missing key(s) {sorted(missing)}")
    return obj


def _text(where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "must be a non-empty string")
    return value.strip()


def _flag(where: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "must be true or false")
    return value


def _translations(where: str, raw: object) -> tuple[tuple[str, str], ...]:
    """{language: text} of the languages besides zh-Hans, as sorted pairs."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _fail(where, "must map language codes to text")
    out = []
    for lang, text in sorted(raw.items()):
        if lang not in LANGUAGES or lang == BASE_LANGUAGE:
            others = [c for c in LANGUAGES if c != BASE_LANGUAGE]
            raise _fail(where, f"unknown language {lang!r}; known: {others}")
        out.append((lang, _text(f"{where}.{lang}", text)))
    return tuple(out)


def _parse_option(where: str, raw: object) -> Option:
    raw = _check_keys(where, raw, _OPTION_KEYS, {"code", "label"})
    code = raw["code"]
    if not isinstance(code, str) or not _OPTION_CODE_RE.match(code):
        raise _fail(where, f"option code {code!r} must be 1-4 letters or digits")
    recognised = _flag(f"{where}.recognised", raw.get("recognised", False))
    dont_know = _flag(f"{where}.dont_know", raw.get("dont_know", False))
    if recognised and dont_know:
        raise _fail(where, "an option cannot be both recognised and don't-know")
    score = raw.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise _fail(f"{where}.score", "must be a number")
    group = raw.get("group")
    if group is not None and (not isinstance(group, str) or group not in GROUPS):
        raise _fail(f"{where}.group", f"unknown group {group!r}; known: {list(GROUPS)}")
    stages = raw.get("stages")
    if stages is not None and (
        not isinstance(stages, list) or not stages or any(s not in SCHOOL_STAGES for s in stages)
    ):
        raise _fail(f"{where}.stages", f"must list school stages from {list(SCHOOL_STAGES)}")
    return Option(
        code=code,
        label=_text(f"{where}.label", raw["label"]),
        recognised=recognised,
        dont_know=dont_know,
        score=None if score is None else float(score),
        group=group,
        stages=None if stages is None else tuple(stages),
        labels=_translations(f"{where}.labels", raw.get("labels")),
        filter=_optional_text(f"{where}.filter", raw.get("filter")),
    )


def _optional_text(where: str, value: object) -> str | None:
    return None if value is None else _text(where, value)


def _parse_scales(where: str, raw: object) -> dict[str, tuple[Option, ...]]:
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, "must be a non-empty object of named option lists")
    scales = {}
    for name, options in raw.items():
        w = f"{where}.{name}"
        if not isinstance(options, list) or len(options) < 2:
            raise _fail(w, "must list at least two options")
        if len(options) > 36:
            raise _fail(w, "at most 36 options")
        parsed = tuple(_parse_option(f"{w}[{i}]", o) for i, o in enumerate(options))
        codes = [o.code for o in parsed]
        if len(set(codes)) != len(codes):
            raise _fail(w, f"duplicate option codes {codes}")
        scales[name] = parsed
    return scales


def _parse_item(where: str, raw: object, scales: dict[str, tuple[Option, ...]]) -> Item:
    raw = _check_keys(where, raw, _ITEM_KEYS, {"code", "text"})
    code = raw["code"]
    if not isinstance(code, str) or not _ITEM_CODE_RE.match(code):
        raise _fail(where, f"item code {code!r} must be upper-case letters, digits or _")
    where = f"{where} ({code})"
    kind = raw.get("type", "single")
    text = _text(f"{where}.text", raw["text"])
    relevant = raw.get("relevant")
    if relevant is not None:
        if not isinstance(relevant, str) or not relevant.strip():
            raise _fail(f"{where}.relevant", "must be a non-empty expression")
        relevant = relevant.strip()
        try:
            parse_expression(relevant)
        except ExpressionError as exc:
            raise _fail(f"{where}.relevant", str(exc)) from None
    hint = raw.get("hint", "")
    if not isinstance(hint, str):
        raise _fail(f"{where}.hint", "must be a string")
    words = {
        "texts": _translations(f"{where}.texts", raw.get("texts")),
        "hint": hint.strip(),
        "hints": _translations(f"{where}.hints", raw.get("hints")),
    }
    if kind in ("text", "note"):
        if any(k in raw for k in ("scale", "scored", "overall", "identity", "choice_filter")):
            raise _fail(where, f"a {kind} item takes no scale, scored, overall or identity")
        required = _flag(f"{where}.required", raw.get("required", False))
        if kind == "note" and required:
            raise _fail(where, "a note has nothing to answer: it cannot be required")
        return Item(code=code, type=kind, text=text, required=required, relevant=relevant, **words)
    if kind != "single":
        raise _fail(where, f"unknown item type {kind!r}; known: 'single', 'text', 'note'")
    scale = raw.get("scale")
    if not isinstance(scale, str) or scale not in scales:
        raise _fail(where, f"unknown scale {scale!r}; defined: {sorted(scales)}")
    options = scales[scale]
    identity = _flag(f"{where}.identity", raw.get("identity", False))
    scored = _flag(f"{where}.scored", raw.get("scored", not identity))
    overall = _flag(f"{where}.overall", raw.get("overall", False))
    required = _flag(f"{where}.required", raw.get("required", True))
    if identity and (scored or overall):
        raise _fail(where, "an identity item cannot be scored")
    if identity and any(o.group is None for o in options):
        raise _fail(where, "every option of an identity item needs a group")
    if overall and not scored:
        raise _fail(where, "the overall item must be scored")
    if scored and not any(o.recognised for o in options):
        raise _fail(where, f"scale {scale!r} has no recognised option")
    if scored and not required:
        raise _fail(where, "scored items are required (offer a don't-know option instead)")
    if relevant is not None and (identity or overall):
        raise _fail(where, "the identity and overall items are asked of everyone")
    return Item(
        code=code,
        type="single",
        text=text,
        options=options,
        scored=scored,
        overall=overall,
        identity=identity,
        required=required,
        relevant=relevant,
        choice_filter=_optional_text(f"{where}.choice_filter", raw.get("choice_filter")),
        **words,
    )


def check_conditions(items: tuple[Item, ...]) -> None:
    """Each condition reads earlier single-choice items and names their options."""
    earlier: dict[str, Item] = {}
    for number, item in enumerate(items, start=1):
        if item.condition is not None:
            where = f"item {number} ({item.code}).relevant"
            for node in _leaves(item.condition):
                ref = earlier.get(node[1])
                if ref is None:
                    raise _fail(where, f"${{{node[1]}}} is not an earlier single-choice item")
                if ref.option(node[2]) is None:
                    raise _fail(where, f"{node[2]!r} is not an option of {node[1]}")
        if item.choice_filter is not None:
            where = f"item {number} ({item.code}).choice_filter"
            ref = earlier.get(item.choice_filter)
            if ref is None:
                raise _fail(where, f"{item.choice_filter} is not an earlier single-choice item")
            bad = [o.filter for o in item.options if o.filter and ref.option(o.filter) is None]
            if bad:
                raise _fail(where, f"options filter on {bad}, not options of {ref.code}")
        elif any(o.filter for o in item.options):
            raise _fail(f"item {number} ({item.code})", "options carry a filter, the item none")
        if item.type == "single":
            earlier[item.code] = item


def _leaves(tree: list) -> list[list]:
    if tree[0] in ("eq", "ne", "sel"):
        return [tree]
    return [leaf for t in tree[1:] for leaf in _leaves(t)]


def parse_questionnaire(
    raw: object, where: str, expect_code: str | None = None, expect_version: int | None = None
) -> Questionnaire:
    """Validate one definition (already decoded from JSON) and build it."""
    raw = _check_keys(where, raw, _TOP_KEYS, {"code", "version", "title", "items"})
    code, version = raw["code"], raw["version"]
    if expect_code is not None and code != expect_code:
        raise _fail(where, f"code {code!r} does not match the file name ({expect_code!r})")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(where, f"version {version!r} must be a whole number from 1")
    if expect_version is not None and version != expect_version:
        raise _fail(where, f"version {version} does not match the file name (v{expect_version})")
    scales = _parse_scales(f"{where}: scales", raw.get("scales"))
    items_raw = raw["items"]
    if not isinstance(items_raw, list) or not items_raw:
        raise _fail(where, "items must be a non-empty list")
    items = tuple(_parse_item(f"item {i + 1}", it, scales) for i, it in enumerate(items_raw))
    codes = [it.code for it in items]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise _fail(where, f"duplicate item codes {dupes}")
    overall = [it.code for it in items if it.overall]
    if len(overall) != 1:
        raise _fail(where, f"exactly one item must be marked overall, found {overall or 'none'}")
    check_conditions(items)
    identity = [i for i, it in enumerate(items) if it.identity]
    if len(identity) > 1 or (identity and identity[0] != 0):
        raise _fail(where, "at most one identity item, and it must come first")
    intro = raw.get("intro", "")
    if not isinstance(intro, str):
        raise _fail(f"{where}.intro", "must be a string")
    review = raw.get("needs_review", [])
    if not isinstance(review, list) or any(
        not isinstance(r, str) or r not in LANGUAGES for r in review
    ):
        raise _fail(f"{where}.needs_review", f"must list language codes of {list(LANGUAGES)}")
    return Questionnaire(
        code=code,
        version=version,
        title=_text(f"{where}.title", raw["title"]),
        intro=intro.strip(),
        items=items,
        source=where,
        titles=_translations(f"{where}.titles", raw.get("titles")),
        intros=_translations(f"{where}.intros", raw.get("intros")),
        needs_review=tuple(review),
    )


def load_file(path: Path) -> Questionnaire:
    """Load one ``<code>.v<N>.json`` file."""
    m = _FILE_RE.match(path.name)
    if not m:
        raise QuestionnaireError(f"{path}: file name must look like 'parent.v1.json'")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuestionnaireError(f"{path}: not valid UTF-8 JSON ({exc})") from exc
    try:
        return parse_questionnaire(raw, str(path), m["code"], int(m["version"]))
    except QuestionnaireError as exc:
        msg = str(exc)
        if not msg.startswith(str(path)):
            msg = f"{path}: {msg}"
        raise QuestionnaireError(msg) from None


def load_layouts(path: Path, versions: dict[tuple[str, int], Questionnaire]) -> dict[str, Layout]:
    """Load the campaign layouts and check each names known groups and forms."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuestionnaireError(f"{path}: cannot read layouts ({exc})") from exc
    if not isinstance(raw, dict) or not raw:
        raise QuestionnaireError(f"{path}: must be a non-empty object of layouts")
    codes = {c for c, _ in versions}
    layouts = {}
    for name, spec in raw.items():
        where = f"{path}: layout {name!r}"
        spec = _check_keys(where, spec, {"label", "forms"}, {"label", "forms"})
        forms = spec["forms"]
        if not isinstance(forms, dict) or not forms:
            raise _fail(where, "forms must map groups to questionnaire codes")
        for group, form in forms.items():
            if group not in GROUPS:
                raise _fail(where, f"unknown group {group!r}")
            if not isinstance(form, str) or form not in codes:
                raise _fail(where, f"group {group!r} uses unknown questionnaire {form!r}")
        layouts[name] = Layout(code=name, label=_text(where, spec["label"]), forms=dict(forms))
    return layouts


def load_registry(directory: Path | None = None, layouts_file: Path | None = None) -> Registry:
    """Load every definition in ``directory`` and the layouts; raise on the first problem."""
    directory = Path(directory or DEFINITIONS_DIR)
    files = sorted(directory.glob("*.json"))
    if not files:
        raise QuestionnaireError(f"{directory}: no questionnaire definitions found")
    versions = {}
    for path in files:
        q = load_file(path)
        versions[(q.code, q.version)] = q
    layouts = load_layouts(Path(layouts_file or LAYOUTS_FILE), versions)
    return Registry(versions=versions, layouts=layouts)
