"""The report's pages as HTML: figures, tables, notes, cross-references, the table of contents and the cover.

:class:`HtmlRenderer` turns the parsed Markdown of a page (:mod:`.markup`) into the body
of its HTML page, with access to every page and label of the report; the files a figure
or table links to are published by :class:`.assets.Assets`, and the reproducibility
appendix's tables come from :mod:`.project_tables`. Text from the sources, the study and
the exports is escaped here; the page templates (:mod:`.theme`) wrap the body.

A figure's alternative text is the one its notebook gave ``export.figure``, read from the
export's ``<name>.json`` sidecar (:func:`figure_alt`). Under each figure and table, a link
leads to the batch's page of its run (``build/html/reviewers/<run>.html``), which links
back to the report page that shows the run (:func:`run_pages`).
"""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path

from .. import __version__, files, french
from . import project_tables
from .assets import Assets
from .batch import Batch, Export, parse_target, read_csv
from .book import Book, Page, Ref, jinja_env, study_context
from .errors import ReportError
from .markup import Directive, make_parser, render
from .tables import print_table, screen_table, table_cells
from .typography import fr

SIMULATED_NOTICE = (
    "les figures et tableaux de cette page marqués « données simulées » sont calculés sur le jeu de "
    "démonstration des données d'enquête, généré par le projet : ils ne décrivent aucun entretien réel ; "
    "les autres viennent de la statistique publique."
)
SIMULATED_COVER = (
    "une partie des figures et tableaux de ce rapport est calculée sur le jeu de démonstration "
    "des données d'enquête, généré par le projet ; les pages concernées le signalent."
)
SIMULATED_BADGE = ' <span class="badge-simule">données simulées</span>'


def figure_alt(export: Export) -> str:
    """The figure's alternative text, from its ``<name>.json`` sidecar (:func:`odas_analysis.export.figure`).

    Empty when the export has no sidecar or the sidecar holds no ``alt``; a sidecar that is
    not JSON is refused, naming the file.
    """
    sidecar = export.primary.with_suffix(".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""
    except ValueError as exc:
        raise ReportError(f"{files.display_path(sidecar)} n'est pas du JSON valide : {exc}") from exc
    alt = data.get("alt") if isinstance(data, dict) else None
    return " ".join(alt.split()) if isinstance(alt, str) else ""


def run_pages(pages: list[Page]) -> dict[str, Page]:
    """The page of the report that shows each run: the first, in reading order, with one of its exports."""
    shown: dict[str, Page] = {}
    for page in pages:
        for ref in page.refs:
            target = parse_target(ref.directive.argument or "")
            if target is not None:
                shown.setdefault(target[1], page)
    return shown


class HtmlRenderer:
    """Renders the body of every page, with access to every page, label and export of the report."""

    def __init__(
        self, book: Book, pages: list[Page], batch: Batch, assets: Assets, *, data_dir: Path, out: Path | None = None
    ):
        self.book = book
        self.out = out  # where the pages go: links to the batch's own pages are relative to it
        self.pages = pages
        self.batch = batch
        self.assets = assets
        self.data_dir = data_dir
        self.md = make_parser()
        self.for_print = False  # set by body(): the print edition lays wide tables out for paper
        self.labels = {
            r.directive.options["label"]: r for p in pages for r in p.refs if r.directive.options.get("label")
        }

    # ------------------------------------------------------------- figures and tables

    def _source_line(self, ref: Ref) -> str:
        export = ref.export
        assert export is not None
        made = f"carnet {escape(export.notebook or export.run)}, exécution {escape(export.run)}"
        simulated = SIMULATED_BADGE if export.simulated else ""
        return (
            f'<p class="source"><strong>Source</strong>\u00a0: {escape(fr(ref.directive.options.get("source", "")))}'
            f" — {made}{simulated}</p>"
        )

    def _batch_page(self, export: Export) -> str:
        """The relative link from the report to the batch's page of ``export``'s run (reviewers' version), or ``""``.

        Only a page that exists is linked (the manifest's ``html_reviewers`` output).
        """
        rel = (export.entry.get("outputs") or {}).get("html_reviewers")
        if not rel or self.out is None:
            return ""
        page = self.batch.root / rel
        if not page.is_file():
            return ""
        return Path(os.path.relpath(page, self.out)).as_posix()

    def _files_line(self, ref: Ref, links: list[tuple[str, str]]) -> str:
        """The line of links under a figure or table: its files, and the batch page of its run."""
        assert ref.export is not None
        page = self._batch_page(ref.export)
        if page:
            links = [*links, (page, f"page du carnet ({ref.export.run})")]
        items = " · ".join(f'<a href="{escape(href)}">{escape(text)}</a>' for href, text in links)
        return f'<p class="fichiers">Fichiers\u00a0: {items}</p>\n'

    def _caption(self, ref: Ref) -> str:
        return f'<figcaption><span class="numero">{ref.title}</span> — {escape(fr(ref.caption))}</figcaption>\n'

    def _figure(self, ref: Ref) -> str:
        assert ref.export is not None
        paths = self.assets.figure(ref)
        alt = figure_alt(ref.export) or ref.directive.options.get("alt") or ref.caption
        return (
            f'<figure class="figure" id="{escape(ref.anchor)}">\n'
            f'<img src="{paths["svg"]}" alt="{escape(fr(alt))}">\n'
            + self._caption(ref)
            + f"{self._source_line(ref)}\n"
            + self._files_line(ref, [(paths["svg"], "SVG"), (paths["png"], "PNG 300\u00a0dpi")])
            + "</figure>\n"
        )

    def _table(self, ref: Ref) -> str:
        export = ref.export
        assert export is not None
        header, rows = read_csv(export.files["csv"])
        forced = {c.strip() for c in ref.directive.options.get("code", "").split(",") if c.strip()}
        unknown = forced - set(header)
        if unknown:
            raise ReportError(
                f"{ref.page.where} : le tableau {export.target} "
                f"n'a pas de colonne {', '.join(sorted(unknown))} (:code:)"
            )
        table = table_cells(header, rows, forced)
        paths = self.assets.table(ref, header, rows, table.text_columns)
        if self.for_print:
            layout, html = print_table(table)
            classes = "tableau" if layout == "portrait" else "tableau paysage"
        else:
            classes, html = "tableau", screen_table(table, f"{ref.title}, défilement horizontal")
        return (
            f'<figure class="{classes}" id="{escape(ref.anchor)}">\n'
            + self._caption(ref)
            + html
            + f"{self._source_line(ref)}\n"
            + self._files_line(ref, [(paths["csv"], "CSV"), (paths["xlsx"], "XLSX")])
            + "</figure>\n"
        )

    # ------------------------------------------------------------- directives and roles

    def directive(self, page: Page, directive: Directive) -> str:
        """HTML of one directive of ``page``."""
        if directive.name in ("figure", "table"):
            ref = next(
                r
                for r in page.refs
                if r.directive.line == directive.line and r.directive.argument == directive.argument
            )
            return self._figure(ref) if ref.kind == "figure" else self._table(ref)
        if directive.name == "note":
            inner = render(
                self.md, self.md.parse(directive.body), directive=lambda d: self.directive(page, d), role=self.role
            )
            return f'<aside class="note">\n{inner}</aside>\n'
        handlers = {
            "sources": lambda: project_tables.sources_table(self.data_dir),
            "versions": lambda: project_tables.versions_table(self.batch),
            "data-hashes": lambda: project_tables.data_hashes_table(self.data_dir),
            "manifest": lambda: project_tables.manifest_table(self.batch),
            "exports-list": lambda: project_tables.exports_list(self.pages),
        }
        return handlers[directive.name]()

    def role(self, name: str, content: str) -> str:
        """HTML of a ``{numref}`` or ``{ref}`` cross-reference."""
        ref = self.labels[content]
        text = ref.title.lower() if name == "numref" else f"{ref.title} ({fr(ref.caption)})"
        return f'<a class="renvoi" href="{escape(ref.href)}">{escape(text)}</a>'

    # ------------------------------------------------------------- pages

    def body(self, page: Page, *, for_print: bool = False) -> str:
        """The body of a page: heading, simulated-data notice, in-page contents, text.

        ``for_print``: the body for the print edition (wide tables on landscape pages or
        in column groups, :func:`.tables.print_table`).
        """
        self.for_print = for_print
        html = render(self.md, page.tokens, directive=lambda d: self.directive(page, d), role=self.role)
        head = f'<h1><span class="numero">{page.label}</span> {escape(fr(page.title))}</h1>\n'
        if page.simulated:
            head += (
                '<p class="simule" role="note"><strong>Données simulées</strong>\u00a0: '
                f"{escape(fr(SIMULATED_NOTICE))}</p>\n"
            )
        sections = page.sections()
        if len(sections) > 1:
            items = "".join(f'<li><a href="#{sid}">{escape(fr(text))}</a></li>' for sid, text in sections)
            head += (
                f'<nav class="sommaire-local" aria-label="Dans cette page : {escape(fr(page.title))}">'
                "<strong>Dans cette page</strong>"
                f"<ol>{items}</ol></nav>\n"
            )
        return head + html

    def toc(self, *, with_sections: bool) -> str:
        """The table of contents: every page, with its sections when ``with_sections``."""
        items = []
        for page in self.pages:
            badge = SIMULATED_BADGE if page.simulated else ""
            sub = ""
            if with_sections and not page.templated and page.sections():
                links = "".join(
                    f'<li><a href="{escape(page.href)}#{sid}">{escape(fr(text))}</a></li>'
                    for sid, text in page.sections()
                )
                sub = f"<ol>{links}</ol>"
            items.append(
                f'<li><span class="numero">{page.label}</span> '
                f'<a href="{escape(page.href)}">{escape(fr(page.title))}{badge}</a>{sub}</li>'
            )
        return '<ol class="sommaire">\n' + "\n".join(items) + "\n</ol>\n"

    def _edition(self) -> str:
        """Date of the data, version of the software and of the batch, as a definition list."""
        items = []
        latest = project_tables.latest_publication(self.data_dir)
        if latest:
            items.append(("Données", f"sources publiées jusqu'en {latest} (voir l'annexe des sources)"))
        items.append(("Version", f"odas-analysis {__version__}"))
        runs = len(self.batch.runs)
        if runs:
            items.append(("Lot", f"{french.integer(runs)} exécution(s) de carnets, manifeste joint"))
        rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(fr(v))}</dd>" for k, v in items)
        return f'<dl class="edition">{rows}</dl>'

    def cover(self, sources: Path) -> str:
        """The cover: title, subtitle, author and the sources' cover text."""
        parts = [f'<section class="couverture"><h1>{escape(fr(self.book.title))}</h1>']
        if self.book.subtitle:
            parts.append(f'<p class="sous-titre">{escape(fr(self.book.subtitle))}</p>')
        if self.book.author:
            parts.append(f"<p>{escape(fr(self.book.author))}</p>")
        parts.append(self._edition())
        if any(page.simulated for page in self.pages):
            parts.append(
                '<p class="simule" role="note"><strong>Données simulées</strong>\u00a0: '
                f"{escape(fr(SIMULATED_COVER))}</p>"
            )
        parts.append("</section>")
        if self.book.cover:
            text = jinja_env(sources).get_template(self.book.cover).render(**study_context())
            parts.append(render(self.md, self.md.parse(text), directive=lambda d: "", role=self.role))
        return "\n".join(parts) + "\n"


__all__ = ["SIMULATED_NOTICE", "HtmlRenderer", "figure_alt", "run_pages"]
