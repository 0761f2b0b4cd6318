"""Read a posted answer sheet against its questionnaire: the answers, or a message per item.

Plain functions over the form data (no form objects): the submit path runs this for every
response at the evening peak, and the page template shows the same `AnswerSheet` back with
what the respondent chose and what needs fixing. The check itself is
questionnaires.answers.check_answers, the same one every import uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from questionnaires import TEXT_MAX, Questionnaire
from questionnaires.answers import Fault, check_answers, visible_options

__all__ = ["AnswerSheet", "read_sheet", "visible_options"]

CODE_MAX = 16
MESSAGES = {
    Fault.CHOOSE: "请选择一项",
    Fault.INVALID: "所选答案无效，请重新选择",
    Fault.FILL: "请填写此项",
    Fault.TOO_LONG: f"请不超过{TEXT_MAX}字",
}
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


def read_sheet(
    q: Questionnaire,
    groups: frozenset[str],
    form: Mapping[str, str],
    with_code: bool = False,
    stage: str | None = None,
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
    sheet.data, faults = check_answers(q, groups, form, stage=stage)
    sheet.errors.update((code, MESSAGES[fault]) for code, fault in faults.items())
    return sheet
