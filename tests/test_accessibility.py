"""axe-core over the pages a reader opens, in headless Chromium: 0 violations.

Pages checked: the batch's ``index.html``, a reviewers' page and a researchers' page
(rendered from the committed, executed notebooks by :func:`odas_analysis.batch.pages.render_page`,
as the batch renders them), and two pages of the fixture report (its first page and a
chapter with a wide table and figures).

axe-core is the ``axe.min.js`` shipped inside the PyPI package ``axe-playwright-python``
(a dev dependency, locked in ``requirements.lock``); it is injected in Debian's
``/usr/bin/chromium`` driven by playwright, with its default rules (WCAG 2.x A and AA,
best practices). Nothing is downloaded.

Skipped when Chromium is absent, unless ``ODAS_REQUIRE_BROWSER=1`` (CI), which makes its
absence a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)

from odas_analysis.config import PROJECT_ROOT

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
NOTEBOOKS = PROJECT_ROOT / "notebooks"


def _require_browser() -> Path:
    """The path of axe.min.js, once Chromium, playwright and axe are known to be there."""
    required = os.environ.get("ODAS_REQUIRE_BROWSER") == "1"
    missing = ""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
            from axe_playwright_python.base import AXE_FILE_PATH
        except ImportError as exc:
            missing = f"playwright or axe-playwright-python is not installed: {exc}"
        else:
            return AXE_FILE_PATH
    if required:
        pytest.fail(f"{missing} and ODAS_REQUIRE_BROWSER=1")
    pytest.skip(missing)


@pytest.fixture(scope="module")
def axe():
    """``check(url) -> list of violations``, one browser for the module."""
    axe_js = _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)

        def check(url: str) -> list[dict]:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            try:
                page.goto(url, wait_until="load")
                page.add_script_tag(path=str(axe_js))
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            finally:
                page.close()
            return result["violations"]

        try:
            yield check
        finally:
            browser.close()


def _summary(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} élément(s)) : {v['help']} — {targets}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def batch_pages(tmp_path_factory) -> Path:
    """The index, a reviewers' and a researchers' page, as the batch writes them under ``build/html``."""
    import nbformat

    from odas_analysis.batch import pages

    html = tmp_path_factory.mktemp("lot") / "build" / "html"
    runs = {
        "site-angers": ("site", "Site : Angers"),
        "hypothese-H1": ("hypothese", "Hypothèse H1 : convergence des politiques"),
    }
    entries = {}
    for name, (kind, title) in runs.items():
        nb = nbformat.read(NOTEBOOKS / f"{kind}.ipynb", as_version=4)
        for aud in pages.AUDIENCES:
            text = pages.render_page(nb, name=name, title=title, audience=aud, navigation={"kind": kind})
            (html / aud).mkdir(parents=True, exist_ok=True)
            (html / aud / f"{name}.html").write_text(text, encoding="utf-8")
        entries[name] = {
            "kind": kind,
            "title": title,
            "status": "done",
            "simulated": pages.is_simulated(nb),
            "outputs": {f"html_{aud}": f"build/html/{aud}/{name}.html" for aud in pages.AUDIENCES},
        }
    (html / "index.html").write_text(pages.index_html(entries), encoding="utf-8")
    return html


@pytest.mark.parametrize(
    "page",
    ["index.html", "reviewers/site-angers.html", "researchers/hypothese-H1.html", "researchers/site-angers.html"],
)
def test_batch_pages_have_no_axe_violation(axe, batch_pages, page):
    violations = axe((batch_pages / page).as_uri())
    assert violations == [], _summary(violations)


@pytest.mark.parametrize(
    "page", ["index.html", "02-comparaison.html", "annexe-site-angers.html", "rapport-complet.html"]
)
def test_report_pages_have_no_axe_violation(axe, page):
    _, result = fx.shared_build()
    violations = axe((result.out / page).as_uri())
    assert violations == [], _summary(violations)


def test_axe_finds_what_it_should(axe, tmp_path):
    """The check can fail: a page without language, main landmark nor alternative text, and grey text."""
    page = tmp_path / "mauvaise.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        '<h3>Titre</h3><img src="data:image/png;base64,iVBORw0KGgo=">'
        '<p style="color:#b0b0b0">texte pâle</p></body></html>',
        encoding="utf-8",
    )
    found = {v["id"] for v in axe(page.as_uri())}
    assert {"html-has-lang", "image-alt", "color-contrast", "landmark-one-main"} <= found, found
