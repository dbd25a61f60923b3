"""The profile of any territory (national/profile.py) and its tables and figures.

Checked on Lille (59350, outside the study), the Métropole Européenne de Lille
(200093201, an EPCI absent from the 2019 files), Ambléon (01006, a small commune whose
Filosofi values INSEE does not publish), an unknown code, and the eleven sites (the
profile read from the national files equals the committed tables). Values are checked
against the national files read here with the csv module, independently of pandas and
of the builders. Skips when ``ODAS_NATIONAL_DATA`` is not set.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from odas_analysis import export, french, study
from odas_analysis.errors import ParameterError
from odas_analysis.national import codes, profile
from odas_analysis.tables import territoire as tables

matplotlib.use("Agg")

SMALL = "01006"  # Ambléon (Ain): about a hundred inhabitants, Filosofi secret


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def lille(national_dir: Path) -> profile.Profile:
    return profile.territory_profile("59350", national_dir)


@pytest.fixture(scope="module")
def mel(national_dir: Path) -> profile.Profile:
    return profile.territory_profile("200093201", national_dir)


@pytest.fixture(scope="module")
def small(national_dir: Path) -> profile.Profile:
    return profile.territory_profile(SMALL, national_dir)


def _value(p: profile.Profile, indicator: str, year: int) -> float:
    return float(p.row(indicator, year)["value"])


def test_lille_every_indicator_and_vintage_checked_against_the_files(lille, national_dir):
    assert lille.territory.name == "Lille" and lille.territory.level == "commune"
    assert lille.territory.epci_code == "200093201" and lille.territory.dep_code == "59"
    keys = list(zip(lille.indicators["indicator"], lille.indicators["data_year"], strict=True))
    from odas_analysis.indicators import INDICATORS

    assert keys == [(s.indicator, s.data_year) for s in INDICATORS]
    communes = _rows(national_dir / "geo/communes_2026.csv")
    pops = [float(r["population_municipale"]) for r in communes if r["population_municipale"] and r["zone"] != "com"]
    own = next(float(r["population_municipale"]) for r in communes if r["code_commune"] == "59350")
    assert _value(lille, "population_municipale", 2023) == own
    row = lille.row("population_municipale", 2023)
    assert row["pct_rank"] == round(100 * sum(v <= own for v in pops) / len(pops), 1)
    assert row["n_in_distribution"] == len(pops)
    filo = next(r for r in _rows(national_dir / "indicators/filosofi_com_2016.csv") if r["CODGEO"] == "59350")
    assert _value(lille, "median_disposable_income_per_cu", 2016) == float(filo["MED16"])
    assert _value(lille, "poverty_rate_60", 2016) == float(filo["TP6016"])
    # département reference of the unemployment rate: a ratio of sums over the communes of the Nord
    comp = [r for r in _rows(national_dir / "indicators/comparateur_rp2018_filo2019_com.csv")]
    nord = [r for r in comp if r["CODGEO"].startswith("59") and r["P18_ACT1564"]]
    ratio = 100 * sum(float(r["P18_CHOM1564"]) for r in nord) / sum(float(r["P18_ACT1564"]) for r in nord)
    assert lille.row("unemployment_rate_15_64_census", 2018)["dep_value"] == pytest.approx(ratio, abs=0.006)
    # no département / région / France value for a non-additive Filosofi indicator, and the note says why
    poverty = lille.row("poverty_rate_60", 2016)
    assert pd.isna(poverty["dep_value"]) and pd.isna(poverty["france_value"])
    assert "ne s'additionnent pas" in poverty["note"]
    assert (lille.indicators["status"] == "").sum() == len(lille.indicators)


def test_rows_and_curves_are_those_of_their_indicator_and_vintage(lille):
    frame = lille.indicators
    for indicator, year in [("poverty_rate_60", 2016), ("population_municipale", 2023)]:
        selected = frame[(frame["indicator"] == indicator) & (frame["data_year"] == year)]
        pd.testing.assert_series_equal(lille.row(indicator, year), selected.iloc[0])
        curve = lille.distribution(indicator, year)
        assert list(curve["percentile"]) == list(range(101))
        assert set(curve["indicator"]) == {indicator} and set(curve["data_year"]) == {year}
    with pytest.raises(ParameterError, match="'poverty_rate_60' 1999"):
        lille.row("poverty_rate_60", 1999)
    absent = lille.distribution("poverty_rate_60", 1999)
    assert absent.empty and list(absent.columns) == list(lille.distributions.columns)


def test_lille_neighbours_are_big_cities_on_five_indicators(lille):
    near = lille.neighbours
    assert near.iloc[0]["code"] == "59350" and near.iloc[0]["distance"] == 0
    assert len(near) == 6 and near["distance"].is_monotonic_increasing
    assert near.attrs["dropped"] == [] and len(near.attrs["indicators"]) == 5
    assert (near["population_municipale_2023"].iloc[1:] > 50_000).all()
    table = tables.neighbours_table(lille)
    assert list(table["Rang"]) == list(range(6)) and "Distance" in table.columns


def test_the_metropole_europeenne_de_lille(mel, national_dir):
    t = mel.territory
    assert (t.level, t.nature, t.dep_code, t.reg_code) == ("EPCI", "métropole", "59", "32")
    members = [r["code_commune"] for r in _rows(national_dir / "geo/communes_2026.csv") if r["siren_epci"] == t.code]
    assert t.n_communes == len(members) == 95
    comp = {r["CODGEO"]: r for r in _rows(national_dir / "indicators/comparateur_rp2018_filo2019_com.csv")}
    found = [comp[c] for c in members if c in comp and comp[c]["P18_ACT1564"]]
    rate = 100 * sum(float(r["P18_CHOM1564"]) for r in found) / sum(float(r["P18_ACT1564"]) for r in found)
    row = mel.row("unemployment_rate_15_64_census", 2018)
    assert row["value"] == pytest.approx(rate, abs=0.006)
    assert "périmètre du 1er janvier 2026" in row["note"] and row["rank_population"] == "EPCI"
    # INSEE's EPCI rows of 2016 and 2019 know the MEL under its former SIREN: not imputed
    income = mel.row("median_disposable_income_per_cu", 2016)
    assert pd.isna(income["value"]) and income["status"] == profile.STATUS_ABSENT
    assert mel.row("turnout_municipal_round1", 2020)["status"] == profile.STATUS_NOT_COMPUTABLE
    natures = {r["siren_epci"]: r["type"] for r in _rows(national_dir / "geo/epci_2026.csv")}
    assert {natures[c] for c in mel.neighbours["code"]} == {"METRO"}
    assert "Revenu médian" in tables.neighbours_note(mel)  # left out, and said so


def test_the_metropole_de_lyon_the_only_one_of_its_nature_is_compared_with_the_metropoles(national_dir):
    """Found by the national batch: alone in its nature (MET69), its neighbours' universe was itself."""
    lyon = profile.territory_profile("200046977", national_dir)
    natures = {r["siren_epci"]: r["type"] for r in _rows(national_dir / "geo/epci_2026.csv")}
    assert natures[lyon.territory.code] == "MET69" and list(natures.values()).count("MET69") == 1
    near = lyon.neighbours
    assert near["code"].iloc[0] == lyon.territory.code and len(near) == 6
    assert {natures[c] for c in near["code"].iloc[1:]} == {"METRO"}
    assert "Métropole de Lyon comprise" in tables.neighbours_note(lyon)
    lille_metropole = profile.territory_profile("200093201", national_dir)  # and the métropoles with it
    assert "Métropole de Lyon comprise" in tables.neighbours_note(lille_metropole)
    export.table_markdown(tables.neighbours_table(lyon))


def test_a_universe_without_another_comparable_unit_gives_no_neighbour_and_says_why():
    from odas_analysis import comparison

    matrix = pd.DataFrame(
        {"population_municipale_2023": [1000.0, 2000.0], "poverty_rate_60_2016": [10.0, None]}, index=["A", "B"]
    )
    indicators = [("population_municipale", 2023), ("poverty_rate_60", 2016)]
    near = comparison.comparable_territories(matrix, pd.Series({"A": "Aa", "B": "Bb"}), "A", indicators)
    assert len(near) == 0 and near.attrs["n_units"] == 1
    territory = profile.Territory("EPCI", "A", "Aa", "métropole", "59", "Nord", "32", "Hauts-de-France")
    note = tables.neighbours_note(profile.Profile(territory, pd.DataFrame(), pd.DataFrame(), near))
    assert note.startswith("Aucun territoire comparable calculé") and "aucun autre que Aa" in note


def test_a_small_commune_with_secret_filosofi_values(small, national_dir):
    filo = next(r for r in _rows(national_dir / "indicators/filosofi_com_2016.csv") if r["CODGEO"] == SMALL)
    assert filo["MED16"] == "" and filo["TP6016"] == ""  # the premise: INSEE publishes nothing here
    for indicator in sorted(profile.FILOSOFI_INDICATORS):
        row = small.row(indicator, 2016)
        assert pd.isna(row["value"]) and pd.isna(row["pct_rank"]) and row["status"] == profile.STATUS_SECRET
    assert _value(small, "population_municipale", 2023) < 1000
    table = tables.profile_table(small)
    markdown = export.table_markdown(table)
    assert f"| {french.MISSING} |" in markdown and "secret statistique" in markdown
    assert "Secret statistique" in tables.profile_note(small)
    assert small.neighbours.attrs["dropped"] and len(small.neighbours) == 6  # compared on what is published
    from odas_analysis.figures import territoire as figures

    texts = [t.get_text().replace("\n", " ") for ax in figures.distribution(small).axes for t in ax.texts]
    assert any("secret statistique" in t for t in texts)
    figures.references(small)


def test_an_unknown_code_is_refused_naming_the_file_looked_in(national_dir):
    with pytest.raises(ParameterError) as err:
        profile.territory_profile("99999", national_dir)
    assert "geo/communes_2026.csv" in str(err.value) and "code_commune" in str(err.value)
    with pytest.raises(ParameterError) as err:
        profile.check_territory_code("123456789", national_dir)
    assert "geo/epci_2026.csv" in str(err.value) and "siren_epci" in str(err.value)
    with pytest.raises(ParameterError) as err:
        codes.lookup_code("99999", national_dir)  # the batch's check, without pandas: same message
    assert "geo/communes_2026.csv" in str(err.value)
    with pytest.raises(ParameterError):
        profile.territory_profile(59.35, national_dir)
    assert profile.check_territory_code(1001, national_dir) == "01001"  # a number loses no leading zero


@pytest.mark.parametrize("site_id", study.site_ids())
def test_a_site_read_from_the_files_equals_the_committed_tables(site_id, national_dir):
    """The committed table and the run-time profile are written by the same rules."""
    site = study.site(site_id)
    code = site["insee_code"] if site["kind"] == "commune" else site["siren_epci"]
    from_files = profile.territory_profile(str(code), national_dir).indicators
    committed = profile.site_profile(site_id).indicators
    pd.testing.assert_frame_equal(from_files, committed, check_dtype=False)


def test_each_national_file_is_read_once_per_file_state(national_dir, tmp_path):
    copy = tmp_path / "national"
    for name in profile.PROFILE_FILES:
        source = national_dir / profile.NATIONAL_FILES[name].relpath
        if source.is_file():
            (copy / source.relative_to(national_dir)).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source, copy / source.relative_to(national_dir))
    first = profile.national_index(copy)
    assert profile.national_index(copy) is first
    target = copy / "civic/municipales_2026_t1_participation.csv"
    target.unlink()
    shutil.copyfile(national_dir / "civic/municipales_2026_t1_participation.csv", target)
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert profile.national_index(copy) is not first


def test_a_territory_page_reads_no_national_file_once_the_index_is_built(national_dir, monkeypatch):
    """The page's profile, tables and figures come from the index of the process: no file is read again."""
    from odas_analysis.figures import territoire as figures

    profile.national_index(national_dir)

    def no_build(directory):
        raise AssertionError(f"the national index of {directory} was built again")

    monkeypatch.setattr(profile, "_build_index", no_build)
    monkeypatch.setattr(profile.index_cache, "load", lambda path: pytest.fail(f"{path} read again"))
    p = profile.territory_profile("33063", national_dir)
    for build in (tables.identity_table, tables.profile_table, tables.neighbours_table):
        build(p)
    figures.references(p)


def test_identity_table_of_a_commune_and_an_epci(lille, mel):
    rows = dict(tables.identity_table(lille).itertuples(index=False))
    assert rows["Code commune (INSEE)"] == "59350"
    assert rows["Intercommunalité au 1er janvier 2026"] == "Métropole Européenne de Lille (200093201)"
    rows = dict(tables.identity_table(mel).itertuples(index=False))
    assert rows["SIREN de l'EPCI"] == "200093201" and rows["Communes membres au 1er janvier 2026"] == "95"


def test_the_index_is_kept_on_disk_for_the_next_process(national_dir, tmp_path, monkeypatch):
    from odas_analysis.national import index_cache

    monkeypatch.setattr(index_cache, "cache_dir", lambda: tmp_path / "territoire")
    monkeypatch.setattr(profile, "_CACHE", {})
    built = profile.national_index(national_dir)
    kept = list((tmp_path / "territoire").glob("index-*.pickle"))
    assert len(kept) == 1
    monkeypatch.setattr(profile, "_CACHE", {})  # a new process: only the disk copy is left
    real_build = profile._build_index
    monkeypatch.setattr(profile, "_build_index", lambda directory: pytest.fail("built again, not loaded"))
    loaded = profile.national_index(national_dir)
    monkeypatch.setattr(profile, "_build_index", real_build)
    assert loaded is not built
    pd.testing.assert_frame_equal(loaded.distributions, built.distributions)
    kept[0].write_bytes(b"not a pickle")  # a damaged copy is ignored, then replaced
    monkeypatch.setattr(profile, "_CACHE", {})
    again = profile.national_index(national_dir)
    pd.testing.assert_frame_equal(again.matrices["commune"], built.matrices["commune"])
    assert index_cache.load(kept[0]) is not None
