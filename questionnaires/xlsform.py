"""XLSForm in and out: a questionnaire written in a spreadsheet (ODK, KoboToolbox, SurveyCTO)
read through pyxform into this project's definition format, and any definition written back.

Supported: ``select_one LIST``, ``text`` and ``note`` rows; ``required``; ``relevant`` and
``choice_filter`` (questionnaires/expressions.py: the subset both the server and the page
evaluate); ``label`` and ``hint`` per language (``label::Uyghur (ug)``); and our own columns:
``scored``, ``overall``, ``identity`` on the survey sheet, ``recognised``, ``dont_know``,
``score``, ``group``, ``stages`` and the choice-filter column on the choices sheet. A first
``note`` named ``intro`` is the questionnaire's introduction; the settings sheet gives
``form_id`` (the code), ``form_title`` (with ``title::Language (code)``), ``version`` and
``needs_review`` (language codes whose translations a native speaker must check).

Every problem names the sheet, row and column; a file with any problem gives no definition.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import openpyxl

from .expressions import ExpressionError, parse
from .loader import QuestionnaireError, parse_questionnaire
from .model import BASE_LANGUAGE, LANGUAGES, Questionnaire

#: language names without a code in parentheses that a bureau may write
_LANGUAGE_NAMES = {
    "default": BASE_LANGUAGE,
    "chinese": BASE_LANGUAGE,
    "中文": BASE_LANGUAGE,
    "简体中文": BASE_LANGUAGE,
    "汉语": BASE_LANGUAGE,
    "uyghur": "ug",
    "维吾尔语": "ug",
    "维吾尔文": "ug",
    "english": "en",
    "英语": "en",
}
_YES = {"yes", "true", "true()", "1", "是"}
_NO = {"", "no", "false", "false()", "0", "否"}
_FILTER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*$")
_ROW = re.compile(r"\[row : (\d+)\]")
#: the choices column an exported choice filter reads
FILTER_COLUMN = "filter"


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  #: 0: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet} 表第 {self.row} 行" if self.row else f"{self.sheet} 表"
        return f"{where}{f'“{self.column}”列' if self.column else ''}：{self.message}"


class XLSFormError(ValueError):
    """An XLSForm that cannot be imported; `problems` lists every one found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def language_code(name: str) -> str | None:
    """`Uyghur (ug)` -> ug; `中文` -> zh-Hans; None for a language we do not offer."""
    m = re.search(r"\(([A-Za-z-]+)\)\s*$", name)
    code = m.group(1) if m else _LANGUAGE_NAMES.get(name.strip().lower())
    if code in ("zh", "zh-CN", "zh-hans"):
        code = BASE_LANGUAGE
    return code if code in LANGUAGES else None


def _rows(
    book: openpyxl.Workbook, sheet: str, key: tuple[str, ...]
) -> dict[tuple, tuple[int, dict]]:
    """Each row's number and cells (header -> value) by the values of its `key` columns: the
    text as typed (pyxform turns the curly quotes of Chinese text into straight ones)."""
    if sheet not in book.sheetnames:
        return {}
    values = list(book[sheet].iter_rows(values_only=True))
    if not values:
        return {}
    header = [str(h or "").strip() for h in values[0]]
    found: dict[tuple, tuple[int, dict]] = {}
    for number, row in enumerate(values[1:], start=2):
        cells = dict(zip(header, row, strict=False))
        found.setdefault(tuple(str(cells.get(k) or "").strip() for k in key), (number, cells))
    return found


class _Reader:
    def __init__(self, data: bytes):
        self.problems: list[Problem] = []
        self.book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        self.survey_rows = _rows(self.book, "survey", ("name",))
        self.choice_rows = _rows(self.book, "choices", ("list_name", "name"))
        settings = list(_rows(self.book, "settings", ()).values())
        self.settings = settings[0][1] if settings else {}

    def fail(self, sheet: str, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))

    def row_of(self, name: str) -> int:
        return self.survey_rows.get((name,), (0, {}))[0]

    def texts(self, cells: dict, sheet: str, row: int, column: str) -> tuple[str, dict[str, str]]:
        """The zh-Hans text and the other languages' of a label, hint or title: the cells
        `column` and `column::Language (code)` as typed."""
        base, others = "", {}
        for header, text in cells.items():
            if header != column and not header.startswith(column + "::"):
                continue
            text = "" if text is None else str(text)
            name = header.split("::", 1)[1] if "::" in header else "default"
            code = language_code(name)
            if code is None:
                self.fail(sheet, row, f"{column}::{name}", f"不支持的语言“{name}”")
            elif code == BASE_LANGUAGE:
                base = str(text).strip()
            elif str(text).strip():
                others[code] = str(text).strip()
        return base, others

    def flag(self, value, sheet: str, row: int, column: str) -> bool | None:
        text = str(value if value is not None else "").strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return None if text == "" else False
        self.fail(sheet, row, column, f"“{value}”应为 yes 或 no")
        return None


def read_xlsform(data: bytes, code: str | None = None) -> dict:
    """The definition (this project's JSON format) of an XLSForm workbook; XLSFormError
    names every problem. The definition is checked as any shipped one is."""
    from pyxform import xls2json
    from pyxform.errors import PyXFormError

    try:
        reader = _Reader(data)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook says the same
        raise XLSFormError([Problem("文件", 0, "", f"不是有效的 Excel 文件（{exc}）")]) from None
    try:
        form = xls2json.parse_file_to_json(None, warnings=[], file_object=_named(data, "form.xlsx"))
    except PyXFormError as exc:
        text = str(exc)
        m = _ROW.search(text)
        sheet = "choices" if "On the 'choices' sheet" in text else "survey"
        named = re.search(r"the '(\w+)' value", text)
        column = "type" if "List name" in text else (named.group(1) if named else "")
        raise XLSFormError(
            [Problem(sheet, int(m.group(1)) if m else 0, column, _ROW.sub("", text).strip())]
        ) from None
    definition = _definition(reader, form, code)
    if reader.problems:
        raise XLSFormError(reader.problems)
    try:
        parse_questionnaire(definition, "XLSForm")
    except QuestionnaireError as exc:
        text = str(exc)
        m = re.search(r"item \d+ \(([A-Z][A-Z0-9_]*)\)", text)
        row = reader.row_of(m.group(1)) if m else 0
        raise XLSFormError([Problem("survey", row, "", text.replace("XLSForm: ", ""))]) from None
    return definition


def _named(data: bytes, name: str) -> io.BytesIO:
    buf = io.BytesIO(data)
    buf.name = name
    return buf


def _definition(reader: _Reader, form: dict, code: str | None) -> dict:
    code = code or str(form.get("id_string") or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", code or ""):
        reader.fail(
            "settings", 2, "form_id", f"问卷代码“{code}”应为小写字母开头的字母、数字或下划线"
        )
    version = str(form.get("version") or "1").strip()
    if not version.isdigit() or int(version) < 1:
        reader.fail("settings", 2, "version", f"版本“{version}”应为正整数")
        version = "1"
    title, titles = reader.texts(
        {
            ("title" + k[10:] if k.startswith("form_title") else k): v
            for k, v in reader.settings.items()
        },
        "settings",
        2,
        "title",
    )
    definition: dict = {
        "code": code,
        "version": int(version),
        "title": title or code,
        "intro": "",
        "scales": {},
        "items": [],
    }
    if titles:
        definition["titles"] = titles
    review = str(form.get("needs_review") or "").split()
    if review:
        definition["needs_review"] = review
    used_lists: dict[str, str | None] = {}  #: list name -> its choice-filter column
    children = [c for c in form.get("children", []) if c.get("name") != "meta"]
    for index, child in enumerate(children):
        item = _item(reader, child, index, definition, used_lists)
        if item is not None:
            definition["items"].append(item)
    for name, column in sorted(used_lists.items()):
        definition["scales"][name] = [
            _option(reader, name, raw, column) for raw in form.get("choices", {}).get(name, [])
        ]
    return definition


def _item(
    reader: _Reader, child: dict, index: int, definition: dict, used: dict[str, str | None]
) -> dict | None:
    name = str(child.get("name") or "")
    row, cells = reader.survey_rows.get((name,), (0, {}))
    kind = child.get("type")
    text, texts = reader.texts(cells, "survey", row, "label")
    hint, hints = reader.texts(cells, "survey", row, "hint")
    bind = child.get("bind") or {}
    if kind == "note" and name == "intro" and index == 0:
        definition["intro"] = text
        if texts:
            definition["intros"] = texts
        return None
    if kind not in ("select one", "text", "note"):
        reader.fail("survey", row, "type", f"不支持的题型“{kind}”（可用 select_one、text、note）")
        return None
    if "constraint" in bind:
        reader.fail("survey", row, "constraint", "单选、文字和说明题不用 constraint")
    item: dict = {"code": name, "text": text}
    if kind == "select one":
        item["scale"] = child.get("list_name") or child.get("itemset")
        used.setdefault(item["scale"], None)
        for key in ("scored", "overall", "identity"):
            value = reader.flag(child.get(key), "survey", row, key)
            if value is not None:
                item[key] = value
        if child.get("choice_filter"):
            m = _FILTER.match(str(child["choice_filter"]))
            if m is None:
                reader.fail(
                    "survey",
                    row,
                    "choice_filter",
                    f"只支持“列名 = ${{题目}}”形式，不支持“{child['choice_filter']}”",
                )
            else:
                item["choice_filter"] = m.group(2)
                used[item["scale"]] = m.group(1)
    else:
        item["type"] = kind
    required = reader.flag(bind.get("required"), "survey", row, "required")
    if kind != "note":
        item["required"] = bool(required)
    if bind.get("relevant"):
        try:
            parse(str(bind["relevant"]))
        except ExpressionError as exc:
            reader.fail("survey", row, "relevant", str(exc))
        item["relevant"] = str(bind["relevant"]).strip()
    if texts:
        item["texts"] = texts
    if hint:
        item["hint"] = hint
    if hints:
        item["hints"] = hints
    return item


def _option(reader: _Reader, list_name: str, raw: dict, filter_column: str | None) -> dict:
    name = str(raw.get("name") or "")
    row, cells = reader.choice_rows.get((list_name, name), (0, {}))
    label, labels = reader.texts(cells, "choices", row, "label")
    option: dict = {"code": name, "label": label}
    for key in ("recognised", "dont_know"):
        value = reader.flag(raw.get(key), "choices", row, key)
        if value:
            option[key] = True
    if str(raw.get("score") or "").strip():
        try:
            option["score"] = float(raw["score"])
        except ValueError:
            reader.fail("choices", row, "score", f"“{raw['score']}”不是数字")
    if raw.get("group"):
        option["group"] = str(raw["group"]).strip()
    if raw.get("stages"):
        option["stages"] = str(raw["stages"]).split()
    if labels:
        option["labels"] = labels
    if filter_column and str(raw.get(filter_column) or "").strip():
        option["filter"] = str(raw[filter_column]).strip()
    return option


def write_xlsform(q: Questionnaire) -> bytes:
    """An XLSForm workbook of a definition (importing it gives the same definition)."""
    langs = q.languages
    names = {code: f"{LANGUAGES[code][0]} ({code})" for code in langs}
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    head = ["type", "name", *(f"label::{names[c]}" for c in langs)]
    head += [f"hint::{names[c]}" for c in langs]
    head += ["required", "relevant", "choice_filter", "scored", "overall", "identity"]
    survey.append(head)
    lists = _lists(q)
    if q.intro:
        survey.append(["note", "intro", *(_own(q.intro, q.intros, c) for c in langs)])
    for item in q.items:
        if item.type == "single":
            kind = f"select_one {lists[item.options]}"
        else:
            kind = item.type
        flags = (
            ["yes" if item.scored else "no", "yes" if item.overall else "no"]
            + ["yes" if item.identity else "no"]
            if item.type == "single"
            else ["", "", ""]
        )
        survey.append(
            [
                kind,
                item.code,
                *(_own(item.text, item.texts, c) for c in langs),
                *(_own(item.hint, item.hints, c) for c in langs),
                "" if item.type == "note" else ("yes" if item.required else "no"),
                item.relevant or "",
                f"{FILTER_COLUMN} = ${{{item.choice_filter}}}" if item.choice_filter else "",
                *flags,
            ]
        )
    choices = book.create_sheet("choices")
    choices.append(
        [
            "list_name",
            "name",
            *(f"label::{names[c]}" for c in langs),
            "recognised",
            "dont_know",
            "score",
            "group",
            "stages",
            FILTER_COLUMN,
        ]
    )
    for options, list_name in lists.items():
        for o in options:
            choices.append(
                [
                    list_name,
                    o.code,
                    *(_own(o.label, o.labels, c) for c in langs),
                    "yes" if o.recognised else "",
                    "yes" if o.dont_know else "",
                    "" if o.score is None else o.score,
                    o.group or "",
                    " ".join(o.stages or ()),
                    o.filter or "",
                ]
            )
    settings = book.create_sheet("settings")
    others = [c for c in langs if c != BASE_LANGUAGE]
    settings.append(
        ["form_title", "form_id", "version", "default_language", "needs_review"]
        + [f"title::{names[c]}" for c in others]
    )
    settings.append(
        [q.title, q.code, str(q.version), names[BASE_LANGUAGE], " ".join(q.needs_review)]
        + [_own(q.title, q.titles, c) for c in others]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _own(base: str, translations, lang: str) -> str:
    """The text in `lang` as the definition has it ("" where untranslated: no fallback)."""
    return base if lang == BASE_LANGUAGE else dict(translations).get(lang, "")


def _lists(q: Questionnaire) -> dict[tuple, str]:
    """A choice list per distinct option set, named for the identity or numbered."""
    lists: dict[tuple, str] = {}
    for item in q.choice_items:
        if item.options not in lists:
            lists[item.options] = "identity" if item.identity else f"list{len(lists) + 1}"
    return lists


def load_xlsform(data: bytes, code: str | None = None) -> Questionnaire:
    """The questionnaire of an XLSForm workbook (XLSFormError on any problem)."""
    return parse_questionnaire(read_xlsform(data, code), "XLSForm")
