"""What :func:`~odas_analysis.hypotheses.test` returns: :class:`HypothesisResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import fieldwork, french
from .rules import SIMULATED_FR

RESULT_COLUMNS = [
    "test",
    "family",
    "variables",
    "statistic_name",
    "statistic",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "n",
    "method",
    "note",
]
FR_COLUMNS = ["Test", "Variables", "Statistique", "Valeur", "IC 95 %", "p", "p (Holm)", "n", "Remarque"]


def p_cell(p: float) -> str:
    """A p-value for a table cell: ``"0,031"`` or ``"< 0,001"``."""
    if pd.isna(p):
        return ""
    return french.p_value(float(p), prefix=False)


@dataclass
class HypothesisResult:
    """Everything :func:`~odas_analysis.hypotheses.test` found for one hypothesis.

    Attributes
    ----------
    hypothesis_id, label_fr, statement_fr
        The hypothesis.
    results
        Tidy table, one row per test (columns :data:`RESULT_COLUMNS`).
    site_data
        The site-level values tested.
    calibrated
        Crisp memberships used by QCA.
    truth_table
        QCA truth table (``None`` when QCA could not run).
    gee_table
        Share of segments supporting the hypothesis by group of actors: observed and
        modelled, with the odds ratio against the reference group.
    verdict_class
        ``"soutenue"``, ``"partiellement soutenue"``, ``"non confirmée"``, or ``"non testée"``
        (the rule: :data:`odas_analysis.hypotheses.VERDICT_RULE_FR`).
    verdict_fr
        The verdict in plain French, with its power, its scope and its limits.
    source
        :func:`odas_analysis.fieldwork.data_source` of the records used.
    holm_h1_h5
        The composite p-values of H1-H5 and their Holm adjustment (columns ``hypothesis_id``,
        ``composite_p``, ``p_holm_h1_h5``).
    """

    hypothesis_id: str
    label_fr: str
    statement_fr: str
    results: pd.DataFrame
    site_data: pd.DataFrame
    calibrated: pd.DataFrame
    truth_table: pd.DataFrame | None
    gee_table: pd.DataFrame
    verdict_class: str
    verdict_fr: str
    source: dict[str, Any] = field(default_factory=dict)
    holm_h1_h5: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def synthetic(self) -> bool:
        return bool(self.source.get("synthetic"))

    def results_fr(self, families: tuple[str, ...] | None = None) -> pd.DataFrame:
        """``results`` for display: French headers, decimal commas, "données simulées" noted.

        ``families`` keeps only some families (``"site"``, ``"entretien"``, ``"fidélité"``,
        ``"robustesse"``).
        """
        frame = self.results if families is None else self.results[self.results["family"].isin(families)]
        rows = [_row_fr(r) for _, r in frame.iterrows()]
        out = pd.DataFrame(rows, columns=FR_COLUMNS)
        out.attrs["note_fr"] = (
            fieldwork.source_note_fr()
            if not self.source
            else (SIMULATED_FR if self.synthetic else "Données d'enquête confidentielles, agrégées.")
        )
        return out


#: Statistics that are counts, written as whole numbers.
COUNT_STATISTICS = frozenset({"variantes où elle tient"})


def _value(r: pd.Series) -> str:
    if pd.isna(r["statistic"]):
        return ""
    if r["statistic_name"] in COUNT_STATISTICS:
        return french.integer(r["statistic"])
    return french.number(r["statistic"], 3)


def _row_fr(r: pd.Series) -> dict[str, str]:
    ci = french.interval(r["ci_low"], r["ci_high"], 3) if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]) else ""
    return {
        "Test": str(r["method"]),
        "Variables": str(r["variables"]),
        "Statistique": str(r["statistic_name"]) if pd.notna(r["statistic_name"]) else "",
        "Valeur": _value(r),
        "IC 95 %": ci,
        "p": p_cell(r["p_value"]),
        "p (Holm)": p_cell(r["p_holm"]),
        "n": str(int(r["n"])) if pd.notna(r["n"]) else "",
        "Remarque": str(r["note"]),
    }
