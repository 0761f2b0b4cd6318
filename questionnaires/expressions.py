"""The XLSForm expressions a questionnaire may use for skip logic, parsed into a small tree the
server and the page script both evaluate (the same tree, so they always agree).

Supported, and nothing else: ``${item} = 'code'``, ``${item} != 'code'``,
``selected(${item}, 'code')``, ``and``, ``or``, ``not(...)`` and parentheses. The tree is plain
JSON: ``["eq", item, code]``, ``["ne", item, code]``, ``["sel", item, code]``,
``["and", a, b, ...]``, ``["or", a, b, ...]``, ``["not", a]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})|(?P<str>'[^']*'|\"[^\"]*\")"
    r"|(?P<op>!=|=|\(|\)|,)|(?P<num>-?[0-9]+(?:\.[0-9]+)?)|(?P<word>[A-Za-z_-]+))"
)


class ExpressionError(ValueError):
    """An expression outside the supported subset; the message says what (in Chinese)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"无法识别“{text[pos : pos + 12]}”")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "ref":
            value = value[2:-1]
        elif kind == "str":
            value = value[1:-1]
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and tok[1] != value):
            found = "结尾" if tok is None else f"“{tok[1]}”"
            raise ExpressionError(f"此处应为{value or _KIND[kind]}，却是{found}")
        self.pos += 1
        return tok[1]

    def parse(self) -> list:
        tree = self.disjunction()
        if self.peek() is not None:
            raise ExpressionError(f"多余的“{self.peek()[1]}”")
        return tree

    def disjunction(self) -> list:
        parts = [self.conjunction()]
        while self.peek() == ("word", "or"):
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else ["or", *parts]

    def conjunction(self) -> list:
        parts = [self.term()]
        while self.peek() == ("word", "and"):
            self.pos += 1
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else ["and", *parts]

    def term(self) -> list:
        tok = self.peek()
        if tok is None:
            raise ExpressionError("表达式不完整")
        if tok == ("op", "("):
            self.pos += 1
            inner = self.disjunction()
            self.take("op", ")")
            return inner
        if tok == ("word", "not"):
            self.pos += 1
            self.take("op", "(")
            inner = self.disjunction()
            self.take("op", ")")
            return ["not", inner]
        if tok == ("word", "selected"):
            self.pos += 1
            self.take("op", "(")
            item = self.take("ref")
            self.take("op", ",")
            code = self.take("str")
            self.take("op", ")")
            return ["sel", item, code]
        if tok[0] == "ref":
            item = self.take("ref")
            op = self.take("op")
            if op not in ("=", "!="):
                raise ExpressionError(f"只支持 = 和 !=，不支持“{op}”")
            code = self.take("str")
            return ["eq" if op == "=" else "ne", item, code]
        raise ExpressionError(f"不支持“{tok[1]}”（只支持 =、!=、selected()、and、or、not()）")


_KIND = {
    "ref": "题目引用 ${…}",
    "str": "带引号的选项代码",
    "op": "运算符",
    "num": "数字",
    "word": "关键字",
}


def parse(text: str) -> list:
    """The tree of an expression; ExpressionError names what is not supported."""
    return _Parser(text).parse()


def references(tree: list) -> set[str]:
    """The item codes an expression reads."""
    if tree[0] in ("eq", "ne", "sel"):
        return {tree[1]}
    return set().union(*(references(t) for t in tree[1:]))


def evaluate(tree: list, values: Mapping[str, str]) -> bool:
    """Whether the expression holds for these answers (a blank or skipped item is "")."""
    op = tree[0]
    if op == "eq" or op == "sel":
        return values.get(tree[1], "") == tree[2]
    if op == "ne":
        return values.get(tree[1], "") != tree[2]
    if op == "and":
        return all(evaluate(t, values) for t in tree[1:])
    if op == "or":
        return any(evaluate(t, values) for t in tree[1:])
    if op == "not":
        return not evaluate(tree[1], values)
    raise ExpressionError(f"unknown node {op!r}")


@dataclass(frozen=True)
class Phrasing:
    """How a language tells a condition: item and answer, negation, joins, the frame."""

    chose: str  #: {n} the item's number, {label} the option
    not_chose: str
    negated: str  #: {x} a condition
    both: str
    either: str
    groups: str  #: between the groups of an identity condition
    when: str  #: the frame of a condition on answers, {x}
    who: str  #: the frame of an identity condition (who fills the item in), {x}


PHRASINGS = {
    "zh-Hans": Phrasing(
        chose="第{n}题选“{label}”",
        not_chose="第{n}题未选“{label}”",
        negated="不是{x}",
        both="且",
        either="或",
        groups="、",
        when="（{x}时填写）",
        who="（{x}填写）",
    ),
    "ug": Phrasing(
        chose="{n}-سوئالدا «{label}» تاللانغان",
        not_chose="{n}-سوئالدا «{label}» تاللانمىغان",
        negated="{x} ئەمەس",
        both=" ھەمدە ",
        either=" ياكى ",
        groups="، ",
        when="({x} بولسا تولدۇرۇڭ)",
        who="({x} تولدۇرىدۇ)",
    ),
    "en": Phrasing(
        chose="“{label}” chosen in question {n}",
        not_chose="“{label}” not chosen in question {n}",
        negated="not {x}",
        both=" and ",
        either=" or ",
        groups=", ",
        when="(answer if {x})",
        who="(for {x})",
    ),
}


def describe(tree: list, q, lang: str | None = None, numbers=None) -> str:
    """The condition in words, in `lang` (Chinese where it has no phrasing): （家长填写） for
    the identity item's answers, else （第N题选“…”时填写）; option labels in `lang` where
    translated, N from `numbers` (item code -> number, as a printed sheet numbers them) or the
    item's place in the form."""
    words = PHRASINGS.get(lang or "", PHRASINGS["zh-Hans"])
    frame = words.who if _is_identity(tree, q) else words.when
    return frame.format(x=_words(tree, q, lang, numbers, words))


def _is_identity(tree: list, q) -> bool:
    ident = q.identity_item
    if ident is None:
        return False
    if tree[0] in ("eq", "sel"):
        return tree[1] == ident.code
    return tree[0] == "or" and all(_is_identity(t, q) for t in tree[1:])


def _words(tree: list, q, lang: str | None, numbers, words: Phrasing) -> str:
    op = tree[0]
    if op in ("eq", "sel", "ne"):
        item = q.item(tree[1])
        option = item.option(tree[2]) if item else None
        label = option.label_in(lang) if option else tree[2]
        if item is not None and item.identity and op != "ne":
            return label
        if item is None:
            number = "?"
        elif numbers is not None:
            number = numbers.get(item.code, "?")
        else:
            number = q.items.index(item) + 1
        return (words.not_chose if op == "ne" else words.chose).format(n=number, label=label)
    if op == "not":
        return words.negated.format(x=_words(tree[1], q, lang, numbers, words))
    joiner = (
        words.groups if _is_identity(tree, q) else (words.both if op == "and" else words.either)
    )
    return joiner.join(_words(t, q, lang, numbers, words) for t in tree[1:])


def to_text(tree: list) -> str:
    """The XLSForm text of a tree (for the export: import of it gives the same tree)."""
    op = tree[0]
    if op == "eq":
        return f"${{{tree[1]}}} = '{tree[2]}'"
    if op == "ne":
        return f"${{{tree[1]}}} != '{tree[2]}'"
    if op == "sel":
        return f"selected(${{{tree[1]}}}, '{tree[2]}')"
    if op == "not":
        return f"not({to_text(tree[1])})"
    joined = f" {op} ".join(
        f"({to_text(t)})" if t[0] in ("and", "or") else to_text(t) for t in tree[1:]
    )
    return joined
