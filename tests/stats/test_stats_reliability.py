"""odas_analysis.stats.reliability against Krippendorff's published worked examples.

Reliability data and results from K. Krippendorff, "Computing Krippendorff's
Alpha-Reliability" (Annenberg School for Communication, 2011): example A (binary, two
observers), B (nominal, two observers) and C (four observers, twelve units, missing
values), the latter at the nominal, ordinal, interval and ratio levels. The paper gives
three decimals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from odas_analysis.errors import ParameterError
from odas_analysis.stats import reliability

N = None

EXAMPLE_A = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
EXAMPLE_B = [list("aabbdcccedda"), list("babbbccceddd")]
EXAMPLE_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize(
    "data, level, published",
    [
        (EXAMPLE_A, "nominal", 0.095),
        (EXAMPLE_B, "nominal", 0.692),
        (EXAMPLE_C, "nominal", 0.743),
        (EXAMPLE_C, "ordinal", 0.815),
        (EXAMPLE_C, "interval", 0.849),
        (EXAMPLE_C, "ratio", 0.797),
    ],
)
def test_krippendorff_worked_examples(data, level, published):
    assert round(reliability.krippendorff_alpha(data, level=level).statistic, 3) == published


def test_example_c_counts():
    res = reliability.krippendorff_alpha(EXAMPLE_C)
    assert (res.n, res.n_coders, res.n_values) == (11, 4, 40)  # unit 12 has a single code


def pairwise_alpha(data, delta):
    """Alpha from its definition over pairs of pairable values (no coincidence matrix)."""
    values = [[v for v in unit if v is not None] for unit in zip(*data)]
    units = [u for u in values if len(u) >= 2]
    pooled = [v for u in units for v in u]
    n = len(pooled)
    observed = sum(sum(delta(a, b) for a, b in itertools.permutations(u, 2)) / (len(u) - 1) for u in units) / n
    expected = sum(delta(a, b) for a, b in itertools.permutations(pooled, 2)) / (n * (n - 1))
    return 1 - observed / expected


def test_nominal_and_interval_match_the_pairwise_definition():
    assert reliability.krippendorff_alpha(EXAMPLE_C).statistic == pytest.approx(
        pairwise_alpha(EXAMPLE_C, lambda a, b: float(a != b)), abs=1e-12
    )
    assert reliability.krippendorff_alpha(EXAMPLE_C, "interval").statistic == pytest.approx(
        pairwise_alpha(EXAMPLE_C, lambda a, b: (a - b) ** 2), abs=1e-12
    )


def test_dataframe_with_nan_is_accepted():
    frame = pd.DataFrame(EXAMPLE_C, index=["A", "B", "C", "D"], dtype=float)
    assert reliability.krippendorff_alpha(frame, "ordinal").statistic == pytest.approx(
        reliability.krippendorff_alpha(EXAMPLE_C, "ordinal").statistic
    )


@pytest.mark.parametrize("weights, wt", [(None, None), ("linear", "linear"), ("quadratic", "quadratic")])
def test_cohen_kappa_matches_statsmodels(weights, wt):
    a = [1, 2, 3, 1, 2, 3, 1, 1, 2, 3, 2, 2]
    b = [1, 2, 3, 2, 2, 3, 1, 3, 2, 1, 2, 3]
    table = np.zeros((3, 3))
    for x, y in zip(a, b):
        table[x - 1, y - 1] += 1
    expected = cohens_kappa(table, wt=wt).kappa
    assert reliability.cohen_kappa(a, b, weights=weights).statistic == pytest.approx(expected, abs=1e-12)


def test_cohen_kappa_leaves_out_missing_units():
    res = reliability.cohen_kappa(["x", "y", None, "x", "y"], ["x", "y", "x", "y", "y"])
    assert res.n == 4
    assert res.statistic == pytest.approx(reliability.cohen_kappa(["x", "y", "x", "y"], ["x", "y", "y", "y"]).statistic)


def test_summaries_are_french():
    text = reliability.krippendorff_alpha(EXAMPLE_C, "interval").summary()
    assert (
        text == "Alpha de Krippendorff (d'intervalle) : alpha = 0,849 ; 11 unités, 4 codeurs, 40 valeurs appariables."
    )
    assert (
        reliability.cohen_kappa([1, 2, 1, 2], [1, 2, 2, 2])
        .summary()
        .startswith("Kappa de Cohen (non pondéré) : kappa = 0,")
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: reliability.krippendorff_alpha([[1, 2, 3]]), "au moins deux codeurs"),
        (lambda: reliability.krippendorff_alpha(EXAMPLE_C, level="circular"), "level='circular'"),
        (
            lambda: reliability.krippendorff_alpha([[1, N, 3], [N, 2, N]]),
            "aucune unité n'est codée par au moins deux codeurs",
        ),
        (lambda: reliability.krippendorff_alpha([[1, 1, 1], [1, 1, 1]]), "alpha n'est pas défini"),
        (lambda: reliability.krippendorff_alpha(EXAMPLE_B, level="interval"), "demande des codes numériques"),
        (lambda: reliability.cohen_kappa([1, 2, 3], [1, 2]), "coder1 a 3 codes et coder2 2"),
        (lambda: reliability.cohen_kappa([1, 2, None], [1, 2, 3]), "il en faut au moins 3"),
        (lambda: reliability.cohen_kappa([1, 2, 1], [1, 2, 1], weights="cubic"), "weights='cubic'"),
        (lambda: reliability.cohen_kappa([1, 1, 1], [1, 1, 1]), "qu'une catégorie"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ParameterError) as err:
        call()
    assert message in str(err.value)
