"""The layers of survey/: infrastructure, services, then the apps' views; never the other way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SURVEY = Path(__file__).resolve().parents[2] / "survey"
#: package -> the survey packages its modules may not import
FORBIDDEN = {
    "core": ("services", "web", "console", "reports", "auth", "respondent", "importing", "cli"),
    "services": ("web", "console", "reports.routes", "auth", "respondent", "cli"),
    "importing": ("web", "console", "reports", "auth", "respondent", "cli"),
    "models": ("services", "web", "console", "reports", "auth", "respondent", "importing", "cli"),
    "console": ("respondent", "reports.routes"),
    "reports": ("console", "respondent"),
    "respondent": ("console", "reports", "auth", "importing", "cli"),
}


def imported(path: Path, root: Path) -> set[str]:
    """The survey modules a file imports, as dotted names under survey."""
    package = path.relative_to(root).parent.parts
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                name = ".".join([*base, node.module] if node.module else base)
            elif (node.module or "").startswith("survey."):
                name = node.module.removeprefix("survey.")
            else:
                continue
            out.add(name)
            out.update(f"{name}.{alias.name}" if name else alias.name for alias in node.names)
    return out


def violations(root: Path, layer: str) -> list[str]:
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in sorted(imported(path, root)):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                found.append(f"{path.relative_to(root)} imports survey.{name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    assert violations(SURVEY, layer) == []


def test_the_rule_sees_a_forbidden_import(tmp_path):
    """The check itself: a service importing a view, relatively or absolutely, is caught."""
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "a.py").write_text("from ..console import campaigns\n")
    (tmp_path / "services" / "b.py").write_text("from survey.web.labels import X\n")
    (tmp_path / "services" / "c.py").write_text("from ..reports.data import run_analysis\n")
    assert violations(tmp_path, "services") == [
        "services/a.py imports survey.console",
        "services/a.py imports survey.console.campaigns",
        "services/b.py imports survey.web.labels",
        "services/b.py imports survey.web.labels.X",
    ]


def test_the_labels_name_every_method_and_screening_rule_the_analysis_knows():
    """The CLI and the console offer the choices the labels name: they must be the analysis's."""
    from analysis.breakdowns import METHODS
    from analysis.quality import RULES
    from survey.web.labels import METHOD_LABELS, SCREEN_RULE_LABELS

    assert list(METHOD_LABELS) == list(METHODS)
    assert set(SCREEN_RULE_LABELS) == set(RULES)
