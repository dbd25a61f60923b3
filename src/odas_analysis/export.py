"""Deterministic writing of figures (SVG + PNG + legend) and tables (CSV + XLSX + Markdown).

A notebook calls::

    from odas_analysis import export
    export.figure(fig, "taux-pauvrete", alt="Barres : taux de pauvreté des onze sites")
    # -> figures/<run>/taux-pauvrete.svg, .png and .json (alternative text and legend)
    export.table(df, "indicateurs", decimals=1, caption="Source : INSEE, Filosofi 2016.")
    # -> tables/<run>/indicateurs.csv, .xlsx and .md

and never deals with paths. Names are stable identifiers (lower-case letters, digits,
``-`` and ``_``), so that a figure keeps its file name from one run to the next.

Where the files go
------------------
The batch (:mod:`odas_analysis.batch`) sets, in the kernel, before the notebook runs:

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

Files for machines, files for people
------------------------------------
``<name>.csv``
    for machines: numbers as numbers (``.`` decimal point, no thousands separator, the
    decimals asked for), empty cell for a missing value, UTF-8, ``\\n`` line ends. Its
    first line is a comment holding the source and the units as JSON::

        # {"source": "Source : INSEE, Filosofi 2016.", "unites": {"Taux de pauvreté": "%"}}

    read it with ``pandas.read_csv(path, comment="#")`` (text cells holding ``#`` are
    quoted, so the comment mark only ever starts that line) and the header line with
    ``json.loads(first_line[2:])``. A count column protected by
    :func:`odas_analysis.disclosure.protect_counts` is text (``< 3``, ``s``).
``<name>.xlsx``
    sheet ``tableau``: numbers as numeric cells with a French number format
    (``[$-fr-FR]#,##0.0``: a space between thousands and a decimal comma in a French
    spreadsheet), years and codes without grouping; sheet ``source``: source and units.
``<name>.md`` and the HTML shown in the notebook
    for people: French numbers (:mod:`odas_analysis.french`).
``<name>.json`` beside a figure
    ``{"alt": "...", "donnees_simulees": false, "legende": "..."}``: the figure's
    alternative text (required, in French), whether it is built on the demonstration set
    (then the image carries a « Données simulées » mark too) and its legend (sources and
    how to read it, not drawn inside the image), for the report.

Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are
neutralised in the CSV and the XLSX (:func:`neutralise`, OWASP CSV injection).

Byte-stability
--------------
The same figure or table gives the same bytes on every run: SVG with a fixed
``svg.hashsalt`` and no date, PNG without the ``Software`` chunk (matplotlib writes no
date in PNG), CSV with an explicit number format, XLSX with fixed times, Markdown in the
French number format. Sorting rows is the caller's job: these functions keep the order
they are given.

Display
-------
In a notebook, :func:`figure` displays the PNG bytes it just wrote as an ``<img>`` with
its alternative text, and its legend under it (exactly once: the figure is closed, so
the inline backend does not draw it a second time); :func:`table` displays an HTML table
in the French number format, with the Markdown as plain-text fallback. Outside IPython
nothing is displayed.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files
from .errors import ParameterError
from .tables.formats import (  # the writers of each format, re-exported for callers
    PLAIN_COLUMNS,
    Decimals,
    csv_header_line,
    neutralise,
    resolve_decimals,
    table_csv,
    table_html,
    table_markdown,
    table_xlsx,
)

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
            f"nom d'export {name!r} : utiliser des minuscules sans accent, des chiffres, '-' et '_' "
            "(il devient un nom de fichier stable), par exemple 'taux-pauvrete'"
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
    """Compute ``fig``'s layout once and fix it: each later save is one draw, from that geometry.

    A constrained or tight layout is recomputed at every draw and moves by a fraction
    of a point between the first and the second one, so the SVG and the PNG (or two
    saves) would differ. The layout engine is run once, exactly as the first draw runs
    it (on a renderer at the figure's own resolution), then removed from the figure.

    Removed rather than switched to ``"none"``: matplotlib keeps a placeholder engine
    then, and ``savefig`` draws the whole figure once without output before every save
    "so that the layout is up to date" (it always is here). Without an engine each
    format costs one draw, and the layout one pass, instead of five draws a figure (one
    here, two per format); the bytes are those the five draws gave (tested in
    ``tests/test_export.py`` against that sequence).
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if fig.axes and not isinstance(engine, PlaceHolderLayoutEngine):
        # as in Figure.draw: a figure too small for its layout keeps its positions
        with contextlib.suppress(ValueError):
            engine.execute(fig)
    _remove_layout_engine(fig)


def _remove_layout_engine(fig) -> None:
    import matplotlib as mpl

    # set_layout_engine(None) would pick an engine again from these two settings
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)


def figure_bytes(fig, fmt: str, *, dpi: int = DEFAULT_DPI) -> bytes:
    """Return the deterministic bytes of ``fig`` as ``"svg"`` or ``"png"``.

    A figure whose builder declared an overlay (:mod:`odas_analysis.figures.layers`) is
    drawn over its kept background; any other in one pass of ``savefig``.
    """
    import matplotlib as mpl

    from .figures import layers

    if fmt not in ("svg", "png"):
        raise ParameterError(f"format de figure {fmt!r} : attendu 'svg' ou 'png'")
    with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT} if fmt == "svg" else {}):
        layered = layers.rendered(fig, fmt, dpi=dpi)
        if layered is not None:
            return layered
        buf = io.BytesIO()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata=layers.SVG_METADATA)
        else:
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
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
    from .figures import layers

    with layers.unchanged(fig):  # reading the ticks' texts creates them: nothing drawn changes
        check_figure_text(fig)


SIMULATED_MARK = "données simulées"
#: Last column of the CSV export of a table built on simulated data.
SIMULATED_COLUMN = "statut des données"
#: Key of a figure's sidecar JSON recording whether it is built on simulated data.
SIMULATED_KEY = "donnees_simulees"
#: SVG id of the mark drawn in a simulated figure (its text is drawn as paths).
SIMULATED_GID = "odas-donnees-simulees"
#: Key of the output metadata of a displayed export (read by :mod:`odas_analysis.batch.pages`).
EXPORT_METADATA_KEY = "odas"


def is_simulated_caption(caption: str | None) -> bool:
    """True when a caption says « données simulées » (the default of ``simulated=``)."""
    return SIMULATED_MARK in (caption or "").lower()


def export_metadata(name: str, simulated: bool) -> dict[str, dict[str, object]]:
    """Output metadata of a displayed table or figure: its name and whether it is simulated.

    ``{"odas": {"export": name, "simulated": bool}}``: the page of the notebook lists which
    parts are simulated from it (:func:`odas_analysis.batch.pages.export_marks`).
    """
    return {EXPORT_METADATA_KEY: {"export": name, "simulated": bool(simulated)}}


def simulated_badge_html(simulated: bool) -> str:
    """The badge shown above a simulated table or figure in its notebook (empty otherwise)."""
    if not simulated:
        return ""
    return (
        '<p class="odas-simule" role="note"><strong>Données simulées</strong> : '
        "calculé sur le jeu de démonstration, ne décrit pas les sites réels.</p>"
    )


def mark_simulated_figure(fig, alt: str, caption: str | None) -> tuple[str, str]:
    """Draw the « Données simulées » mark in ``fig`` and say it in its alternative text and legend."""
    fig.text(
        0.005,
        0.995,
        "Données simulées",
        ha="left",
        va="top",
        fontsize=8,
        fontweight="bold",
        color="#7e5109",
        bbox={"boxstyle": "square,pad=0.25", "facecolor": "#fdebd0", "edgecolor": "#d68910", "linewidth": 0.8},
        gid=SIMULATED_GID,
    )
    if not is_simulated_caption(alt):
        alt = f"{alt} (données simulées)"
    if not is_simulated_caption(caption):
        caption = "Données simulées : jeu de démonstration. " + (caption or "")
    return alt, (caption or "").strip()


NOTE_ATTR = "odas_note"
"""Attribute of a Figure holding its legend (set by :func:`odas_analysis.figures.common.add_note`)."""


def _check_alt(alt: object) -> str:
    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ParameterError(
            f"texte de remplacement {alt!r} : décrire la figure en français en une phrase "
            "(ce qu'elle montre, pour qui ne la voit pas), par exemple "
            'alt="Barres horizontales : taux de pauvreté des onze sites, Creil en tête"'
        )
    return " ".join(alt.split())


def figure_legend(alt: str, caption: str | None, *, simulated: bool | None = None) -> bytes:
    """The ``<name>.json`` sidecar: ``{"alt": ..., "legende": ...}`` (UTF-8, sorted keys, final newline).

    With ``simulated`` given, the key :data:`SIMULATED_KEY` records it (``true``/``false``).
    """
    data: dict[str, object] = {"alt": alt, "legende": caption or ""}
    if simulated is not None:
        data[SIMULATED_KEY] = bool(simulated)
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def figure_html(png: bytes, alt: str, caption: str | None, width_px: int) -> str:
    """The figure as shown on a page: ``<img>`` with its alternative text, and its legend."""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    legend = f'<figcaption class="odas-legende">{html.escape(caption)}</figcaption>' if caption else ""
    return (
        f'<figure class="odas-figure" style="margin:0">'
        f'<img src="{src}" alt="{html.escape(alt)}" width="{width_px}" style="max-width:100%;height:auto">'
        f"{legend}</figure>"
    )


def _figure_mark(fig, alt: str, caption: str | None, simulated: bool | None) -> tuple[bool, str, str | None]:
    """Decide whether ``fig`` is simulated (default: its legend says so) and mark it if so."""
    simulated = is_simulated_caption(caption) if simulated is None else bool(simulated)
    if simulated:
        alt, caption = mark_simulated_figure(fig, alt, caption)
    return simulated, alt, caption


def _display_figure(fig, png: bytes, name: str, alt: str, caption: str | None, simulated: bool) -> None:
    """Show the written PNG in the notebook, with its badge when simulated, and its metadata."""
    from IPython.display import display

    width_px = int(round(fig.get_figwidth() * 100))
    text = alt + (f"\n{caption}" if caption else "")
    shown = simulated_badge_html(simulated) + figure_html(png, alt, caption, width_px)
    display({"text/html": shown, "text/plain": text}, metadata=export_metadata(name, simulated), raw=True)


def figure(
    fig,
    name: str,
    *,
    alt: str,
    caption: str | None = None,
    dpi: int = DEFAULT_DPI,
    show: bool = True,
    close: bool = True,
    simulated: bool | None = None,
) -> Written:
    """Write ``fig`` as ``<name>.svg``, ``<name>.png`` and ``<name>.json``; display it once.

    Parameters
    ----------
    fig
        A matplotlib Figure (from :mod:`odas_analysis.figures` or ``plt.subplots``).
    name
        Stable file name without extension: ``[a-z0-9][a-z0-9_-]*``.
    alt
        Required French alternative text: what the figure shows, for a reader who does
        not see it (the ``alt`` of the page's image, and of the report's).
    caption
        The legend under the figure (sources, how to read it). Default: the note the
        figure builder attached (:data:`NOTE_ATTR`); the image does not repeat it.
    dpi
        Resolution of the PNG (the SVG is resolution-free; rasterised artists use it too).
    show
        Display the figure in the notebook (ignored outside IPython).
    close
        Close the figure in pyplot afterwards, so the inline backend does not show it
        again at the end of the cell.
    simulated
        Built on the demonstration set: a mark in the image, ``"donnees_simulees": true`` in
        the JSON (always recorded), alt and legend saying so, a badge in the notebook.
        ``None``: simulated when the legend says « données simulées ».

    Returns
    -------
    Written
        ``{"svg": path, "png": path, "json": path}`` (displays nothing at the end of a cell).

    Raises
    ------
    ParameterError
        A bad name, or an alternative text missing or too short to describe anything.
    DisclosureError
        With ``ODAS_PRIVATE_DATA`` set, when the figure's text holds a participant name
        of the private overlay (nothing is written then).
    """
    _check_name(name)
    alt = _check_alt(alt)
    if caption is None:
        caption = getattr(fig, NOTE_ATTR, None)
    _check_no_participant_name(fig)
    freeze_layout(fig)
    simulated, alt, caption = _figure_mark(fig, alt, caption, simulated)
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
    paths["json"] = dest.figures / f"{name}.json"
    files.write_bytes(paths["json"], figure_legend(alt, caption, simulated=simulated))
    if show and _in_ipython():
        _display_figure(fig, png, name, alt, caption, simulated)
    if close:
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except Exception:  # noqa: BLE001 - a figure outside pyplot is fine as it is
            pass
    return paths


def table(
    df,
    name: str,
    *,
    decimals: Decimals = None,
    index: bool = False,
    caption: str | None = None,
    units: dict[str, str] | None = None,
    show: bool = True,
    simulated: bool | None = None,
) -> Written:
    """Write ``df`` as ``<name>.csv``, ``<name>.xlsx`` and ``<name>.md``; display it in a notebook.

    Parameters
    ----------
    df
        A pandas DataFrame, already sorted the way it should read. Numbers must be
        numbers (never French text): the French form is written here, for people only.
    name
        Stable file name without extension: ``[a-z0-9][a-z0-9_-]*``.
    decimals
        Digits after the decimal mark for float columns (:data:`Decimals`); default
        ``df.attrs["decimals"]`` when the table function set it, else 2. Integer columns
        are written as integers, with thousands separators for people except years and
        codes (:data:`PLAIN_COLUMNS`).
    index
        Write the index as the first column(s).
    caption
        Shown above the table in the notebook, written under the Markdown table and as
        the ``source`` of the CSV's first line and of the XLSX's ``source`` sheet.
    units
        Unit of each column (by column name), for the CSV header line and the XLSX;
        default ``df.attrs["units"]``.
    show
        Display the table in the notebook (ignored outside IPython).
    simulated
        The table is built on simulated (demonstration) data. Then the CSV and the XLSX
        get a last column ``statut des données`` = ``données simulées`` on every row and
        the Markdown file a notice, so the flag travels with the files. ``None``
        (default): simulated when the caption says « données simulées » (as
        ``fieldwork.source_note_fr()`` does for the demonstration set).

    Returns
    -------
    Written
        ``{"csv": path, "xlsx": path, "md": path}`` (displays nothing at the end of a cell).
    """
    _check_name(name)
    dest = destination()
    decimals = resolve_decimals(df, decimals)
    if units is None:
        units = df.attrs.get("units") or {}
    md = table_markdown(df, decimals=decimals, index=index)
    simulated = is_simulated_caption(caption) if simulated is None else bool(simulated)
    md_file = md
    if caption:
        md_file += "\n" + caption.replace("\n", " ") + "\n"
    machine = df.reset_index() if index else df
    if simulated:
        md_file += "\n**Données simulées** : ce tableau est calculé sur le jeu de démonstration.\n"
        machine = machine.assign(**{SIMULATED_COLUMN: "données simulées"})
    paths = Written(csv=dest.tables / f"{name}.csv", xlsx=dest.tables / f"{name}.xlsx", md=dest.tables / f"{name}.md")
    options = {"decimals": decimals, "source": caption, "units": units}
    files.write_bytes(paths["csv"], table_csv(machine, **options))
    files.write_bytes(paths["xlsx"], table_xlsx(machine, **options))
    files.write_bytes(paths["md"], md_file.encode("utf-8"))
    if show and _in_ipython():
        from IPython.display import display

        shown = simulated_badge_html(simulated) + table_html(df, decimals=decimals, index=index, caption=caption)
        display({"text/html": shown, "text/plain": md}, metadata=export_metadata(name, simulated), raw=True)
    return paths


__all__ = [
    "PLAIN_COLUMNS",
    "SIMULATED_COLUMN",
    "SIMULATED_KEY",
    "SIMULATED_MARK",
    "Destination",
    "Written",
    "configure",
    "csv_header_line",
    "destination",
    "figure",
    "figure_bytes",
    "figure_html",
    "figure_legend",
    "is_simulated_caption",
    "neutralise",
    "table",
    "table_csv",
    "table_html",
    "table_markdown",
    "table_xlsx",
]
