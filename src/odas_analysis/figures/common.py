"""Pieces shared by the figures of several notebooks: the legend of a figure, small panels, site names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import study
from ..export import NOTE_ATTR
from .style import line_height, new_figure


def add_note(fig, text: str) -> None:
    """Attach ``text`` (sources, vintage, how to read the figure) to ``fig`` as its legend.

    The note is not drawn inside the image: :func:`odas_analysis.export.figure` shows it
    under the figure on the page and writes it in the figure's ``.json`` for the report,
    where it is read at the size of the text. A second call appends to the first.
    """
    if not text:
        return
    previous = getattr(fig, NOTE_ATTR, "")
    setattr(fig, NOTE_ATTR, f"{previous} {text}".strip())


@dataclass(frozen=True)
class Margins:
    """Fixed room around and between the panels of a figure, in inches.

    Constrained layout measures every text of a figure (twice) to find this room, and
    a national batch pays it on each of thousands of pages drawn with the same panels.
    Where the text around the panels is bounded (titles wrapped to two lines, tick
    labels of known width), the room is fixed once here, and only what varies from one
    page to the next (the width of names) is measured, by the figure that writes it.
    """

    left: float
    right: float
    bottom: float
    top: float
    between_columns: float
    between_rows: float

    def gridspec_kw(self, size: tuple[float, float], nrows: int, ncols: int) -> dict[str, float]:
        """The same room as fractions, for ``Figure.subplots(gridspec_kw=...)``."""
        width, height = size
        panel_width = (width - self.left - self.right - (ncols - 1) * self.between_columns) / ncols
        panel_height = (height - self.top - self.bottom - (nrows - 1) * self.between_rows) / nrows
        if panel_width <= 0 or panel_height <= 0:
            raise ValueError(f"no room left for the panels: {self} in a {width} x {height} in figure")
        return {
            "left": self.left / width,
            "right": 1 - self.right / width,
            "bottom": self.bottom / height,
            "top": 1 - self.top / height,
            "wspace": self.between_columns / panel_width,
            "hspace": self.between_rows / panel_height,
        }


def panels(count: int, *, ncols: int, row_height: float, top: float, margins: Margins | None = None):
    """A figure of ``count`` small panels on ``ncols`` columns; unused panels hidden.

    Each panel's title sits just above its frame (``axes.titley`` fixed): the panels have
    no ticks on top, and matplotlib then skips, at every draw, the search for what the
    title might overlap (the tick labels of both axes, laid out once more per panel).
    With ``margins`` the panels are placed there and the figure has no layout engine;
    without, constrained layout finds the room.
    """
    nrows = -(-count // ncols)
    size = (7.6, top + row_height * nrows)
    extra = {} if margins is None else {"layout": None, "gridspec_kw": margins.gridspec_kw(size, nrows, ncols)}
    fig, axes = new_figure(nrows, ncols, size=size, rc={"axes.titley": 1.0}, **extra)
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[count:]:
        ax.axis("off")
    return fig, axes


def fixed_axis_labels(ax) -> None:
    """Place the axis labels of ``ax`` once, where matplotlib would put them at every draw.

    At each draw, in each format, matplotlib measures every tick label of an axis a
    second time only to put the axis label beyond them. Below a horizontal axis that
    room is known: the tick's length and pad, one line of tick-label text (its height
    comes from the font's metrics, whatever the digits), the label pad. So the x label
    is fixed there, in points from the frame. A y label would depend on the width of
    the tick labels: it is fixed only while empty (the panels that call this have
    none), and left to matplotlib otherwise.

    Call it once the ticks' size and font are set; the ticks must be single-line labels
    at the bottom, as in small panels. ``tests/test_figures_territoire_layout.py``
    checks the result against matplotlib's own placement.
    """
    from matplotlib.transforms import ScaledTranslation

    tick = ax.xaxis.get_major_ticks(1)[0]  # the first of the ticks the draw uses anyway
    font = tick.label1.get_fontproperties()
    below = tick.get_tick_padding() + tick.get_pad() + line_height(font.get_size_in_points(), font.get_family()[0])
    below += ax.xaxis.labelpad
    offset = ScaledTranslation(0, -below / 72, ax.get_figure().dpi_scale_trans)
    ax.xaxis.set_label_coords(0.5, 0, transform=ax.transAxes + offset)
    if not ax.get_ylabel():
        ax.yaxis.set_label_coords(0, 0.5)


def site_names(index: Sequence[str]) -> list[str]:
    """The names of the sites whose ids are ``index``, in that order."""
    names = study.sites().set_index("site_id")["name"].astype(str)
    return [str(names[s]) for s in index]
