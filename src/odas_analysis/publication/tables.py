"""Table exports as the reader sees them: French cells, and a layout that shows every column.

:func:`table_cells` classifies the columns of a CSV export (numbers, codes, text) and
formats each cell (:func:`.typography.cell`). The same table is then laid out twice:

on screen (:func:`screen_table`)
    one table in a horizontal scroll region (reachable by keyboard) whose first column
    stays in place (``position: sticky``); a table wider than the page's text column says
    so above it, and a shadow on the right edge shows that columns lie beyond.

in print (:func:`print_table`)
    chosen by rule from the table's estimated width, the sum of its columns' narrowest
    widths (the longest word of each text cell and header, the whole of each number or
    code, which never wrap, plus the cell padding):

    * up to the width of a portrait page's text area: as on screen;
    * up to the width of a landscape page's text area: on a landscape page of its own;
    * wider: on landscape pages, in groups of columns that each repeat the first (key)
      column, every group saying which columns it holds.

On screen, header names may break after an underscore; cells are never hyphenated (``hyphens: manual``
in the stylesheet), so that a word is never cut syllable by syllable in a narrow column.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .. import french
from .typography import cell, fr, is_code_column, looks_like_code

PRINT_TEXT_WIDTH_MM = {"portrait": 170.0, "paysage": 257.0}
"""Text area of an A4 page with the stylesheet's 20 mm side margins."""
PRINT_FONT_PT = 8.0
CHAR_EM = 0.62  # mean advance of DejaVu Sans (digits 0.64 em, lower case ~0.6 em), a little generous
PAD_EM = 1.0  # .5em of padding on each side of a cell
FILL = 0.9  # share of the text area a table may take by estimate: room for the estimate's error
SCREEN_TEXT_WIDTH_PX = 752.0  # the screen page's text column (50rem less the padding)
SCREEN_FONT_PX = 13.6  # .85rem


@dataclass
class TableCells:
    """A table export ready to show: header, cells ``(text, is_number)`` and column kinds."""

    header: list[str]
    rows: list[list[str]]
    cells: list[list[tuple[str, bool]]]
    code_columns: set[int]
    text_columns: set[int]  # kept as text in the XLSX: codes and columns mixing text and numbers
    numeric: list[bool]


def table_cells(header: list[str], rows: list[list[str]], forced: set[str]) -> TableCells:
    """Classify the columns of a table export and format its cells (:func:`.typography.cell`)."""
    code_cols = {i for i, h in enumerate(header) if h in forced or is_code_column(h)}
    # a column mixing text and numbers (a key/value card: "Code commune | 49007") keeps
    # its numbers as written: only wholly numeric columns are set in French
    mixed = {
        i
        for i in range(len(header))
        if any(
            french.from_csv_text(v) is None or looks_like_code(v)
            for v in (row[i] for row in rows if i < len(row))
            if v.strip()
        )
    }
    cells = [
        [
            cell(v, code=i in code_cols or (i in mixed and french.from_csv_text(v) is not None))
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    numeric = []
    for i in range(len(header)):
        column = [row[i] for row in cells if i < len(row)]
        numeric.append(
            any(is_num for _, is_num in column) and all(is_num or text == french.MISSING for text, is_num in column)
        )
    return TableCells(header, rows, cells, code_cols, code_cols | mixed, numeric)


# --------------------------------------------------------------------------- widths


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def column_ems(table: TableCells) -> list[float]:
    """The narrowest width of each column, in ems of the table's font (padding included)."""
    widths = []
    for i, name in enumerate(table.header):
        # counted as breaking at its spaces only, though it may also break after an underscore
        # (<wbr>): an estimate on the safe side
        chars = _longest_word(fr(name)) * 1.08  # bold
        for row in table.cells:
            if i < len(row):
                text, is_num = row[i]
                unbreakable = is_num or i in table.code_columns
                chars = max(chars, len(text) if unbreakable else _longest_word(text))
        widths.append(chars * CHAR_EM + PAD_EM)
    return widths


def print_groups(table: TableCells) -> tuple[str, list[list[int]]]:
    """The print layout of a table (``portrait``, ``paysage`` or ``groupes``) and its column groups."""
    mm_per_em = PRINT_FONT_PT * 25.4 / 72
    widths = [w * mm_per_em for w in column_ems(table)]
    everything = list(range(len(widths)))
    if sum(widths) <= PRINT_TEXT_WIDTH_MM["portrait"] * FILL:
        return "portrait", [everything]
    room = PRINT_TEXT_WIDTH_MM["paysage"] * FILL
    if sum(widths) <= room or len(widths) < 3:
        return "paysage", [everything]
    groups: list[list[int]] = []
    current: list[int] = []
    for i in everything[1:]:
        if current and widths[0] + sum(widths[j] for j in current) + widths[i] > room:
            groups.append(current)
            current = []
        current.append(i)
    groups.append(current)
    return "groupes", [[0, *g] for g in groups]


# --------------------------------------------------------------------------- HTML


def _header_cell(table: TableCells, i: int) -> str:
    cls = ' class="nombre"' if table.numeric[i] else ""
    return f'<th scope="col"{cls}>{escape(fr(table.header[i])).replace("_", "_<wbr>")}</th>'


def table_html(table: TableCells, columns: list[int] | None = None) -> str:
    """The ``<table>`` of a table export, with ``columns`` only (default: all)."""
    columns = list(range(len(table.header))) if columns is None else columns
    head = "".join(_header_cell(table, i) for i in columns)
    body = []
    for row in table.cells:
        tds = []
        for i in columns:
            text, is_num = row[i] if i < len(row) else (french.MISSING, False)
            cls = "nombre" if is_num else ("code" if i in table.code_columns else "")
            scope = ' scope="row"' if i == columns[0] else ""
            tag = "th" if i == columns[0] else "td"
            attrs = f' class="{cls}"' if cls else ""
            tds.append(f"<{tag}{scope}{attrs}>{escape(text)}</{tag}>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"


def screen_table(table: TableCells, label: str) -> str:
    """The table in its keyboard-scrollable region, with a cue when it is wider than the page."""
    wide = sum(column_ems(table)) * SCREEN_FONT_PX > SCREEN_TEXT_WIDTH_PX
    cue = (
        '<p class="indice-defilement">Tableau large : faites-le défiler horizontalement pour voir '
        f"ses {french.integer(len(table.header))} colonnes →</p>\n"
        if wide
        else ""
    )
    return (
        f'{cue}<div class="defilement" role="region" tabindex="0" aria-label="{escape(label)}">'
        + table_html(table)
        + "</div>\n"
    )


def print_table(table: TableCells) -> tuple[str, str]:
    """``(layout, html)`` of the table in the print edition (see the module docstring)."""
    layout, groups = print_groups(table)
    if layout != "groupes":
        return layout, f'<div class="defilement">{table_html(table)}</div>\n'
    parts = []
    total = len(table.header)
    for group in groups:
        first, last = group[1] + 1, group[-1] + 1
        parts.append(
            f'<p class="groupe-colonnes">Colonnes {first} à {last} sur {total} '
            f"(la première colonne, « {escape(fr(table.header[0]))} », est répétée)</p>\n"
            f'<div class="defilement">{table_html(table, group)}</div>\n'
        )
    return layout, "".join(parts)


__all__ = [
    "PRINT_TEXT_WIDTH_MM",
    "TableCells",
    "column_ems",
    "print_groups",
    "print_table",
    "screen_table",
    "table_cells",
    "table_html",
]
