"""Second-edition territory tables (perimeters 2015-2017, contrats de ville and their posts, municipal turnout).

Spot checks are recomputed here from the national files with the ``csv`` module only,
independently of the builder; they skip when ``ODAS_NATIONAL_DATA`` is unset. The rules
of :mod:`odas_analysis.national.perimeters` are also tested on small invented lists.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from odas_analysis.config import TERRITORY_DIR
from odas_analysis.errors import DataValidationError, ParameterError
from odas_analysis.national import perimeters as pm
from odas_analysis.national import territory
from odas_analysis.validate import load_table


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _committed(name: str) -> list[dict[str, str]]:
    return _csv(TERRITORY_DIR / name)


def _members(national_dir: Path, year: int) -> list[dict[str, str]]:
    return _csv(national_dir / "geo" / f"epci_members_{year}.csv")


# ----------------------------------------------------------------------------- perimeters


def test_moulins_and_creil_perimeters_match_the_dgcl_lists(national_dir: Path) -> None:
    m15, m17 = _members(national_dir, 2015), _members(national_dir, 2017)
    ca_moulins = [r for r in m15 if r["siren"] == "240300616"]
    communaute = [r for r in m17 if r["siren"] == "200071140"]
    assert len(ca_moulins) == 26 and len(communaute) == 44
    creil_15 = next(r for r in m15 if r["insee"] == "60175")
    creil_17 = next(r for r in m17 if r["insee"] == "60175")
    assert (creil_15["nom"], sum(r["siren"] == creil_15["siren"] for r in m15)) == ("CA Creilloise", 4)
    assert (creil_17["nom"], sum(r["siren"] == creil_17["siren"] for r in m17)) == ("CA Creil Sud Oise", 11)

    table = {(r["site_id"], r["year"]): r for r in _committed("site_perimeters.csv")}
    moulins15 = table[("moulins-communaute", "2015")]
    assert (moulins15["siren_epci"], moulins15["nb_communes"], moulins15["proxy"]) == ("240300616", "26", "true")
    assert "prédécesseur" in moulins15["note"] and "approché" in moulins15["note"]
    moulins17 = table[("moulins-communaute", "2017")]
    assert (moulins17["siren_epci"], moulins17["nb_communes"], moulins17["proxy"]) == ("200071140", "44", "false")
    assert moulins17["change"] == "fusionné" and moulins17["previous_siren"] == "240300616"
    pmun = {int(r["pmun"]) for r in communaute}
    assert pmun == {int(moulins17["population_municipale"])}
    creil = [table[("creil", y)] for y in ("2015", "2016", "2017")]
    assert [(r["siren_epci"], r["nb_communes"]) for r in creil] == [
        (creil_15["siren"], "4"),
        (creil_15["siren"], "4"),
        (creil_17["siren"], "11"),
    ]
    assert [r["change"] for r in creil] == ["", "inchangé", "fusionné"]


def test_every_site_and_year_has_its_epci(national_dir: Path) -> None:
    sites = load_table("sites").set_index("site_id")
    lists = {y: _members(national_dir, y) for y in (2015, 2016, 2017)}
    for r in _committed("site_perimeters.csv"):
        rows = lists[int(r["year"])]
        if r["site_level"] == "commune":
            code = sites.at[r["site_id"], "insee_code"]
            expected = next(x["siren"] for x in rows if x["insee"] == code)
            assert r["siren_epci"] == expected and r["proxy"] == "false"
        elif r["proxy"] == "false":
            assert r["siren_epci"] == r["site_code"]
        assert int(r["nb_communes"]) == sum(x["siren"] == r["siren_epci"] for x in rows)


def _epci(siren: str, nature: str, members: set[str], pmun: float = 1000.0) -> pm.Epci:
    return pm.Epci(siren, f"EPCI {siren}", nature, pmun, pmun, frozenset(members))


def _dgcl(epcis: list[pm.Epci], year: int) -> pm.DgclList:
    rows = [
        {"siren": e.siren, "nom": e.name, "nature": e.nature, "nb_com": len(e.members), "ptot": e.ptot, "pmun": e.pmun}
        | {"insee": c}
        for e in epcis
        for c in sorted(e.members)
    ]
    return pm.DgclList(pd.DataFrame(rows), year, "invented")


def test_change_rules_on_invented_lists() -> None:
    a, b = _epci("111111111", "CA", {"01001", "01002", "01003"}), _epci("222222222", "CC", {"01004"})
    before = _dgcl([a, b], 2016)
    # commune nouvelle: 01003 absorbed into 01002, code gone -> unchanged, one code disappeared
    a2 = _epci("111111111", "CU", {"01001", "01002"})
    now = _dgcl([a2, b], 2017)
    counts = pm.change_counts(a2, a, now, before)
    assert counts["codes_disappeared"] == 1 and pm.change_label(a2, a, counts) == "inchangé"
    # enlargement under the same SIREN
    a3 = _epci("111111111", "CA", {"01001", "01002", "01003", "01004"})
    counts = pm.change_counts(a3, a, _dgcl([a3], 2017), before)
    assert counts["communes_gained"] == 1 and pm.change_label(a3, a, counts) == "élargi"
    # merger into a new SIREN, and replacement by a new SIREN from one EPCI only
    c = _epci("333333333", "CA", {"01001", "01002", "01003", "01004"})
    counts = pm.change_counts(c, a, _dgcl([c], 2017), before)
    assert counts["epci_contributing"] == 2 and pm.change_label(c, a, counts) == "fusionné"
    d = _epci("444444444", "CA", {"01001", "01002", "01003"})
    counts = pm.change_counts(d, a, _dgcl([d, b], 2017), before)
    assert pm.change_label(d, a, counts) == "remplacé"
    # predecessor: the EPCI holding most members, ties broken by population
    assert pm.predecessor(c, before) == a


def test_a_dgcl_list_that_contradicts_itself_is_refused() -> None:
    frame = pd.DataFrame(
        [{"siren": "111111111", "nom": "X", "nature": "CA", "nb_com": 3, "ptot": 1, "pmun": 1, "insee": "01001"}]
    )
    with pytest.raises(DataValidationError, match="nb_com"):
        pm.DgclList(frame, 2015, "geo/epci_members_2015.csv")


# ----------------------------------------------------------------------------- contracts and posts


def test_each_site_has_the_contract_of_its_2015_epci(national_dir: Path) -> None:
    contracts = _csv(national_dir / "politique_ville" / "contrats_de_ville_2015.csv")
    perimeters = {(r["site_id"], r["year"]): r for r in _committed("site_perimeters.csv")}
    table = _committed("site_contracts.csv")
    assert len(table) == 11
    for r in table:
        siren = perimeters[(r["site_id"], "2015")]["siren_epci"]
        expected = [c for c in contracts if c["siren_epci_2015"] == siren]
        assert len(expected) == 1 and r["code_cv"] == expected[0]["code_cv"]
        assert r["nb_communes"] == expected[0]["nb_communes"]
    by_site = {r["site_id"]: r for r in table}
    assert (
        by_site["moulins-communaute"]["code_cv"] == "CV017"
        and by_site["moulins-communaute"]["holder_is_proxy"] == "true"
    )
    assert by_site["villeurbanne"]["code_cv"] == "CV246" and by_site["clichy-sous-bois"]["code_cv"] == "CV352"


def _independent_posts(path: Path, code_cv: str, year: str) -> set[str]:
    return {r["id_poste"] for r in _csv(path) if r["annee"] == year and code_cv in re.findall(r"CV\d{3}", r["code_cv"])}


@pytest.mark.parametrize(
    ("site_id", "programme", "filename"),
    [
        ("creil", "adultes_relais", "adultes_relais_2020_2023.csv"),
        ("angers", "fonjep", "postes_fonjep_2020_2023.csv"),
        ("valenciennes-metropole", "adultes_relais", "adultes_relais_2020_2023.csv"),
    ],
)
def test_posts_per_10000_recomputed(national_dir: Path, site_id: str, programme: str, filename: str) -> None:
    contract = next(r for r in _committed("site_contracts.csv") if r["site_id"] == site_id)
    pmun = {int(r["pmun"]) for r in _members(national_dir, 2015) if r["siren"] == contract["siren_epci_2015"]}
    assert len(pmun) == 1 and int(contract["population_municipale_2015"]) in pmun
    for year in ("2020", "2021", "2022", "2023"):
        posts = _independent_posts(national_dir / "politique_ville" / filename, contract["code_cv"], year)
        row = next(
            r
            for r in _committed("site_contract_posts.csv")
            if (r["site_id"], r["programme"], r["year"]) == (site_id, programme, year)
        )
        assert int(row["posts"]) == len(posts)
        assert abs(float(row["posts_per_10000"]) - len(posts) / next(iter(pmun)) * 10_000) < 5e-4
        assert 0 < float(row["pct_rank"]) <= 100 and int(row["n_in_distribution"]) > 300


# ----------------------------------------------------------------------------- municipal turnout


def test_municipal_turnout_rows_carry_the_file_value_and_the_covid_caveat(national_dir: Path) -> None:
    raw = {
        y: {
            r["code_insee"]: r["participation_t1_pct"]
            for r in _csv(national_dir / "civic" / f"municipales_{y}_t1_participation.csv")
        }
        for y in (2020, 2026)
    }
    assert raw[2020]["33063"] == "36.93"  # Bordeaux, the figure quoted in SOURCES.md
    table = territory.site_indicators(indicator="turnout_municipal_round1")
    communes = table[table["site_level"] == "commune"]
    assert len(communes) == 9 * 2
    for _, r in communes.iterrows():
        assert r["value"] == pytest.approx(float(raw[int(r["data_year"])][r["site_code"]]))
        assert pd.isna(r["dep_value"]) and r["source_id"] == "S10"
        assert ("Covid-19" in r["note"]) == (int(r["data_year"]) == 2020)
    epci = table[table["site_level"] == "EPCI"]
    assert epci["value"].isna().all() and epci["note"].str.contains("non calculable").all()


# ----------------------------------------------------------------------------- loading API


def test_loading_api_of_the_second_edition_tables() -> None:
    table = territory.perimeter_table("creil")
    assert list(table["au 1er janvier"]) == [2015, 2016, 2017]
    assert list(table["communes"]) == [4, 4, 11] and set(table["prédécesseur (valeur approchée)"]) == {"non"}
    assert territory.perimeter_table("moulins-communaute")["prédécesseur (valeur approchée)"].tolist() == [
        "oui",
        "oui",
        "non",
    ]
    assert territory.site_contract("arras")["code_cv"] == "CV217"
    posts = territory.contract_posts("arras", "fonjep")
    assert list(posts["year"]) == [2020, 2021, 2022, 2023] and (posts["posts"] >= 0).all()
    with pytest.raises(ParameterError, match="programme inconnu"):
        territory.contract_posts("arras", "service civique")
    turnout = territory.turnout_table("bordeaux")
    assert list(turnout["scrutin"]) == [label for _, _, label in territory.TURNOUT_INDICATORS]
    assert turnout["participation (% des inscrits)"].notna().all()
    assert "Covid-19" in turnout.loc[2, "note"]
    epci = territory.turnout_table("valenciennes-metropole")
    assert epci["participation (% des inscrits)"].iloc[:2].notna().all()
    assert epci["participation (% des inscrits)"].iloc[2:].isna().all()


def test_perimeter_changes_summarise_the_study_period() -> None:
    table = territory.perimeter_changes().set_index("site")
    assert len(table) == 11
    creil = table.loc["Creil"]
    assert (creil["communes 2015"], creil["communes 2017"], creil["changements"]) == (4, 11, "2017 : fusionné")
    moulins = table.loc["Moulins Communauté"]
    assert moulins["intercommunalité au 1er janvier 2015"] == "CA de Moulins (prédécesseur)"
    assert (moulins["communes 2015"], moulins["communes 2017"]) == (26, 44)
    assert table.loc["Le Havre", "changements"] == "aucun"
    assert table.loc["Angers", "changements"] == "2016 : CA devenue CU"
    assert table.loc["Clichy-sous-Bois", "changements"] == "2016 : fusionné"
