"""Generated definitions against the questionnaire loader: a Questionnaire or a clear error.

Starting from real definitions, each case deletes, replaces or adds one or more values
anywhere in the JSON tree (or writes random bytes as a file); the loader must either build
a valid questionnaire or raise QuestionnaireError naming the place - never anything else.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questionnaires import Questionnaire, QuestionnaireError
from questionnaires.loader import load_file, parse_questionnaire
from tests.fuzzing import budget, count

DEFINITIONS = Path(__file__).resolve().parents[2] / "questionnaires" / "definitions"
BASES = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in DEFINITIONS.glob("*.json")}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

pytestmark = pytest.mark.fuzz  # FUZZ_SCALE sets the cases (tests/fuzzing.py)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    doc = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = draw(json_values)
        elif action == "add" and isinstance(parent, list):
            parent.append(draw(json_values))
        else:
            parent[path[-1]] = draw(json_values)
    return name, doc


def test_mutated_definitions_load_or_fail_clearly():
    @budget(2600)
    @given(case=mutated())
    def run(case):
        name, doc = case
        count("questionnaire")
        try:
            q = parse_questionnaire(doc, name)
        except QuestionnaireError as exc:
            assert str(exc).strip()
        else:
            assert isinstance(q, Questionnaire) and q.overall_item in q.items

    run()


def test_any_file_content_loads_or_fails_clearly(tmp_path):
    @budget(400)
    @given(
        content=st.one_of(
            st.binary(max_size=300),
            json_values.map(lambda v: json.dumps(v).encode()),
            st.sampled_from(list(BASES.values())).map(lambda d: json.dumps(d).encode("utf-16")),
        ),
        name=st.sampled_from(["parent.v1.json", "parent.v2.json", "x.json", "parent.json"]),
    )
    def run(content, name):
        path = tmp_path / name
        path.write_bytes(content)
        count("questionnaire-file")
        try:
            load_file(path)
        except QuestionnaireError as exc:
            assert str(path) in str(exc)

    run()
