"""The nbconvert exporter of the pages: the lab template, its accessibility marks added on its own tags.

nbconvert's ``HTMLExporter`` renders the template, then parses the whole page with
BeautifulSoup (Python's ``html.parser``) to add three accessibility marks, and writes the
page out again. A page of ours is about 560 KB, of which 260 KB of style sheets and
340 KB of base64 images: that parse-and-write costs 0.11 s of the 0.18 s the two pages
of a study run cost to render (measured on the 18 runs of the study, best of three).

:class:`PageExporter` renders the same template with the same filters and adds the same
marks by one pass of a regular expression over the start tags of ``div`` and ``img``:

* ``tabindex="0"`` on every ``div`` holding a cell's code (class ``jp-Cell-inputWrapper``)
  or an output (class ``jp-OutputArea-output``), so that the keyboard reaches them;
* an ``alt`` on an image that has none, in French (:data:`NO_ALT`; nbconvert's is in
  English).

Everything else is the template's output as it was rendered, not parsed and written
again. A page's text is escaped and the notebooks' pages hold no script (tested), so every
``<div`` or ``<img`` found is a tag. ``tests/test_pages_exporter.py`` parses a page of each exporter and checks they have
the same elements, attributes and text; it fails if a release of nbconvert adds a mark
of its own.

nbconvert is imported when :func:`page_exporter` is first called, not with this module.
"""

from __future__ import annotations

import functools
import re
from typing import Any

NO_ALT = "Figure sans description textuelle"
"""The alternative text of an image that has none (every figure of the notebooks has its own:
:func:`odas_analysis.export.figure` requires it)."""

FOCUSABLE = frozenset({"jp-Cell-inputWrapper", "jp-OutputArea-output"})
"""The classes of the ``div`` given ``tabindex="0"``: a cell's code, an output."""

_NAME = r"""[^\s"'>/=]+"""
_VALUE = r"""(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)"""
_ATTRIBUTE = re.compile(rf"""\s+({_NAME})(?:\s*=\s*({_VALUE}))?""")
_START_TAG = re.compile(rf"""<(div|img)((?:\s+{_NAME}(?:\s*=\s*{_VALUE})?)*)(\s*/?)>""", re.IGNORECASE)


def _attributes(text: str) -> dict[str, str]:
    """Name (lower case) -> value (unquoted) of the attributes of a start tag."""
    found = {}
    for match in _ATTRIBUTE.finditer(text):
        value = match.group(2) or ""
        if value[:1] in {'"', "'"}:
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), value)
    return found


def _mark(match: re.Match[str]) -> str:
    tag, attrs, end = match.group(1), match.group(2), match.group(3)
    present = _attributes(attrs)
    if tag.lower() == "img":
        if "alt" in present:
            return match.group(0)
        added = f' alt="{NO_ALT}"'
    else:
        if "tabindex" in present or not FOCUSABLE.intersection(present.get("class", "").split()):
            return match.group(0)
        added = ' tabindex="0"'
    return f"<{tag}{attrs}{added}{end}>"


def accessible(html: str) -> str:
    """``html`` with ``tabindex="0"`` on its input and output ``div`` and an ``alt`` on each image without one.

    Only start tags are rewritten, each keeping its attributes as they were written; a
    tag that already has the attribute is left as it is.
    """
    return _START_TAG.sub(_mark, html)


def page_exporter(**options: Any) -> Any:
    """A :class:`PageExporter` (an ``HTMLExporter``) built with nbconvert's own ``options``."""
    return _exporter_class()(**options)


@functools.cache
def _exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.strings import clean_html
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    # A template's code is the same on every page of a batch: its highlighting (pygments,
    # 0.02 s a page) and the sanitising of the result (bleach, 0.02 s) are kept. Both depend
    # on their arguments alone (no option of either is configured here).
    cleaned = functools.lru_cache(maxsize=1024)(clean_html)

    @functools.lru_cache(maxsize=1024)
    def highlighted(lexer: str | None, source: str, language: str | None, magics: str | None) -> str:
        return Highlight2HTML(pygments_lexer=lexer)(source, language, {"magics_language": magics} if magics else None)

    def highlighter(lexer: str | None):
        def highlight_code(source, language=None, metadata=None):
            return highlighted(lexer, source, language, (metadata or {}).get("magics_language"))

        return highlight_code

    class PageExporter(HTMLExporter):
        """``HTMLExporter`` whose accessibility marks are added by :func:`accessible`.

        It also keeps each cell's highlighted and sanitised code for the next page that has
        the same code (the cells of a template); that does not change the page.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            self.register_filter("clean_html", cleaned)
            # The two filters HTMLExporter sets for each notebook: the code's highlighting in
            # the notebook's language, and the choice among an output's formats.
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name"))
            self.register_filter("highlight_code", highlighter(lexer))
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return accessible(html), resources

    return PageExporter
