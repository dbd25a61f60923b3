"""``--territories SPEC``: the sets of a national batch, and an index that stays usable with 1,747 pages.

The counts are recomputed here from the national files with pandas, independently of
the module (which reads them with :mod:`csv`). The index's filter box is exercised in
headless Chromium (skipped when it is absent, unless ODAS_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from odas_analysis.batch import territories
from odas_analysis.errors import ParameterError

NATIONAL = os.environ.get("ODAS_NATIONAL_DATA", "")
pytestmark = pytest.mark.skipif(
    not NATIONAL or not Path(NATIONAL, territories.COMMUNES_FILE).is_file(), reason="ODAS_NATIONAL_DATA not set"
)


@pytest.fixture(scope="module")
def universe():
    import pandas as pd

    communes = pd.read_csv(Path(NATIONAL, territories.COMMUNES_FILE), dtype={"code_commune": str})
    epci = pd.read_csv(Path(NATIONAL, territories.EPCI_FILE), dtype={"siren_epci": str})
    big = communes[communes["population_municipale"] >= 20000]
    return set(big["code_commune"]), set(epci["siren_epci"])


def test_communes_of_20000_and_more(universe):
    found = territories.expand("communes-20000")
    assert len(found) == len(universe[0]) == 492
    assert {t.code for t in found} == universe[0]
    assert all(t.level == "commune" and t.population >= 20000 for t in found)
    assert [t.code for t in found] == sorted(t.code for t in found)
    lille = next(t for t in found if t.code == "59350")
    assert (lille.name, lille.dep_code, lille.reg_name) == ("Lille", "59", "Hauts-de-France")


def test_every_epci_with_the_departement_of_its_largest_commune(universe):
    found = territories.expand("epci")
    assert len(found) == len(universe[1]) == 1255
    assert {t.code for t in found} == universe[1]
    mel = next(t for t in found if t.code == "200093201")  # Métropole Européenne de Lille: Lille is its largest
    assert (mel.dep_code, mel.dep_name, mel.reg_code) == ("59", "Nord", "32")
    assert sum(1 for t in found if not t.dep_code) == 0


def test_both_sets_make_the_national_batch():
    found = territories.expand("communes-20000,epci")
    assert len(found) == 492 + 1255 == 1747
    assert len({t.run_name for t in found}) == 1747
    assert territories.expand(["communes-20000", "communes-20000"]) == territories.expand("communes-20000")


def test_another_threshold():
    assert len(territories.expand("communes-100000")) < len(territories.expand("communes-50000")) < 492


def test_a_file_of_codes(tmp_path):
    listing = tmp_path / "codes.txt"
    listing.write_text("# ma liste\n59350\n\n200093201  # la MEL\n59350\n2A004\n", encoding="utf-8")
    found = territories.expand(str(listing))
    assert [(t.level, t.code) for t in found] == [("commune", "59350"), ("EPCI", "200093201"), ("commune", "2A004")]


def test_an_unknown_code_names_the_file_and_the_line(tmp_path):
    listing = tmp_path / "codes.txt"
    listing.write_text("59350\n99999\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        territories.expand(str(listing))
    message = str(caught.value)
    assert "codes.txt, ligne 2" in message and "'99999'" in message and "communes_2026.csv" in message


def test_an_unknown_part_is_refused_with_the_valid_ones():
    with pytest.raises(ParameterError) as caught:
        territories.expand("villes")
    assert "communes-20000" in str(caught.value) and "epci" in str(caught.value)
    with pytest.raises(ParameterError):
        territories.expand(" , ")


# --------------------------------------------------------------------------- the index


def national_entries() -> list[territories.IndexEntry]:
    return [
        territories.IndexEntry(
            f"reviewers/{t.run_name}.html",
            t.name,
            t.level,
            t.code,
            t.dep_code,
            t.dep_name,
            t.reg_code,
            t.reg_name,
        )
        for t in territories.expand("communes-20000,epci")
    ]


def test_index_section_groups_1747_pages_by_region_and_departement():
    from bs4 import BeautifulSoup

    entries = national_entries()
    html = "\n".join(territories.index_section(entries))
    assert html == "\n".join(territories.index_section(list(reversed(entries))))  # same bytes, any order
    soup = BeautifulSoup(html, "html.parser")
    links = soup.select("#odas-territoires li[data-cle] a")
    assert len(links) == 1747
    regions = soup.select("#odas-territoires > details")
    assert len(regions) >= 13
    nord = next(d for d in soup.select("#odas-territoires details details") if d.summary.get_text().startswith("59 "))
    names = [a.get_text() for a in nord.select("a")]
    assert "Lille" in names and "Métropole Européenne de Lille" in names
    assert names == sorted(names, key=territories._sort_key)
    assert "1 747 fiches" in soup.get_text().replace("\u202f", " ")
    assert "http" not in html  # nothing fetched from the network


def test_index_filter_works_without_a_server(tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        if os.environ.get("ODAS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{chromium} is required (ODAS_REQUIRE_BROWSER=1)")
        pytest.skip(f"{chromium} absent")
    from playwright.sync_api import sync_playwright

    page_path = tmp_path / "index.html"
    body = "\n".join(territories.index_section(national_entries()))
    page_path.write_text(
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>{territories.INDEX_CSS}</style></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_path.as_uri(), wait_until="load")
            before = page.inner_text("#odas-filtre-compte")
            page.fill("#odas-filtre", "lille")
            shown = page.eval_on_selector_all("li[data-cle]:not([hidden]) a", "as => as.map(a => a.textContent)")
            count = page.inner_text("#odas-filtre-compte")
            page.fill("#odas-filtre", "sete herault")  # accents and case ignored, every word required
            sete = page.eval_on_selector_all("li[data-cle]:not([hidden]) a", "as => as.map(a => a.textContent)")
            open_groups = page.eval_on_selector_all("details[open]", "ds => ds.length")
        finally:
            browser.close()
    assert errors == []
    assert before == "1\u202f747 sur 1\u202f747"  # French thousands separator, as french.integer writes it
    assert "Lille" in shown and "Métropole Européenne de Lille" in shown and len(shown) < 10
    assert count == f"{len(shown)} sur 1\u202f747"
    assert sete == ["CA Sète Agglopôle Méditerranée", "Sète"]
    assert open_groups == 2  # Occitanie and Hérault opened


# --------------------------------------------------------------------------- the batch


def _published(root: Path) -> dict[str, bytes]:
    found = {}
    for sub in ("build/html", "figures", "tables"):
        for path in sorted((root / sub).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


@pytest.mark.timeout(600)
def test_a_handful_of_territories_with_the_local_pool_and_with_dask(tmp_path):
    """Lille, the MEL and a village: the same pages, figures and tables byte for byte; an index grouped by place."""
    import subprocess
    import sys

    listing = tmp_path / "codes.txt"
    listing.write_text("59350\n200093201\n01001\n", encoding="utf-8")
    results = {}
    for executor in ("local", "dask"):
        cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(tmp_path / executor)]
        cmd += ["--territories", str(listing), "--executor", executor, "--jobs", "2"]
        results[executor] = subprocess.run(cmd, capture_output=True, text=True, timeout=500)
        assert results[executor].returncode == 0, results[executor].stdout + results[executor].stderr
        assert "3 faite(s)" in results[executor].stdout
        assert "exécution(s) par minute" in results[executor].stdout  # the throughput at the end
    local, dask = _published(tmp_path / "local"), _published(tmp_path / "dask")
    assert sorted(local) == sorted(dask)
    assert any(p.startswith("figures/territoire-59350/") for p in local)
    assert [p for p in local if local[p] != dask[p]] == []
    index = (tmp_path / "local" / "build" / "html" / "index.html").read_text(encoding="utf-8")
    assert "<details><summary>59 Nord (2)</summary>" in index and 'id="odas-filtre"' in index
    assert index.index("Auvergne-Rhône-Alpes (1)") < index.index("Hauts-de-France (2)")
