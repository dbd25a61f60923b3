"""Legal populations of the COG files (sources S1 and S2)."""

from __future__ import annotations

import pandas as pd

from ... import indicators
from ...indicators import IndicatorSpec
from ..measure import Measure, MeasureKey, NationalData, epci_published, scope_missing


def measures(data: NationalData) -> dict[MeasureKey, Measure]:
    """Population municipale 2016 (COG 2019, S1) and 2023 (COG 2026, S2, COM excluded)."""
    dep_names = data.dep_names
    return {
        ("population_municipale", 2016): _population_measure(
            indicators.spec("population_municipale", 2016), data["communes_2019"], data["epci_2019"], dep_names, False
        ),
        ("population_municipale", 2023): _population_measure(
            indicators.spec("population_municipale", 2023), data["communes_2026"], data["epci_2026"], dep_names, True
        ),
    }


def _population_measure(
    spec: IndicatorSpec,
    communes: pd.DataFrame,
    epci: pd.DataFrame,
    dep_names: dict[str, str],
    exclude_com: bool,
) -> Measure:
    frame = communes
    if exclude_com:
        frame = frame[frame["zone"] != "com"]
    table = pd.DataFrame(
        {
            "num": frame["population_municipale"].to_numpy(),
            "dep": frame["code_departement"].to_numpy(),
        },
        index=frame["code_commune"].to_numpy(),
    )
    table["value"] = table["num"]
    scope = "métropole + DROM" + scope_missing(table, dep_names)
    if exclude_com:
        scope += " ; collectivités d'outre-mer (COM) exclues"
    return Measure(
        spec,
        table,
        epci_published(epci, "siren_epci", "population_municipale"),
        additive=True,
        france_scope=scope,
        epci_dist_note="rang calculé parmi les EPCI du même fichier",
    )
