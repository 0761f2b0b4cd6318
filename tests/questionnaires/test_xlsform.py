"""XLSForm in and out: a bilingual form written by hand in a spreadsheet imports with its skip
logic and choice filter; every shipped definition survives export and import unchanged; a
broken workbook names sheet, row and column and gives nothing."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from questionnaires import load_registry
from questionnaires.answers import check_answers
from questionnaires.xlsform import XLSFormError, load_xlsform, read_xlsform, write_xlsform

EXAMPLE = Path(__file__).parents[2] / "questionnaires" / "examples" / "family.xlsx"


@pytest.fixture
def example() -> bytes:
    return EXAMPLE.read_bytes()


@pytest.fixture
def edited(example):
    """edited(sheet, cell, value, ...) -> the example workbook with those cells changed."""

    def change(*edits) -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(example))
        for sheet, cell, value in edits:
            book[sheet][cell] = value
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return change


def test_the_hand_written_example_imports_with_both_languages_and_its_logic(example):
    q = load_xlsform(example)
    assert (q.code, q.version, q.languages, q.needs_review) == (
        "family",
        1,
        ("zh-Hans", "ug"),
        ("ug",),
    )
    assert q.intro.startswith("您好") and dict(q.intros)["ug"].startswith("ياخشىمۇسىز")
    assert q.title_in("ug") == "ئاتا-ئانىلار سوئالنامىسى"
    q3 = q.item("Q3")
    assert q3.relevant == "${BAND} = 'j'" and q3.hint == "初中学生家长作答"
    assert q.item("GRADE").choice_filter == "BAND"
    assert [o.filter for o in q.item("GRADE").options] == ["p"] * 6 + ["j"] * 3
    assert q.item("THANKS").type == "note" and q.overall_item.code == "Q5"
    assert q.item("Q1").options[0].label_in("ug") == "رازى"
    # the one validator applies its conditions and filter
    primary = {"BAND": "p", "GRADE": "3", "Q1": "1", "Q2": "2", "Q4": "1", "Q5": "1"}
    cleaned, faults = check_answers(q, frozenset({"parent"}), {**primary, "Q3": "4"})
    assert faults == {} and cleaned["Q3"] == ""  # not asked at a 小学: dropped
    _, faults = check_answers(q, frozenset({"parent"}), {**primary, "GRADE": "8"})
    assert set(faults) == {"GRADE"}  # 八年级 is not a 小学 grade
    _, faults = check_answers(q, frozenset({"parent"}), {**primary, "BAND": "j", "GRADE": "8"})
    assert set(faults) == {"Q3"}  # asked in 初中, and missing


def test_every_definition_survives_export_and_import_unchanged(example):
    shipped = list(load_registry().versions.values())
    for q in [*shipped, load_xlsform(example)]:
        again = load_xlsform(write_xlsform(q))
        assert again == q, q.code
        assert again.item(q.items[1].code).text == q.items[1].text  # “双减” keeps its quotes


@pytest.mark.parametrize(
    "edits, sheet, row, column, says",
    [
        ([("survey", "A5", "select_one stars")], "survey", 5, "type", "stars"),
        ([("survey", "B6", "Q1")], "survey", 6, "name", "unique"),
        ([("survey", "A9", "geopoint")], "survey", 9, "type", "不支持的题型"),
        ([("survey", "G5", "${BAND} > 'j'")], "survey", 5, "relevant", "无法识别"),
        ([("survey", "G5", "${Q9} = '1'")], "survey", 5, "relevant", "Q9"),
        ([("survey", "G5", "${Q4} = '1'")], "survey", 5, "", "not an earlier"),
        ([("survey", "H4", "band = ${BAND} and 1")], "survey", 4, "choice_filter", "只支持"),
        ([("survey", "I5", "maybe")], "survey", 5, "scored", "yes 或 no"),
        ([("choices", "H16", "lots")], "choices", 16, "score", "不是数字"),
        ([("settings", "B2", "Family")], "settings", 2, "form_id", "问卷代码"),
    ],
)
def test_a_broken_workbook_names_sheet_row_and_column(edited, edits, sheet, row, column, says):
    with pytest.raises(XLSFormError) as info:
        read_xlsform(edited(*edits))
    problems = info.value.problems
    assert any(
        p.sheet == sheet and p.row == row and p.column == column and says in p.message
        for p in problems
    ), problems


def test_a_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(XLSFormError) as info:
        read_xlsform(b"not a spreadsheet")
    assert "不是有效的 Excel 文件" in str(info.value)
