"""Results cached per state of the data package: computed once, computed again after any change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from odas_analysis import study
from odas_analysis.config import DATA_DIR
from odas_analysis.national import profile
from odas_analysis.validate import loading, memo
from odas_analysis.validate.package import _validation_key


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of data/ read by the default loaders (file times kept: nothing is 'just written')."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    monkeypatch.setattr(loading, "DATAPACKAGE", target / "datapackage.json")
    monkeypatch.setattr(loading, "_CACHE", {})
    return target


def _rewrite(path: Path, old: str, new: str, *, age_s: float = 60.0) -> None:
    """Edit ``path`` and date it ``age_s`` seconds back, past the racy window."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    past = path.stat().st_mtime - age_s
    os.utime(path, (past, past))


def test_a_cached_result_is_computed_once_per_state(data_copy: Path, monkeypatch):
    calls = []

    @memo.on_package
    def names() -> list[str]:
        calls.append(1)
        return list(study.sites()["name"])

    first = names()
    assert names() == first and len(calls) == 1
    _rewrite(data_copy / "study" / "sites.csv", ",Angers,", ",Angers-sur-Maine,")
    assert "Angers-sur-Maine" in names() and len(calls) == 2


def test_a_file_just_written_is_read_again_at_every_call(data_copy: Path):
    sites = data_copy / "study" / "sites.csv"
    assert memo.package_state() is not None
    sites.write_text(sites.read_text(encoding="utf-8"), encoding="utf-8")  # now: inside the racy window
    assert memo.package_state() is None


def test_callers_get_copies_they_may_modify(data_copy: Path):
    frame = study.sites()
    frame.loc[0, "name"] = "modifié par l'appelant"
    assert study.sites().loc[0, "name"] != "modifié par l'appelant"
    p = profile.site_profile("angers")
    p.indicators.loc[:, "value"] = float("nan")
    assert profile.site_profile("angers").indicators["value"].notna().any()


def test_the_site_profile_follows_the_committed_tables(data_copy: Path):
    before = profile.site_profile("angers").territory.name
    _rewrite(data_copy / "study" / "sites.csv", ",Angers,", ",Angers (copie),")
    assert before == "Angers" and profile.site_profile("angers").territory.name == "Angers (copie)"


def test_the_validation_key_changes_with_a_schema(data_copy: Path):
    desc = data_copy / "datapackage.json"
    key = _validation_key(desc, ["sites"])
    assert _validation_key(desc, ["sites"]) == key
    _rewrite(data_copy / "schemas" / "sites.json", "Stable slug used", "Stable slug, used")
    assert _validation_key(desc, ["sites"]) != key
