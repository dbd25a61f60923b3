"""Municipal elections 2020 and 2026: first-round turnout by commune (source S10).

The files give a rate per commune and no counts of registered voters or voters: rates
cannot be summed, so there is no département, région, France or EPCI value, and the
rank compares a commune only with the communes of the file (coverage in the note).
"""

from __future__ import annotations

import pandas as pd

from ... import indicators
from ..measure import Measure, MeasureKey, NationalData
from ..read import dep_of_code, drop_or_merge_arrondissements

COVERAGE = {
    2020: "communes de 1 000 habitants ou plus de France métropolitaine (scrutin de liste)",
    2026: "communes de France métropolitaine dont les listes ont reçu une nuance politique, surtout les plus grandes",
}
NO_REFS = (
    "références départementale, régionale et France non calculables : le fichier donne un taux par "
    "commune, sans inscrits ni votants"
)
NO_EPCI = "valeur EPCI non calculable : le fichier donne un taux par commune, sans inscrits ni votants"


def measures(data: NationalData) -> dict[MeasureKey, Measure]:
    """First-round turnout (% of registered voters) in 2020 and 2026, communes only."""
    out: dict[MeasureKey, Measure] = {}
    for year, coverage in COVERAGE.items():
        frame = drop_or_merge_arrondissements(data[f"municipales_{year}"], "code_insee", ())
        codes = frame["code_insee"].to_numpy()
        table = pd.DataFrame(
            {"value": frame["participation_t1_pct"].to_numpy(), "dep": [dep_of_code(c) for c in codes]},
            index=codes,
        )
        epci_empty = pd.DataFrame(
            {"value": pd.Series(dtype="float64"), "note": pd.Series(dtype="object"), "in_dist": pd.Series(dtype="bool")}
        )
        out[("turnout_municipal_round1", year)] = Measure(
            indicators.spec("turnout_municipal_round1", year),
            table,
            epci_empty,
            additive=False,
            commune_note=f"rang parmi les communes du fichier : {coverage}",
            epci_dist_note=NO_EPCI,
            refs_note=NO_REFS,
            coverage=coverage,
        )
    return out
