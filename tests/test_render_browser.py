"""A rendered page in headless Chromium (Debian's /usr/bin/chromium through playwright).

Every figure is displayed (each <img> decoded, naturalWidth > 0) and the console has no
error. A screenshot is kept in the test's temporary directory.

Skipped when Chromium is absent, unless ODAS_REQUIRE_BROWSER=1 (CI), which makes its
absence a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

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
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "batch"


def _need_browser():
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("ODAS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is required (ODAS_REQUIRE_BROWSER=1): apt-get install chromium")
    pytest.skip(f"{CHROMIUM} absent (apt-get install chromium)")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    _need_browser()
    out = tmp_path_factory.mktemp("pages")
    cmd = [
        sys.executable,
        "-m",
        "odas_analysis.cli",
        "run",
        "--out",
        str(out),
        "--notebooks",
        str(FIXTURES),
        "--site",
        "bordeaux",
        "--jobs",
        "1",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.mark.parametrize("audience", ["reviewers", "researchers"])
def test_figures_are_displayed(pages, audience, tmp_path):
    from playwright.sync_api import sync_playwright

    page_path = pages / "build" / "html" / audience / "site-bordeaux.html"
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
            page.goto(page_path.as_uri(), wait_until="load")
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            banner = page.inner_text("header.odas-bandeau")
            page.screenshot(path=str(tmp_path / f"site-bordeaux-{audience}.png"), full_page=True)
        finally:
            browser.close()
    assert len(widths) == 2 and all(w > 0 for w in widths), widths
    assert errors == []
    assert "Sommaire" in banner
    assert (tmp_path / f"site-bordeaux-{audience}.png").stat().st_size > 10_000


def test_index_links_resolve(pages):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto((pages / "build" / "html" / "index.html").as_uri())
            page.click("text=Bordeaux")
            page.wait_for_load_state("load")
            title = page.title()
        finally:
            browser.close()
    assert title == "Site : Bordeaux"
