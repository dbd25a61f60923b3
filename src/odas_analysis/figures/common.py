"""Pieces shared by the figures of several notebooks: the legend of a figure, small panels, site names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import study
from ..export import NOTE_ATTR
from .style import new_figure


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


def panels(count: int, *, ncols: int, row_height: float, top: float):
    """A figure of ``count`` small panels on ``ncols`` columns; unused panels hidden.

    Each panel's title sits just above its frame (``axes.titley`` fixed): the panels have
    no ticks on top, and matplotlib then skips, at every draw, the search for what the
    title might overlap (the tick labels of both axes, laid out once more per panel).
    """
    nrows = -(-count // ncols)
    fig, axes = new_figure(nrows, ncols, size=(7.6, top + row_height * nrows), rc={"axes.titley": 1.0})
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[count:]:
        ax.axis("off")
    return fig, axes


def site_names(index: Sequence[str]) -> list[str]:
    """The names of the sites whose ids are ``index``, in that order."""
    names = study.sites().set_index("site_id")["name"].astype(str)
    return [str(names[s]) for s in index]
