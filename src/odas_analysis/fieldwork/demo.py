"""The demonstration set of fieldwork records: données simulées, generated from a fixed seed.

The real interview records of the study are confidential. So that every loader,
notebook and test runs without them, this module generates a *labelled* stand-in with
the same tables and columns (``data/fieldwork/demo/*.csv``), consistent with the totals
the report publishes and nothing more:

* eleven sites (``data/study/sites.csv``);
* exactly 143 interviews in phase 2 (individual or collective), spread over the sites
  (the split per site is simulated: the report publishes only the total);
* more than 400 participants in phase 2 (the report says "plus de 400");
* :data:`PHASE4_WORKSHOPS_PER_SITE` workshops per site in phase 4: a **simulated**
  number, the report says only that phase 4 worked mostly through workshops;
* participants in the actor categories the report lists (``actor_categories.csv``);
* coded segments and a filled-in assessment grid whose levels are random draws.

Every row carries ``synthetic = true`` and ``manifest.json`` says the same. Nothing in
the set describes what a site really did: a level, a date, a count or a quotation of the
demonstration set is a draw from a random generator, and every page that uses it says
"données simulées".

Regenerate with ``odas-analysis fieldwork demo`` (byte-identical output for the same
seed; ``tests/test_demo.py`` checks the committed files against a fresh generation).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import files, study
from ..validate import load_table
from .tables import DEMO_DIR

__all__ = ["SEED", "DEMO_DIR", "PHASE4_WORKSHOPS_PER_SITE", "generate", "write_demo", "write_fake_overlay"]

#: Seed of the generator: the demonstration set is a pure function of it.
SEED = 20190501
#: Workshops per site in phase 4: simulated (the report gives no number).
PHASE4_WORKSHOPS_PER_SITE = 2

_TABLE_COLUMNS = {
    "interviews": [
        "interview_id",
        "site_id",
        "phase",
        "date",
        "format",
        "n_participants",
        "interviewers",
        "synthetic",
    ],
    "participants": ["participant_id", "interview_id", "actor_category", "institution", "role", "synthetic"],
    "coded_segments": [
        "segment_id",
        "interview_id",
        "participant_id",
        "hypothesis_id",
        "code",
        "theme",
        "coder",
        "coding_role",
        "excerpt",
        "synthetic",
    ],
    "assessments": ["site_id", "condition_id", "level", "evidence", "coder", "coding_role", "synthetic"],
}

# Relative frequency of each actor category by interview format (simulated weights).
_CATEGORY_WEIGHTS = {
    "individual": {
        "elu_commune": 4,
        "agent_commune": 6,
        "elu_epci": 1,
        "agent_epci": 2,
        "etat_prefecture": 1,
        "etat_delegue_prefet": 2,
        "etat_services_deconcentres": 2,
        "departement": 3,
        "caf": 2,
        "autre_institution": 2,
        "association": 3,
        "habitant": 1,
    },
    "collective": {
        "elu_commune": 1,
        "agent_commune": 5,
        "elu_epci": 1,
        "agent_epci": 2,
        "etat_prefecture": 1,
        "etat_delegue_prefet": 1,
        "etat_services_deconcentres": 2,
        "departement": 2,
        "caf": 2,
        "autre_institution": 3,
        "association": 6,
        "habitant": 6,
    },
    "workshop": {
        "elu_commune": 1,
        "agent_commune": 5,
        "elu_epci": 1,
        "agent_epci": 2,
        "etat_prefecture": 0,
        "etat_delegue_prefet": 1,
        "etat_services_deconcentres": 1,
        "departement": 2,
        "caf": 1,
        "autre_institution": 3,
        "association": 5,
        "habitant": 5,
    },
}
# Generic institution and role labels per category (never a real body or person).
_INSTITUTIONS = {
    "elu_commune": ["Ville"],
    "agent_commune": ["Ville", "CCAS"],
    "elu_epci": ["EPCI"],
    "agent_epci": ["EPCI"],
    "etat_prefecture": ["Préfecture"],
    "etat_delegue_prefet": ["Préfecture"],
    "etat_services_deconcentres": ["Service déconcentré de l'État"],
    "departement": ["Conseil départemental"],
    "caf": ["CAF"],
    "autre_institution": ["Bailleur social", "Centre social", "Mission locale"],
    "association": ["Association de quartier", "Association d'éducation populaire", "Association d'insertion"],
    "habitant": ["Conseil citoyen", "Collectif d'habitants", "Conseil de quartier"],
}
_ROLES = {
    "elu": ["Élu·e adjoint·e", "Conseiller·e délégué·e"],
    "agent": ["Direction", "Chargé·e de mission", "Chef·fe de projet", "Travailleur·se social·e"],
    "etat_prefecture": ["Chargé·e de mission"],
    "etat_delegue_prefet": ["Délégué·e du préfet"],
    "etat_services_deconcentres": ["Chargé·e de mission", "Direction"],
    "association": ["Responsable associatif·ve", "Salarié·e", "Bénévole"],
    "habitant": ["Habitant·e"],
}
# Simulated tilt of the testimony by group of actors (log-odds of "supports").
_GROUP_EFFECT = {"ville_epci": 0.35, "etat": 0.0, "institutions": 0.0, "associations": -0.25, "habitants": -0.45}
# Which hypotheses a site's segments tend to speak of, by research axis (simulated).
_AXIS_HYPOTHESIS_WEIGHTS = {
    "A1": {"H1": 2, "H2": 2, "H3": 4, "H4": 3, "H5": 1},
    "A2": {"H1": 3, "H2": 4, "H3": 2, "H4": 2, "H5": 1},
    "A3": {"H1": 2, "H2": 2, "H3": 2, "H4": 1, "H5": 4},
}
_CODES = ("supports", "qualifies", "contradicts")
_STUDY_START = dt.date(2016, 1, 11)  # first Monday of the simulated phase-2 window
# Simulated dates; Creil's are put after 1 July 2016 only because ODASWEB-COPIL says ten sites
# had been visited by then and Creil had just joined (the real date is not published).
_CREIL_START = dt.date(2016, 9, 5)
_PHASE4_START = dt.date(2017, 1, 9)


def _role(category: str, rng: np.random.Generator) -> str:
    if category.startswith("elu_"):
        options = _ROLES["elu"]
    elif category.startswith("agent_") or category in {"departement", "caf", "autre_institution"}:
        options = _ROLES["agent"]
    else:
        options = _ROLES[category]
    return str(options[int(rng.integers(len(options)))])


def _weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _split_total(rng: np.random.Generator, total: int, parts: int, low: int, high: int) -> list[int]:
    """``parts`` whole numbers in ``[low, high]`` summing to ``total``, drawn at random."""
    counts = [total // parts] * parts
    for i in range(total - sum(counts)):
        counts[i] += 1
    for _ in range(4 * parts):
        a, b = (int(v) for v in rng.choice(parts, size=2, replace=False))
        if counts[a] > low and counts[b] < high:
            counts[a] -= 1
            counts[b] += 1
    return counts


def _level(value: float) -> int:
    return int(min(3, max(0, round(value))))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + float(np.exp(-x)))


def _site_interviews(rng: np.random.Generator, site_id: str, count: int, week: int) -> list[dict[str, object]]:
    """One site's phase-2 interviews (``count``, from a simulated week) and phase-4 workshops."""
    start = _CREIL_START if site_id == "creil" else _STUDY_START + dt.timedelta(weeks=int(week))
    first_day = start + dt.timedelta(days=int(rng.integers(4)))  # Monday to Thursday
    rows: list[dict[str, object]] = []
    for k in range(count):
        fmt = "individual" if rng.random() < 0.55 else "collective"
        n = 1 if fmt == "individual" else int(2 + min(rng.poisson(3.2), 10))
        rows.append(
            {
                "interview_id": f"{site_id}-p2-{k + 1:02d}",
                "site_id": site_id,
                "phase": 2,
                "date": (first_day + dt.timedelta(days=int(k >= count // 2))).isoformat(),
                "format": fmt,
                "n_participants": n,
                "interviewers": "",
            }
        )
    for k in range(PHASE4_WORKSHOPS_PER_SITE):
        day = _PHASE4_START + dt.timedelta(days=int(rng.integers(0, 250)))
        while day.weekday() > 4:
            day += dt.timedelta(days=1)
        rows.append(
            {
                "interview_id": f"{site_id}-p4-{k + 1:02d}",
                "site_id": site_id,
                "phase": 4,
                "date": day.isoformat(),
                "format": "workshop",
                "n_participants": int(6 + min(rng.poisson(5.0), 14)),
                "interviewers": "",
            }
        )
    return rows


def _interview_register(
    rng: np.random.Generator, site_ids: list[str], n_interviews: int, min_actors: int
) -> list[dict[str, object]]:
    """The interview register: ``n_interviews`` in phase 2 with more than ``min_actors`` participants."""
    per_site = _split_total(rng, n_interviews, len(site_ids), low=10, high=17)
    weeks = rng.permutation(24)[: len(site_ids)]
    interviews: list[dict[str, object]] = []
    for site_id, count, week in zip(site_ids, per_site, weeks):
        interviews += _site_interviews(rng, site_id, count, int(week))
    # "Plus de 400": top up the collective interviews, in order, until the total exceeds it.
    phase2 = [r for r in interviews if r["phase"] == 2]
    collective = [r for r in phase2 if r["format"] == "collective"]
    i = 0
    while sum(int(r["n_participants"]) for r in phase2) <= min_actors:
        collective[i % len(collective)]["n_participants"] = int(collective[i % len(collective)]["n_participants"]) + 1
        i += 1
    for row in interviews:
        team = ["odas-" + str(1 + int(rng.integers(3)))]
        if row["phase"] == 2:
            team.append("cget-" + str(1 + int(rng.integers(2))))
            if rng.random() < 0.5:
                team.append("pair-" + str(1 + int(rng.integers(6))))
        row["interviewers"] = ";".join(sorted(set(team)))
        row["synthetic"] = True
    return interviews


def _participants(
    rng: np.random.Generator, interviews: list[dict[str, object]]
) -> tuple[list[dict[str, object]], dict[str, list[dict[str, object]]]]:
    """Participants of every interview, and the same grouped by interview."""
    participants: list[dict[str, object]] = []
    by_interview: dict[str, list[dict[str, object]]] = {}
    for row in interviews:
        weights = dict(_CATEGORY_WEIGHTS[str(row["format"])])
        if str(row["site_id"]) in {"moulins-communaute", "valenciennes-metropole"}:
            weights["elu_epci"] *= 3
            weights["agent_epci"] *= 3
        for _ in range(int(row["n_participants"])):
            category = _weighted(rng, weights)
            options = _INSTITUTIONS[category]
            person = {
                "participant_id": f"p{len(participants) + 1:04d}",
                "interview_id": row["interview_id"],
                "actor_category": category,
                "institution": options[int(rng.integers(len(options)))],
                "role": _role(category, rng),
                "synthetic": True,
            }
            participants.append(person)
            by_interview.setdefault(str(row["interview_id"]), []).append(person)
    return participants, by_interview


def _assessment_row(site_id: str, condition_id: str, level: int, coder: str, role: str) -> dict[str, object]:
    return {
        "site_id": site_id,
        "condition_id": condition_id,
        "level": level,
        "evidence": "Justification simulée (données simulées, aucun document réel)",
        "coder": coder,
        "coding_role": role,
        "synthetic": True,
    }


def _assessments(
    rng: np.random.Generator, site_ids: list[str], hyp_ids: list[str], grid_items: pd.DataFrame
) -> tuple[list[dict[str, object]], dict[tuple[str, str], int], set[str]]:
    """The assessment grid: levels drawn around a latent site propensity, five sites double-coded.

    Returns the rows, the outcome level of each (site, hypothesis) and the double-coded sites.
    """
    latent = {s: float(rng.normal()) for s in site_ids}
    assessments: list[dict[str, object]] = []
    outcome_level: dict[tuple[str, str], int] = {}
    double_sites = set(rng.choice(site_ids, size=5, replace=False).tolist())
    for hyp in hyp_ids:
        items = grid_items.loc[grid_items["hypothesis_id"] == hyp]
        conditions = [str(v) for v in items.loc[items["element"] == "condition", "variable_id"]]
        outcome = str(items.loc[items["element"] == "outcome", "variable_id"].iloc[0])
        for site_id in site_ids:
            levels = {c: _level(1.5 + 0.8 * latent[site_id] + rng.normal(0, 0.8)) for c in conditions}
            mean = float(np.mean(list(levels.values())))
            levels[outcome] = _level(1.5 + 0.9 * (mean - 1.5) + rng.normal(0, 0.6))
            outcome_level[(site_id, hyp)] = levels[outcome]
            for condition_id, level in levels.items():
                assessments.append(_assessment_row(site_id, condition_id, level, "codeur-1", "primary"))
                if site_id in double_sites:
                    second = level if rng.random() < 0.8 else _level(level + (1 if rng.random() < 0.5 else -1))
                    assessments.append(_assessment_row(site_id, condition_id, second, "codeur-2", "reliability"))
    assessments.sort(key=lambda r: (str(r["site_id"]), str(r["condition_id"]), str(r["coder"])))
    return assessments, outcome_level, double_sites


def _segments(
    rng: np.random.Generator,
    interviews: list[dict[str, object]],
    by_interview: dict[str, list[dict[str, object]]],
    context: dict[str, Any],
) -> list[dict[str, object]]:
    """Coded segments of every interview; a fifth of the interviews coded twice.

    ``context`` holds ``axis_of`` (site -> axis), ``group_of`` (category -> group),
    ``outcome_level`` ((site, hypothesis) -> level) and ``themes`` (hypothesis -> variables).
    """
    double_interviews = set(
        rng.choice(
            [str(r["interview_id"]) for r in interviews], size=round(0.2 * len(interviews)), replace=False
        ).tolist()
    )
    segments: list[dict[str, object]] = []
    for row in interviews:
        interview_id = str(row["interview_id"])
        people = by_interview[interview_id]
        base = {"individual": 4, "collective": 6, "workshop": 6}[str(row["format"])]
        interview_effect = float(rng.normal(0, 0.3))
        for k in range(base + int(rng.poisson(4))):
            seg = _segment(rng, row, people, k, interview_effect, context)
            segments.append(seg)
            if interview_id in double_interviews:
                if rng.random() < 0.82:
                    other = seg["code"]
                else:
                    others = [c for c in _CODES if c != seg["code"]]
                    other = others[int(rng.integers(2))]
                segments.append({**seg, "code": other, "coder": "codeur-2", "coding_role": "reliability"})
    return segments


def _segment(
    rng: np.random.Generator,
    row: dict[str, object],
    people: list[dict[str, object]],
    k: int,
    interview_effect: float,
    context: dict[str, Any],
) -> dict[str, object]:
    """The ``k``-th segment of one interview, primary coding."""
    themes = context["themes"]
    hyp = _weighted(rng, _AXIS_HYPOTHESIS_WEIGHTS[context["axis_of"][str(row["site_id"])]])
    speaker = people[int(rng.integers(len(people)))]
    attributed = row["format"] == "individual" or rng.random() > 0.1
    eta = (
        -0.2
        + 0.5 * (context["outcome_level"][(str(row["site_id"]), hyp)] - 1.5)
        + _GROUP_EFFECT[context["group_of"][str(speaker["actor_category"])]]
        + interview_effect
    )
    if rng.random() < _sigmoid(eta):
        code = "supports"
    else:
        code = "qualifies" if rng.random() < 0.65 else "contradicts"
    segment_id = f"{row['interview_id']}-s{k + 1:02d}"
    return {
        "segment_id": segment_id,
        "interview_id": str(row["interview_id"]),
        "participant_id": speaker["participant_id"] if attributed else "",
        "hypothesis_id": hyp,
        "code": code,
        "theme": themes[hyp][int(rng.integers(len(themes[hyp])))],
        "coder": "codeur-1",
        "coding_role": "primary",
        "excerpt": f"Passage simulé {segment_id} (données simulées, aucun propos réel)",
        "synthetic": True,
    }


def _manifest(
    seed: int,
    n_sites: int,
    interviews: list[dict[str, object]],
    segments: list[dict[str, object]],
    n_double_sites: int,
) -> dict[str, object]:
    """What ``manifest.json`` says about the set: simulated, and which totals it matches."""
    n_phase2 = sum(1 for r in interviews if r["phase"] == 2)
    return {
        "synthetic": True,
        "label_fr": "données simulées",
        "description_fr": (
            "Jeu de démonstration généré par odas_analysis.demo à partir d'une graine fixe. "
            "Aucune ligne ne décrit un entretien, une personne ou une évaluation réels."
        ),
        "generator": "odas_analysis.demo.generate",
        "seed": seed,
        "matches_published_totals": {
            "sites": n_sites,
            "phase2_interviews": n_phase2,
            "phase2_participants": sum(int(r["n_participants"]) for r in interviews if r["phase"] == 2),
        },
        "simulated_without_published_total": {
            "phase4_workshops": len(interviews) - n_phase2,
            "phase4_participants": sum(int(r["n_participants"]) for r in interviews if r["phase"] == 4),
            "coded_segments_primary": sum(1 for s in segments if s["coding_role"] == "primary"),
            "coded_segments_double_coded": sum(1 for s in segments if s["coding_role"] == "reliability"),
            "sites_with_double_assessment": n_double_sites,
        },
    }


def generate(seed: int = SEED) -> dict[str, list[dict[str, object]]]:
    """Generate the demonstration set.

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    dict
        ``{table name: rows}``, each row a dict of column -> value, plus ``"manifest"``
        (a one-element list with the set's description). Rows are in a fixed order.
    """
    rng = np.random.default_rng(seed)
    sites = study.sites()
    site_ids = [str(s) for s in sites["site_id"]]
    categories = load_table("actor_categories")
    operationalisation = load_table("operationalisation")
    grid_items = operationalisation.loc[operationalisation["data_source"] == "grid"]
    hyp_ids = study.hypothesis_ids()

    interviews = _interview_register(
        rng, site_ids, study.published_total("interviews"), study.published_total("actors")
    )
    participants, by_interview = _participants(rng, interviews)
    assessments, outcome_level, double_sites = _assessments(rng, site_ids, hyp_ids, grid_items)
    context = {
        "axis_of": dict(zip(sites["site_id"].astype(str), sites["axis_id"].astype(str))),
        "group_of": dict(zip(categories["category_id"].astype(str), categories["group_id"].astype(str))),
        "outcome_level": outcome_level,
        "themes": {
            hyp: [str(v) for v in grid_items.loc[grid_items["hypothesis_id"] == hyp, "variable_id"]] for hyp in hyp_ids
        },
    }
    segments = _segments(rng, interviews, by_interview, context)
    return {
        "interviews": interviews,
        "participants": participants,
        "coded_segments": segments,
        "assessments": assessments,
        "manifest": [_manifest(seed, len(site_ids), interviews, segments, len(double_sites))],
    }


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _csv_text(columns: Sequence[str], rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return buf.getvalue()


def write_demo(out_dir: os.PathLike[str] | str | None = None, seed: int = SEED) -> list[Path]:
    """Generate the demonstration set and write it as CSV files plus ``manifest.json``.

    Parameters
    ----------
    out_dir
        Target directory (default: ``data/fieldwork/demo/``); created if needed.
    seed
        Seed of the generator.

    Returns
    -------
    list of Path
        The files written, in a fixed order.
    """
    target = Path(out_dir) if out_dir is not None else DEMO_DIR
    target.mkdir(parents=True, exist_ok=True)
    tables = generate(seed)
    written = []
    for name, columns in _TABLE_COLUMNS.items():
        path = target / f"{name}.csv"
        files.write_text(path, _csv_text(columns, tables[name]))
        written.append(path)
    manifest = target / "manifest.json"
    files.write_text(manifest, json.dumps(tables["manifest"][0], ensure_ascii=False, indent=2) + "\n")
    written.append(manifest)
    return written


#: Invented given and family names for the fake overlay of tests (no real participant).
_FAKE_GIVEN = ("Zéphirine", "Anatole", "Hortense", "Barnabé", "Léocadie", "Onésime", "Philomène", "Télesphore")
_FAKE_FAMILY = (
    "Quillardec",
    "Vermandois-Lurette",
    "Oubliette",
    "Tranchebise",
    "Pommerolle",
    "Grisonnet",
    "Valdrôme",
    "Escarbille",
)


def write_fake_overlay(out_dir: os.PathLike[str] | str, n_names: int = 40, seed: int = SEED) -> Path:
    """Write a stand-in for ``ODAS_PRIVATE_DATA``: the demonstration tables plus invented names.

    For tests of the private switch and of the names check (``ODAS_PRIVATE_DATA=out_dir``).
    The record tables are the demonstration set, still ``synthetic = true`` (so every page
    built on them still says "données simulées"); ``participant_names.csv`` gives invented
    names (first names and family names that are unlikely in any text) to the first
    ``n_names`` participants.

    Returns
    -------
    Path
        ``out_dir``.
    """
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    write_demo(target, seed=seed)
    (target / "manifest.json").unlink()
    rng = np.random.default_rng(seed + 1)
    rows = []
    for k in range(n_names):
        given = _FAKE_GIVEN[int(rng.integers(len(_FAKE_GIVEN)))]
        family = _FAKE_FAMILY[k % len(_FAKE_FAMILY)]
        rows.append({"participant_id": f"p{k + 1:04d}", "name": f"{given} {family}"})
    files.write_text(target / "participant_names.csv", _csv_text(["participant_id", "name"], rows))
    return target
