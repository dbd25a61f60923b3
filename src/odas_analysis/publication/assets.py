"""The report's files besides its pages: figures (SVG, PNG at 300 dpi) and tables (CSV, XLSX).

Every figure of the report is published as its export's SVG, unchanged, and as a PNG at
:data:`PRINT_DPI` (the exported PNG when it is fine enough, else the SVG rasterised by
cairosvg); every table as its export's CSV, unchanged, and as an XLSX workbook (numbers
as numbers, codes as text, a ``source`` sheet). ``exports.csv`` lists them all.

Print forms are deterministic: the same export gives the same bytes.

Spreadsheet cells are never formulas (OWASP « CSV injection »): a text cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` in the XLSX
workbooks, in the published CSV files and in ``exports.csv``; numbers (``-0.5``) stay
numbers (:func:`~odas_analysis.tables.formats.neutralise`). A CSV export holding no such cell is published byte for
byte as the notebook wrote it.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from .. import files
from ..tables.formats import neutralise, new_workbook, workbook_bytes
from .batch import Export
from .errors import ReportError
from .typography import looks_like_code

if TYPE_CHECKING:
    from .book import Page, Ref

PRINT_DPI = 300
EXPORTS_COLUMNS = (
    "numero",
    "type",
    "reference",
    "legende",
    "source",
    "chapitre",
    "page",
    "carnet",
    "execution",
    "donnees_simulees",
    "fichiers",
    "sha256",
    "sha256_impression",
)

# --------------------------------------------------------------------------- spreadsheet cells


def neutral_csv(data: bytes) -> bytes:
    """A CSV export with every cell neutralised (:func:`~odas_analysis.tables.formats.neutralise`).

    The same bytes when no cell changes; the export's ``# {source, unites}`` first line is
    kept as it is.
    """
    text = data.decode("utf-8")
    meta = ""
    if text.startswith("# "):
        meta, _, text = text.partition("\n")
        meta += "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    safe = [[neutralise(v) for v in row] for row in rows]
    if safe == rows:
        return data
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(safe)
    return (meta + buf.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- PNG


def png_dpi(data: bytes) -> float | None:
    """Horizontal resolution of a PNG from its ``pHYs`` chunk (``None`` when absent)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    pos = 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if ctype == b"pHYs" and length == 9:
            ppu_x, _ppu_y, unit = struct.unpack(">IIB", data[pos + 8 : pos + 17])
            return ppu_x * 0.0254 if unit == 1 else None
        if ctype == b"IDAT":
            return None
        pos += 12 + length
    return None


def _with_phys(data: bytes, dpi: int) -> bytes:
    """Insert (or replace) the ``pHYs`` chunk of a PNG so that it says ``dpi``."""
    ppm = int(round(dpi / 0.0254))
    body = struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", len(body)) + b"pHYs" + body + struct.pack(">I", zlib.crc32(b"pHYs" + body) & 0xFFFFFFFF)
    out = bytearray(data[:8])
    pos = 8
    inserted = False
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        raw = data[pos : pos + 12 + length]
        pos += 12 + length
        if ctype == b"pHYs":
            continue
        if ctype == b"IDAT" and not inserted:
            out += chunk
            inserted = True
        out += raw
    return bytes(out)


def png_300dpi(svg: bytes, png: bytes | None = None, *, dpi: int = PRINT_DPI) -> bytes:
    """The print PNG of a figure: the exported PNG when it has ``dpi`` or more, else the
    SVG rasterised at ``dpi`` (cairosvg), tagged with its resolution."""
    if png is not None:
        have = png_dpi(png)
        if have is not None and have >= dpi - 0.5:
            return png
    import cairosvg

    raster = cairosvg.svg2png(bytestring=svg, dpi=dpi, background_color="white")
    return _with_phys(raster, dpi)


# --------------------------------------------------------------------------- XLSX


def xlsx_bytes(
    header: list[str], rows: list[list[str]], *, code_columns: set[int], meta: list[tuple[str, str]]
) -> bytes:
    """An XLSX workbook of a table: sheet ``tableau`` (numbers as numbers, codes as text,
    the decimals of the CSV as number format) and sheet ``source`` (``meta`` pairs)."""
    wb, ws = new_workbook(header)
    number = re.compile(r"^[+-]?\d+(?:\.(\d+))?$")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            target = ws.cell(row=r, column=c)
            match = number.match(value.strip()) if value else None
            if match and (c - 1) not in code_columns and not looks_like_code(value):
                decimals = len(match.group(1) or "")
                target.value = float(value) if decimals else int(value)
                target.number_format = "0" if not decimals else "0." + "0" * decimals
            elif value != "":
                target.value = neutralise(value)
                target.data_type = "s"  # never a formula, whatever openpyxl guesses
    return workbook_bytes(wb, meta)


# --------------------------------------------------------------------------- the files


class Assets:
    """Files of the report besides the pages, by path relative to the output directory.

    Parameters
    ----------
    cache_dir
        Where rasterised 300-dpi PNGs are kept between builds (``None``: no cache).
    """

    def __init__(self, cache_dir: Path | None):
        self.cache_dir = cache_dir
        self.files: dict[str, bytes] = {}
        self.print_hash: dict[str, str] = {}
        self.notes: set[str] = set()

    def _png300(self, export: Export) -> bytes:
        svg = export.files["svg"].read_bytes()
        png = export.files["png"].read_bytes() if "png" in export.files else None
        key = files.sha256_bytes(svg + b"\0" + (png or b""))
        cached = self.cache_dir / f"{key}.png" if self.cache_dir else None
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        try:
            data = png_300dpi(svg, png)
        except (ImportError, OSError) as exc:  # cairosvg or Debian's libcairo2 missing
            if png is None:
                raise ReportError(
                    f"{export.target} : aucun PNG exporté, et le SVG ne peut pas être rastérisé ({exc})"
                ) from exc
            self.notes.add(f"PNG copiés tels qu'exportés, pas de rastérisation à 300 dpi ({type(exc).__name__}: {exc})")
            return png
        if cached is not None:
            files.write_bytes(cached, data)
        return data

    def figure(self, ref: Ref) -> dict[str, str]:
        """Publish the SVG and 300-dpi PNG of a figure reference; return their paths."""
        export = ref.export
        assert export is not None
        base = f"figures/{export.run}/{export.name}"
        if f"{base}.svg" not in self.files:
            self.files[f"{base}.svg"] = export.files["svg"].read_bytes()
            png = self._png300(export)
            self.files[f"{base}.png"] = png
            self.print_hash[export.target] = files.sha256_bytes(png)
        return {"svg": f"{base}.svg", "png": f"{base}.png"}

    def table(self, ref: Ref, header: list[str], rows: list[list[str]], text_columns: set[int]) -> dict[str, str]:
        """Publish the CSV and XLSX of a table reference; return their paths.

        ``text_columns`` are kept as text in the workbook (codes, mixed columns).
        """
        export = ref.export
        assert export is not None
        base = f"tables/{export.run}/{export.name}"
        if f"{base}.csv" not in self.files:
            self.files[f"{base}.csv"] = neutral_csv(export.files["csv"].read_bytes())
            meta = [
                ("tableau", ref.title),
                ("légende", ref.caption),
                ("source", ref.directive.options.get("source", "")),
                ("export", export.target),
                ("carnet", export.notebook),
                ("exécution", export.run),
                ("sha256 du CSV", files.sha256_file(export.files["csv"])),
            ]
            data = xlsx_bytes(header, rows, code_columns=text_columns, meta=meta)
            self.files[f"{base}.xlsx"] = data
            self.print_hash[export.target] = files.sha256_bytes(data)
        return {"csv": f"{base}.csv", "xlsx": f"{base}.xlsx"}


def exports_csv(pages: list[Page], assets: Assets) -> bytes:
    """``exports.csv``: every figure and table of the report, its files and the hashes of
    the published files (``sha256``: the SVG or CSV; ``sha256_impression``: the PNG or XLSX)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EXPORTS_COLUMNS)
    for page in pages:
        for ref in page.refs:
            export = ref.export
            assert export is not None
            if ref.kind == "figure":
                paths = [f"figures/{export.run}/{export.name}.svg", f"figures/{export.run}/{export.name}.png"]
            else:
                paths = [f"tables/{export.run}/{export.name}.csv", f"tables/{export.run}/{export.name}.xlsx"]
            row = [
                ref.title,
                "figure" if ref.kind == "figure" else "tableau",
                export.target,
                ref.caption,
                ref.directive.options.get("source", ""),
                page.label,
                ref.href,
                export.notebook,
                export.run,
                "oui" if export.simulated else "non",
                ";".join(paths),
                files.sha256_bytes(assets.files[paths[0]]),
                assets.print_hash.get(export.target, ""),
            ]
            writer.writerow([neutralise(str(v)) for v in row])
    return buf.getvalue().encode("utf-8")


__all__ = [
    "EXPORTS_COLUMNS",
    "PRINT_DPI",
    "Assets",
    "exports_csv",
    "neutral_csv",
    "png_300dpi",
    "png_dpi",
    "xlsx_bytes",
]
