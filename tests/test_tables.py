"""Tests of odas_analysis.tables (one module per notebook): French wording, tables, typology, the two cohorts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from odas_analysis import export, french, study
from odas_analysis.errors import ParameterError
from odas_analysis.tables import common, indicators, typology
from odas_analysis.tables import hypothese as hypothesis_tables
from odas_analysis.tables import methodologie as method_tables
from odas_analysis.tables import site as site_tables
from odas_analysis.tables import synthese as synthesis_tables

# --------------------------------------------------------------------------- French wording


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        ("2016-07-01", "day", "1er juillet 2016"),
        ("2016-12-08", "day", "8 décembre 2016"),
        ("2015-09-01", "month", "septembre 2015"),
        (None, "day", "date non publiée"),
        (pd.NaT, "day", "date non publiée"),
    ],
)
def test_french_date(value, precision, expected):
    assert method_tables.french_date(value, precision) == expected


def test_french_date_rejects_unknown_precision():
    with pytest.raises(ParameterError):
        method_tables.french_date("2016-07-01", "week")


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        ("2015-09-01", "2015-12-31", "month", "de septembre à décembre 2015"),
        ("2015-10-01", "2017-10-31", "month", "d'octobre 2015 à octobre 2017"),
        ("2017-08-01", "2017-09-30", "month", "d'août à septembre 2017"),
        ("2016-07-01", "2016-07-01", "day", "1er juillet 2016"),
        ("2016-07-01", "2016-07-03", "day", "du 1er juillet 2016 au 3 juillet 2016"),
        (None, None, "unknown", "date non publiée"),
    ],
)
def test_french_period(start, end, precision, expected):
    assert method_tables.french_period(start, end, precision) == expected


def test_sources_note_deduplicates_in_order_and_agrees_in_number():
    note = common.sources_note(["S4", "ODAS2019", "S4", None])
    assert note.startswith(f"Sources{french.NNBSP}: INSEE-DGFiP")
    assert note.count("Filosofi 2016") == 1
    assert note.index("Filosofi") < note.index("Odas")
    assert common.sources_note(["S6"]).startswith(f"Source{french.NNBSP}: ")
    assert common.sources_note([]) == ""


def test_every_source_of_the_project_has_a_french_label():
    for sid in study.sources()["source_id"]:
        assert common.source_label(str(sid))
        assert common.source_tag(str(sid))
    with pytest.raises(ParameterError):
        common.source_label("NOPE")


# --------------------------------------------------------------------------- tables of the study


def test_site_card_commune_and_agglomeration():
    card = dict(site_tables.card("arras").itertuples(index=False))
    assert card["Site"] == "Arras"
    assert card["Code commune (INSEE)"] == "62041"
    assert card["Sujet local"] == "non publié"
    assert card["Rattachement à l'axe"] == "déduit par élimination"
    assert card["Site de l'étude 2010-2012"] == "non"
    epci = dict(site_tables.card("moulins-communaute").itertuples(index=False))
    assert epci["SIREN de l'EPCI"] == "200071140"
    assert "Remarque géographique" in epci
    assert dict(site_tables.card("bordeaux").itertuples(index=False))["Site de l'étude 2010-2012"] == "oui"


def test_site_card_rejects_unknown_site():
    with pytest.raises(ParameterError, match="angers"):
        site_tables.card("paris")


def test_calendar_table_keeps_unknown_dates_unknown():
    table = method_tables.calendar_table()
    assert len(table) == len(study.calendar())
    phase2 = table[table["Événement"].str.startswith("Phase 2")].iloc[0]
    assert phase2["Date ou période"] == "date non publiée"
    assert phase2["Précision"] == "non publiée"
    copil = table[table["Type"] == "Comité de pilotage"]
    assert (copil["Date ou période"] != "date non publiée").sum() == 1
    assert "Sources" in method_tables.calendar_note()


def test_fieldwork_totals_table_writes_lower_bounds():
    table = method_tables.fieldwork_totals_table().set_index("Grandeur")
    assert table.loc["Acteurs locaux entendus", "Valeur publiée"] == 400
    assert table.loc["Acteurs locaux entendus", "Nature de la valeur"].startswith("borne inférieure")
    assert table.loc["Entretiens de la phase 2", "Valeur publiée"] == 143
    assert table.loc["Entretiens de la phase 2", "Nature de la valeur"] == "valeur exacte"
    assert table["Valeur publiée"].dtype.kind == "i"


def test_sites_by_axis_table():
    table = method_tables.sites_by_axis_table()
    assert len(table) == 11
    a2 = table[table["Axe"].str.startswith("A2")]
    assert len(a2) == 6
    assert set(a2["Rattachement à l'axe"]) == {"déduit par élimination"}
    assert set(a2["Sujet local"]) == {"non publié"}
    assert table["Étude 2010-2012"].tolist().count("oui") == 4


# --------------------------------------------------------------------------- site × indicator


def test_indicator_matrix_has_every_site_and_known_values():
    m = indicators.indicator_matrix()
    assert list(m.index) == study.site_ids()
    assert list(m.columns) == [s.key for s in indicators.CROSS_SITE_INDICATORS]
    assert not m.isna().any().any()
    assert m.loc["angers", "population_municipale_2016"] == 151229
    assert m.loc["clichy-sous-bois", "poverty_rate_60_2016"] == 45
    assert m.loc["moulins-communaute", "median_disposable_income_per_cu_2016"] == 20067


def test_indicator_matrix_keeps_missing_values_missing():
    spec = indicators.IndicatorSpec("poverty_rate_60", 2015, "Taux de pauvreté", "%", 1)
    m = indicators.indicator_matrix([spec])
    assert np.isnan(m.loc["moulins-communaute", spec.key])  # EPCI created in 2017
    assert m[spec.key].notna().sum() == 10


def test_indicator_matrix_rejects_unknown_year():
    with pytest.raises(ParameterError):
        indicators.indicator_matrix([indicators.IndicatorSpec("poverty_rate_60", 1999, "x", "%", 1)])


def test_cross_site_table_headers_carry_vintage_and_unit():
    table = synthesis_tables.cross_site_table()
    assert "Taux de pauvreté (2016, %)" in table.columns
    assert "Chômage des 15-64 ans (2018, %)" in table.columns
    assert len(table) == 11
    assert set(synthesis_tables.cross_site_decimals()) <= set(table.columns)


def test_indicator_sources_name_sources_and_geographies():
    note = indicators.indicator_sources()
    assert "Filosofi 2016" in note
    assert "Géographie" in note and "COG 2021" in note


def test_site_territory_table():
    table = site_tables.territory_table("angers")
    position = table.index[(table["Indicateur"] == "Population municipale légale") & (table["Année"] == 2016)][0]
    row = table.loc[position]
    assert row["Site"] == 151229.0  # a number for machines...
    assert table.attrs["decimals"]["Site"][position] == 0
    assert f"| 151{french.NNBSP}229 |" in export.table_markdown(table)  # ...French for people
    assert row["Parmi les"] == "communes"
    poverty = table[table["Indicateur"].str.startswith("Taux de pauvreté") & (table["Année"] == 2016)].iloc[0]
    assert pd.isna(poverty["Département"]) and pd.isna(poverty["France"])  # not available, never imputed
    moulins = site_tables.territory_table("moulins-communaute")
    assert set(moulins["Parmi les"]) == {"EPCI"}
    assert "jamais imputé" in site_tables.territory_note("angers")


# --------------------------------------------------------------------------- typology


def test_standardise():
    m = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 100.0, 1000.0]}, index=list("xyz"))
    z = typology.standardise(m, ["b"])
    assert np.allclose(z.mean(), 0)
    assert np.allclose(z.std(ddof=0), 1)
    assert np.allclose(z["a"], z["b"])  # log10 makes b linear
    with pytest.raises(ParameterError, match="non imputées"):
        typology.standardise(m.assign(a=[1.0, np.nan, 3.0]))
    with pytest.raises(ParameterError, match="constant"):
        typology.standardise(m.assign(a=1.0))


def test_silhouette_by_hand():
    points = np.array([[0.0], [1.0], [10.0], [12.0]])
    d = np.abs(points - points.T)
    # a(0)=1, b(0)=11 -> 10/11; a(1)=1, b(1)=10 -> 0.9; a(2)=2, b(2)=9.5; a(3)=2, b(3)=11.5
    expected = np.mean([10 / 11, 9 / 10, 7.5 / 9.5, 9.5 / 11.5])
    assert typology.silhouette(d, [1, 1, 2, 2]) == pytest.approx(expected)
    assert typology.silhouette(d, [1, 2, 2, 2]) < expected  # a singleton scores 0
    with pytest.raises(ParameterError):
        typology.silhouette(d, [1, 1, 1, 1])


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 1, 1], [1, 1, 0, 0], 1.0),
        ([0, 0, 1, 1], [0, 0, 1, 2], 0.5714285714285715),  # scikit-learn's documented example
        ([0, 0, 0, 0], [0, 1, 2, 3], 0.0),
    ],
)
def test_adjusted_rand(a, b, expected):
    assert typology.adjusted_rand(a, b) == pytest.approx(expected)


def _toy_matrix() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sites = study.site_ids()
    centre = np.array([0.0] * 3 + [6.0] * 8)
    return pd.DataFrame(
        {
            "population_municipale_2016": 10 ** (4 + centre / 3 + rng.normal(0, 0.05, 11)),
            "median_disposable_income_per_cu_2016": 15000 + 800 * centre + rng.normal(0, 100, 11),
            "poverty_rate_60_2016": 40 - 3 * centre + rng.normal(0, 0.5, 11),
        },
        index=pd.Index(sites, name="site_id"),
    )


def test_typology_finds_planted_groups_and_numbers_them_left_to_right():
    cols = ("population_municipale_2016", "median_disposable_income_per_cu_2016", "poverty_rate_60_2016")
    typ = typology.typology(cols, matrix=_toy_matrix())
    assert typ.k == 2 and typ.k_by_jump == 2
    first_leaf = typ.labels.index[typ.leaves[0]]
    assert typ.labels[first_leaf] == 1
    groups = {frozenset(typ.labels.index[typ.labels == g]) for g in (1, 2)}
    assert frozenset(study.site_ids()[:3]) in groups
    again = typology.typology(cols, matrix=_toy_matrix())
    assert typ.labels.equals(again.labels)
    assert np.array_equal(typ.linkage, again.linkage)


def test_typology_matches_scipy_ward():
    from scipy.cluster.hierarchy import linkage

    cols = ("median_disposable_income_per_cu_2016", "poverty_rate_60_2016")
    m = _toy_matrix()
    typ = typology.typology(cols, matrix=m)
    z = (m[list(cols)] - m[list(cols)].mean()) / m[list(cols)].std(ddof=0)
    assert np.allclose(typ.linkage, linkage(z.to_numpy(), "ward"))


def test_typology_rejects_impossible_k():
    with pytest.raises(ParameterError):
        typology.typology(k_range=(1, 11, 12))


def test_typology_of_the_eleven_sites():
    typ = typology.typology()
    assert typ.k == 2
    assert typ.k_by_jump == 2
    members = typ.members()
    assert sorted(members[1]) == ["Clichy-sous-Bois", "Creil", "Garges-lès-Gonesse"]
    sel = typ.selection_table()
    assert list(sel["Nombre de groupes"]) == [2, 3, 4, 5]
    assert sel.loc[sel["Retenu"] == "oui", "Nombre de groupes"].tolist() == [2]
    assert sel["Silhouette moyenne"].iloc[0] == sel["Silhouette moyenne"].max()
    profile = typ.profile_table()
    assert profile["Nombre de sites"].sum() == 11
    assert set(typ.profile_decimals()) <= set(profile.columns)
    descriptions = typ.descriptions()
    assert descriptions[0].startswith("Groupe 1 (") and "taux de pauvreté élevé" in descriptions[0]
    robust = typ.robustness()
    assert len(robust) == len(typology.TYPOLOGY_INDICATORS)
    assert robust["Indice de Rand ajusté"].between(-1, 1).all()
    coords, share = typ.components()
    assert coords.shape == (11, 2) and share.sum() == pytest.approx(1.0)
    assert "2 groupes" in typology.typology_summary(typ)


# --------------------------------------------------------------------------- cohorts


def test_earlier_vs_new_against_brute_force_enumeration():
    table = synthesis_tables.earlier_vs_new()
    assert (table["n (2010-2012)"] == 4).all() and (table["n (nouveaux)"] == 7).all()
    assert (table["p ajusté (Holm)"] >= table["p exact"] - 1e-12).all()
    m = indicators.indicator_matrix()
    earlier = study.sites().set_index("site_id")["in_2010_2012_study"].reindex(m.index).astype(bool).to_numpy()
    values = m["interdecile_ratio_d9_d1_2016"].to_numpy()
    observed = values[earlier].mean() - values[~earlier].mean()
    diffs = []
    for combo in itertools.combinations(range(11), 4):
        mask = np.zeros(11, dtype=bool)
        mask[list(combo)] = True
        diffs.append(values[mask].mean() - values[~mask].mean())
    diffs = np.array(diffs)
    tol = 1e-12
    greater = np.mean(diffs >= observed - tol)
    less = np.mean(diffs <= observed + tol)
    row = table[table["Indicateur"] == "Rapport D9/D1 (2016)"].iloc[0]
    assert row["Différence"] == pytest.approx(observed)
    assert row["p exact"] == pytest.approx(min(1.0, 2 * min(greater, less)))


def test_earlier_vs_new_reader_table_and_summary():
    raw = synthesis_tables.earlier_vs_new()
    table = synthesis_tables.earlier_vs_new_table(raw)
    pop = table[table["Indicateur"].str.startswith("Population")].iloc[0]
    assert pop["Différence"] > 0
    assert (table["IC 95 % (exact), borne basse"] <= table["Différence"]).all()
    assert (table["Différence"] <= table["IC 95 % (exact), borne haute"]).all()
    markdown = export.table_markdown(table, decimals=table.attrs["decimals"])
    assert french.NNBSP in markdown.splitlines()[2]  # the population mean, grouped for people
    text = synthesis_tables.earlier_vs_new_summary(raw)
    assert "Holm" in text
    flagged = raw.assign(**{"p ajusté (Holm)": [0.01] + [0.9] * (len(raw) - 1)})
    assert "significative au seuil" in synthesis_tables.earlier_vs_new_summary(flagged)


# --------------------------------------------------------------------------- fieldwork and hypotheses


def test_site_fieldwork_and_participants_tables():
    pytest.importorskip("odas_analysis.disclosure")
    table = site_tables.fieldwork_table("angers")
    assert table["Grandeur"].iloc[0] == "Entretiens de la phase 2"
    participants = site_tables.participants_table("angers")
    assert participants["Groupe d'acteurs"].iloc[-1] == "Total"
    assert "note_fr" in participants.attrs


def test_site_hypotheses_and_operationalisation_tables():
    pytest.importorskip("odas_analysis.hypotheses")
    table = site_tables.hypotheses_table("creil")
    assert set(table["Hypothèse"]) == set(study.hypothesis_ids())
    grid = table[table["Rôle"] == "condition"]
    assert grid["Valeur du site"].between(0, 3).all() and set(grid["Unité"]) == {"niveau (0 à 3)"}
    coded = table[table["Unité"] == "% des passages codés"]
    assert len(coded) and coded["Valeur du site"].between(0, 100).all()
    ops = hypothesis_tables.operationalisation_table("H2")
    assert "résultat" in set(ops["Rôle"])
    assert hypothesis_tables.operationalisation_note("H2").startswith("Source")
