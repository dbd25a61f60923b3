"""Agreement between coders: Krippendorff's alpha and Cohen's kappa on the double-coded material."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .. import fieldwork, french
from ..errors import ParameterError
from ..stats import reliability
from .rules import RELIABILITY_THRESHOLD
from .sites import row as _row

_NOTE_CUT = f"seuil usuel {french.number(RELIABILITY_THRESHOLD, 3)} (0,667 pour des conclusions provisoires)"


def agreement_rows(hyp: str, ops: pd.DataFrame, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    """Alpha and kappa on the double-coded segments, ordinal alpha on the double-assessed grid."""
    return _code_rows(hyp, records) + _grid_rows(ops, records)


def _agreement_row(
    test: str, variables: str, name: str, method: str, compute: Callable[[], Any], *, per_coder: bool = True
) -> dict[str, Any]:
    """One agreement statistic as a result row, or the row saying why it cannot be computed.

    ``compute`` returns a reliability result; ``method`` names the statistic when it fails;
    ``per_coder`` adds the level to the method and the number of coders to the note (alpha).
    """
    base = {"test": test, "family": "fidélité", "variables": variables, "statistic_name": name}
    try:
        res = compute()
    except ParameterError as exc:
        return _row(**base, method=method, note=f"non calculable : {exc}")
    return _row(
        **base,
        statistic=res.statistic,
        n=res.n,
        method=f"{res.method} ({res.level})" if per_coder else res.method,
        note=f"{res.n_coders} codeurs ; {_NOTE_CUT}" if per_coder else _NOTE_CUT,
    )


def _code_rows(hyp: str, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    seg = records.tables["coded_segments"]
    seg = seg[seg["hypothesis_id"] == hyp]
    double = seg[seg["segment_id"].isin(seg.loc[seg["coding_role"] == "reliability", "segment_id"])]
    if double["segment_id"].nunique() < 2:
        why = "non calculable : moins de deux passages codés deux fois"
        return [
            _row(
                test="krippendorff_alpha",
                family="fidélité",
                variables="codes des passages",
                statistic_name="alpha",
                method="Alpha de Krippendorff",
                note=why,
            )
        ]
    matrix = double.pivot(index="coder", columns="segment_id", values="code").astype(object)
    matrix = matrix.where(matrix.notna(), None)
    first = double[double["coding_role"] == "primary"].set_index("segment_id")["code"]
    second = double[double["coding_role"] == "reliability"].drop_duplicates("segment_id").set_index("segment_id")
    both = pd.concat([first.rename("a"), second["code"].rename("b")], axis=1).dropna()
    return [
        _agreement_row(
            "krippendorff_alpha",
            "codes des passages",
            "alpha",
            "Alpha de Krippendorff",
            lambda: reliability.krippendorff_alpha(matrix, level="nominal"),
        ),
        _agreement_row(
            "cohen_kappa",
            "codage principal / second codage",
            "kappa",
            "Kappa de Cohen",
            lambda: reliability.cohen_kappa(list(both["a"]), list(both["b"])),
            per_coder=False,
        ),
    ]


def _grid_rows(ops: pd.DataFrame, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    grid_vars = set(ops.loc[ops["data_source"] == "grid", "variable_id"].astype(str))
    ass = records.tables["assessments"]
    ass = ass[ass["condition_id"].isin(grid_vars)]
    units = ass.assign(unit=ass["site_id"] + "/" + ass["condition_id"])
    double_units = units[units["unit"].isin(units.loc[units["coding_role"] == "reliability", "unit"])]
    if double_units["unit"].nunique() < 2:
        return []
    matrix = double_units.pivot(index="coder", columns="unit", values="level").astype(float)
    return [
        _agreement_row(
            "krippendorff_alpha_grid",
            "niveaux de la grille",
            "alpha",
            "Alpha de Krippendorff",
            lambda: reliability.krippendorff_alpha(matrix, level="ordinal"),
        )
    ]
