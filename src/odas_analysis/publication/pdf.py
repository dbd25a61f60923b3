"""The print edition: ``rapport-complet.html`` (the whole report in one page) and its PDF (WeasyPrint).

The print edition puts every page's body in one document, with ids prefixed by the page
so that they stay unique and links between pages become links inside the document;
figures are shown as their 300-dpi PNGs. :func:`pdf_bytes` lays it out with WeasyPrint,
its resources served from memory.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_ID_ATTR = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
# the print edition shows the 300-dpi PNGs: weasyprint draws matplotlib's SVG (every
# glyph a path) about seven times slower than it places a PNG
_PRINT_FIGURE = re.compile(r'<img src="(figures/[^"]+)\.svg"')
_FILE_LINK = re.compile(r'<a href="(?!#|[a-z][a-z0-9+.-]*:)([^"]*)">(.*?)</a>', re.S)

PDF_BASE_URL = "https://rapport.odas-analysis.invalid/"
"""Base URL of the print edition inside the PDF renderer: files are served from memory,
so that nothing of the build directory (whose path weasyprint hashes into image names)
reaches the PDF, and no request leaves the process."""

PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF (PDF/UA-1): structure, reading order and language for screen readers."""

FONT_TIMESTAMP = "946684800"
"""``SOURCE_DATE_EPOCH`` (2000-01-01) while WeasyPrint subsets the fonts: fontTools writes
the time of the save into each embedded subset's ``head.modified`` (and hence its
checksum) unless that variable is set, so that two builds a second apart differed."""

_MIME = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml", ".html": "text/html"}


def print_links(html: str, slug: str, slugs: set[str]) -> str:
    """Make one page's HTML fit in the one-page print edition: ids prefixed by the page."""
    html = _ID_ATTR.sub(lambda m: f'id="{slug}--{m.group(1)}"', html)

    def href(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith("#"):
            return f'href="#{slug}--{target[1:]}"'
        page, _, anchor = target.partition("#")
        if page.endswith(".html") and page[:-5] in slugs:
            return f'href="#{page[:-5]}--{anchor}"' if anchor else f'href="#{page[:-5]}"'
        if page == "index.html":
            return 'href="#sommaire"'
        return match.group(0)

    html = _HREF.sub(href, html)
    # links to files of the site (CSV, manifest, figures) mean nothing on paper, and would
    # carry the build directory's path into the PDF: keep their text only
    return _FILE_LINK.sub(lambda m: f'<span class="lien-fichier">{m.group(2)}</span>', html)


def print_body(front: str, toc: str, bodies: dict[str, str]) -> str:
    """The body of the print edition: the cover on a page of its own, the contents, then one
    section per page (``bodies`` by slug)."""
    slugs = set(bodies)
    parts = [
        f'<section class="couverture-impression">{front}</section>',
        '<section class="sommaire-impression" id="sommaire">'
        + "<h2>Sommaire</h2>\n"
        + print_links(toc, "sommaire", slugs)
        + "</section>",
    ]
    for slug, body in bodies.items():
        body = _PRINT_FIGURE.sub(r'<img src="\1.png"', print_links(body, slug, slugs))
        parts.append(f'<section class="chapitre" id="{slug}">\n{body}</section>')
    return "\n".join(parts)


def _fetcher(files: dict[str, bytes]) -> Any:
    """A WeasyPrint URL fetcher serving ``files`` (relative path -> bytes) and nothing else."""
    from weasyprint import urls

    def lookup(url: str) -> tuple[bytes, str]:
        rel = url.split("#", 1)[0].split("?", 1)[0]
        if not rel.startswith(PDF_BASE_URL) or rel[len(PDF_BASE_URL) :] not in files:
            raise ValueError(f"l'édition imprimable renvoie à {url}, qui n'est pas un fichier du rapport")
        rel = rel[len(PDF_BASE_URL) :]
        return files[rel], _MIME.get(Path(rel).suffix, "application/octet-stream")

    if hasattr(urls, "URLFetcherResponse"):  # weasyprint >= 66: fetcher objects

        class _Fetcher(urls.URLFetcher):
            def fetch(self, url, headers=None):
                body, mime = lookup(url)
                return urls.URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

            __call__ = fetch

        return _Fetcher()

    def fetcher(url: str) -> dict[str, Any]:  # older releases: a function returning a dict
        body, mime = lookup(url)
        return {"string": body, "mime_type": mime, "redirected_url": url}

    return fetcher


@contextlib.contextmanager
def _fixed_font_timestamp() -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` (unless the caller did) for the time of the block."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if before is None:
        os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def pdf_bytes(html: str, files: dict[str, bytes]) -> bytes:
    """The PDF of the print edition ``html``, its resources taken from ``files``; the same
    input gives the same bytes (no date, fonts subset with a fixed timestamp)."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_fetcher(files))
    with _fixed_font_timestamp():
        return document.write_pdf(pdf_variant=PDF_VARIANT)


def pdf_available() -> tuple[bool, str]:
    """Whether weasyprint (and the pango library it loads) can be used here."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as exc:
        return False, f"weasyprint n'est pas installé ({exc})"
    except OSError as exc:  # pango missing
        return False, f"weasyprint ne trouve pas pango ({exc}) : apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    return True, ""


__all__ = ["PDF_BASE_URL", "pdf_available", "pdf_bytes", "print_body", "print_links"]
