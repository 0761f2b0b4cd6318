"""Build the WTForms form of a questionnaire at run time (one field type per item type)."""

from __future__ import annotations

from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from questionnaires import TEXT_MAX, Item, Option, Questionnaire


class ChoiceField(RadioField):
    """A radio group whose invalid-choice message is Chinese and stops validation."""

    def pre_validate(self, form) -> None:
        if self.data is None:
            return  # unanswered: InputRequired or Optional decides
        if self.data not in {choice.value for choice in self.choices}:
            raise StopValidation("所选答案无效，请重新选择")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _single(item: Item, options: tuple[Option, ...]):
    check = InputRequired("请选择一项") if item.required else Optional()
    return ChoiceField(
        item.text, choices=[SelectChoice(o.code, o.label) for o in options], validators=[check]
    )


def _text(item: Item, _options):
    check = InputRequired("请填写此项") if item.required else Optional()
    length = Length(max=TEXT_MAX, message=f"请不超过{TEXT_MAX}字")
    return TextAreaField(item.text, validators=[check, length], filters=[_strip])


#: item type -> field factory
FIELD_TYPES = {"single": _single, "text": _text}


def visible_options(item: Item, groups: frozenset[str]) -> tuple[Option, ...]:
    """An identity item offers only the groups the campaign serves with this form."""
    if item.identity:
        return tuple(o for o in item.options if o.group in groups)
    return item.options


@lru_cache(maxsize=256)
def form_class(questionnaire: Questionnaire, groups: frozenset[str], with_code: bool) -> type:
    """The FlaskForm class for a questionnaire as a campaign fields it (cached)."""
    attrs = {"ticket": HiddenField()}
    if with_code:
        attrs["access_code"] = StringField(
            "答题码",
            validators=[
                InputRequired("请输入发给您的答题码"),
                Length(max=16, message="答题码不正确"),
            ],
            filters=[lambda v: _strip(v).upper() if isinstance(v, str) else v],
        )
    for item in questionnaire.items:
        attrs[item.code] = FIELD_TYPES[item.type](item, visible_options(item, groups))
    return type(f"Form_{questionnaire.code}_v{questionnaire.version}", (FlaskForm,), attrs)


def answers_from(form, questionnaire: Questionnaire) -> dict[str, str]:
    """The answers of a validated form: item code -> option code or text; blanks left out."""
    out = {}
    for item in questionnaire.items:
        value = form[item.code].data
        if value not in (None, ""):
            out[item.code] = value
    return out
