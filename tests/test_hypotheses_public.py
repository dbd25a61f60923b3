"""H1-H5: the public indicators of each hypothesis, tested on public data alone (real results)."""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from odas_analysis import config, hypotheses, study
from odas_analysis.errors import ParameterError
from odas_analysis.hypotheses import public
from odas_analysis.hypotheses.sites import site_rows
from odas_analysis.tables import hypothese as hypothesis_tables

TERRITORY = config.PROJECT_ROOT / "data" / "territory"


def _csv(name: str) -> list[dict[str, str]]:
    with (TERRITORY / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_hypothesis_gets_public_indicators_citing_the_report_as_the_projects_choice():
    ops = hypotheses.operationalisation(scope="public")
    assert sorted(ops["hypothesis_id"].unique()) == study.hypothesis_ids()
    assert set(ops["data_source"]) == {"territory", "perimeter", "contract"}
    assert (ops["chosen_by"] == "project").all()
    assert ops["source_detail"].str.contains("partie|Avant-propos").all()
    assert ops["source_detail"].str.contains("choix du projet").all()
    assert set(ops["element"]) <= {"condition", "secondary_outcome", "context"}
    themes = {  # the report's themes and the public data that measure them
        "Section I, I.3": "perimeter",
        "Section II, III.1": "contract",
        "Section II, II.3": "contract",
        "Section I, II.1": "territory",
    }
    for section, source in themes.items():
        assert (ops.loc[ops["source_detail"].str.contains(section, regex=False), "data_source"] == source).any(), (
            section
        )
    sources = study.sources().set_index("source_id")
    assert set(ops["source_id"]) <= set(sources.index)


def test_public_rows_stay_out_of_the_verdict_tests():
    everything = hypotheses.operationalisation(scope="all")
    verdict = hypotheses.operationalisation()
    assert len(verdict) + len(hypotheses.operationalisation(scope="public")) == len(everything)
    assert (verdict["scope"] == "verdict").all()
    with pytest.raises(ParameterError, match="scope"):
        hypotheses.operationalisation("H1", scope="tout")


def test_perimeter_change_recomputed_from_the_committed_table():
    """Changed: another EPCI on 1 January 2017 than in 2015, or communes gained (communes nouvelles do not count)."""
    rows = _csv("site_perimeters.csv")
    expected: dict[str, float] = {}
    for site in {r["site_id"] for r in rows}:
        mine = {r["year"]: r for r in rows if r["site_id"] == site}
        gained = sum(int(mine[y]["communes_gained"]) for y in ("2016", "2017"))
        expected[site] = float(mine["2015"]["siren_epci"] != mine["2017"]["siren_epci"] or gained > 0)
    values = public.public_site_data("H2")["perimeter_changed"]
    assert values.to_dict() == expected
    assert values["creil"] == 1 and values["moulins-communaute"] == 1 and values["angers"] == 0


def test_contract_posts_are_the_2020_rate_per_10000():
    rows = [r for r in _csv("site_contract_posts.csv") if r["programme"] == "fonjep" and r["year"] == "2020"]
    values = public.public_site_data("H4")["fonjep_per_10000"]
    for r in rows:
        rate = float(r["posts"]) / float(r["population_municipale_2015"]) * 10_000
        assert values[r["site_id"]] == pytest.approx(rate, abs=0.001), r["site_id"]


@pytest.mark.parametrize("h", ["H1", "H2", "H3", "H4", "H5"])
def test_each_hypothesis_has_at_least_one_real_result(h):
    res = hypotheses.public_results(h)
    assert list(res.columns) == hypotheses.RESULT_COLUMNS
    assert (res["family"] == "public").all() and (res["test"] == "spearman_public").all()
    computed = res[res["p_value"].notna()]
    assert len(computed) >= 1 and computed["p_value"].between(0, 1).all()
    assert computed["statistic"].between(-1, 1).all() and (computed["ci_low"] <= computed["statistic"]).all()
    if len(computed) > 1:
        assert (computed["p_holm"] >= computed["p_value"] - 1e-12).all()
    else:
        assert computed["p_holm"].isna().all()


def test_rho_and_exact_p_by_enumeration():
    """H3: poverty 2016 against municipal turnout 2026, nine communes: every re-pairing enumerated here."""
    data = public.public_site_data("H3")[["poverty_rate_60", "turnout_municipal_2026"]].dropna()
    assert len(data) == 9  # the two agglomerations have no municipal turnout
    x, y = data.to_numpy().T
    rho = stats.spearmanr(x, y).statistic
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    perms = np.array(list(itertools.permutations(range(len(ry)))))  # all 9! re-pairings
    centred_x, centred_y = rx - rx.mean(), ry - ry.mean()
    scale = np.sqrt((centred_x**2).sum() * (centred_y**2).sum())
    rhos = (centred_y[perms] @ centred_x) / scale
    assert rhos[0] == pytest.approx(rho)
    p_exact = np.mean(np.abs(rhos) >= abs(rho) - 1e-12)
    res = hypotheses.public_results("H3")
    line = res[res["variables"].str.contains("2026")].iloc[0]
    assert line["statistic"] == pytest.approx(rho) and line["p_value"] == pytest.approx(p_exact, rel=1e-9)
    assert line["n"] == 9


def test_public_pairs_are_not_repeated_among_the_simulated_tests():
    data = hypotheses.site_data("H1")
    ops = hypotheses.operationalisation("H1")
    rows = site_rows(ops, data, hypotheses.calibrated("H1", data))
    labels = [r["variables"] for r in rows]
    assert not any("Taux de pauvreté" in v and "présidentielle" in v for v in labels)
    public_labels = set(hypotheses.public_results("H1")["variables"])
    assert any("Taux de pauvreté" in v and "présidentielle" in v for v in public_labels)


def test_public_table_for_the_page():
    table = hypotheses.public_table_fr("H1")
    note = table.attrs["note_fr"]
    assert "données réelles" in note and "n'entrent pas dans le verdict" in note and "onze sites" in note
    assert "Covid-19" in note and "2020, après l'étude" in note and "Holm" in note
    assert "données simulées" not in note.lower()
    single = hypotheses.public_table_fr("H5").attrs["note_fr"]
    assert "pas de correction multiple" in single and "Covid" not in single
    assert all(isinstance(v, str) for v in table.to_numpy().ravel())
    p = table["p"].iloc[0]
    assert "," in p or p.startswith("<")


def test_operationalisation_table_says_usage_and_choice():
    table = hypothesis_tables.operationalisation_table("H2")
    assert set(table["Usage"]) == {"tests du verdict", "indicateur public, hors verdict"}
    assert set(table["Choix"]) == {"rapport", "choix du projet"}
    assert table["Section du rapport ou précision"].str.len().gt(0).all()


def test_verdict_rule_says_public_results_are_outside_the_verdict():
    rule = hypotheses.VERDICT_RULE_FR
    assert "indicateurs publics" in rule and "n'entrent pas dans le verdict" in rule


def test_missing_values_are_not_invented():
    data = public.public_site_data("H1")
    assert math.isnan(data.loc["moulins-communaute", "turnout_municipal_2020"])
    assert pd.notna(data.loc["moulins-communaute", "turnout_presidential_2017_round1"])


def test_summary_counts_what_the_table_shows():
    for h in study.hypothesis_ids():
        res = hypotheses.public_results(h)
        text = hypotheses.public_summary_fr(h)
        assert text.startswith("**Données réelles.**")
        computed = res[res["p_value"].notna()]
        decisive = computed["p_holm"] if len(computed) > 1 else computed["p_value"]
        n_found = int((decisive < 0.05).sum())
        assert text.startswith(f"**Données réelles.** {len(computed)} test"), h
        assert (f"; {n_found} conclu" in text) if n_found else ("aucun ne conclut" in text), h
        assert ("aucune association nette" in text) == (n_found == 0), h
    assert "association négative" in hypotheses.public_summary_fr("H1")  # posts vs 2017 turnout, p (Holm) 0,045
