"""Fixtures of the statistics tests: the QCA oracle of R QCA 3.25 reference results.

The oracle is read at test time from ``../shared/data/qca-oracle/`` beside the clone
(CI lays a copy of shared/ there), or from the directory named by ``ODAS_QCA_ORACLE``.
It is never copied into the project. Without it, the oracle tests are skipped with the
reason.

Every entry of ``r_qca_fixtures.json`` becomes one test case: tests ask for an argument
named ``<section>_case`` (``calibration_case``, ``pof_case``...) and are parametrised
over that section's entries (``necessity_case`` over each candidate of each screen).

Tests marked ``slow`` under tests/stats (scipy's enumeration of all 11! re-pairings,
one and a half to three minutes on the project's machines) are skipped unless the run selects them
with ``-m slow`` or sets ``ODAS_RUN_SLOW=1``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest

from odas_analysis.config import PROJECT_ROOT

ORACLE_ENV = "ODAS_QCA_ORACLE"
RUN_SLOW_ENV = "ODAS_RUN_SLOW"

#: Sections of r_qca_fixtures.json with reference results; each is tested entry by entry.
ORACLE_SECTIONS = ("calibration", "pof", "analyses", "intermediate", "necessity_screens", "multivalue")


def oracle_path() -> Path:
    """Directory of the QCA oracle (``ODAS_QCA_ORACLE`` wins over ``../shared``)."""
    value = os.environ.get(ORACLE_ENV, "")
    return Path(value) if value else PROJECT_ROOT.parent / "shared" / "data" / "qca-oracle"


@cache
def load_oracle() -> dict | None:
    """The parsed ``r_qca_fixtures.json``, or ``None`` when the oracle is absent."""
    path = oracle_path() / "r_qca_fixtures.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _skip_reason() -> str:
    return f"QCA oracle not found at {oracle_path()} (set {ORACLE_ENV} or lay shared/ beside the clone)"


def _cases(fixtures: dict, section: str) -> list:
    if section == "necessity_screens":
        return [
            pytest.param((screen, cand), id=f"{screen['id']}:{cand['expression']}")
            for screen in fixtures[section]
            for cand in screen["candidates"]
        ]
    return [
        pytest.param(entry, id=str(entry.get("id") or f"{entry.get('expression')}-{entry.get('relation')}"))
        for entry in fixtures[section]
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for section in ORACLE_SECTIONS:
        argname = ("necessity" if section == "necessity_screens" else section.rstrip("s")) + "_case"
        if section == "analyses":
            argname = "analysis_case"
        if argname not in metafunc.fixturenames:
            continue
        fixtures = load_oracle()
        if fixtures is None:
            metafunc.parametrize(argname, [pytest.param(None, marks=pytest.mark.skip(reason=_skip_reason()))])
        else:
            metafunc.parametrize(argname, _cases(fixtures, section))


@pytest.fixture(scope="session")
def oracle() -> dict:
    """The whole fixtures file, or skip."""
    fixtures = load_oracle()
    if fixtures is None:
        pytest.skip(_skip_reason())
    return fixtures


@pytest.fixture(scope="session")
def oracle_dir() -> Path:
    """The oracle directory (for the Lipset CSV files), or skip."""
    path = oracle_path()
    if not (path / "LF.csv").is_file():
        pytest.skip(_skip_reason())
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(RUN_SLOW_ENV) == "1" or "slow" in (config.getoption("markexpr") or ""):
        return
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(
        reason=f"slow (scipy enumerates 11! re-pairings, 1.5-3 min): run with -m slow or {RUN_SLOW_ENV}=1"
    )
    for item in items:
        if "slow" in item.keywords and here in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)
