"""The built report in headless Chromium (Debian's /usr/bin/chromium, driven by playwright).

Opens the first page and one site appendix over http on 127.0.0.1: no console error,
no failed request, every figure loaded. Screenshots are kept in the test's temporary
directory (pytest keeps the last runs) and, when ``ODAS_TEST_ARTEFACTS`` names a
directory, copied there.

Skipped when Chromium is absent, unless ``ODAS_REQUIRE_BROWSER=1`` (CI), which makes
its absence a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _require_browser():
    required = os.environ.get("ODAS_REQUIRE_BROWSER") == "1"
    if not CHROMIUM.exists():
        if required:
            pytest.fail(f"{CHROMIUM} is missing and ODAS_REQUIRE_BROWSER=1 (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        if required:
            pytest.fail(f"playwright is not installed: {exc}")
        pytest.skip(f"playwright is not installed: {exc}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served():
    _require_browser()
    _, result = fx.shared_build()
    handler = functools.partial(_Quiet, directory=str(result.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", result
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _visit(browser, url: str, shot: Path) -> dict:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.on("response", lambda resp: failed.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None)
    page.goto(url, wait_until="load")
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => ({src: e.getAttribute('src'), ok: e.complete && e.naturalWidth > 0}))"
    )
    title = page.title()
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    artefacts = os.environ.get("ODAS_TEST_ARTEFACTS")
    if artefacts:
        Path(artefacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artefacts) / shot.name)
    return {"errors": errors, "failed": failed, "images": images, "title": title}


def test_first_page_opens_without_error(served, browser, tmp_path):
    base, _ = served
    seen = _visit(browser, f"{base}/index.html", tmp_path / "rapport-sommaire.png")
    assert seen["errors"] == [] and seen["failed"] == []
    assert seen["title"].startswith("Sommaire")
    assert (tmp_path / "rapport-sommaire.png").stat().st_size > 5_000


def test_site_appendix_shows_its_figures(served, browser, tmp_path):
    base, _ = served
    seen = _visit(browser, f"{base}/annexe-site-angers.html", tmp_path / "rapport-annexe-angers.png")
    assert seen["errors"] == [] and seen["failed"] == []
    assert seen["images"] and all(img["ok"] for img in seen["images"]), seen["images"]
    assert "Angers" in seen["title"]


def test_simulated_page_shows_its_figures_and_notice(served, browser, tmp_path):
    base, _ = served
    seen = _visit(browser, f"{base}/02-comparaison.html", tmp_path / "rapport-chapitre-2.png")
    assert seen["errors"] == [] and seen["failed"] == []
    assert len(seen["images"]) == 2 and all(img["ok"] for img in seen["images"])


def test_a_wide_table_scrolls_with_its_first_column_in_place(served, browser):
    base, _ = served
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{base}/02-comparaison.html", wait_until="load")
    seen = page.eval_on_selector(
        "#tableau-hypothese-h1-grille .defilement",
        """box => {
            const first = () => box.querySelector("tbody tr > :first-child").getBoundingClientRect().left;
            const third = () => box.querySelector("tbody tr > :nth-child(3)").getBoundingClientRect().left;
            const before = [first(), third()];
            box.scrollLeft = 300;
            return {
                overflow: box.scrollWidth > box.clientWidth, first: before[0] - first(), third: before[1] - third()
            };
        }""",
    )
    cue = page.eval_on_selector("#tableau-hypothese-h1-grille .indice-defilement", "p => p.textContent")
    page.close()
    assert seen["overflow"], seen  # the table is wider than its box: it scrolls
    assert abs(seen["first"]) < 1 and seen["third"] > 100, seen  # the key column stays, the others move
    assert "défiler" in cue
