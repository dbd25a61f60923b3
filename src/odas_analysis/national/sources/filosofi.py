"""Filosofi 2015 and 2016: median income, poverty rate, D9/D1 (sources S3 and S4)."""

from __future__ import annotations

import pandas as pd

from ... import indicators
from ...indicators import IndicatorSpec
from ..measure import Measure, MeasureKey, NationalData, epci_published
from ..read import dep_of_code, drop_or_merge_arrondissements

EPCI_GEOGRAPHY = {2015: "EPCI au 1er janvier 2016", 2016: "EPCI au 1er janvier 2019"}


def measures(data: NationalData) -> dict[MeasureKey, Measure]:
    """The three Filosofi indicators of 2015 and 2016, references from the optional DEP/REG/METRO files."""
    out: dict[MeasureKey, Measure] = {}
    for year, geo_epci in EPCI_GEOGRAPHY.items():
        yy = f"{year % 100:02d}"
        refs = {lvl: data[f"filosofi_{lvl}_{year}"] for lvl in ("dep", "reg", "metro")}
        for indicator, col in (
            ("median_disposable_income_per_cu", f"MED{yy}"),
            ("poverty_rate_60", f"TP60{yy}"),
            ("interdecile_ratio_d9_d1", f"RD{yy}"),
        ):
            out[(indicator, year)] = _filosofi_measure(
                indicators.spec(indicator, year),
                data[f"filosofi_com_{year}"],
                data[f"filosofi_epci_{year}"],
                col,
                refs,
                geo_epci,
            )
    return out


def _filosofi_measure(
    spec: IndicatorSpec,
    com: pd.DataFrame,
    epci: pd.DataFrame,
    col: str,
    refs: dict[str, pd.DataFrame | None],
    epci_vintage: str,
) -> Measure:
    com = drop_or_merge_arrondissements(com[["CODGEO", col]], "CODGEO", ())
    table = pd.DataFrame({"value": com[col].to_numpy()}, index=com["CODGEO"].to_numpy())
    table["dep"] = [dep_of_code(c) for c in table.index]
    epci_table = epci_published(epci, "CODGEO", col)
    epci_table["note"] = ""
    measure = Measure(
        spec,
        table,
        epci_table,
        additive=False,
        epci_dist_note="rang calculé parmi les EPCI du même fichier",
    )
    measure.commune_note = (
        "valeur non publiée par l'INSEE pour les petites communes (secret statistique) : "
        "le rang compare la commune aux seules communes dont la valeur est publiée"
        if spec.indicator != "median_disposable_income_per_cu"
        else ""
    )
    measure.refs_scope = epci_vintage
    if all(refs.get(k) is not None for k in ("dep", "reg", "metro")):
        measure.refs = {
            level: {
                str(k): float(v) for k, v in zip(refs[level]["CODGEO"], refs[level][col], strict=True) if not pd.isna(v)
            }
            for level in ("dep", "reg", "metro")
        }
    return measure
