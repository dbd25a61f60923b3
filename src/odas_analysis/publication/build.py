"""``odas-analysis report``: the published report, assembled from the sources and the batch's exports.

``odas-analysis report`` (and ``make report``) reads the sources in ``report/`` and the
exports of the last batch, and writes ``build/report/``:

* ``index.html`` (cover and table of contents) and one HTML page per chapter and
  appendix, with previous/next navigation, French typography and a print stylesheet;
* ``figures/<run>/<name>.svg`` (the export, unchanged) and ``.png`` (300 dpi),
  ``tables/<run>/<name>.csv`` (unchanged) and ``.xlsx`` (:mod:`.assets`);
* ``exports.csv``: every figure and table with its number, caption, source, notebook (« carnet »),
  run and hashes; ``manifest.json``: the batch manifest the report was built from;
* ``rapport-complet.html``, the whole report in one page for printing, and
  ``rapport.pdf`` made from it by weasyprint when it is installed (:mod:`.pdf`).

The build is deterministic: the same sources and exports give the same bytes (no date
in any file; tool versions come from the manifest and the installed packages). Pages
showing an export of a run on simulated data carry the « données simulées » notice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import config, files, french
from . import theme
from .assets import Assets, exports_csv
from .batch import Batch
from .book import REPORT_DIR, Book, Page, load_book, plan_pages, resolve_exports
from .errors import ReportError
from .html import HtmlRenderer
from .pdf import pdf_available, pdf_bytes, print_body
from .typography import fr


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
            f"rapport : {french.integer(chapters)} chapitre(s), {french.integer(annexes)} annexe(s), "
            f"{french.integer(self.figures)} figure(s), {french.integer(self.tables)} tableau(x) "
            f"-> {self.out / 'index.html'}"
        )
        text += f"\n  PDF : {self.pdf}" if self.pdf else f"\n  PDF : non produit ({self.pdf_note})"
        text += "".join(f"\n  note : {n}" for n in self.notes)
        return text + f"\n  liste des figures et tableaux : {self.out / 'exports.csv'}"


def _nav(page: Page | None) -> dict[str, str] | None:
    if page is None:
        return None
    return {"href": page.href, "label": f"{page.label} — {fr(page.title)}", "short": page.label}


def _environment():
    import jinja2

    return jinja2.Environment(autoescape=True, keep_trailing_newline=True)


def _trusted(html: str):
    """Our own HTML (:mod:`.html` escaped every text in it): the one thing the templates do not escape."""
    from markupsafe import Markup

    return Markup(html)  # noqa: S704 - built by HtmlRenderer, which escapes all text


def html_pages(renderer: HtmlRenderer, sources: Path) -> dict[str, bytes]:
    """The screen pages: ``index.html``, one page per chapter and appendix, the stylesheet."""
    book, pages = renderer.book, renderer.pages
    page_tpl = _environment().from_string(theme.PAGE_TEMPLATE)
    tree: dict[str, bytes] = {"style.css": theme.STYLE_CSS.encode("utf-8")}
    for i, page in enumerate(pages):
        body = renderer.body(page)
        html = page_tpl.render(
            book=book,
            title=page.heading_text,
            body_html=_trusted(body),
            prev=_nav(pages[i - 1] if i > 0 else None),
            next=_nav(pages[i + 1] if i + 1 < len(pages) else None),
        )
        tree[page.href] = html.encode("utf-8")
    index_body = renderer.cover(sources) + '<h2 id="sommaire">Sommaire</h2>\n' + renderer.toc(with_sections=True)
    tree["index.html"] = page_tpl.render(
        book=book, title="Sommaire", body_html=_trusted(index_body), prev=None, next=_nav(pages[0] if pages else None)
    ).encode("utf-8")
    return tree


def print_edition(renderer: HtmlRenderer, sources: Path) -> str:
    """``rapport-complet.html``: the whole report in one page, for printing and the PDF."""
    bodies = {page.slug: renderer.body(page, for_print=True) for page in renderer.pages}
    body = print_body(renderer.cover(sources), renderer.toc(with_sections=False), bodies)
    return _environment().from_string(theme.PRINT_TEMPLATE).render(book=renderer.book, body_html=_trusted(body))


def _pdf(pdf: bool | None, print_html: str, tree: dict[str, bytes]) -> tuple[bytes | None, str]:
    """The PDF's bytes (or ``None``) and, when none is made, why."""
    if pdf is False:
        return None, "désactivé (--no-pdf)"
    ok, why = pdf_available()
    if not ok and pdf:
        raise ReportError(f"l'édition PDF a été demandée mais ne peut pas être produite : {why}")
    return (pdf_bytes(print_html, tree), "") if ok else (None, why)


class _Progress:
    """One French line per step with the time elapsed since the start (``french.duration``)."""

    def __init__(self, say: Callable[[str], None] | None):
        self.say = say
        self.started = time.perf_counter()

    def __call__(self, step: str) -> None:
        if self.say is not None:
            self.say(f"rapport : {step} ({french.duration(time.perf_counter() - self.started)})")


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
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Build the report (see the module docstring).

    ``sources``: the sources directory (default ``report/``); ``root``: the batch's output
    root, holding ``figures/``, ``tables/`` and ``build/manifest.json`` (default: the
    project); ``out``: the output directory (default ``<root>/build/report``), replaced as
    a whole; ``manifest``: the batch manifest (default ``<root>/build/manifest.json``);
    ``data_dir``: the project's ``data/`` (sources table, data hashes); ``data_dirs``: the
    directories whose digest decides whether the data changed since a run (default: the
    runner's; an empty list skips that check); ``sites``: build these sites' appendices
    only; ``pdf``: ``True`` requires the PDF, ``False`` skips it, ``None`` makes it when
    weasyprint loads; ``cache_dir``: where 300-dpi PNGs are kept between builds (default
    ``<out>/../.report-cache/png300``); ``progress``: called with one French line per step.

    Raises
    ------
    ReportError
        Sources with problems, or references to missing or stale exports.
    """
    step = _Progress(progress)
    sources = Path(sources or REPORT_DIR)
    root = Path(root or config.PROJECT_ROOT)
    out = Path(out or root / "build" / "report")
    if data_dirs is None and data_dir is not None:
        data_dirs = [Path(data_dir)]
    data_dir = Path(data_dir or config.DATA_DIR)
    cache_dir = Path(cache_dir) if cache_dir else out.parent / ".report-cache" / "png300"

    book: Book = load_book(sources)
    pages = plan_pages(book, sources, sites=sites)
    step(f"sources lues, {french.integer(len(pages))} page(s)")
    batch = Batch(root, manifest=manifest, data_dirs=data_dirs)
    resolve_exports(pages, batch)
    step("figures et tableaux du lot vérifiés")
    assets = Assets(cache_dir)
    renderer = HtmlRenderer(book, pages, batch, assets, data_dir=data_dir, out=out)
    tree = html_pages(renderer, sources)
    print_html = print_edition(renderer, sources)
    tree["rapport-complet.html"] = print_html.encode("utf-8")
    tree.update(assets.files)
    tree["exports.csv"] = exports_csv(pages, assets)
    tree["manifest.json"] = batch.manifest_path.read_bytes() if batch.manifest_path.is_file() else b"{}\n"
    step("pages HTML, figures et tableaux prêts")
    data, pdf_note = _pdf(pdf, print_html, tree)
    if data is not None:
        tree["rapport.pdf"] = data
        step("PDF mis en page")
    files.write_tree(tree, out)
    step(f"rapport écrit dans {files.display_path(out)}")
    return ReportResult(
        out=out,
        pages=pages,
        figures=sum(1 for p in pages for r in p.refs if r.kind == "figure"),
        tables=sum(1 for p in pages for r in p.refs if r.kind == "table"),
        pdf=out / "rapport.pdf" if data is not None else None,
        seconds=time.perf_counter() - step.started,
        pdf_note=pdf_note,
        notes=sorted(assets.notes),
    )


__all__ = ["ReportResult", "build_report", "html_pages", "print_edition"]
