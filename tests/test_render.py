"""Tests of odas_analysis.batch.pages: the two page versions, the banner, the index."""

from __future__ import annotations

import nbformat
import pytest
from bs4 import BeautifulSoup

from odas_analysis.batch import pages as render
from odas_analysis.batch.cache import Layout


def _notebook(simulated_output: bool = False, simulated_meta: bool = False):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Titre\n\nUn récit."),
        nbformat.v4.new_code_cell(
            "x = 41 + 1\nprint(x)",
            execution_count=1,
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")],
        ),
        nbformat.v4.new_code_cell("secret = 1", execution_count=2, metadata={"tags": ["remove-cell"]}),
    ]
    if simulated_output:
        nb.cells[1].outputs.append(
            nbformat.v4.new_output(
                "display_data", data={"text/plain": "Données simulées"}, metadata={"odas": {"simulated": True}}
            )
        )
    if simulated_meta:
        nb.metadata["odas"] = {"simulated": True}
    return nb


def test_reviewers_page_has_no_code():
    html = render.render_page(_notebook(), name="site-x", title="Site : X", audience="reviewers")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.string == "Site : X"
    assert soup.html["lang"] == "fr"
    assert "42" in soup.get_text() and "Un récit." in soup.get_text()
    assert "41 + 1" not in html
    assert not soup.select(".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .highlight")
    assert soup.find("a", href="../index.html").get_text() == "Sommaire"
    assert soup.find("a", href="../researchers/site-x.html").get_text() == "Version avec le code"
    assert "<script src=" not in html and "cdnjs" not in html and "unpkg" not in html


def test_researchers_page_has_code_but_not_removed_cells():
    html = render.render_page(_notebook(), name="site-x", title="Site : X", audience="researchers")
    soup = BeautifulSoup(html, "html.parser")
    assert "41" in soup.select_one(".jp-CodeCell .jp-InputArea").get_text()
    assert "secret" not in html
    assert soup.find("a", href="../reviewers/site-x.html")


def test_render_does_not_modify_the_notebook():
    nb = _notebook()
    before = nbformat.writes(nb)
    render.render_page(nb, name="a", title="A", audience="reviewers")
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize(("out", "meta"), [(True, False), (False, True)])
def test_simulated_banner(out, meta):
    nb = _notebook(simulated_output=out, simulated_meta=meta)
    assert render.is_simulated(nb)
    html = render.render_page(nb, name="a", title="A", audience="reviewers")
    assert "Données simulées" in BeautifulSoup(html, "html.parser").select_one(".odas-simule").get_text()


def test_no_banner_for_real_data():
    nb = _notebook()
    assert not render.is_simulated(nb)
    assert 'class="odas-simule"' not in render.render_page(nb, name="a", title="A", audience="reviewers")


def test_mark_simulated_outside_a_notebook_is_silent(capsys):
    render.mark_simulated("essai")
    assert capsys.readouterr().out == ""


def test_unknown_audience():
    with pytest.raises(ValueError):
        render.render_page(_notebook(), name="a", title="A", audience="public")


def _entry(kind, title, simulated=False, status="done"):
    name = title.lower()
    return {
        "kind": kind,
        "title": title,
        "status": status,
        "simulated": simulated,
        "outputs": {
            "html_reviewers": f"build/html/reviewers/{name}.html",
            "html_researchers": f"build/html/researchers/{name}.html",
        },
    }


def test_index_sections_order_and_marks():
    entries = {
        "site-le-havre": _entry("site", "Site : Le Havre"),
        "site-angers": _entry("site", "Site : Angers"),
        "site-elbeuf": _entry("site", "Site : Élbeuf", status="failed"),
        "hypothese-H2": _entry("hypothese", "Hypothèse H2 : Coopération"),
        "hypothese-H1": _entry("hypothese", "Hypothèse H1 : Convergence"),
        "methodologie": _entry("methodologie", "Méthodologie", simulated=True),
        "synthese": _entry("synthese", "Synthèse"),
    }
    html = render.index_html(entries)
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text() for h in soup.find_all("h2")] == ["Sites", "Hypothèses", "Méthodologie", "Synthèse"]
    sites = [li.a.get_text() for li in soup.find_all("ul")[0].find_all("li")]
    assert sites == ["Angers", "Élbeuf", "Le Havre"]  # accents sort as their letter
    hyps = [li.a.get_text() for li in soup.find_all("ul")[1].find_all("li")]
    assert hyps == ["Hypothèse H1 : Convergence", "Hypothèse H2 : Coopération"]
    assert "données simulées" in soup.find_all("ul")[2].get_text()
    assert "échec" in soup.find_all("ul")[0].get_text()
    assert html == render.index_html(dict(reversed(list(entries.items()))))  # byte-stable


def test_write_index_lists_only_existing_pages(tmp_path):
    layout = Layout(tmp_path)
    entries = {"site-angers": _entry("site", "Site : Angers"), "site-arras": _entry("site", "Site : Arras")}
    page = tmp_path / entries["site-angers"]["outputs"]["html_reviewers"]
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    soup = BeautifulSoup(render.write_index(layout, entries).read_text(), "html.parser")
    assert [a.get_text() for a in soup.select("li > a:first-child")] == ["Angers"]


def _sectioned_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Fiche de site\n\nUn récit."),
        nbformat.v4.new_markdown_cell("## Le site\n\nTexte."),
        nbformat.v4.new_markdown_cell("## Le territoire & ses indicateurs\n\nTexte."),
    ]
    return nb


def test_page_title_heading_neighbours_contents_and_files():
    navigation = {"kind": "site", "previous": ("site-angers", "Angers"), "next": ("site-bordeaux", "Bordeaux")}
    exports = ["figures/site-arras/evolution.svg", "figures/site-arras/evolution.png", "tables/site-arras/indice.csv"]
    exports += ["tables/site-arras/indice.md", "tables/site-arras/indice.xlsx"]
    html = render.render_page(
        _sectioned_notebook(),
        name="site-arras",
        title="Site : Arras",
        audience="reviewers",
        navigation=navigation,
        exports=exports,
    )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.string == "Site : Arras"
    assert [h.get_text() for h in soup.find_all("h1")] == ["Site : Arras"]  # « Fiche de site » replaced
    assert soup.find("main") is not None
    prev, nxt = soup.select(".odas-voisins a")
    assert (prev["href"], prev["rel"], prev.get_text()) == ("site-angers.html", ["prev"], "← Site précédent : Angers")
    assert (nxt["href"], nxt.get_text()) == ("site-bordeaux.html", "Site suivant : Bordeaux →")
    contents = soup.find("nav", attrs={"aria-label": "Sur cette page"})
    assert [a.get_text() for a in contents.find_all("a")] == ["Le site", "Le territoire & ses indicateurs"]
    for a in contents.find_all("a"):
        assert soup.find(id=a["href"][1:]) is not None  # each entry leads to its heading
    files = {a.get_text(): a["href"] for a in soup.select(".odas-fichiers a")}
    assert files == {
        "evolution.png": "../../../figures/site-arras/evolution.png",
        "evolution.svg": "../../../figures/site-arras/evolution.svg",
        "indice.csv": "../../../tables/site-arras/indice.csv",
        "indice.xlsx": "../../../tables/site-arras/indice.xlsx",
    }


def test_injected_html_in_a_title_or_label_is_shown_as_text():
    attack = '<img src=x onerror="alert(1)">'
    navigation = {"kind": "hypothese", "previous": None, "next": ("hypothese-H2", f"Hypothèse H2 : {attack}")}
    html = render.render_page(
        _sectioned_notebook(),
        name="hypothese-H1",
        title=f"Hypothèse H1 : {attack}",
        audience="researchers",
        navigation=navigation,
    )
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find("img", src="x")
    assert attack in soup.find("h1").get_text() and attack in soup.title.string
    entries = {"hypothese-H1": _entry("hypothese", f"Hypothèse H1 : {attack}")}
    index = BeautifulSoup(render.index_html(entries), "html.parser")
    assert not index.find("img") and attack in index.get_text()
    assert index.html["lang"] == "fr" and index.find("main").find("h1")


def test_the_report_links_follow_an_edited_report_in_the_same_process(tmp_path):
    """``report_pages`` is cached per state of the report's files, not per path."""
    import os
    import shutil

    from odas_analysis.publication.book import REPORT_DIR

    sources = tmp_path / "report"
    shutil.copytree(REPORT_DIR, sources)
    before = render.report_pages(sources)
    contents = sources / "sommaire.toml"
    text = contents.read_text(encoding="utf-8")
    block = '[[chapitre]]\nfile = "chapitres/10-synthese.md"\n'
    assert block in text
    contents.write_text(text.replace(block, ""), encoding="utf-8")
    past = contents.stat().st_mtime_ns - 10_000_000_000  # not a file just written: its state is trusted
    os.utime(contents, ns=(past, past))
    after = render.report_pages(sources)
    assert before["synthese"][0].endswith("10-synthese.html")
    assert not after["synthese"][0].endswith("10-synthese.html") and "site-angers" in after
    assert render.report_pages(sources) is after  # the same state is read once
