"""Markdown of the report sources: MyST-style directives and roles over markdown-it-py.

A chapter is CommonMark with pipe tables and footnotes, plus two MyST constructs:

Directives, as fenced blocks whose info string starts with ``{name}``::

    ```{figure} figures/site-angers/territoire-references
    :label: fig-angers-references
    :caption: Angers face à son département, sa région et la France
    :source: INSEE, Filosofi 2016 ; calculs odas-analysis
    ```

    ```{table} tables/synthese/indicateurs
    :caption: Les onze sites côte à côte
    :source: INSEE, Filosofi 2016 et recensement 2018
    :code: code_insee
    ```

``figure`` and ``table`` take the export name as argument and the options
``caption`` and ``source`` (required), ``label`` (for cross-references), ``alt``
(figures) and ``code`` (tables: columns never reformatted as numbers). Other
directives (``note``, ``sources``, ``versions``, ``data-hashes``, ``manifest``,
``exports-list``) are handled by :mod:`odas_analysis.publication.html`.

Roles, inline: ``{numref}`fig-angers-references``` becomes a link reading
« figure A.1 »; ``{ref}`label``` the same with the caption.

Every text node goes through :func:`odas_analysis.publication.typography.fr`; code, URLs
of autolinks and attributes do not.

Raw HTML is off: a ``<script>`` written in a source, or reaching it through the study's
text (a site name, a topic, a hypothesis label filled in by Jinja, which escapes them
first), is shown as text, never run. Directive options and titles are plain text, entities
decoded (Jinja's escaping undone), and escaped again wherever they are shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from .typography import fr

_OPTION = re.compile(r"^:([a-z][a-z0-9_-]*):\s*(.*)$")


def slugify(text: str) -> str:
    """ASCII slug of a French heading: ``"Coopération entre acteurs"`` -> ``"cooperation-entre-acteurs"``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug or "section"


@dataclass
class Directive:
    """A fenced ``{name} argument`` block: its options and the rest as body."""

    name: str
    argument: str
    options: dict[str, str] = field(default_factory=dict)
    body: str = ""
    line: int = 0


def parse_directive(token: Token) -> Directive | None:
    """The :class:`Directive` of a ``fence`` token, or ``None`` for plain code."""
    info = token.info.strip()
    match = re.match(r"^\{([a-z][a-z0-9-]*)\}\s*(.*)$", info)
    if not match:
        return None
    options: dict[str, str] = {}
    lines = token.content.splitlines()
    body_start = 0
    for i, line in enumerate(lines):
        opt = _OPTION.match(line.strip())
        if not opt:
            break
        options[opt.group(1)] = unescape(opt.group(2).strip())
        body_start = i + 1
    body = "\n".join(lines[body_start:]).strip("\n")
    line = (token.map[0] + 1) if token.map else 0
    return Directive(match.group(1), unescape(match.group(2).strip()), options, body, line)


def _render_text(self, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    inside_autolink = (
        idx > 0 and tokens[idx - 1].type == "link_open" and tokens[idx - 1].markup in {"autolink", "linkify"}
    )
    return escape(token.content if inside_autolink else fr(token.content), quote=False)


def _render_fence(self, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    directive = parse_directive(tokens[idx])
    if directive is None:
        return self.fence_default(tokens, idx, options, env)
    return env["directive"](directive)


def _render_role(self, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    return env["role"](token.meta.get("name", ""), token.content)


def _render_footnote_ref(self, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    n = tokens[idx].meta["id"] + 1
    sub = tokens[idx].meta.get("subId", 0)
    ref_id = f"fnref{n}" + (f":{sub}" if sub else "")
    return f'<sup class="appel-note"><a href="#fn{n}" id="{ref_id}">{n}</a></sup>'


def _render_footnote_block_open(self, tokens, idx, options, env) -> str:
    return '<section class="notes" aria-label="Notes"><ol class="notes-liste">\n'


def _render_footnote_anchor(self, tokens, idx, options, env) -> str:
    n = tokens[idx].meta["id"] + 1
    sub = tokens[idx].meta.get("subId", 0)
    ref_id = f"fnref{n}" + (f":{sub}" if sub else "")
    return f' <a href="#{ref_id}" class="retour-note" aria-label="retour au texte">↩</a>'


def make_parser() -> MarkdownIt:
    """The report's Markdown parser and renderer (see the module docstring)."""
    md = (
        MarkdownIt("commonmark", {"typographer": False, "html": False})
        .enable("table")
        .use(myst_role_plugin)
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=3, slug_func=slugify)
    )
    renderer = md.renderer
    renderer.fence_default = renderer.rules["fence"].__get__(renderer)  # type: ignore[attr-defined]
    md.add_render_rule("text", _render_text)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("myst_role", _render_role)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


def split_title(tokens: list[Token]) -> tuple[str | None, list[Token]]:
    """The text of the first level-1 heading and the tokens without it."""
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            title = unescape(tokens[i + 1].content) if i + 1 < len(tokens) else ""
            return title, tokens[:i] + tokens[i + 3 :]
    return None, tokens


def headings(tokens: list[Token], level: str = "h2") -> list[tuple[str, str]]:
    """``(id, text)`` of the headings of one level, in order (ids from the anchors plugin)."""
    out = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == level:
            out.append((str(token.attrGet("id") or ""), unescape(tokens[i + 1].content)))
    return out


def fence_directives(tokens: list[Token]) -> list[Directive]:
    """Every directive of a page, in reading order."""
    return [d for d in (parse_directive(t) for t in tokens if t.type == "fence") if d is not None]


def roles(tokens: list[Token]) -> list[tuple[str, str, int]]:
    """``(name, content, line)`` of every inline role of a page."""
    out = []
    for token in tokens:
        if token.type == "inline":
            line = (token.map[0] + 1) if token.map else 0
            for child in token.children or []:
                if child.type == "myst_role":
                    out.append((child.meta.get("name", ""), child.content, line))
    return out


def render(
    md: MarkdownIt, tokens: list[Token], *, directive: Callable[[Directive], str], role: Callable[[str, str], str]
) -> str:
    """HTML of ``tokens``, with the page's directive and role handlers."""
    env = {"directive": directive, "role": role}
    return md.renderer.render(tokens, md.options, env)


__all__ = [
    "Directive",
    "fence_directives",
    "headings",
    "make_parser",
    "parse_directive",
    "render",
    "roles",
    "slugify",
    "split_title",
]
