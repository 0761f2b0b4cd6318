"""Immutable in-memory form of a questionnaire definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

#: Respondent groups of the national assessment, in display order.
GROUPS: dict[str, str] = {
    "student": "学生",
    "parent": "家长",
    "teacher": "教师",
    "principal": "校长",
    "deputy": "人大代表、政协委员",
    "public": "社会公众",
}


#: languages a questionnaire may be offered in: code -> (name in that language, direction).
#: zh-Hans is every definition's own; the others are translations.
LANGUAGES: dict[str, tuple[str, str]] = {
    "zh-Hans": ("简体中文", "ltr"),
    "ug": ("ئۇيغۇرچە", "rtl"),
    "en": ("English", "ltr"),
}
BASE_LANGUAGE = "zh-Hans"

Translations = tuple[tuple[str, str], ...]  #: (language, text) pairs, hashable


def pick(base: str, translations: Translations, lang: str | None) -> str:
    """The text in `lang` where translated, else the zh-Hans text."""
    if lang and lang != BASE_LANGUAGE:
        for code, text in translations:
            if code == lang:
                return text
    return base


#: digits of an answer vector (option index 0..35) and the mark of an unanswered item
#: school stages an option may be limited to (the console's School.stage codes)
SCHOOL_STAGES = ("primary", "junior", "nine_year", "twelve_year")
VECTOR_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
VECTOR_BLANK = "."


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    recognised: bool = False  #: counts as 认可
    dont_know: bool = False  #: 不了解: excluded from the denominator
    score: float | None = None  #: for the option_scores method
    group: str | None = None  #: identity items: the group this answer puts the respondent in
    #: offered only at schools of these stages (SCHOOL_STAGES), e.g. 七年级 not at a 小学
    stages: tuple[str, ...] | None = None
    labels: Translations = ()  #: the label in other languages
    #: with the item's choice_filter: offered only when the filter item's answer is this
    filter: str | None = None

    def label_in(self, lang: str | None) -> str:
        return pick(self.label, self.labels, lang)

    def to_dict(self) -> dict:
        d = {
            "code": self.code,
            "label": self.label,
            "recognised": self.recognised,
            "dont_know": self.dont_know,
            "score": self.score,
        }
        if self.group is not None:
            d["group"] = self.group
        if self.stages is not None:
            d["stages"] = list(self.stages)
        if self.labels:
            d["labels"] = dict(self.labels)
        if self.filter is not None:
            d["filter"] = self.filter
        return d


@dataclass(frozen=True)
class Item:
    code: str
    type: str  #: "single", "text" or "note" (a line to read, no answer)
    text: str
    options: tuple[Option, ...] = ()
    scored: bool = False  #: counts towards the recognition rate
    overall: bool = False  #: the overall-satisfaction item
    identity: bool = False  #: the respondent's self-declared group
    required: bool = True
    #: skip logic: an XLSForm expression over earlier items (questionnaires/expressions.py);
    #: the item is asked only when it holds
    relevant: str | None = None
    #: options filtered by an earlier item's answer (an option's `filter` must equal it)
    choice_filter: str | None = None
    texts: Translations = ()  #: the question in other languages
    hint: str = ""  #: a line of help under the question
    hints: Translations = ()

    def text_in(self, lang: str | None) -> str:
        return pick(self.text, self.texts, lang)

    def hint_in(self, lang: str | None) -> str:
        return pick(self.hint, self.hints, lang)

    @cached_property
    def condition(self) -> list | None:
        """The parsed `relevant` expression (None: always asked)."""
        from .expressions import parse

        return None if self.relevant is None else parse(self.relevant)

    def option(self, code: str) -> Option | None:
        for opt in self.options:
            if opt.code == code:
                return opt
        return None

    @property
    def max_score(self) -> float | None:
        scores = [o.score for o in self.options if o.score is not None]
        return max(scores) if scores else None

    def to_dict(self) -> dict:
        d = {
            "code": self.code,
            "type": self.type,
            "text": self.text,
            "required": self.required,
            "scored": self.scored,
            "overall": self.overall,
            "identity": self.identity,
        }
        if self.relevant is not None:
            d["relevant"] = self.relevant
        if self.choice_filter is not None:
            d["choice_filter"] = self.choice_filter
        if self.texts:
            d["texts"] = dict(self.texts)
        if self.hint:
            d["hint"] = self.hint
        if self.hints:
            d["hints"] = dict(self.hints)
        if self.type == "single":
            d["options"] = [o.to_dict() for o in self.options]
        return d


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: int
    title: str
    intro: str
    items: tuple[Item, ...]
    source: str = field(default="", compare=False)
    titles: Translations = ()
    intros: Translations = ()
    #: translations marked as machine-made or unchecked: a native speaker reviews them before use
    needs_review: tuple[str, ...] = ()

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """zh-Hans, then every language some text is translated into, in LANGUAGES order."""
        found = {code for code, _ in self.titles}
        for item in self.items:
            found |= {code for code, _ in item.texts}
            for option in item.options:
                found |= {code for code, _ in option.labels}
        return (BASE_LANGUAGE, *(c for c in LANGUAGES if c in found and c != BASE_LANGUAGE))

    def title_in(self, lang: str | None) -> str:
        return pick(self.title, self.titles, lang)

    def intro_in(self, lang: str | None) -> str:
        return pick(self.intro, self.intros, lang)

    def __hash__(self) -> int:
        # equal questionnaires share code and version; hashing every item and option each
        # time one is a cache key (check_answers, per submission) would cost more than the check
        return hash((self.code, self.version))

    def item(self, code: str) -> Item | None:
        for it in self.items:
            if it.code == code:
                return it
        return None

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.scored)

    @property
    def overall_item(self) -> Item:
        return next(it for it in self.items if it.overall)

    @cached_property
    def identity_item(self) -> Item | None:
        return next((it for it in self.items if it.identity), None)

    @cached_property
    def choice_items(self) -> tuple[Item, ...]:
        """Single-choice items in order: the positions of an answer vector."""
        return tuple(it for it in self.items if it.type == "single")

    def encode_vector(self, answers: dict[str, str]) -> str:
        """Answers as one character per single-choice item: the option's index in base 36,
        '.' where unanswered. A compact, fixed-width form for fast analysis."""
        return "".join(
            digits.get(answers.get(code), VECTOR_BLANK) for code, digits in self._vector_digits
        )

    @cached_property
    def _vector_digits(self) -> tuple[tuple[str, dict[str, str]], ...]:
        """Per single-choice item: its code and each option code's vector digit."""
        return tuple(
            (it.code, {o.code: VECTOR_DIGITS[i] for i, o in enumerate(it.options)})
            for it in self.choice_items
        )

    def condition_text(
        self, item: Item, lang: str | None = None, numbers: dict[str, int] | None = None
    ) -> str:
        """An item's condition in words, for a page without script and for paper: （家长填写）
        where it asks for an identity, else （第2题选“是”时填写）; option labels in `lang`,
        items numbered by `numbers` (code -> number printed) or their place in the form."""
        from .expressions import describe

        if item.condition is None:
            return ""
        return describe(item.condition, self, lang, numbers)

    @property
    def text_items(self) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.type == "text")

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "version": self.version,
            "title": self.title,
            "intro": self.intro,
            "items": [it.to_dict() for it in self.items],
            **({"titles": dict(self.titles)} if self.titles else {}),
            **({"intros": dict(self.intros)} if self.intros else {}),
            **({"needs_review": list(self.needs_review)} if self.needs_review else {}),
        }


@dataclass(frozen=True)
class Layout:
    """Which questionnaire each group answers in a campaign."""

    code: str
    label: str
    forms: dict[str, str]
