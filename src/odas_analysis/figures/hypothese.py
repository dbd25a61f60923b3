"""Figures of the hypothese notebook: the sites on the hypothesis' grid, what the actors say.

::

    from odas_analysis.figures import hypothese as figures
    export.figure(figures.sites(result), "sites", alt="...")
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .. import french, study
from .common import add_note, site_names
from .style import COLORS, french_axis, new_figure, text_color


def sites(result):
    """The sites on the hypothesis' grid variables: conditions and outcome, levels 0 to 3.

    ``result`` is a :class:`odas_analysis.hypotheses.HypothesisResult`. Rows are sites
    (sorted by the outcome, then by name), columns the conditions then the outcome; the
    share of segments coded "supports" is written beside each row. The note says when
    the data are simulated.
    """
    from .. import fieldwork, hypotheses

    ops = hypotheses.operationalisation(result.hypothesis_id)
    grid = ops[(ops["data_source"] == "grid") & ops["element"].isin(["condition", "outcome"])]
    outcome = [str(v) for v in grid.loc[grid["element"] == "outcome", "variable_id"]]
    columns = [str(v) for v in grid.loc[grid["element"] == "condition", "variable_id"]] + outcome
    labels = dict(zip(grid["variable_id"].astype(str), grid["label_fr"].astype(str)))
    data = result.site_data.copy()
    names = dict(zip(study.site_ids(), site_names(study.site_ids())))
    data["_name"] = [names[s] for s in data.index]
    data = data.sort_values([*outcome, "_name"], ascending=[False] * len(outcome) + [True], kind="stable")
    values = data[columns].to_numpy(dtype=float)
    fig, ax = new_figure(size=(7.6, 1.9 + 0.3 * len(data)))
    from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, to_hex

    cmap = LinearSegmentedColormap.from_list("odas-levels", ["#f4f6f6", COLORS["site"]], N=4).with_extremes(
        bad="#d5d8dc"
    )
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5], 4)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(
                j,
                i,
                french.MISSING if np.isnan(v) else french.number(v, 0),
                ha="center",
                va="center",
                fontsize=7.5,
                color="black" if np.isnan(v) else text_color(to_hex(cmap(norm(v)))),
            )
    if "support_share" in data.columns:
        for i, share in enumerate(data["support_share"]):
            text = french.MISSING if pd.isna(share) else french.percent(share, 0)
            ax.text(len(columns) - 0.4, i, text, ha="left", va="center", fontsize=7.5)
        ax.text(len(columns) - 0.4, -0.9, "passages\n« confirme »", ha="left", va="bottom", fontsize=7)
    ax.axvline(len(columns) - len(outcome) - 0.5, color="white", linewidth=3)
    ax.set_xticks(
        range(len(columns)),
        [textwrap.fill(("Résultat : " if c in outcome else "") + labels[c], 18) for c in columns],
        fontsize=7,
    )
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(data)), list(data["_name"]), fontsize=8)
    ax.set_xlim(-0.5, len(columns) + 0.6)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_title(f"{result.hypothesis_id} : niveaux de la grille d'évaluation par site", pad=8)
    add_note(
        fig,
        "Niveaux de 0 (absent) à 3 (pleinement présent), évaluation principale des chercheurs ; colonne de "
        "droite : part des passages d'entretien codés « confirme » sur l'hypothèse. " + fieldwork.source_note_fr(),
    )
    return fig


def testimony(result):
    """Share of coded segments that support the hypothesis, by group of actors (GEE)."""
    from .. import fieldwork

    table = result.gee_table
    fig, ax = new_figure(size=(7.6, 1.4 + 0.45 * len(table)))
    positions = list(range(len(table)))[::-1]
    for pos, row in zip(positions, table.itertuples(index=False)):
        ax.plot([row.ic_bas, row.ic_haut], [pos, pos], color=COLORS["departement"], linewidth=2.5)
        ax.plot([row.part_modele], [pos], "o", color=COLORS["site"], markersize=7, zorder=3)
        ax.plot([row.part_observee], [pos], "|", color=COLORS["highlight"], markersize=12, zorder=3)
        ax.text(
            1.03,
            pos,
            f"{french.percent(row.part_observee, 0)} de\n{french.number(row.segments)} passages",
            va="center",
            fontsize=7,
        )
    ax.axvline(0.5, color=COLORS["neutral"], linestyle=":", linewidth=1)
    ax.set_xlim(0, 1.22)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_yticks(positions, [str(g) for g in table["groupe"]], fontsize=8)
    french_axis(ax, "x", 0, percent=True)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_xlabel("part des passages qui confirment l'hypothèse")
    ax.set_title(f"{result.hypothesis_id} : ce qu'en disent les acteurs rencontrés")
    add_note(
        fig,
        "Point : part estimée par le modèle (GEE binomiale, grappes = sites) et son intervalle à 95 % ; "
        "trait orange : part observée. " + fieldwork.source_note_fr(),
    )
    return fig
