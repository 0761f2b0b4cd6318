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
        return d


@dataclass(frozen=True)
class Item:
    code: str
    type: str  #: "single" or "text"
    text: str
    options: tuple[Option, ...] = ()
    scored: bool = False  #: counts towards the recognition rate
    overall: bool = False  #: the overall-satisfaction item
    identity: bool = False  #: the respondent's self-declared group
    required: bool = True
    #: skip logic: an XLSForm expression over earlier items (questionnaires/expressions.py);
    #: the item is asked only when it holds
    relevant: str | None = None

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

    def condition_text(self, item: Item) -> str:
        """An item's condition in words, for a page without script and for paper: （家长填写）
        where it asks for an identity, else （第2题选“是”时填写）."""
        from .expressions import describe

        if item.condition is None:
            return ""
        return describe(item.condition, self)

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
        }


@dataclass(frozen=True)
class Layout:
    """Which questionnaire each group answers in a campaign."""

    code: str
    label: str
    forms: dict[str, str]
