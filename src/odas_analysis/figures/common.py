"""Pieces shared by the figures of several notebooks: the note under a figure, small panels, site names."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np

from .. import study
from .style import new_figure

NOTE_FONTSIZE = 7.5
NOTE_WRAP = 118


def add_note(fig, text: str, *, wrap: int = NOTE_WRAP) -> None:
    """Write ``text`` (source, vintage, caveats) under the axes of ``fig``.

    The constrained layout is told to keep room for it, so nothing overlaps.
    """
    if not text:
        return
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, wrap) or [""])
    height_in = 0.06 + 0.145 * len(lines)
    frac = min(0.45, height_in / fig.get_figheight())
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, frac, 1, 1 - frac))
    fig.text(0.01, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=NOTE_FONTSIZE, color="#4d5656")


def panels(count: int, *, ncols: int, row_height: float, top: float):
    """A figure of ``count`` small panels on ``ncols`` columns; unused panels hidden."""
    nrows = -(-count // ncols)
    fig, axes = new_figure(nrows, ncols, size=(7.6, top + row_height * nrows))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[count:]:
        ax.axis("off")
    return fig, axes


def site_names(index: Sequence[str]) -> list[str]:
    """The names of the sites whose ids are ``index``, in that order."""
    names = study.sites().set_index("site_id")["name"].astype(str)
    return [str(names[s]) for s in index]
