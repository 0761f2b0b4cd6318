"""The one check of answers against a questionnaire: the web form and every import use it.

`check_answers` cleans each item's value and names what is wrong with it, as a `Fault`;
each caller words the fault for its reader (the survey page per item, an import per cell).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from functools import lru_cache

from .expressions import evaluate
from .loader import TEXT_MAX
from .model import Item, Option, Questionnaire

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Fault(enum.Enum):
    CHOOSE = "choose"  #: a required choice left blank
    INVALID = "invalid"  #: not one of the options offered (identity: not this group's)
    FILL = "fill"  #: a required text left blank
    TOO_LONG = "too_long"  #: a text over TEXT_MAX characters


def visible_options(
    item: Item, groups: frozenset[str], stage: str | None = None
) -> tuple[Option, ...]:
    """The options offered: an identity item only the groups given (the campaign's with this
    form); an option limited to some school stages only at a school of one of them (`stage`
    None: at any school, as on an import that does not know it)."""
    options = item.options
    if item.identity:
        options = tuple(o for o in options if o.group in groups)
    if stage is not None:
        options = tuple(o for o in options if o.stages is None or stage in o.stages)
    return options


@lru_cache(maxsize=512)
def _allowed(
    q: Questionnaire, groups: frozenset[str], stage: str | None
) -> tuple[tuple[Item, frozenset[str]], ...]:
    return tuple(
        (item, frozenset(o.code for o in visible_options(item, groups, stage))) for item in q.items
    )


def check_answers(
    q: Questionnaire,
    groups: frozenset[str],
    values: Mapping[str, str | None],
    required: bool = True,
    stage: str | None = None,
) -> tuple[dict[str, str], dict[str, Fault]]:
    """Every item's cleaned value ("" when blank) and the fault of each item that has one.

    `groups`: who may answer (limits the identity item's options); `required`: whether the
    questionnaire's required items must be answered (a paper form may have blanks); `stage`:
    the school's stage, where options are limited by it. An item whose condition (`relevant`)
    does not hold for the answers before it is not asked: blank, whatever was sent.
    """
    cleaned: dict[str, str] = {}
    faults: dict[str, Fault] = {}
    for item, allowed in _allowed(q, groups, stage):
        if item.condition is not None and not evaluate(item.condition, cleaned):
            cleaned[item.code] = ""  # not asked of this respondent: never required, never kept
            continue
        raw = values.get(item.code)
        if item.type == "note":
            continue  # nothing to answer
        if item.type == "single":
            value = (raw or "").strip()
            if item.choice_filter is not None:  # only the options the earlier answer opens
                chosen = cleaned.get(item.choice_filter, "")
                allowed = {c for c in allowed if item.option(c).filter in (None, chosen)}
            if value and value not in allowed:
                faults[item.code] = Fault.INVALID
            elif not value and required and item.required:
                faults[item.code] = Fault.CHOOSE
        else:
            value = _CONTROL.sub("", raw or "").strip()  # NUL and the like never reach storage
            if len(value) > TEXT_MAX:
                faults[item.code] = Fault.TOO_LONG
            elif not value and required and item.required:
                faults[item.code] = Fault.FILL
        cleaned[item.code] = value
    return cleaned, faults
