"""odas_analysis.stats.qca beyond the oracle: expressions, cut-offs, ties, bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from odas_analysis.errors import ParameterError
from odas_analysis.stats import qca


@pytest.fixture
def fuzzy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "A": [0.9, 0.8, 0.2, 0.1, 0.7, 0.3],
            "B": [0.6, 0.1, 0.9, 0.2, 0.8, 0.4],
            "Y": [0.8, 0.7, 0.6, 0.1, 0.9, 0.2],
        },
        index=["Lille", "Metz", "Nantes", "Pau", "Rennes", "Tours"],
    )


def cyclic_data() -> pd.DataFrame:
    """Crisp data, one case per row of 3 conditions, outcome on rows 0, 1, 2, 5, 6, 7.

    The classic cyclic function: no remainder, no essential prime implicant, and two
    minimal covers (~A*~B + B*~C + A*C and ~A*~C + ~B*C + A*B).
    """
    rows = [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]
    out = [1, 1, 1, 0, 0, 1, 1, 1]
    return pd.DataFrame(
        [r + (y,) for r, y in zip(rows, out)], columns=["A", "B", "C", "Y"], index=[f"s{k}" for k in range(8)]
    )


def test_membership_of_expressions(fuzzy):
    a, b = fuzzy["A"].to_numpy(), fuzzy["B"].to_numpy()
    np.testing.assert_allclose(qca.membership(fuzzy, "A*~B + B"), np.maximum(np.minimum(a, 1 - b), b))
    np.testing.assert_allclose(qca.membership(fuzzy, "~(A + B)"), 1 - np.maximum(a, b))
    np.testing.assert_allclose(qca.membership(fuzzy, " A * B "), np.minimum(a, b))


def test_multivalue_literals():
    data = pd.DataFrame({"R": [0, 1, 2, 2], "W": [0, 1, 1, 0], "Y": [0, 1, 1, 1]})
    np.testing.assert_array_equal(qca.membership(data, "R[2]"), [0, 0, 1, 1])
    np.testing.assert_array_equal(qca.membership(data, "R{1,2}*W[1]"), [0, 1, 1, 0])


@pytest.mark.parametrize(
    "expression, message",
    [
        ("A*C", "nomme 'C', qui n'est pas une condition des données (connues : A, B, Y)"),
        ("A**B", "'*' inattendu"),
        ("A*(B", "')' manquante"),
        ("A*", "se termine trop tôt"),
        ("A & B", "illisible à partir de '& B'"),
        ("", "est vide"),
        ("A[x]", "doivent être des entiers"),
    ],
)
def test_expression_errors(fuzzy, expression, message):
    with pytest.raises(qca.ExpressionError) as err:
        qca.membership(fuzzy, expression)
    assert message in str(err.value)
    assert isinstance(err.value, ParameterError)


def test_fit_summary_is_french(fuzzy):
    res = qca.fit(fuzzy, "A", "Y")
    assert res.method == "Suffisance" and res.statistic == res.consistency
    assert re.fullmatch(
        r"Suffisance de A pour Y : consistance = \d,\d{3} ; couverture = \d,\d{3} ; PRI = \d,\d{3} \(n = 6\)\.",
        res.summary(),
    )
    assert "RoN" in qca.fit(fuzzy, "A + B", "Y", relation="necessity").summary()


def test_negated_outcome(fuzzy):
    direct = qca.fit(fuzzy, "A", "~Y")
    y = 1 - fuzzy["Y"].to_numpy()
    a = fuzzy["A"].to_numpy()
    assert direct.consistency == pytest.approx(np.minimum(a, y).sum() / a.sum())
    tt = qca.truth_table(fuzzy, "~Y", ["A", "B"], incl_cut=0.8)
    assert tt.table.loc[1, "OUT"] == "1"  # ~A*~B: Pau


def test_calibration_variants():
    x = np.array([0, 10, 20, 30, 50, 70, 80, 90, 100], dtype=float)
    crisp = qca.calibrate(x, [25, 75], type="crisp")
    np.testing.assert_array_equal(crisp, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    bell = qca.calibrate(x, [0, 20, 40, 60, 80, 100], logistic=False)
    np.testing.assert_allclose(bell, [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0])
    named = qca.calibrate(x, {"e": 20, "c": 50, "i": 80})
    np.testing.assert_allclose(named, qca.calibrate(x, [20, 50, 80]))
    linear_down = qca.calibrate(x, [80, 50, 20], logistic=False)
    np.testing.assert_allclose(linear_down, 1 - qca.calibrate(x, [20, 50, 80], logistic=False))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"thresholds": [1, 2]}, "en demande 3 ou 6"),
        ({"thresholds": [20, 50, 80], "idm": 0.4}, "idm=0.4"),
        ({"thresholds": [20, 20, 80]}, "doivent tous différer"),
        ({"thresholds": [20, 50, 80], "logistic": False, "below": 0}, "doivent être positifs"),
        ({"thresholds": [500], "type": "crisp"}, "hors de l'étendue"),
        ({"thresholds": [20, 50, 80], "type": "fuzzy-ish"}, "type='fuzzy-ish'"),
    ],
)
def test_calibration_errors(kwargs, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        qca.calibrate([0, 50, 100], **kwargs)


def test_truth_table_cut_offs(fuzzy):
    tt = qca.truth_table(fuzzy, "Y", ["A", "B"], incl_cut=0.8, n_cut=2)
    table = tt.table
    assert list(table.columns) == ["A", "B", "OUT", "n", "incl", "PRI", "cases"]
    assert table.loc[4, "cases"] == "Lille,Rennes" and table.loc[4, "OUT"] == "1"
    assert table.loc[2, "n"] == 1 and table.loc[2, "OUT"] == "?"  # below n_cut: remainder
    contradictions = qca.truth_table(fuzzy, "Y", ["A", "B"], incl_cut=[0.95, 0.7]).table
    assert set(contradictions["OUT"]) <= {"0", "1", "C", "?"}
    assert (contradictions.loc[(contradictions["incl"] >= 0.7) & (contradictions["incl"] < 0.95), "OUT"] == "C").all()
    strict_pri = qca.truth_table(fuzzy, "Y", ["A", "B"], incl_cut=0.5, pri_cut=0.99).table
    assert "1" not in set(strict_pri["OUT"])
    assert "Table de vérité pour Y" in tt.summary()


def test_all_tied_minimal_solutions_in_a_stable_order():
    data = cyclic_data()
    sol = qca.minimize(data, "Y", ["A", "B", "C"])
    expected = {frozenset({"~A*~B", "B*~C", "A*C"}), frozenset({"~A*~C", "~B*C", "A*B"})}
    assert {frozenset(s.split(" + ")) for s in sol.conservative} == expected
    assert {frozenset(s.split(" + ")) for s in sol.parsimonious} == expected
    again = qca.minimize(data.iloc[::-1], "Y", ["A", "B", "C"])
    assert again.conservative == sol.conservative and again.parsimonious == sol.parsimonious
    for solution in sol.conservative:
        np.testing.assert_array_equal(qca.membership(data, solution), data["Y"].to_numpy())
    assert "solution conservatrice M1" in sol.summary() and "solution conservatrice M2" in sol.summary()
    assert [(f, t) for f, t, _, _ in sol.families()] == [
        ("conservatrice", "M1"),
        ("conservatrice", "M2"),
        ("parcimonieuse", "M1"),
        ("parcimonieuse", "M2"),
    ]


def test_directional_expectations_string_and_mapping_agree(oracle_dir):
    lf = pd.read_csv(oracle_dir / "LF.csv", index_col="case")
    conditions = ["DEV", "URB", "LIT", "IND", "STB"]
    as_string = qca.minimize(lf, "SURV", conditions, incl_cut=0.8, dir_exp="DEV, URB, LIT, IND, STB")
    as_mapping = qca.minimize(lf, "SURV", conditions, incl_cut=0.8, dir_exp={c: 1 for c in conditions})
    assert as_string.intermediate == as_mapping.intermediate == ["DEV*URB*LIT*STB + DEV*LIT*~IND*STB"]
    dont_care = qca.minimize(lf, "SURV", conditions, incl_cut=0.8, dir_exp={c: "-" for c in conditions})
    assert dont_care.intermediate == dont_care.conservative
    assert "solution intermédiaire" in as_string.summary()


def test_no_intermediate_without_expectations(fuzzy):
    sol = qca.minimize(fuzzy, "Y", ["A", "B"], incl_cut=0.8)
    assert sol.intermediate is None and sol.intermediate_details == []


@pytest.mark.parametrize(
    "change, kwargs, message",
    [
        (
            lambda d: d.assign(A=[0.9, 0.8, 0.2, 0.1, 0.7, 1.5]),
            {},
            "colonne 'A', cas Tours : l'appartenance 1.5 est hors de [0, 1]",
        ),
        (
            lambda d: d.assign(B=[0.6, -0.1, 0.9, 0.2, 0.8, 0.4]),
            {},
            "colonne 'B', cas Metz : la valeur -0.1 est négative",
        ),
        (
            lambda d: d,
            {"set_type": "crisp"},
            "colonne 'A', cas Lille : valeur 0.9 dans des données déclarées nettes ; 0 ou 1 attendu",
        ),
        (
            lambda d: d.assign(A=[1, 0, 2, 0, 1, 1]),
            {"set_type": "crisp"},
            "cas Nantes : valeur 2.0 dans des données déclarées nettes",
        ),
        (lambda d: d.assign(A=[1, 0, 2, 0, 1, 1]), {"set_type": "fuzzy"}, "l'appartenance 2.0 est hors de [0, 1]"),
        (
            lambda d: d.assign(Y=[1, 0, 2, 0, 1, 1]),
            {},
            "colonne 'Y', cas Nantes : l'appartenance 2.0 est hors de [0, 1]",
        ),
        (
            lambda d: d.assign(A=[0.9, None, 0.2, 0.1, 0.7, 0.3]),
            {},
            "colonne 'A' : appartenance manquante pour le(s) cas Metz",
        ),
        (lambda d: d.iloc[:2], {}, "data : 2 cas fourni(s), il en faut au moins 3"),
        (lambda d: d, {"conditions": ["A", "Z"]}, "la condition 'Z' n'est pas une colonne des données"),
        (lambda d: d, {"conditions": ["A", "Y"]}, "le résultat 'Y' figure aussi parmi les conditions"),
        (lambda d: d, {"incl_cut": 1.2}, "incl_cut=1.2"),
        (lambda d: d, {"n_cut": 0}, "n_cut=0"),
        (lambda d: d, {"set_type": "binary"}, "set_type='binary'"),
    ],
)
def test_bad_input_gets_a_clear_error(fuzzy, change, kwargs, message):
    kwargs = {"conditions": ["A", "B"], **kwargs}
    with pytest.raises(ParameterError) as err:
        qca.truth_table(change(fuzzy), "Y", incl_cut=kwargs.pop("incl_cut", 0.8), **kwargs)
    assert message in str(err.value)


def test_nothing_to_explain(fuzzy):
    with pytest.raises(ParameterError, match="rien à expliquer"):
        qca.minimize(fuzzy, "Y", ["A", "B"], incl_cut=1)


def test_multivalue_integer_levels_are_detected():
    data = pd.DataFrame({"R": [0, 0, 1, 1, 2, 2], "W": [0, 1, 0, 1, 0, 1], "Y": [0, 0, 0, 1, 1, 1]})
    tt = qca.truth_table(data, "Y", ["R", "W"], incl_cut=1)
    assert tt.multivalue and tt.levels == [3, 2] and len(tt.table) == 6
    sol = qca.minimize(data, "Y", ["R", "W"], incl_cut=1)
    assert sol.parsimonious == ["R[2] + R[1]*W[1]"] or sol.parsimonious == ["R[2] + W[1]"]
    np.testing.assert_array_equal(qca.membership(data, sol.conservative[0]), data["Y"])


def test_dir_exp_errors(fuzzy):
    with pytest.raises(ParameterError, match="dir_exp nomme 'Q'"):
        qca.minimize(fuzzy, "Y", ["A", "B"], incl_cut=0.8, dir_exp={"Q": 1})
    with pytest.raises(ParameterError, match="niveau\\(x\\) attendu"):
        qca.minimize(fuzzy, "Y", ["A", "B"], incl_cut=0.8, dir_exp={"A": 3})
    with pytest.raises(ParameterError, match="une forme telle que"):
        qca.minimize(fuzzy, "Y", ["A", "B"], incl_cut=0.8, dir_exp="A; B")


# ---------------------------------------------------------------------------
# Regression: minimal covers of large charts (issue 10)
# ---------------------------------------------------------------------------


def random_crisp(k, n, seed):
    rng = np.random.default_rng(seed)
    names = [f"C{i}" for i in range(k)]
    return pd.DataFrame(rng.integers(0, 2, size=(n, k + 1)), columns=names + ["Y"]), names


@pytest.mark.parametrize("k, n, seed", [(8, 30, 3), (10, 30, 3), (12, 25, 3), (12, 30, 3), (12, 30, 4)])
def test_minimisation_of_many_conditions_returns_quickly(k, n, seed):
    """8 × 30 never returned, nor 10 × 30 or 12 × 25: trying every combination of prime implicants."""
    import time

    from odas_analysis.errors import ParameterError

    data, names = random_crisp(k, n, seed)
    t0 = time.process_time()
    try:
        sol = qca.minimize(data, "Y", names, incl_cut=0.8, dir_exp={c: 1 for c in names})
        assert sol.parsimonious and sol.conservative
    except ParameterError as exc:
        assert "MAX_TIED_SOLUTIONS" in str(exc)  # a clear error past the cap, not a hang
    assert time.process_time() - t0 < 5


def test_minimal_covers_are_all_the_covers_of_minimum_size():
    """Against brute force on random charts: same minimum size, same covers, same order."""
    import itertools

    rng = np.random.default_rng(0)
    for _ in range(60):
        chart = rng.random((int(rng.integers(3, 9)), int(rng.integers(2, 7)))) < 0.4
        chart[rng.integers(0, chart.shape[0], chart.shape[1]), np.arange(chart.shape[1])] = True
        brute = []
        for size in range(1, chart.shape[0] + 1):
            brute = [c for c in itertools.combinations(range(chart.shape[0]), size) if chart[list(c)].any(axis=0).all()]
            if brute:
                break
        assert qca._minimal_covers(chart) == brute
