"""environment.yml carries exactly the lock's pins."""

from __future__ import annotations

from odas_analysis.config import PROJECT_ROOT
from odas_analysis.envfile import environment_yml, locked_pins


def test_committed_environment_yml_matches_the_lock():
    lock = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")
    committed = (PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8")
    assert committed == environment_yml(lock), "run `make lock` (or python -m odas_analysis.envfile)"


def test_design_card_packages_are_pinned():
    pins = dict(locked_pins((PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")))
    for package in (
        "jupyterlab",
        "pandas",
        "numpy",
        "matplotlib",
        "seaborn",
        "statsmodels",
        "papermill",
        "nbconvert",
        "pytest",
        "nbval",
    ):
        assert package in pins, package
        assert pins[package][0].isdigit()


def test_locked_pins_parses_extras_and_markers():
    text = "foo[bar]==1.2.3 \\\n    --hash=sha256:abc\nbaz==0.1 ; python_version >= '3.11'\n# comment==9\n"
    assert locked_pins(text) == [("foo", "1.2.3"), ("baz", "0.1")]
