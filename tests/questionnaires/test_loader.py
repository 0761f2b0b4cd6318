"""Questionnaire definitions: the shipped ones are sound; broken ones fail with a clear message."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from questionnaires import GROUPS, QuestionnaireError, load_registry
from questionnaires.loader import DEFINITIONS_DIR, LAYOUTS_FILE


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_six_group_forms_and_three_national_forms(registry):
    six = registry.layouts["six_forms"].forms
    assert set(six) == set(GROUPS) and set(six.values()) == set(GROUPS)
    national = registry.layouts["national_2024"].forms
    assert set(national) == set(GROUPS)
    assert {national[g] for g in ("parent", "deputy", "public")} == {"social"}
    assert national["principal"] == national["teacher"] == "staff"
    assert national["student"] == "student_national"


def test_every_form_has_12_to_20_scored_items_one_overall_and_a_comment(registry):
    for q in registry.latest():
        n_single = sum(1 for i in q.items if i.type == "single" and i.scored and not i.overall)
        assert 12 <= n_single <= 20, (q.code, n_single)
        assert q.overall_item.scored
        assert [i.required for i in q.text_items] == [False]
        for item in q.scored_items:
            assert any(o.recognised for o in item.options)
            assert sum(o.dont_know for o in item.options) == 1, (q.code, item.code)


def test_identity_first_on_shared_forms_and_covers_their_groups(registry):
    for layout in registry.layouts.values():
        for form in set(layout.forms.values()):
            groups = {g for g, f in layout.forms.items() if f == form}
            q = registry.get(form)
            if len(groups) > 1:
                assert q.items[0].identity
                assert groups <= {o.group for o in q.items[0].options}


def _copy_defs(tmp_path: Path) -> Path:
    target = tmp_path / "defs"
    shutil.copytree(DEFINITIONS_DIR, target)
    return target


def _rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


BROKEN = {
    "unknown key": (lambda d: d["items"][0].update(recognized=True), "unknown key"),
    "no overall": (lambda d: [i.pop("overall", None) for i in d["items"]], "overall"),
    "bad scale": (lambda d: d["items"][1].update(scale="sat7"), "unknown scale 'sat7'"),
    "duplicate code": (
        lambda d: d["items"][2].update(code=d["items"][1]["code"]),
        "duplicate item",
    ),
    "version mismatch": (lambda d: d.update(version=2), "does not match the file name"),
    "no recognised": (
        lambda d: [o.pop("recognised", None) for o in d["scales"]["sat"]],
        "no recognised option",
    ),
    "both flags": (lambda d: d["scales"]["sat"][0].update(dont_know=True), "both recognised"),
    "empty text": (lambda d: d["items"][0].update(text="  "), "non-empty string"),
    "bad option code": (lambda d: d["scales"]["sat"][0].update(code="满意"), "option code"),
    "condition on a later item": (
        lambda d: d["items"][1].update(relevant="${P05} = '1'"),
        "item 2 (P02).relevant: ${P05} is not an earlier single-choice item",
    ),
    "condition with an unknown option": (
        lambda d: d["items"][2].update(relevant="${P01} = '7'"),
        "'7' is not an option of P01",
    ),
    "condition with a comparison": (
        lambda d: d["items"][2].update(relevant="${P01} > '1'"),
        "P03).relevant: 无法识别",
    ),
    "condition with a function": (
        lambda d: d["items"][2].update(relevant="count(${P01}) = 1"),
        "不支持“count”",
    ),
    "condition left open": (
        lambda d: d["items"][2].update(relevant="(${P01} = '1'"),
        "此处应为)",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_definition_names_file_and_problem(tmp_path, case):
    change, expected = BROKEN[case]
    defs = _copy_defs(tmp_path)
    _rewrite(defs / "parent.v1.json", lambda d: change(d))
    with pytest.raises(QuestionnaireError) as info:
        load_registry(defs)
    assert "parent.v1.json" in str(info.value) and expected in str(info.value)


def test_invalid_json_and_bad_file_name(tmp_path):
    defs = _copy_defs(tmp_path)
    (defs / "parent.v1.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="parent.v1.json: not valid UTF-8 JSON"):
        load_registry(defs)
    defs = _copy_defs(tmp_path / "b")
    (defs / "parent-new.json").write_text("{}", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="file name must look like"):
        load_registry(defs)


def test_layout_with_unknown_form_is_refused(tmp_path):
    layouts = json.loads(LAYOUTS_FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(layouts)
    broken["six_forms"]["forms"]["parent"] = "parents"
    path = tmp_path / "layouts.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="unknown questionnaire 'parents'"):
        load_registry(None, path)


def test_older_versions_stay_loadable_beside_newer(tmp_path, registry):
    defs = _copy_defs(tmp_path)
    _rewrite(defs / "parent.v1.json", lambda d: None)
    v2 = defs / "parent.v2.json"
    shutil.copyfile(defs / "parent.v1.json", v2)
    _rewrite(v2, lambda d: d.update(version=2, title="家长问卷（修订）"))
    reg = load_registry(defs)
    assert reg.get("parent").version == 2 and reg.get("parent", 1).title == "家长问卷"


def test_app_refuses_to_start_with_a_broken_definition(tmp_path):
    from survey import create_app

    defs = _copy_defs(tmp_path)
    _rewrite(defs / "teacher.v1.json", lambda d: d["items"][0].update(scale="nope"))
    with pytest.raises(QuestionnaireError, match=r"teacher\.v1\.json.*unknown scale 'nope'"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "NETWORK_SALT": "y",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "QUESTIONNAIRE_DIR": str(defs),
            }
        )


def test_answer_vector_is_one_char_per_choice_item(registry):
    q = registry.get("social", 1)
    answers = {"ID": "4", "SJ01": "1", "SJ02": "9", "C01": "意见"}
    vector = q.encode_vector(answers)
    assert len(vector) == len(q.choice_items) == 14
    assert vector[:3] == "304"  # identity option 4 is index 3; "9" (不了解) is index 4
    assert set(vector[3:]) == {"."}


@pytest.mark.parametrize("review", [[["ug"]], [{"ug": 1}], "ug", [None]])
def test_a_needs_review_that_is_not_a_list_of_language_codes_fails_clearly(review):
    """Found by the loader's fuzz test: a list inside needs_review raised TypeError."""
    from questionnaires.loader import parse_questionnaire

    raw = json.loads((DEFINITIONS_DIR / "parent.v1.json").read_text(encoding="utf-8"))
    raw["needs_review"] = review
    with pytest.raises(QuestionnaireError, match="needs_review"):
        parse_questionnaire(raw, "parent.v1.json")
