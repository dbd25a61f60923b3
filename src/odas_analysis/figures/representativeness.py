"""Figure of the synthesis: where each of the eleven sites stands in its universe, indicator by indicator.

One row per indicator: the percentile rank of every site among the communes of 20,000
inhabitants or more (circles) or the communautés d'agglomération (squares), the sites'
mean (black diamond), what a random draw would give (dashed mark) and the p-value of the
test of the eleven with how it was computed (exact, or Monte Carlo with its error).
"""

from __future__ import annotations

import textwrap

import pandas as pd

from .. import comparison, french
from ..tables.common import sources_note
from ..tables.representativeness import REPRESENTATIVENESS_INDICATORS, universe_or_committed
from .common import add_note
from .style import COLORS

MARKERS = {"commune": ("o", COLORS["site"]), "EPCI": ("s", COLORS["highlight"])}


def _p_label(row: pd.Series) -> str:
    text = french.p_value(row["pvalue"])
    if row["method"] != "exact":
        text += f" (MC, e.t. {french.number(row['standard_error'], 4)})"
    return text + f" ; Holm {french.number(row['p_holm'], 3)}"


def sites_in_universe(result: pd.DataFrame, universe: pd.DataFrame | None = None):
    """Strip plot of the sites' percentiles in their universes, with the test of the eleven per row.

    ``result`` is :func:`odas_analysis.tables.representativeness.representativeness`.
    """
    import matplotlib.pyplot as plt

    ranks = comparison.percentiles(universe_or_committed(universe))
    rows = list(result.itertuples(index=False))
    fig, ax = plt.subplots(figsize=(9.2, 0.62 * len(rows) + 1.9))
    fig.subplots_adjust(left=0.29, right=0.72, top=1 - 0.75 / fig.get_figheight(), bottom=1.25 / fig.get_figheight())
    for y, r in enumerate(rows):
        part = ranks[(ranks["indicator_key"] == r.indicator_key) & ranks["pct_rank"].notna()]
        for level, (marker, color) in MARKERS.items():
            sel = part[part["unit_level"] == level]
            ax.scatter(sel["pct_rank"], [y] * len(sel), marker=marker, s=30, color=color, alpha=0.75, zorder=3)
        ax.plot([r.expected_pct] * 2, [y - 0.32, y + 0.32], linestyle="--", color="#626567", linewidth=1)
        ax.scatter([r.mean_pct], [y], marker="D", s=46, color="black", zorder=4)
        ax.annotate(
            _p_label(pd.Series(r._asdict())),
            (101, y),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
            annotation_clip=False,
        )
    ax.set_yticks(range(len(rows)), [textwrap.fill(r.header, 34) for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("rang centile dans l'univers du site (0 à 100)", fontsize=8.5)
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="x", labelsize=7.5)
    handles = [
        ax.scatter([], [], marker="o", color=MARKERS["commune"][1], label="site communal"),
        ax.scatter([], [], marker="s", color=MARKERS["EPCI"][1], label="agglomération"),
        ax.scatter([], [], marker="D", color="black", label="moyenne des sites"),
        ax.plot([], [], linestyle="--", color="#626567", label="attendu au hasard")[0],
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.01), ncol=4, fontsize=7.5, frameon=False)
    fig.suptitle(
        "Les onze sites dans les territoires dont ils sont issus", x=0.01, ha="left", fontsize=11, fontweight="bold"
    )
    add_note(
        fig,
        "Trait pointillé : rang moyen attendu pour un tirage au hasard de même effectif dans chaque univers. "
        "p : test de rangs stratifié bilatéral des onze sites (exact sauf mention MC), puis ajusté par la "
        "méthode de Holm. Sites volontaires, non tirés au sort : une description, non une généralisation. "
        + sources_note([s.source_id for s in REPRESENTATIVENESS_INDICATORS]),
    )
    return fig
