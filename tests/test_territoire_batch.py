"""``odas-analysis run --territory CODE``: the plan, the refusal of an unknown code, the pages.

The end-to-end run executes the project's own ``notebooks/territoire.ipynb`` for the
Métropole Européenne de Lille and a small commune whose Filosofi values are secret (the
committed outputs cover Lille, checked by nbval). Skips without ``ODAS_NATIONAL_DATA``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from odas_analysis.config import NOTEBOOKS_DIR
from odas_analysis.errors import ParameterError

pytestmark = pytest.mark.timeout(600)


def test_one_run_per_distinct_code(national_dir):
    from odas_analysis.batch.plan import plan

    runs = plan(territories=["59350", "200093201,59350"], national_dir=national_dir)
    assert [r.name for r in runs] == ["territoire-59350", "territoire-200093201"]
    assert runs[0].parameters == {"territory_code": "59350"} and runs[0].template.name == "territoire.ipynb"
    assert runs[0].title == "Territoire : Lille (59350)"
    assert runs[0].next == ("territoire-200093201", "Métropole Européenne de Lille (200093201)")
    with_site = plan(sites=["creil"], territories=["2A004"], national_dir=national_dir)
    assert [r.name for r in with_site] == ["site-creil", "territoire-2a004"]
    everything = plan(national_dir=national_dir)
    assert not [r for r in everything if r.kind == "territoire"]  # none unless asked for
    assert [r.name for r in plan(only=["synthese"], territories=["59350"], national_dir=national_dir)] == [
        "synthese",
        "territoire-59350",
    ]


def test_an_unknown_code_is_refused_naming_the_file(national_dir):
    from odas_analysis.batch.plan import plan

    with pytest.raises(ParameterError) as err:
        plan(territories=["59350", "99999"], national_dir=national_dir)
    assert "99999" in str(err.value) and str(national_dir / "geo/communes_2026.csv") in str(err.value)
    result = subprocess.run(
        [sys.executable, "-m", "odas_analysis.cli", "run", "--territory", "200000000", "--list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "code territorial inconnu '200000000'" in result.stderr and "geo/epci_2026.csv" in result.stderr


def test_the_territory_pages_of_an_epci_and_a_small_commune(national_dir, tmp_path):
    cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(tmp_path), "--notebooks", str(NOTEBOOKS_DIR)]
    result = subprocess.run(
        [*cmd, "--territory", "200093201", "--territory", "01006", "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    html = tmp_path / "build" / "html"
    mel = (html / "reviewers" / "territoire-200093201.html").read_text(encoding="utf-8")
    small = (html / "reviewers" / "territoire-01006.html").read_text(encoding="utf-8")
    assert "Métropole Européenne de Lille" in mel and "absente du fichier" in mel
    assert "Ambléon" in small and "secret statistique" in small and "n.d." in small
    for page in (mel, small):
        assert "simulé" not in page.lower()  # public data only
    index = (html / "index.html").read_text(encoding="utf-8")
    assert "<h2>Territoires</h2>" in index and "Ambléon" in index
    for name in ("fiche", "indicateurs", "voisins"):
        assert (tmp_path / "tables" / "territoire-01006" / f"{name}.csv").is_file()
    for name in ("references", "distribution"):
        assert (tmp_path / "figures" / "territoire-200093201" / f"{name}.svg").is_file()
