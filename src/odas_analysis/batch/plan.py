"""The plan of a batch: which notebook runs, with which parameters, under which name."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ParameterError

KINDS: tuple[str, ...] = ("site", "hypothese", "methodologie", "synthese")
"""Notebook templates, in the order of the index and of the plan."""

CROSS_SITE_KINDS = frozenset({"hypothese", "methodologie", "synthese"})

KIND_TITLES = {
    "site": "Site : {label}",
    "hypothese": "Hypothèse {id} : {label}",
    "methodologie": "Méthodologie",
    "synthese": "Synthèse",
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

    def to_job(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "template": str(self.template),
            "parameters": dict(self.parameters),
            "title": self.title,
        }


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


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

    Raises
    ------
    ParameterError
        For an unknown site, kind or run name (the message lists the valid ones), or a
        missing template.
    """
    notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS_DIR).resolve()
    site_rows = study_sites(study_dir)
    hyp_rows = study_hypotheses(study_dir)
    valid_sites = [s for s, _ in site_rows]

    wanted_sites = _split_names(sites)
    unknown = [s for s in wanted_sites if s not in valid_sites]
    if unknown:
        raise ParameterError(
            f"unknown site id {', '.join(map(repr, unknown))}; valid site ids: {', '.join(valid_sites)}"
        )

    runs: list[Run] = []
    for site_id, name in site_rows:
        if wanted_sites and site_id not in wanted_sites:
            continue
        runs.append(
            Run(
                f"site-{site_id}",
                "site",
                notebooks_dir / "site.ipynb",
                {"site_id": site_id},
                KIND_TITLES["site"].format(label=name),
                site_id,
            )
        )
    for hyp_id, label in hyp_rows:
        runs.append(
            Run(
                f"hypothese-{hyp_id}",
                "hypothese",
                notebooks_dir / "hypothese.ipynb",
                {"hypothesis_id": hyp_id},
                KIND_TITLES["hypothese"].format(id=hyp_id, label=label),
            )
        )
    for kind in ("methodologie", "synthese"):
        runs.append(Run(kind, kind, notebooks_dir / f"{kind}.ipynb", {}, KIND_TITLES[kind]))

    wanted = _split_names(only)
    if wanted:
        names = {r.name for r in runs}
        bad = [w for w in wanted if w not in KINDS and w not in names]
        if bad:
            raise ParameterError(
                f"--only {', '.join(map(repr, bad))}: not a kind nor a run name; kinds: {', '.join(KINDS)}; "
                f"runs: {', '.join(sorted(names))}"
            )
        runs = [r for r in runs if r.kind in wanted or r.name in wanted]
    elif wanted_sites:
        runs = [r for r in runs if r.kind == "site"]

    missing = sorted({str(r.template) for r in runs if not r.template.is_file()})
    if missing:
        raise ParameterError(f"notebook template(s) missing: {', '.join(missing)}")
    return runs
