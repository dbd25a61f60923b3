"""Calibration of the verdict rules under the null: how often each rule fires on shuffled records.

Two shuffles, as in a permutation test: the outcome levels of a hypothesis are permuted
across the eleven sites (every site-level rule: composite test, condition-by-condition
Holm, QCA rules, necessity, testimony concordance), and the codes of the coded segments
are permuted across the segments of a hypothesis (every interview-level rule: the joint F
test of the group contrasts, Holm across contrasts, the testimony concordance). Nothing
is left to find in either, so the share of shuffles in which a rule claims support is
its false-positive rate. ``bench/bench_verdicts.py`` prints these rates over a few hundred
shuffles; ``tests/test_hypotheses.py`` asserts them on fewer.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd

from .. import fieldwork, study
from ..errors import ParameterError
from ..stats import exact
from .interviews import _order, contrasts, fit, group_permutation_test, prepare
from .qca_evidence import directional_fit, expectations, permutation_pvalue
from .rules import ALPHA, INCL_CUT, NECESSITY_CUT, RON_CUT, SKEW_HIGH, SKEW_LOW
from .sites import composite_test
from .spec import calibrated, operationalisation, outcome_of, site_data

SITE_RULES = {
    "composite": "test composite, p < 0,05 (décide du verdict)",
    "verdict": "verdict autre que « non confirmée »",
    "soutenue": "verdict « soutenue » (Holm sur H1 à H5)",
    "conditions_holm": "au moins une condition, Holm dans l'hypothèse",
    "qca_permutation": "AQQC, termes dans le sens attendu, test de permutation",
    "qca_old_rule": "ancienne règle AQQC (consistance, couverture, un littéral positif)",
    "necessity": "condition nécessaire (consistance, RoN, équilibre, p)",
    "testimony": "concordance témoignages / jugement des chercheurs",
}
CODE_RULES = {
    "gee_permutation": "écarts entre groupes : permutation dans les sites (décide de la phrase)",
    "gee_holm": "un contraste nommé : permutation puis Holm",
    "gee_joint": "test F conjoint de Wald (rapporté, ne décide pas)",
    "gee_old_rule": "ancienne règle : plus petit des contrastes, z non ajusté",
    "testimony": "concordance témoignages / jugement des chercheurs",
}


def _site_rules(hyp: str, ops: pd.DataFrame, data: pd.DataFrame) -> dict[str, bool]:
    out = {}
    res = composite_test(ops, data)
    out["composite"] = bool(res is not None and res.pvalue < ALPHA)
    target = outcome_of(ops)
    ps = []
    for _, op in ops[ops["element"] == "condition"].iterrows():
        pair = data[[str(op["variable_id"]), target]].dropna()
        try:
            alt = "less" if op["expected_direction"] == "negative" else "greater"
            ps.append(exact.spearman(pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy(), alternative=alt).pvalue)
        except ParameterError:
            continue
    out["conditions_holm"] = bool(ps) and bool((exact.holm(ps).adjusted < ALPHA).any())
    out.update(_qca_rules(hyp, ops, data))
    share = data.get("support_share")
    try:
        pair = pd.concat([share, data[target]], axis=1).dropna()
        p = exact.spearman(pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy(), alternative="greater").pvalue
        out["testimony"] = bool(p < ALPHA)
    except (ParameterError, TypeError, ValueError):
        out["testimony"] = False
    return out


def _qca_rules(hyp: str, ops: pd.DataFrame, data: pd.DataFrame) -> dict[str, bool]:
    cal = calibrated(hyp, data)
    outcome = outcome_of(ops).upper()
    names = [c for c in cal.columns if c != outcome]
    if outcome not in cal.columns or cal[outcome].nunique() < 2:
        return {"qca_permutation": False, "qca_old_rule": False, "necessity": False}
    expected = expectations(ops, names)
    fitd = directional_fit(cal, outcome, names, expected, INCL_CUT)
    perm = fitd["passes"] and permutation_pvalue(cal, outcome, names, expected, fitd["coverage"]) < ALPHA
    old = False
    sol = fitd["solution"]
    if sol is not None:
        for _, _, expr, fits in sol.families():
            positive = any(not t.strip().startswith("~") for t in expr.replace("+", "*").split("*"))
            old |= bool(fits["consistency"] >= INCL_CUT and fits["raw_coverage"] >= 0.5 and positive)
    y = cal[outcome].to_numpy(float)
    necessary = False
    for name, direction in expected.items():
        if direction == "none":
            continue
        x = cal[name].to_numpy(float)
        x = 1 - x if direction == "negative" else x
        both = float(np.minimum(x, y).sum())
        cons = both / y.sum()
        ron = float((1 - x).sum() / (1 - np.minimum(x, y)).sum()) if (1 - np.minimum(x, y)).sum() else 1.0
        balanced = SKEW_LOW <= x.mean() <= SKEW_HIGH and SKEW_LOW <= y.mean() <= SKEW_HIGH
        if cons >= NECESSITY_CUT and ron >= RON_CUT and balanced:
            table = [[int(both), int(x.sum() - both)], [int(y.sum() - both), int(len(y) - x.sum() - y.sum() + both)]]
            with contextlib.suppress(ParameterError):
                necessary |= exact.fisher(table, alternative="greater").pvalue < ALPHA
    return {"qca_permutation": bool(perm), "qca_old_rule": old, "necessity": bool(necessary)}


def outcome_shuffles(
    records: fieldwork.FieldworkRecords, n_shuffles: int, seed: int = 2019, hypotheses: list[str] | None = None
) -> pd.DataFrame:
    """Rates of every site-level rule when each hypothesis's outcome is permuted across the sites.

    All five outcomes are shuffled together in each round, so that the verdict's rate
    includes the Holm adjustment across H1-H5.
    """
    hyps = hypotheses or study.hypothesis_ids()
    rng = np.random.default_rng(seed)
    base = {h: site_data(h, records) for h in study.hypothesis_ids()}
    opss = {h: operationalisation(h) for h in study.hypothesis_ids()}
    counts = {h: dict.fromkeys(SITE_RULES, 0) for h in hyps}
    for _ in range(n_shuffles):
        shuffled, pvals = {}, {}
        for h in study.hypothesis_ids():
            data = base[h].copy()
            target = outcome_of(opss[h])
            data[target] = data[target].to_numpy()[rng.permutation(len(data))]
            shuffled[h] = data
            res = composite_test(opss[h], data)
            pvals[h] = res.pvalue if res is not None else 1.0
        holm = dict(zip(pvals, exact.holm(pvals).adjusted))
        for h in hyps:
            rules = _site_rules(h, opss[h], shuffled[h])
            rules["verdict"] = rules["composite"]
            rules["soutenue"] = bool(
                holm[h] < ALPHA
            )  # a necessary condition of « soutenue »: an upper bound of its rate
            for k, v in rules.items():
                counts[h][k] += bool(v)
    return _rates(counts, n_shuffles, SITE_RULES, "résultat réparti au hasard entre les sites")


def code_shuffles(
    records: fieldwork.FieldworkRecords, n_shuffles: int, seed: int = 2019, hypotheses: list[str] | None = None
) -> pd.DataFrame:
    """Rates of every interview-level rule when the codes are permuted across a hypothesis's segments."""
    hyps = hypotheses or study.hypothesis_ids()
    rng = np.random.default_rng(seed)
    cats = fieldwork.actor_categories().drop_duplicates("group_id").set_index("group_id")["group_label_fr"]
    counts = {h: dict.fromkeys(CODE_RULES, 0) for h in hyps}
    for h in hyps:
        seg = prepare(h, records)
        ops = operationalisation(h)
        outcome = site_data(h, records)[outcome_of(ops)]
        order, reference = _order(seg, cats)
        others = [g for g in order if g != reference]
        for _ in range(n_shuffles):
            s = seg.copy()
            s["supports"] = s["supports"].to_numpy()[rng.permutation(len(s))]
            for k, v in _code_rules(s, order, reference, others, outcome).items():
                counts[h][k] += bool(v)
    return _rates(counts, n_shuffles, CODE_RULES, "codes répartis au hasard entre les passages")


def _code_rules(seg, order, reference, others, outcome) -> dict[str, bool]:
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _, model, _, _ = fit(seg, order, reference)
        except (ValueError, np.linalg.LinAlgError):
            return dict.fromkeys(CODE_RULES, False)
    test = contrasts(model, others, int(seg["site_id"].nunique()))
    z_p = np.nan_to_num(2 * stats.norm.sf(np.abs(test["t"])), nan=1.0)
    share = seg.groupby("site_id")["supports"].mean().reindex(outcome.index)
    pair = pd.concat([share, outcome], axis=1).dropna()
    try:
        testimony = exact.spearman(pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy(), alternative="greater").pvalue
    except ParameterError:
        testimony = 1.0
    joint = bool(np.isfinite(test["F_p"]) and test["F_p"] < ALPHA)
    permutation = group_permutation_test(seg, n_permutations=499)[1] < ALPHA
    return {
        "gee_permutation": bool(permutation),
        "gee_holm": bool(permutation) and bool((test["p_holm"] < ALPHA).any()),
        "gee_joint": joint,
        "gee_old_rule": bool((z_p < ALPHA).any()),
        "testimony": bool(testimony < ALPHA),
    }


def _rates(counts, n, labels, shuffle_fr) -> pd.DataFrame:
    rows = [
        {
            "hypothesis_id": h,
            "rule": k,
            "rule_fr": labels[k],
            "shuffle_fr": shuffle_fr,
            "hits": c,
            "n": n,
            "rate": c / n,
        }
        for h, rules in counts.items()
        for k, c in rules.items()
    ]
    return pd.DataFrame(rows)
