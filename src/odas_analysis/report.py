"""The published report: the notebooks' exported figures and tables, assembled.

``odas-analysis report`` (and ``make report``) reads the sources in ``report/`` and the
exports of the last batch, and writes ``build/report/``:

* ``index.html`` (cover and table of contents) and one HTML page per chapter and
  appendix, with previous/next navigation, French typography and a print stylesheet;
* ``figures/<run>/<name>.svg`` (the export, unchanged) and ``.png`` (300 dpi),
  ``tables/<run>/<name>.csv`` (unchanged) and ``.xlsx``;
* ``exports.csv``: every figure and table with its number, caption, source, notebook,
  run and hashes; ``manifest.json``: the batch manifest the report was built from;
* ``rapport-complet.html``, the whole report in one page for printing, and
  ``rapport.pdf`` made from it by weasyprint (when it is installed).

Sources
-------
``report/sommaire.toml`` lists the chapters and appendices in order. Each entry names a
Markdown file (:mod:`odas_analysis.report_markup` for the syntax), first filled in by
Jinja2 with the study (``sites``, ``hypotheses``, ``totals``, ``axes``...). An entry with
``foreach = "site"`` (or ``"hypothese"``) is one template made into one page per site
(hypothesis), with ``site`` (``hypothesis``) and ``run`` (``site-<site_id>``,
``hypothese-<H>``) in its context.

Figures and tables are numbered per chapter (``Figure 3.2``, ``Tableau A.1``) in
reading order, captioned, with their source under them. A reference to a missing or
stale export stops the build with one line per problem naming the reference and the
chapter (:class:`ReportError`); :mod:`odas_analysis.report_batch` says what stale means.

The build is deterministic: the same sources and exports give the same bytes (no date
in any file; tool versions come from the manifest and the installed packages). Pages
showing an export of a run on simulated data carry the « données simulées » notice.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from . import config, files, french
from .errors import OdasError
from .report_batch import Batch, Export, ExportProblem, png_300dpi, read_csv, xlsx_bytes
from .report_markup import Directive, fence_directives, headings, make_parser, render, roles, split_title
from .report_typography import cell, fr, is_code_column, looks_like_code

REPORT_DIR = config.PROJECT_ROOT / "report"
SOMMAIRE = "sommaire.toml"
SIMULATED_NOTICE = (
    "cette page montre des résultats calculés sur le jeu de démonstration des données "
    "d'enquête, généré par le projet : ils ne décrivent aucun entretien réel."
)
FOREACH = ("site", "hypothese")
SPECIAL_DIRECTIVES = ("note", "sources", "versions", "data-hashes", "manifest", "exports-list")
REPORT_TOOLS = ("markdown-it-py", "mdit-py-plugins", "jinja2", "openpyxl", "cairosvg", "weasyprint", "pydyf")
EXPORTS_COLUMNS = (
    "numero",
    "type",
    "reference",
    "legende",
    "source",
    "chapitre",
    "page",
    "notebook",
    "execution",
    "donnees_simulees",
    "fichiers",
    "sha256",
    "sha256_impression",
)


class ReportError(OdasError):
    """The report cannot be built; ``problems`` holds one line per problem."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        self.problems = list(problems)
        text = message + ("\n" + "\n".join(f"  - {p}" for p in self.problems) if self.problems else "")
        super().__init__(text)


# --------------------------------------------------------------------------- model


@dataclass
class Ref:
    """A figure or table directive of a page, numbered and resolved."""

    kind: str  # "figure" or "table"
    directive: Directive
    page: Page
    number: str
    anchor: str
    export: Export | None = None

    @property
    def word(self) -> str:
        return "Figure" if self.kind == "figure" else "Tableau"

    @property
    def title(self) -> str:
        return f"{self.word} {self.number}"

    @property
    def caption(self) -> str:
        return self.directive.options.get("caption", "")

    @property
    def href(self) -> str:
        return f"{self.page.href}#{self.anchor}"


@dataclass
class Page:
    """One chapter or appendix: its source, number, title and parsed Markdown."""

    slug: str
    kind: str  # "chapitre" or "annexe"
    number: str
    source: str
    title: str
    tokens: list[Any]
    refs: list[Ref] = field(default_factory=list)
    templated: bool = False  # one of the pages made from a foreach template

    @property
    def href(self) -> str:
        return f"{self.slug}.html"

    @property
    def label(self) -> str:
        return f"{'Chapitre' if self.kind == 'chapitre' else 'Annexe'} {self.number}"

    @property
    def heading_text(self) -> str:
        return f"{self.label} — {fr(self.title)}"

    @property
    def where(self) -> str:
        return f"{self.label.lower()} « {self.title} » ({self.source})"

    @property
    def simulated(self) -> bool:
        return any(r.export is not None and r.export.simulated for r in self.refs)

    def sections(self) -> list[tuple[str, str]]:
        return headings(self.tokens, "h2")


@dataclass
class Book:
    """The sommaire: title and ordered entries."""

    title: str
    subtitle: str
    author: str
    footer: str
    cover: str | None
    entries: list[dict[str, Any]]


@dataclass
class ReportResult:
    """What :func:`build_report` wrote."""

    out: Path
    pages: list[Page]
    figures: int
    tables: int
    pdf: Path | None
    seconds: float
    pdf_note: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        chapters = sum(1 for p in self.pages if p.kind == "chapitre")
        annexes = len(self.pages) - chapters
        text = (
            f"rapport : {chapters} chapitre(s), {annexes} annexe(s), {self.figures} figure(s), "
            f"{self.tables} tableau(x) -> {self.out / 'index.html'}"
        )
        text += f"\n  PDF : {self.pdf}" if self.pdf else f"\n  PDF : non produit ({self.pdf_note})"
        text += "".join(f"\n  note : {n}" for n in self.notes)
        return text + f"\n  liste des figures et tableaux : {self.out / 'exports.csv'}"


# --------------------------------------------------------------------------- sources


def load_book(sources: Path) -> Book:
    """Read ``sommaire.toml`` from the sources directory."""
    path = sources / SOMMAIRE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"no {SOMMAIRE} in {sources}: it lists the chapters and appendices in order") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(f"{path}: {exc}") from exc
    entries = []
    problems = []
    for kind, key in (("chapitre", "chapitre"), ("annexe", "annexe")):
        for item in data.get(key, []):
            if "file" not in item:
                problems.append(f"{path}: a [[{key}]] entry has no 'file'")
                continue
            if item.get("foreach") not in (None, *FOREACH):
                problems.append(
                    f"{path}: foreach = {item['foreach']!r} in [[{key}]] {item['file']}: expected one of {', '.join(FOREACH)}"
                )
            if not (sources / item["file"]).is_file():
                problems.append(f"{path}: [[{key}]] file {item['file']} does not exist")
            entries.append({"kind": kind, **item})
    if problems:
        raise ReportError(f"the report's table of contents ({path}) has problems:", problems)
    return Book(
        title=fr(str(data.get("title", "Rapport"))),
        subtitle=fr(str(data.get("subtitle", ""))),
        author=fr(str(data.get("author", ""))),
        footer=fr(str(data.get("footer", ""))),
        cover=data.get("cover"),
        entries=entries,
    )


def _records(frame) -> list[dict[str, Any]]:
    import pandas as pd

    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                k: (None if (v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v))) else v)
                for k, v in row.items()
            }
        )
    return out


def study_context() -> dict[str, Any]:
    """What the Jinja templates of the sources may use: the study as plain data."""
    from . import study

    totals = study.fieldwork_totals()
    return {
        "sites": _records(study.sites()),
        "hypotheses": _records(study.hypotheses()),
        "axes": _records(study.axes()),
        "questions": _records(study.questions()),
        "subgroups": _records(study.subgroups()),
        "totals": {str(q): int(v) for q, v in zip(totals["quantity"], totals["value"])},
    }


def _jinja_env(sources: Path):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(sources)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["nombre"] = lambda v, d=0: french.number(v, d)
    return env


def _expand(
    book: Book, sources: Path, context: dict[str, Any], sites: Sequence[str] | None
) -> list[tuple[dict[str, Any], str, str, str]]:
    """``(entry, slug, source label, markdown)`` of every page, templates filled in."""
    import jinja2

    env = _jinja_env(sources)
    site_rows = context["sites"]
    if sites is not None:
        known = {s["site_id"] for s in site_rows}
        unknown = [s for s in sites if s not in known]
        if unknown:
            raise ReportError(f"unknown site id {', '.join(unknown)}; valid: {', '.join(sorted(known))}")
        site_rows = [s for s in site_rows if s["site_id"] in set(sites)]
    out = []
    problems = []
    for entry in book.entries:
        stem = Path(entry["file"]).stem
        variants: list[tuple[str, str, dict[str, Any]]]
        if entry.get("foreach") == "site":
            variants = [
                (f"{stem}-{s['site_id']}", f"site {s['site_id']}", {"site": s, "run": f"site-{s['site_id']}"})
                for s in site_rows
            ]
        elif entry.get("foreach") == "hypothese":
            variants = [
                (
                    f"{stem}-{h['hypothesis_id'].lower()}",
                    f"hypothèse {h['hypothesis_id']}",
                    {"hypothesis": h, "run": f"hypothese-{h['hypothesis_id']}"},
                )
                for h in context["hypotheses"]
            ]
        else:
            variants = [(stem, "", {})]
        for slug, variant, extra in variants:
            label = f"{sources.name}/{entry['file']}" + (f" [{variant}]" if variant else "")
            try:
                text = env.get_template(entry["file"]).render(**context, **extra)
            except jinja2.TemplateError as exc:
                where = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
                problems.append(f"{label}{where}: {type(exc).__name__}: {exc}")
                continue
            out.append((entry, slug, label, text))
    if problems:
        raise ReportError("the report sources could not be filled in:", problems)
    return out


# --------------------------------------------------------------------------- numbering


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _anchor_for(kind: str, target: str, taken: set[str]) -> str:
    base = ("figure-" if kind == "figure" else "tableau-") + re.sub(r"[^a-z0-9]+", "-", target.split("/", 1)[1].lower())
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def plan_pages(
    book: Book, sources: Path, *, sites: Sequence[str] | None = None, context: dict[str, Any] | None = None
) -> list[Page]:
    """Parse and number every page and every figure and table; check the directives.

    Raises
    ------
    ReportError
        For a page without a title, an unknown directive, a figure or table without
        caption or source, a duplicate label or a reference to an unknown label.
    """
    md = make_parser()
    context = context if context is not None else study_context()
    pages: list[Page] = []
    problems: list[str] = []
    counters = {"chapitre": 0, "annexe": 0}
    for entry, slug, label, text in _expand(book, sources, context, sites):
        kind = entry["kind"]
        number = str(counters[kind] + 1) if kind == "chapitre" else _letters(counters[kind])
        counters[kind] += 1
        tokens = md.parse(text)
        title, body = split_title(tokens)
        if not title:
            problems.append(f"{label}: no title (a first-level heading '# ...')")
            title = slug
        pages.append(
            Page(
                slug=slug,
                kind=kind,
                number=number,
                source=label,
                title=title,
                tokens=body,
                templated=bool(entry.get("foreach")),
            )
        )

    labels: dict[str, Ref] = {}
    for page in pages:
        counts = {"figure": 0, "table": 0}
        taken: set[str] = set()
        for directive in fence_directives(page.tokens):
            where = f"{page.where}, line {directive.line}"
            if directive.name in ("figure", "table"):
                counts[directive.name] += 1
                missing = [o for o in ("caption", "source") if not directive.options.get(o)]
                if not directive.argument:
                    problems.append(f"{where}: {{{directive.name}}} without an export name")
                    continue
                if missing:
                    problems.append(
                        f"{where}: {directive.name} {directive.argument} has no :{': and :'.join(missing)}:"
                    )
                ref = Ref(
                    directive.name,
                    directive,
                    page,
                    f"{page.number}.{counts[directive.name]}",
                    _anchor_for(directive.name, directive.argument, taken),
                )
                page.refs.append(ref)
                lab = directive.options.get("label")
                if lab:
                    if lab in labels:
                        problems.append(f"{where}: label '{lab}' already used in {labels[lab].page.where}")
                    labels[lab] = ref
                    ref.anchor = lab
            elif directive.name not in SPECIAL_DIRECTIVES:
                problems.append(
                    f"{where}: unknown directive {{{directive.name}}}; known: figure, table, {', '.join(SPECIAL_DIRECTIVES)}"
                )
    for page in pages:
        for name, content, line in roles(page.tokens):
            if name not in ("numref", "ref"):
                problems.append(f"{page.where}, line {line}: unknown role {{{name}}}; known: numref, ref")
            elif content not in labels:
                problems.append(f"{page.where}, line {line}: {{{name}}}`{content}` names no figure or table label")
    if problems:
        raise ReportError("the report sources have problems:", problems)
    return pages


def resolve_exports(pages: list[Page], batch: Batch) -> None:
    """Attach its export to every reference; raise one :class:`ReportError` for all problems."""
    problems = []
    for page in pages:
        for ref in page.refs:
            expected = "figures" if ref.kind == "figure" else "tables"
            try:
                ref.export = batch.resolve(ref.directive.argument, expected)
            except ExportProblem as exc:
                problems.append(f"{exc.kind} {ref.kind} {ref.directive.argument} ({ref.title}, {page.where}): {exc}")
    if problems:
        raise ReportError(
            f"{len(problems)} reference(s) of the report cannot be published (batch: {batch.root}):", problems
        )


# --------------------------------------------------------------------------- rendering


@dataclass
class Assets:
    """Files of the report besides the pages, by path relative to the output directory."""

    files: dict[str, bytes] = field(default_factory=dict)
    print_hash: dict[str, str] = field(default_factory=dict)


class Renderer:
    """Renders pages, with access to every page, label and export of the report."""

    def __init__(self, book: Book, pages: list[Page], batch: Batch, *, data_dir: Path, cache_dir: Path | None):
        self.book = book
        self.pages = pages
        self.batch = batch
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.md = make_parser()
        self.labels = {
            r.directive.options["label"]: r for p in pages for r in p.refs if r.directive.options.get("label")
        }
        self.assets = Assets()
        self.notes: set[str] = set()

    # ------------------------------------------------------------- assets

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
                    f"{export.target}: no PNG exported and none can be made from the SVG ({exc})"
                ) from exc
            self.notes.add(f"PNG copiés tels qu'exportés, pas de rastérisation à 300 dpi ({type(exc).__name__}: {exc})")
            return png
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, cached)
        return data

    def figure_files(self, ref: Ref) -> dict[str, str]:
        export = ref.export
        assert export is not None
        base = f"figures/{export.run}/{export.name}"
        if f"{base}.svg" not in self.assets.files:
            self.assets.files[f"{base}.svg"] = export.files["svg"].read_bytes()
            png = self._png300(export)
            self.assets.files[f"{base}.png"] = png
            self.assets.print_hash[export.target] = files.sha256_bytes(png)
        return {"svg": f"{base}.svg", "png": f"{base}.png"}

    def table_files(self, ref: Ref, header: list[str], rows: list[list[str]], code_cols: set[int]) -> dict[str, str]:
        export = ref.export
        assert export is not None
        base = f"tables/{export.run}/{export.name}"
        if f"{base}.csv" not in self.assets.files:
            self.assets.files[f"{base}.csv"] = export.files["csv"].read_bytes()
            meta = [
                ("tableau", ref.title),
                ("légende", ref.caption),
                ("source", ref.directive.options.get("source", "")),
                ("export", export.target),
                ("notebook", export.notebook),
                ("exécution", export.run),
                ("sha256 du CSV", files.sha256_file(export.files["csv"])),
            ]
            data = xlsx_bytes(header, rows, code_columns=code_cols, meta=meta)
            self.assets.files[f"{base}.xlsx"] = data
            self.assets.print_hash[export.target] = files.sha256_bytes(data)
        return {"csv": f"{base}.csv", "xlsx": f"{base}.xlsx"}

    # ------------------------------------------------------------- directives

    def _source_line(self, ref: Ref) -> str:
        export = ref.export
        assert export is not None
        made = f"notebook {escape(export.notebook or export.run)}, exécution {escape(export.run)}"
        simulated = ' <span class="badge-simule">données simulées</span>' if export.simulated else ""
        return (
            f'<p class="source"><strong>Source</strong>\u00a0: {escape(fr(ref.directive.options.get("source", "")))}'
            f" — {made}{simulated}</p>"
        )

    def _figure(self, ref: Ref) -> str:
        files = self.figure_files(ref)
        alt = ref.directive.options.get("alt") or ref.caption
        return (
            f'<figure class="figure" id="{ref.anchor}">\n'
            f'<img src="{files["svg"]}" alt="{escape(fr(alt))}">\n'
            f'<figcaption><span class="numero">{ref.title}</span> — {escape(fr(ref.caption))}</figcaption>\n'
            f"{self._source_line(ref)}\n"
            f'<p class="fichiers">Fichiers\u00a0: <a href="{files["svg"]}">SVG</a> · '
            f'<a href="{files["png"]}">PNG 300\u00a0dpi</a></p>\n'
            "</figure>\n"
        )

    def _table(self, ref: Ref) -> str:
        export = ref.export
        assert export is not None
        header, rows = read_csv(export.files["csv"])
        forced = {c.strip() for c in ref.directive.options.get("code", "").split(",") if c.strip()}
        unknown = forced - set(header)
        if unknown:
            raise ReportError(
                f"{ref.page.where}: table {export.target} has no column {', '.join(sorted(unknown))} (:code:)"
            )
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
        files = self.table_files(ref, header, rows, code_cols | mixed)
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
                any(is_num for _, is_num in column) and all(is_num or text == "n.d." for text, is_num in column)
            )
        num_class = ' class="nombre"'
        head = "".join(
            f'<th scope="col"{num_class if numeric[i] else ""}>{escape(fr(h))}</th>' for i, h in enumerate(header)
        )
        body = []
        for row in cells:
            tds = []
            for i, (text, is_num) in enumerate(row):
                cls = "nombre" if is_num else ("code" if i in code_cols else "")
                tds.append(f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>")
            body.append("<tr>" + "".join(tds) + "</tr>")
        return (
            f'<figure class="tableau" id="{ref.anchor}">\n'
            f'<figcaption><span class="numero">{ref.title}</span> — {escape(fr(ref.caption))}</figcaption>\n'
            f'<div class="defilement"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body)
            + "\n</tbody>\n</table></div>\n"
            f"{self._source_line(ref)}\n"
            f'<p class="fichiers">Fichiers\u00a0: <a href="{files["csv"]}">CSV</a> · <a href="{files["xlsx"]}">XLSX</a></p>\n'
            "</figure>\n"
        )

    @staticmethod
    def _simple_table(header: list[str], rows: list[list[str]], cls: str = "donnees-projet") -> str:
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
        body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
        return f'<div class="defilement"><table class="{cls}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>\n'

    def _sources_table(self) -> str:
        path = self.data_dir / "sources.csv"
        if not path.is_file():
            raise ReportError(f"{{sources}}: no {path}")
        with open(path, newline="", encoding="utf-8") as fh:
            records = list(csv.DictReader(fh))
        rows = [
            [
                f"<code>{escape(r['source_id'])}</code>",
                escape(fr(r.get("title", ""))),
                escape(fr(r.get("publisher", ""))),
                escape(r.get("published", "") or "n.d."),
                escape(fr(r.get("licence", ""))),
            ]
            for r in records
        ]
        return self._simple_table(["Code", "Source", "Producteur", "Date", "Licence et usage"], rows)

    def _versions_table(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        rows = [
            [escape(k), f"<code>{escape(v)}</code>", "exécution des notebooks (manifeste du lot)"]
            for k, v in self.batch.tools().items()
        ]
        for name in REPORT_TOOLS:
            try:
                v = version(name)
            except PackageNotFoundError:
                v = "absent"
            rows.append([escape(name), f"<code>{escape(v)}</code>", "construction du rapport"])
        return self._simple_table(["Outil", "Version", "Rôle"], rows)

    def _data_hashes_table(self) -> str:
        paths = sorted(
            p
            for p in self.data_dir.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(self.data_dir).parts)
        )
        rows = [
            [
                f"<code>data/{escape(p.relative_to(self.data_dir).as_posix())}</code>",
                f"{p.stat().st_size}",
                f'<span class="empreinte">{files.sha256_file(p)}</span>',
            ]
            for p in paths
        ]
        return self._simple_table(["Fichier", "Octets", "SHA-256"], rows)

    def _manifest_table(self) -> str:
        rows = []
        for name in sorted(self.batch.runs):
            entry = self.batch.runs[name]
            outputs = entry.get("outputs") or {}
            params = json.dumps(entry.get("parameters") or {}, ensure_ascii=False, sort_keys=True)
            key = str((entry.get("inputs") or {}).get("key") or "")
            rows.append(
                [
                    f"<code>{escape(name)}</code>",
                    escape(str(entry.get("template", ""))),
                    f"<code>{escape(params)}</code>",
                    escape(str(entry.get("status", ""))),
                    "oui" if entry.get("simulated") else "non",
                    str(len(outputs.get("figures") or [])),
                    str(len(outputs.get("tables") or [])),
                    f'<span class="empreinte">{escape(key[:16])}</span>',
                ]
            )
        return '<p><a href="manifest.json">Manifeste complet du lot (JSON)</a></p>\n' + self._simple_table(
            [
                "Exécution",
                "Notebook",
                "Paramètres",
                "État",
                "Données simulées",
                "Figures",
                "Tableaux",
                "Clé des entrées",
            ],
            rows,
        )

    def _exports_list(self) -> str:
        rows = []
        for page in self.pages:
            for ref in page.refs:
                rows.append(
                    [
                        f'<a href="{ref.href}">{ref.title}</a>',
                        escape(fr(ref.caption)),
                        f"<code>{escape(ref.directive.argument)}</code>",
                    ]
                )
        return '<p><a href="exports.csv">Liste au format CSV</a></p>\n' + self._simple_table(
            ["Numéro", "Légende", "Export"], rows
        )

    def directive(self, page: Page, directive: Directive) -> str:
        if directive.name in ("figure", "table"):
            ref = next(
                r
                for r in page.refs
                if r.directive.line == directive.line and r.directive.argument == directive.argument
            )
            return self._figure(ref) if ref.kind == "figure" else self._table(ref)
        if directive.name == "note":
            inner = render(
                self.md,
                self.md.parse(directive.body),
                directive=lambda d: self.directive(page, d),
                role=lambda n, c: self.role(n, c),
            )
            return f'<aside class="note">\n{inner}</aside>\n'
        handlers = {
            "sources": self._sources_table,
            "versions": self._versions_table,
            "data-hashes": self._data_hashes_table,
            "manifest": self._manifest_table,
            "exports-list": self._exports_list,
        }
        return handlers[directive.name]()

    def role(self, name: str, content: str) -> str:
        ref = self.labels[content]
        text = ref.title.lower() if name == "numref" else f"{ref.title} ({fr(ref.caption)})"
        return f'<a class="renvoi" href="{ref.href}">{escape(text)}</a>'

    # ------------------------------------------------------------- pages

    def body(self, page: Page) -> str:
        html = render(self.md, page.tokens, directive=lambda d: self.directive(page, d), role=self.role)
        head = f'<h1><span class="numero">{page.label}</span> {escape(fr(page.title))}</h1>\n'
        if page.simulated:
            head += f'<p class="simule" role="note"><strong>Données simulées</strong>\u00a0: {escape(fr(SIMULATED_NOTICE))}</p>\n'
        sections = page.sections()
        if len(sections) > 1:
            items = "".join(f'<li><a href="#{sid}">{escape(fr(text))}</a></li>' for sid, text in sections)
            head += f'<nav class="sommaire-local" aria-label="Dans ce chapitre"><strong>Dans cette page</strong><ol>{items}</ol></nav>\n'
        return head + html

    def toc(self, *, with_sections: bool) -> str:
        items = []
        for page in self.pages:
            badge = ' <span class="badge-simule">données simulées</span>' if page.simulated else ""
            sub = ""
            if with_sections and not page.templated and page.sections():
                sub = (
                    "<ol>"
                    + "".join(
                        f'<li><a href="{page.href}#{sid}">{escape(fr(text))}</a></li>' for sid, text in page.sections()
                    )
                    + "</ol>"
                )
            items.append(
                f'<li><span class="numero">{page.label}</span> <a href="{page.href}">{escape(fr(page.title))}</a>{badge}{sub}</li>'
            )
        return '<ol class="sommaire">\n' + "\n".join(items) + "\n</ol>\n"

    def cover(self, sources: Path) -> str:
        parts = [f'<section class="couverture"><h1>{escape(fr(self.book.title))}</h1>']
        if self.book.subtitle:
            parts.append(f'<p class="sous-titre">{escape(fr(self.book.subtitle))}</p>')
        if self.book.author:
            parts.append(f"<p>{escape(fr(self.book.author))}</p>")
        parts.append("</section>")
        if self.book.cover:
            text = _jinja_env(sources).get_template(self.book.cover).render(**study_context())
            parts.append(render(self.md, self.md.parse(text), directive=lambda d: "", role=self.role))
        return "\n".join(parts) + "\n"


_ID_ATTR = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
# the print edition shows the 300-dpi PNGs: weasyprint draws matplotlib's SVG (every
# glyph a path) about seven times slower than it places a PNG
_PRINT_FIGURE = re.compile(r'<img src="(figures/[^"]+)\.svg"')
_FILE_LINK = re.compile(r'<a href="(?!#|[a-z][a-z0-9+.-]*:)([^"]*)">(.*?)</a>', re.S)


def _print_links(html: str, slug: str, slugs: set[str]) -> str:
    """Make one page's HTML fit in the one-page print edition: ids prefixed by the page."""
    html = _ID_ATTR.sub(lambda m: f'id="{slug}--{m.group(1)}"', html)

    def href(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith("#"):
            return f'href="#{slug}--{target[1:]}"'
        page, _, anchor = target.partition("#")
        if page.endswith(".html") and page[:-5] in slugs:
            return f'href="#{page[:-5]}--{anchor}"' if anchor else f'href="#{page[:-5]}"'
        if page == "index.html":
            return 'href="#sommaire"'
        return match.group(0)

    html = _HREF.sub(href, html)
    # links to files of the site (CSV, manifest, figures) mean nothing on paper, and would
    # carry the build directory's path into the PDF: keep their text only
    return _FILE_LINK.sub(lambda m: f'<span class="lien-fichier">{m.group(2)}</span>', html)


# --------------------------------------------------------------------------- build


def _nav(page: Page | None) -> dict[str, str] | None:
    if page is None:
        return None
    return {"href": page.href, "label": f"{page.label} — {fr(page.title)}", "short": page.label}


def _exports_csv(pages: list[Page], assets: Assets) -> bytes:
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
            writer.writerow(
                [
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
                    files.sha256_file(export.primary),
                    assets.print_hash.get(export.target, ""),
                ]
            )
    return buf.getvalue().encode("utf-8")


PDF_BASE_URL = "https://rapport.odas-analysis.invalid/"
"""Base URL of the print edition inside the PDF renderer: files are served from memory,
so that nothing of the build directory (whose path weasyprint hashes into image names)
reaches the PDF, and no request leaves the process."""

_MIME = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml", ".html": "text/html"}


def _pdf_bytes(html: str, files: dict[str, bytes]) -> bytes:
    """The PDF of the print edition ``html``, its resources taken from ``files``."""
    import logging

    import weasyprint
    from weasyprint import urls

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    def lookup(url: str) -> tuple[bytes, str]:
        rel = url.split("#", 1)[0].split("?", 1)[0]
        if not rel.startswith(PDF_BASE_URL) or rel[len(PDF_BASE_URL) :] not in files:
            raise ValueError(f"the print edition refers to {url}, which is not a file of the report")
        rel = rel[len(PDF_BASE_URL) :]
        return files[rel], _MIME.get(Path(rel).suffix, "application/octet-stream")

    if hasattr(urls, "URLFetcherResponse"):  # weasyprint >= 66: fetcher objects

        class _Fetcher(urls.URLFetcher):
            def fetch(self, url, headers=None):
                body, mime = lookup(url)
                return urls.URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

            __call__ = fetch

        fetcher: Any = _Fetcher()
    else:  # older releases: a function returning a dict

        def fetcher(url: str) -> dict[str, Any]:
            body, mime = lookup(url)
            return {"string": body, "mime_type": mime, "redirected_url": url}

    return weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf()


def pdf_available() -> tuple[bool, str]:
    """Whether weasyprint (and the pango library it loads) can be used here."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as exc:
        return False, f"weasyprint n'est pas installé ({exc})"
    except OSError as exc:  # pango missing
        return False, f"weasyprint ne trouve pas pango ({exc}) : apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    return True, ""


def build_report(
    *,
    sources: Path | None = None,
    root: Path | None = None,
    out: Path | None = None,
    manifest: Path | None = None,
    data_dir: Path | None = None,
    data_dirs: Sequence[Path] | None = None,
    sites: Sequence[str] | None = None,
    pdf: bool | None = None,
    cache_dir: Path | None = None,
) -> ReportResult:
    """Build the report (see the module docstring).

    Parameters
    ----------
    sources
        The sources directory (default ``report/``).
    root
        The batch's output root: ``figures/``, ``tables/`` and ``build/manifest.json``
        (default: the project).
    out
        Output directory (default ``<root>/build/report``), replaced as a whole.
    manifest
        The batch manifest (default ``<root>/build/manifest.json``).
    data_dir
        The project's ``data/`` (sources table, data hashes); default ``data/``.
    data_dirs
        Directories whose digest decides whether the data changed since a run (default:
        the runner's); an empty list skips that check.
    sites
        Build the site appendices of these sites only (default: all).
    pdf
        ``True``: the PDF is required; ``False``: not made; ``None``: made when
        weasyprint can be loaded.
    cache_dir
        Where rasterised 300-dpi PNGs are kept between builds (default
        ``<out>/../.report-cache``).

    Raises
    ------
    ReportError
        Sources with problems, or references to missing or stale exports.
    """
    started = time.perf_counter()
    sources = Path(sources or REPORT_DIR)
    root = Path(root or config.PROJECT_ROOT)
    out = Path(out or root / "build" / "report")
    if data_dirs is None and data_dir is not None:
        data_dirs = [Path(data_dir)]
    data_dir = Path(data_dir or config.DATA_DIR)
    cache_dir = Path(cache_dir) if cache_dir else out.parent / ".report-cache" / "png300"

    book = load_book(sources)
    pages = plan_pages(book, sources, sites=sites)
    batch = Batch(root, manifest=manifest, data_dirs=data_dirs)
    resolve_exports(pages, batch)

    renderer = Renderer(book, pages, batch, data_dir=data_dir, cache_dir=cache_dir)
    import jinja2

    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    page_tpl = env.from_string(_theme().PAGE_TEMPLATE)
    tree: dict[str, bytes] = {"style.css": _theme().STYLE_CSS.encode("utf-8")}
    bodies: dict[str, str] = {}
    for i, page in enumerate(pages):
        body = renderer.body(page)
        bodies[page.slug] = body
        html = page_tpl.render(
            book=book,
            title=page.heading_text,
            body_html=body,
            prev=_nav(pages[i - 1] if i > 0 else None),
            next=_nav(pages[i + 1] if i + 1 < len(pages) else None),
        )
        tree[page.href] = html.encode("utf-8")

    index_body = renderer.cover(sources) + '<h2 id="sommaire">Sommaire</h2>\n' + renderer.toc(with_sections=True)
    tree["index.html"] = page_tpl.render(
        book=book, title="Sommaire", body_html=index_body, prev=None, next=_nav(pages[0] if pages else None)
    ).encode("utf-8")

    slugs = {p.slug for p in pages}
    print_parts = [
        '<section class="couverture-impression" id="sommaire">'
        + renderer.cover(sources)
        + "<h2>Sommaire</h2>\n"
        + _print_links(renderer.toc(with_sections=False), "sommaire", slugs)
        + "</section>"
    ]
    for page in pages:
        body = _PRINT_FIGURE.sub(r'<img src="\1.png"', _print_links(bodies[page.slug], page.slug, slugs))
        print_parts.append(f'<section class="chapitre" id="{page.slug}">\n{body}</section>')
    print_tpl = env.from_string(_theme().PRINT_TEMPLATE)
    print_html = print_tpl.render(book=book, body_html="\n".join(print_parts))
    tree["rapport-complet.html"] = print_html.encode("utf-8")

    tree.update(renderer.assets.files)
    tree["exports.csv"] = _exports_csv(pages, renderer.assets)
    if batch.manifest_path.is_file():
        tree["manifest.json"] = batch.manifest_path.read_bytes()
    else:
        tree["manifest.json"] = b"{}\n"

    pdf_path = None
    pdf_note = ""
    if pdf is not False:
        ok, why = pdf_available()
        if not ok and pdf:
            raise ReportError(f"the PDF edition was asked for but cannot be made: {why}")
        if ok:
            tree["rapport.pdf"] = _pdf_bytes(print_html, tree)
            pdf_path = out / "rapport.pdf"
        else:
            pdf_note = why
    else:
        pdf_note = "désactivé (--no-pdf)"

    files.write_tree(tree, out)
    n_fig = sum(1 for p in pages for r in p.refs if r.kind == "figure")
    n_tab = sum(1 for p in pages for r in p.refs if r.kind == "table")
    return ReportResult(
        out=out,
        pages=pages,
        figures=n_fig,
        tables=n_tab,
        pdf=pdf_path,
        seconds=time.perf_counter() - started,
        pdf_note=pdf_note,
        notes=sorted(renderer.notes),
    )


def _theme():
    from . import report_theme

    return report_theme


__all__ = ["Page", "Ref", "ReportError", "ReportResult", "build_report", "load_book", "plan_pages", "study_context"]
