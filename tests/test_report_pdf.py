"""The PDF edition laid out in full: every word on its page, every column printed, tagged, stable.

The fixture report holds a table that fits a portrait page, one that needs a landscape
page (nine columns, long remarks) and one too wide even for that (a key column and
eighteen indicators), so that each rule of :mod:`odas_analysis.publication.tables` is used.
Word boxes come from poppler's ``pdftotext -bbox`` (text off the page is still extracted,
with coordinates beyond the page: that is what is checked, not the text alone).

Skipped when weasyprint or poppler-utils is missing, unless ``ODAS_REQUIRE_BROWSER=1``
(CI), which makes their absence a failure.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)

from odas_analysis.publication import pdf_available
from odas_analysis.publication.typography import fr

MM = 72 / 25.4
SIDE_MARGIN = 20 * MM  # the stylesheet's @page margins
BOTTOM_MARGIN = 24 * MM
TOLERANCE = 1.0  # points


def _require(tool_ok: bool, why: str) -> None:
    if not tool_ok:
        if os.environ.get("ODAS_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class PdfPage:
    number: int
    width: float
    height: float
    words: list[Word]

    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _pages(pdf: Path) -> list[PdfPage]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for n, m in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S), 1):
        words = [
            Word(html.unescape(t), float(a), float(b), float(c), float(d))
            for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', m.group(3)
            )
        ]
        pages.append(PdfPage(n, float(m.group(1)), float(m.group(2)), words))
    return pages


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory):
    ok, why = pdf_available()
    _require(ok, why)
    _require(shutil.which("pdftotext") is not None, "pdftotext is missing (apt-get install poppler-utils)")
    root, _ = fx.shared_build()
    result = fx.build(root, tmp_path_factory.mktemp("pdf") / "out", pdf=True)
    return root, result, _pages(result.pdf)


def test_every_word_lies_inside_its_page_text_area(laid_out):
    _, _, pages = laid_out
    outside = []
    for page in pages:
        left, right = SIDE_MARGIN - TOLERANCE, page.width - SIDE_MARGIN + TOLERANCE
        for w in page.words:
            if w.x0 < left or w.x1 > right or w.y0 < 0 or w.y1 > page.height:
                outside.append(
                    f"p. {page.number} : « {w.text} » à x = {w.x0:.0f}–{w.x1:.0f} (page de {page.width:.0f})"
                )
    assert not outside, "\n".join(outside)
    assert any(p.width > p.height for p in pages), "the wide tables should be set on landscape pages"


def _tables(result) -> list[tuple[str, list[str], list[list[str]]]]:
    with open(result.out / "exports.csv", newline="", encoding="utf-8") as fh:
        listed = [r for r in csv.DictReader(fh) if r["type"] == "tableau"]
    out = []
    for row in listed:
        with open(result.out / row["fichiers"].split(";")[0], newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if not (r and r[0].startswith("# "))]  # the export's meta line
        out.append((row["numero"], rows[0], rows[1:]))
    return out


def test_every_column_header_of_every_table_is_printed(laid_out):
    _, result, pages = laid_out
    # a header may break after an underscore ("ic95_" / "bas"): join such pieces again
    printed = set(" ".join(w.text for p in pages for w in p.words).replace("_ ", "_").split())
    missing = []
    for number, header, _ in _tables(result):
        for name in header:
            for token in fr(name).split():
                if token not in printed:
                    missing.append(f"{number} : colonne « {name} »")
    assert not missing, "\n".join(missing)
    # the widest table is printed in column groups, each repeating its key column
    grid = [p for p in pages if "indicateur_cohesion_18" in p.text()]
    assert grid and all(p.width > p.height for p in grid)
    groups = sum(p.text().count("est répétée)") for p in pages)
    assert groups >= 2
    assert sum(p.text().split().count("site_id") for p in pages) >= groups + 1


def test_every_value_of_the_wide_tables_is_printed(laid_out):
    _, result, pages = laid_out
    # a word may break after its own hyphen ("communauté-" / "d’agglomération")
    printed = " ".join(p.text() for p in pages).replace("- ", "-")
    for number, header, rows in _tables(result):
        if len(header) < 9:
            continue
        for row in rows:
            for value in row:
                if re.fullmatch(r"-?\d+(\.\d+)?", value):
                    continue  # numbers are checked below in their French form
                for raw, french in zip(value.split(), fr(value).split()):
                    assert raw in printed or french in printed, f"{number} : « {value} »"
    # the p-values of the test table (the column the issue found missing)
    assert "0,0452" in printed and "0,1356" in printed


def test_no_word_is_hyphenated_inside_a_table_cell(laid_out):
    """Hyphenation may cut a word of prose at the end of a line, never a word of a table or caption."""
    _, result, pages = laid_out
    source = (result.out / "rapport-complet.html").read_text(encoding="utf-8")
    prose = re.sub(r"<figure\b.*?</figure>", " ", source, flags=re.S)  # tables, captions, source lines
    prose = html.unescape(re.sub(r"<[^>]+>", " ", prose))
    cut = []
    for page in pages:
        for w, after in zip(page.words, page.words[1:]):
            if w.text.endswith(("\u2010", "\u00ad")):
                joined = w.text[:-1] + after.text
                if not re.search(rf"\b{re.escape(joined.strip('([«».,;:)'))}", prose):
                    cut.append(f"p. {page.number} : « {w.text} {after.text} »")
    assert not cut, cut


def test_captions_are_kept_with_their_tables(laid_out):
    _, _, pages = laid_out
    stranded = []
    for page in pages:
        words = page.words
        for i, w in enumerate(words[:-2]):
            if w.text == "Tableau" and re.fullmatch(r"[0-9A-Z]+\.\d+", words[i + 1].text) and words[i + 2].text == "—":
                below = [v for v in words if v.y0 > w.y1 + 14 and v.y1 < page.height - BOTTOM_MARGIN]
                if not below:
                    stranded.append(f"p. {page.number} : {w.text} {words[i + 1].text}")
    assert not stranded, stranded


def test_the_cover_has_a_page_of_its_own(laid_out):
    _, _, pages = laid_out
    cover, contents = pages[0].text(), pages[1].text()
    assert "Rapport d’essai" in cover and "Version odas-analysis" in cover
    assert "sources publiées jusqu’en 2026" in cover  # the date of the data (fixture sources.csv)
    assert "Données simulées" in cover  # the fixture report shows simulated exports
    assert "Sommaire" not in cover and contents.startswith("Sommaire") or "Sommaire" in contents.split()[:3]


def test_the_table_of_contents_aligns_its_page_numbers(laid_out):
    _, result, pages = laid_out
    contents = pages[1]
    lines: dict[int, list[Word]] = {}
    for w in contents.words:
        lines.setdefault(round(w.y0), []).append(w)
    entries = [ws for ws in lines.values() if ws[0].text in ("Chapitre", "Annexe")]
    assert len(entries) == len(result.pages)
    ends = [max(ws, key=lambda w: w.x1) for ws in entries]
    assert all(e.text.isdigit() for e in ends), [e.text for e in ends]
    assert max(e.x1 for e in ends) - min(e.x1 for e in ends) < 0.5
    # and each number is the page its chapter starts on
    for ws, end in zip(entries, ends):
        page = pages[int(end.text) - 1]
        label = f"{ws[0].text.upper()} {ws[1].text}"
        assert label in page.text(), (label, end.text)


def test_the_pdf_is_tagged_and_byte_identical_across_runs(laid_out, tmp_path):
    root, result, _ = laid_out
    info = subprocess.run(["pdfinfo", str(result.pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info  # PDF/UA-1: a structure tree
    again = fx.build(root, tmp_path / "again", pdf=True)
    assert again.pdf.read_bytes() == result.pdf.read_bytes()
