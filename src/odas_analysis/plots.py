"""One figure style for the whole project: French labels, French numbers.

Every figure of the reports goes through this module so that they look alike and read
as French: decimal comma, a narrow no-break space (U+202F) between thousands, ``%``
after a narrow no-break space, missing values shown as ``n.d.`` (non disponible).

The functions return a :class:`matplotlib.figure.Figure` built without ``pyplot`` (no
global state, nothing shown twice by the inline backend) and never call
``plt.show()``: a notebook hands the figure to :func:`odas_analysis.export.figure`,
which writes it and displays it once.

Typical use in a notebook::

    from odas_analysis import plots, export

    fig = plots.bar_chart(names, values, title="Taux de pauvreté", xlabel="%", percent=True)
    export.figure(fig, "taux-pauvrete")

or, for a figure of one's own::

    fig, ax = plots.new_figure()
    ax.plot(x, y, color=plots.COLORS["site"])
    plots.french_axis(ax, "y", decimals=1)
    export.figure(fig, "evolution")

Numbers in text and tables are written by :mod:`odas_analysis.french`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from . import french

COLORS: dict[str, str] = {
    "site": "#1b4f72",
    "departement": "#5dade2",
    "region": "#a9cce3",
    "france": "#7f8c8d",
    "highlight": "#c0392b",
    "neutral": "#95a5a6",
    "positive": "#1e8449",
    "negative": "#c0392b",
}
"""Named colours, so that a site, its département, its region and France always look the same."""

PALETTE: tuple[str, ...] = (
    "#1b4f72",
    "#c0392b",
    "#1e8449",
    "#d68910",
    "#6c3483",
    "#5dade2",
    "#7f8c8d",
    "#b7950b",
    "#117864",
    "#943126",
    "#2e4053",
)
"""Categorical cycle, long enough for the eleven sites."""

STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.family": "DejaVu Sans",
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.formatter.use_locale": False,
    "axes.unicode_minus": True,
    "grid.color": "#d5d8dc",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "svg.hashsalt": "odas-analysis",
    "svg.fonttype": "path",
    "path.simplify": True,
}
"""The rcParams of the project style (applied by :func:`style` and :func:`use_style`)."""


def french_axis(ax, axis: str = "y", decimals: int = 0, *, percent: bool = False, ratio: bool = True) -> None:
    """Format the ticks of ``ax``'s ``"x"``, ``"y"`` or ``"both"`` axes as French numbers."""
    if axis not in {"x", "y", "both"}:
        raise ValueError(f"axis must be 'x', 'y' or 'both', not {axis!r}")
    fmt = french.tick_formatter(decimals, as_percent=percent, ratio=ratio)
    if axis in {"x", "both"}:
        ax.xaxis.set_major_formatter(fmt)
    if axis in {"y", "both"}:
        ax.yaxis.set_major_formatter(fmt)


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib's global rcParams (for a whole notebook)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Context manager applying :data:`STYLE` for the figures created inside it."""
    import matplotlib as mpl
    from cycler import cycler

    with mpl.rc_context({**STYLE, "axes.prop_cycle": cycler(color=list(PALETTE))}):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] | None = None, **kwargs):
    """Create a figure in the project style, outside ``pyplot``.

    Returns ``(fig, ax)`` (``ax`` is an array when ``nrows * ncols > 1``). The figure
    keeps the style it was created with: fonts, colours and spines are fixed at
    creation, and ``svg.hashsalt`` is applied again when :mod:`odas_analysis.export`
    saves it.
    """
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=size or STYLE["figure.figsize"], layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def _with_style(func):
    """Create every artist of a chart function inside :func:`style`."""

    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    return wrapper


@_with_style
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


@_with_style
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


@_with_style
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
