"""The skip-logic expressions: the supported subset parsed into one tree, evaluated as XLSForm
does, written back to the same text, and put in words for pages without script."""

from __future__ import annotations

import pytest

from questionnaires import load_registry
from questionnaires.expressions import ExpressionError, evaluate, parse, references, to_text


@pytest.mark.parametrize(
    "text, tree",
    [
        ("${ID} = '1'", ["eq", "ID", "1"]),
        ("${ID}!='4'", ["ne", "ID", "4"]),
        ('selected(${Q1}, "b")', ["sel", "Q1", "b"]),
        (
            "${A} = '1' or ${B} = '2' and not(${C} = '3')",
            ["or", ["eq", "A", "1"], ["and", ["eq", "B", "2"], ["not", ["eq", "C", "3"]]]],
        ),
        (
            "(${A} = '1' or ${B} = '2') and ${C} != '3'",
            ["and", ["or", ["eq", "A", "1"], ["eq", "B", "2"]], ["ne", "C", "3"]],
        ),
    ],
)
def test_the_subset_parses_into_one_tree_and_writes_back(text, tree):
    assert parse(text) == tree
    assert parse(to_text(tree)) == tree


@pytest.mark.parametrize(
    "text",
    [
        "${A} > '1'",
        "${A} = 1",
        "count(${A}) = '1'",
        "${A} = '1' and",
        "(${A} = '1'",
        "${A} = '1')",
        "",
        "${A} = '1' xor ${B} = '2'",
        "string-length(${A}) = '0'",
        ".",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ExpressionError):
        parse(text)


def test_evaluation_follows_xlsform_with_blanks_for_skipped_items():
    tree = parse("${ID} = '2' or ${ID} = '3'")
    assert evaluate(tree, {"ID": "3"}) and not evaluate(tree, {"ID": "1"})
    assert not evaluate(tree, {})
    assert evaluate(parse("${X} != '1'"), {})  # a blank is not '1'
    assert evaluate(parse("not(${X} = '1') and selected(${Y}, 'b')"), {"Y": "b"})
    assert references(parse("${A} = '1' or not(${B} = '2')")) == {"A", "B"}


def test_conditions_in_words_name_the_identity_or_the_item():
    q = load_registry().get("social")
    words = {i.code: q.condition_text(i) for i in q.items if i.condition}
    assert words["JZ01"] == "（学生家长填写）"
    assert words["RD01"] == "（人大代表、政协委员填写）"
    assert q.condition_text(q.items[1]) == ""


def test_a_skip_on_an_answer_is_told_with_the_number_the_sheet_prints():
    """Paper: （第N题选“满意”时填写）, N as printed (a sheet leaves other groups' items off)."""
    from dataclasses import replace

    q = load_registry().get("parent")
    asked, later = q.items[2], q.items[5]
    later = replace(later, relevant=f"${{{asked.code}}} = '1'")
    q = replace(q, items=(*q.items[:5], later, *q.items[6:]))
    assert q.condition_text(later) == "（第3题选“满意”时填写）"
    assert q.condition_text(later, numbers={asked.code: 2}) == "（第2题选“满意”时填写）"


def test_a_skip_is_told_in_the_language_of_the_page_or_sheet():
    """A Uyghur sheet or page says the condition in Uyghur, with the option's Uyghur label."""
    from dataclasses import replace

    q = load_registry().get("parent")
    asked, later = q.items[2], q.items[5]
    later = replace(later, relevant=f"${{{asked.code}}} = '1'")
    q = replace(q, items=(*q.items[:5], later, *q.items[6:]))
    label = asked.option("1").label_in("ug")
    assert label != asked.option("1").label
    words = q.condition_text(later, "ug")
    assert words == f"(3-سوئالدا «{label}» تاللانغان بولسا تولدۇرۇڭ)"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in words)
    assert q.condition_text(later, "en").startswith("(answer if ")
