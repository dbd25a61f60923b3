"""Base comparateur de territoires 2022: census 2018 and Filosofi 2019 by commune (source S5)."""

from __future__ import annotations

import pandas as pd

from ... import indicators
from ..measure import Measure, MeasureKey, NationalData, epci_sums, ratio_value, scope_missing
from ..read import dep_of_code, drop_or_merge_arrondissements

WHAT = "la base comparateur"
EPCI_DIST_NOTE = "rang calculé parmi les EPCI 2019 dont toutes les communes membres sont dans le fichier"
NO_EPCI_NOTE = (
    "valeur EPCI non calculable : la base comparateur ne contient que des communes et "
    "la médiane comme le taux de pauvreté ne s'additionnent pas"
)
SECRET_NOTE = (
    "valeur non publiée par l'INSEE pour les petites communes (secret statistique) : "
    "le rang compare la commune aux seules communes dont la valeur est publiée"
)


def measures(data: NationalData) -> dict[MeasureKey, Measure]:
    """Census population and unemployment 2018 (EPCI = sums of 2019 members); Filosofi 2019 (communes only)."""
    comp = drop_or_merge_arrondissements(data["comparateur"], "CODGEO", ("P18_POP", "P18_ACT1564", "P18_CHOM1564"))
    codes = comp["CODGEO"].to_numpy()
    deps = [dep_of_code(c) for c in codes]
    members19 = data["epci_members_2019"]
    pop_rp = pd.DataFrame({"num": comp["P18_POP"].to_numpy(), "dep": deps}, index=codes)
    pop_rp["value"] = pop_rp["num"]
    scope = "métropole + DROM" + scope_missing(pop_rp, data.dep_names)
    out: dict[MeasureKey, Measure] = {}
    out[("population_rp", 2018)] = Measure(
        indicators.spec("population_rp", 2018),
        pop_rp,
        epci_sums(members19, pop_rp, False, 1.0, "2019", WHAT),
        additive=True,
        france_scope=scope,
        epci_dist_note=EPCI_DIST_NOTE,
    )
    unemp = pd.DataFrame(
        {"num": comp["P18_CHOM1564"].to_numpy(), "den": comp["P18_ACT1564"].to_numpy(), "dep": deps},
        index=codes,
    )
    unemp["value"] = ratio_value(unemp["num"], unemp["den"], 100.0)
    out[("unemployment_rate_15_64_census", 2018)] = Measure(
        indicators.spec("unemployment_rate_15_64_census", 2018),
        unemp,
        epci_sums(members19, unemp, True, 100.0, "2019", WHAT),
        additive=True,
        scale=100.0,
        france_scope=scope,
        epci_dist_note=EPCI_DIST_NOTE,
    )
    for indicator, col in (("median_disposable_income_per_cu", "MED19"), ("poverty_rate_60", "TP6019")):
        table = pd.DataFrame({"value": comp[col].to_numpy(), "dep": deps}, index=codes)
        epci_empty = pd.DataFrame(
            {"value": pd.Series(dtype="float64"), "note": pd.Series(dtype="object"), "in_dist": pd.Series(dtype="bool")}
        )
        m = Measure(indicators.spec(indicator, 2019), table, epci_empty, additive=False)
        m.epci_dist_note = NO_EPCI_NOTE
        if indicator == "poverty_rate_60":
            m.commune_note = SECRET_NOTE
        out[(indicator, 2019)] = m
    return out
