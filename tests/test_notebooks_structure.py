"""Checks of the committed notebooks (site, methodologie, hypothese, synthese, territoire).

Their outputs are compared cell by cell by nbval (``pytest --nbval notebooks/``); these
tests check what nbval does not: the pairing with the percent scripts, the parameters
cell and its defaults, the project kernel, thin cells, captions, no machine-specific or
volatile output, and the "données simulées" mark where fieldwork data are shown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from odas_analysis.config import NOTEBOOKS_DIR

NOTEBOOKS = ("site", "methodologie", "hypothese", "synthese", "territoire")
DEFAULTS = {
    "site": {"site_id": "angers"},
    "hypothese": {"hypothesis_id": "H1"},
    "methodologie": {},
    "synthese": {},
    "territoire": {"territory_code": "59350"},
}
CHECKERS = {
    "site_id": "study.check_site_id",
    "hypothesis_id": "study.check_hypothesis_id",
    "territory_code": "profile.check_territory_code",
}
USES_FIELDWORK = {"site", "hypothese", "methodologie"}  # methodologie: the Holm table of H1-H5
MAX_CODE_LINES = 6


def _load(name: str) -> dict:
    return json.loads((NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def test_jupytext_config_pairs_ipynb_with_percent_scripts():
    config = (NOTEBOOKS_DIR / "jupytext.toml").read_text(encoding="utf-8")
    assert re.search(r'formats\s*=\s*"ipynb,py:percent"', config)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_ipynb_and_script_hold_the_same_cells(name):
    jupytext = pytest.importorskip("jupytext")
    script = jupytext.read(NOTEBOOKS_DIR / f"{name}.py")
    notebook = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
    assert [(c.cell_type, c.source) for c in script.cells] == [(c.cell_type, c.source) for c in notebook.cells]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_and_defaults(name):
    nb = _load(name)
    tagged = [c for c in _code_cells(nb) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    namespace: dict = {}
    exec(_source(tagged[0]), namespace)  # noqa: S102 - our own notebook's parameters cell
    assert {k: v for k, v in namespace.items() if not k.startswith("__")} == DEFAULTS[name]
    if DEFAULTS[name]:
        key = next(iter(DEFAULTS[name]))
        following = _source(_code_cells(nb)[_code_cells(nb).index(tagged[0]) + 1])
        assert f"{key} = {CHECKERS[key]}({key})" in following


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_project_kernel(name):
    assert _load(name)["metadata"]["kernelspec"]["name"] == "odas-analysis"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_cells_are_thin_and_read_no_shared_files(name):
    for cell in _code_cells(_load(name)):
        src = _source(cell)
        lines = [ln for ln in src.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) <= MAX_CODE_LINES, src
        assert not re.search(r"^\s*(def|class)\s", src, re.M), "logic belongs in src/odas_analysis"
        assert "shared" not in src and "read_csv" not in src
        assert "plt.show" not in src and ".summary()" not in src


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_exported_table_has_a_caption(name):
    for cell in _code_cells(_load(name)):
        src = _source(cell)
        if "export.table(" in src:
            assert "caption=" in src, src


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_outputs_are_complete_and_deterministic(name):
    nb = _load(name)
    cells = _code_cells(nb)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "run top to bottom, once, before committing"
    for cell in cells:
        assert "execution" not in cell.get("metadata", {}), "timings must not be committed"
        for out in cell["outputs"]:
            assert out["output_type"] != "error"
            assert out["output_type"] != "execute_result", "end the line with ';' (paths would leak)"
            plain = out.get("data", {}).get("text/plain", out.get("text", ""))
            plain = plain if isinstance(plain, str) else "".join(plain)
            assert "<Figure size" not in plain
            assert not re.search(r"0x[0-9a-f]{6,}", plain)
            assert "/work/" not in plain and str(Path.home()) not in plain
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", plain


def _html(out: dict) -> str:
    text = out.get("data", {}).get("text/html", "")
    return text if isinstance(text, str) else "".join(text)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_figures_are_displayed_as_png_images_with_alternative_text(name):
    cells = _code_cells(_load(name))
    images = [_html(out) for cell in cells for out in cell["outputs"] if "<img" in _html(out)]
    exported = sum(_source(c).count("export.figure(") for c in cells)
    assert len(images) == exported
    assert sum(_source(c).count("alt=") for c in cells if "export.figure(" in _source(c)) == exported
    for page in images:
        assert 'src="data:image/png;base64,' in page
        alt = re.search(r'alt="([^"]*)"', page)
        assert alt and len(alt.group(1).split()) >= 6, "describe the figure in a French sentence"
        assert "No description" not in page
    assert not [out for cell in cells for out in cell["outputs"] if "image/png" in out.get("data", {})]


@pytest.mark.parametrize("name", sorted(USES_FIELDWORK))
def test_fieldwork_outputs_are_marked_simulated(name):
    render = pytest.importorskip("odas_analysis.batch.pages")
    fieldwork = pytest.importorskip("odas_analysis.fieldwork")
    nb = _load(name)
    if fieldwork.data_source()["synthetic"]:
        assert render.is_simulated(nb)
        assert "Données simulées" in json.dumps(nb, ensure_ascii=False)


@pytest.mark.parametrize("name", sorted(set(NOTEBOOKS) - USES_FIELDWORK))
def test_notebooks_without_fieldwork_are_not_marked_simulated(name):
    render = pytest.importorskip("odas_analysis.batch.pages")
    assert not render.is_simulated(_load(name))


def test_the_territory_page_shows_public_data_only():
    """The ``territoire`` page reads only the national files: no simulated mark anywhere on it."""
    text = json.dumps(_load("territoire"), ensure_ascii=False)
    assert "simulé" not in text.lower()
    assert "secret statistique" not in text or "n.d." in text
    assert "Lille" in text and "Métropole Européenne de Lille" in text  # the default: commune 59350
