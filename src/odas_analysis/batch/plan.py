"""The plan of a batch: which notebook runs, with which parameters, under which name."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import config, files
from ..errors import ParameterError

KINDS: tuple[str, ...] = ("site", "hypothese", "methodologie", "synthese", "territoire")
"""Notebook templates, in the order of the index and of the plan."""

CROSS_SITE_KINDS = frozenset({"hypothese", "methodologie", "synthese"})

KIND_TITLES = {
    "site": "Site : {label}",
    "hypothese": "Hypothèse {id} : {label}",
    "methodologie": "Méthodologie",
    "synthese": "Synthèse",
    "territoire": "Territoire : {label} ({code})",
}


@dataclass(frozen=True)
class Run:
    """One notebook execution: a template, its parameters and an output name."""

    name: str
    kind: str
    template: Path
    parameters: dict[str, Any]
    title: str
    site_id: str | None = None
    #: Previous and next runs of the same kind, as ``(name, label)`` (for the pages' links).
    previous: tuple[str, str] | None = None
    next: tuple[str, str] | None = None
    #: The report's page that shows the run, as ``(link from a page, label)``: read from
    #: ``report/`` once by :func:`plan` (in each worker it cost an import of pandas and a
    #: parse of ``report/``).
    report: tuple[str, str] | None = None

    @property
    def navigation(self) -> dict[str, Any]:
        return {"kind": self.kind, "previous": self.previous, "next": self.next}

    def to_job(self) -> dict[str, Any]:
        """What a worker needs to execute and render the run (plain data)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "template": str(self.template),
            "parameters": dict(self.parameters),
            "title": self.title,
            "navigation": self.navigation,
            "report": self.report,
        }


SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""A site id: lower-case letters and digits, single hyphens between them (the schema's pattern)."""

HYPOTHESIS_ID = re.compile(r"^H[1-9][0-9]*$")
"""A hypothesis id: ``H`` and a number."""

FIELD_LIMIT = 128 * 1024
"""The longest field a study table may hold (the :mod:`csv` module's default limit)."""

_ID_COLUMNS = {"sites.csv": ("site_id", SLUG, "name"), "hypotheses.csv": ("hypothesis_id", HYPOTHESIS_ID, "label")}


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a study table, refused with a French message naming file, line and rule.

    A byte-order mark is accepted (spreadsheets write one); a file that is not UTF-8, a
    field longer than the :mod:`csv` limit, a missing id column, an id that is not a
    slug, a duplicate id or a table without rows is refused.
    """
    shown = files.display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ParameterError(f"{shown} : fichier introuvable") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(
            f"{shown}, ligne {line} : l'octet 0x{raw[exc.start]:02x} n'est pas de l'UTF-8 ; enregistrez le fichier en UTF-8"
        ) from None
    reader = csv.DictReader(text.splitlines())
    previous = csv.field_size_limit(FIELD_LIMIT)  # the same rule whatever another module set
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ParameterError(f"{shown}, ligne {reader.line_num} : ligne CSV illisible ({exc})") from None
    finally:
        csv.field_size_limit(previous)
    id_column, pattern, label_column = _ID_COLUMNS.get(path.name, (None, None, None))
    if id_column is None:
        return rows
    missing = [c for c in (id_column, label_column) if c not in (reader.fieldnames or [])]
    if missing:
        raise ParameterError(f"{shown}, ligne 1 : colonne(s) absente(s) : {', '.join(missing)}")
    if not rows:
        raise ParameterError(f"{shown} : aucune ligne après l'en-tête, rien à exécuter")
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        value = row[id_column] or ""
        if not pattern.match(value):
            raise ParameterError(
                f"{shown}, ligne {line}, colonne « {id_column} » : identifiant refusé {value!r} "
                f"(attendu : {pattern.pattern})"
            )
        if value in seen:
            raise ParameterError(f"{shown}, ligne {line}, colonne « {id_column} » : identifiant en double {value!r}")
        seen.add(value)
    return rows


def validate_study(study_dir: Path | None = None) -> None:
    """Check ``sites.csv`` and ``hypotheses.csv`` as ``odas-analysis validate`` does (schemas, keys).

    The result is stamped by :func:`odas_analysis.validate.validate_tables`: unchanged
    files are not checked again by the next batch.

    Raises
    ------
    ParameterError
        Every broken rule, each naming file, line and column.
    """
    from ..validate import validate_tables

    base = Path(study_dir or config.STUDY_DIR)
    report = validate_tables(
        ["sites", "hypotheses"], overrides={"sites": base / "sites.csv", "hypotheses": base / "hypotheses.csv"}
    )
    if not report.ok:
        lines = "\n".join(f"  - {p.text()}" for p in report.problems)
        raise ParameterError(f"les tables de l'étude sont invalides, rien n'a été exécuté :\n{lines}")


def study_sites(study_dir: Path | None = None) -> list[tuple[str, str]]:
    """``(site_id, name)`` of the eleven sites, in the order of ``data/study/sites.csv``.

    Read with :mod:`csv` rather than :func:`odas_analysis.study.site_ids` on purpose: the
    batch must decide in a fraction of a second that nothing changed, without importing
    pandas. ``tests/test_runner.py`` checks both agree.
    """
    rows = _read_csv_rows((study_dir or config.STUDY_DIR) / "sites.csv")
    return [(r["site_id"], r["name"]) for r in rows]


def study_hypotheses(study_dir: Path | None = None) -> list[tuple[str, str]]:
    """``(hypothesis_id, label)`` of the five hypotheses (see :func:`study_sites`)."""
    rows = _read_csv_rows((study_dir or config.STUDY_DIR) / "hypotheses.csv")
    return [(r["hypothesis_id"], r["label"]) for r in rows]


def _split_names(values: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in str(value).split(",") if v.strip())
    return out


def plan(
    *,
    sites: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    notebooks_dir: Path | None = None,
    study_dir: Path | None = None,
    territories: Iterable[str] | None = None,
    national_dir: Path | None = None,
) -> list[Run]:
    """Return the runs to consider, validated.

    Parameters
    ----------
    sites
        Site ids (repeatable or comma-separated). When given, site runs are limited to
        them and, unless ``only`` says otherwise, only site runs are planned.
    only
        Kinds (``site``, ``hypothese``, ``methodologie``, ``synthese``) or run names
        (``site-angers``, ``hypothese-H2``...), repeatable or comma-separated.
    notebooks_dir
        Where the templates ``<kind>.ipynb`` live (default ``notebooks/``).
    study_dir
        Where ``sites.csv`` and ``hypotheses.csv`` live (default ``data/study/``).
    territories
        Commune INSEE codes or EPCI SIRENs of the national files (repeatable or
        comma-separated): one ``territoire-<code>`` run each. When given without
        ``sites`` or ``only``, only these runs are planned.
    national_dir
        The national files (default ``ODAS_NATIONAL_DATA``), where the codes are looked up.

    Raises
    ------
    ParameterError
        For an unknown site, kind, run name or territory code (the message lists the
        valid ones, or names the file a code was looked in), or a missing template.
    """
    notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS_DIR).resolve()
    site_rows = study_sites(study_dir)
    hyp_rows = study_hypotheses(study_dir)
    validate_study(study_dir)
    valid_sites = [s for s, _ in site_rows]
    wanted_sites = _split_names(sites)
    unknown = [s for s in wanted_sites if s not in valid_sites]
    if unknown:
        raise ParameterError(
            f"site inconnu : {', '.join(map(repr, unknown))} ; sites valides : {', '.join(valid_sites)}"
        )
    territory_runs = _territory_runs(notebooks_dir, _split_names(territories), national_dir)
    runs = _select(
        _all_runs(notebooks_dir, site_rows, hyp_rows, wanted_sites), _split_names(only), wanted_sites, territory_runs
    )
    missing = sorted({str(r.template) for r in runs if not r.template.is_file()})
    if missing:
        raise ParameterError(f"modèle(s) de notebook absent(s) : {', '.join(missing)}")
    from .pages import report_pages

    links = report_pages()
    return [replace(r, report=links.get(r.name)) for r in runs]


def _all_runs(notebooks_dir: Path, site_rows, hyp_rows, wanted_sites: list[str]) -> list[Run]:
    sites = [
        Run(
            f"site-{site_id}",
            "site",
            notebooks_dir / "site.ipynb",
            {"site_id": site_id},
            KIND_TITLES["site"].format(label=name),
            site_id,
        )
        for site_id, name in site_rows
    ]
    hypotheses = [
        Run(
            f"hypothese-{hyp_id}",
            "hypothese",
            notebooks_dir / "hypothese.ipynb",
            {"hypothesis_id": hyp_id},
            KIND_TITLES["hypothese"].format(id=hyp_id, label=label),
        )
        for hyp_id, label in hyp_rows
    ]
    sites = _linked(sites, [name for _id, name in site_rows])
    hypotheses = _linked(hypotheses, [f"{hyp_id} : {label}" for hyp_id, label in hyp_rows])
    runs = [r for r in sites if not wanted_sites or r.site_id in wanted_sites] + hypotheses
    for kind in ("methodologie", "synthese"):
        runs.append(Run(kind, kind, notebooks_dir / f"{kind}.ipynb", {}, KIND_TITLES[kind]))
    return runs


def _territory_runs(notebooks_dir: Path, codes: list[str], national_dir: Path | None) -> list[Run]:
    """One ``territoire-<code>`` run per distinct code, each checked in the national files."""
    if not codes:
        return []
    from ..national.codes import lookup_code

    found = list({t.code: t for t in (lookup_code(c, national_dir) for c in codes)}.values())
    runs = [
        Run(
            f"territoire-{t.code.lower()}",
            "territoire",
            notebooks_dir / "territoire.ipynb",
            {"territory_code": t.code},
            KIND_TITLES["territoire"].format(label=t.name, code=t.code),
        )
        for t in found
    ]
    return _linked(runs, [f"{t.name} ({t.code})" for t in found])


def _linked(runs: list[Run], labels: list[str]) -> list[Run]:
    """``runs`` (one kind, in the tables' order) with their previous and next neighbours."""
    out = []
    for i, run in enumerate(runs):
        previous = (runs[i - 1].name, labels[i - 1]) if i > 0 else None
        following = (runs[i + 1].name, labels[i + 1]) if i + 1 < len(runs) else None
        out.append(replace(run, previous=previous, next=following))
    return out


def _select(runs: list[Run], wanted: list[str], wanted_sites: list[str], territories: list[Run]) -> list[Run]:
    """The runs asked for; territory runs always follow (alone when neither sites nor kinds are asked for)."""
    if territories and not wanted and not wanted_sites:
        return territories
    if wanted:
        names = {r.name for r in runs}
        bad = [w for w in wanted if w not in KINDS and w not in names]
        if bad:
            raise ParameterError(
                f"--only {', '.join(map(repr, bad))} : ni un type ni un nom d'exécution ; "
                f"types : {', '.join(KINDS)} ; exécutions : {', '.join(sorted(names))}"
            )
        return [r for r in runs if r.kind in wanted or r.name in wanted] + territories
    if wanted_sites:
        return [r for r in runs if r.kind == "site"] + territories
    return runs + territories
