"""The house rules a newcomer can rely on: modules and functions one can hold in mind, one helper per idea.

These are checks of the source tree itself (see CONTRIBUTING.md): they fail when a module
grows past what one reads in a sitting, when a function grows past a screen or two, or
when a second copy of a shared helper (atomic write, French number) appears.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "odas_analysis"

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80

#: Modules allowed to be longer, and why.
LONG_MODULES = {
    "stats/qca.py": "mirrors R's QCA package function by function (its expression parser lives apart)",
}

#: Functions allowed to be longer: declarations, not logic.
LONG_FUNCTIONS = {
    "cli.py:build_parser": "the command line's declarative table of options",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_module_is_short_enough(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if _rel(path) in LONG_MODULES:
        return
    assert lines <= MAX_MODULE_LINES, (
        f"{_rel(path)} has {lines} lines (at most {MAX_MODULE_LINES}): split it by concern"
    )


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_functions_are_short_enough(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    too_long = []
    for fn in _functions(tree):
        length = fn.end_lineno - fn.lineno + 1
        if length > MAX_FUNCTION_LINES and f"{_rel(path)}:{fn.name}" not in LONG_FUNCTIONS:
            too_long.append(f"{fn.name} ({length} lines)")
    assert not too_long, f"{_rel(path)}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(too_long)}"


# One helper per idea: the shared helpers are the only places that do these things.
SINGLE_HOMES = [
    (re.compile(r"\bos\.replace\("), {"files.py"}, "atomic writes and directory swaps go through odas_analysis.files"),
    (re.compile(r"^NNBSP\s*=", re.M), {"french.py"}, "French number typography lives in odas_analysis.french"),
    (re.compile(r"^def (fr_number|format_number|format_percent|fr_pvalue)\b", re.M), set(), "use odas_analysis.french"),
    (re.compile(r"^class IndicatorSpec\b", re.M), None, "one indicator registry"),
]


@pytest.mark.parametrize("pattern,homes,why", SINGLE_HOMES, ids=[w for _, _, w in SINGLE_HOMES])
def test_one_home_per_helper(pattern, homes, why):
    found = sorted(_rel(p) for p in _modules() if pattern.search(p.read_text(encoding="utf-8")))
    if homes is None:  # defined at most once, wherever it is
        assert len(found) <= 1, f"{why}: defined in {found}"
    else:
        assert set(found) <= homes, f"{why}: also in {sorted(set(found) - homes)}"
