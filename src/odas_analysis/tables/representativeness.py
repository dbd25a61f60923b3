"""Are the sites representative? The eleven against the territories they were drawn from.

The universe is the committed ``comparison_universe.csv``: the communes of 20,000
inhabitants or more for the nine commune sites (the population of the Odas surveys of
cities), the communautés d'agglomération for the two agglomerations. For each indicator
(one vintage each, those of the synthesis, plus municipal turnout 2020 and 2026):

* each site's percentile rank in its own universe (:func:`site_percentile_table`);
* the eleven together: their mean percentile against what a random draw of the same
  sizes would give, with a stratified rank test computed exactly (or by Monte Carlo,
  its error stated) by :func:`odas_analysis.comparison.sites_differ_test`, and Holm's
  adjustment across the indicators (:func:`representativeness`).

The sites joined the research-action (self-selected), they were not drawn: these tables describe how they
differ from the rest, they license no generalisation from eleven sites to all cities.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .. import comparison, french, indicators, study
from ..indicators import IndicatorSpec

REPRESENTATIVENESS_INDICATORS: tuple[IndicatorSpec, ...] = (
    *indicators.CROSS_SITE_INDICATORS,
    indicators.spec("turnout_municipal_round1", 2020),
    indicators.spec("turnout_municipal_round1", 2026),
)
"""One vintage per indicator: those of the cross-site table, and the two municipal elections."""

UNIVERSE_FR = {"commune": "communes de 20 000 habitants ou plus", "EPCI": "communautés d'agglomération"}


def universe_or_committed(universe: pd.DataFrame | None) -> pd.DataFrame:
    """``universe``, or the committed ``comparison_universe.csv`` when it is ``None``."""
    if universe is not None:
        return universe
    from ..national import territory

    return territory.comparison_universe()


def representativeness(
    universe: pd.DataFrame | None = None,
    specs: Sequence[IndicatorSpec] = REPRESENTATIVENESS_INDICATORS,
    alpha: float = 0.05,
    **test_options: object,
) -> pd.DataFrame:
    """One row per indicator: the test of the eleven (:func:`odas_analysis.comparison.representativeness`).

    Columns of that function for the keys of ``specs`` (in their order), plus ``header``
    (the French column header of the indicator), ``p_holm`` (Holm's adjustment across
    the rows) and ``ci99_low`` / ``ci99_high`` (the 99 % interval of a Monte Carlo p-value;
    the p-value itself for an exact one).
    """
    from ..stats import exact

    data = universe_or_committed(universe)
    tested = comparison.representativeness(data, **test_options).set_index("indicator_key")
    keys = [s.key for s in specs if s.key in tested.index]
    out = tested.loc[keys].reset_index()
    out.insert(1, "header", [indicators.spec(*_split(k)).header for k in keys])
    out["p_holm"] = exact.holm(dict(zip(keys, out["pvalue"], strict=True)), alpha=alpha).adjusted
    se = out["standard_error"].astype("float64")
    out["ci99_low"] = (out["pvalue"] - 2.576 * se).clip(lower=0).where(se.notna(), out["pvalue"])
    out["ci99_high"] = (out["pvalue"] + 2.576 * se).clip(upper=1).where(se.notna(), out["pvalue"])
    return out


def _split(key: str) -> tuple[str, int]:
    indicator, year = key.rsplit("_", 1)
    return indicator, int(year)


def _precision(row: pd.Series) -> str:
    if row["method"] == "exact":
        return "exacte (distribution nulle calculée sans approximation)"
    return (
        f"Monte Carlo, {french.integer(row['n_draws'])} tirages : erreur type "
        f"{french.number(row['standard_error'], 4)}, "
        f"{french.interval(row['ci99_low'], row['ci99_high'], 4, level=0.99)}"
    )


def representativeness_table(result: pd.DataFrame) -> pd.DataFrame:
    """:func:`representativeness` for the reader: numbers, and how each p-value was computed."""
    out = pd.DataFrame(
        {
            "Indicateur": result["header"].astype(str),
            "Sites": result["n_sites"].astype("int64"),
            "Territoires comparés": result["n_universe"].astype("int64"),
            "Rang centile moyen des sites": result["mean_pct"].astype("float64"),
            "Attendu pour un tirage au hasard": result["expected_pct"].astype("float64"),
            "p (bilatéral)": result["pvalue"].astype("float64"),
            "p ajusté (Holm)": result["p_holm"].astype("float64"),
            "Calcul de p": [_precision(r) for _, r in result.iterrows()],
        }
    )
    out.attrs["decimals"] = {
        "Rang centile moyen des sites": 1,
        "Attendu pour un tirage au hasard": 1,
        "p (bilatéral)": 3,
        "p ajusté (Holm)": 3,
    }
    out.attrs["units"] = {"Rang centile moyen des sites": "centile (0 à 100)"}
    return out


def representativeness_note(result: pd.DataFrame) -> str:
    """Caption of :func:`representativeness_table`: universes, statistic, test, sources."""
    return (
        "Univers : les communes de 20 000 habitants ou plus (population municipale 2023, COG 2026) pour les neuf "
        "sites communaux, les communautés d'agglomération (EPCI au 1er janvier 2026) pour les deux agglomérations ; "
        "un territoire sans valeur publiée est laissé de côté, jamais imputé. Statistique : moyenne, sur les sites, "
        "de leur rang centile dans leur propre univers. Test de rangs stratifié, bilatéral : sous l'hypothèse "
        "nulle, les sites sont un tirage au hasard, sans remise, de même effectif dans chaque univers ; p-valeurs "
        f"ajustées par la méthode de Holm sur les {french.integer(len(result))} indicateurs. " + _sources(result)
    )


def _sources(result: pd.DataFrame) -> str:
    from .common import sources_note

    return sources_note([indicators.spec(*_split(k)).source_id for k in result["indicator_key"]])


def site_percentile_table(
    universe: pd.DataFrame | None = None, specs: Sequence[IndicatorSpec] = REPRESENTATIVENESS_INDICATORS
) -> pd.DataFrame:
    """Each site's percentile rank in its universe, one column per indicator (NaN: no value published)."""
    data = universe_or_committed(universe)
    ranks = comparison.percentiles(data)
    names = study.sites().set_index("site_id")["name"]
    rows = []
    for site_id, part in ranks.groupby("site_id", sort=True):
        by_key = dict(zip(part["indicator_key"], part["pct_rank"], strict=True))
        row = {"Site": str(names[site_id]), "Comparé aux": UNIVERSE_FR[str(part["unit_level"].iloc[0])]}
        row.update({s.header: float(by_key.get(s.key, float("nan"))) for s in specs})
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["decimals"] = {s.header: 1 for s in specs}
    return out


def site_percentile_note() -> str:
    """Caption of :func:`site_percentile_table`."""
    return (
        "Rang centile : part des territoires de l'univers du site (communes de 20 000 habitants ou plus, ou "
        "communautés d'agglomération) dont la valeur est inférieure ou égale à la sienne, parmi ceux où la valeur "
        "est publiée. n.d. : valeur non publiée pour le site (par exemple Filosofi 2019 ou municipales pour une "
        "agglomération). " + _sources_for(REPRESENTATIVENESS_INDICATORS)
    )


def _sources_for(specs: Sequence[IndicatorSpec]) -> str:
    from .common import sources_note

    return sources_note([s.source_id for s in specs])


def representativeness_summary(result: pd.DataFrame, alpha: float = 0.05) -> str:
    """A short French paragraph (Markdown) reading :func:`representativeness`, with its limits."""
    pct = french.number(alpha * 100, 0)
    differ = result[result["p_holm"] <= alpha]
    parts = []
    for _, r in differ.iterrows():
        side = "au-dessus" if r["mean_pct"] > r["expected_pct"] else "au-dessous"
        parts.append(
            f"{r['header'][0].lower()}{r['header'][1:]} ({side}, rang moyen {french.number(r['mean_pct'], 1)})"
        )
    if parts:
        head = (
            f"Après ajustement de Holm, les onze sites s'écartent au seuil de {pct}{french.NNBSP}% de ce qu'un "
            "tirage au hasard dans leurs univers donnerait pour : " + " ; ".join(parts) + "."
        )
    else:
        head = f"Après ajustement de Holm, aucun écart n'atteint le seuil de {pct}{french.NNBSP}%."
    methods = sorted(set(result["method"]))
    how = "toutes exactes" if methods == ["exact"] else "exactes ou estimées par Monte Carlo (erreur indiquée)"
    return (
        f"{head} Les p-valeurs sont {how}. Les onze sites ne sont pas un échantillon "
        "tiré au sort : ils se sont engagés dans la recherche-action. Ces comparaisons décrivent en quoi ils "
        "diffèrent des autres villes ; elles ne permettent pas d'étendre à toutes les villes ce qui a été "
        "observé chez eux."
    )
