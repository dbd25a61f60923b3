"""The « données simulées » mark sits on each table and figure built from the demonstration set, and only there.

What is built from the demonstration set is found without reading the marks: the batch
runs the site and hypothesis notebooks twice, on the demonstration set and on another
draw of it (``write_fake_overlay`` with another seed, still flagged synthetic, so the
captions and marks are the same in both runs). A table or figure whose bytes change
between the two runs depends on the fieldwork records; one whose bytes stay the same is
built from public data (or from no data at all). The marks must follow exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from odas_analysis import export
from odas_analysis.fieldwork import demo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

RUNS = ("site-angers", "hypothese-H2", "methodologie")
PUBLIC_DATA = os.environ.get("ODAS_NATIONAL_DATA", "/work/shared/data")


def _run(out: Path, private: Path | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ODAS_PRIVATE_DATA"}
    env["ODAS_NATIONAL_DATA"] = PUBLIC_DATA
    if private is not None:
        env["ODAS_PRIVATE_DATA"] = str(private)
    cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--jobs", "1"]
    for run in RUNS:
        cmd += ["--only", run]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=800, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    if not Path(PUBLIC_DATA).is_dir():
        pytest.skip(f"fichiers nationaux absents ({PUBLIC_DATA})")
    demo_out = tmp_path_factory.mktemp("demo")
    other_out = tmp_path_factory.mktemp("autre")
    overlay = demo.write_fake_overlay(tmp_path_factory.mktemp("prive"), 0, seed=demo.SEED + 7)
    _run(demo_out, None)
    _run(other_out, overlay)
    return demo_out, other_out


def _exports(root: Path) -> dict[tuple[str, str, str], Path]:
    """(kind, run, name) -> the file whose bytes carry the export's content."""
    found = {}
    for run in RUNS:
        for path in sorted((root / "tables" / run).glob("*.csv")):
            found[("tables", run, path.stem)] = path
        for path in sorted((root / "figures" / run).glob("*.svg")):
            found[("figures", run, path.stem)] = path
    return found


def _marked(kind: str, path: Path) -> bool:
    if kind == "tables":
        header = next(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
        marked = header.split(",")[-1] == export.SIMULATED_COLUMN
        md = path.with_suffix(".md").read_text(encoding="utf-8")
        assert marked == ("**Données simulées**" in md), path
        return marked
    legend = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    marked = legend[export.SIMULATED_KEY]
    assert isinstance(marked, bool), path
    assert marked == (f'id="{export.SIMULATED_GID}"' in path.read_text(encoding="utf-8")), path  # drawn in the image
    if marked:
        assert "données simulées" in legend["alt"].lower() and "données simulées" in legend["legende"].lower()
    return marked


def test_marks_follow_what_is_built_from_the_demonstration_set(batches):
    demo_out, other_out = batches
    first, second = _exports(demo_out), _exports(other_out)
    assert first.keys() == second.keys() and len(first) > 10
    built_on_demo = {key for key, path in first.items() if path.read_bytes() != second[key].read_bytes()}
    marked = {key for key, path in first.items() if _marked(key[0], path)}
    assert marked == built_on_demo, {
        "marqués sans être simulés": marked - built_on_demo,
        "simulés sans marque": built_on_demo - marked,
    }
    # both kinds exist on both sides, so the test can fail either way
    assert {k[0] for k in marked} == {"tables", "figures"}
    assert {k[0] for k in set(first) - marked} == {"tables", "figures"}
    assert ("tables", "hypothese-H2", "indicateurs-publics") in set(first) - marked
    assert ("tables", "site-angers", "territoire") in set(first) - marked


def test_mixed_pages_say_which_parts_are_simulated(batches):
    demo_out, _ = batches
    for run in RUNS:
        html = (demo_out / "build" / "html" / "reviewers" / f"{run}.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        header = soup.select_one("header.odas-bandeau")
        assert "Données réelles et données simulées" in header.get_text(), run
        files = {li.a.get_text(): li.get_text() for li in header.select("ul.odas-fichiers li")}
        for name, text in files.items():
            stem, suffix = name.rsplit(".", 1)
            kind = "figures" if suffix in ("svg", "png") else "tables"
            path = demo_out / kind / run / (stem + (".svg" if kind == "figures" else ".csv"))
            assert ("données simulées" in text) == _marked(kind, path), (run, name)


def test_the_public_table_is_real_on_the_hypothesis_page(batches):
    demo_out, other_out = batches
    csv = demo_out / "tables" / "hypothese-H2" / "indicateurs-publics.csv"
    assert csv.read_bytes() == (other_out / "tables" / "hypothese-H2" / "indicateurs-publics.csv").read_bytes()
    text = csv.read_text(encoding="utf-8")
    assert "données réelles" in text and "n'entrent pas dans le verdict" in text
    assert export.SIMULATED_COLUMN not in text
