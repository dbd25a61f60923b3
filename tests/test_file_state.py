"""One rule for "this file changed" (``files.file_state``), and the caches keyed by it (``files.ByFileState``).

A cache keyed by file states keeps nothing for a file that is absent or was written in
the last two seconds (its time may not have moved yet: git's "racy" files).
"""

from __future__ import annotations

import os
import time

from odas_analysis import files
from odas_analysis.batch import run as batch_run
from odas_analysis.batch import territories

HOUR_NS = 3_600_000_000_000


def _age(path, hours: int = 1) -> None:
    past = time.time_ns() - hours * HOUR_NS
    os.utime(path, ns=(past, past))


def test_state_absent_recent_and_settled(tmp_path):
    path = tmp_path / "t.csv"
    assert files.file_state(path) is None
    path.write_text("a\n1\n", encoding="utf-8")
    assert files.file_state(path) is None  # just written: not trusted
    _age(path)
    settled = files.file_state(path)
    assert settled is not None and settled == files.file_state(path)
    path.write_text("a\n2\n", encoding="utf-8")  # same size
    _age(path, hours=2)
    assert files.file_state(path) not in (None, settled)


def _tiny_national(root, name: str = "Lille") -> None:
    geo = root / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    (geo / "communes_2026.csv").write_text(
        "code_commune,nom,code_departement,nom_departement,code_region,nom_region,population_municipale\n"
        f"59350,{name},59,Nord,32,Hauts-de-France,236710\n",
        encoding="utf-8",
    )
    (geo / "epci_2026.csv").write_text(
        "siren_epci,nom_epci,population_municipale\n200093201,Métropole Européenne de Lille,1190000\n", encoding="utf-8"
    )
    (geo / "epci_members_2026.csv").write_text(
        "siren_epci,code_commune,population_municipale\n200093201,59350,236710\n", encoding="utf-8"
    )


def test_national_territories_read_once_per_state(tmp_path):
    _tiny_national(tmp_path)
    fresh = territories.national_territories(tmp_path)
    assert territories.national_territories(tmp_path) is not fresh  # files just written: read again
    for path in (tmp_path / "geo").iterdir():
        _age(path)
    first = territories.national_territories(tmp_path)
    assert territories.national_territories(tmp_path) is first
    assert first.lookup("200093201").dep_code == "59"
    _tiny_national(tmp_path, name="Lille (nouveau nom)")
    for path in (tmp_path / "geo").iterdir():
        _age(path, hours=2)
    changed = territories.national_territories(tmp_path)
    assert changed is not first and changed.lookup("59350").name == "Lille (nouveau nom)"


def test_a_large_manifest_is_written_less_often():
    assert batch_run.save_pause(0.001) == batch_run.SAVE_EVERY
    assert batch_run.save_pause(0.13) == 0.13 * batch_run.SAVE_COST_RATIO  # 1,747 runs: every 6.5 s


def test_by_file_state_keeps_a_value_while_its_files_keep_their_state(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    cache = files.ByFileState()
    calls = []

    def read():
        calls.append(1)
        return path.read_text(encoding="utf-8")

    assert cache.get("t", [path], read) == "a\n1\n"
    assert cache.get("t", [path], read) == "a\n1\n"
    assert len(calls) == 2  # just written: computed, not kept
    _age(path)
    kept = cache.get("t", [path], read)
    assert cache.get("t", [path], read) is kept and len(calls) == 3
    path.write_text("a\n2\n", encoding="utf-8")
    _age(path, hours=2)
    assert cache.get("t", [path], read) == "a\n2\n" and len(calls) == 4


def test_by_file_state_reads_again_a_file_changed_while_it_was_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    _age(path, hours=2)
    cache = files.ByFileState()

    def read_then_edit():
        text = path.read_text(encoding="utf-8")
        path.write_text("a\n9\n", encoding="utf-8")
        _age(path)
        return text

    assert cache.get("t", [path], read_then_edit) == "a\n1\n"
    assert cache.get("t", [path], lambda: path.read_text(encoding="utf-8")) == "a\n9\n"


def test_by_file_state_stamp_names_the_files_and_maxsize_drops_the_oldest(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (a, b):
        path.write_text("x\n", encoding="utf-8")
        _age(path)
    assert files.files_state([a, b]) != files.files_state([a])
    assert files.files_state([a, tmp_path / "absent.csv"]) is None
    cache = files.ByFileState(maxsize=1)
    one = cache.get("a", [a], object)
    assert cache.get("a", [a], object) is one
    assert cache.get("a", [a, b], object) is not one  # a file added: computed again
    kept = cache.get("b", [b], object)
    assert cache.get("b", [b], object) is kept
    assert cache.get("a", [a], object) is not one  # dropped for "b"
    kept = cache.get("a", [a], object)
    cache.clear()
    assert cache.get("a", [a], object) is not kept
