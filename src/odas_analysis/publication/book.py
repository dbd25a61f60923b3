"""The report's book: the sommaire, its pages, and their numbered figures and tables.

``report/sommaire.toml`` lists the chapters and appendices in order. Each entry names a
Markdown file (:mod:`odas_analysis.publication.markup` for the syntax), first filled in
by Jinja2 with the study (``sites``, ``hypotheses``, ``totals``, ``axes``...). An entry
with ``foreach = "site"`` (or ``"hypothese"``) is one template made into one page per
site (hypothesis), with ``site`` (``hypothesis``) and ``run`` (``site-<site_id>``,
``hypothese-<H>``) in its context.

Figures and tables are numbered per chapter (``Figure 3.2``, ``Tableau A.1``) in
reading order. A reference to a missing or stale export stops the build with one line
per problem naming the reference and the chapter (:class:`ReportError`);
:mod:`odas_analysis.publication.batch` says what stale means.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config, files, french
from .batch import Batch, Export, ExportProblem, rerun_command
from .errors import ReportError
from .markup import Directive, fence_directives, headings, make_parser, roles, split_title
from .typography import fr

REPORT_DIR = config.PROJECT_ROOT / "report"
SOMMAIRE = "sommaire.toml"
FOREACH = ("site", "hypothese")
SPECIAL_DIRECTIVES = ("note", "sources", "versions", "data-hashes", "manifest", "exports-list")

# --------------------------------------------------------------------------- model


@dataclass
class Ref:
    """A figure or table directive of a page, numbered and resolved."""

    kind: str  # "figure" or "table"
    directive: Directive
    page: Page
    number: str
    anchor: str
    export: Export | None = None

    @property
    def word(self) -> str:
        return "Figure" if self.kind == "figure" else "Tableau"

    @property
    def title(self) -> str:
        return f"{self.word} {self.number}"

    @property
    def caption(self) -> str:
        return self.directive.options.get("caption", "")

    @property
    def href(self) -> str:
        return f"{self.page.href}#{self.anchor}"


@dataclass
class Page:
    """One chapter or appendix: its source, number, title and parsed Markdown."""

    slug: str
    kind: str  # "chapitre" or "annexe"
    number: str
    source: str
    title: str
    tokens: list[Any]
    refs: list[Ref] = field(default_factory=list)
    templated: bool = False  # one of the pages made from a foreach template

    @property
    def href(self) -> str:
        return f"{self.slug}.html"

    @property
    def label(self) -> str:
        return f"{'Chapitre' if self.kind == 'chapitre' else 'Annexe'} {self.number}"

    @property
    def heading_text(self) -> str:
        return f"{self.label} — {fr(self.title)}"

    @property
    def where(self) -> str:
        return f"{self.label.lower()} « {self.title} » ({self.source})"

    @property
    def simulated(self) -> bool:
        return any(r.export is not None and r.export.simulated for r in self.refs)

    def sections(self) -> list[tuple[str, str]]:
        return headings(self.tokens, "h2")


@dataclass
class Book:
    """The sommaire: title and ordered entries."""

    title: str
    subtitle: str
    author: str
    footer: str
    cover: str | None
    entries: list[dict[str, Any]]


# --------------------------------------------------------------------------- sources


def load_book(sources: Path) -> Book:
    """Read ``sommaire.toml`` from the sources directory."""
    path = sources / SOMMAIRE
    shown = files.display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(
            f"pas de {SOMMAIRE} dans {files.display_path(sources)} : il liste les chapitres et annexes dans l'ordre"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(f"{files.display_path(path)} : TOML invalide ({exc})") from exc
    entries = []
    problems = []
    for kind, key in (("chapitre", "chapitre"), ("annexe", "annexe")):
        for item in data.get(key, []):
            if "file" not in item:
                problems.append(f"{shown} : une entrée [[{key}]] n'a pas de « file »")
                continue
            if item.get("foreach") not in (None, *FOREACH):
                problems.append(
                    f"{shown} : foreach = {item['foreach']!r} dans [[{key}]] {item['file']} : "
                    f"valeurs possibles {', '.join(FOREACH)}"
                )
            if not (sources / item["file"]).is_file():
                problems.append(f"{shown} : [[{key}]] file = {item['file']} n'existe pas")
            entries.append({"kind": kind, **item})
    if problems:
        raise ReportError(f"le sommaire du rapport ({shown}) a des problèmes :", problems)
    return Book(
        title=fr(str(data.get("title", "Rapport"))),
        subtitle=fr(str(data.get("subtitle", ""))),
        author=fr(str(data.get("author", ""))),
        footer=fr(str(data.get("footer", ""))),
        cover=data.get("cover"),
        entries=entries,
    )


def _records(frame) -> list[dict[str, Any]]:
    import pandas as pd

    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                k: (None if (v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v))) else v)
                for k, v in row.items()
            }
        )
    return out


def study_context() -> dict[str, Any]:
    """What the Jinja templates of the sources may use: the study as plain data."""
    from .. import study

    totals = study.fieldwork_totals()
    return {
        "sites": _records(study.sites()),
        "hypotheses": _records(study.hypotheses()),
        "axes": _records(study.axes()),
        "questions": _records(study.questions()),
        "subgroups": _records(study.subgroups()),
        "totals": {str(q): int(v) for q, v in zip(totals["quantity"], totals["value"])},
    }


def jinja_env(sources: Path):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(sources)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # the study's text (names, topics, labels) reaches the Markdown escaped
        keep_trailing_newline=True,
    )
    env.filters["nombre"] = lambda v, d=0: french.number(v, d)
    return env


def _expand(
    book: Book, sources: Path, context: dict[str, Any], sites: Sequence[str] | None
) -> list[tuple[dict[str, Any], str, str, str]]:
    """``(entry, slug, source label, markdown)`` of every page, templates filled in."""
    import jinja2

    env = jinja_env(sources)
    site_rows = context["sites"]
    if sites is not None:
        known = {s["site_id"] for s in site_rows}
        unknown = [s for s in sites if s not in known]
        if unknown:
            raise ReportError(f"site inconnu : {', '.join(unknown)} ; sites valides : {', '.join(sorted(known))}")
        site_rows = [s for s in site_rows if s["site_id"] in set(sites)]
    out = []
    problems = []
    for entry in book.entries:
        stem = Path(entry["file"]).stem
        variants: list[tuple[str, str, dict[str, Any]]]
        if entry.get("foreach") == "site":
            variants = [
                (f"{stem}-{s['site_id']}", f"site {s['site_id']}", {"site": s, "run": f"site-{s['site_id']}"})
                for s in site_rows
            ]
        elif entry.get("foreach") == "hypothese":
            variants = [
                (
                    f"{stem}-{h['hypothesis_id'].lower()}",
                    f"hypothèse {h['hypothesis_id']}",
                    {"hypothesis": h, "run": f"hypothese-{h['hypothesis_id']}"},
                )
                for h in context["hypotheses"]
            ]
        else:
            variants = [(stem, "", {})]
        for slug, variant, extra in variants:
            label = f"{sources.name}/{entry['file']}" + (f" [{variant}]" if variant else "")
            try:
                text = env.get_template(entry["file"]).render(**context, **extra)
            except jinja2.TemplateError as exc:
                where = f", ligne {exc.lineno}" if getattr(exc, "lineno", None) else ""
                problems.append(f"{label}{where} : {type(exc).__name__} : {exc}")
                continue
            out.append((entry, slug, label, text))
    if problems:
        raise ReportError("les sources du rapport n'ont pas pu être remplies :", problems)
    return out


# --------------------------------------------------------------------------- numbering


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _anchor_for(kind: str, target: str, taken: set[str]) -> str:
    base = ("figure-" if kind == "figure" else "tableau-") + re.sub(r"[^a-z0-9]+", "-", target.split("/", 1)[1].lower())
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def _number_refs(pages: list[Page], problems: list[str]) -> dict[str, Ref]:
    """Number the figures and tables of every page; return the references by label."""
    labels: dict[str, Ref] = {}
    for page in pages:
        counts = {"figure": 0, "table": 0}
        taken: set[str] = set()
        for directive in fence_directives(page.tokens):
            where = f"{page.where}, ligne {directive.line}"
            if directive.name in ("figure", "table"):
                counts[directive.name] += 1
                missing = [o for o in ("caption", "source") if not directive.options.get(o)]
                if not directive.argument:
                    problems.append(f"{where} : {{{directive.name}}} sans nom d'export")
                    continue
                if missing:
                    problems.append(
                        f"{where} : {directive.name} {directive.argument} n'a pas d'option :{': ni :'.join(missing)}:"
                    )
                ref = Ref(
                    directive.name,
                    directive,
                    page,
                    f"{page.number}.{counts[directive.name]}",
                    _anchor_for(directive.name, directive.argument, taken),
                )
                page.refs.append(ref)
                lab = directive.options.get("label")
                if lab:
                    if lab in labels:
                        problems.append(f"{where} : l'étiquette « {lab} » est déjà prise dans {labels[lab].page.where}")
                    labels[lab] = ref
                    ref.anchor = lab
            elif directive.name not in SPECIAL_DIRECTIVES:
                problems.append(
                    f"{where} : directive inconnue {{{directive.name}}} ; directives connues : figure, table, "
                    + ", ".join(SPECIAL_DIRECTIVES)
                )
    return labels


def plan_pages(
    book: Book, sources: Path, *, sites: Sequence[str] | None = None, context: dict[str, Any] | None = None
) -> list[Page]:
    """Parse and number every page and every figure and table; check the directives.

    Raises
    ------
    ReportError
        For a page without a title, an unknown directive, a figure or table without
        caption or source, a duplicate label or a reference to an unknown label.
    """
    md = make_parser()
    context = context if context is not None else study_context()
    pages: list[Page] = []
    problems: list[str] = []
    counters = {"chapitre": 0, "annexe": 0}
    for entry, slug, label, text in _expand(book, sources, context, sites):
        kind = entry["kind"]
        number = str(counters[kind] + 1) if kind == "chapitre" else _letters(counters[kind])
        counters[kind] += 1
        tokens = md.parse(text)
        title, body = split_title(tokens)
        if not title:
            problems.append(f"{label} : pas de titre (un titre de premier niveau « # ... »)")
            title = slug
        pages.append(
            Page(
                slug=slug,
                kind=kind,
                number=number,
                source=label,
                title=title,
                tokens=body,
                templated=bool(entry.get("foreach")),
            )
        )

    labels = _number_refs(pages, problems)
    for page in pages:
        for name, content, line in roles(page.tokens):
            if name not in ("numref", "ref"):
                problems.append(f"{page.where}, ligne {line} : rôle inconnu {{{name}}} ; rôles connus : numref, ref")
            elif content not in labels:
                problems.append(
                    f"{page.where}, ligne {line} : {{{name}}}`{content}` "
                    "ne nomme l'étiquette d'aucune figure ni d'aucun tableau"
                )
    if problems:
        raise ReportError("les sources du rapport ont des problèmes :", problems)
    return pages


_PROBLEM_FR = {
    ("missing", "figure"): "figure manquante",
    ("missing", "table"): "tableau manquant",
    ("invalid", "figure"): "figure mal nommée",
    ("invalid", "table"): "tableau mal nommé",
}


def _stale_lines(stale: dict[str, list[tuple[Ref, str]]]) -> list[str]:
    """One line per stale run: its reason, the references it spoils, the command that fixes it."""
    lines = []
    for run, items in stale.items():
        titles = ", ".join(ref.title for ref, _ in items)
        chapters = sorted({ref.page.label.lower() for ref, _ in items})
        lines.append(
            f"exécution {run} périmée : {items[0][1]} ; {french.integer(len(items))} renvoi(s) concerné(s) ({titles} ; "
            f"{', '.join(chapters)}) ; {rerun_command(run)}"
        )
    return lines


def resolve_exports(pages: list[Page], batch: Batch) -> None:
    """Attach its export to every reference; raise one :class:`ReportError` for all problems.

    A missing or misnamed export gives one line per reference; stale exports one line per
    run (the reason, the references concerned, the command to run).
    """
    problems: list[str] = []
    stale: dict[str, list[tuple[Ref, str]]] = {}
    for page in pages:
        for ref in page.refs:
            expected = "figures" if ref.kind == "figure" else "tables"
            try:
                ref.export = batch.resolve(ref.directive.argument, expected)
            except ExportProblem as exc:
                if exc.kind == "stale":
                    stale.setdefault(exc.run, []).append((ref, str(exc)))
                else:
                    what = _PROBLEM_FR[(exc.kind, ref.kind)]
                    problems.append(f"{what} {ref.directive.argument} ({ref.title}, {page.where}) : {exc}")
    where = files.display_path(batch.root)
    if stale and not batch.manifest:
        manifest = files.display_path(batch.manifest_path)
        problems.append(f"aucun manifeste de lot ({manifest}) : lancez `make reports`, puis reconstruisez le rapport")
    elif stale:
        problems += _stale_lines(stale)
    if problems:
        raise ReportError(f"le rapport ne peut pas être publié (lot : {where}) :", problems)


__all__ = [
    "FOREACH",
    "REPORT_DIR",
    "SOMMAIRE",
    "Book",
    "Page",
    "Ref",
    "jinja_env",
    "load_book",
    "plan_pages",
    "resolve_exports",
    "study_context",
]
