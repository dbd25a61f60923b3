"""The pages' exporter (``batch/exporter.py``) against nbconvert's own ``HTMLExporter``.

Ours adds nbconvert's accessibility marks on the template's own tags instead of parsing
and writing the whole page again; a page of each, parsed, must have the same elements,
attributes and text (nbconvert's English alternative text read as our French one).
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup, Comment, Tag
from nbconvert import HTMLExporter

from odas_analysis.batch import exporter, pages

ROOT = Path(__file__).resolve().parent.parent
ENGLISH_ALT = "No description has been provided for this image"
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a")).decode()


def _tree(html: str) -> list:
    """The page as a list of elements (name, attributes) and texts, in document order."""
    nodes = []
    for node in BeautifulSoup(html, "html.parser").descendants:
        if isinstance(node, Tag):
            attrs = {k: " ".join(v) if isinstance(v, list) else v for k, v in node.attrs.items()}
            nodes.append((node.name, sorted(attrs.items())))
        elif not isinstance(node, Comment) and node.strip():
            nodes.append(node.strip())
    return nodes


def _nbconvert_page(nb, audience: str) -> str:
    reference = HTMLExporter(**pages.exporter_options(audience))
    reference.register_preprocessor(pages.tag_preprocessor(), enabled=True)
    resources = {"metadata": {"name": "Page"}, "odas": {"css": "", "header": ""}}
    html, _ = reference.from_notebook_node(nb, resources=resources)
    return html.replace(ENGLISH_ALT, exporter.NO_ALT)


def _our_page(nb, audience: str) -> str:
    resources = {"metadata": {"name": "Page"}, "odas": {"css": "", "header": ""}}
    html, _ = pages.exporters()[audience].from_notebook_node(nb, resources=resources)
    return html


def _small_notebook():
    v4 = nbformat.v4
    nb = v4.new_notebook(metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}})
    nb.cells = [
        v4.new_markdown_cell(
            "# Titre\n\nUn paragraphe avec <b>gras</b> et une image ![x](data:image/png;base64," + PNG + ")"
        ),
        v4.new_code_cell(
            "x = 1  # commentaire\nx",
            execution_count=1,
            outputs=[
                v4.new_output("stream", name="stdout", text="sortie\n"),
                v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
                v4.new_output("display_data", data={"image/png": PNG}, metadata={"image/png": {"alt": "Une figure"}}),
                v4.new_output(
                    "execute_result", data={"text/html": "<table><tr><td>1</td></tr></table>"}, execution_count=1
                ),
            ],
        ),
        v4.new_code_cell(
            "1 / 0",
            execution_count=2,
            outputs=[
                v4.new_output(
                    "error", ename="ZeroDivisionError", evalue="division by zero", traceback=["ZeroDivisionError"]
                ),
            ],
        ),
        v4.new_code_cell("caché", metadata={"tags": ["hide-input"]}, execution_count=3),
    ]
    return nb


@pytest.mark.parametrize("audience", pages.AUDIENCES)
@pytest.mark.parametrize("notebook", ["site", "territoire", "small"])
def test_same_page_as_nbconvert(notebook, audience):
    nb = (
        _small_notebook()
        if notebook == "small"
        else nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    )
    ours = _our_page(nb, audience)
    theirs = _nbconvert_page(nb, audience)
    assert _tree(ours) == _tree(theirs)
    assert ENGLISH_ALT not in ours
    assert "<script" not in ours  # accessible() reads every "<div" and "<img" as a tag
    assert 'tabindex="0"' in ours
    if notebook == "small":
        assert ours.count(f'alt="{exporter.NO_ALT}"') == theirs.count(f'alt="{exporter.NO_ALT}"') >= 2


def test_marks_on_start_tags():
    mark = exporter.accessible
    assert mark('<div class="jp-Cell-inputWrapper">') == '<div class="jp-Cell-inputWrapper" tabindex="0">'
    assert (
        mark("<div data-x='a>b' class=\"z jp-OutputArea-output\">")
        == '<div data-x=\'a>b\' class="z jp-OutputArea-output" tabindex="0">'
    )
    for unchanged in (
        '<div class="jp-OutputArea-output-x">',
        '<div class="jp-OutputArea-output" tabindex="-1">',
        "<div>",
        '<IMG SRC=x.png ALT="">',
        "&lt;img src=x&gt;",
        '<span class="jp-Cell-inputWrapper">',
    ):
        assert mark(unchanged) == unchanged
    assert mark('<img src="x.png"/>') == f'<img src="x.png" alt="{exporter.NO_ALT}"/>'
    assert mark("<img src=x.png>") == f'<img src=x.png alt="{exporter.NO_ALT}">'
