"""Crisp-set QCA of a hypothesis: necessity first, then sufficiency, with a permutation test.

The counted piece of evidence is the *directional part* of the intermediate solution:
its terms that use only literals in the expected direction (a term such as
``~TERRITORIALISATION``, the absence of a condition the hypothesis expects to help, does
not count). It counts when, in every tied model, that part reaches consistency
:data:`~.rules.INCL_CUT` and coverage :data:`~.rules.COVERAGE_CUT`, and when the outcome,
distributed among the sites in every possible way (``C(n, m)`` assignments of the ``m``
sites in the outcome set), does as well or better in fewer than 5 % of them (Braumoeller
2015's permutation test of a QCA solution, computed exactly).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from .. import french
from ..errors import ParameterError
from ..stats import exact, qca
from ..stats.expressions import Parser, literals
from .rules import COVERAGE_CUT, INCL_CUT, NECESSITY_CUT, RON_CUT, SKEW_HIGH, SKEW_LOW
from .spec import label, outcome_of


def expectations(ops: pd.DataFrame, conditions: list[str]) -> dict[str, str]:
    """``{CONDITION: "positive" | "negative" | "none"}`` for the QCA conditions."""
    conds = ops[ops["element"].isin(["condition", "context"])]
    return {
        str(r["variable_id"]).upper(): str(r["expected_direction"])
        for _, r in conds.iterrows()
        if str(r["variable_id"]).upper() in conditions
    }


def directional_terms(solution: str, expected: dict[str, str]) -> list[str]:
    """Terms whose literals all go the expected way, with at least one condition that has an expectation."""
    kept = []
    for term in (t.strip() for t in solution.split("+")):
        lits = literals(Parser(term).parse())
        wrong = any(
            (expected.get(c) == "positive" and neg) or (expected.get(c) == "negative" and not neg) for c, neg in lits
        )
        right = any(expected.get(c) in ("positive", "negative") for c, _ in lits)
        if right and not wrong:
            kept.append(term)
    return kept


def solution_fr(solution: str, ops: pd.DataFrame) -> str:
    """A solution with the conditions' French labels: « A et absence de B, ou C »."""
    terms = []
    for term in (t.strip() for t in solution.split("+")):
        parts = [
            f"absence de « {label(ops, c)} »" if neg else f"« {label(ops, c)} »"
            for c, neg in literals(Parser(term).parse())
        ]
        terms.append(" et ".join(parts))
    return " ; ou ".join(terms)


@functools.lru_cache(maxsize=16384)
def _fit_key(
    conditions_bytes: bytes,
    shape: tuple[int, int],
    outcome: tuple,
    names: tuple[str, ...],
    expected: tuple,
    incl_cut: float,
):
    matrix = np.frombuffer(conditions_bytes, dtype=float).reshape(shape)
    frame = pd.DataFrame(matrix, columns=list(names))
    frame["_Y"] = outcome
    return _directional_fit(frame, list(names), dict(expected), incl_cut)


def _directional_fit(
    frame: pd.DataFrame, names: list[str], expected: dict[str, str], incl_cut: float
) -> dict[str, Any]:
    """Fit of the directional part of every tied intermediate model (``passes`` if all reach the cuts)."""
    dir_exp = {c: (1 if e == "positive" else 0 if e == "negative" else "-") for c, e in expected.items()}
    try:
        sol = qca.minimize(frame, outcome="_Y", conditions=names, incl_cut=incl_cut, n_cut=1, dir_exp=dir_exp)
    except ParameterError:
        return {"passes": False, "coverage": 0.0, "consistency": math.nan, "models": [], "solution": None}
    models = sol.intermediate or sol.parsimonious
    fits = []
    for model in models:
        terms = directional_terms(model, expected)
        if not terms:
            fits.append((model, "", math.nan, 0.0))
            continue
        part = " + ".join(terms)
        row = sol.term_fits(part).loc["(solution)"]
        fits.append((model, part, float(row["consistency"]), float(row["raw_coverage"])))
    passes = bool(fits) and all(f[1] and f[2] >= incl_cut - 1e-12 and f[3] >= COVERAGE_CUT - 1e-12 for f in fits)
    coverage = min(f[3] for f in fits) if fits else 0.0
    consistency = min((f[2] for f in fits if f[1]), default=math.nan)
    return {"passes": passes, "coverage": coverage, "consistency": consistency, "models": fits, "solution": sol}


def directional_fit(
    cal: pd.DataFrame, outcome: str, names: list[str], expected: dict[str, str], incl_cut: float = INCL_CUT
):
    """:func:`_directional_fit`, cached on the data (the permutation test re-uses it)."""
    matrix = np.ascontiguousarray(cal[names].to_numpy(dtype=float))
    return _fit_key(
        matrix.tobytes(),
        matrix.shape,
        tuple(float(v) for v in cal[outcome]),
        tuple(names),
        tuple(sorted(expected.items())),
        float(incl_cut),
    )


def permutation_pvalue(
    cal: pd.DataFrame, outcome: str, names: list[str], expected: dict[str, str], observed: float
) -> float:
    """Share of the ``C(n, m)`` assignments of the crisp outcome whose directional part passes with coverage ≥ observed."""
    y = cal[outcome].to_numpy(dtype=int)
    n, m = y.size, int(y.sum())
    matrix = np.ascontiguousarray(cal[names].to_numpy(dtype=float))
    key = (matrix.tobytes(), matrix.shape)
    exp_key = tuple(sorted(expected.items()))
    hits = total = 0
    for ones in itertools.combinations(range(n), m):
        shuffled = [0.0] * n
        for i in ones:
            shuffled[i] = 1.0
        fit = _fit_key(*key, tuple(shuffled), tuple(names), exp_key, float(INCL_CUT))
        hits += fit["passes"] and fit["coverage"] >= observed - 1e-12
        total += 1
    return hits / total


def necessity_rows(ops: pd.DataFrame, cal: pd.DataFrame, row) -> list[dict[str, Any]]:
    """Each condition (in its expected direction) as a necessary condition: consistency, RoN, skewness, exact p."""
    outcome = outcome_of(ops).upper()
    y = cal[outcome].to_numpy(dtype=float)
    rows = []
    for name, direction in expectations(ops, list(cal.columns)).items():
        if direction == "none" or name == outcome:
            continue
        x = cal[name].to_numpy(dtype=float)
        x = 1 - x if direction == "negative" else x
        fit = qca.fit(pd.DataFrame({"X": x, "Y": y}), "X", "Y", relation="necessity")
        share_x, share_y = float(x.mean()), float(y.mean())
        skewed = not (SKEW_LOW <= share_x <= SKEW_HIGH) or not (SKEW_LOW <= share_y <= SKEW_HIGH)
        table = [
            [int(((x == 1) & (y == 1)).sum()), int(((x == 1) & (y == 0)).sum())],
            [int(((x == 0) & (y == 1)).sum()), int(((x == 0) & (y == 0)).sum())],
        ]
        try:
            p = exact.fisher(table, alternative="greater").pvalue  # P(|X ∩ Y| ≥ observed), |Y| fixed
        except ParameterError:
            p = math.nan
        necessary = fit.consistency >= NECESSITY_CUT and fit.ron >= RON_CUT and not skewed and p < 0.05
        rows.append(
            row(
                test="qca_necessity",
                family="site",
                variables=f"{'absence de ' if direction == 'negative' else ''}{label(ops, name)} ← {label(ops, outcome)}",
                statistic_name="consistance (nécessité)",
                statistic=fit.consistency,
                p_value=p,
                n=len(cal),
                method="AQQC, condition nécessaire (consistance, pertinence RoN, test exact)",
                note=f"pertinence (RoN) = {french.number(fit.ron, 3)} ; couverture = "
                f"{french.number(fit.coverage, 3)} ; sites dans l'ensemble : condition {french.percent(share_x, 0)}, "
                f"résultat {french.percent(share_y, 0)}"
                + (" ; répartition déséquilibrée, nécessité triviale possible" if skewed else "")
                + (" ; nécessaire selon la règle" if necessary else ""),
                _necessary=necessary,
            )
        )
    return rows


def qca_rows(ops: pd.DataFrame, cal: pd.DataFrame, row) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    """Necessity rows, every solution (French labels, tied models numbered), and the counted directional test."""
    outcome = outcome_of(ops).upper()
    names = [c for c in cal.columns if c != outcome]
    method = f"AQQC ensembles nets (seuil de consistance {french.number(INCL_CUT, 2)})"
    if outcome not in cal.columns or not names or cal[outcome].nunique() < 2 or len(cal) < 3:
        note = (
            "non calculable : résultat ou conditions indisponibles, moins de trois sites, "
            "ou résultat identique dans tous les sites"
        )
        return [row(test="qca", family="site", variables=label(ops, outcome), method=method, note=note)], None
    rows = necessity_rows(ops, cal, row)
    expected = expectations(ops, names)
    fit = directional_fit(cal, outcome, names, expected)
    sol = fit["solution"]
    if sol is None:
        note = f"aucune configuration suffisante au seuil de consistance {french.number(INCL_CUT, 2)}"
        rows.append(row(test="qca", family="site", variables=label(ops, outcome), n=len(cal), method=method, note=note))
        try:
            return rows, qca.truth_table(cal, outcome=outcome, conditions=names, incl_cut=INCL_CUT).table
        except ParameterError:
            return rows, None
    for family, tag, expr, fits in sol.families():
        rows.append(
            row(
                test="qca",
                family="site",
                variables=f"{solution_fr(expr, ops)} → {label(ops, outcome)}",
                statistic_name="consistance",
                statistic=float(fits["consistency"]),
                n=len(cal),
                method=f"{method}, solution {family}{' ' + tag if tag else ''}",
                note=f"couverture = {french.number(float(fits['raw_coverage']), 3)} ; PRI = {french.number(float(fits['pri']), 3)}",
            )
        )
    rows.append(_directional_row(ops, cal, outcome, names, expected, fit, row))
    return rows, sol.truth_table


def _count(k: int, word: str) -> str:
    plural = word if word.endswith("x") or k <= 1 else word + "s"
    return f"{k} {plural}"


def _directional_row(ops, cal, outcome, names, expected, fit, row) -> dict[str, Any]:
    n_models = len(fit["models"])
    sol = fit["solution"]
    tied = (
        f"modèles à égalité : {_count(len(sol.conservative), 'conservateur')}, "
        f"{_count(len(sol.parsimonious), 'parcimonieux')}, {_count(len(sol.intermediate or []), 'intermédiaire')} ; "
        "la règle porte sur " + ("chacun des modèles intermédiaires" if n_models > 1 else "le modèle intermédiaire")
        if sol is not None
        else "aucun modèle"
    )
    p = permutation_pvalue(cal, outcome, names, expected, fit["coverage"]) if fit["passes"] else np.nan
    parts = sorted({f[1] for f in fit["models"] if f[1]})
    return row(
        test="qca_permutation",
        family="site",
        variables=" | ".join(f"{solution_fr(part, ops)} → {label(ops, outcome)}" for part in parts)
        or f"aucun terme dans le sens attendu → {label(ops, outcome)}",
        statistic_name="couverture (termes dans le sens attendu)",
        statistic=float(fit["coverage"]),
        p_value=p,
        n=len(cal),
        method="AQQC, solution intermédiaire réduite aux termes dans le sens attendu, test exact de permutation",
        note=f"consistance = {french.number(fit['consistency'], 3)} ; {tied} ; "
        + ("règle atteinte (consistance ≥ 0,8 et couverture ≥ 0,5)" if fit["passes"] else "règle non atteinte")
        + f" ; p : part des {math.comb(len(cal), int(cal[outcome].sum()))} répartitions du résultat qui font aussi bien",
        _passes=bool(fit["passes"]),
        _models=n_models,
    )
