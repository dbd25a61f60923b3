"""Figures of the synthese notebook: the eleven sites side by side, their typology, the two cohorts, their universe.

::

    from odas_analysis.figures import synthese as figures
    export.figure(figures.indicator_heatmap(), "sites-indicateurs", alt="...")
"""

from __future__ import annotations

__all__ = ["cohorts", "indicator_heatmap", "sites_in_universe", "typology_dendrogram", "typology_map"]

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import french, study
from ..tables.indicators import (
    CROSS_SITE_INDICATORS,
    IndicatorSpec,
    indicator_matrix,
    indicator_sources,
    indicator_spec,
)
from ..tables.typology import Typology
from .common import add_note, panels, site_names
from .representativeness import sites_in_universe
from .style import COLORS, PALETTE, french_axis, new_figure, text_color


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def indicator_heatmap(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS, matrix: pd.DataFrame | None = None):
    """Sites × indicators: colour = position relative to the eleven sites, text = the value.

    The colour is the z-score of the column among the eleven sites (population on a
    log scale), so it reads "above / below the average of the sites", not a national
    position. A missing value is a grey cell marked ``n.d.``.
    """
    from matplotlib.colors import TwoSlopeNorm, to_hex

    data = indicator_matrix(specs) if matrix is None else matrix[[s.key for s in specs]]
    scaled = data.astype("float64").copy()
    for spec in specs:
        col = scaled[spec.key]
        if spec.log_scale:
            col = np.log10(col)
        sd = col.std(ddof=0)
        scaled[spec.key] = (col - col.mean()) / sd if sd and not pd.isna(sd) else col * 0
    fig, ax = new_figure(size=(7.6, 1.6 + 0.34 * len(data)))
    values = np.ma.masked_invalid(scaled.to_numpy())
    cmap = _diverging_cmap()
    norm = TwoSlopeNorm(0, -2.5, 2.5)
    image = ax.imshow(values, cmap=cmap, norm=norm, aspect="auto")
    for i in range(data.shape[0]):
        for j, spec in enumerate(specs):
            raw = data.iloc[i, j]
            z = scaled.iloc[i, j]
            text = french.MISSING if pd.isna(raw) else french.number(raw, spec.decimals)
            color = "black" if pd.isna(z) else text_color(to_hex(cmap(norm(z))))
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(specs)), [textwrap.fill(f"{s.short_label} ({s.data_year})", 13) for s in specs], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(data)), site_names(data.index), fontsize=8)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    bar = fig.colorbar(image, ax=ax, shrink=0.7, pad=0.01)
    bar.set_label("écart à la moyenne des 11 sites (écarts types)", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    bar.ax.yaxis.set_major_formatter(french.tick_formatter(0))
    ax.set_title("Les onze sites côte à côte", pad=8)
    add_note(
        fig,
        "Couleur : écart à la moyenne des onze sites, en écarts types (population en logarithme) ; "
        "texte : valeur de l'indicateur. Communes et intercommunalités sont mêlées. " + indicator_sources(specs),
    )
    return fig


def _diverging_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "odas-diverging", [COLORS["site"], "#f4f6f6", COLORS["highlight"]]
    ).with_extremes(bad="#d5d8dc")


def _cluster_colors(k: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(k)]


def typology_dendrogram(typ: Typology):
    """Ward dendrogram of the sites, leaves coloured by the retained groups."""
    from scipy.cluster.hierarchy import dendrogram

    colors = _cluster_colors(typ.k)
    names = site_names(typ.labels.index)
    fig, ax = new_figure(size=(7.6, 4.2))
    cut = float(typ.selection.loc[typ.selection["k"] == typ.k, "merge_height"].iloc[0])
    previous = float(typ.linkage[len(typ.labels) - typ.k - 1, 2])
    threshold = (cut + previous) / 2
    n = len(typ.labels)
    link_colors: dict[int, str] = {}
    for i in range(len(typ.linkage)):
        node = n + i
        members = _leaves_under(typ.linkage, node, n)
        groups = {int(typ.labels.iloc[m]) for m in members}
        link_colors[node] = colors[groups.pop() - 1] if len(groups) == 1 else COLORS["neutral"]
    dendrogram(
        typ.linkage,
        ax=ax,
        labels=names,
        orientation="right",
        link_color_func=lambda node: link_colors[node],
        leaf_font_size=8,
    )
    ax.invert_yaxis()  # first leaf on top, as groups are numbered from the top
    for label in ax.get_yticklabels():
        site_pos = names.index(label.get_text())
        label.set_color(colors[int(typ.labels.iloc[site_pos]) - 1])
    ax.axvline(threshold, color=COLORS["highlight"], linestyle="--", linewidth=0.9)
    ax.annotate(
        f"coupe en {typ.k} groupes",
        (threshold, 0),
        xytext=(4, 4),
        textcoords="offset points",
        xycoords=("data", "axes fraction"),
        fontsize=7.5,
        color=COLORS["highlight"],
    )
    ax.set_xlabel("hauteur de fusion (critère de Ward, distances entre indicateurs standardisés)")
    french_axis(ax, "x", 0)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_title("Typologie des sites : classification hiérarchique de Ward")
    add_note(fig, _typology_note(typ))
    return fig


def _leaves_under(link: np.ndarray, node: int, n: int) -> list[int]:
    if node < n:
        return [node]
    left, right = int(link[node - n, 0]), int(link[node - n, 1])
    return _leaves_under(link, left, n) + _leaves_under(link, right, n)


def _typology_note(typ: Typology) -> str:
    specs = [CROSS_SITE_INDICATORS[[s.key for s in CROSS_SITE_INDICATORS].index(c)] for c in typ.raw.columns]
    used = ", ".join(f"{_lower_first(s.short_label)} {s.data_year}" for s in specs)
    return f"Indicateurs : {used} (population en logarithme), centrés-réduits sur les onze sites. " + indicator_sources(
        specs
    )


def typology_map(typ: Typology):
    """The sites on the first two principal components, coloured by group."""
    coords, share = typ.components()
    colors = _cluster_colors(typ.k)
    names = site_names(coords.index)
    fig, ax = new_figure(size=(7.6, 4.6))
    for group in range(1, typ.k + 1):
        mask = (typ.labels == group).to_numpy()
        ax.scatter(
            coords.loc[mask, "pc1"],
            coords.loc[mask, "pc2"],
            s=40,
            color=colors[group - 1],
            label=f"groupe {group}",
            zorder=3,
        )
    for offset, (_, row), name in zip(_label_offsets(coords), coords.iterrows(), names):
        ax.annotate(
            name,
            (row["pc1"], row["pc2"]),
            xytext=offset,
            textcoords="offset points",
            fontsize=7.5,
            va="top" if offset[1] < 0 else "baseline",
        )
    ax.axhline(0, color="#d5d8dc", linewidth=0.8)
    ax.axvline(0, color="#d5d8dc", linewidth=0.8)
    ax.set_xlabel(f"composante 1 ({french.percent(share[0], 0)} de la variance)")
    ax.set_ylabel(f"composante 2 ({french.percent(share[1], 0)} de la variance)")
    french_axis(ax, "both", 1)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="best", fontsize=8)
    ax.set_title("Carte des sites (analyse en composantes principales)")
    loadings = _loadings_text(typ)
    add_note(fig, f"Composantes : {loadings}. " + _typology_note(typ))
    return fig


def _label_offsets(coords: pd.DataFrame, near: float = 0.06) -> list[tuple[int, int]]:
    """Label offsets (points) that put a label below its point when an earlier point is close."""
    span = (coords.max() - coords.min()).replace(0, 1)
    scaled = (coords - coords.min()) / span
    offsets: list[tuple[int, int]] = []
    for i in range(len(scaled)):
        close = any(
            abs(scaled.iloc[i, 0] - scaled.iloc[j, 0]) < 2 * near
            and abs(scaled.iloc[i, 1] - scaled.iloc[j, 1]) < near
            and offsets[j][1] > 0
            for j in range(i)
        )
        offsets.append((5, -5) if close else (5, 3))
    return offsets


def _loadings_text(typ: Typology) -> str:
    """The two strongest indicators of each of the first two components, with their sign."""
    _, _, vt = np.linalg.svd(typ.z.to_numpy(), full_matrices=False)
    parts = []
    for i in range(2):
        vec = vt[i]
        # align with the signs used by Typology.components()
        j = int(np.argmax(np.abs(vec)))
        if vec[j] < 0:
            vec = -vec
        top = np.argsort(-np.abs(vec), kind="stable")[:2]
        words = []
        for t in top:
            label = indicator_spec(typ.z.columns[t]).short_label
            words.append(f"{_lower_first(label)} ({'+' if vec[t] > 0 else '−'})")
        parts.append(f"{i + 1} ≈ " + " et ".join(words))
    return f"{french.NNBSP}; ".join(parts)


def cohorts(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS, matrix: pd.DataFrame | None = None):
    """The four sites of the 2010-2012 study against the seven new ones, indicator by indicator."""
    data = indicator_matrix(specs) if matrix is None else matrix
    cohort = study.sites().set_index("site_id")["in_2010_2012_study"].reindex(data.index).astype(bool)
    fig, axes = panels(len(specs), ncols=4, row_height=2.2, top=0.8)
    groups = [("2010-2012", True, COLORS["highlight"]), ("nouveaux", False, COLORS["site"])]
    for ax, spec in zip(axes, specs):
        values = data[spec.key]
        for x, (_label, flag, color) in enumerate(groups):
            sel = values[(cohort == flag).to_numpy()].dropna()
            offsets = np.linspace(-0.12, 0.12, len(sel)) if len(sel) > 1 else np.zeros(len(sel))
            ax.scatter(x + offsets, sel, s=18, color=color, zorder=3)
            if len(sel):
                ax.hlines(sel.mean(), x - 0.25, x + 0.25, color=color, linewidth=1.6)
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
        french_axis(ax, "y", 1 if spec.decimals >= 2 else 0)
        ax.set_xticks([0, 1], [f"{g[0]}\n(n = {int((cohort == g[1]).sum())})" for g in groups], fontsize=7)
        ax.set_xlim(-0.6, 1.6)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(textwrap.fill(f"{spec.short_label} ({spec.data_year})", 22), fontsize=8)
    fig.suptitle("Sites déjà étudiés en 2010-2012 et nouveaux sites", x=0.01, ha="left", fontsize=11, fontweight="bold")
    add_note(
        fig,
        "Points : sites ; trait : moyenne du groupe. Valenciennes Métropole compte parmi les nouveaux sites "
        "(l'étude 2010-2012 portait sur la ville de Valenciennes). " + indicator_sources(specs),
    )
    return fig
