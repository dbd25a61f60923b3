"""Ready-made chart types for a new notebook or a script: bars, reference dots, scatter.

None of the four notebooks uses them today (their figures live in the module named after
the notebook); the batch's warm-up and the test fixtures do::

    from odas_analysis import export
    from odas_analysis.figures import generic

    fig = generic.bar_chart(names, values, title="Taux de pauvreté", xlabel="%", percent=True)
    export.figure(fig, "taux-pauvrete", alt="Barres horizontales : taux de pauvreté par site")
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import french
from .style import COLORS, STYLE, french_axis, new_figure, with_style


@with_style
def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    xlabel: str = "",
    decimals: int = 0,
    percent: bool = False,
    ratio: bool = True,
    highlight: Sequence[str] | str | None = None,
    annotate: bool = True,
    size: tuple[float, float] | None = None,
):
    """Horizontal bar chart with French value labels; returns the Figure.

    Bars keep the order given (sort before calling). ``highlight`` names labels drawn in
    :data:`COLORS` ``["highlight"]`` (for example the site of the page among the eleven).
    Missing values leave an empty row labelled ``n.d.``.
    """
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    height = size or (STYLE["figure.figsize"][0], max(2.0, 0.6 + 0.32 * len(labels)))
    fig, ax = new_figure(size=height)
    positions = list(range(len(labels)))[::-1]
    clean = [0.0 if french.is_missing(v) else float(v) for v in values]
    colors = [COLORS["highlight"] if lab in marked else COLORS["site"] for lab in labels]
    ax.barh(positions, clean, color=colors, height=0.65)
    ax.margins(x=0.12 if annotate else 0.05)
    ax.set_yticks(positions, [str(lab) for lab in labels])
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    french_axis(ax, "x", decimals, percent=percent, ratio=ratio)
    if annotate:
        for pos, raw, val in zip(positions, values, clean):
            text = french.percent(raw, decimals, ratio=ratio) if percent else french.number(raw, decimals)
            ax.annotate(text, (val, pos), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8.5)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return fig


@with_style
def reference_chart(
    levels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    xlabel: str = "",
    decimals: int = 1,
    percent: bool = False,
    ratio: bool = True,
    size: tuple[float, float] | None = None,
):
    """Dot chart comparing a site with its reference areas (département, région, France).

    ``levels`` are the row labels in reading order, the first one being the site: it is
    drawn in :data:`COLORS` ``["site"]``, the others in the reference colours.
    """
    if len(levels) != len(values):
        raise ValueError(f"{len(levels)} levels but {len(values)} values")
    refs = [COLORS["site"], COLORS["departement"], COLORS["region"], COLORS["france"]]
    fig, ax = new_figure(size=size or (STYLE["figure.figsize"][0], max(1.8, 0.6 + 0.4 * len(levels))))
    positions = list(range(len(levels)))[::-1]
    for i, (pos, raw) in enumerate(zip(positions, values)):
        if french.is_missing(raw):
            ax.annotate(french.MISSING, (0, pos), va="center", fontsize=8.5)
            continue
        ax.plot([float(raw)], [pos], "o", markersize=9, color=refs[min(i, len(refs) - 1)])
        text = french.percent(raw, decimals, ratio=ratio) if percent else french.number(raw, decimals)
        ax.annotate(text, (float(raw), pos), xytext=(8, 0), textcoords="offset points", va="center", fontsize=8.5)
    ax.set_yticks(positions, [str(lev) for lev in levels])
    ax.set_ylim(-0.6, len(levels) - 0.4)
    ax.margins(x=0.15)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    french_axis(ax, "x", decimals, percent=percent, ratio=ratio)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return fig


@with_style
def scatter_chart(
    x: Sequence[float],
    y: Sequence[float],
    *,
    labels: Sequence[str] | None = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    xdecimals: int = 0,
    ydecimals: int = 0,
    background: tuple[Sequence[float], Sequence[float]] | None = None,
    size: tuple[float, float] | None = None,
):
    """Scatter plot of sites, optionally over a dense background (e.g. all communes).

    The background cloud is rasterised so that the SVG stays small and fast; the labelled
    points stay vectors.
    """
    fig, ax = new_figure(size=size)
    if background is not None:
        ax.scatter(
            background[0],
            background[1],
            s=3,
            color=COLORS["neutral"],
            alpha=0.35,
            linewidths=0,
            rasterized=True,
            label="Ensemble",
        )
    ax.scatter(x, y, s=30, color=COLORS["site"], zorder=3)
    if labels is not None:
        for xi, yi, lab in zip(x, y, labels):
            ax.annotate(str(lab), (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=8)
    french_axis(ax, "x", xdecimals)
    french_axis(ax, "y", ydecimals)
    ax.grid(axis="x", visible=True)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig
