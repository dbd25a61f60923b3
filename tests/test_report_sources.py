"""The report's own sources (report/): they parse, their references are well formed,
and they restate the Odas report without quoting it."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from odas_analysis import study
from odas_analysis.publication import REPORT_DIR, load_book, plan_pages

SEED = "odas-2019-cohesion-sociale-et-territoires.txt"
N = 8


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.findall(r"[\w']+", text)


# Titles and names cited as such (the report, its parts, the earlier study, an
# institution, a sub-group): a citation by title is not a copied sentence. Each must be
# cited whole; any longer run shared with the seed still fails.
CITED_TITLES = (
    "Cohésion sociale et territoires : comment mieux agir ?",
    "Vers une coopération plus stratégique entre acteurs locaux",
    "Vers des pratiques locales plus transversales",
    "Les villes et le lien social",
    "Commissariat général à l'égalité des territoires",
    "passage de la coordination à la coopération entre acteurs",
)


def _without_titles(words: list[str]) -> list[str]:
    """``words`` with every cited title replaced by a marker that matches nothing."""
    out = list(words)
    for title in CITED_TITLES:
        t = _words(title)
        i = 0
        while i <= len(out) - len(t):
            if out[i : i + len(t)] == t:
                out[i : i + len(t)] = ["\0"]
            i += 1
    return out


def _source_files() -> list[Path]:
    return sorted(p for p in REPORT_DIR.rglob("*") if p.is_file() and p.suffix in {".md", ".toml"})


def test_report_sources_exist():
    assert (REPORT_DIR / "sommaire.toml").is_file()
    assert len(_source_files()) >= 8


def test_report_sources_quote_no_sentence_of_the_report(shared_dir):
    """No eight consecutive words of any report/ source appear in the seed excerpt."""
    seed = _words((shared_dir / "seed" / SEED).read_text(encoding="utf-8"))
    grams = {tuple(seed[i : i + N]) for i in range(len(seed) - N + 1)}
    copied = []
    for path in _source_files():
        words = _without_titles(_words(path.read_text(encoding="utf-8")))
        for i in range(len(words) - N + 1):
            if tuple(words[i : i + N]) in grams:
                copied.append(f"{path.relative_to(REPORT_DIR)}: {' '.join(words[i : i + N])!r}")
                break
    assert not copied, "copied from the Odas report:\n" + "\n".join(copied)


@pytest.fixture(scope="module")
def pages():
    return plan_pages(load_book(REPORT_DIR), REPORT_DIR)


def test_every_chapter_and_one_appendix_per_site(pages):
    titles = [p.slug for p in pages if p.kind == "annexe"]
    for site_id in study.site_ids():
        assert f"annexe-site-{site_id}" in titles
    chapters = [p for p in pages if p.kind == "chapitre"]
    hyp = [p.slug for p in chapters if p.slug.startswith("hypothese-")]
    assert hyp == [f"hypothese-{h.lower()}" for h in study.hypothesis_ids()]
    assert len(chapters) >= 4 + len(hyp)


def test_every_reference_names_a_run_of_the_batch(pages):
    runs = {f"site-{s}" for s in study.site_ids()} | {f"hypothese-{h}" for h in study.hypothesis_ids()}
    runs |= {"methodologie", "synthese"}
    refs = [r for p in pages for r in p.refs]
    assert refs, "the report references no figure or table"
    for ref in refs:
        kind, run, _name = ref.directive.argument.split("/")
        assert kind == ("figures" if ref.kind == "figure" else "tables"), ref.directive.argument
        assert run in runs, f"{ref.directive.argument} in {ref.page.where}: no run named {run}"
    # each site appendix references its own site's exports only
    for page in pages:
        if page.slug.startswith("annexe-site-"):
            site_id = page.slug.removeprefix("annexe-site-")
            for ref in page.refs:
                run = ref.directive.argument.split("/")[1]
                assert run == f"site-{site_id}" or not run.startswith("site-"), ref.directive.argument


def _call_arguments(text: str, start: int) -> list[str]:
    """Top-level arguments of the call whose ``(`` is at ``start``, as source text."""
    depth, args, current, quote = 0, [], [], ""
    for ch in text[start:]:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
            if depth == 1:
                continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(current).strip())
                return args
        elif ch == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    return args


def _exported_names(kind: str) -> set[str] | None:
    """Literal names a notebook template passes to export.figure / export.table."""
    script = REPORT_DIR.parent / "notebooks" / f"{kind}.py"
    if not script.is_file():
        return None
    text = script.read_text(encoding="utf-8")
    names = set()
    for match in re.finditer(r"export\.(?:figure|table)\(", text):
        args = _call_arguments(text, match.end() - 1)
        if len(args) >= 2 and re.fullmatch(r"[\"'][a-z0-9][a-z0-9_-]*[\"']", args[1]):
            names.add(args[1][1:-1])
    return names


def test_references_match_what_the_notebooks_export(pages):
    """A renamed export in a notebook fails here, before `make report` does."""
    missing = []
    for page in pages:
        for ref in page.refs:
            _, run, name = ref.directive.argument.split("/")
            kind = run.split("-")[0] if run.startswith(("site-", "hypothese-")) else run
            names = _exported_names(kind)
            if names is None:
                pytest.skip(f"notebooks/{kind}.py not there yet")
            if name not in names:
                missing.append(f"{ref.directive.argument} ({page.where}): notebooks/{kind}.py exports {sorted(names)}")
    assert not missing, "\n".join(missing)


def test_the_check_catches_a_copied_run_but_not_a_cited_title():
    seed = _words("Il devient alors nécessaire d'organiser la complémentarité entre tous les acteurs du territoire.")
    grams = {tuple(seed[i : i + N]) for i in range(len(seed) - N + 1)}
    copied = _without_titles(
        _words("Ainsi il devient alors nécessaire d'organiser la complémentarité entre tous les acteurs.")
    )
    assert any(tuple(copied[i : i + N]) in grams for i in range(len(copied) - N + 1))
    title = _without_titles(
        _words("Le rapport « Cohésion sociale et territoires : comment mieux agir ? » paraît en 2019.")
    )
    assert "\0" in title and "agir" not in title
