"""The rows of ``site_indicators.csv`` and ``national_distribution.csv`` for one :class:`Measure`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from .csv_format import csv_number
from .measure import Measure, ratio_value
from .sites import Site

SITE_INDICATOR_COLUMNS = [
    "site_id",
    "site_name",
    "site_level",
    "site_code",
    "indicator",
    "label",
    "data_year",
    "geography",
    "value",
    "unit",
    "dep_code",
    "dep_value",
    "reg_code",
    "reg_value",
    "france_value",
    "france_scope",
    "pct_rank",
    "rank_population",
    "n_in_distribution",
    "source_id",
    "note",
]

DISTRIBUTION_COLUMNS = [
    "indicator",
    "data_year",
    "rank_population",
    "percentile",
    "value",
    "n_in_distribution",
    "unit",
    "geography",
    "source_id",
]


def pct_rank(distribution: np.ndarray, value: float) -> float:
    """Share (%) of ``distribution`` that is <= ``value``, rounded to one decimal."""
    return round(100.0 * float(np.count_nonzero(distribution <= value)) / distribution.size, 1)


def percentiles(values: np.ndarray) -> np.ndarray:
    """Percentiles 0..100 of ``values`` (linear interpolation)."""
    return np.percentile(values, np.arange(101), method="linear")


def reference_sums(measure: Measure, dep_to_reg: pd.Series) -> tuple[pd.Series, pd.Series, float | None]:
    """Département and région values (indexed by code) and the France value of an additive
    measure, each a sum over its communes (a ratio of sums for rates)."""
    com = measure.communes
    den = "den" in com.columns
    by_dep = com.groupby("dep")
    num_dep = by_dep["num"].sum(min_count=1)
    reg_of = com["dep"].map(dep_to_reg)
    by_reg = com.groupby(reg_of)
    num_reg = by_reg["num"].sum(min_count=1)
    num_fr = com["num"].sum(min_count=1)
    if den:
        dep_v = ratio_value(num_dep, by_dep["den"].sum(min_count=1), measure.scale)
        reg_v = ratio_value(num_reg, by_reg["den"].sum(min_count=1), measure.scale)
        den_fr = com["den"].sum(min_count=1)
        fr = float(num_fr / den_fr * measure.scale) if den_fr > 0 else None
    else:
        dep_v, reg_v, fr = num_dep, num_reg, float(num_fr)
    return dep_v, reg_v, fr


def _commune_value(measure: Measure, s: Site, dist: np.ndarray, notes: list[str]) -> tuple[float | None, ...]:
    spec = measure.spec
    if s.code not in measure.communes.index and measure.coverage:
        notes.append(f"commune absente du fichier source ({measure.coverage})")
        return None, None, None
    if s.code not in measure.communes.index:
        raise DataValidationError(
            f"site '{s.site_id}' (code INSEE {s.code}) absent du fichier national de "
            f"{spec.indicator} {spec.data_year} (source {spec.source_id})"
        )
    value = rank = n = None
    v = measure.communes.at[s.code, "value"]
    if not pd.isna(v):
        value = float(v)
        rank, n = pct_rank(dist, value), dist.size
    else:
        notes.append("valeur non publiée dans le fichier source")
    if measure.commune_note:
        notes.append(measure.commune_note)
    return value, rank, n


def _epci_value(measure: Measure, s: Site, dist: np.ndarray, notes: list[str]) -> tuple[float | None, ...]:
    value = rank = n = None
    if s.code in measure.epci.index:
        v = measure.epci.at[s.code, "value"]
        if measure.epci.at[s.code, "note"]:
            notes.append(str(measure.epci.at[s.code, "note"]))
        if not pd.isna(v):
            value = float(v)
            if dist.size and bool(measure.epci.at[s.code, "in_dist"]):
                rank, n = pct_rank(dist, value), dist.size
                notes.append(measure.epci_dist_note)
    elif measure.epci.empty:
        notes.append(measure.epci_dist_note)
    else:
        notes.append(f"EPCI absent de ce fichier ({measure.refs_scope or measure.spec.geography})")
    return value, rank, n


def _references(measure: Measure, s: Site, reg_code: str, aggregates: tuple | None, notes: list[str]) -> dict:
    dec = measure.spec.rounding
    if aggregates is not None:
        dep_v, reg_v, fr = aggregates
        notes.append("références : sommes sur les communes")
        return {
            "dep_value": csv_number(dep_v.get(s.dep_code), dec),
            "reg_value": csv_number(reg_v.get(reg_code), dec),
            "france_value": csv_number(fr, dec),
            "france_scope": measure.france_scope,
        }
    if measure.refs:
        metro = measure.refs["metro"]
        notes.append("références : valeurs publiées par l'INSEE (feuilles DEP, REG et METRO)")
        return {
            "dep_value": csv_number(measure.refs["dep"].get(s.dep_code), dec),
            "reg_value": csv_number(measure.refs["reg"].get(reg_code), dec),
            "france_value": csv_number(next(iter(metro.values())) if len(metro) == 1 else None, dec),
            "france_scope": "France métropolitaine (valeur publiée par l'INSEE)",
        }
    notes.append(measure.refs_note)
    return {"dep_value": "", "reg_value": "", "france_value": "", "france_scope": ""}


def site_rows(
    measure: Measure, sites: list[Site], dep_to_reg: pd.Series, sums: tuple | None = None
) -> list[dict[str, str]]:
    """One row of ``site_indicators.csv`` per site for ``measure``.

    ``sums``: the measure's :func:`reference_sums`, when the caller keeps them (a
    territory page would otherwise sum the 35,000 communes again for each indicator).
    """
    spec = measure.spec
    commune_dist = measure.communes["value"].dropna().to_numpy(dtype="float64")
    epci_dist = measure.epci.loc[measure.epci["in_dist"].astype(bool), "value"].to_numpy(dtype="float64")
    aggregates = (sums or reference_sums(measure, dep_to_reg)) if measure.additive else None
    rows = []
    for s in sites:
        notes: list[str] = [spec.note] if spec.note else []
        reg_code = s.reg_code if s.level == "EPCI" else str(dep_to_reg.get(s.dep_code, ""))
        if s.level == "commune":
            value, rank, n = _commune_value(measure, s, commune_dist, notes)
        else:
            value, rank, n = _epci_value(measure, s, epci_dist, notes)
        row = {
            "site_id": s.site_id,
            "site_name": s.name,
            "site_level": s.level,
            "site_code": s.code,
            "indicator": spec.indicator,
            "label": spec.label,
            "data_year": str(spec.data_year),
            "geography": spec.geography,
            "unit": spec.unit_label,
            "dep_code": s.dep_code,
            "reg_code": reg_code,
            "source_id": spec.source_id,
            "rank_population": "communes" if s.level == "commune" else "EPCI",
            "value": csv_number(value, spec.rounding),
            "pct_rank": csv_number(rank, 1),
            "n_in_distribution": "" if n is None else str(n),
        }
        row.update(_references(measure, s, reg_code, aggregates, notes))
        row["note"] = " ; ".join(n_ for n_ in notes if n_)
        rows.append(row)
    return rows


def distribution_rows(measure: Measure) -> list[dict[str, str]]:
    """Percentiles 0..100 among communes (and among EPCI when the measure has EPCI values)."""
    spec = measure.spec
    out = []
    populations = [("communes", measure.communes["value"].dropna().to_numpy(dtype="float64"))]
    if not measure.epci.empty:
        in_dist = measure.epci["in_dist"].astype(bool)
        populations.append(("EPCI", measure.epci.loc[in_dist, "value"].to_numpy(dtype="float64")))
    for population, values in populations:
        if values.size == 0:
            continue
        for pct, v in zip(range(101), percentiles(values), strict=True):
            out.append(
                {
                    "indicator": spec.indicator,
                    "data_year": str(spec.data_year),
                    "rank_population": population,
                    "percentile": str(pct),
                    "value": csv_number(v, spec.dist_decimals),
                    "n_in_distribution": str(values.size),
                    "unit": spec.unit_label,
                    "geography": spec.geography,
                    "source_id": spec.source_id,
                }
            )
    return out
