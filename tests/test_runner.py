"""Unit tests of odas_analysis.batch: plan, parameter validation, cache keys, manifest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from odas_analysis import config
from odas_analysis.batch import cache, pool
from odas_analysis.batch.plan import plan, study_sites
from odas_analysis.batch.run import execution_order, run_batch
from odas_analysis.errors import ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "batch"


def test_full_plan_has_eighteen_runs():
    runs = plan(notebooks_dir=FIXTURES)
    names = [r.name for r in runs]
    assert len(runs) == 18
    assert names[:2] == ["site-angers", "site-arras"]
    assert [n for n in names if n.startswith("hypothese-")] == [f"hypothese-H{i}" for i in range(1, 6)]
    assert names[-2:] == ["methodologie", "synthese"]
    angers = runs[0]
    assert angers.parameters == {"site_id": "angers"} and angers.title == "Site : Angers"
    assert runs[11].parameters == {"hypothesis_id": "H1"}
    assert runs[11].title.startswith("Hypothèse H1 : ")


def test_execution_order_longest_first_then_the_kinds_with_fewest_runs():
    runs = plan(notebooks_dir=FIXTURES)
    never = [r.name for r in execution_order(runs, {})]
    assert never[:7] == ["methodologie", "synthese", *(f"hypothese-H{i}" for i in range(1, 6))]
    assert never[7:] == [r.name for r in runs if r.kind == "site"]  # then in the plan's order
    history = {"site-creil": {"executed_seconds": 9.0}, "hypothese-H3": {"executed_seconds": 4.0}}
    known = [r.name for r in execution_order(runs, history)]
    assert known[:4] == ["site-creil", "hypothese-H3", "methodologie", "synthese"]
    assert sorted(known) == sorted(r.name for r in runs)


def test_site_ids_agree_with_study_module():
    study = pytest.importorskip("odas_analysis.study")
    assert [s for s, _ in study_sites()] == list(study.site_ids())


def test_unknown_site_is_refused_with_the_valid_ids():
    with pytest.raises(ParameterError) as err:
        plan(sites=["angers", "paris"], notebooks_dir=FIXTURES)
    message = str(err.value)
    assert "'paris'" in message and "villeurbanne" in message and "clichy-sous-bois" in message


def test_site_option_narrows_to_site_runs():
    runs = plan(sites=["arras,angers"], notebooks_dir=FIXTURES)
    assert [r.name for r in runs] == ["site-angers", "site-arras"]


def test_only_by_kind_and_name():
    runs = plan(only=["hypothese", "synthese", "site-creil"], notebooks_dir=FIXTURES)
    assert [r.name for r in runs] == ["site-creil"] + [f"hypothese-H{i}" for i in range(1, 6)] + ["synthese"]
    with pytest.raises(ParameterError, match="methodologie"):
        plan(only=["methodo"], notebooks_dir=FIXTURES)


def test_missing_template_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="absent"):
        plan(notebooks_dir=tmp_path)


def test_jobs_must_be_positive(tmp_path):
    with pytest.raises(ParameterError):
        run_batch(plan(sites=["angers"], notebooks_dir=FIXTURES), out=tmp_path, jobs=0)


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data)
    return data


def _edit_site_row(data: Path, site_id: str) -> None:
    path = data / "study" / "sites.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(f"{site_id},"):
            lines[i] = line.replace(f"{site_id},", f"{site_id},", 1).replace("commune", "commune ", 1)
    path.write_text("".join(lines), encoding="utf-8")


def _keys(runs, data: Path) -> dict[str, str]:
    hasher = cache.DataHasher([data])
    source = cache.source_digest()
    env = cache.environment_digest()
    return {r.name: cache.input_hashes(r, hasher, source, env)["key"] for r in runs}


def test_one_site_change_invalidates_that_site_and_cross_site_runs(tmp_path):
    runs = plan(notebooks_dir=FIXTURES)
    data = _copy_data(tmp_path)
    before = _keys(runs, data)
    assert before == _keys(runs, data)  # stable
    _edit_site_row(data, "creil")
    after = _keys(runs, data)
    changed = sorted(n for n in before if before[n] != after[n])
    assert changed == sorted(["site-creil", "methodologie", "synthese"] + [f"hypothese-H{i}" for i in range(1, 6)])


def test_shared_file_change_invalidates_everything(tmp_path):
    runs = plan(notebooks_dir=FIXTURES)
    data = _copy_data(tmp_path)
    before = _keys(runs, data)
    with open(data / "study" / "axes.csv", "a", encoding="utf-8") as fh:
        fh.write("A9,Axe d'essai,ODAS2019,\n")
    after = _keys(runs, data)
    assert all(before[n] != after[n] for n in before)


def test_parameters_and_environment_are_in_the_key(tmp_path, monkeypatch):
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    data = _copy_data(tmp_path)
    base = _keys(runs, data)["site-angers"]
    monkeypatch.setenv(config.DISCLOSURE_THRESHOLD_ENV, "5")
    assert _keys(runs, data)["site-angers"] != base


def test_the_link_to_the_report_is_in_the_key(tmp_path, monkeypatch):
    """A run shown on another page of the report (report/ edited) renders its page again."""
    from odas_analysis.batch import pages

    data = _copy_data(tmp_path)
    base = _keys(plan(sites=["angers"], notebooks_dir=FIXTURES), data)["site-angers"]
    moved = {**pages.report_pages(), "site-angers": ("../../report/ailleurs.html", "l'annexe « Ailleurs »")}
    monkeypatch.setattr(pages, "report_pages", lambda sources=None: moved)
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)  # the plan reads report/ (here: the moved link)
    assert runs[0].report == moved["site-angers"]
    assert _keys(runs, data)["site-angers"] != base


def test_skip_path_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from odas_analysis import export, cli\nfrom odas_analysis.batch import plan, cache, run, pages\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'papermill', 'nbconvert', 'nbclient', 'numpy')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_template_imports_found():
    assert "fixture_work" in pool.template_imports([FIXTURES / "site.ipynb"])


def test_manifest_is_sorted_json(tmp_path):
    layout = cache.Layout(tmp_path)
    cache.write_manifest(layout, {"version": 1, "runs": {"b": {"z": 1, "a": 2}, "a": {}}})
    text = layout.manifest.read_text()
    assert text.index('"a"') < text.index('"b"')
    assert cache.read_manifest(layout)["runs"]["b"] == {"z": 1, "a": 2}
    layout.manifest.write_text("not json")
    assert cache.read_manifest(layout) == {"runs": {}}


def test_pages_link_their_neighbours_even_when_not_planned():
    (arras,) = plan(sites=["arras"], notebooks_dir=FIXTURES)
    assert arras.previous == ("site-angers", "Angers") and arras.next == ("site-bordeaux", "Bordeaux")
    runs = {r.name: r for r in plan(notebooks_dir=FIXTURES)}
    assert runs["site-angers"].previous is None and runs["site-villeurbanne"].next is None
    assert runs["hypothese-H1"].previous is None and runs["hypothese-H2"].previous[0] == "hypothese-H1"
    assert runs["hypothese-H2"].previous[1].startswith("H1 : ")  # « Hypothèse précédente : H1 : … »
    assert runs["synthese"].navigation == {"kind": "synthese", "previous": None, "next": None}
