"""Deterministic writing of figures (SVG + PNG) and tables (CSV + Markdown).

A notebook calls::

    from odas_analysis import export
    export.figure(fig, "taux-pauvrete")      # -> figures/<run>/taux-pauvrete.svg and .png
    export.table(df, "indicateurs", decimals=1)  # -> tables/<run>/indicateurs.csv and .md

and never deals with paths. Names are stable identifiers (lower-case letters, digits,
``-`` and ``_``), so that a figure keeps its file name from one run to the next.

Where the files go
------------------
The batch (:mod:`odas_analysis.runner`) sets, in the kernel, before the notebook runs:

``ODAS_EXPORT_DIR``
    a staging directory of the run; files go to ``$ODAS_EXPORT_DIR/figures/<name>.*``
    and ``$ODAS_EXPORT_DIR/tables/<name>.*``. When the run succeeds the runner moves
    them to ``<output root>/figures/<run>/`` and ``<output root>/tables/<run>/``
    (replacing that run's previous files as a whole); when it fails, the previous
    files stay untouched.
``ODAS_RUN_NAME``
    the run's output name (``site-angers``, ``hypothese-H1``...).

Outside the batch (JupyterLab, a script), files go to
``build/interactif/{figures,tables}/``, never into the published ``figures/`` and
``tables/``, which only the batch writes. :func:`configure` overrides both.

Byte-stability
--------------
The same figure or table gives the same bytes on every run: SVG with a fixed
``svg.hashsalt`` and no date, PNG without the ``Software`` chunk (matplotlib writes no
date in PNG), CSV with an explicit number format, ``\\n`` line ends, UTF-8 and no index
unless asked, Markdown in the French number format. Sorting rows is the caller's job:
these functions keep the order they are given.

Display
-------
In a notebook, :func:`figure` displays the PNG bytes it just wrote (exactly once: the
figure is closed, so the inline backend does not draw it a second time) and
:func:`table` displays an HTML table in the French number format, with the Markdown as
plain-text fallback. Outside IPython nothing is displayed.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files, french
from .errors import ParameterError

EXPORT_DIR_ENV = "ODAS_EXPORT_DIR"
RUN_NAME_ENV = "ODAS_RUN_NAME"
SVG_HASHSALT = "odas-analysis"
DEFAULT_DPI = 150

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_override: dict[str, Any] = {}


class Written(dict):
    """The paths written by :func:`figure` or :func:`table`, by format.

    A plain dict for code; shows nothing when it ends a notebook cell, so that a page
    does not print the machine's paths under each figure.
    """

    def _ipython_display_(self) -> None:
        return None


@dataclass(frozen=True)
class Destination:
    """Where :func:`figure` and :func:`table` write: ``figures`` and ``tables`` directories."""

    figures: Path
    tables: Path
    run: str


def configure(export_dir: str | os.PathLike[str] | None = None, run: str | None = None) -> None:
    """Override the destination for this process (tests, scripts).

    ``export_dir`` receives ``figures/`` and ``tables/``; ``None`` for both arguments
    restores the default (environment variables, then ``build/interactif``).
    """
    _override.clear()
    if export_dir is not None:
        _override["export_dir"] = Path(export_dir)
    if run is not None:
        _override["run"] = run


def destination() -> Destination:
    """Return where files are written now (see the module docstring)."""
    base = _override.get("export_dir") or os.environ.get(EXPORT_DIR_ENV)
    run = _override.get("run") or os.environ.get(RUN_NAME_ENV) or "interactif"
    if base:
        root = Path(base)
    else:
        from .config import BUILD_DIR

        root = BUILD_DIR / "interactif"
    return Destination(figures=root / "figures", tables=root / "tables", run=run)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(
            f"export name {name!r}: use lower-case letters, digits, '-' and '_' "
            "(it becomes a stable file name), e.g. 'taux-pauvrete'"
        )
    return name


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def freeze_layout(fig) -> None:
    """Compute ``fig``'s layout once and fix it.

    A constrained or tight layout is recomputed at every draw and moves by a fraction
    of a point between the first and the second one, so the SVG and the PNG (or two
    saves) would differ. Drawing once, then switching the layout engine off, makes
    every later save start from the same geometry.
    """
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        fig.set_layout_engine("none")


def figure_bytes(fig, fmt: str, *, dpi: int = DEFAULT_DPI) -> bytes:
    """Return the deterministic bytes of ``fig`` as ``"svg"`` or ``"png"``."""
    import matplotlib as mpl

    buf = io.BytesIO()
    if fmt == "svg":
        with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    elif fmt == "png":
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    else:
        raise ParameterError(f"figure format {fmt!r}: expected 'svg' or 'png'")
    return buf.getvalue()


def _check_no_participant_name(fig) -> None:
    """With a private overlay, refuse a figure whose text holds a participant's name.

    Figures are saved with their text drawn as paths, which the names check over the
    outputs cannot read: the text is checked here, before anything is written.
    """
    from .config import private_data_dir

    if private_data_dir() is None:
        return
    from .disclosure import check_figure_text

    check_figure_text(fig)


def figure(fig, name: str, *, dpi: int = DEFAULT_DPI, show: bool = True, close: bool = True) -> Written:
    """Write ``fig`` as ``<name>.svg`` and ``<name>.png``; display it once in a notebook.

    Parameters
    ----------
    fig
        A matplotlib Figure (from :mod:`odas_analysis.plots` or ``plt.subplots``).
    name
        Stable file name without extension: ``[a-z0-9][a-z0-9_-]*``.
    dpi
        Resolution of the PNG (the SVG is resolution-free; rasterised artists use it too).
    show
        Display the PNG in the notebook (ignored outside IPython).
    close
        Close the figure in pyplot afterwards, so the inline backend does not show it
        again at the end of the cell.

    Returns
    -------
    Written
        ``{"svg": path, "png": path}`` (displays nothing at the end of a cell).

    Raises
    ------
    DisclosureError
        With ``ODAS_PRIVATE_DATA`` set, when the figure's text holds a participant name
        of the private overlay (nothing is written then).
    """
    _check_name(name)
    _check_no_participant_name(fig)
    freeze_layout(fig)
    dest = destination()
    paths = Written()
    png = b""
    for fmt in ("svg", "png"):
        data = figure_bytes(fig, fmt, dpi=dpi)
        path = dest.figures / f"{name}.{fmt}"
        files.write_bytes(path, data)
        paths[fmt] = path
        if fmt == "png":
            png = data
    if show and _in_ipython():
        from IPython.display import Image, display

        width_px = int(round(fig.get_figwidth() * 100))
        display(Image(data=png, format="png", width=width_px))
    if close:
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except Exception:  # noqa: BLE001 - a figure outside pyplot is fine as it is
            pass
    return paths


def _decimals_for(column: str, decimals: int | dict[str, int]) -> int:
    if isinstance(decimals, dict):
        return int(decimals.get(column, 2))
    return int(decimals)


def _is_float_dtype(series) -> bool:
    import pandas as pd

    return pd.api.types.is_float_dtype(series.dtype)


def _is_numeric_dtype(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def table_csv(df, *, decimals: int | dict[str, int] = 2, index: bool = False) -> bytes:
    """Return the CSV bytes of ``df``: floats with fixed decimals (``.`` decimal point).

    CSV is for machines: decimal point, no thousands separator, empty cell for a
    missing value, ``\\n`` line ends, UTF-8.
    """
    frame = df.reset_index() if index else df
    out = frame.copy()
    for col in out.columns:
        if _is_float_dtype(out[col]):
            d = _decimals_for(str(col), decimals)
            out[col] = [("" if french.is_missing(v) else f"{float(v):.{d}f}") for v in out[col]]
    text = out.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


PLAIN_COLUMNS = re.compile(r"(ann[ée]e|year|mill[ée]sime|code|_id$|^id$|siren|insee)", re.I)
"""Integer columns written without a thousands separator (2015, not 2 015; codes as is)."""


def _french_cells(df, decimals: int | dict[str, int]) -> tuple[list[str], list[list[str]], list[bool]]:
    header = [str(c) for c in df.columns]
    numeric = [_is_numeric_dtype(df[c]) for c in df.columns]
    plain = [not _is_float_dtype(df[c]) and bool(PLAIN_COLUMNS.search(h)) for h, c in zip(header, df.columns)]
    digits = [(_decimals_for(col, decimals) if _is_float_dtype(df[c]) else 0) for col, c in zip(header, df.columns)]
    rows = []
    for values in df.itertuples(index=False, name=None):
        cells = []
        for value, is_num, d, as_is in zip(values, numeric, digits, plain):
            if french.is_missing(value):
                cells.append(french.MISSING)
            elif as_is:
                cells.append(str(value))
            elif is_num:
                cells.append(french.number(value, d))
            else:
                cells.append(str(value))
        rows.append(cells)
    return header, rows, numeric


def table_markdown(df, *, decimals: int | dict[str, int] = 2, index: bool = False) -> str:
    """Return ``df`` as a Markdown (pipe) table with French numbers, numbers right-aligned."""
    frame = df.reset_index() if index else df
    header, rows, numeric = _french_cells(frame, decimals)

    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in header) + " |"]
    lines.append("|" + "|".join("---:" if n else ":---" for n in numeric) + "|")
    for cells in rows:
        lines.append("| " + " | ".join(esc(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def table_html(df, *, decimals: int | dict[str, int] = 2, index: bool = False, caption: str | None = None) -> str:
    """Return ``df`` as a small HTML table with French numbers (for display)."""
    from html import escape

    frame = df.reset_index() if index else df
    header, rows, numeric = _french_cells(frame, decimals)
    parts = ['<table class="odas-table">']
    if caption:
        parts.append(f"<caption>{escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr></thead>")
    parts.append("<tbody>")
    for cells in rows:
        tds = "".join(
            f'<td style="text-align:right">{escape(c)}</td>' if n else f"<td>{escape(c)}</td>"
            for c, n in zip(cells, numeric)
        )
        parts.append(f"<tr>{tds}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


SIMULATED_MARK = "données simulées"
#: Last column of the CSV export of a table built on simulated data.
SIMULATED_COLUMN = "statut des données"


def table(
    df,
    name: str,
    *,
    decimals: int | dict[str, int] = 2,
    index: bool = False,
    caption: str | None = None,
    show: bool = True,
    simulated: bool | None = None,
) -> Written:
    """Write ``df`` as ``<name>.csv`` and ``<name>.md``; display it in a notebook.

    Parameters
    ----------
    df
        A pandas DataFrame, already sorted the way it should read.
    name
        Stable file name without extension: ``[a-z0-9][a-z0-9_-]*``.
    decimals
        Digits after the decimal mark for float columns: one number, or a dict by
        column name (columns not named get 2). Integer columns are written as integers,
        with thousands separators except years and codes (:data:`PLAIN_COLUMNS`).
    index
        Write the index as the first column(s).
    caption
        Shown above the table in the notebook and written under the Markdown table
        (source, vintage, notes); not in the CSV.
    show
        Display the table in the notebook (ignored outside IPython).
    simulated
        The table is built on simulated (demonstration) data. Then the CSV gets a last
        column ``statut des données`` = ``données simulées`` on every row and the
        Markdown file a notice, so the flag travels with the files. ``None`` (default):
        simulated when the caption says « données simulées » (as
        ``fieldwork.source_note_fr()`` does for the demonstration set).

    Returns
    -------
    Written
        ``{"csv": path, "md": path}`` (displays nothing at the end of a cell).
    """
    _check_name(name)
    dest = destination()
    csv_path = dest.tables / f"{name}.csv"
    md_path = dest.tables / f"{name}.md"
    md = table_markdown(df, decimals=decimals, index=index)
    if simulated is None:
        simulated = SIMULATED_MARK in (caption or "").lower()
    md_file = md
    if caption:
        md_file += "\n" + caption.replace("\n", " ") + "\n"
    csv_frame = df
    if simulated:
        md_file += "\n**Données simulées** : ce tableau est calculé sur le jeu de démonstration.\n"
        csv_frame = (df.reset_index() if index else df).assign(**{SIMULATED_COLUMN: "données simulées"})
    files.write_bytes(csv_path, table_csv(csv_frame, decimals=decimals, index=index and not simulated))
    files.write_bytes(md_path, md_file.encode("utf-8"))
    if show and _in_ipython():
        from IPython.display import display

        display(
            {"text/html": table_html(df, decimals=decimals, index=index, caption=caption), "text/plain": md},
            raw=True,
        )
    return Written(csv=csv_path, md=md_path)


__all__ = [
    "Destination",
    "Written",
    "configure",
    "destination",
    "figure",
    "figure_bytes",
    "table",
    "table_csv",
    "table_html",
    "table_markdown",
]
