"""Tables of the synthese notebook: the eleven sites side by side, their typology, the two cohorts, their universe.

::

    from odas_analysis.tables import synthese as tables
    typ = tables.typology()
    export.table(typ.selection_table(), "typologie-choix", caption="...")

The typology itself is computed in :mod:`odas_analysis.tables.typology`, the comparison
of the sites with the territories they were drawn from in
:mod:`odas_analysis.tables.representativeness` (both re-exported here so that the
notebook reads from one module).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import french, study
from .common import yes_no
from .indicators import CROSS_SITE_INDICATORS, IndicatorSpec, indicator_matrix, indicator_sources
from .representativeness import (
    representativeness,
    representativeness_note,
    representativeness_summary,
    representativeness_table,
    site_percentile_note,
    site_percentile_table,
)
from .typology import Typology, typology, typology_summary

__all__ = [
    "Typology",
    "cross_site_decimals",
    "cross_site_table",
    "earlier_vs_new",
    "earlier_vs_new_summary",
    "earlier_vs_new_table",
    "indicator_sources",
    "representativeness",
    "representativeness_note",
    "representativeness_summary",
    "representativeness_table",
    "site_percentile_note",
    "site_percentile_table",
    "typology",
    "typology_summary",
]


def cross_site_table(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS) -> pd.DataFrame:
    """The eleven sites side by side, for the reader.

    Columns: site, nature, axis, part of the 2010-2012 study, then one column per
    indicator with its vintage and unit in the header. Communes and agglomerations are
    mixed: an agglomeration's value is INSEE's EPCI value (or a sum over its member
    communes for counts and turnout).
    """
    matrix = indicator_matrix(specs)
    sites = study.sites().set_index("site_id").loc[matrix.index]
    out = pd.DataFrame(
        {
            "Site": sites["name"].astype(str).to_numpy(),
            "Nature": sites["kind_label"].astype(str).to_numpy(),
            "Axe": sites["axis_id"].astype(str).to_numpy(),
            "Étude 2010-2012": [yes_no(v) for v in sites["in_2010_2012_study"]],
        }
    )
    for spec in specs:
        out[spec.header] = matrix[spec.key].to_numpy()
    out.attrs["decimals"] = cross_site_decimals(specs)
    out.attrs["units"] = {spec.header: spec.unit for spec in specs if spec.unit}
    return out


def cross_site_decimals(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS) -> dict[str, int]:
    """``decimals`` argument of :func:`odas_analysis.export.table` for :func:`cross_site_table`."""
    return {spec.header: spec.decimals for spec in specs}


def earlier_vs_new(
    specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS,
    matrix: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare the four sites of the 2010-2012 study with the seven new ones.

    For each indicator: both means, their difference (earlier minus new), its exact
    95 % interval and the exact two-sided permutation p-value over the C(11, 4) = 330
    splits (:func:`odas_analysis.stats.exact.mean_difference`), then Holm's adjustment
    across the indicators. With 330 splits no two-sided p-value can be below 2/330.
    Sites with a missing value are left out of that indicator's test (never imputed).
    """
    from ..stats import exact

    data = indicator_matrix(specs) if matrix is None else matrix
    cohort = study.sites().set_index("site_id")["in_2010_2012_study"].reindex(data.index)
    rows = []
    pvalues = {}
    for spec in specs:
        values = data[spec.key]
        keep = values.notna().to_numpy()
        groups = np.where(cohort.to_numpy()[keep].astype(bool), "2010-2012", "nouveau")
        result = exact.mean_difference(values.to_numpy()[keep], groups, order=("2010-2012", "nouveau"))
        earlier = values[keep & cohort.to_numpy().astype(bool)]
        new = values[keep & ~cohort.to_numpy().astype(bool)]
        rows.append(
            {
                "Indicateur": spec.header,
                "Moyenne des sites 2010-2012": float(earlier.mean()),
                "n (2010-2012)": int(earlier.size),
                "Moyenne des nouveaux sites": float(new.mean()),
                "n (nouveaux)": int(new.size),
                "Différence": result.statistic,
                "IC 95 % bas": result.ci[0],
                "IC 95 % haut": result.ci[1],
                "p exact": result.pvalue,
            }
        )
        pvalues[spec.key] = result.pvalue
    out = pd.DataFrame(rows)
    adjusted = exact.holm(pvalues, alpha=alpha)
    out["p ajusté (Holm)"] = adjusted.adjusted
    return out


#: Columns of :func:`earlier_vs_new_table`, and the columns of :func:`earlier_vs_new` they show.
EARLIER_VS_NEW_COLUMNS = {
    "Sites 2010-2012 (moyenne)": "Moyenne des sites 2010-2012",
    "Nouveaux sites (moyenne)": "Moyenne des nouveaux sites",
    "Différence": "Différence",
    "IC 95 % (exact), borne basse": "IC 95 % bas",
    "IC 95 % (exact), borne haute": "IC 95 % haut",
}


def earlier_vs_new_table(table: pd.DataFrame, specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS) -> pd.DataFrame:
    """:func:`earlier_vs_new` for the reader: numbers, each row in its indicator's precision.

    One table mixes euros, percentages and ratios: ``.attrs["decimals"]`` gives means,
    difference and interval the decimals of the row's indicator, p-values three.
    """
    by_header = {s.header: s for s in specs}
    digits = [by_header[h].decimals for h in table["Indicateur"]]
    out = pd.DataFrame({"Indicateur": table["Indicateur"]})
    for column, source in EARLIER_VS_NEW_COLUMNS.items():
        out[column] = table[source].astype("float64").to_numpy()
    out["p exact"] = table["p exact"].astype("float64")
    out["p ajusté (Holm)"] = table["p ajusté (Holm)"].astype("float64")
    out.attrs["decimals"] = {
        **{column: digits for column in EARLIER_VS_NEW_COLUMNS},
        "p exact": 3,
        "p ajusté (Holm)": 3,
    }
    return out


def earlier_vs_new_summary(table: pd.DataFrame, alpha: float = 0.05) -> str:
    """A short French paragraph (Markdown) reading :func:`earlier_vs_new`."""
    adjusted = table["p ajusté (Holm)"]
    significant = table.loc[adjusted <= alpha, "Indicateur"].tolist()
    smallest = french.number(float(adjusted.min()), 3)
    pct = french.number(alpha * 100, 0)
    if significant:
        head = (
            f"Après ajustement de Holm, la différence est significative au seuil de {pct}{french.NNBSP}% pour : "
            + ", ".join(significant)
            + "."
        )
    else:
        head = (
            f"Après ajustement de Holm, aucune différence n'est significative au seuil de {pct}{french.NNBSP}% "
            f"(plus petite p-valeur ajustée : {smallest})."
        )
    return (
        head + " Avec quatre sites d'un côté et sept de l'autre, seul un écart très net pourrait l'être : "
        "l'absence de différence significative ne montre pas que les deux groupes se ressemblent, "
        "et les intervalles de confiance, larges, disent l'incertitude."
    )
