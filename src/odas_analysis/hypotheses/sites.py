"""Site-level tests (n = 11): the composite test, condition-by-condition rho, Fisher tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import french
from ..errors import ParameterError
from ..stats import exact
from .result import RESULT_COLUMNS
from .rules import ALPHA
from .spec import PUBLIC_SOURCES, composite, label, outcome_of

_ALTERNATIVE = {"positive": "greater", "negative": "less", "none": "two-sided"}


def row(**kw: Any) -> dict[str, Any]:
    """One line of the results table (keys starting with ``_`` are kept for the verdict only)."""
    out = {c: np.nan for c in RESULT_COLUMNS}
    out.update({"note": "", "p_holm": np.nan})
    out.update(kw)
    return out


def why_not(x: Any, y: Any) -> str:
    """Why a test of association between two site variables cannot run, in French."""
    x, y = pd.Series(x, dtype=float), pd.Series(y, dtype=float)
    if len(x) < 3:
        return f"non calculable : {len(x)} site(s) renseigné(s) pour les deux variables, il en faut au moins 3"
    if x.nunique() < 2 or y.nunique() < 2:
        return "non calculable : une des deux variables a la même valeur dans tous les sites"
    return "non calculable"


def composite_test(ops: pd.DataFrame, data: pd.DataFrame) -> exact.ExactResult | None:
    """The pre-specified test: Spearman of the outcome on the composite score, exact, one-sided."""
    score = composite(ops, data)
    outcome = data[outcome_of(ops)]
    pair = pd.concat([score.rename("x"), outcome.rename("y")], axis=1).dropna()
    try:
        return exact.spearman(pair["x"].to_numpy(), pair["y"].to_numpy(), alternative="greater")
    except ParameterError:
        return None


def composite_row(ops: pd.DataFrame, data: pd.DataFrame) -> dict[str, Any]:
    res = composite_test(ops, data)
    names = f"score composite des conditions × {label(ops, outcome_of(ops))}"
    method = "Test composite pré-spécifié : Spearman, test exact par permutation"
    if res is None:
        score = composite(ops, data)
        pair = pd.concat([score, data[outcome_of(ops)]], axis=1).dropna()
        return row(
            test="composite",
            family="site",
            variables=names,
            statistic_name="rho",
            method=method,
            n=len(pair),
            note=why_not(pair.iloc[:, 0], pair.iloc[:, 1]),
        )
    return row(
        test="composite",
        family="site",
        variables=names,
        statistic_name="rho",
        statistic=res.statistic,
        ci_low=res.ci[0],
        ci_high=res.ci[1],
        p_value=res.pvalue,
        n=res.n,
        method=method,
        note="décide du verdict ; unilatéral, sens attendu ; moyenne des niveaux des conditions ; "
        "p (Holm) : correction sur les cinq hypothèses",
    )


def _fisher_row(ops, cal, var, target, names, alt) -> dict[str, Any]:
    x, y = cal[var.upper()], cal[target.upper()]
    table = [
        [int(((x == 1) & (y == 1)).sum()), int(((x == 1) & (y == 0)).sum())],
        [int(((x == 0) & (y == 1)).sum()), int(((x == 0) & (y == 0)).sum())],
    ]
    words = (
        f"conditions dichotomisées ; condition présente : {table[0][0]} site(s) avec le résultat, "
        f"{table[0][1]} sans ; condition absente : {table[1][0]} avec, {table[1][1]} sans"
    )
    try:
        fis = exact.fisher(table, alternative=alt)
    except ParameterError:
        return row(
            test="fisher",
            family="site",
            variables=names,
            statistic_name="rapport de cotes",
            n=int(np.sum(table)),
            method="Test exact de Fisher (tableau 2×2)",
            note=f"non calculable : un total de ligne ou de colonne est nul ; {words}",
        )
    return row(
        test="fisher",
        family="site",
        variables=names,
        statistic_name="rapport de cotes",
        statistic=fis.estimate,
        ci_low=fis.ci[0],
        ci_high=fis.ci[1],
        p_value=fis.pvalue,
        n=int(np.sum(table)),
        method=fis.method,
        note=words,
    )


def spearman_row(
    test: str, x: pd.Series, y: pd.Series, names: str, alt: str, note: str, *, family: str = "site", **extra: Any
) -> dict[str, Any]:
    """One exact Spearman test as a result row, or the row saying why it cannot run."""
    try:
        res = exact.spearman(x.to_numpy(), y.to_numpy(), alternative=alt)
    except ParameterError:
        return row(
            test=test,
            family=family,
            variables=names,
            statistic_name="rho",
            n=len(x),
            method="Corrélation de Spearman, test exact par permutation",
            note=why_not(x, y),
        )
    return row(
        test=test,
        family=family,
        variables=names,
        statistic_name="rho",
        statistic=res.statistic,
        ci_low=res.ci[0],
        ci_high=res.ci[1],
        p_value=res.pvalue,
        n=res.n,
        method=res.method,
        note=note,
        **extra,
    )


def _spearman_row(pair, var, target, names, alt, role, holm) -> dict[str, Any]:
    side = "unilatéral, sens attendu" if alt != "two-sided" else "bilatéral"
    return spearman_row("spearman", pair[var], pair[target], names, alt, f"{role} ; {side}", _holm=holm)


def site_rows(ops: pd.DataFrame, data: pd.DataFrame, cal: pd.DataFrame) -> list[dict[str, Any]]:
    """Composite test, then rho of each condition and context with the outcome(s), then Fisher."""
    rows: list[dict[str, Any]] = [composite_row(ops, data)]
    outcome = outcome_of(ops)
    predictors = ops[ops["element"].isin(["condition", "context"])]
    targets = [(outcome, "résultat")]
    targets += [(str(v), "résultat secondaire") for v in ops.loc[ops["element"] == "secondary_outcome", "variable_id"]]
    public = set(ops.loc[ops["data_source"].isin(PUBLIC_SOURCES), "variable_id"].astype(str))
    for target, role in targets:
        for _, op in predictors.iterrows():
            var = str(op["variable_id"])
            if var in public and target in public:
                continue  # public data only: a real result, in :mod:`.public`, not among the simulated ones
            pair = data[[var, target]].dropna()
            alt = _ALTERNATIVE[str(op["expected_direction"])]
            names = f"{label(ops, var)} × {label(ops, target)}"
            holm = role == "résultat" and op["element"] == "condition"
            rows.append(_spearman_row(pair, var, target, names, alt, role, holm))
            if role == "résultat" and var.upper() in cal.columns and target.upper() in cal.columns:
                rows.append(_fisher_row(ops, cal, var, target, names, alt))
    holm_rows = [r for r in rows if r.get("_holm") and pd.notna(r["p_value"])]
    if holm_rows:
        adjusted = exact.holm([r["p_value"] for r in holm_rows], alpha=ALPHA)
        for r, p in zip(holm_rows, adjusted.adjusted):
            r["p_holm"] = float(p)
    for r in rows:
        r.pop("_holm", None)
    return rows


def testimony_row(ops: pd.DataFrame, data: pd.DataFrame) -> dict[str, Any] | None:
    testimony = ops.loc[ops["element"] == "testimony", "variable_id"]
    if not len(testimony):
        return None
    var, outcome = str(testimony.iloc[0]), outcome_of(ops)
    pair = data[[var, outcome]].dropna()
    names = f"{label(ops, var)} × {label(ops, outcome)}"
    note = "les témoignages concordent-ils avec le jugement des chercheurs ? unilatéral ; indice concordant si p < "
    return spearman_row(
        "spearman_testimony", pair[var], pair[outcome], names, "greater", note + french.number(ALPHA, 2)
    )
