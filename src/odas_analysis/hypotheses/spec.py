"""Operationalisation of H1-H5: which variables, their values by site, their calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fieldwork, study
from ..errors import OdasError, ParameterError
from ..stats import qca
from ..validate import load_table
from ..validate.memo import on_package
from .rules import FUZZY_THRESHOLDS

#: Origins of the public indicators (``data/territory/`` tables), as opposed to ``grid`` and ``coding``.
PUBLIC_SOURCES = ("territory", "perimeter", "contract")
SCOPES = ("verdict", "public", "all")


def operationalisation(hypothesis_id: str | None = None, scope: str = "verdict") -> pd.DataFrame:
    """The operationalisation table, for one hypothesis or all.

    Columns: ``hypothesis_id``, ``element`` (condition, outcome, secondary_outcome,
    context, testimony), ``variable_id``, ``label_fr``, ``data_source`` (territory,
    perimeter, contract, grid, coding), ``indicator_id`` (the id in the public table),
    ``data_year``, ``expected_direction``, ``crisp_threshold``, ``source_id``,
    ``source_detail`` (report section), ``scope`` and ``chosen_by`` (``report`` or
    ``project``: the project's own choice of measure).

    ``scope``: ``"verdict"`` (default) keeps the rows that enter the tests deciding the
    verdict, the ones :mod:`.calibration` checked under the null; ``"public"`` the public
    indicators reported outside the verdict (:mod:`.public`); ``"all"`` every row.
    """
    if scope not in SCOPES:
        raise ParameterError(f"paramètre scope {scope!r} : valeurs possibles {', '.join(SCOPES)}")
    frame = _table()
    if scope != "all":
        frame = frame[frame["scope"] == scope]
    if hypothesis_id is not None:
        study.check_hypothesis_id(hypothesis_id)
        frame = frame[frame["hypothesis_id"] == hypothesis_id]
    return frame.reset_index(drop=True)


@on_package
def _table() -> pd.DataFrame:
    """``data/study/operationalisation.csv`` (a study table, not a record), read again when it changes."""
    return load_table("operationalisation")


def outcome_of(ops: pd.DataFrame) -> str:
    return str(ops.loc[ops["element"] == "outcome", "variable_id"].iloc[0])


def label(ops: pd.DataFrame, var: str) -> str:
    """French label of a variable (its QCA upper-case name works too)."""
    match = ops.loc[ops["variable_id"].str.upper() == str(var).upper(), "label_fr"]
    return str(match.iloc[0]) if len(match) else str(var)


def _territory_values(variable_id: str, data_year: object) -> tuple[pd.Series | None, str]:
    """Site values of a territory indicator, or ``None`` and the reason."""
    try:
        from ..national import territory

        rows = territory.site_indicators(indicator=variable_id, data_year=int(str(data_year)))
    except (ImportError, OdasError, ValueError) as exc:
        return None, f"indicateur territorial {variable_id} ({data_year}) non disponible : {exc}"
    values = rows.set_index("site_id")["value"].astype(float).reindex(study.site_ids())
    return values, ""


def site_data(hypothesis_id: str, records: fieldwork.FieldworkRecords | None = None) -> pd.DataFrame:
    """One row per site, one column per variable of the hypothesis (raw values).

    Grid variables are the primary assessment levels (0-3); territory variables the
    indicator's value for the site; ``support_share`` the share of the site's primary-coded
    segments on the hypothesis coded "supports". ``.attrs["notes"]`` lists variables that
    could not be read.
    """
    ops = operationalisation(hypothesis_id)
    records = records or fieldwork.load_records()
    levels = fieldwork.site_levels(records).set_index("site_id")
    out = pd.DataFrame(index=pd.Index(study.site_ids(), name="site_id"))
    notes: list[str] = []
    for _, op in ops.iterrows():
        var = str(op["variable_id"])
        if op["data_source"] == "grid":
            out[var] = levels[var].astype(float) if var in levels.columns else np.nan
            if var not in levels.columns:
                notes.append(f"condition {var} absente de la grille")
        elif op["data_source"] == "territory":
            values, note = _territory_values(var, op["data_year"])
            out[var] = values if values is not None else np.nan
            if note:
                notes.append(note)
        else:
            share = fieldwork.support_share_by_site(hypothesis_id, records).set_index("site_id")
            out[var] = share["support_share"].astype(float)
    out.attrs["notes"] = notes
    out.attrs["source"] = records.source.attrs_source
    return out


def calibrated(
    hypothesis_id: str,
    data: pd.DataFrame | None = None,
    crisp_cut: float | None = None,
    fuzzy: bool = False,
) -> pd.DataFrame:
    """Memberships of the conditions, context and outcome, for QCA.

    By default crisp (0/1): grid levels are in the set from the level given by
    ``crisp_threshold`` (2: "largely present"), or from ``crisp_cut`` when given (the
    robustness checks use 1, 2 and 3); territory indicators at or above the median of the
    eleven sites. With ``fuzzy=True`` grid levels are calibrated by R QCA's logistic direct
    calibration with thresholds :data:`~.rules.FUZZY_THRESHOLDS` (0,5 ; 1,5 ; 2,5), and
    territory indicators on their first quartile, median and third quartile. Columns are
    named in upper case, as QCA writes conditions. Sites with a missing value are dropped.
    """
    ops = operationalisation(hypothesis_id)
    data = site_data(hypothesis_id) if data is None else data
    out = pd.DataFrame(index=data.index)
    for _, op in ops[ops["element"].isin(["condition", "context", "outcome"])].iterrows():
        var = str(op["variable_id"])
        values = data[var]
        if values.isna().all():
            continue
        threshold = str(op["crisp_threshold"])
        if fuzzy:
            present = values.dropna()
            th = FUZZY_THRESHOLDS if threshold != "median" else tuple(np.quantile(present, [0.25, 0.5, 0.75]))
            member = pd.Series(np.nan, index=values.index)
            if len(set(th)) == 3:
                member[present.index] = qca.calibrate(present.to_numpy(float), thresholds=th)
            else:
                member = (values >= th[1]).astype(float).where(values.notna())
        else:
            cut = float(values.median()) if threshold == "median" else float(crisp_cut or threshold)
            member = (values >= cut).astype(float).where(values.notna())
        out[var.upper()] = member
    out = out.dropna()
    return out if fuzzy else out.astype(int)


def composite(ops: pd.DataFrame, data: pd.DataFrame) -> pd.Series:
    """The pre-specified score of a hypothesis: mean level of its conditions (reversed when negative)."""
    parts = []
    for _, op in ops[ops["element"] == "condition"].iterrows():
        values = data[str(op["variable_id"])].astype(float)
        parts.append(3 - values if op["expected_direction"] == "negative" else values)
    return pd.concat(parts, axis=1).mean(axis=1, skipna=False) if parts else pd.Series(np.nan, index=data.index)
