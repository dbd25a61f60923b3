"""Build ``data/territory/`` from the national files (``odas-analysis data build``).

Reads the tidy national CSVs of the directory named by ``ODAS_NATIONAL_DATA`` (layout
documented in ``data/territory/README.md``; the files of ``../shared/data`` and those
written by :func:`odas_analysis.download.refresh` share it) and writes two tables:

``site_indicators.csv``
    one row per site x indicator x data year: the site's value, the département /
    région / France references where they can be computed from the files, the
    percentile rank of the site among communes (or among EPCI for the two
    agglomerations), the source id and vintage, and a French note.
``national_distribution.csv``
    the percentiles 0..100 of every indicator among communes (and among EPCI where a
    site is an EPCI), so that notebooks can place a site without the national files.

Every number is computed here from the national files; nothing is typed in. The output
is byte-identical from one run to the next: rows are sorted explicitly, numbers are
written with a fixed rule (:func:`format_number`) and lines end with ``"\\n"``.

Rules (also in ``data/territory/README.md``)
---------------------------------------------
* Additive quantities (populations, census counts, registered voters and voters) give
  département, région and France references as sums over communes; rates are ratios
  of sums (Σ unemployed / Σ active, Σ voters / Σ registered).
* Filosofi medians, poverty rates and D9/D1 are not additive. Their references are
  read from INSEE's own DEP / REG / METRO rows when the optional files
  ``indicators/filosofi_{dep,reg,metro}_YYYY.csv`` exist (the refresh path writes them
  from the official .xls); otherwise they are left empty and the note says why.
* Municipal arrondissements of Paris, Lyon and Marseille are never units of a
  distribution. Where a file has the parent commune (75056, 69123, 13055) the
  arrondissements are dropped; where it only has the arrondissements (the 2017
  turnout scrape) additive counts are summed into the parent commune.
* ``pct_rank`` = 100 x (number of units whose value is <= the site's) / (number of
  units with a value), rounded to one decimal; unweighted.
* EPCI values of additive indicators are sums over the member communes of the EPCI
  perimeter of 1 January 2019 (coverage written in the note); the EPCI distribution of
  such an indicator holds the EPCI whose members are all found in the file.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import files
from .errors import DataValidationError, NationalDataUnavailable

SITE_INDICATORS_FILE = "site_indicators.csv"
NATIONAL_DISTRIBUTION_FILE = "national_distribution.csv"

# Municipal arrondissements -> parent commune.
ARRONDISSEMENT_PARENTS: dict[str, str] = {
    **{f"751{n:02d}": "75056" for n in range(1, 21)},
    **{f"6938{n}": "69123" for n in range(1, 10)},
    **{f"132{n:02d}": "13055" for n in range(1, 17)},
}

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

NOTE_NOT_ADDITIVE = (
    "références départementale, régionale et France non disponibles dans les fichiers "
    "nationaux lus (médianes, taux de pauvreté et rapports interdéciles ne s'additionnent pas)"
)


# --------------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator x data year of the table."""

    indicator: str
    label: str
    unit: str
    data_year: int
    geography: str
    source_id: str
    decimals: int | None  # rounding of computed values (None: source value kept as is)
    dist_decimals: int  # rounding of national percentiles
    note: str = ""


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "population_municipale",
        "Population municipale légale",
        "habitants",
        2016,
        "COG 2019",
        "S1",
        0,
        1,
        "population légale millésimée 2016, en vigueur au 1er janvier 2019",
    ),
    IndicatorSpec(
        "population_municipale",
        "Population municipale légale",
        "habitants",
        2023,
        "COG 2026",
        "S2",
        0,
        1,
        "population de référence au 1er janvier 2023, en vigueur au 1er janvier 2026",
    ),
    IndicatorSpec(
        "population_rp",
        "Population (recensement 2018)",
        "habitants",
        2018,
        "COG 2021",
        "S5",
        0,
        1,
        "variable P18_POP de la base comparateur de territoires",
    ),
    IndicatorSpec(
        "median_disposable_income_per_cu",
        "Revenu disponible médian par unité de consommation",
        "euros par an et par unité de consommation",
        2015,
        "COG 2016",
        "S3",
        None,
        1,
    ),
    IndicatorSpec(
        "median_disposable_income_per_cu",
        "Revenu disponible médian par unité de consommation",
        "euros par an et par unité de consommation",
        2016,
        "COG 2019",
        "S4",
        None,
        1,
    ),
    IndicatorSpec(
        "median_disposable_income_per_cu",
        "Revenu disponible médian par unité de consommation",
        "euros par an et par unité de consommation",
        2019,
        "COG 2021",
        "S5",
        None,
        1,
    ),
    IndicatorSpec(
        "poverty_rate_60",
        "Taux de pauvreté au seuil de 60 % du niveau de vie médian",
        "% des personnes",
        2015,
        "COG 2016",
        "S3",
        None,
        2,
    ),
    IndicatorSpec(
        "poverty_rate_60",
        "Taux de pauvreté au seuil de 60 % du niveau de vie médian",
        "% des personnes",
        2016,
        "COG 2019",
        "S4",
        None,
        2,
    ),
    IndicatorSpec(
        "poverty_rate_60",
        "Taux de pauvreté au seuil de 60 % du niveau de vie médian",
        "% des personnes",
        2019,
        "COG 2021",
        "S5",
        None,
        2,
    ),
    IndicatorSpec(
        "interdecile_ratio_d9_d1",
        "Rapport interdécile D9/D1 du niveau de vie",
        "rapport",
        2015,
        "COG 2016",
        "S3",
        None,
        4,
    ),
    IndicatorSpec(
        "interdecile_ratio_d9_d1",
        "Rapport interdécile D9/D1 du niveau de vie",
        "rapport",
        2016,
        "COG 2019",
        "S4",
        None,
        4,
    ),
    IndicatorSpec(
        "unemployment_rate_15_64_census",
        "Taux de chômage des 15-64 ans (recensement)",
        "% des actifs de 15 à 64 ans",
        2018,
        "COG 2021",
        "S5",
        2,
        2,
        "chômeurs de 15-64 ans / actifs de 15-64 ans x 100 (P18_CHOM1564 / P18_ACT1564), définition du recensement",
    ),
    IndicatorSpec(
        "turnout_presidential_2017_round1",
        "Participation à l'élection présidentielle 2017, 1er tour (23 avril)",
        "% des inscrits",
        2017,
        "communes du printemps 2017",
        "S6",
        2,
        2,
        "votants / inscrits x 100",
    ),
    IndicatorSpec(
        "turnout_presidential_2017_round2",
        "Participation à l'élection présidentielle 2017, 2d tour (7 mai)",
        "% des inscrits",
        2017,
        "communes du printemps 2017",
        "S6",
        2,
        2,
        "votants / inscrits x 100",
    ),
)

INDICATOR_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.indicator for s in INDICATORS))
UNITS: tuple[str, ...] = tuple(dict.fromkeys(s.unit for s in INDICATORS))


# --------------------------------------------------------------------------- national files


@dataclass(frozen=True)
class NationalFile:
    """One tidy national CSV that the builder reads."""

    relpath: str
    key: str  # column that identifies a row
    columns: tuple[str, ...]  # required columns
    numeric: tuple[str, ...] = ()
    optional: bool = False


def _filosofi(year: int, level: str, optional: bool = False) -> NationalFile:
    yy = f"{year % 100:02d}"
    return NationalFile(
        f"indicators/filosofi_{level}_{year}.csv",
        "CODGEO",
        ("CODGEO", f"MED{yy}", f"TP60{yy}", f"RD{yy}"),
        (f"MED{yy}", f"TP60{yy}", f"RD{yy}"),
        optional,
    )


NATIONAL_FILES: dict[str, NationalFile] = {
    "communes_2019": NationalFile(
        "geo/communes_2019.csv",
        "code_commune",
        ("code_commune", "code_departement", "code_region", "nom_region", "population_municipale"),
        ("population_municipale",),
    ),
    "epci_2019": NationalFile(
        "geo/epci_2019.csv",
        "siren_epci",
        ("siren_epci", "nom_epci", "population_municipale"),
        ("population_municipale",),
    ),
    "epci_members_2019": NationalFile(
        "geo/epci_members_2019.csv",
        "code_commune",
        ("siren_epci", "code_commune"),
    ),
    "communes_2026": NationalFile(
        "geo/communes_2026.csv",
        "code_commune",
        ("code_commune", "code_departement", "code_region", "zone", "population_municipale"),
        ("population_municipale",),
    ),
    "epci_2026": NationalFile(
        "geo/epci_2026.csv",
        "siren_epci",
        ("siren_epci", "nom_epci", "population_municipale"),
        ("population_municipale",),
    ),
    "epci_members_2026": NationalFile(
        "geo/epci_members_2026.csv",
        "code_commune",
        ("siren_epci", "code_commune"),
    ),
    "filosofi_com_2015": _filosofi(2015, "com"),
    "filosofi_epci_2015": _filosofi(2015, "epci"),
    "filosofi_com_2016": _filosofi(2016, "com"),
    "filosofi_epci_2016": _filosofi(2016, "epci"),
    "filosofi_dep_2015": _filosofi(2015, "dep", optional=True),
    "filosofi_reg_2015": _filosofi(2015, "reg", optional=True),
    "filosofi_metro_2015": _filosofi(2015, "metro", optional=True),
    "filosofi_dep_2016": _filosofi(2016, "dep", optional=True),
    "filosofi_reg_2016": _filosofi(2016, "reg", optional=True),
    "filosofi_metro_2016": _filosofi(2016, "metro", optional=True),
    "comparateur": NationalFile(
        "indicators/comparateur_rp2018_filo2019_com.csv",
        "CODGEO",
        ("CODGEO", "P18_POP", "P18_ACT1564", "P18_CHOM1564", "MED19", "TP6019"),
        ("P18_POP", "P18_ACT1564", "P18_CHOM1564", "MED19", "TP6019"),
    ),
    "turnout_2017": NationalFile(
        "civic/turnout_presidentielle_2017_communes.csv",
        "code_commune",
        ("code_commune", "tour", "inscrits", "votants"),
        ("tour", "inscrits", "votants"),
    ),
}


def read_national(national_dir: Path, name: str) -> pd.DataFrame | None:
    """Read one national file as strings, with its numeric columns parsed.

    Returns ``None`` for a missing optional file.

    Raises
    ------
    NationalDataUnavailable
        The file is required and absent (the message says how to provide it).
    DataValidationError
        A required column is missing, or a numeric cell is not a number; the message
        names the file, the line (header = line 1), the column and the value.
    """
    spec = NATIONAL_FILES[name]
    path = Path(national_dir) / spec.relpath
    if not path.is_file():
        if spec.optional:
            return None
        raise NationalDataUnavailable(
            f"national file {path} not found (needed to build data/territory/).\n"
            f"The national directory must hold {spec.relpath} in the layout described in "
            "data/territory/README.md; `odas-analysis data download --national-dir "
            f"{national_dir}` downloads the official files and writes it."
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError(f"{path}: cannot be read as a UTF-8 CSV with a header row ({exc})") from exc
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{path}: missing column(s) {', '.join(missing)}; expected at least: "
            f"{', '.join(spec.columns)} (found: {', '.join(map(str, frame.columns))})"
        )
    problems = []
    for col in spec.numeric:
        raw = frame[col].str.strip()
        parsed = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        bad = parsed.isna() & (raw != "")
        for idx in np.flatnonzero(bad.to_numpy())[:5]:
            problems.append(f"{path}, line {idx + 2}, column '{col}': {raw.iloc[idx]!r} is not a number")
        frame[col] = parsed.astype("float64")
    if problems:
        raise DataValidationError(f"{path}: non-numeric values where numbers are expected", problems)
    return frame


# --------------------------------------------------------------------------- measures


@dataclass
class Measure:
    """Everything needed to write the rows of one indicator x data year.

    ``communes`` is indexed by commune code (arrondissements removed) with a ``value``
    column; additive measures also carry ``num`` and ``den`` (``den`` absent for plain
    counts) and a ``dep`` column. ``epci`` holds the EPCI values used for EPCI sites and
    the EPCI distribution (index: SIREN; columns ``value`` and ``note``; ``in_dist``
    flags the EPCI kept in the distribution).
    """

    spec: IndicatorSpec
    communes: pd.DataFrame
    epci: pd.DataFrame
    additive: bool
    scale: float = 1.0
    france_scope: str = ""
    commune_note: str = ""
    epci_dist_note: str = ""
    refs: dict[str, dict[str, float]] = field(default_factory=dict)  # published refs: dep/reg/france
    refs_scope: str = ""


def _dep_of_code(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _drop_or_merge_arrondissements(frame: pd.DataFrame, code_col: str, sum_cols: Sequence[str]) -> pd.DataFrame:
    """Remove municipal arrondissements; sum them into the parent where it is absent."""
    is_arr = frame[code_col].isin(ARRONDISSEMENT_PARENTS)
    arr = frame[is_arr]
    rest = frame[~is_arr]
    present = set(rest[code_col])
    merged = []
    for parent in sorted(set(arr[code_col].map(ARRONDISSEMENT_PARENTS))):
        if parent in present or not sum_cols:
            continue
        part = arr[arr[code_col].map(ARRONDISSEMENT_PARENTS) == parent]
        row = {code_col: parent, **{c: part[c].sum(min_count=1) for c in sum_cols}}
        merged.append(row)
    if merged:
        rest = pd.concat([rest, pd.DataFrame(merged)], ignore_index=True)
    return rest


def _ratio_value(num: pd.Series, den: pd.Series | None, scale: float) -> pd.Series:
    if den is None:
        return num.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den * scale
    return out.where(den > 0)


def _epci_sums(
    members: pd.DataFrame,
    communes: pd.DataFrame,
    den: bool,
    scale: float,
    perimeter: str,
    what: str,
) -> pd.DataFrame:
    """EPCI values as sums of member communes (index SIREN, columns value/note/in_dist)."""
    joined = members[["siren_epci", "code_commune"]].merge(
        communes[["num"] + (["den"] if den else [])], left_on="code_commune", right_index=True, how="left"
    )
    joined["found"] = joined["num"].notna()
    grouped = joined.groupby("siren_epci", sort=True)
    total = grouped.size()
    found = grouped["found"].sum()
    num = grouped["num"].sum(min_count=1)
    value = _ratio_value(num, grouped["den"].sum(min_count=1) if den else None, scale)
    notes = [
        f"somme sur les {int(found[s])}/{int(total[s])} communes membres (périmètre {perimeter}) trouvées dans {what}"
        for s in total.index
    ]
    return pd.DataFrame(
        {"value": value, "note": notes, "in_dist": (found == total) & value.notna()},
        index=total.index,
    )


def _epci_published(frame: pd.DataFrame, key: str, col: str) -> pd.DataFrame:
    values = frame.set_index(key)[col]
    return pd.DataFrame({"value": values, "note": "", "in_dist": values.notna()})


def _scope_missing(communes: pd.DataFrame, dep_names: dict[str, str]) -> str:
    """French phrase naming départements whose communes all lack a value."""
    by_dep = communes.groupby("dep")["num"].apply(lambda s: s.isna().all())
    empty = sorted(d for d, all_missing in by_dep.items() if all_missing)
    if not empty:
        return ""
    names = ", ".join(dep_names.get(d, d) for d in empty)
    return f" hors {names} (valeurs absentes du fichier)"


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
    scope = "métropole + DROM" + _scope_missing(table, dep_names)
    if exclude_com:
        scope += " ; collectivités d'outre-mer (COM) exclues"
    return Measure(
        spec,
        table,
        _epci_published(epci, "siren_epci", "population_municipale"),
        additive=True,
        france_scope=scope,
        epci_dist_note="rang calculé parmi les EPCI du même fichier",
    )


def _filosofi_measure(
    spec: IndicatorSpec,
    com: pd.DataFrame,
    epci: pd.DataFrame,
    col: str,
    refs: dict[str, pd.DataFrame | None],
    epci_vintage: str,
) -> Measure:
    com = _drop_or_merge_arrondissements(com[["CODGEO", col]], "CODGEO", ())
    table = pd.DataFrame({"value": com[col].to_numpy()}, index=com["CODGEO"].to_numpy())
    table["dep"] = [_dep_of_code(c) for c in table.index]
    epci_table = _epci_published(epci, "CODGEO", col)
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


def build_measures(national_dir: Path) -> tuple[list[Measure], dict[str, pd.DataFrame]]:
    """Read every national file and return one :class:`Measure` per indicator spec.

    The second value holds the geography tables the site rows need.
    """
    files = {name: read_national(national_dir, name) for name in NATIONAL_FILES}
    c19 = files["communes_2019"]
    c26 = files["communes_2026"]
    dep_to_reg_2019 = dict(zip(c19["code_departement"], c19["code_region"], strict=True))
    dep_to_reg_2026 = dict(zip(c26["code_departement"], c26["code_region"], strict=True))
    dep_names = {}
    if "nom_departement" in c19.columns:
        dep_names = dict(zip(c19["code_departement"], c19["nom_departement"], strict=True))
    members19 = files["epci_members_2019"]

    by_spec: dict[tuple[str, int], Measure] = {}
    specs = {(s.indicator, s.data_year): s for s in INDICATORS}

    # Legal populations (S1, S2).
    by_spec[("population_municipale", 2016)] = _population_measure(
        specs[("population_municipale", 2016)], c19, files["epci_2019"], dep_names, exclude_com=False
    )
    by_spec[("population_municipale", 2023)] = _population_measure(
        specs[("population_municipale", 2023)], c26, files["epci_2026"], dep_names, exclude_com=True
    )

    # Filosofi 2015, 2016 (S3, S4).
    for year, geo_epci in ((2015, "EPCI au 1er janvier 2016"), (2016, "EPCI au 1er janvier 2019")):
        yy = f"{year % 100:02d}"
        refs = {lvl: files[f"filosofi_{lvl}_{year}"] for lvl in ("dep", "reg", "metro")}
        for indicator, col in (
            ("median_disposable_income_per_cu", f"MED{yy}"),
            ("poverty_rate_60", f"TP60{yy}"),
            ("interdecile_ratio_d9_d1", f"RD{yy}"),
        ):
            by_spec[(indicator, year)] = _filosofi_measure(
                specs[(indicator, year)],
                files[f"filosofi_com_{year}"],
                files[f"filosofi_epci_{year}"],
                col,
                refs,
                geo_epci,
            )

    # Comparateur (S5): census 2018 and Filosofi 2019.
    comp = _drop_or_merge_arrondissements(files["comparateur"], "CODGEO", ("P18_POP", "P18_ACT1564", "P18_CHOM1564"))
    comp_codes = comp["CODGEO"].to_numpy()
    comp_deps = [_dep_of_code(c) for c in comp_codes]
    what = "la base comparateur"
    pop_rp = pd.DataFrame({"num": comp["P18_POP"].to_numpy(), "dep": comp_deps}, index=comp_codes)
    pop_rp["value"] = pop_rp["num"]
    comp_scope = "métropole + DROM" + _scope_missing(pop_rp, dep_names)
    by_spec[("population_rp", 2018)] = Measure(
        specs[("population_rp", 2018)],
        pop_rp,
        _epci_sums(members19, pop_rp, False, 1.0, "2019", what),
        additive=True,
        france_scope=comp_scope,
        epci_dist_note="rang calculé parmi les EPCI 2019 dont toutes les communes membres sont dans le fichier",
    )
    unemp = pd.DataFrame(
        {"num": comp["P18_CHOM1564"].to_numpy(), "den": comp["P18_ACT1564"].to_numpy(), "dep": comp_deps},
        index=comp_codes,
    )
    unemp["value"] = _ratio_value(unemp["num"], unemp["den"], 100.0)
    by_spec[("unemployment_rate_15_64_census", 2018)] = Measure(
        specs[("unemployment_rate_15_64_census", 2018)],
        unemp,
        _epci_sums(members19, unemp, True, 100.0, "2019", what),
        additive=True,
        scale=100.0,
        france_scope=comp_scope,
        epci_dist_note="rang calculé parmi les EPCI 2019 dont toutes les communes membres sont dans le fichier",
    )
    no_epci_note = (
        "valeur EPCI non calculable : la base comparateur ne contient que des communes et "
        "la médiane comme le taux de pauvreté ne s'additionnent pas"
    )
    for indicator, col in (("median_disposable_income_per_cu", "MED19"), ("poverty_rate_60", "TP6019")):
        table = pd.DataFrame({"value": comp[col].to_numpy(), "dep": comp_deps}, index=comp_codes)
        epci_empty = pd.DataFrame(
            {"value": pd.Series(dtype="float64"), "note": pd.Series(dtype="object"), "in_dist": pd.Series(dtype="bool")}
        )
        m = Measure(specs[(indicator, 2019)], table, epci_empty, additive=False)
        m.epci_dist_note = no_epci_note
        if indicator == "poverty_rate_60":
            m.commune_note = (
                "valeur non publiée par l'INSEE pour les petites communes (secret statistique) : "
                "le rang compare la commune aux seules communes dont la valeur est publiée"
            )
        by_spec[(indicator, 2019)] = m

    # Turnout 2017 (S6).
    turnout = files["turnout_2017"]
    turnout = turnout[turnout["code_commune"].str.strip() != ""]
    for rnd in (1, 2):
        part = turnout[turnout["tour"] == rnd][["code_commune", "inscrits", "votants"]]
        # The Ministry sometimes lists a commune déléguée separately under the INSEE code
        # of its commune nouvelle (e.g. Saint-Lucien within Sigy-en-Bray, 76676): counts
        # are additive, so rows sharing a code are summed into one commune.
        part = part.groupby("code_commune", as_index=False, sort=True)[["inscrits", "votants"]].sum(min_count=1)
        part = _drop_or_merge_arrondissements(part, "code_commune", ("inscrits", "votants"))
        codes = part["code_commune"].to_numpy()
        deps = [_dep_of_code(c) for c in codes]
        table = pd.DataFrame(
            {"num": part["votants"].to_numpy(), "den": part["inscrits"].to_numpy(), "dep": deps}, index=codes
        )
        table["value"] = _ratio_value(table["num"], table["den"], 100.0)
        spec = specs[(f"turnout_presidential_2017_round{rnd}", 2017)]
        by_spec[(spec.indicator, spec.data_year)] = Measure(
            spec,
            table,
            _epci_sums(members19, table, True, 100.0, "2019", "le fichier des résultats 2017"),
            additive=True,
            scale=100.0,
            france_scope=(
                "métropole + DROM" + _scope_missing(table, dep_names) + " ; COM et Français de l'étranger exclus"
            ),
            epci_dist_note=(
                "rang calculé parmi les EPCI 2019 dont toutes les communes membres sont dans le fichier ; "
                "les communes fusionnées entre 2017 et 2019 ne sont comptées que sous le code conservé"
            ),
        )

    measures = [by_spec[(s.indicator, s.data_year)] for s in INDICATORS]
    for m in measures:
        _check_unique_index(m, national_dir)
    geo = {
        "dep_to_reg_2019": pd.Series(dep_to_reg_2019),
        "dep_to_reg_2026": pd.Series(dep_to_reg_2026),
        "communes_2019": c19,
        "communes_2026": c26,
        "epci_2019": files["epci_2019"],
        "epci_2026": files["epci_2026"],
        "members_2019": members19,
        "members_2026": files["epci_members_2026"],
    }
    return measures, geo


def _check_unique_index(measure: Measure, national_dir: Path) -> None:
    dup = measure.communes.index.duplicated()
    if dup.any():
        raise DataValidationError(
            f"national files in {national_dir}: code {measure.communes.index[dup][0]} appears twice "
            f"for {measure.spec.indicator} {measure.spec.data_year} ({measure.spec.source_id}); "
            "expected one row per commune"
        )


# --------------------------------------------------------------------------- numbers


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """Write a number the same way on every run.

    Missing -> ``""``; rounded to ``decimals`` when given; integral values without a
    decimal point; others as the shortest text that reads back to the same float.
    """
    if value is None:
        return ""
    x = float(value)
    if math.isnan(x):
        return ""
    if decimals is not None:
        x = round(x, decimals)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def pct_rank(distribution: np.ndarray, value: float) -> float:
    """Share (%) of ``distribution`` that is <= ``value``, rounded to one decimal."""
    return round(100.0 * float(np.count_nonzero(distribution <= value)) / distribution.size, 1)


def _percentiles(values: np.ndarray) -> np.ndarray:
    return np.percentile(values, np.arange(101), method="linear")


# --------------------------------------------------------------------------- site rows


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    level: str  # "commune" or "EPCI"
    code: str
    dep_code: str
    reg_code: str


def _read_sites(sites_csv: Path) -> list[Site]:
    frame = pd.read_csv(sites_csv, dtype=str, keep_default_na=False)
    needed = ["site_id", "name", "kind", "insee_code", "siren_epci", "dep_code", "reg_code"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{sites_csv}: missing column(s) {', '.join(missing)}")
    out = []
    for i, row in frame.iterrows():
        if row["kind"] == "commune":
            level, code = "commune", row["insee_code"]
        else:
            level, code = "EPCI", row["siren_epci"]
        if not code:
            col = "insee_code" if level == "commune" else "siren_epci"
            raise DataValidationError(f"{sites_csv}, line {i + 2}, column '{col}': empty, expected a code")
        out.append(Site(row["site_id"], row["name"], level, code, row["dep_code"], row["reg_code"]))
    return sorted(out, key=lambda s: s.site_id)


def _check_sites_in_geography(
    sites: list[Site], geo: dict[str, pd.DataFrame], national_dir: Path, sites_csv: Path
) -> None:
    for vintage in ("2019", "2026"):
        communes = geo[f"communes_{vintage}"].set_index("code_commune")
        epci = set(geo[f"epci_{vintage}"]["siren_epci"])
        for s in sites:
            if s.level == "commune":
                if s.code not in communes.index:
                    raise DataValidationError(
                        f"{national_dir / f'geo/communes_{vintage}.csv'}: site '{s.site_id}' "
                        f"(INSEE code {s.code}, from {sites_csv}) not found in column code_commune"
                    )
                dep = communes.at[s.code, "code_departement"]
                if dep != s.dep_code:
                    raise DataValidationError(
                        f"site '{s.site_id}': département {s.dep_code} in {sites_csv} but {dep} in "
                        f"{national_dir / f'geo/communes_{vintage}.csv'}"
                    )
            elif s.code not in epci:
                raise DataValidationError(
                    f"{national_dir / f'geo/epci_{vintage}.csv'}: site '{s.site_id}' "
                    f"(SIREN {s.code}, from {sites_csv}) not found in column siren_epci"
                )


def _aggregate(measure: Measure, dep_to_reg: pd.Series) -> tuple[pd.Series, pd.Series, float | None]:
    com = measure.communes
    den = "den" in com.columns
    by_dep = com.groupby("dep")
    num_dep = by_dep["num"].sum(min_count=1)
    reg_of = com["dep"].map(dep_to_reg)
    by_reg = com.groupby(reg_of)
    num_reg = by_reg["num"].sum(min_count=1)
    num_fr = com["num"].sum(min_count=1)
    if den:
        dep_v = _ratio_value(num_dep, by_dep["den"].sum(min_count=1), measure.scale)
        reg_v = _ratio_value(num_reg, by_reg["den"].sum(min_count=1), measure.scale)
        den_fr = com["den"].sum(min_count=1)
        fr = float(num_fr / den_fr * measure.scale) if den_fr > 0 else None
    else:
        dep_v, reg_v, fr = num_dep, num_reg, float(num_fr)
    return dep_v, reg_v, fr


def _site_rows(measure: Measure, sites: list[Site], dep_to_reg: pd.Series) -> list[dict[str, str]]:
    spec = measure.spec
    dec = spec.decimals
    commune_dist = measure.communes["value"].dropna().to_numpy(dtype="float64")
    epci_dist = measure.epci.loc[measure.epci["in_dist"].astype(bool), "value"].to_numpy(dtype="float64")
    if measure.additive:
        dep_v, reg_v, fr = _aggregate(measure, dep_to_reg)
    rows = []
    for s in sites:
        notes: list[str] = [spec.note] if spec.note else []
        reg_code = s.reg_code if s.level == "EPCI" else str(dep_to_reg.get(s.dep_code, ""))
        row = {
            "site_id": s.site_id,
            "site_name": s.name,
            "site_level": s.level,
            "site_code": s.code,
            "indicator": spec.indicator,
            "label": spec.label,
            "data_year": str(spec.data_year),
            "geography": spec.geography,
            "unit": spec.unit,
            "dep_code": s.dep_code,
            "reg_code": reg_code,
            "source_id": spec.source_id,
            "rank_population": "communes" if s.level == "commune" else "EPCI",
        }
        value = None
        rank = None
        n = None
        if s.level == "commune":
            if s.code not in measure.communes.index:
                raise DataValidationError(
                    f"site '{s.site_id}' (INSEE code {s.code}) not found in the national file of "
                    f"{spec.indicator} {spec.data_year} (source {spec.source_id})"
                )
            v = measure.communes.at[s.code, "value"]
            if not pd.isna(v):
                value = float(v)
                rank, n = pct_rank(commune_dist, value), commune_dist.size
            else:
                notes.append("valeur non publiée dans le fichier source")
            if measure.commune_note:
                notes.append(measure.commune_note)
        else:
            if s.code in measure.epci.index:
                v = measure.epci.at[s.code, "value"]
                if measure.epci.at[s.code, "note"]:
                    notes.append(str(measure.epci.at[s.code, "note"]))
                if not pd.isna(v):
                    value = float(v)
                    if epci_dist.size and bool(measure.epci.at[s.code, "in_dist"]):
                        rank, n = pct_rank(epci_dist, value), epci_dist.size
                        notes.append(measure.epci_dist_note)
            elif measure.epci.empty:
                notes.append(measure.epci_dist_note)
            else:
                notes.append(f"EPCI absent de ce fichier ({measure.refs_scope or spec.geography})")
        row["value"] = format_number(value, dec)
        row["pct_rank"] = format_number(rank, 1)
        row["n_in_distribution"] = "" if n is None else str(n)
        if measure.additive:
            row["dep_value"] = format_number(dep_v.get(s.dep_code), dec)
            row["reg_value"] = format_number(reg_v.get(reg_code), dec)
            row["france_value"] = format_number(fr, dec)
            row["france_scope"] = measure.france_scope
            notes.append("références : sommes sur les communes")
        elif measure.refs:
            row["dep_value"] = format_number(measure.refs["dep"].get(s.dep_code), dec)
            row["reg_value"] = format_number(measure.refs["reg"].get(reg_code), dec)
            metro = measure.refs["metro"]
            row["france_value"] = format_number(next(iter(metro.values())) if len(metro) == 1 else None, dec)
            row["france_scope"] = "France métropolitaine (valeur publiée par l'INSEE)"
            notes.append("références : valeurs publiées par l'INSEE (feuilles DEP, REG et METRO)")
        else:
            row["dep_value"] = row["reg_value"] = row["france_value"] = row["france_scope"] = ""
            notes.append(NOTE_NOT_ADDITIVE)
        row["note"] = " ; ".join(n_ for n_ in notes if n_)
        rows.append(row)
    return rows


def _distribution_rows(measure: Measure) -> list[dict[str, str]]:
    spec = measure.spec
    out = []
    populations = [("communes", measure.communes["value"].dropna().to_numpy(dtype="float64"))]
    if not measure.epci.empty:
        in_dist = measure.epci["in_dist"].astype(bool)
        populations.append(("EPCI", measure.epci.loc[in_dist, "value"].to_numpy(dtype="float64")))
    for population, values in populations:
        if values.size == 0:
            continue
        for pct, v in zip(range(101), _percentiles(values), strict=True):
            out.append(
                {
                    "indicator": spec.indicator,
                    "data_year": str(spec.data_year),
                    "rank_population": population,
                    "percentile": str(pct),
                    "value": format_number(v, spec.dist_decimals),
                    "n_in_distribution": str(values.size),
                    "unit": spec.unit,
                    "geography": spec.geography,
                    "source_id": spec.source_id,
                }
            )
    return out


# --------------------------------------------------------------------------- writing


def _csv_text(rows: list[dict[str, str]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


def _order_key(indicator_order: dict[tuple[str, int], int]) -> Callable[[dict[str, str]], tuple]:
    def key(row: dict[str, str]) -> tuple:
        return (row["site_id"], indicator_order[(row["indicator"], int(row["data_year"]))])

    return key


def build_tables(national_dir: Path, sites_csv: Path | None = None) -> dict[str, str]:
    """Compute both tables; return ``{file name: CSV text}`` without writing anything."""
    from .config import STUDY_DIR

    national_dir = Path(national_dir)
    sites_csv = Path(sites_csv) if sites_csv else STUDY_DIR / "sites.csv"
    sites = _read_sites(sites_csv)
    measures, geo = build_measures(national_dir)
    _check_sites_in_geography(sites, geo, national_dir, sites_csv)
    order = {(s.indicator, s.data_year): i for i, s in enumerate(INDICATORS)}
    site_rows: list[dict[str, str]] = []
    dist_rows: list[dict[str, str]] = []
    for m in measures:
        dep_to_reg = geo["dep_to_reg_2026"] if m.spec.geography == "COG 2026" else geo["dep_to_reg_2019"]
        site_rows.extend(_site_rows(m, sites, dep_to_reg))
        dist_rows.extend(_distribution_rows(m))
    site_rows.sort(key=_order_key(order))
    pop_order = {"communes": 0, "EPCI": 1}
    dist_rows.sort(
        key=lambda r: (
            order[(r["indicator"], int(r["data_year"]))],
            pop_order[r["rank_population"]],
            int(r["percentile"]),
        )
    )
    return {
        SITE_INDICATORS_FILE: _csv_text(site_rows, SITE_INDICATOR_COLUMNS),
        NATIONAL_DISTRIBUTION_FILE: _csv_text(dist_rows, DISTRIBUTION_COLUMNS),
    }


def build_territory(national_dir: Path, out_dir: Path) -> list[Path]:
    """Build ``site_indicators.csv`` and ``national_distribution.csv`` into ``out_dir``.

    Parameters
    ----------
    national_dir
        Directory of the national files (``geo/``, ``indicators/``, ``civic/``).
    out_dir
        Where to write (``data/territory/`` for the committed tables).

    Returns
    -------
    list of Path
        The files written, in a fixed order.
    """
    tables = build_tables(Path(national_dir))
    out_dir = Path(out_dir)
    written = []
    for name in (SITE_INDICATORS_FILE, NATIONAL_DISTRIBUTION_FILE):
        path = out_dir / name
        files.write_text(path, tables[name])
        written.append(path)
    return written
