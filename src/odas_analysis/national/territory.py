"""Territorial indicators of the eleven sites, for notebooks.

Reads only the committed tables of ``data/territory/`` (validated against
``data/datapackage.json``): it never needs the national files. Those tables are rebuilt
by ``odas-analysis data build`` (:mod:`odas_analysis.national.build`). Typical use::

    from odas_analysis.national import territory
    territory.site_indicators("creil")              # every indicator of one site
    territory.comparison_table("creil")             # site / département / région / France, in French
    territory.national_distribution("poverty_rate_60", 2016)   # percentiles 0..100
    territory.site_in_distribution("creil", "poverty_rate_60", 2016)
    territory.perimeter_table("creil")              # its EPCI on 1 January 2015, 2016, 2017
    territory.site_contract("creil"); territory.contract_posts("creil")   # contrat de ville, posts
    territory.turnout_table("creil")                # municipal 2020 / 2026 next to presidential 2017

Every value carries ``source_id`` (see ``data/sources.csv``), ``data_year`` and
``geography`` (the vintage of the commune / EPCI boundaries of the source file).
"""

from __future__ import annotations

import pandas as pd

from ..errors import ParameterError
from ..validate import load_table

RANK_POPULATIONS = ("communes", "EPCI")

LEVEL_LABELS = {
    "site": "site",
    "dep": "département",
    "reg": "région",
    "france": "France",
}

COMPARISON_COLUMNS_FR = {
    "indicator": "indicateur",
    "label": "libellé",
    "data_year": "année",
    "unit": "unité",
    "level": "échelon",
    "territory": "territoire",
    "value": "valeur",
    "pct_rank": "rang centile",
    "rank_population": "population de comparaison",
    "n_in_distribution": "effectif",
    "geography": "géographie",
    "source_id": "source",
    "note": "note",
}


def _table() -> pd.DataFrame:
    return load_table("site_indicators")


def _check_site(site_id: object) -> str:
    from ..study import check_site_id

    return check_site_id(site_id)


def indicator_ids() -> list[str]:
    """Indicator ids present in the table, in table order."""
    return list(dict.fromkeys(str(i) for i in _table()["indicator"]))


def _check_indicator(indicator: object) -> str:
    valid = indicator_ids()
    if not isinstance(indicator, str) or indicator not in valid:
        raise ParameterError(f"indicateur inconnu {indicator!r} ; indicateurs possibles : {', '.join(valid)}")
    return indicator


def _check_year(frame: pd.DataFrame, indicator: str, data_year: object) -> int:
    years = sorted(int(y) for y in frame.loc[frame["indicator"] == indicator, "data_year"].unique())
    if isinstance(data_year, bool) or not isinstance(data_year, int) or data_year not in years:
        raise ParameterError(
            f"pas d'année {data_year!r} pour l'indicateur {indicator!r} ; années disponibles : {', '.join(map(str, years))}"
        )
    return data_year


def indicators() -> pd.DataFrame:
    """Catalogue: one row per indicator x data year (label, unit, geography, source)."""
    cols = ["indicator", "data_year", "label", "unit", "geography", "source_id"]
    return _table()[cols].drop_duplicates().reset_index(drop=True)


def site_indicators(
    site_id: str | None = None,
    indicator: str | None = None,
    data_year: int | None = None,
) -> pd.DataFrame:
    """Rows of ``data/territory/site_indicators.csv``, typed.

    Parameters
    ----------
    site_id
        One site (slug of ``data/study/sites.csv``); ``None`` for all eleven.
    indicator, data_year
        Optional filters.

    Raises
    ------
    ParameterError
        Unknown site id (the message lists the valid ids), indicator or year.
    """
    frame = _table()
    if site_id is not None:
        _check_site(site_id)
        frame = frame[frame["site_id"] == site_id]
    if indicator is not None:
        _check_indicator(indicator)
        frame = frame[frame["indicator"] == indicator]
        if data_year is not None:
            _check_year(_table(), indicator, data_year)
    if data_year is not None:
        frame = frame[frame["data_year"] == data_year]
    return frame.reset_index(drop=True)


def national_distribution(
    indicator: str,
    data_year: int | None = None,
    rank_population: str = "communes",
) -> pd.DataFrame:
    """Percentiles 0..100 of an indicator among communes (or EPCI).

    Parameters
    ----------
    indicator
        Indicator id (see :func:`indicator_ids`).
    data_year
        One data year; ``None`` returns every year (column ``data_year``).
    rank_population
        ``"communes"`` or ``"EPCI"``.

    Returns
    -------
    DataFrame
        ``indicator, data_year, rank_population, percentile, value, n_in_distribution,
        unit, geography, source_id``, sorted by year then percentile.
    """
    _check_indicator(indicator)
    if rank_population not in RANK_POPULATIONS:
        raise ParameterError(
            f"population de comparaison inconnue {rank_population!r} ; possibles : {', '.join(RANK_POPULATIONS)}"
        )
    frame = load_table("national_distribution")
    frame = frame[(frame["indicator"] == indicator) & (frame["rank_population"] == rank_population)]
    if data_year is not None:
        _check_year(_table(), indicator, data_year)
        frame = frame[frame["data_year"] == data_year]
    return frame.sort_values(["data_year", "percentile"], kind="stable").reset_index(drop=True)


def comparison_table(site_id: str, french: bool = True) -> pd.DataFrame:
    """One site against its département, région and France, as a tidy long table.

    One row per indicator x data year x level (site, département, région, France), with
    the territory's name, the value, and on the site's row its percentile rank among
    communes (or EPCI). Reference rows are present only where a value exists. With
    ``french=True`` (default) the column names are French, ready for a report.
    """
    from ..study import site as study_site

    _check_site(site_id)
    info = study_site(site_id)
    names = {
        "site": str(info["name"]),
        "dep": f"{info['dep_name']} ({info['dep_code']})",
        "reg": str(info["reg_name"]),
        "france": "France",
    }
    rows = []
    for _, r in site_indicators(site_id).iterrows():
        base = {
            "indicator": r["indicator"],
            "label": r["label"],
            "data_year": r["data_year"],
            "unit": r["unit"],
            "geography": r["geography"],
            "source_id": r["source_id"],
        }
        for level, col in (("site", "value"), ("dep", "dep_value"), ("reg", "reg_value"), ("france", "france_value")):
            value = r[col]
            if level != "site" and pd.isna(value):
                continue
            territory = names[level]
            if level == "france" and isinstance(r["france_scope"], str):
                territory = f"France ({r['france_scope']})"
            if level == "reg" and r["reg_code"] != info["reg_code"]:
                territory = f"région {r['reg_code']}"
            rows.append(
                {
                    **base,
                    "level": LEVEL_LABELS[level],
                    "territory": territory,
                    "value": value,
                    "pct_rank": r["pct_rank"] if level == "site" else pd.NA,
                    "rank_population": r["rank_population"] if level == "site" else pd.NA,
                    "n_in_distribution": r["n_in_distribution"] if level == "site" else pd.NA,
                    "note": r["note"] if level == "site" else pd.NA,
                }
            )
    out = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS_FR))
    out["value"] = out["value"].astype("float64")
    out["pct_rank"] = pd.to_numeric(out["pct_rank"]).astype("float64")
    out["n_in_distribution"] = out["n_in_distribution"].astype("Int64")
    out["data_year"] = out["data_year"].astype("Int64")
    if french:
        out = out.rename(columns=COMPARISON_COLUMNS_FR)
    return out


def site_in_distribution(site_id: str, indicator: str, data_year: int) -> pd.DataFrame:
    """The national percentiles of an indicator, with the site's value and rank beside them.

    The distribution is the one the site is ranked in (communes, or EPCI for the two
    agglomerations). Columns: those of :func:`national_distribution` plus
    ``site_id``, ``site_value`` and ``site_pct_rank`` (the same on every row), so that a
    figure can draw the curve and mark the site in one call. Empty when the source has
    no distribution for that population (e.g. Filosofi 2019 for EPCI).
    """
    row = site_indicators(site_id, indicator, data_year)
    if row.empty:  # pragma: no cover - every site has every indicator x year
        raise ParameterError(f"aucune ligne pour {site_id!r}, {indicator!r}, {data_year!r}")
    r = row.iloc[0]
    dist = national_distribution(indicator, data_year, str(r["rank_population"]))
    dist = dist.assign(site_id=site_id, site_value=r["value"], site_pct_rank=r["pct_rank"])
    dist["site_value"] = dist["site_value"].astype("float64")
    dist["site_pct_rank"] = dist["site_pct_rank"].astype("float64")
    return dist


# --------------------------------------------------------------------------- second edition

TURNOUT_INDICATORS: tuple[tuple[str, int, str], ...] = (
    ("turnout_presidential_2017_round1", 2017, "Présidentielle 2017, 1er tour"),
    ("turnout_presidential_2017_round2", 2017, "Présidentielle 2017, 2d tour"),
    ("turnout_municipal_round1", 2020, "Municipales 2020, 1er tour"),
    ("turnout_municipal_round1", 2026, "Municipales 2026, 1er tour"),
)
"""The turnout rows of :func:`turnout_table`, in order, with their French labels."""

PERIMETER_COLUMNS_FR = {
    "year": "au 1er janvier",
    "nom_epci": "intercommunalité",
    "siren_epci": "SIREN",
    "nature": "nature",
    "nb_communes": "communes",
    "population_municipale": "population municipale",
    "change": "changement depuis l'année précédente",
    "proxy": "prédécesseur (valeur approchée)",
    "note": "note",
}


def site_perimeters(site_id: str | None = None) -> pd.DataFrame:
    """Rows of ``site_perimeters.csv`` (the site's EPCI on 1 January 2015, 2016, 2017), typed."""
    frame = load_table("site_perimeters")
    if site_id is not None:
        _check_site(site_id)
        frame = frame[frame["site_id"] == site_id]
    return frame.reset_index(drop=True)


def perimeter_table(site_id: str) -> pd.DataFrame:
    """The site's intercommunality year by year, French column names, ready for a report."""
    frame = site_perimeters(site_id)[list(PERIMETER_COLUMNS_FR)].copy()
    frame["proxy"] = frame["proxy"].map({True: "oui", False: "non"})
    return frame.rename(columns=PERIMETER_COLUMNS_FR)


def site_contract(site_id: str) -> pd.Series:
    """The site's row of ``site_contracts.csv`` (contrat de ville 2015-2020)."""
    _check_site(site_id)
    frame = load_table("site_contracts")
    return frame[frame["site_id"] == site_id].iloc[0]


def contract_posts(site_id: str | None = None, programme: str | None = None) -> pd.DataFrame:
    """Rows of ``site_contract_posts.csv`` (adultes-relais and Fonjep posts, 2020-2023), typed."""
    frame = load_table("site_contract_posts")
    if site_id is not None:
        _check_site(site_id)
        frame = frame[frame["site_id"] == site_id]
    if programme is not None:
        valid = sorted(set(frame["programme"]))
        if programme not in valid:
            raise ParameterError(f"programme inconnu {programme!r} ; programmes possibles : {', '.join(valid)}")
        frame = frame[frame["programme"] == programme]
    return frame.reset_index(drop=True)


def turnout_table(site_id: str) -> pd.DataFrame:
    """Municipal turnout 2020 and 2026 next to the 2017 presidential turnout, French columns.

    One row per election: turnout (% of registered voters), percentile rank and the
    population it is ranked in, source, and the note (the 2020 row carries the Covid-19
    caveat; EPCI rows say why municipal turnout has no EPCI value).
    """
    rows = []
    for indicator, year, label in TURNOUT_INDICATORS:
        r = site_indicators(site_id, indicator, year).iloc[0]
        rows.append(
            {
                "scrutin": label,
                "participation (% des inscrits)": r["value"],
                "rang centile": r["pct_rank"],
                "effectif de comparaison": r["n_in_distribution"],
                "source": r["source_id"],
                "note": r["note"],
            }
        )
    out = pd.DataFrame(rows)
    out["participation (% des inscrits)"] = out["participation (% des inscrits)"].astype("float64")
    out["rang centile"] = pd.to_numeric(out["rang centile"]).astype("float64")
    out["effectif de comparaison"] = out["effectif de comparaison"].astype("Int64")
    return out


def comparison_universe() -> pd.DataFrame:
    """Rows of ``comparison_universe.csv`` (the communes of 20,000 inhabitants or more and the CA), typed."""
    return load_table("comparison_universe")


def perimeter_changes() -> pd.DataFrame:
    """One row per site: its intercommunality at the start and at the end of the study, and what changed.

    French columns: ``site``, ``intercommunalité au 1er janvier 2015`` (a proxy is marked
    « prédécesseur »), ``intercommunalité au 1er janvier 2017``, ``communes 2015``,
    ``communes 2017``, ``changements`` (e.g. « 2017 : fusionné », « 2016 : CA devenue CU »;
    « aucun » when none).
    """
    frame = site_perimeters()
    rows = []
    for _, part in frame.groupby("site_id", sort=True):
        part = part.sort_values("year")
        first, last = part.iloc[0], part.iloc[-1]
        changes = []
        for _, r in part.iloc[1:].iterrows():
            if not pd.isna(r["change"]) and r["change"] != "inchangé":
                changes.append(f"{r['year']} : {r['change']}")
            same = r["previous_siren"] == r["siren_epci"]
            if same and not pd.isna(r["previous_nature"]) and r["previous_nature"] != r["nature"]:
                changes.append(f"{r['year']} : {r['previous_nature']} devenue {r['nature']}")
        label = str(first["nom_epci"]) + (" (prédécesseur)" if bool(first["proxy"]) else "")
        rows.append(
            {
                "site": str(first["site_name"]),
                "intercommunalité au 1er janvier 2015": label,
                "intercommunalité au 1er janvier 2017": str(last["nom_epci"]),
                "communes 2015": first["nb_communes"],
                "communes 2017": last["nb_communes"],
                "changements": " ; ".join(changes) or "aucun",
            }
        )
    return pd.DataFrame(rows)
