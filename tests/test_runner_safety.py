"""The batch under attack and faults, in-process: crafted ids, malformed study tables, full disk, names.

Each attack of issue 13 that does not need a second process: a path-traversal
``site_id`` (nothing outside the output root may change), the malformed ``sites.csv``
files that used to crash, a full disk while a failed notebook or the manifest is
written, a participant name in an error message, and the settings of the cache key.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import shutil
from pathlib import Path

import pytest

from odas_analysis import config, files
from odas_analysis.batch import cache, pool
from odas_analysis.batch.ledger import Ledger
from odas_analysis.batch.names import NameMask
from odas_analysis.batch.plan import Run, plan
from odas_analysis.batch.run import _own_staging, run_batch
from odas_analysis.errors import OdasError, ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "batch"


def _study_copy(tmp_path: Path) -> Path:
    study = tmp_path / "study"
    study.mkdir()
    for name in ("sites.csv", "hypotheses.csv"):
        shutil.copy(config.STUDY_DIR / name, study / name)
    return study


def _add_site_row(study: Path, **changes: str) -> None:
    path = study / "sites.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    row = {**rows[0], **changes}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([*rows, row])
    path.write_text(buf.getvalue(), encoding="utf-8")


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- crafted ids


def test_a_path_traversal_site_id_is_refused_before_anything_is_created(tmp_path):
    victim = tmp_path / "victim"
    (victim / "sub").mkdir(parents=True)
    (victim / "sub" / "precious.txt").write_text("à garder", encoding="utf-8")
    before = _snapshot(tmp_path)
    study = _study_copy(tmp_path)
    _add_site_row(study, site_id="../../../../../victim", name="Victime")
    with pytest.raises(ParameterError) as err:
        plan(study_dir=study, notebooks_dir=FIXTURES, only=["site-../../../../../victim"])
    message = str(err.value)
    assert "sites.csv" in message and "ligne 13" in message and "site_id" in message
    # a run forged past the plan is refused by the layout itself, before the output root is touched
    out = tmp_path / "a" / "b" / "out"
    forged = Run("site-../../../victim", "site", FIXTURES / "site.ipynb", {"site_id": "x"}, "Site : X", "x")
    with pytest.raises(ParameterError, match="refusé"):
        run_batch([forged], out=out, progress=None)
    assert not out.exists()
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("study/")} == before


def test_every_derived_path_stays_under_the_root(tmp_path):
    layout = cache.Layout(tmp_path, "lot")
    for build in (layout.figures, layout.tables, layout.notebook, layout.failed_notebook, layout.staging):
        with pytest.raises(ParameterError):
            build("../../dehors")
        with pytest.raises(ParameterError):
            build("../voisin")  # under the root, but out of its own folder
    with pytest.raises(ParameterError):
        layout.page("site-angers", "../../..")
    assert layout.figures("site-angers") == tmp_path.resolve() / "figures" / "site-angers"


def test_ids_that_are_not_slugs_are_refused_by_pattern(tmp_path):
    study = _study_copy(tmp_path)
    _add_site_row(study, site_id="Le Havre")
    with pytest.raises(
        ParameterError, match=r"sites\.csv, ligne 13, colonne « site_id » : identifiant refusé 'Le Havre'"
    ):
        plan(study_dir=study, notebooks_dir=FIXTURES)


# --------------------------------------------------------------------------- malformed sites.csv


def test_malformed_sites_csv_files_are_refused_clearly(tmp_path):
    study = _study_copy(tmp_path)
    sites = study / "sites.csv"
    original = sites.read_bytes()

    sites.write_bytes(
        original.replace("Créteil".encode(), "Créteil".encode("latin-1"))
        .replace("Réciprocité".encode(), "Réciprocité".encode("latin-1"))
        .replace("é".encode(), "é".encode("latin-1"))
    )
    with pytest.raises(ParameterError, match=r"sites\.csv, ligne \d+ : l'octet 0xe9 n'est pas de l'UTF-8"):
        plan(study_dir=study, notebooks_dir=FIXTURES)

    sites.write_bytes(original.splitlines(keepends=True)[0])
    with pytest.raises(ParameterError, match="aucune ligne après l'en-tête"):
        plan(study_dir=study, notebooks_dir=FIXTURES)

    sites.write_bytes(original)
    _add_site_row(study, site_id="long", source_detail="x" * 140_000)
    with pytest.raises(ParameterError, match=r"sites\.csv, ligne \d+ : ligne CSV illisible"):
        plan(study_dir=study, notebooks_dir=FIXTURES)

    sites.write_bytes(original.replace(b"site_id,", b"identifiant,", 1))
    with pytest.raises(ParameterError, match=r"ligne 1 : colonne\(s\) absente\(s\) : site_id"):
        plan(study_dir=study, notebooks_dir=FIXTURES)


def test_a_byte_order_mark_is_refused_naming_file_line_and_rule(tmp_path):
    # the same rule as `odas-analysis validate`: a BOM is refused with a clear French line, not guessed away
    study = _study_copy(tmp_path)
    sites = study / "sites.csv"
    sites.write_bytes(b"\xef\xbb\xbf" + sites.read_bytes())
    with pytest.raises(ParameterError) as err:
        plan(study_dir=study, notebooks_dir=FIXTURES, only=["site-angers"])
    assert "sites.csv, ligne 1 : [bom]" in str(err.value)


def test_the_study_tables_go_through_the_validation_of_odas_analysis_validate(tmp_path):
    study = _study_copy(tmp_path)
    _add_site_row(study, site_id="lyon", kind="village")
    with pytest.raises(ParameterError) as err:
        plan(study_dir=study, notebooks_dir=FIXTURES)
    assert "les tables de l'étude sont invalides" in str(err.value)
    assert "kind" in str(err.value) and "village" in str(err.value)


# --------------------------------------------------------------------------- cache key, staging


def _key(run: Run, data: Path) -> str:
    return cache.input_hashes(run, cache.DataHasher([data]), cache.source_digest(), cache.environment_digest())["key"]


def test_threshold_and_private_switch_are_in_the_key(tmp_path, monkeypatch):
    run = plan(sites=["angers"], notebooks_dir=FIXTURES)[0]
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x\n1\n", encoding="utf-8")
    monkeypatch.delenv(config.PRIVATE_DATA_ENV, raising=False)
    monkeypatch.delenv(config.DISCLOSURE_THRESHOLD_ENV, raising=False)
    base = _key(run, data)
    monkeypatch.setenv(config.DISCLOSURE_THRESHOLD_ENV, str(config.DEFAULT_DISCLOSURE_THRESHOLD))
    assert _key(run, data) == base  # the effective value counts, not how it is spelt
    monkeypatch.setenv(config.DISCLOSURE_THRESHOLD_ENV, "5")
    assert _key(run, data) != base
    monkeypatch.delenv(config.DISCLOSURE_THRESHOLD_ENV)
    monkeypatch.setenv(config.PRIVATE_DATA_ENV, str(tmp_path / "prive-vide"))
    assert _key(run, data) != base  # switched on, even with no file to hash
    monkeypatch.setenv(config.DISCLOSURE_THRESHOLD_ENV, "zéro")
    with pytest.raises(ParameterError, match=config.DISCLOSURE_THRESHOLD_ENV):
        cache.environment_digest()


def test_each_batch_has_its_own_staging_and_clears_dead_ones(tmp_path):
    root = cache.Layout(tmp_path)
    dead = root.staging_root / "12345-mort" / "site-angers"
    dead.mkdir(parents=True)
    first = _own_staging(root)
    assert not dead.exists()  # debris of a batch that died (we hold the lock: nobody else uses it)
    second = _own_staging(root)
    assert first.staging_id != second.staging_id
    assert first.staging("site-angers") != second.staging("site-angers")


# --------------------------------------------------------------------------- full disk


class _FullDisk(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, _data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def _fill_the_disk(monkeypatch) -> None:
    real = files.os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        if "w" in mode:
            real(fd, mode, *args, **kwargs).close()
            return io.BufferedWriter(_FullDisk())
        return real(fd, mode, *args, **kwargs)

    monkeypatch.setattr(files.os, "fdopen", fdopen)


def test_a_failed_notebook_keeps_its_traceback_when_papermill_left_it_empty(tmp_path):
    tmp_nb = tmp_path / "staging" / "site-angers.ipynb"
    tmp_nb.parent.mkdir()
    tmp_nb.write_bytes(b"")  # papermill's write cut short by a full disk
    target = tmp_path / "build" / "notebooks" / "failed" / "site-angers.ipynb"
    assert pool.keep_failed_notebook(target, tmp_nb, "Traceback (most recent call last):\nOSError: [Errno 28]") == ""
    nb = json.loads(target.read_text(encoding="utf-8"))
    assert "OSError: [Errno 28]" in nb["cells"][1]["source"]
    whole = tmp_path / "whole.ipynb"
    whole.write_text(json.dumps({"cells": [], "nbformat": 4}), encoding="utf-8")
    assert pool.keep_failed_notebook(target, whole, "x") == "" and not whole.exists()
    assert json.loads(target.read_text(encoding="utf-8")) == {"cells": [], "nbformat": 4}


def test_on_a_full_disk_no_empty_notebook_and_no_debris(tmp_path, monkeypatch):
    tmp_nb = tmp_path / "site-angers.ipynb"
    target = tmp_path / "failed" / "site-angers.ipynb"
    _fill_the_disk(monkeypatch)
    note = pool.keep_failed_notebook(target, tmp_nb, "Traceback ...")
    assert "n'a pas pu être écrit" in note
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == []  # no .tmp left


def test_a_manifest_on_a_full_disk_is_a_french_error_with_no_debris(tmp_path, monkeypatch):
    layout = cache.Layout(tmp_path, "lot")
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    ledger = Ledger(layout, runs, cache.DataHasher([tmp_path / "nothing"]), lambda _l: None, NameMask(tmp_path / "x"))
    ledger.save()
    previous = layout.manifest.read_bytes()
    _fill_the_disk(monkeypatch)
    ledger.mark_interrupted()
    with pytest.raises(OdasError, match=r"écriture impossible de .*manifest\.json : No space left"):
        ledger.save()
    assert layout.manifest.read_bytes() == previous
    assert sorted(p.name for p in layout.build.iterdir()) == ["manifest.json"]


# --------------------------------------------------------------------------- names


def _overlay(tmp_path: Path, *names: str) -> Path:
    from odas_analysis.fieldwork.demo import write_fake_overlay

    overlay = tmp_path / "private"
    write_fake_overlay(overlay, 3)
    path = overlay / "participant_names.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "".join(f"P-{i},{n}\n" for i, n in enumerate(names)), encoding="utf-8"
    )
    return overlay


def test_names_are_masked_in_text_and_in_the_manifest_errors(tmp_path):
    overlay = _overlay(tmp_path, "Éloïse Vermandois-Lurette", "Jean Dupont")
    mask = NameMask(overlay)
    assert mask
    text = mask.text("KeyError: 'eloise VERMANDOIS-LURETTE' ; colonne « Dupont » ; Jean  Dupont")
    assert "ermandois" not in text.lower() and "dupont" not in text.lower() and "eloise" not in text.lower()
    assert "É… (25 caractères)" in text  # the full name, masked whole (not its family name alone)
    assert mask.text("aucun nom ici : Lurette seule") == "aucun nom ici : Lurette seule"  # the check's own rule
    layout = cache.Layout(tmp_path / "out", "lot")
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    ledger = Ledger(layout, runs, cache.DataHasher([tmp_path / "nothing"]), lambda _l: None, mask)
    ledger.record(runs[0], pool.RunResult("site-angers", "failed", 1.0, error="KeyError: 'Jean Dupont'"), lambda *a: "")
    ledger.save()
    manifest = layout.manifest.read_text(encoding="utf-8")
    assert "Dupont" not in manifest and "J… (11 caractères)" in manifest
    assert ledger.results["site-angers"].error == "KeyError: 'J… (11 caractères)'"


def test_without_an_overlay_nothing_is_masked_and_pandas_is_not_needed(tmp_path, monkeypatch):
    monkeypatch.delenv(config.PRIVATE_DATA_ENV, raising=False)
    mask = NameMask()
    assert not mask and mask.text("Jean Dupont") == "Jean Dupont"
