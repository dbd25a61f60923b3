"""Running the tests of a hypothesis: :func:`test`, :func:`test_all`, :func:`overview`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fieldwork, french, study
from ..stats import exact
from .agreement import agreement_rows
from .interviews import gee_rows
from .qca_evidence import qca_rows
from .result import RESULT_COLUMNS, HypothesisResult
from .robustness import loo_row, placebo_rows, qca_robustness_row
from .rules import ALPHA
from .sites import composite_test, row, site_rows, testimony_row
from .spec import calibrated, operationalisation, site_data
from .verdict import Evidence, write


def composite_pvalues(records: fieldwork.FieldworkRecords) -> dict[str, float]:
    """The composite test's one-sided p-value of each hypothesis (``nan`` when it cannot run)."""
    levels = fieldwork.site_levels(records).set_index("site_id").reindex(study.site_ids())
    out = {}
    for h in study.hypothesis_ids():
        ops = operationalisation(h)
        needed = ops.loc[ops["element"].isin(["condition", "outcome"]), "variable_id"].astype(str)
        data = levels.reindex(columns=list(needed)) if set(needed) <= set(levels.columns) else site_data(h, records)
        res = composite_test(ops, data)
        out[h] = res.pvalue if res is not None else np.nan
    return out


def holm_across(pvalues: dict[str, float]) -> dict[str, float]:
    """Holm's adjustment across H1-H5 of the composite p-values (``nan`` kept out of the family)."""
    valid = {h: p for h, p in pvalues.items() if pd.notna(p)}
    if not valid:
        return {h: np.nan for h in pvalues}
    adjusted = dict(zip(valid, exact.holm(valid, alpha=ALPHA).adjusted))
    return {h: float(adjusted[h]) if h in adjusted else np.nan for h in pvalues}


def _evidence(rows: list[dict], holm5: float) -> Evidence:
    by = {}
    for r in rows:
        by.setdefault(r["test"], r)
    comp, loo, perm = by.get("composite", {}), by.get("robustesse_loo", {}), by.get("qca_permutation", {})
    return Evidence(
        composite_rho=float(comp.get("statistic", np.nan)),
        composite_p=float(comp.get("p_value", np.nan)),
        composite_p_holm=holm5,
        loo_survives=bool(loo.get("_survives", False)),
        qca_passes=bool(perm.get("_passes", False)),
        qca_p=float(perm.get("p_value", np.nan)),
        qca_survives=bool(by.get("robustesse_qca", {}).get("_survives", False)),
        testimony_p=float(by.get("spearman_testimony", {}).get("p_value", np.nan)),
    )


def test(hypothesis_id: str, records: fieldwork.FieldworkRecords | None = None) -> HypothesisResult:
    """Run every test of one hypothesis on the records in use.

    Parameters
    ----------
    hypothesis_id
        ``"H1"`` to ``"H5"``.
    records
        The fieldwork records (default: :func:`odas_analysis.fieldwork.load_records`, i.e.
        ``ODAS_PRIVATE_DATA`` or the demonstration set).

    Raises
    ------
    ParameterError
        Unknown hypothesis id (the message lists the valid ones).
    """
    study.check_hypothesis_id(hypothesis_id)
    records = records or fieldwork.load_records()
    hyp_row = study.hypothesis(hypothesis_id)
    ops = operationalisation(hypothesis_id)
    data = site_data(hypothesis_id, records)
    cal = calibrated(hypothesis_id, data)
    raw = composite_pvalues(records)
    holm5 = holm_across(raw)
    family = pd.DataFrame(
        {"hypothesis_id": list(raw), "composite_p": list(raw.values()), "p_holm_h1_h5": list(holm5.values())}
    )
    rows = site_rows(ops, data, cal)
    rows[0]["p_holm"] = holm5[hypothesis_id]
    testimony = testimony_row(ops, data)
    rows += [testimony] if testimony else []
    qrows, truth = qca_rows(ops, cal, row)
    rows += qrows
    if pd.notna(rows[0]["p_value"]):
        rows.append(loo_row(ops, data))
        rows.append(qca_robustness_row(hypothesis_id, ops, data))
        rows += placebo_rows(hypothesis_id, ops, data, records)
    grows, gee_table = gee_rows(hypothesis_id, records)
    rows += grows + agreement_rows(hypothesis_id, ops, records)
    ev = _evidence(rows, holm5[hypothesis_id])
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    results = pd.DataFrame(clean, columns=RESULT_COLUMNS)
    results["n"] = results["n"].astype("Int64")
    results.attrs["source"] = records.source.attrs_source
    verdict_class, verdict = write(
        hypothesis_id, str(hyp_row["label"]), results, ev, records.source.synthetic, list(data.attrs.get("notes", []))
    )
    return HypothesisResult(
        hypothesis_id=hypothesis_id,
        label_fr=str(hyp_row["label"]),
        statement_fr=str(hyp_row["statement"]),
        results=results,
        site_data=data,
        calibrated=cal,
        truth_table=truth,
        gee_table=gee_table,
        verdict_class=verdict_class,
        verdict_fr=verdict,
        source=records.source.as_dict(),
        holm_h1_h5=family,
    )


def test_all(records: fieldwork.FieldworkRecords | None = None) -> dict[str, HypothesisResult]:
    """:func:`test` for H1-H5."""
    records = records or fieldwork.load_records()
    return {h: test(h, records) for h in study.hypothesis_ids()}


def overview(results: dict[str, HypothesisResult] | None = None) -> pd.DataFrame:
    """One line per hypothesis: verdict, composite test and its Holm adjustment across H1-H5.

    Columns ``hypothesis_id``, ``label_fr``, ``verdict``, ``n_tests``, ``composite_rho``,
    ``composite_p``, ``p_holm_h1_h5`` (the composite p-values adjusted across the five
    hypotheses: the family that decides the verdicts), ``best_p_holm`` (smallest
    condition-level p-value adjusted within the hypothesis, descriptive) and ``synthetic``.
    """
    results = results or test_all()
    rows = []
    for h, res in results.items():
        comp = res.results[res.results["test"] == "composite"].iloc[0]
        spear = res.results[(res.results["test"] == "spearman") & res.results["p_holm"].notna()]
        rows.append(
            {
                "hypothesis_id": h,
                "label_fr": res.label_fr,
                "verdict": res.verdict_class,
                "n_tests": len(res.results),
                "composite_rho": float(comp["statistic"]),
                "composite_p": float(comp["p_value"]),
                "p_holm_h1_h5": float(comp["p_holm"]),
                "best_p_holm": float(spear["p_holm"].min()) if len(spear) else np.nan,
                "synthetic": res.synthetic,
            }
        )
    return pd.DataFrame(rows)


def family_frame(records: fieldwork.FieldworkRecords | None = None) -> pd.DataFrame:
    """The composite p-values of H1-H5 and their Holm adjustment, without running the other tests."""
    raw = composite_pvalues(records or fieldwork.load_records())
    holm = holm_across(raw)
    return pd.DataFrame(
        {"hypothesis_id": list(raw), "composite_p": list(raw.values()), "p_holm_h1_h5": list(holm.values())}
    )


def holm_table_fr(results: dict[str, HypothesisResult] | HypothesisResult | None = None) -> pd.DataFrame:
    """The five composite tests and their Holm adjustment, French headers, for every hypothesis page.

    ``results``: one :class:`HypothesisResult` (its page's row is marked), the dict of
    :func:`test_all`, or ``None`` (computed from the records in use).
    """
    current = None
    if isinstance(results, HypothesisResult):
        frame, current = results.holm_h1_h5, results.hypothesis_id
    elif results is None:
        frame = family_frame()
    else:
        frame = overview(results)
    labels = {h: str(study.hypothesis(h)["label"]) for h in frame["hypothesis_id"]}
    out = pd.DataFrame(
        {
            "Hypothèse": [
                f"{h} {labels[h]}" + (" (cette page)" if h == current else "") for h in frame["hypothesis_id"]
            ],
            "p du test composite": [french.p_value(p, prefix=False) for p in frame["composite_p"]],
            "p (Holm, H1 à H5)": [french.p_value(p, prefix=False) for p in frame["p_holm_h1_h5"]],
            "Conclut à 5 % après Holm": ["oui" if p < ALPHA else "non" for p in frame["p_holm_h1_h5"]],
        }
    )
    out.attrs["note_fr"] = (
        "Correction de Holm sur les tests composites des cinq hypothèses : la famille qui décide des verdicts."
    )
    return out


def power_table_fr(n: int = 11) -> pd.DataFrame:
    """Minimum detectable rho and power of the composite test at ``n`` sites, French headers."""
    from .power import N_HYPOTHESES, POWER_AT, critical_rho, power

    levels = [("unilatéral, 5 %", ALPHA), ("premier pas de Holm sur cinq hypothèses", ALPHA / N_HYPOTHESES)]
    out = pd.DataFrame(
        {
            "Seuil": [name for name, _ in levels],
            "rho minimal pour conclure": [french.number(critical_rho(n, a), 3) for _, a in levels],
            f"Puissance pour une corrélation latente de {french.number(POWER_AT, 1)}": [
                french.percent(power(n, POWER_AT, a), 0) for _, a in levels
            ],
        }
    )
    out.attrs["note_fr"] = (
        f"Test exact de Spearman à n = {n}, sans ex aequo ; puissance estimée sur 20 000 tirages d'une loi normale "
        "bivariée (graine fixe)."
    )
    return out
