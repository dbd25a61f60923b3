"""Robustness of the evidence: leave-one-site-out, calibration and inclusion cuts, placebo outcomes.

SetMethods-style checks (Oana and Schneider): the crisp cut of the 0-3 grid (1, 2, 3),
a fuzzy-set calibration of the grid, the inclusion cut (0,75 to 1), and leaving each site
out in turn, for the composite test and the QCA solution. The placebo check tests the
conditions of one hypothesis against the outcomes of the four others: the same
researchers grade conditions and outcomes, so a general halo (good sites graded well on
everything) would show as placebo associations as strong as the hypothesis's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import fieldwork, french, study
from .qca_evidence import directional_fit, expectations
from .rules import ALPHA, CRISP_CUTS, INCL_CUTS, LOO_ALPHA
from .sites import composite_test, row
from .spec import calibrated, label, operationalisation, outcome_of


def composite_loo(ops: pd.DataFrame, data: pd.DataFrame) -> list[tuple[str, float, float]]:
    """``(site, rho, p)`` of the composite test without each site in turn."""
    out = []
    for site in data.index:
        res = composite_test(ops, data.drop(index=site))
        out.append((str(site), res.statistic if res else np.nan, res.pvalue if res else np.nan))
    return out


def loo_row(ops: pd.DataFrame, data: pd.DataFrame) -> dict[str, Any]:
    loo = composite_loo(ops, data)
    worst = max(loo, key=lambda t: (np.nan_to_num(t[2], nan=1.0), -np.nan_to_num(t[1], nan=-1.0)))
    survives = all(np.isfinite(p) and p < LOO_ALPHA and r > 0 for _, r, p in loo)
    return row(
        test="robustesse_loo",
        family="robustesse",
        variables="test composite sans chaque site tour à tour",
        statistic_name="p maximal",
        statistic=worst[2],
        n=len(loo),
        method="Retrait d'un site à la fois (test composite)",
        note=("résiste" if survives else "ne résiste pas")
        + f" : p < {french.number(LOO_ALPHA, 2)} et rho > 0 exigés sans chaque site ; le plus sensible : "
        f"{study_site_name(worst[0])} (rho = {french.number(worst[1], 3)}, {french.p_value(worst[2])})",
        _survives=survives,
    )


def _site_names() -> dict[str, str]:
    sites = study.sites()  # cached per state of the tables: an edited name shows at the next call
    return dict(zip(sites["site_id"], sites["name"]))


def study_site_name(site_id: str) -> str:
    return _site_names().get(site_id, site_id)


def qca_variants(hyp: str, ops: pd.DataFrame, data: pd.DataFrame) -> list[tuple[str, bool, float]]:
    """``(variant, passes, coverage)`` of the directional QCA rule under each robustness variant."""
    outcome = outcome_of(ops).upper()
    out = []

    def check(name: str, cal: pd.DataFrame, incl: float = 0.8) -> None:
        names = [c for c in cal.columns if c != outcome]
        if outcome not in cal.columns or not names or cal[outcome].nunique() < 2:
            out.append((name, False, 0.0))
            return
        fit = directional_fit(cal, outcome, names, expectations(ops, names), incl)
        out.append((name, bool(fit["passes"]), float(fit["coverage"])))

    for cut in CRISP_CUTS:
        check(f"seuil net {cut}", calibrated(hyp, data, crisp_cut=cut))
    check("calibration floue", calibrated(hyp, data, fuzzy=True))
    base = calibrated(hyp, data)
    for incl in INCL_CUTS:
        check(f"consistance {french.number(incl, 2)}", base, incl)
    for site in base.index:
        check(f"sans {study_site_name(str(site))}", base.drop(index=site))
    return out


def qca_robustness_row(hyp: str, ops: pd.DataFrame, data: pd.DataFrame) -> dict[str, Any]:
    variants = qca_variants(hyp, ops, data)
    passed = [v for v, ok, _ in variants if ok]
    failed = [v for v, ok, _ in variants if not ok]
    key = [v for v, _, _ in variants if v == "calibration floue" or v.startswith("sans ")]
    survives = all(ok for v, ok, _ in variants if v in key)
    return row(
        test="robustesse_qca",
        family="robustesse",
        variables="solution de l'AQQC dans le sens attendu",
        statistic_name="variantes où elle tient",
        statistic=float(len(passed)),
        n=len(variants),
        method="Calibration (seuils 1, 2, 3 ; floue), seuil de consistance, retrait d'un site",
        note=f"tient dans {len(passed)} variantes sur {len(variants)}"
        + (f" ; pas dans : {', '.join(failed)}" if failed else "")
        + (" ; résiste à la calibration floue et au retrait de chaque site" if survives else ""),
        _survives=survives,
    )


def placebo_rows(
    hyp: str, ops: pd.DataFrame, data: pd.DataFrame, records: fieldwork.FieldworkRecords
) -> list[dict[str, Any]]:
    """The composite of this hypothesis's conditions against every other hypothesis's outcome."""
    levels = fieldwork.site_levels(records).set_index("site_id").reindex(data.index)
    rows = []
    for other in study.hypothesis_ids():
        if other == hyp:
            continue
        other_ops = operationalisation(other)
        target = outcome_of(other_ops)
        if target not in levels.columns:
            continue
        swapped = ops.copy()
        swapped.loc[swapped["element"] == "outcome", "variable_id"] = target
        res = composite_test(swapped, data.assign(**{target: levels[target]}))
        rows.append(
            row(
                test="placebo",
                family="robustesse",
                variables=f"score composite de {hyp} × {label(other_ops, target)} ({other})",
                statistic_name="rho",
                statistic=res.statistic if res else np.nan,
                p_value=res.pvalue if res else np.nan,
                n=res.n if res else np.nan,
                method="Placebo : conditions d'une hypothèse, résultat d'une autre",
                note=f"un effet de halo se verrait par des p < {french.number(ALPHA, 2)} ici aussi",
            )
        )
    return rows
