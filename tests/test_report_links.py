"""A link checker over the built report: no broken internal link, anchor or image."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fixtures.report import batch as fx  # tests/ is on sys.path (pytest's rootdir-less import)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, url)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for attr in ("href", "src"):
            if attrs.get(attr) is not None:
                self.links.append((f"{tag}@{attr}", attrs[attr]))


def check_links(site: Path) -> list[str]:
    """Every broken internal link, anchor or image of the HTML files under ``site``."""
    parsed: dict[Path, _Links] = {}
    for page in sorted(site.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page] = parser
    broken = []
    for page, parser in parsed.items():
        for where, url in parser.links:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue  # external: not checked (no network here)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            rel = page.relative_to(site)
            if not target.is_file():
                broken.append(f"{rel}: {where} {url} -> no such file")
                continue
            if site.resolve() not in target.parents:
                broken.append(f"{rel}: {where} {url} -> outside the report")
                continue
            if parts.fragment:
                ids = parsed[target].ids if target in parsed else set()
                if parts.fragment not in ids:
                    broken.append(f"{rel}: {where} {url} -> no id '{parts.fragment}'")
    return broken


def test_no_broken_internal_link_or_image():
    _, result = fx.shared_build()
    pages = list(result.out.rglob("*.html"))
    assert len(pages) >= 7
    assert check_links(result.out) == []


def test_the_checker_finds_broken_links(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="b.html#nulle-part">x</a><img src="figures/absente.svg"><a href="#ici">y</a>'
        '<p id="ici"></p><a href="https://example.org/">z</a>',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<h1 id="titre">B</h1>', encoding="utf-8")
    assert check_links(tmp_path) == [
        "a.html: a@href b.html#nulle-part -> no id 'nulle-part'",
        "a.html: img@src figures/absente.svg -> no such file",
    ]
