"""Loading API of data/territory/ (needs only the committed tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from odas_analysis import indicators
from odas_analysis.errors import ParameterError
from odas_analysis.national import territory
from odas_analysis.study import site_ids
from odas_analysis.validate import load_table


def test_tables_validate_against_their_schemas() -> None:
    assert len(load_table("site_indicators")) == 11 * len(indicators.INDICATORS)
    assert len(load_table("site_perimeters")) == 11 * 3
    assert len(load_table("site_contracts")) == 11
    assert len(load_table("site_contract_posts")) == 11 * 2 * 4
    assert len(load_table("national_distribution")) > 0


def test_site_indicators_all_and_one() -> None:
    every = territory.site_indicators()
    assert sorted(every["site_id"].unique()) == site_ids()
    one = territory.site_indicators("le-havre")
    assert set(one["site_id"]) == {"le-havre"}
    assert len(one) == len(indicators.INDICATORS)
    assert one["value"].dtype == "float64" and str(one["data_year"].dtype) == "Int64"
    pop = territory.site_indicators("le-havre", "population_municipale", 2016)
    assert pop["value"].tolist() == [170352.0]


def test_unknown_site_lists_valid_ids() -> None:
    with pytest.raises(ParameterError) as err:
        territory.site_indicators("paris")
    assert "paris" in str(err.value) and "valenciennes-metropole" in str(err.value)


def test_unknown_indicator_and_year() -> None:
    with pytest.raises(ParameterError, match="indicateurs possibles"):
        territory.site_indicators(indicator="gdp")
    with pytest.raises(ParameterError, match="années disponibles : 2015, 2016, 2019"):
        territory.national_distribution("poverty_rate_60", 2017)
    with pytest.raises(ParameterError, match="communes, EPCI"):
        territory.national_distribution("poverty_rate_60", 2016, "départements")


def test_every_row_cites_source_and_vintage() -> None:
    table = territory.site_indicators()
    sources = set(load_table("sources")["source_id"])
    assert set(table["source_id"]) <= sources
    assert table[["geography", "data_year", "unit", "label"]].notna().all().all()
    # a missing value always comes with a note saying why
    assert table.loc[table["value"].isna(), "note"].str.len().gt(0).all()


def test_national_distribution_is_monotonic() -> None:
    for ind in territory.indicator_ids():
        for year in territory.indicators().query("indicator == @ind")["data_year"]:
            dist = territory.national_distribution(ind, int(year))
            assert dist["percentile"].tolist() == list(range(101))
            assert (np.diff(dist["value"].to_numpy()) >= 0).all()
            assert dist["n_in_distribution"].nunique() == 1


def test_site_in_distribution_places_site_consistently() -> None:
    dist = territory.site_in_distribution("creil", "poverty_rate_60", 2016)
    assert dist["site_value"].iloc[0] == 38.0
    rank = dist["site_pct_rank"].iloc[0]
    # the percentile just below the site's rank does not exceed the site's value
    below = dist.loc[dist["percentile"] == int(rank) - 1, "value"].iloc[0]
    assert below <= 38.0
    epci = territory.site_in_distribution("valenciennes-metropole", "median_disposable_income_per_cu", 2016)
    assert set(epci["rank_population"]) == {"EPCI"}
    assert territory.site_in_distribution("moulins-communaute", "poverty_rate_60", 2019).empty


def test_comparison_table_is_french_and_tidy() -> None:
    table = territory.comparison_table("angers")
    assert list(table.columns)[:7] == ["indicateur", "libellé", "année", "unité", "échelon", "territoire", "valeur"]
    assert set(table["échelon"]) == {"site", "département", "région", "France"}
    pop = table[(table["indicateur"] == "population_municipale") & (table["année"] == 2016)]
    assert pop["territoire"].tolist()[:3] == ["Angers", "Maine-et-Loire (49)", "Pays de la Loire"]
    assert pop["valeur"].tolist()[:3] == [151229.0, 810934.0, 3737632.0]
    # Filosofi medians have no reference rows (not additive)
    med = table[table["indicateur"] == "median_disposable_income_per_cu"]
    assert set(med["échelon"]) == {"site"}
    english = territory.comparison_table("angers", french=False)
    assert "level" in english.columns and isinstance(english, pd.DataFrame)
