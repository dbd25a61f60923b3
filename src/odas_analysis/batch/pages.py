"""HTML pages of the executed notebooks, and the index that links them (in French).

Every executed notebook becomes two standalone pages (figures embedded, no script
fetched from the network):

``build/html/reviewers/<name>.html``
    for reviewers: no code at all (inputs and prompts removed), outputs kept;
``build/html/researchers/<name>.html``
    for researchers: the code shown with its outputs.

``build/html/index.html`` links every page, sites by name and hypotheses by label.

Each page links the page of the published report that shows its run's figures and tables
(« Dans le rapport : l'annexe « Angers » »), found in the report's sources
(:func:`report_pages`) and linked where ``odas-analysis report`` writes it by default,
``build/report/`` beside ``build/html/``; the report links back to these pages.

Cell tags honoured in both versions: ``remove-cell`` drops the cell, ``hide-input``
drops its code, ``hide-output`` its outputs.

"Données simulées"
------------------
A page built on simulated data (the fieldwork demonstration set) says so in a banner at
the top, and its entry in the index too. A notebook marks itself in either way:

* by calling :func:`mark_simulated` in a cell (typically right after loading the data:
  ``pages.mark_simulated("Entretiens de démonstration générés par le projet.")``), which
  also displays the notice in the notebook itself; or
* by the notebook metadata ``{"odas": {"simulated": true}}``.

:func:`is_simulated` finds either. Loaders may call :func:`mark_simulated` themselves when
they fall back to the demonstration set.

The mark belongs to each table and figure rather than to the page: :func:`odas_analysis.export.table`
and :func:`~odas_analysis.export.figure` display a badge above a simulated one and record
``{"odas": {"export": name, "simulated": bool}}`` in its output metadata
(:func:`export_marks`). A page that shows both real (public statistics) and simulated
exports says so in its banner (:data:`MIXED_NOTE`), and its list of files marks the
simulated ones.

Only the standard library is imported at import time; nbconvert is imported when a page
is rendered, so that the index can be rewritten cheaply.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from .. import files

AUDIENCES: tuple[str, ...] = ("reviewers", "researchers")
SIMULATED_KEY = "odas"

_CSS = """
.odas-bandeau { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 1100px; margin: 0 auto;
  padding: 0.6em 1em; border-bottom: 1px solid #d5d8dc; }
.odas-bandeau nav a { margin-right: 1.2em; color: #1b4f72; }
.odas-simule { background: #fdebd0; border-left: 5px solid #d68910; padding: 0.5em 1em; margin: 0.6em 0;
  font-weight: normal; }
.odas-table { border-collapse: collapse; margin: 0.4em 0; }
.odas-table th, .odas-table td { padding: 0.15em 0.6em; border-bottom: 1px solid #e5e8e8; }
.jp-RenderedHTMLCommon .odas-table td:not([style]), .jp-RenderedHTMLCommon .odas-table th { text-align: left !important; }
.odas-table caption { text-align: left; font-weight: normal; font-size: 0.9em; color: #566573;
  padding-bottom: 0.4em; caption-side: top; }
"""

_CSS += """
.odas-bandeau h1.odas-titre { font-size: 1.6em; margin: 0.5em 0 0.3em; }
.odas-bandeau .odas-voisins a { margin-right: 1.2em; }
.odas-bandeau details { margin: 0.4em 0; }
.odas-bandeau summary { cursor: pointer; color: #1b4f72; }
.odas-bandeau ol, .odas-bandeau ul.odas-fichiers { margin: 0.3em 0 0.3em 1.2em; padding: 0; }
"""

_CSS += """
.jp-InputPrompt, .jp-OutputPrompt { color: #4d5656 !important; opacity: 1 !important; }
.highlight .c, .highlight .c1, .highlight .ch, .highlight .cm, .highlight .cp, .highlight .cpf, .highlight .cs
  { color: #2e6363 !important; }
"""
"""Contrast of the code (WCAG AA asks 4.5:1): the lab theme greys the cells' prompts (#b0b0b0 at half
opacity on white, 2.16:1), darkened to 7.4:1; the comments' teal (#408080 on #f5f5f5, 4.17:1) to 6.6:1."""

_PAGE_TEMPLATE = (
    "{%- extends 'index.html.j2' -%}\n"
    "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
    "{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
    "{% block extra_css %}<style>{{ resources.odas.css }}</style>{% endblock extra_css %}\n"
    "{%- block body_header -%}\n"
    "{{ super() }}\n"
    "{{ resources.odas.header }}\n"
    "{%- endblock body_header -%}\n"
)
"""The lab template with one header: every text in it is escaped in Python (:func:`page_header`)."""

TOC_MARKER = "<!--odas-sommaire-de-page-->"
_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
_TAGS = re.compile(r"<[^>]+>")
EXPORT_KINDS = {".csv": "CSV", ".xlsx": "XLSX", ".svg": "SVG", ".png": "PNG"}
"""The files of a run linked from its pages (the Markdown copies of the tables are for the report)."""

SIMULATED_NOTE = (
    '<p class="odas-simule" role="note"><strong>Données simulées</strong> : '
    "cette page est calculée sur des données de démonstration générées par le projet, "
    "pas sur les entretiens réels.</p>"
)
MIXED_NOTE = (
    '<p class="odas-simule" role="note"><strong>Données réelles et données simulées</strong> : '
    "les tableaux et figures marqués « données simulées » sont calculés sur le jeu de démonstration "
    "généré par le projet, pas sur les entretiens réels ; les autres viennent de la statistique publique "
    "et sont réels.</p>"
)


def export_marks(nb: Any) -> dict[str, bool]:
    """Name -> simulated of every table and figure the notebook displayed (:func:`odas_analysis.export.table`)."""
    marks: dict[str, bool] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            meta = (output.get("metadata") or {}).get(SIMULATED_KEY) or {}
            if meta.get("export"):
                marks[str(meta["export"])] = bool(meta.get("simulated"))
    return marks


def page_header(
    *,
    name: str,
    title: str,
    audience: str,
    simulated: bool,
    navigation: dict[str, Any] | None,
    exports: Sequence[str],
    report: tuple[str, str] | None = None,
    marks: dict[str, bool] | None = None,
) -> str:
    """The page's header: links (index, other version, report, previous and next), title, notes, its files.

    ``navigation`` holds ``previous`` and ``next`` as ``(run name, label)`` or None, and
    ``kind`` (``"site"``, ``"hypothese"``); ``exports`` the run's files, relative to the
    output root; ``report`` the ``(link, label)`` of the report's page that shows the
    run (:func:`report_pages`); ``marks`` which exports are simulated (:func:`export_marks`):
    a page that mixes real and simulated ones says which are which, and its file list marks
    them. Every text is escaped here.
    """
    marks = marks or {}
    other = "researchers" if audience == "reviewers" else "reviewers"
    other_label = "Version avec le code" if other == "researchers" else "Version sans le code"
    links = [
        '<a href="../index.html">Sommaire</a>',
        f'<a href="../{other}/{escape(name)}.html">{other_label}</a>',
    ]
    if report:
        links.append(f'<a href="{escape(report[0])}">Dans le rapport : {escape(report[1])}</a>')
    parts = ['<header class="odas-bandeau">', f'<nav aria-label="Navigation entre les pages">{"".join(links)}</nav>']
    neighbours = _neighbour_links(navigation or {})
    if neighbours:
        parts.append(f'<nav class="odas-voisins" aria-label="Pages voisines">{neighbours}</nav>')
    parts.append(f'<h1 class="odas-titre">{escape(title)}</h1>')
    if simulated:
        parts.append(MIXED_NOTE if set(marks.values()) == {True, False} else SIMULATED_NOTE)
    parts.append(TOC_MARKER)
    if exports:
        items = "".join(
            f'<li><a href="../../../{escape(rel)}">{escape(Path(rel).name)}</a> ({EXPORT_KINDS[Path(rel).suffix]})'
            f"{' — données simulées' if marks.get(Path(rel).stem) else ''}</li>"
            for rel in exports
        )
        parts.append(
            f'<details><summary>Fichiers de cette page ({len(exports)})</summary><ul class="odas-fichiers">{items}</ul></details>'
        )
    parts.append("</header>")
    return "\n".join(parts)


_NEIGHBOUR_WORDS = {
    "site": ("Site précédent", "Site suivant"),
    "hypothese": ("Hypothèse précédente", "Hypothèse suivante"),
}


def _neighbour_links(navigation: dict[str, Any]) -> str:
    words = _NEIGHBOUR_WORDS.get(navigation.get("kind", ""), ("Page précédente", "Page suivante"))
    links = []
    for key, word, arrow in (("previous", words[0], "← "), ("next", words[1], "")):
        target = navigation.get(key)
        if target:
            run_name, label = target
            after = "" if arrow else " →"
            links.append(
                f'<a href="{escape(run_name)}.html" rel="{"prev" if arrow else "next"}">{arrow}{word} : {escape(label)}{after}</a>'
            )
    return "".join(links)


REPORT_FROM_PAGE = "../../report/"
"""The report as seen from a page: ``build/report/`` beside ``build/html/`` (``odas-analysis report``'s default)."""
#: Links to the report, for one folder of sources (the leader reads one ``report/``).
_REPORT_PAGES: files.ByFileState[dict[str, tuple[str, str]]] = files.ByFileState(maxsize=1)


def _report_label(page: Any) -> str:
    """« le chapitre « Synthèse » », « l'annexe « Angers » »: no number, which a new chapter would shift."""
    from ..publication.typography import fr

    word = "le chapitre" if page.kind == "chapitre" else "l'annexe"
    return f"{word} «\u00a0{fr(page.title)}\u00a0»"


def report_pages(sources: Path | None = None) -> dict[str, tuple[str, str]]:
    """``run name -> (link from a page, label)`` of the report page that shows the run's exports.

    Read from the report's sources (default ``report/``) as ``odas-analysis report`` reads
    them (:func:`odas_analysis.publication.html.run_pages`), once per process and state
    of their files (a session that edits ``report/`` gets the new links). Empty when the
    sources cannot be read: a page then simply has no link to the report.
    """
    from ..publication.book import REPORT_DIR, load_book, plan_pages
    from ..publication.html import run_pages

    sources = Path(sources) if sources is not None else REPORT_DIR

    def read() -> dict[str, tuple[str, str]]:
        try:
            shown = run_pages(plan_pages(load_book(sources), sources))
        except Exception:  # noqa: BLE001 - sources with problems are the report's to refuse; a page just loses the link
            shown = {}
        return {run: (REPORT_FROM_PAGE + page.href, _report_label(page)) for run, page in shown.items()}

    # the files are part of the stamp: a file added or removed reads the sources again
    return _REPORT_PAGES.get(str(sources.resolve()), sorted(p for p in sources.rglob("*") if p.is_file()), read)


def page_exports(paths: Iterable[str]) -> list[str]:
    """The files among ``paths`` (relative to the output root) that the page links, sorted."""
    return sorted(p for p in paths if Path(p).suffix in EXPORT_KINDS)


def _table_of_contents(body: str) -> str:
    """An in-page table of contents from the page's second-level headings (none if fewer than two)."""
    entries = [(anchor, _TAGS.sub("", text).strip()) for anchor, text in _H2.findall(body)]
    if len(entries) < 2:
        return ""
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in entries)  # both escaped by nbconvert
    return f'<details open><summary>Sur cette page</summary><nav aria-label="Sur cette page"><ol>{items}</ol></nav></details>'


def _page_copy(nb: Any) -> Any:
    """A copy of ``nb`` that the page may edit: its metadata and its list of cells are its own.

    The cells are shared with ``nb``: :func:`_drop_first_heading` replaces the one it edits
    (nbconvert deep-copies the notebook again before its preprocessors).
    """
    page = copy.copy(nb)
    page.metadata = copy.copy(nb.metadata)
    page.cells = list(nb.cells)
    return page


def _drop_first_heading(nb: Any) -> None:
    """Remove the notebook's own main heading (« Fiche de site »): the page's title replaces it.

    The cell is replaced by an edited copy (``nb`` may share its cells: :func:`_page_copy`).
    """
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "markdown":
            continue
        lines = cell.source.splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and lines[first].startswith("# "):
            nb.cells[index] = copy.copy(cell)
            nb.cells[index].source = "\n".join(lines[:first] + lines[first + 1 :]).lstrip("\n")
        return


_exporters: dict[str, Any] = {}


def mark_simulated(note: str | None = None) -> None:
    """Mark the running notebook as built on simulated data, and say so in it.

    Displays a "Données simulées" notice carrying the output metadata
    ``{"odas": {"simulated": true}}``, which :func:`is_simulated` reads when the page is
    rendered. Outside a notebook it does nothing.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is None:
        return
    text = "Données simulées" + (f" : {note}" if note else "")
    html = f'<p class="odas-simule" role="note"><strong>Données simulées</strong>{escape(" : " + note) if note else ""}</p>'
    display({"text/html": html, "text/plain": text}, metadata={SIMULATED_KEY: {"simulated": True}}, raw=True)


def is_simulated(nb: Any) -> bool:
    """True when the notebook's metadata or one of its outputs marks simulated data."""
    meta = (nb.get("metadata") or {}).get(SIMULATED_KEY) or {}
    if meta.get("simulated"):
        return True
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            if ((output.get("metadata") or {}).get(SIMULATED_KEY) or {}).get("simulated"):
                return True
    return False


def exporter_options(audience: str) -> dict[str, Any]:
    """nbconvert's ``HTMLExporter`` options of the page for ``audience`` (the lab template, ours on top)."""
    from jinja2 import DictLoader

    code = audience == "researchers"
    return {
        "template_name": "lab",
        "extra_loaders": [DictLoader({"odas.html.j2": _PAGE_TEMPLATE})],
        "template_file": "odas.html.j2",
        "exclude_input": not code,
        "exclude_input_prompt": not code,
        "exclude_output_prompt": True,
        "embed_images": True,
        "language_code": "fr",
        # the notebook is validated once, after the preprocessors, not after each of them
        "optimistic_validation": True,
    }


def exporters() -> dict[str, Any]:
    """The two HTML exporters (built once per process): ``reviewers`` and ``researchers``."""
    if _exporters:
        return _exporters
    from .exporter import page_exporter

    for audience in AUDIENCES:
        exporter = page_exporter(**exporter_options(audience))
        exporter.register_preprocessor(tag_preprocessor(), enabled=True)
        _exporters[audience] = exporter
    return _exporters


def tag_preprocessor() -> Any:
    """The preprocessor of the cell tags both versions honour (``remove-cell``, ``hide-input``, ``hide-output``)."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    return TagRemovePreprocessor(
        remove_cell_tags={"remove-cell", "remove_cell"},
        remove_input_tags={"hide-input", "hide_input"},
        remove_all_outputs_tags={"hide-output", "hide_output"},
        enabled=True,
    )


def warm_up() -> None:
    """Build the exporters and render a small page once (templates load lazily)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Préchauffage"),
        nbformat.v4.new_code_cell(
            "1",
            execution_count=1,
            outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)],
        ),
    ]
    for audience in AUDIENCES:
        render_page(nb, name="warm-up", title="Préchauffage", audience=audience, report=None)


FROM_SOURCES = object()
"""Default of :func:`render_page`'s ``report``: read the report's page from its sources."""


def render_page(
    nb: Any,
    *,
    name: str,
    title: str,
    audience: str,
    simulated: bool | None = None,
    navigation: dict[str, Any] | None = None,
    exports: Sequence[str] = (),
    report_sources: Path | None = None,
    report: tuple[str, str] | None | object = FROM_SOURCES,
) -> str:
    """Return the standalone HTML page of an executed notebook for ``audience``.

    Parameters
    ----------
    nb
        The executed notebook (a ``NotebookNode``); it is not modified.
    name
        The run's output name; the page links to its other version by it.
    title
        The page title (``<title>`` and main heading), e.g. "Site : Angers"; the
        notebook's own main heading is replaced by it.
    audience
        ``"reviewers"`` (no code) or ``"researchers"`` (code shown).
    simulated
        Show the "Données simulées" banner; by default from :func:`is_simulated`.
    navigation
        Previous and next pages of the same kind (see :func:`page_header`).
    exports
        The run's figure and table files, relative to the output root, to link.
    report_sources
        The report's sources (default ``report/``), which tell the page of the report
        that shows this run (:func:`report_pages`), linked from the header.
    report
        That page's ``(link, label)`` when the caller already has it (a batch's job
        carries it from the leader), or None for no link; by default read from
        ``report_sources``.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    nb = _page_copy(nb)
    simulated = is_simulated(nb) if simulated is None else simulated
    _drop_first_heading(nb)
    nb.metadata["title"] = title
    header = page_header(
        name=name,
        title=title,
        audience=audience,
        simulated=simulated,
        navigation=navigation,
        exports=page_exports(exports),
        report=report_pages(report_sources).get(name) if report is FROM_SOURCES else report,
        marks=export_marks(nb),
    )
    resources = {"metadata": {"name": title}, "odas": {"css": _CSS, "header": header}}
    body, _ = exporters()[audience].from_notebook_node(nb, resources=resources)
    return body.replace(TOC_MARKER, _table_of_contents(body), 1)


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_SECTIONS = (
    ("site", "Sites"),
    ("hypothese", "Hypothèses"),
    ("methodologie", "Méthodologie"),
    ("synthese", "Synthèse"),
    ("territoire", "Territoires"),
)


def index_html(entries: dict[str, dict[str, Any]]) -> str:
    """Return the French index page linking every page that exists.

    ``entries`` are the manifest's runs (name -> entry with ``kind``, ``title``,
    ``outputs``, ``status``, ``simulated``). The page is the same bytes for the same
    entries: no date, sorted by section then title.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        "<title>Cohésion sociale et territoires : analyses par site et par hypothèse</title>",
        "<style>",
        "body { font-family: 'DejaVu Sans', Arial, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em;"
        " color: #1c2833; line-height: 1.45; }",
        "h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #d5d8dc; }",
        "li { margin: 0.35em 0; } .code { font-size: 0.9em; margin-left: 0.6em; }",
        ".simule { background: #fdebd0; border-left: 4px solid #d68910; padding: 0 0.4em; font-size: 0.85em; }",
        ".echec { color: #c0392b; font-size: 0.85em; }",
        "</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>Cohésion sociale et territoires : analyses par site et par hypothèse</h1>",
        "<p>Recherche-action de l'Odas (2015-2017). Chaque page existe en deux versions : "
        "sans le code, pour la lecture, et avec le code, pour les chercheurs qui veulent "
        "vérifier les calculs.</p>",
        '<p>Le <a href="../report/index.html">rapport publié</a> (construit par <code>make report</code>) '
        "reprend leurs figures et tableaux ; chaque page renvoie au chapitre ou à l'annexe qui les montre.</p>",
    ]
    for kind, heading in _SECTIONS:
        if kind == "territoire":  # up to 1,747 pages: grouped, with a filter box (see .territories)
            from .territories import INDEX_CSS, manifest_section

            section = manifest_section(entries, heading)
            if section:
                parts.insert(parts.index("</style>"), INDEX_CSS)
                parts += section
            continue
        items = []
        for name, entry in entries.items():
            outputs = entry.get("outputs") or {}
            if entry.get("kind") != kind or not outputs.get("html_reviewers"):
                continue
            items.append((_sort_key(entry.get("title", name)) if kind == "site" else name, name, entry))
        if not items:
            continue
        parts.append(f"<h2>{escape(heading)}</h2>")
        parts.append("<ul>")
        for _key, name, entry in sorted(items):
            outputs = entry["outputs"]
            title = entry.get("title", name)
            label = title.split(" : ", 1)[1] if kind == "site" and " : " in title else title
            reviewers = Path(outputs["html_reviewers"]).name
            line = f'<li><a href="reviewers/{escape(reviewers)}">{escape(label)}</a>'
            if outputs.get("html_researchers"):
                researchers = Path(outputs["html_researchers"]).name
                line += f' <a class="code" href="researchers/{escape(researchers)}">(avec le code)</a>'
            if entry.get("simulated"):
                line += ' <span class="simule">contient des données simulées</span>'
            if entry.get("status") == "failed":
                line += ' <span class="echec">dernière exécution en échec : page précédente</span>'
            parts.append(line + "</li>")
        parts.append("</ul>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def write_index(layout: Any, entries: dict[str, dict[str, Any]]) -> Path:
    """Write ``index.html`` for the runs whose reviewers' page exists; return its path."""

    present = {
        name: entry
        for name, entry in entries.items()
        if (entry.get("outputs") or {}).get("html_reviewers")
        and (layout.root / entry["outputs"]["html_reviewers"]).is_file()
    }
    files.write_bytes(layout.index, index_html(present).encode("utf-8"))
    return layout.index
