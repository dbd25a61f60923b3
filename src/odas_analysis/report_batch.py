"""The batch as the report sees it: exports, their freshness, and their print forms.

The report names a figure or table by its stable export name,
``figures/<run>/<name>`` or ``tables/<run>/<name>`` (:mod:`odas_analysis.export`).
:class:`Batch` finds the files under the batch's output root and decides whether each
one can be published, from ``build/manifest.json`` (:mod:`odas_analysis.runner`):

missing
    no ``<name>.svg`` (figure) or ``<name>.csv`` (table) where the name says.
stale
    the export is not what the notebook's last run would give now: the run is absent
    from the manifest; its last execution failed (the files on disk are from an
    earlier one); the file is not among the outputs of its last successful run (a
    leftover); the notebook template changed since that run (its SHA-256 differs from
    the one recorded); or the data the run reads changed since (same digest as the
    runner's cache, :class:`odas_analysis.runner.DataHasher`).

Either way the report is not built, and the message names the reference, the chapter
that makes it and what to run.

Print forms (:func:`png_300dpi`, :func:`xlsx_bytes`) are deterministic: the same export
gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config, files

PRINT_DPI = 300
_REF = re.compile(r"^(figures|tables)/([A-Za-z0-9][A-Za-z0-9_.-]*)/([a-z0-9][a-z0-9_-]*)$")
OK_STATUSES = frozenset({"done", "skipped"})


def parse_target(target: str) -> tuple[str, str, str] | None:
    """``"figures/site-angers/revenu"`` -> ``("figures", "site-angers", "revenu")``."""
    match = _REF.match(target.strip())
    return match.groups() if match else None  # type: ignore[return-value]


@dataclass
class Export:
    """A resolved export: its files under the batch root and what the manifest says."""

    target: str
    kind: str  # "figures" or "tables"
    run: str
    name: str
    files: dict[str, Path]  # "svg", "png" or "csv"
    entry: dict[str, Any] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        return bool(self.entry.get("simulated"))

    @property
    def primary(self) -> Path:
        return self.files["svg" if self.kind == "figures" else "csv"]

    @property
    def notebook(self) -> str:
        return str(self.entry.get("template") or "")

    @property
    def title(self) -> str:
        return str(self.entry.get("title") or self.run)


class ExportProblem(Exception):
    """A reference that cannot be published: ``kind`` is ``missing``, ``stale`` or ``invalid``."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


class Batch:
    """The exports of one batch (its output root) and its manifest.

    Parameters
    ----------
    root
        The batch's output root: ``figures/``, ``tables/`` and ``build/manifest.json``
        below it (the project itself for ``make reports``).
    manifest
        The manifest to trust (default ``root/build/manifest.json``).
    data_dirs
        Directories whose digest the runner records for each run (default: the
        runner's, ``data/`` and ``$ODAS_PRIVATE_DATA``); ``None`` keeps the default,
        an empty list skips the data check.
    """

    def __init__(self, root: Path, *, manifest: Path | None = None, data_dirs: Sequence[Path] | None = None):
        self.root = Path(root)
        self.manifest_path = Path(manifest) if manifest else self.root / "build" / "manifest.json"
        try:
            self.manifest: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.manifest = {}
        except ValueError as exc:
            raise ExportProblem("invalid", f"{self.manifest_path} is not valid JSON: {exc}") from exc
        runs = self.manifest.get("runs")
        self.runs: dict[str, dict[str, Any]] = runs if isinstance(runs, dict) else {}
        self._data_dirs = data_dirs
        self._hasher: Any = None
        self._template_hashes: dict[str, str | None] = {}

    # ----------------------------------------------------------------- freshness

    def _template_hash(self, template: str) -> str | None:
        if template not in self._template_hashes:
            path = Path(template)
            candidates = [path] if path.is_absolute() else [self.root / path, config.PROJECT_ROOT / path]
            found = next((c for c in candidates if c.is_file()), None)
            self._template_hashes[template] = files.sha256_file(found) if found else None
        return self._template_hashes[template]

    def _data_digest(self, entry: dict[str, Any]) -> str | None:
        if self._data_dirs is not None and not self._data_dirs:
            return None
        if self._hasher is None:
            from .batch.cache import DataHasher, data_dirs

            self._hasher = DataHasher(list(self._data_dirs) if self._data_dirs is not None else data_dirs())
        site_id = (entry.get("parameters") or {}).get("site_id") if entry.get("kind") == "site" else None
        return self._hasher.digest(site_id)

    def staleness(self, run: str, rel_files: list[str]) -> str | None:
        """Why the files ``rel_files`` of ``run`` are stale, or ``None`` when fresh."""
        entry = self.runs.get(run)
        rerun = f"run `make reports` (or `odas-analysis run --only {run}`), then build the report again"
        if not self.manifest:
            return f"no batch manifest at {self.manifest_path}: {rerun}"
        if entry is None:
            return f"run '{run}' is not in {self.manifest_path.name}: {rerun}"
        status = entry.get("status")
        if status not in OK_STATUSES:
            error = str(entry.get("error") or "").strip().splitlines()
            why = f" ({error[-1][:200]})" if error else ""
            return f"the last run of '{run}' {status or 'has no status'}{why}; the files on disk come from an earlier run: {rerun}"
        outputs = entry.get("outputs") or {}
        listed = set(outputs.get("figures") or []) | set(outputs.get("tables") or [])
        leftovers = [f for f in rel_files if f not in listed]
        if leftovers:
            return (
                f"{leftovers[0]} is not among the outputs of the last run of '{run}' "
                f"(left over from an earlier run, or written outside the batch): {rerun}"
            )
        inputs = entry.get("inputs") or {}
        template = str(entry.get("template") or "")
        if template and inputs.get("notebook"):
            now = self._template_hash(template)
            if now is not None and now != inputs["notebook"]:
                return f"the notebook {template} changed since the last run of '{run}': {rerun}"
        if inputs.get("data"):
            digest = self._data_digest(entry)
            if digest is not None and digest != inputs["data"]:
                return f"the data read by '{run}' changed since its last run: {rerun}"
        return None

    # ----------------------------------------------------------------- resolve

    def available(self, kind: str, run: str) -> list[str]:
        """Export names of ``run`` on disk (for error messages)."""
        folder = self.root / kind / run
        suffix = ".svg" if kind == "figures" else ".csv"
        return sorted(p.stem for p in folder.glob(f"*{suffix}")) if folder.is_dir() else []

    def resolve(self, target: str, expected_kind: str) -> Export:
        """Return the :class:`Export` named ``target``; raise :class:`ExportProblem`."""
        parsed = parse_target(target)
        if parsed is None:
            raise ExportProblem(
                "invalid", f"'{target}' is not an export name: expected figures/<run>/<name> or tables/<run>/<name>"
            )
        kind, run, name = parsed
        if kind != expected_kind:
            raise ExportProblem("invalid", f"'{target}' is a {kind[:-1]}, referenced as a {expected_kind[:-1]}")
        base = self.root / kind / run / name
        wanted = ("svg", "png") if kind == "figures" else ("csv",)
        files = {ext: base.with_suffix(f".{ext}") for ext in wanted if base.with_suffix(f".{ext}").is_file()}
        primary = "svg" if kind == "figures" else "csv"
        if primary not in files:
            known = self.available(kind, run)
            hint = f"; exports of '{run}': {', '.join(known)}" if known else f"; '{run}' exported no {kind}"
            raise ExportProblem("missing", f"no file {kind}/{run}/{name}.{primary} under {self.root}{hint}")
        rel = [p.relative_to(self.root).as_posix() for p in files.values()]
        stale = self.staleness(run, rel)
        if stale:
            raise ExportProblem("stale", stale)
        return Export(target=target, kind=kind, run=run, name=name, files=files, entry=self.runs.get(run, {}))

    def tools(self) -> dict[str, str]:
        tools = self.manifest.get("tools")
        return {str(k): str(v) for k, v in sorted(tools.items())} if isinstance(tools, dict) else {}


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


# --------------------------------------------------------------------------- tables


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV export, as strings exactly as written."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return [], []
    return rows[0], rows[1:]


_FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _normalised_zip(data: bytes) -> bytes:
    """Rewrite a zip (XLSX) with fixed entry times and attributes, same order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified whatever is set
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    data,
                )
            dst.writestr(fixed, data)
    return buf.getvalue()


def xlsx_bytes(
    header: list[str], rows: list[list[str]], *, code_columns: set[int], meta: list[tuple[str, str]]
) -> bytes:
    """An XLSX workbook of a table: sheet ``tableau`` (numbers as numbers, codes as text,
    the decimals of the CSV as number format) and sheet ``source`` (``meta`` pairs)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .report_typography import looks_like_code

    wb = Workbook()
    ws = wb.active
    ws.title = "tableau"
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    number = re.compile(r"^[+-]?\d+(?:\.(\d+))?$")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            target = ws.cell(row=r, column=c)
            match = number.match(value.strip()) if value else None
            if match and (c - 1) not in code_columns and not looks_like_code(value):
                decimals = len(match.group(1) or "")
                target.value = float(value) if decimals else int(value)
                target.number_format = "0" if not decimals else "0." + "0" * decimals
            else:
                target.value = value if value != "" else None
    info = wb.create_sheet("source")
    for key, value in meta:
        info.append([key, value])
    wb.properties.creator = "odas-analysis"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.properties.lastModifiedBy = None
    buf = io.BytesIO()
    wb.save(buf)
    return _normalised_zip(buf.getvalue())


__all__ = [
    "Batch",
    "Export",
    "ExportProblem",
    "PRINT_DPI",
    "parse_target",
    "png_300dpi",
    "png_dpi",
    "read_csv",
    "xlsx_bytes",
]
