"""One figure style for the whole project: French labels, French numbers.

Every figure of the pages goes through this module so that they look alike and read
as French: decimal comma, a narrow no-break space (U+202F) between thousands, ``%``
after a narrow no-break space, missing values shown as ``n.d.`` (non disponible).

Figures are built without ``pyplot`` (no global state, nothing shown twice by the
inline backend) and never call ``plt.show()``: a notebook hands the figure to
:func:`odas_analysis.export.figure`, which writes it and displays it once::

    from odas_analysis import export
    from odas_analysis.figures import style

    fig, ax = style.new_figure()
    ax.plot(x, y, color=style.COLORS["site"])
    style.french_axis(ax, "y", decimals=1)
    export.figure(fig, "evolution", alt="Courbe de ...")

Numbers in text and tables are written by :mod:`odas_analysis.french`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from .. import french

COLORS: dict[str, str] = {
    "site": "#0072B2",
    "departement": "#56B4E9",
    "region": "#B3DDF5",
    "france": "#5F5F5F",
    "highlight": "#D55E00",
    "neutral": "#A0A0A0",
    "positive": "#009E73",
    "negative": "#D55E00",
}
"""Named colours, so that a site, its département, its region and France always look the same.

Taken from (or, for the region and the greys, lightened from) the Okabe-Ito palette: any
two of them stay distinct under simulated deuteranopia and protanopia (CIEDE2000 ≥ 10,
``tests/test_figures_style.py``)."""

PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#E69F00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
"""Categorical cycle: the Okabe-Ito palette (Okabe & Ito 2008), safe for colour-blind readers.

Eight colours; a figure needing more categories labels them rather than cycling."""


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_color(background: str) -> str:
    """``"black"`` or ``"white"``, whichever contrasts more with ``background`` (WCAG ratio)."""
    lum = relative_luminance(background)
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


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


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    size: tuple[float, float] | None = None,
    rc: dict | None = None,
    layout: str | None = "constrained",
    **kwargs,
):
    """Create a figure in the project style, outside ``pyplot``.

    Returns ``(fig, ax)`` (``ax`` is an array when ``nrows * ncols > 1``). The figure
    keeps the style it was created with: fonts, colours and spines are fixed at
    creation, and ``svg.hashsalt`` is applied again when :mod:`odas_analysis.export`
    saves it. ``rc``: rcParams applied on top of the style while the axes are created.
    ``layout``: ``"constrained"`` (default), or None for positions given through
    ``gridspec_kw`` (see :class:`odas_analysis.figures.common.Margins`).
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with style(), mpl.rc_context(rc or {}):
        fig = Figure(figsize=size or STYLE["figure.figsize"], layout=layout)
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def text_width(text: str, fontsize: float) -> float:
    """Width in inches of ``text`` (of its widest line) in the project's font at ``fontsize`` points.

    Measured on the glyph outlines, without hinting (as the SVG draws them); the PNG's
    hinted glyphs are within a few hundredths of an inch of it at this size.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=STYLE["font.family"], size=fontsize)
    return (
        max(text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0] for line in text.split("\n")) / 72
    )


@functools.cache
def line_height(size: float, family: str) -> float:
    """Height in points of one line of digits, as matplotlib lays it out (measured once per font).

    Unlike :func:`text_width`, this is matplotlib's own line layout (ascent and descent of
    the font, line spacing), which is what places an axis label below its tick labels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(dpi=72)
    canvas = FigureCanvasAgg(fig)
    text = fig.text(0, 0, "0123456789", fontsize=size, family=family)
    return float(text.get_window_extent(canvas.get_renderer()).height)


def with_style(func):
    """Create every artist of a chart function inside :func:`style`."""

    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    return wrapper
