"""The universe the eleven sites were drawn from, with every indicator (``comparison_universe.csv``).

* **Communes**: the communes of 20,000 inhabitants or more in the latest legal
  population of the files (population municipale of 1 January 2023, in force on
  1 January 2026, COG 2026): the population of the Odas surveys of cities.
* **EPCI**: the EPCI of the same legal nature as the two agglomeration sites, in the
  latest list (EPCI of 1 January 2026): both are communautés d'agglomération (CA).

One row per unit x indicator x data year with the value of
``site_indicators.csv``'s rules (the measure of :mod:`odas_analysis.national.sources`);
empty where the source has none for that unit (a commune code absent from an older
vintage, a secret Filosofi value, an EPCI without a value of that vintage or whose
members are not all in the file). :mod:`odas_analysis.comparison` reads it to place
each site and the eleven together.
"""

from __future__ import annotations

import pandas as pd

from .csv_format import csv_number
from .measure import Measure
from .sites import Site

COMPARISON_UNIVERSE_FILE = "comparison_universe.csv"
MIN_POPULATION = 20_000

UNIVERSE_COLUMNS = [
    "unit_level",
    "code",
    "name",
    "site_id",
    "indicator",
    "data_year",
    "value",
    "source_id",
]

UNIVERSE_LABELS = {
    "commune": "communes de 20 000 habitants ou plus (population municipale 2023, COG 2026)",
    "EPCI": "EPCI de même nature que les sites intercommunaux (EPCI au 1er janvier 2026)",
}


def universe_units(geo: dict[str, pd.DataFrame], sites: list[Site]) -> dict[str, pd.Series]:
    """``{"commune": code -> name, "EPCI": SIREN -> name}`` of the two universes, sorted by code."""
    c26 = geo["communes_2026"]
    big = c26[c26["population_municipale"] >= MIN_POPULATION]
    communes = pd.Series(big["nom"].to_numpy(), index=big["code_commune"].to_numpy()).sort_index()
    epci = geo["epci_2026"].set_index("siren_epci")
    natures = sorted({str(epci.at[s.code, "type"]) for s in sites if s.level == "EPCI" and s.code in epci.index})
    same = epci[epci["type"].isin(natures)]
    return {"commune": communes, "EPCI": same["nom_epci"].sort_index()}


def _values(measure: Measure, level: str, codes: pd.Index) -> pd.Series:
    if level == "commune":
        return measure.communes["value"].reindex(codes)
    if measure.epci.empty:
        return pd.Series(float("nan"), index=codes)
    kept = measure.epci[measure.epci["in_dist"].astype(bool)]
    return kept["value"].reindex(codes)


def universe_rows(measures: list[Measure], geo: dict[str, pd.DataFrame], sites: list[Site]) -> list[dict[str, str]]:
    """Rows of ``comparison_universe.csv``: level, code, then indicators in registry order."""
    units = universe_units(geo, sites)
    site_of = {(s.level, s.code): s.site_id for s in sites}
    rows = []
    for level, names in units.items():
        values = {id(m): _values(m, level, names.index) for m in measures}
        for code, name in names.items():
            for m in measures:
                v = values[id(m)].get(code)
                rows.append(
                    {
                        "unit_level": level,
                        "code": str(code),
                        "name": str(name),
                        "site_id": site_of.get((level, str(code)), ""),
                        "indicator": m.spec.indicator,
                        "data_year": str(m.spec.data_year),
                        "value": csv_number(None if v is None or pd.isna(v) else float(v), m.spec.rounding),
                        "source_id": m.spec.source_id,
                    }
                )
    return rows
