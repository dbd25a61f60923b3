"""How a table is written: CSV and XLSX for machines, Markdown and HTML for people.

Used by :func:`odas_analysis.export.table` (the formats are described in the docstring of
:mod:`odas_analysis.export`). For machines, numbers stay numbers and text cells that a
spreadsheet would take for a formula are neutralised; for people, numbers are French
(:mod:`odas_analysis.french`).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence

from .. import french

Decimals = int | dict[str, int | Sequence[int]] | None
"""Digits after the decimal mark of float columns: one number, or by column name either a
number or one number per row (a long table mixing indicators); columns not named get 2."""

DEFAULT_DECIMALS = 2


def resolve_decimals(df, decimals: Decimals) -> Decimals:
    """``decimals``, or when it is ``None`` the ``decimals`` the table function left in ``df.attrs``."""
    return df.attrs.get("decimals", DEFAULT_DECIMALS) if decimals is None else decimals


def _digits(decimals: Decimals, column: str, row: int) -> int:
    if decimals is None:
        return DEFAULT_DECIMALS
    if isinstance(decimals, dict):
        spec = decimals.get(column, DEFAULT_DECIMALS)
        return int(spec) if isinstance(spec, int) else int(spec[row])
    return int(decimals)


def _is_float_dtype(series) -> bool:
    import pandas as pd

    return pd.api.types.is_float_dtype(series.dtype)


def _is_numeric_dtype(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


PLAIN_COLUMNS = re.compile(r"(ann[ée]e|year|mill[ée]sime|code|_id$|^id$|siren|insee)", re.I)
"""Integer columns written without a thousands separator (2015, not 2 015; codes as is)."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet cannot take for a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe (``'=HYPERLINK(...)`` is shown as text); a genuine number written
    as text (``-1.5``) and a lone ``-`` (a dash standing for nothing) are left as they are.
    """
    if text.startswith(FORMULA_START) and text not in {"-", "+"} and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _csv_field(text: str) -> str:
    """Quote a text field holding a delimiter, a quote, a line break or ``#`` (the comment mark)."""
    if any(ch in text for ch in ',"\n\r#') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _kinds(frame) -> list[str]:
    """``"float"``, ``"int"`` or ``"text"`` for each column of ``frame``."""
    return ["float" if _is_float_dtype(frame[c]) else "int" if _is_numeric_dtype(frame[c]) else "text" for c in frame]


def csv_header_line(source: str | None, units: dict[str, str] | None) -> str:
    """The first line of a CSV export: ``# `` then the source and units as JSON (sorted keys)."""
    data = {"source": " ".join((source or "").split()), "unites": dict(units or {})}
    return "# " + json.dumps(data, ensure_ascii=False, sort_keys=True)


def table_csv(
    df,
    *,
    decimals: Decimals = None,
    index: bool = False,
    source: str | None = None,
    units: dict[str, str] | None = None,
) -> bytes:
    """Return the CSV bytes of ``df`` for machines (see the module docstring).

    Numbers as numbers (``.`` decimal point, fixed decimals, no thousands separator),
    empty cell for a missing value, text cells neutralised (:func:`neutralise`), a first
    comment line with ``source`` and ``units`` (:func:`csv_header_line`).
    """
    decimals = resolve_decimals(df, decimals)
    frame = df.reset_index() if index else df
    kinds = _kinds(frame)
    names = [str(c) for c in frame.columns]
    lines = [csv_header_line(source, units), ",".join(_csv_field(neutralise(n)) for n in names)]
    for r, values in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for value, kind, col in zip(values, kinds, names):
            if french.is_missing(value):
                cells.append("")
            elif kind == "float":
                cells.append(f"{float(value):.{_digits(decimals, col, r)}f}")
            elif kind == "int":
                cells.append(str(int(value)))
            else:
                cells.append(_csv_field(neutralise(str(value))))
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _french_cells(df, decimals: Decimals) -> tuple[list[str], list[list[str]], list[bool]]:
    header = [str(c) for c in df.columns]
    kinds = _kinds(df)
    plain = [kind == "int" and bool(PLAIN_COLUMNS.search(h)) for h, kind in zip(header, kinds)]
    rows = []
    for r, values in enumerate(df.itertuples(index=False, name=None)):
        cells = []
        for value, kind, as_is, col in zip(values, kinds, plain, header):
            if french.is_missing(value):
                cells.append(french.MISSING)
            elif as_is or kind == "text":
                cells.append(str(value))
            else:
                cells.append(french.number(value, _digits(decimals, col, r) if kind == "float" else 0))
        rows.append(cells)
    return header, rows, [kind != "text" for kind in kinds]


def table_markdown(df, *, decimals: Decimals = None, index: bool = False) -> str:
    """Return ``df`` as a Markdown (pipe) table with French numbers, numbers right-aligned."""
    decimals = resolve_decimals(df, decimals)
    frame = df.reset_index() if index else df
    header, rows, numeric = _french_cells(frame, decimals)

    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in header) + " |"]
    lines.append("|" + "|".join("---:" if n else ":---" for n in numeric) + "|")
    for cells in rows:
        lines.append("| " + " | ".join(esc(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def table_html(df, *, decimals: Decimals = None, index: bool = False, caption: str | None = None) -> str:
    """Return ``df`` as a small HTML table with French numbers (for display)."""
    escape = html.escape
    decimals = resolve_decimals(df, decimals)
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


FRENCH_LOCALE = "[$-fr-FR]"
"""Locale tag of the XLSX number formats: a French spreadsheet shows ``1 234,5``."""

XLSX_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def xlsx_number_format(kind: str, digits: int, plain: bool) -> str:
    """The number format of a numeric XLSX cell: French grouping and decimals, none for years and codes."""
    if plain:
        return "0"
    return FRENCH_LOCALE + "#,##0" + ("." + "0" * digits if kind == "float" and digits > 0 else "")


def stable_zip(data: bytes) -> bytes:
    """Rewrite a zip (XLSX) with fixed entry times and attributes, same order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    stamp = XLSX_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time there
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", content
                )
            dst.writestr(fixed, content)
    return buf.getvalue()


def table_xlsx(
    df,
    *,
    decimals: Decimals = None,
    index: bool = False,
    source: str | None = None,
    units: dict[str, str] | None = None,
) -> bytes:
    """Return an XLSX workbook of ``df``: sheet ``tableau`` (numeric cells, French number formats,
    text neutralised) and sheet ``source`` (source and units); byte-stable."""
    decimals = resolve_decimals(df, decimals)
    frame = df.reset_index() if index else df
    kinds = _kinds(frame)
    names = [str(c) for c in frame.columns]
    plain = [kind == "int" and bool(PLAIN_COLUMNS.search(n)) for n, kind in zip(names, kinds)]
    wb, ws = new_workbook(names)
    for r, values in enumerate(frame.itertuples(index=False, name=None)):
        for c, (value, kind) in enumerate(zip(values, kinds)):
            target = ws.cell(row=r + 2, column=c + 1)
            if french.is_missing(value):
                continue
            if kind == "text":
                target.value = neutralise(str(value))
                continue
            digits = _digits(decimals, names[c], r) if kind == "float" else 0
            target.value = round(float(value), digits) if kind == "float" else int(value)
            target.number_format = xlsx_number_format(kind, digits, plain[c])
    about = [("Source", " ".join((source or "").split()))]
    about += [(f"Unité : {neutralise(str(column))}", str(unit)) for column, unit in (units or {}).items()]
    return workbook_bytes(wb, about)


def new_workbook(header: Sequence[str]):
    """A workbook whose sheet ``tableau`` starts with ``header`` (neutralised, in bold): ``(workbook, sheet)``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "tableau"
    ws.append([neutralise(str(h)) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return wb, ws


def workbook_bytes(wb, about: Iterable[tuple[str, str]]) -> bytes:
    """The byte-stable XLSX of ``wb``, with a sheet ``source`` of the ``about`` pairs (neutralised)."""
    info = wb.create_sheet("source")
    for key, value in about:
        info.append([neutralise(key), neutralise(value)])
    wb.properties.creator = "odas-analysis"
    wb.properties.created = XLSX_TIME
    wb.properties.modified = XLSX_TIME
    wb.properties.lastModifiedBy = None
    buf = io.BytesIO()
    wb.save(buf)
    return stable_zip(buf.getvalue())
