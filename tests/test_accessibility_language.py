"""No English sentence reaches a reader: the help of ``run``, ``data`` and ``report``, and the pages' own texts."""

from __future__ import annotations

import html
import re

import pytest

from odas_analysis.batch import pages

_ENGLISH = re.compile(
    r"\b(usage|show this help|positional arguments|options?:|the|and|of|to|with|without|only|default|"
    r"directory|execute|executed|print|render|each|every|which|when|if|is|are|this|these|from|files?|output|"
    r"repeatable|comma|stop|notebooks? templates?|description|provided|image|error)\b",
    re.IGNORECASE,
)
_NOT_WORDS = re.compile(r"(--?[\w-]+|\$\w+|[\w.<>-]*/[\w./<>-]*|[\w-]+\.(?:json|html|csv))")
"""Option names, variables and paths: not prose (``--notebooks``, ``$ODAS_NATIONAL_DATA``, ``notebooks/``)."""


@pytest.mark.parametrize(
    "argv", [[], ["run"], ["data"], ["data", "build"], ["data", "download"], ["report"]], ids=" ".join
)
def test_help_of_run_data_and_report_is_french(argv, capsys):
    from odas_analysis.cli import main

    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : odas-analysis") and "afficher cette aide et quitter" in out
    if not argv:  # the main help lists every command: those of this test are its lines for run, data, report
        out = "\n".join(line for line in out.splitlines() if line.strip().startswith(("run", "data", "report")))
    _usage, _, rest = out.partition("\n\n")
    prose = _NOT_WORDS.sub(" ", rest if argv else out)
    assert not _ENGLISH.search(prose), prose


def _reader_text(page: str) -> str:
    """What a reader of ``page`` sees or hears: text outside code, styles and tags, and the texts of attributes."""
    page = re.sub(r"<(style|script|pre)\b.*?</\1>", " ", page, flags=re.S)
    said = " ".join(re.findall(r'\b(?:alt|title|aria-label)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + said)


def test_the_batch_pages_own_texts_are_french():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Carnet\n\n## Partie une\n\n## Partie deux")]
    navigation = {"kind": "site", "previous": ("site-angers", "Angers"), "next": ("site-creil", "Creil")}
    texts = []
    for audience in pages.AUDIENCES:
        texts.append(
            pages.render_page(
                nb,
                name="site-bordeaux",
                title="Site : Bordeaux",
                audience=audience,
                simulated=True,
                navigation=navigation,
                exports=["figures/site-bordeaux/a.svg", "tables/site-bordeaux/b.csv"],
            )
        )
    entry = {"kind": "site", "title": "Site : Bordeaux", "simulated": True, "status": "failed"}
    entry["outputs"] = {"html_reviewers": "r.html", "html_researchers": "c.html"}
    texts.append(pages.index_html({"site-bordeaux": entry}))
    for text in texts:
        shown = _NOT_WORDS.sub(" ", _reader_text(text))
        assert not _ENGLISH.search(shown), _ENGLISH.search(shown)
        assert 'lang="fr"' in text
