"""End-to-end tests of ``odas-analysis run`` on the fixture notebooks.

Two sites into a temporary output root: pages, figures, tables and manifest exist;
the reviewers' page names the site and shows no code; a second run skips; a run that
fails leaves the others finished, its notebook kept with the traceback, the previous
page untouched and the exit code 1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
pytestmark = pytest.mark.timeout(600)


def run_cli(
    out: Path, *args: str, notebooks: Path = FIXTURES / "batch", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--notebooks", str(notebooks), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=540, env=env)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Run the batch twice for two sites; return the output root and both results."""
    from odas_analysis.batch.cache import source_digest

    out = tmp_path_factory.mktemp("batch")
    source = source_digest()
    first = run_cli(out, "--site", "angers", "--site", "arras", "--jobs", "2")
    second = run_cli(out, "--site", "angers,arras")
    if source_digest() != source:  # pragma: no cover - only in a tree edited while the tests run
        pytest.skip("the package source changed during the test: a re-run is then the right answer")
    return out, first, second


def test_first_run_executes_both_sites(batch):
    out, first, _ = batch
    assert first.returncode == 0, first.stdout + first.stderr
    lines = [ln for ln in first.stdout.splitlines() if ln.startswith("[")]
    assert len(lines) == 2 and all(" fait " in ln for ln in lines)
    assert "2 faite(s)" in first.stdout


def test_outputs_exist(batch):
    out = batch[0]
    for name in ("site-angers", "site-arras"):
        assert (out / "build" / "notebooks" / f"{name}.ipynb").is_file()
        for audience in ("reviewers", "researchers"):
            assert (out / "build" / "html" / audience / f"{name}.html").is_file()
        assert sorted(p.name for p in (out / "figures" / name).iterdir()) == [
            "comparaison.json",
            "comparaison.png",
            "comparaison.svg",
            "evolution.json",
            "evolution.png",
            "evolution.svg",
        ]
        assert sorted(p.name for p in (out / "tables" / name).iterdir()) == ["indice.csv", "indice.md", "indice.xlsx"]
    assert (out / "build" / "html" / "index.html").is_file()
    assert not (out / "build" / ".staging" / "site-angers").exists()


def test_reviewers_page_names_the_site_and_hides_code(batch):
    out = batch[0]
    html = (out / "build" / "html" / "reviewers" / "site-arras.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.string == "Site : Arras"
    assert "Arras (Pas-de-Calais)" in soup.get_text()
    assert soup.select(".jp-MarkdownCell")  # the narrative stays
    assert not soup.select(".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-Editor, .highlight")
    assert "fixture_work" not in html and "import " not in soup.get_text()
    assert len(soup.find_all("img")) == 2
    assert all(img["src"].startswith("data:image/png;base64,") for img in soup.find_all("img"))
    assert "<script src=" not in html  # standalone: nothing fetched from the network


def test_a_page_links_the_report_page_that_shows_its_run(batch):
    """The link comes with the job, read from report/ once by the leader (the workers do not parse it)."""
    from odas_analysis.batch.pages import report_pages

    link, _label = report_pages()["site-arras"]
    for audience in ("reviewers", "researchers"):
        html = (batch[0] / "build" / "html" / audience / "site-arras.html").read_text(encoding="utf-8")
        assert f'href="{link}">Dans le rapport' in html, audience


def test_researchers_page_shows_code(batch):
    out = batch[0]
    soup = BeautifulSoup((out / "build" / "html" / "researchers" / "site-arras.html").read_text(), "html.parser")
    code = soup.select(".jp-CodeCell .jp-InputArea")
    assert code and "fixture_work.page" in soup.get_text()
    assert 'site_id = "arras"' in soup.get_text()  # papermill's injected parameters


def test_index_links_the_pages_in_french(batch):
    out = batch[0]
    soup = BeautifulSoup((out / "build" / "html" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "fr"
    links = {a.get_text(): a["href"] for a in soup.find_all("a")}
    assert links["Angers"] == "reviewers/site-angers.html"
    assert links["Arras"] == "reviewers/site-arras.html"
    assert "(avec le code)" in links


def test_executed_notebook_is_papermills(batch):
    out = batch[0]
    nb = json.loads((out / "build" / "notebooks" / "site-angers.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"] == {"site_id": "angers"}
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    assert ["injected-parameters"] in tags
    counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))  # the warm-up left no trace


def test_manifest(batch):
    out = batch[0]
    manifest = json.loads((out / "build" / "manifest.json").read_text())
    entry = manifest["runs"]["site-angers"]
    assert entry["status"] == "skipped"  # the second run
    assert entry["outputs"]["html_reviewers"] == "build/html/reviewers/site-angers.html"
    assert set(entry["inputs"]) == {"key", "notebook", "parameters", "data", "source", "environment", "page"}
    assert {"python", "papermill", "nbconvert", "nbclient", "ipykernel", "pandas", "matplotlib", "numpy"} <= set(
        entry["tools"]
    )
    assert entry["executed_seconds"] > 0
    assert list(manifest) == sorted(manifest)


def test_second_run_skips(batch):
    _, _, second = batch
    assert second.returncode == 0, second.stderr
    lines = [ln for ln in second.stdout.splitlines() if ln.startswith("[")]
    assert len(lines) == 2 and all("inchangé" in ln for ln in lines)
    assert "0 faite(s), 2 inchangée(s)" in second.stdout


def test_outputs_are_byte_identical_when_forced(batch, tmp_path):
    out = batch[0]
    again = tmp_path / "again"
    result = run_cli(again, "--site", "angers", "--force", "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    for sub in ("figures/site-angers", "tables/site-angers"):
        for path in (out / sub).iterdir():
            assert (again / sub / path.name).read_bytes() == path.read_bytes(), path.name
    for audience in ("reviewers", "researchers"):  # pages too (papermill's random cell id is fixed)
        page = f"build/html/{audience}/site-angers.html"
        assert (again / page).read_bytes() == (out / page).read_bytes(), page


def test_one_failure_does_not_stop_the_others(batch, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(batch[0], out)
    good_page = (out / "build" / "html" / "reviewers" / "site-arras.html").read_bytes()
    good_figure = (out / "figures" / "site-arras" / "evolution.svg").read_bytes()
    result = run_cli(out, "--site", "angers,arras", notebooks=FIXTURES / "failing")
    assert result.returncode == 1
    assert "ÉCHEC" in result.stdout and "site-arras" in result.stdout
    assert "échec volontaire pour arras" in result.stdout
    assert "1 faite(s)" in result.stdout and "1 en échec" in result.stdout
    failed = out / "build" / "notebooks" / "failed" / "site-arras.ipynb"
    text = failed.read_text(encoding="utf-8")
    assert "RuntimeError" in text and "Traceback" in text or "échec volontaire" in text
    # the earlier good outputs of the failed run are untouched
    assert (out / "build" / "html" / "reviewers" / "site-arras.html").read_bytes() == good_page
    assert (out / "figures" / "site-arras" / "evolution.svg").read_bytes() == good_figure
    manifest = json.loads((out / "build" / "manifest.json").read_text())
    assert manifest["runs"]["site-arras"]["status"] == "failed"
    assert manifest["runs"]["site-angers"]["status"] == "done"
    # a failed run is never skipped, even with nothing changed
    again = run_cli(out, "--site", "arras", notebooks=FIXTURES / "failing")
    assert again.returncode == 1 and "0 inchangée(s)" in again.stdout


def test_unknown_site_fails_before_anything(tmp_path):
    result = run_cli(tmp_path, "--site", "lyon")
    assert result.returncode == 2
    assert "lyon" in result.stderr and "villeurbanne" in result.stderr
    assert not (tmp_path / "build").exists()


def test_simulated_page_and_index_entry(tmp_path):
    result = run_cli(tmp_path, "--only", "methodologie", "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "build" / "html" / "reviewers" / "methodologie.html").read_text(encoding="utf-8")
    assert "Données simulées" in page
    index = (tmp_path / "build" / "html" / "index.html").read_text(encoding="utf-8")
    assert "données simulées" in index


@pytest.mark.skipif(os.environ.get("ODAS_SKIP_NOFORK") == "1", reason="asked to skip")
def test_without_fork_same_figures(batch, tmp_path):
    """Kernels launched afresh (no zygote) give the same files as forked ones."""
    from odas_analysis.batch.plan import plan
    from odas_analysis.batch.run import run_batch

    runs = plan(sites=["angers"], notebooks_dir=FIXTURES / "batch")
    result = run_batch(runs, out=tmp_path, jobs=1, fork_kernels=False, progress=None)
    assert result.ok, result.failed
    for path in (batch[0] / "figures" / "site-angers").iterdir():
        assert (tmp_path / "figures" / "site-angers" / path.name).read_bytes() == path.read_bytes()


def test_unforkable_zygote_falls_back_to_launched_kernels(tmp_path):
    """A template importing a module that starts a thread: kernels are launched afresh."""
    result = run_cli(tmp_path, "--site", "angers", "--jobs", "1", notebooks=FIXTURES / "threaded")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kernels launched afresh" in result.stderr
    assert "site : angers" in (tmp_path / "build" / "html" / "reviewers" / "site-angers.html").read_text()


@pytest.mark.parametrize("notebooks", ["batch", "threaded"], ids=["forked", "launched"])
def test_batch_kernels_keep_no_ipython_history(tmp_path, notebooks):
    """The notebooks' code (which may hold what a person typed) stays out of the user's history.sqlite."""
    ipython_dir = tmp_path / "ipython"
    env = {**os.environ, "IPYTHONDIR": str(ipython_dir)}
    result = run_cli(tmp_path / "out", "--site", "angers", "--jobs", "1", notebooks=FIXTURES / notebooks, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ipython_dir.is_dir()  # the kernels did use this IPython directory
    assert not list(ipython_dir.rglob("history.sqlite*"))


def test_a_participant_name_in_the_outputs_fails_the_batch_and_is_removed(tmp_path):
    """With a private overlay, a name that reaches a page fails the batch; the page is deleted."""
    from odas_analysis.fieldwork.demo import write_fake_overlay

    overlay = tmp_path / "private"
    write_fake_overlay(overlay, 5)
    names = overlay / "participant_names.csv"
    # a participant whose family name is printed by the fixture page of Arras
    names.write_text(names.read_text(encoding="utf-8") + "P-PLANTED,Jeanne Arras\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "odas_analysis.cli",
        "run",
        "--out",
        str(out),
        "--notebooks",
        str(FIXTURES / "batch"),
        "--site",
        "arras",
        "--jobs",
        "1",
    ]
    env = {**os.environ, "ODAS_PRIVATE_DATA": str(overlay)}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=540, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ÉCHEC du contrôle des noms" in result.stdout
    assert "participant P-PLANTED" in result.stdout
    assert "Arras" not in "".join(ln for ln in result.stdout.splitlines() if "P-PLANTED" in ln)  # masked
    for audience in ("reviewers", "researchers"):
        assert not (out / "build" / "html" / audience / "site-arras.html").exists()
    manifest = json.loads((out / "build" / "manifest.json").read_text())
    assert manifest["runs"]["site-arras"]["inputs"]["key"] is None  # executed again next time


def test_a_name_in_an_error_message_is_masked_everywhere_and_its_files_removed(tmp_path):
    """The failing notebook's error names a participant: progress, summary and manifest mask it; no file keeps it."""
    from odas_analysis.fieldwork.demo import write_fake_overlay

    overlay = tmp_path / "private"
    write_fake_overlay(overlay, 5)
    names = overlay / "participant_names.csv"
    names.write_text(names.read_text(encoding="utf-8") + "P-PLANTED,Jeanne Dupuis-Terrail\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "odas_analysis.cli",
        "run",
        "--out",
        str(out),
        "--notebooks",
        str(FIXTURES / "failing"),
    ]
    detail = " : colonne inattendue « Jeanne Dupuis-Terrail »"  # a private column header holding a name
    env = {**os.environ, "ODAS_PRIVATE_DATA": str(overlay), "ODAS_FIXTURE_DETAIL": detail}
    result = subprocess.run(cmd + ["--site", "arras", "--jobs", "1"], capture_output=True, text=True, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    masked = "échec volontaire pour arras : colonne inattendue « J… (21 caractères) »"
    assert masked in result.stdout  # the progress line
    assert "dupuis" not in (result.stdout + result.stderr).lower()
    manifest_text = (out / "build" / "manifest.json").read_text(encoding="utf-8")
    entry = json.loads(manifest_text)["runs"]["site-arras"]
    assert entry["status"] == "failed" and entry["inputs"]["key"] is None
    assert entry["error"] == f"cellule 4: RuntimeError: {masked}"
    assert "dupuis" not in manifest_text.lower()
    leaking = [
        p
        for p in out.rglob("*")
        if p.is_file() and p.suffix in {".ipynb", ".html", ".json", ".csv", ".md", ".svg"} and p.name != "manifest.json"
        if "dupuis" in p.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert leaking == []
    assert not (out / "build" / "notebooks" / "failed" / "site-arras.ipynb").exists()  # deleted by the check


def test_a_worker_leaves_no_kernel_client_connected_after_its_notebooks(tmp_path):
    """papermill's client of each notebook is closed with its kernel: no heartbeat thread piles up."""
    import threading

    from jupyter_client.channels import HBChannel

    from odas_analysis.batch.cache import Layout
    from odas_analysis.batch.plan import plan
    from odas_analysis.batch.pool import Worker, worker_config

    runs = plan(sites=["angers", "arras", "bordeaux"], notebooks_dir=FIXTURES / "batch")
    layout = Layout(tmp_path, "staging")
    worker = Worker(worker_config(runs, layout, "python3", 120))  # kernels launched, not forked
    try:
        for run in runs:
            assert worker.execute(run.to_job())["status"] == "done", run.name
    finally:
        worker.close()
    alive = [t for t in threading.enumerate() if isinstance(t, HBChannel) and t.is_alive()]
    assert alive == [], f"{len(alive)} heartbeat threads still polling kernels that are gone"
