"""The synthesis' representativeness: the eleven against the communes of 20,000+ and the CA.

Needs only the committed ``comparison_universe.csv``. The mean percentile is recomputed
here with plain Python from the universe's rows; the Monte Carlo path is forced to check
that its error is stated; the report chapter cites the exports and says the sites are
described, not generalised.
"""

from __future__ import annotations

import tomllib

import matplotlib
import pandas as pd
import pytest

from odas_analysis.publication import REPORT_DIR
from odas_analysis.tables import representativeness as rep

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def result() -> pd.DataFrame:
    return rep.representativeness()


def _mean_percentile(key: str) -> float:
    from odas_analysis.national import territory

    universe = territory.comparison_universe()
    indicator, year = key.rsplit("_", 1)
    part = universe[(universe["indicator"] == indicator) & (universe["data_year"] == int(year))]
    ranks = []
    for _level, rows in part.groupby("unit_level"):
        values = [float(v) for v in rows["value"] if not pd.isna(v)]
        for v, site in zip(rows["value"], rows["site_id"], strict=True):
            if isinstance(site, str) and site and not pd.isna(v):
                ranks.append(100 * sum(x <= float(v) for x in values) / len(values))
    return sum(ranks) / len(ranks)


def test_one_row_per_indicator_exact_and_adjusted(result):
    assert list(result["indicator_key"]) == [s.key for s in rep.REPRESENTATIVENESS_INDICATORS]
    assert set(result["method"]) == {"exact"}
    assert (result["p_holm"] >= result["pvalue"] - 1e-12).all() and (result["p_holm"] <= 1).all()
    assert result.loc[result["indicator_key"] == "population_municipale_2016", "n_sites"].item() == 11
    for key in ("population_municipale_2016", "poverty_rate_60_2016", "turnout_municipal_round1_2020"):
        mean = result.loc[result["indicator_key"] == key, "mean_pct"].item()
        assert mean == pytest.approx(_mean_percentile(key), abs=1e-9)


def test_the_reader_table_states_how_each_p_value_was_computed(result):
    table = rep.representativeness_table(result)
    assert table["Calcul de p"].str.startswith("exacte").all()
    forced = rep.representativeness(method="monte-carlo", n_draws=2_000, seed=7)
    mc = rep.representativeness_table(forced)
    assert mc["Calcul de p"].str.contains("Monte Carlo, 2\u202f000 tirages : erreur type").all()
    assert (forced["ci99_low"] <= forced["pvalue"]).all() and (forced["pvalue"] <= forced["ci99_high"]).all()
    assert "Monte Carlo" in rep.representativeness_summary(forced)
    note = rep.representativeness_note(result)
    assert "20 000 habitants" in note and "Holm" in note and "jamais imputé" in note


def test_each_site_in_its_own_universe():
    table = rep.site_percentile_table()
    assert len(table) == 11
    by_site = table.set_index("Site")
    assert by_site.loc["Moulins Communauté", "Comparé aux"] == "communautés d'agglomération"
    assert by_site.loc["Creil", "Comparé aux"] == "communes de 20 000 habitants ou plus"
    municipal = rep.indicators.spec("turnout_municipal_round1", 2020).header
    assert pd.isna(by_site.loc["Valenciennes Métropole", municipal])  # no EPCI value: not imputed
    assert by_site.drop(columns="Comparé aux").stack().dropna().between(0, 100).all()


def test_the_summary_describes_and_does_not_generalise(result):
    text = rep.representativeness_summary(result)
    assert "tiré au sort" in text and "ne permettent pas d'étendre" in text
    for _, row in result[result["p_holm"] <= 0.05].iterrows():
        assert row["header"][1:] in text


def test_the_figure_has_one_row_per_indicator_and_its_p_values(result):
    from odas_analysis.figures import synthese as figures

    fig = figures.sites_in_universe(result)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == len(result)
    assert sum(1 for t in ax.texts if t.get_text().startswith("p ")) == len(result)


def test_the_report_chapter_cites_the_exports_in_its_own_words():
    chapter = REPORT_DIR / "chapitres" / "11-representativite.md"
    summary = tomllib.loads((REPORT_DIR / "sommaire.toml").read_text(encoding="utf-8"))
    assert "chapitres/11-representativite.md" in [c["file"] for c in summary["chapitre"]]
    text = chapter.read_text(encoding="utf-8")
    assert text.startswith("# Les sites sont-ils représentatifs ?")
    for ref in (
        "tables/synthese/representativite\n",
        "figures/synthese/representativite\n",
        "tables/synthese/representativite-rangs",
    ):
        assert ref in text
    prose = " ".join(text.split())
    assert "tirage au sort" in prose and "décrit ces onze sites" in prose
