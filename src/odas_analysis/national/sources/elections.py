"""Presidential election 2017: turnout by commune, both rounds (source S6)."""

from __future__ import annotations

import pandas as pd

from ... import indicators
from ..measure import Measure, MeasureKey, NationalData, epci_sums, ratio_value, scope_missing
from ..read import dep_of_code, drop_or_merge_arrondissements

EPCI_DIST_NOTE = (
    "rang calculé parmi les EPCI 2019 dont toutes les communes membres sont dans le fichier ; "
    "les communes fusionnées entre 2017 et 2019 ne sont comptées que sous le code conservé"
)


def measures(data: NationalData) -> dict[MeasureKey, Measure]:
    """Voters / registered x 100 by commune; départements, régions, France and EPCI as ratios of sums."""
    turnout = data["turnout_2017"]
    turnout = turnout[turnout["code_commune"].str.strip() != ""]
    out: dict[MeasureKey, Measure] = {}
    for rnd in (1, 2):
        part = turnout[turnout["tour"] == rnd][["code_commune", "inscrits", "votants"]]
        # The Ministry sometimes lists a commune déléguée separately under the INSEE code
        # of its commune nouvelle (e.g. Saint-Lucien within Sigy-en-Bray, 76676): counts
        # are additive, so rows sharing a code are summed into one commune.
        part = part.groupby("code_commune", as_index=False, sort=True)[["inscrits", "votants"]].sum(min_count=1)
        part = drop_or_merge_arrondissements(part, "code_commune", ("inscrits", "votants"))
        codes = part["code_commune"].to_numpy()
        deps = [dep_of_code(c) for c in codes]
        table = pd.DataFrame(
            {"num": part["votants"].to_numpy(), "den": part["inscrits"].to_numpy(), "dep": deps}, index=codes
        )
        table["value"] = ratio_value(table["num"], table["den"], 100.0)
        spec = indicators.spec(f"turnout_presidential_2017_round{rnd}", 2017)
        out[(spec.indicator, spec.data_year)] = Measure(
            spec,
            table,
            epci_sums(data["epci_members_2019"], table, True, 100.0, "2019", "le fichier des résultats 2017"),
            additive=True,
            scale=100.0,
            france_scope=(
                "métropole + DROM" + scope_missing(table, data.dep_names) + " ; COM et Français de l'étranger exclus"
            ),
            epci_dist_note=EPCI_DIST_NOTE,
        )
    return out
