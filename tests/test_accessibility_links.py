"""Alternative texts reach every page, and the batch pages and the report link each other.

* The batch pages of the committed, executed notebooks: every image carries the French
  ``alt`` of ``export.figure``, never nbconvert's English fallback.
* The report: every figure's ``alt`` is the one of its ``.json`` sidecar.
* Links: the fixture batch with its pages under ``build/html/`` and the report built in
  ``build/report/`` (the defaults): each batch page links the report page that shows its
  run, each figure and table of the report links the batch page of its run, and no link
  of either is broken (the link checker of ``test_report_links``).
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)
from test_report_links import check_links

from odas_analysis.batch import exporter, pages
from odas_analysis.config import PROJECT_ROOT
from odas_analysis.publication.typography import fr

NOTEBOOKS = PROJECT_ROOT / "notebooks"
ENGLISH_ALT = "No description has been provided"


class _Images(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.alts: list[str | None] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.alts.append(attrs.get("alt"))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _parse(text: str) -> _Images:
    parser = _Images()
    parser.feed(text)
    return parser


@pytest.mark.parametrize("kind", ["site", "hypothese", "methodologie", "synthese"])
def test_every_image_of_the_batch_pages_has_its_french_alt(kind):
    import nbformat

    nb = nbformat.read(NOTEBOOKS / f"{kind}.ipynb", as_version=4)
    for audience in pages.AUDIENCES:
        text = pages.render_page(nb, name=kind, title=kind, audience=audience, report_sources=fx.SOURCES)
        alts = _parse(text).alts
        assert alts, f"{kind} ({audience}) : aucune figure"
        assert ENGLISH_ALT not in text
        assert exporter.NO_ALT not in text  # every figure of the notebooks is shown by export.figure
        assert all(alt and len(alt) >= 10 and re.search(r"[a-zéèàç]{3} ", alt) for alt in alts), alts


def test_an_image_without_alt_gets_a_french_one():
    import nbformat

    nb = nbformat.v4.new_notebook()
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    nb.cells = [
        nbformat.v4.new_code_cell(
            "fig",
            execution_count=1,
            outputs=[nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})],
        )
    ]
    text = pages.render_page(nb, name="essai", title="Essai", audience="reviewers", report_sources=fx.SOURCES)
    assert ENGLISH_ALT not in text and exporter.NO_ALT in text


def test_the_report_figures_take_the_alt_of_their_sidecar():
    _, result = fx.shared_build()
    seen = {}
    for page in sorted(result.out.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert ENGLISH_ALT not in text
        for match in re.finditer(r'<img src="figures/([^/]+)/([^."]+)\.svg" alt="([^"]*)"', text):
            seen[(match[1], match[2])] = html.unescape(match[3])
    assert seen, "aucune figure dans le rapport"
    for (run, name), alt in seen.items():
        assert alt == fr(fx.alt_text(run, name)), (run, name, alt)  # with the report's French typography


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """The fixture batch with its pages (every run) and the report in its default place, ``build/report``."""
    import nbformat

    root = fx.make_batch(tmp_path_factory.mktemp("lies") / "lot")
    manifest_path = root / "build" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Carnet d'essai\n\n## Première partie\n\n## Seconde partie")]
    for name, entry in manifest["runs"].items():
        for audience in pages.AUDIENCES:
            path = root / "build" / "html" / audience / f"{name}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            exports = [*entry["outputs"]["figures"], *entry["outputs"]["tables"]]
            text = pages.render_page(
                nb, name=name, title=name, audience=audience, exports=exports, report_sources=fx.SOURCES
            )
            path.write_text(text, encoding="utf-8")
            entry["outputs"][f"html_{audience}"] = path.relative_to(root).as_posix()
    manifest_path.write_text(json.dumps(manifest, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    (root / "build" / "html" / "index.html").write_text(pages.index_html(manifest["runs"]), encoding="utf-8")
    result = fx.build(root, root / "build" / "report")
    return root, result


def test_each_batch_page_links_its_report_page(linked):
    root, result = linked
    shown = {"site-angers": "annexe-site-angers.html", "hypothese-H1": "02-comparaison.html"}
    for run, report_page in shown.items():
        for audience in pages.AUDIENCES:
            links = _parse((root / "build" / "html" / audience / f"{run}.html").read_text(encoding="utf-8")).links
            assert f"../../report/{report_page}" in links, (run, audience, links)
            assert (result.out / report_page).is_file()


def test_each_report_export_links_the_batch_page_of_its_run(linked):
    _, result = linked
    text = (result.out / "annexe-site-angers.html").read_text(encoding="utf-8")
    links = _parse(text).links
    assert links.count("../html/reviewers/site-angers.html") >= 2  # its figure and its table
    comparison = _parse((result.out / "02-comparaison.html").read_text(encoding="utf-8")).links
    assert "../html/reviewers/hypothese-H1.html" in comparison


def test_no_link_between_the_batch_pages_and_the_report_is_broken(linked):
    root, result = linked
    assert len(list((root / "build").rglob("*.html"))) >= 15
    assert check_links(root) == []


def test_a_page_whose_report_sources_are_unreadable_has_no_report_link(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Carnet d'essai")]
    (tmp_path / "sommaire.toml").write_text("title = \n", encoding="utf-8")  # not TOML
    text = pages.render_page(
        nb, name="site-angers", title="Site : Angers", audience="reviewers", report_sources=tmp_path
    )
    assert "Dans le rapport" not in text and "../../report/" not in text
    linked = pages.render_page(
        nb, name="site-angers", title="Site : Angers", audience="reviewers", report_sources=fx.SOURCES
    )
    link = '<a href="../../report/annexe-site-angers.html">Dans le rapport : l\'annexe «\u00a0Angers\u00a0»</a>'
    assert link in html.unescape(linked)
