"""Agreement between coders: Krippendorff's alpha and Cohen's kappa on the double-coded material."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import fieldwork, french
from ..errors import ParameterError
from ..stats import reliability
from .rules import RELIABILITY_THRESHOLD
from .sites import row as _row


def agreement_rows(hyp: str, ops: pd.DataFrame, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    """Alpha and kappa on the double-coded segments, ordinal alpha on the double-assessed grid."""
    return _code_rows(hyp, records) + _grid_rows(ops, records)


def _code_rows(hyp: str, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seg = records.tables["coded_segments"]
    seg = seg[seg["hypothesis_id"] == hyp]
    double = seg[seg["segment_id"].isin(seg.loc[seg["coding_role"] == "reliability", "segment_id"])]
    note_cut = f"seuil usuel {french.number(RELIABILITY_THRESHOLD, 3)} (0,667 pour des conclusions provisoires)"
    if double["segment_id"].nunique() >= 2:
        matrix = double.pivot(index="coder", columns="segment_id", values="code").astype(object)
        matrix = matrix.where(matrix.notna(), None)
        try:
            a = reliability.krippendorff_alpha(matrix, level="nominal")
            rows.append(
                _row(
                    test="krippendorff_alpha",
                    family="fidélité",
                    variables="codes des passages",
                    statistic_name="alpha",
                    statistic=a.statistic,
                    n=a.n,
                    method=f"{a.method} ({a.level})",
                    note=f"{a.n_coders} codeurs ; {note_cut}",
                )
            )
        except ParameterError as exc:
            rows.append(
                _row(
                    test="krippendorff_alpha",
                    family="fidélité",
                    variables="codes des passages",
                    statistic_name="alpha",
                    method="Alpha de Krippendorff",
                    note=f"non calculable : {exc}",
                )
            )
        first = double[double["coding_role"] == "primary"].set_index("segment_id")["code"]
        second = (
            double[double["coding_role"] == "reliability"].drop_duplicates("segment_id").set_index("segment_id")["code"]
        )
        both = pd.concat([first.rename("a"), second.rename("b")], axis=1).dropna()
        try:
            k = reliability.cohen_kappa(list(both["a"]), list(both["b"]))
            rows.append(
                _row(
                    test="cohen_kappa",
                    family="fidélité",
                    variables="codage principal / second codage",
                    statistic_name="kappa",
                    statistic=k.statistic,
                    n=k.n,
                    method=k.method,
                    note=note_cut,
                )
            )
        except ParameterError as exc:
            rows.append(
                _row(
                    test="cohen_kappa",
                    family="fidélité",
                    variables="codage principal / second codage",
                    statistic_name="kappa",
                    method="Kappa de Cohen",
                    note=f"non calculable : {exc}",
                )
            )
    else:
        rows.append(
            _row(
                test="krippendorff_alpha",
                family="fidélité",
                variables="codes des passages",
                statistic_name="alpha",
                method="Alpha de Krippendorff",
                note="non calculable : moins de deux passages codés deux fois",
            )
        )
    return rows


def _grid_rows(ops: pd.DataFrame, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    note_cut = f"seuil usuel {french.number(RELIABILITY_THRESHOLD, 3)} (0,667 pour des conclusions provisoires)"
    grid_vars = set(ops.loc[ops["data_source"] == "grid", "variable_id"].astype(str))
    ass = records.tables["assessments"]
    ass = ass[ass["condition_id"].isin(grid_vars)]
    units = ass.assign(unit=ass["site_id"] + "/" + ass["condition_id"])
    double_units = units[units["unit"].isin(units.loc[units["coding_role"] == "reliability", "unit"])]
    if double_units["unit"].nunique() >= 2:
        matrix = double_units.pivot(index="coder", columns="unit", values="level").astype(float)
        try:
            a = reliability.krippendorff_alpha(matrix, level="ordinal")
            rows.append(
                _row(
                    test="krippendorff_alpha_grid",
                    family="fidélité",
                    variables="niveaux de la grille",
                    statistic_name="alpha",
                    statistic=a.statistic,
                    n=a.n,
                    method=f"{a.method} ({a.level})",
                    note=f"{a.n_coders} codeurs ; {note_cut}",
                )
            )
        except ParameterError as exc:
            rows.append(
                _row(
                    test="krippendorff_alpha_grid",
                    family="fidélité",
                    variables="niveaux de la grille",
                    statistic_name="alpha",
                    method="Alpha de Krippendorff",
                    note=f"non calculable : {exc}",
                )
            )
    return rows
