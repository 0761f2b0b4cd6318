"""Read a posted answer sheet against its questionnaire: the answers, or a message per item.

Plain functions over the form data (no form objects): the submit path runs this for every
response at the evening peak, and the page template shows the same `AnswerSheet` back with
what the respondent chose and what needs fixing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from questionnaires import TEXT_MAX, Item, Option, Questionnaire

CODE_MAX = 16
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MSG_CHOOSE = "请选择一项"
MSG_INVALID = "所选答案无效，请重新选择"
MSG_FILL = "请填写此项"
MSG_TOO_LONG = f"请不超过{TEXT_MAX}字"
MSG_CODE_MISSING = "请输入发给您的答题码"
MSG_CODE_BAD = "答题码不正确"


@dataclass
class AnswerSheet:
    """What a respondent chose or wrote (item code -> value) and what is wrong with it."""

    data: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    access_code: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def answers(self) -> dict[str, str]:
        """The stored answers: item code -> option code or text, blanks left out."""
        return {code: value for code, value in self.data.items() if value != ""}


def visible_options(item: Item, groups: frozenset[str]) -> tuple[Option, ...]:
    """An identity item offers only the groups the campaign serves with this form."""
    if item.identity:
        return tuple(o for o in item.options if o.group in groups)
    return item.options


@lru_cache(maxsize=512)
def _allowed(q: Questionnaire, groups: frozenset[str]) -> tuple[tuple[Item, frozenset[str]], ...]:
    return tuple(
        (item, frozenset(o.code for o in visible_options(item, groups))) for item in q.items
    )


def read_sheet(
    q: Questionnaire, groups: frozenset[str], form: Mapping[str, str], with_code: bool = False
) -> AnswerSheet:
    """Check every item of a posted form; the sheet keeps all answers, valid or not."""
    sheet = AnswerSheet()
    if with_code:
        code = (form.get("access_code") or "").strip().upper()
        sheet.access_code = code
        if not code:
            sheet.errors["access_code"] = MSG_CODE_MISSING
        elif len(code) > CODE_MAX or not code.isalnum() or not code.isascii():
            sheet.errors["access_code"] = MSG_CODE_BAD
    for item, allowed in _allowed(q, groups):
        raw = form.get(item.code)
        if item.type == "single":
            value = raw or ""
            if value and value not in allowed:
                sheet.errors[item.code] = MSG_INVALID
            elif not value and item.required:
                sheet.errors[item.code] = MSG_CHOOSE
        else:
            value = _CONTROL.sub("", raw or "").strip()  # NUL and the like never reach storage
            if len(value) > TEXT_MAX:
                sheet.errors[item.code] = MSG_TOO_LONG
            elif not value and item.required:
                sheet.errors[item.code] = MSG_FILL
        sheet.data[item.code] = value
    return sheet
