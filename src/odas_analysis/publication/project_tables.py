"""The reproducibility appendix's tables: data sources, tool versions, data hashes, batch manifest, exports.

Each is the HTML of one special directive of the sources (``{sources}``, ``{versions}``,
``{data-hashes}``, ``{manifest}``, ``{exports-list}``), built from the project's data
directory, the batch manifest and the report's own pages.
"""

from __future__ import annotations

import csv
import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .. import files, french
from .batch import Batch
from .errors import ReportError
from .typography import fr

if TYPE_CHECKING:
    from .book import Page

STATUS_FR = {"done": "faite", "skipped": "inchangée", "failed": "en échec", "interrupted": "interrompue"}
"""A run's state as the reader reads it (the manifest keeps the runner's words)."""
REPORT_TOOLS = ("markdown-it-py", "mdit-py-plugins", "jinja2", "openpyxl", "cairosvg", "weasyprint", "pydyf")


def simple_table(header: list[str], rows: list[list[str]], cls: str = "donnees-projet") -> str:
    """A table whose cells are HTML already (escaped by the caller)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="defilement"><table class="{cls}">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table></div>\n"
    )


def sources_table(data_dir: Path) -> str:
    """``{sources}``: the project's ``data/sources.csv``."""
    path = data_dir / "sources.csv"
    if not path.is_file():
        raise ReportError(f"{{sources}} : pas de fichier {files.display_path(path)}")
    with open(path, newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    rows = [
        [
            f"<code>{escape(r['source_id'])}</code>",
            escape(fr(r.get("title", ""))),
            escape(fr(r.get("publisher", ""))),
            escape(r.get("published", "") or french.MISSING),
            escape(fr(r.get("licence", ""))),
        ]
        for r in records
    ]
    return simple_table(["Code", "Source", "Producteur", "Date", "Licence et usage"], rows)


def latest_publication(data_dir: Path) -> str | None:
    """The most recent publication date of the data sources (``data/sources.csv``), in French:
    ``mai 2019``, ``2026``; ``None`` when the table gives none."""
    path = data_dir / "sources.csv"
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as fh:
        dates = sorted(str(r.get("published") or "").strip() for r in csv.DictReader(fh))
    dates = [d for d in dates if d[:4].isdigit()]
    if not dates:
        return None
    latest = dates[-1]
    if len(latest) >= 7 and latest[5:7].isdigit():
        return f"{french.MONTHS[int(latest[5:7]) - 1]} {latest[:4]}"
    return latest[:4]


def versions_table(batch: Batch) -> str:
    """``{versions}``: the tools of the batch (manifest) and of the report build."""
    from importlib.metadata import PackageNotFoundError, version

    rows = [
        [escape(k), f"<code>{escape(v)}</code>", "exécution des carnets (manifeste du lot)"]
        for k, v in batch.tools().items()
    ]
    for name in REPORT_TOOLS:
        try:
            v = version(name)
        except PackageNotFoundError:
            v = "absent"
        rows.append([escape(name), f"<code>{escape(v)}</code>", "construction du rapport"])
    return simple_table(["Outil", "Version", "Rôle"], rows)


def data_hashes_table(data_dir: Path) -> str:
    """``{data-hashes}``: every file of ``data/`` with its size and SHA-256."""
    paths = sorted(
        p
        for p in data_dir.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(data_dir).parts)
    )
    rows = [
        [
            f"<code>data/{escape(p.relative_to(data_dir).as_posix())}</code>",
            french.integer(p.stat().st_size),
            f'<span class="empreinte">{files.sha256_file(p)}</span>',
        ]
        for p in paths
    ]
    return simple_table(["Fichier", "Octets", "SHA-256"], rows)


def manifest_table(batch: Batch) -> str:
    """``{manifest}``: one row per run of the batch manifest."""
    rows = []
    for name in sorted(batch.runs):
        entry = batch.runs[name]
        outputs = entry.get("outputs") or {}
        params = json.dumps(entry.get("parameters") or {}, ensure_ascii=False, sort_keys=True)
        key = str((entry.get("inputs") or {}).get("key") or "")
        rows.append(
            [
                f"<code>{escape(name)}</code>",
                escape(str(entry.get("template", ""))),
                f"<code>{escape(params)}</code>",
                escape(STATUS_FR.get(str(entry.get("status", "")), str(entry.get("status", "")))),
                "oui" if entry.get("simulated") else "non",
                french.integer(len(outputs.get("figures") or [])),
                french.integer(len(outputs.get("tables") or [])),
                f'<span class="empreinte">{escape(key[:16])}</span>',
            ]
        )
    header = ["Exécution", "Carnet", "Paramètres", "État", "Données simulées", "Figures", "Tableaux", "Clé des entrées"]
    return '<p><a href="manifest.json">Manifeste complet du lot (JSON)</a></p>\n' + simple_table(header, rows)


def exports_list(pages: list[Page]) -> str:
    """``{exports-list}``: every figure and table of the report, linked."""
    rows = []
    for page in pages:
        for ref in page.refs:
            rows.append(
                [
                    f'<a href="{escape(ref.href)}">{escape(ref.title)}</a>',
                    escape(fr(ref.caption)),
                    f"<code>{escape(ref.directive.argument)}</code>",
                ]
            )
    return '<p><a href="exports.csv">Liste au format CSV</a></p>\n' + simple_table(
        ["Numéro", "Légende", "Export"], rows
    )


__all__ = [
    "REPORT_TOOLS",
    "latest_publication",
    "data_hashes_table",
    "exports_list",
    "manifest_table",
    "simple_table",
    "sources_table",
    "versions_table",
]
