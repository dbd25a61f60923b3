"""Sites against their universe: percentiles, nearest territories, the stratified rank test.

The exact null distribution is checked against a brute-force enumeration written here,
the Monte Carlo estimate against the exact value, and the committed universe against
values recomputed from it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from odas_analysis import comparison
from odas_analysis.errors import ParameterError
from odas_analysis.national import territory


def _brute_force(universes: list[tuple[list[float], list[bool]]]) -> float:
    """Two-sided p-value by enumerating every draw (mean percentile of the drawn units)."""
    ranks = []
    for values, sites in universes:
        v = np.asarray(values)
        ranks.append(([int((v <= x).sum()) for x in v], sum(sites), len(v)))
    n_total = sum(n for _, n, _ in ranks)

    def stat(choice: list[tuple[int, ...]]) -> float:
        return sum(100 * sum(r[i] for i in idx) / size for (r, _, size), idx in zip(ranks, choice)) / n_total

    observed = stat([tuple(i for i, s in enumerate(sites) if s) for _, sites in universes])
    draws = [list(itertools.combinations(range(size), n)) for _, n, size in ranks]
    null = [stat(list(choice)) for choice in itertools.product(*draws)]
    expected = float(np.mean(null))
    return float(np.mean([abs(t - expected) >= abs(observed - expected) - 1e-9 for t in null]))


UNIVERSES = [
    (
        [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0],
        [False, False, True, False, False, True, False, False, True, False],
    ),
    ([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], [False, False, False, False, True, True]),
]


def test_exact_test_matches_brute_force_enumeration() -> None:
    res = comparison.sites_differ_test(UNIVERSES, method="exact")
    assert res.method == "exact" and res.n_sites == 5 and res.n_universe == 16
    assert res.pvalue == pytest.approx(_brute_force(UNIVERSES), abs=1e-12)
    one = comparison.sites_differ_test(UNIVERSES[:1])
    assert one.pvalue == pytest.approx(_brute_force(UNIVERSES[:1]), abs=1e-12)


def test_monte_carlo_agrees_with_the_exact_value_within_its_error() -> None:
    exact = comparison.sites_differ_test(UNIVERSES, method="exact")
    mc = comparison.sites_differ_test(UNIVERSES, method="monte-carlo", n_draws=40_000, seed=1)
    assert mc.method == "Monte Carlo" and mc.n_draws == 40_000 and mc.standard_error > 0
    assert abs(mc.pvalue - exact.pvalue) < 4 * mc.standard_error + 1 / 40_000
    assert mc.ci99[0] <= exact.pvalue <= mc.ci99[1]
    assert "Monte Carlo (40\u202f000 tirages" in mc.summary() and "IC 99" in mc.summary()
    assert exact.summary().startswith("Rang centile moyen des 5 sites : ") and "test exact" in exact.summary()


def test_a_group_of_extremes_is_detected_and_a_typical_one_is_not() -> None:
    values = np.arange(200, dtype=float)
    top = values >= 190
    assert comparison.sites_differ_test([(values, top)]).pvalue < 1e-6
    middle = (values >= 95) & (values < 105)
    assert comparison.sites_differ_test([(values, middle)]).pvalue > 0.5


def test_bad_input_is_refused_in_french() -> None:
    with pytest.raises(ParameterError, match="méthode inconnue"):
        comparison.sites_differ_test(UNIVERSES, method="bootstrap")
    with pytest.raises(ParameterError, match="aucun site"):
        comparison.sites_differ_test([([1.0, 2.0], [False, False])])
    with pytest.raises(ParameterError, match="sans manque"):
        comparison.sites_differ_test([([1.0, float("nan")], [True, False])])


def _long(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"unit_level": "commune", "code": c, "name": c, "site_id": s, "indicator": i, "data_year": 2016, "value": v}
            for c, s, i, v in rows
        ]
    )


def test_percentiles_and_nearest_on_a_small_universe() -> None:
    rows = []
    for n, (a, b) in enumerate([(1, 1), (2, 2), (3, 3), (10, 10), (2.1, 2.2)]):
        code = f"0000{n}"
        rows += [(code, "s" if n == 1 else "", "x", a), (code, "s" if n == 1 else "", "y", b)]
    universe = _long(rows)
    pct = comparison.percentiles(universe)
    assert set(pct["site_id"]) == {"s"} and list(pct["pct_rank"]) == [40.0, 40.0]
    matrix = comparison.universe_matrix(universe, "commune")
    near = comparison.nearest_territories(matrix, "00001", [("x", 2016), ("y", 2016)], k=2, log_indicators=())
    assert list(near["code"]) == ["00004", "00000"] and near.attrs["n_units"] == 5
    with pytest.raises(ParameterError, match="absent"):
        comparison.nearest_territories(matrix, "00001", [("z", 2016)])


def test_the_committed_universe() -> None:
    universe = territory.comparison_universe()
    communes = comparison.universe_matrix(universe, "commune")
    epci = comparison.universe_matrix(universe, "EPCI")
    assert len(communes) == 492 and len(communes.attrs["sites"]) == 9
    assert len(epci.attrs["sites"]) == 2 and len(epci) > 200
    pct = comparison.percentiles(universe).set_index(["site_id", "indicator_key"])
    poverty = communes["poverty_rate_60_2016"].dropna()
    creil = communes.at["60175", "poverty_rate_60_2016"]
    expected = round(100 * (poverty <= creil).sum() / poverty.size, 1)
    assert pct.at[("creil", "poverty_rate_60_2016"), "pct_rank"] == expected
    near = comparison.nearest_territories(communes, "60175")
    assert len(near) == 5 and (near["distance"] > 0).all() and "60175" not in set(near["code"])
    table = comparison.representativeness(universe)
    row = table.set_index("indicator_key").loc["poverty_rate_60_2016"]
    assert row["method"] == "exact" and row["n_sites"] == 11 and 0 < row["pvalue"] <= 1
    assert (table["n_sites"] <= 11).all() and table["pvalue"].between(0, 1).all()


def test_site_neighbours_resolve_the_site_and_name_the_units() -> None:
    universe = territory.comparison_universe()
    near = comparison.site_neighbours(universe, "moulins-communaute", k=3)
    assert near.attrs["unit_level"] == "EPCI" and len(near) == 3 and near["name"].str.len().gt(0).all()
    assert "200071140" not in set(near["code"])
    creil = comparison.site_neighbours(universe, "creil")
    assert creil.attrs["unit_level"] == "commune" and creil.attrs["n_units"] > 400
    with pytest.raises(ParameterError, match="absent"):
        comparison.site_neighbours(universe, "paris")
