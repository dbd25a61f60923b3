"""The published report, built from a small fixture batch (tests/fixtures/report/)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)

from odas_analysis import cli
from odas_analysis.publication import ReportError, pdf_available
from odas_analysis.publication.assets import png_dpi


@pytest.fixture(scope="module")
def built():
    root, result = fx.shared_build()
    return root, result


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _exports(out: Path) -> list[dict[str, str]]:
    with open(out / "exports.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- the build


def test_every_chapter_and_site_appendix_is_a_page(built):
    _, result = built
    out = result.out
    assert [p.href for p in result.pages] == [
        "01-introduction.html",
        "02-comparaison.html",
        "annexe-site-angers.html",
        "annexe-site-bordeaux.html",
        "reproductibilite.html",
    ]
    assert [p.label for p in result.pages] == ["Chapitre 1", "Chapitre 2", "Annexe A", "Annexe B", "Annexe C"]
    for page in result.pages:
        assert (out / page.href).is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in result.pages:
        assert f'href="{page.href}"' in index
    assert "Angers" in (out / "annexe-site-angers.html").read_text(encoding="utf-8")


def test_every_reference_resolves_to_a_published_file(built):
    root, result = built
    out = result.out
    rows = _exports(out)
    assert len(rows) == result.figures + result.tables == 9
    for row in rows:
        files = row["fichiers"].split(";")
        for rel in files:
            assert (out / rel).is_file(), rel
        # the export is published unchanged, and its hash is the notebook's file's
        primary = out / files[0]
        assert _sha(primary) == row["sha256"] == _sha(root / files[0])
        assert _sha(out / files[1]) == row["sha256_impression"]
        page, _, anchor = row["page"].partition("#")
        assert f'id="{anchor}"' in (out / page).read_text(encoding="utf-8")


def test_numbering_is_per_chapter_and_stable(built):
    _, result = built
    numbers = [(r["numero"], r["reference"]) for r in _exports(result.out)]
    assert numbers == [
        ("Figure 2.1", "figures/synthese/comparaison"),
        ("Tableau 2.1", "tables/synthese/sites"),
        ("Figure 2.2", "figures/hypothese-H1/verdict"),
        ("Tableau 2.2", "tables/hypothese-H1/tests"),
        ("Tableau 2.3", "tables/hypothese-H1/grille"),
        ("Figure A.1", "figures/site-angers/territoire"),
        ("Tableau A.1", "tables/site-angers/indicateurs"),
        ("Figure B.1", "figures/site-bordeaux/territoire"),
        ("Tableau B.1", "tables/site-bordeaux/indicateurs"),
    ]
    intro = (result.out / "01-introduction.html").read_text(encoding="utf-8")
    # cross-references by label read the number and link to the figure
    assert '<a class="renvoi" href="02-comparaison.html#fig-comparaison">figure 2.1</a>' in intro
    assert 'href="02-comparaison.html#tab-sites">Tableau 2.1 (Les sites d’essai et leurs indicateurs)' in intro


def test_same_exports_give_byte_identical_report(built, tmp_path):
    root, result = built
    again = fx.build(root, tmp_path / "again")
    first = {p.relative_to(result.out).as_posix(): p.read_bytes() for p in result.out.rglob("*") if p.is_file()}
    second = {p.relative_to(again.out).as_posix(): p.read_bytes() for p in again.out.rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    different = [k for k in first if first[k] != second[k]]
    assert not different


def test_captions_sources_and_notebook_under_each_figure(built):
    _, result = built
    html = (result.out / "annexe-site-angers.html").read_text(encoding="utf-8")
    assert '<span class="numero">Figure A.1</span> — Angers face à son département' in html
    assert (
        "<strong>Source</strong>\u00a0: INSEE, Filosofi 2016 (essai) — "
        "carnet notebooks/site.ipynb, exécution site-angers" in html
    )
    assert 'href="tables/site-angers/indicateurs.xlsx"' in html and 'href="figures/site-angers/territoire.png"' in html


def test_tables_are_rendered_from_the_csv_in_french(built):
    _, result = built
    html = (result.out / "02-comparaison.html").read_text(encoding="utf-8")
    assert '<td class="nombre">154\u202f508</td>' in html  # thin-space thousands
    assert '<td class="nombre">18,3</td>' in html  # decimal comma, decimals of the export
    assert '<td class="code">49007</td>' in html  # an INSEE code is left alone
    assert "<td>n.d.</td>" in html  # missing value
    assert "<td>à suivre\u202f?</td>" in html  # prose cell typography
    assert "<td>49007</td>" in html  # a number in a column mixing text and numbers is left as written
    site = (result.out / "annexe-site-angers.html").read_text(encoding="utf-8")
    assert '<td class="code">2016</td>' in site  # a year (column forced with :code:) untouched
    assert '<td class="nombre">\u221220\u202f150,50</td>' not in site
    assert '<td class="nombre">\u22120,50</td>' in site  # true minus sign


def test_wide_tables_on_screen_scroll_with_a_cue(built):
    _, result = built
    html = (result.out / "02-comparaison.html").read_text(encoding="utf-8")
    grid = html[html.index('id="tableau-hypothese-h1-grille"') :]
    grid = grid[: grid.index("</figure>")]
    assert '<p class="indice-defilement">Tableau large : faites-le défiler horizontalement' in grid
    assert '<div class="defilement" role="region" tabindex="0" aria-label="Tableau 2.3, défilement horizontal">' in grid
    assert '<th scope="row" class="code">angers</th>' in grid  # the key column heads its row
    narrow = html[html.index('id="tab-sites"') :]
    assert "indice-defilement" not in narrow[: narrow.index("</figure>")]  # a table that fits says nothing
    css = (result.out / "style.css").read_text(encoding="utf-8")
    assert ".defilement tr > :first-child { position: sticky; left: 0;" in css


def test_french_typography_in_prose(built):
    _, result = built
    html = (result.out / "01-introduction.html").read_text(encoding="utf-8")
    assert "Introduction\u00a0: pourquoi un essai\u202f?" in html
    assert "«\u202fguillemets\u202f»" in html and "12\u202f%" in html and "2\u202f000 communes" in html
    assert "notes…" in html
    # an autolink keeps its URL as written
    assert '<a href="https://example.org/?q=1">https://example.org/?q=1</a>' in html


def test_the_reader_reads_carnet_not_notebook(built):
    """The prose, captions, source lines and appendix tables say « carnet » (paths keep their name)."""
    _, result = built
    for page in [*result.pages, None]:
        html = (result.out / (page.href if page else "rapport-complet.html")).read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", " ", html)
        text = re.sub(r"\S*notebooks/\S*", " ", text)
        assert not re.search(r"\bnotebooks?\b", text, re.I), (page, re.findall(r".{40}notebook.{40}", text, re.I))


def test_simulated_notice_on_pages_with_simulated_exports_only(built):
    _, result = built
    for page in result.pages:
        html = (result.out / page.href).read_text(encoding="utf-8")
        has_notice = '<p class="simule" role="note"><strong>Données simulées</strong>' in html
        assert has_notice == (page.href == "02-comparaison.html"), page.href
    rows = {r["reference"]: r["donnees_simulees"] for r in _exports(result.out)}
    assert rows["figures/hypothese-H1/verdict"] == "oui" and rows["figures/synthese/comparaison"] == "non"


def test_print_forms_png_300_dpi_and_xlsx(built):
    _, result = built
    png = (result.out / "figures/site-angers/territoire.png").read_bytes()
    assert round(png_dpi(png)) == 300
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        assert im.size[0] >= 7 * 300 - 2  # the 7-inch project figure at 300 dpi
    from openpyxl import load_workbook

    wb = load_workbook(result.out / "tables/synthese/sites.xlsx")
    ws = wb["tableau"]
    assert [c.value for c in ws[1]] == ["site_id", "insee_code", "population", "taux_pauvrete", "remarque", "valeur"]
    assert ws["F2"].value == "49007"
    assert ws["B2"].value == "49007" and ws["C2"].value == 154508 and ws["D2"].value == pytest.approx(18.3)
    assert ws["D2"].number_format == "0.0"
    meta = dict((r[0].value, r[1].value) for r in wb["source"].iter_rows())
    assert meta["tableau"] == "Tableau 2.1" and meta["export"] == "tables/synthese/sites"
    with zipfile.ZipFile(result.out / "tables/synthese/sites.xlsx") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_reproducibility_appendix_lists_versions_hashes_and_manifest(built):
    root, result = built
    html = (result.out / "reproductibilite.html").read_text(encoding="utf-8")
    assert hashlib.sha256((fx.DATA / "essai.csv").read_bytes()).hexdigest() in html
    assert "<code>site-angers</code>" in html and "papermill" in html and "weasyprint" in html
    assert "<td>faite</td>" in html and "<td>done</td>" not in html  # the run's state in French
    assert "ODAS2019" in html  # the sources table
    assert json.loads((result.out / "manifest.json").read_text()) == json.loads(
        (root / "build/manifest.json").read_text()
    )
    assert "Tableau B.1" in html  # the list of figures and tables


def test_print_edition_has_one_section_per_page_with_unique_ids(built):
    _, result = built
    html = (result.out / "rapport-complet.html").read_text(encoding="utf-8")
    import re

    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for page in result.pages:
        assert f'<section class="chapitre" id="{page.slug}">' in html
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids, target


# --------------------------------------------------------------------------- failures


def _manifest(root: Path) -> dict:
    return json.loads((root / "build/manifest.json").read_text())


def _save_manifest(root: Path, manifest: dict) -> None:
    (root / "build/manifest.json").write_text(json.dumps(manifest))


def test_missing_export_fails_with_the_reference_and_chapter(tmp_path):
    root = fx.copy_batch(tmp_path / "batch")
    (root / "figures/site-bordeaux/territoire.svg").unlink()
    with pytest.raises(ReportError) as info:
        fx.build(root, tmp_path / "out")
    text = str(info.value)
    assert "figure manquante figures/site-bordeaux/territoire" in text
    assert "Figure B.1" in text and "annexe b « Bordeaux »" in text
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_failed_build_leaves_the_previous_report(tmp_path):
    root = fx.copy_batch(tmp_path / "batch")
    fx.build(root, tmp_path / "out")
    (root / "tables/synthese/sites.csv").unlink()
    with pytest.raises(ReportError, match="tables/synthese/sites"):
        fx.build(root, tmp_path / "out")
    assert (tmp_path / "out/tables/synthese/sites.csv").is_file()


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("failed", "la dernière exécution de site-angers a échoué (NameError: x)"),
        ("absent", "l'exécution site-angers n'est pas dans manifest.json"),
        ("leftover", "ne fait pas partie des sorties de la dernière exécution de site-angers"),
        ("notebook", "le carnet notebooks/site.ipynb a changé depuis la dernière exécution de site-angers"),
        ("data", "les données lues par site-angers ont changé depuis sa dernière exécution"),
    ],
)
def test_stale_exports_fail_with_the_reason(tmp_path, breakage, expected):
    root = fx.copy_batch(tmp_path / "batch")
    manifest = _manifest(root)
    entry = manifest["runs"]["site-angers"]
    data_dir = fx.DATA
    if breakage == "failed":
        entry.update(status="failed", error="Traceback...\nNameError: x")
    elif breakage == "absent":
        del manifest["runs"]["site-angers"]
    elif breakage == "leftover":
        entry["outputs"]["figures"] = [f for f in entry["outputs"]["figures"] if "territoire" not in f]
    elif breakage == "notebook":
        (root / "notebooks/site.ipynb").write_text('{"cells": [1]}')
    elif breakage == "data":
        import shutil

        data_dir = tmp_path / "data"
        shutil.copytree(fx.DATA, data_dir)
        (data_dir / "essai.csv").write_text("site_id,valeur\nangers,10\nbordeaux,2\n")
    _save_manifest(root, manifest)
    with pytest.raises(ReportError) as info:
        fx.build(root, tmp_path / "out", data_dirs=[data_dir])
    text = str(info.value)
    assert expected in text
    # one line for the run, naming what it spoils and the command that fixes it
    lines = [line for line in text.splitlines() if "site-angers" in line]
    assert len(lines) == 1, text
    assert lines[0].startswith("  - exécution site-angers périmée : ")
    assert "Figure A.1" in lines[0] and "annexe a" in lines[0]
    assert "lancez `make reports` (ou `odas-analysis run --only site-angers`)" in lines[0]
    if breakage in ("failed", "absent", "leftover", "data"):
        # site-bordeaux's exports are not affected (by a change of Angers' rows, say)
        assert "site-bordeaux" not in text


def test_no_manifest_means_nothing_is_fresh(tmp_path):
    root = fx.copy_batch(tmp_path / "batch")
    (root / "build/manifest.json").unlink()
    with pytest.raises(ReportError, match="aucun manifeste de lot") as info:
        fx.build(root, tmp_path / "out")
    # one line for the whole batch, not one per reference
    assert len(info.value.problems) == 1 and "make reports" in info.value.problems[0]


def _sources_with(tmp_path: Path, chapter_text: str) -> Path:
    import shutil

    sources = tmp_path / "sources"
    shutil.copytree(fx.SOURCES, sources)
    (sources / "chapitres/01-introduction.md").write_text("# Introduction\n\nSans renvoi.\n", encoding="utf-8")
    (sources / "chapitres/02-comparaison.md").write_text(chapter_text, encoding="utf-8")
    return sources


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# T\n\n```{figure} figures/synthese/comparaison\n:source: X\n```\n", "n'a pas d'option :caption:"),
        ("# T\n\n```{graphique} figures/synthese/comparaison\n```\n", "directive inconnue {graphique}"),
        ("# T\n\n```{table} tables/synthese/sites\n:caption: C\n```\n", "n'a pas d'option :source:"),
        ("Pas de titre.\n", "pas de titre"),
        (
            "# T\n\n```{figure} tables/synthese/sites\n:caption: C\n:source: S\n```\n",
            "est un tableau, appelé comme une figure",
        ),
        ("# T\n\n```{figure} synthese/comparaison\n:caption: C\n:source: S\n```\n", "n'est pas un nom d'export"),
        ("# T\n\n{numref}`fig-inconnue`\n", "ne nomme l'étiquette d'aucune figure"),
        (
            "# T\n\n```{figure} figures/synthese/absente\n:caption: C\n:source: S\n```\n",
            "pas de fichier figures/synthese/absente.svg sous",
        ),
    ],
)
def test_source_problems_are_named_with_their_place(tmp_path, text, expected):
    root, _ = fx.shared_build()
    with pytest.raises(ReportError) as info:
        fx.build(root, tmp_path / "out", sources=_sources_with(tmp_path, text))
    assert expected in str(info.value)
    assert "chapitres/02-comparaison.md" in str(info.value)


def test_unknown_site_is_refused(tmp_path):
    root, _ = fx.shared_build()
    with pytest.raises(ReportError, match="site inconnu : paris ; sites valides : angers"):
        fx.build(root, tmp_path / "out", sites=["paris"])


# --------------------------------------------------------------------------- CLI and PDF


def test_cli_report_builds_and_reports_problems(tmp_path, capsys):
    root = fx.copy_batch(tmp_path / "batch")
    args = [
        "report",
        "--root",
        str(root),
        "--sources",
        str(fx.SOURCES),
        "--out",
        str(tmp_path / "out"),
        "--data-dir",
        str(fx.DATA),
        "--site",
        "angers",
        "--site",
        "bordeaux",
        "--no-pdf",
    ]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "2 chapitre(s), 3 annexe(s), 4 figure(s), 5 tableau(x)" in printed
    # one progress line per step, each with the time elapsed since the start
    progress = [line for line in printed.splitlines() if line.startswith("rapport : ") and line.endswith(")")]
    assert len(progress) >= 4, printed
    assert all(re.search(r"\(\d+,\d\u202fs\)$|\(\d+\u202fs\)$|min", line) for line in progress), progress
    (root / "figures/synthese/comparaison.svg").unlink()
    assert cli.main(args) == 2
    assert "figures/synthese/comparaison" in capsys.readouterr().err


def test_pdf_edition(tmp_path):
    ok, why = pdf_available()
    if not ok:
        if __import__("os").environ.get("ODAS_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    root, _ = fx.shared_build()
    first = fx.build(root, tmp_path / "a", pdf=True)
    pdf = first.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    second = fx.build(root, tmp_path / "b", pdf=True)
    assert second.pdf.read_bytes() == pdf  # no date in the PDF either


def test_without_cairo_the_exported_png_is_used_and_said(tmp_path, monkeypatch):
    import odas_analysis.publication.assets as report

    def no_cairo(svg, png=None, **_):
        raise OSError("no library called cairo was found")

    monkeypatch.setattr(report, "png_300dpi", no_cairo)
    root, _ = fx.shared_build()
    result = fx.build(root, tmp_path / "out", cache_dir=tmp_path / "cache")
    assert (tmp_path / "out/figures/synthese/comparaison.png").read_bytes() == (
        root / "figures/synthese/comparaison.png"
    ).read_bytes()
    assert "pas de rastérisation à 300 dpi" in result.summary()


def test_pdf_bytes_do_not_depend_on_the_clock(monkeypatch):
    """fontTools stamps each embedded font subset with the time of the save unless
    SOURCE_DATE_EPOCH is set: two PDFs made a second apart must still be identical."""
    ok, why = pdf_available()
    if not ok:
        pytest.skip(why)
    import os
    import time

    from odas_analysis.publication.pdf import pdf_bytes

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = '<html lang="fr"><body><p>Cohésion sociale, 12\u202f% — «\u202fessai\u202f»</p></body></html>'
    first = pdf_bytes(html, {})
    time.sleep(1.1)
    assert pdf_bytes(html, {}) == first
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the caller's environment is left as it was
