"""The profile of any French territory: every indicator at every vintage, its references and its rank.

Two origins, one shape (:class:`Profile`):

* :func:`territory_profile` - any of the communes (INSEE code) and EPCI (SIREN) of the
  national files (COG and EPCI of 1 January 2026), read at run time from the directory
  named by ``ODAS_NATIONAL_DATA``. The values follow the rules of the committed tables
  exactly: each row is written by :func:`odas_analysis.national.rows.site_rows`, the
  function that writes ``site_indicators.csv``, for a site made on the fly. An EPCI
  absent from the files of 2019 (created or renumbered since, such as the Métropole
  Européenne de Lille, SIREN 200093201) gets its additive indicators summed over its
  member communes of 1 January 2026, and the note says so.
* :func:`site_profile` - one of the study's sites, from the committed tables of
  ``data/territory/`` only (no national file needed).

Each national file is read once per process: :func:`national_index` keeps the measures
built from them and recomputes them only when a file changes (size or modification time).
A value the source does not publish stays missing; :func:`value_status` says why
(« secret statistique » for Filosofi values INSEE withholds for small territories).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import comparison
from ..errors import DataValidationError, ParameterError
from ..validate.memo import on_package
from . import codes, index_cache
from .csv_format import csv_number
from .measure import Measure, NationalData, ratio_value
from .read import NATIONAL_FILES, read_national
from .rows import DISTRIBUTION_COLUMNS, SITE_INDICATOR_COLUMNS, distribution_rows, pct_rank, reference_sums, site_rows
from .sites import Site

#: Files the profile needs (the study-period perimeters and the politique de la ville are not read).
_NOT_READ = {"epci_members_2015", "epci_members_2016", "epci_members_2017", "epci_members_2026"}
PROFILE_FILES: tuple[str, ...] = tuple(
    name for name in NATIONAL_FILES if name not in _NOT_READ | {"contrats_de_ville", "adultes_relais", "fonjep"}
)

#: Where a code is looked up: level -> (file name of :data:`NATIONAL_FILES`, key column).
CODE_FILES = {"commune": ("communes_2026", "code_commune"), "EPCI": ("epci_2026", "siren_epci")}

PROFILE_COLUMNS = [c for c in SITE_INDICATOR_COLUMNS if not c.startswith("site_")] + ["status"]

NATURE_FR = {
    "commune": "commune",
    "CC": "communauté de communes",
    "CA": "communauté d'agglomération",
    "CU": "communauté urbaine",
    "METRO": "métropole",
    "MET69": "Métropole de Lyon",
}

#: The nature an EPCI is compared within, when not its own: the Métropole de Lyon, the only
#: one of its nature (a collectivité à statut particulier that holds the competences of a
#: métropole), is compared with the métropoles.
COMPARED_WITH = {"MET69": "METRO"}

FILOSOFI_INDICATORS = frozenset({"median_disposable_income_per_cu", "poverty_rate_60", "interdecile_ratio_d9_d1"})
STATUS_SECRET = "secret statistique"
STATUS_ABSENT = "absente du fichier"
STATUS_NOT_COMPUTABLE = "non calculable"
STATUS_UNPUBLISHED = "non publiée"


@dataclass(frozen=True)
class Territory:
    """Who a territory is: level (``commune`` or ``EPCI``), code, name and where it lies.

    For an EPCI, the département and the région are those of most of its member
    communes (COG 2026); ``epci_code`` / ``epci_name`` are, for a commune, its EPCI of
    1 January 2026. ``population`` is the legal population in force on 1 January 2026.
    """

    level: str
    code: str
    name: str
    nature: str
    dep_code: str
    dep_name: str
    reg_code: str
    reg_name: str
    epci_code: str = ""
    epci_name: str = ""
    population: float | None = None
    n_communes: int | None = None
    site_id: str = ""

    @property
    def code_label(self) -> str:
        """``code INSEE 59350`` or ``SIREN 200093201``."""
        return f"code INSEE {self.code}" if self.level == "commune" else f"SIREN {self.code}"


@dataclass(frozen=True)
class Profile:
    """A territory's indicators (:data:`PROFILE_COLUMNS`), its national distributions and its neighbours.

    ``distributions`` has the columns of ``national_distribution.csv`` for the population
    the territory is ranked in (communes, or EPCI); ``neighbours`` is the frame of
    :func:`odas_analysis.comparison.comparable_territories` (empty when too few
    indicators are known).
    """

    territory: Territory
    indicators: pd.DataFrame
    distributions: pd.DataFrame
    neighbours: pd.DataFrame

    def row(self, indicator: str, data_year: int) -> pd.Series:
        """The profile's row of one indicator at one vintage (the first, if several)."""
        positions = self._indicator_rows.get((indicator, data_year))
        if positions is None:
            raise ParameterError(f"pas de ligne {indicator!r} {data_year!r} dans le profil de {self.territory.name}")
        return self.indicators.iloc[positions[0]]

    def distribution(self, indicator: str, data_year: int) -> pd.DataFrame:
        """Percentiles 0..100 of one indicator in the territory's rank population (may be empty)."""
        positions = self._distribution_rows.get((indicator, data_year), [])
        return self.distributions.iloc[positions].reset_index(drop=True)

    # A page asks for sixteen rows and curves: comparing two pandas columns (string and
    # nullable integer) at each request cost about 4 ms. The frames are not modified once
    # the profile is built.
    @functools.cached_property
    def _indicator_rows(self) -> dict[tuple[str, int], list[int]]:
        return _rows_by_key(self.indicators)

    @functools.cached_property
    def _distribution_rows(self) -> dict[tuple[str, int], list[int]]:
        return _rows_by_key(self.distributions)


def _rows_by_key(frame: pd.DataFrame) -> dict[tuple[str, int], list[int]]:
    """Positions of the rows of ``frame`` by (indicator, data_year), in order."""
    rows: dict[tuple[str, int], list[int]] = {}
    for pos, (indicator, year) in enumerate(zip(frame["indicator"], frame["data_year"], strict=True)):
        if not pd.isna(indicator) and not pd.isna(year):
            rows.setdefault((str(indicator), int(year)), []).append(pos)
    return rows


def value_status(value: object, indicator: str, note: object) -> str:
    """Why a value is missing (``""`` when it is there), from the row's note and the indicator."""
    if not pd.isna(value):
        return ""
    text = "" if pd.isna(note) else str(note)
    if "absent" in text:
        return STATUS_ABSENT
    if "valeur EPCI non calculable" in text:
        return STATUS_NOT_COMPUTABLE
    if indicator in FILOSOFI_INDICATORS:
        return STATUS_SECRET
    return STATUS_UNPUBLISHED


def _typed(frame: pd.DataFrame, columns: list[str], numeric: dict[str, str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for col, dtype in numeric.items():
        out[col] = pd.to_numeric(out[col].replace("", None)).astype(dtype)
    for col in columns:
        if col not in numeric:
            out[col] = out[col].astype("string").replace("", pd.NA)
    return out


_PROFILE_NUMERIC = {
    "data_year": "Int64",
    "value": "float64",
    "dep_value": "float64",
    "reg_value": "float64",
    "france_value": "float64",
    "pct_rank": "float64",
    "n_in_distribution": "Int64",
}
_DISTRIBUTION_NUMERIC = {"data_year": "Int64", "percentile": "Int64", "value": "float64", "n_in_distribution": "Int64"}


def with_status(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` restricted to :data:`PROFILE_COLUMNS`, its ``status`` column computed."""
    out = frame.copy()
    out["status"] = [
        value_status(v, str(i), n) for v, i, n in zip(out["value"], out["indicator"], out["note"], strict=True)
    ]
    out["status"] = out["status"].astype("string")
    return out[PROFILE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- national index


@dataclass
class NationalIndex:
    """The national files read once: measures, geography, distributions and neighbour matrices."""

    national_dir: Path
    data: NationalData
    measures: list[Measure]
    distributions: pd.DataFrame
    matrices: dict[str, pd.DataFrame]
    dep_to_reg: dict[str, pd.Series]
    members_2026: dict[str, list[str]]

    @functools.cached_property
    def sums(self) -> list[tuple | None]:
        """:func:`~.rows.reference_sums` of each measure (None when not additive), summed once
        for all the territories a process profiles (and before the batch's zygote forks)."""
        return [reference_sums(m, self.dep_to_reg[m.cog_vintage]) if m.additive else None for m in self.measures]


_CACHE: dict[str, tuple[tuple, NationalIndex]] = {}


def _file_state(national_dir: Path) -> tuple:
    state = []
    for name in PROFILE_FILES:
        try:
            st = os.stat(national_dir / NATIONAL_FILES[name].relpath)
        except FileNotFoundError:
            state.append((name, None))
            continue
        state.append((name, st.st_size, st.st_mtime_ns))
    return tuple(state)


def national_index(national_dir: str | os.PathLike[str] | None = None) -> NationalIndex:
    """The national files of ``national_dir`` (default ``ODAS_NATIONAL_DATA``), read once per file state.

    Kept in memory for the process, and on disk for the next ones (:mod:`.index_cache`).
    """
    from ..config import national_data_dir

    directory = national_data_dir(national_dir).resolve()
    state = _file_state(directory)
    cached = _CACHE.get(str(directory))
    if cached is not None and cached[0] == state:
        return cached[1]
    path = index_cache.cache_path(directory, state)
    index = index_cache.load(path)
    if not isinstance(index, NationalIndex):
        index = _build_index(directory)
        index_cache.store(path, index)
    _CACHE.clear()
    _CACHE[str(directory)] = (state, index)
    return index


def _build_index(directory: Path) -> NationalIndex:
    from .build import _measures

    data = NationalData({name: read_national(directory, name) for name in PROFILE_FILES})
    measures = _measures(data, directory)
    rows = [r for m in measures for r in distribution_rows(m)]
    distributions = _typed(
        pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS), DISTRIBUTION_COLUMNS, _DISTRIBUTION_NUMERIC
    )
    dep_to_reg = {vintage: pd.Series(data.dep_to_reg(vintage)) for vintage in ("2019", "2026")}
    communes = data["communes_2026"]
    members = {str(s): list(part) for s, part in communes.groupby("siren_epci")["code_commune"]}
    matrices = _matrices(data, measures)
    data = NationalData({name: data[name] for name in ("communes_2026", "epci_2026")})
    return NationalIndex(directory, data, measures, distributions, matrices, dep_to_reg, members)


def _matrices(data: NationalData, measures: list[Measure]) -> dict[str, pd.DataFrame]:
    """Wide matrices (index code, one column per indicator key) of the communes and EPCI of 2026."""
    communes = pd.DataFrame({m.spec.key: m.communes["value"] for m in measures})
    communes = communes.reindex(pd.Index(data["communes_2026"]["code_commune"], name="code")).astype("float64")
    epci = pd.DataFrame(
        {m.spec.key: m.epci["value"].where(m.epci["in_dist"].astype(bool)) for m in measures if not m.epci.empty}
    )
    epci = epci.reindex(pd.Index(data["epci_2026"]["siren_epci"], name="code")).astype("float64")
    return {"commune": communes, "EPCI": epci}


# --------------------------------------------------------------------------- territories


def find_territory(code: object, national_dir: str | os.PathLike[str] | None = None) -> Territory:
    """The commune (5-character INSEE code) or EPCI (9-digit SIREN) of the national files.

    Raises
    ------
    ParameterError
        The code is in neither file; the message names the file and column looked in.
    """
    index = national_index(national_dir)
    text = codes.normalise_code(code)
    level = codes.level_of(text)
    name, key = CODE_FILES[level]
    frame = index.data[name]
    match = frame[frame[key] == text]
    if match.empty:
        raise ParameterError(codes.unknown_code_message(text, index.national_dir, len(frame)))
    return _commune(index, match.iloc[0]) if level == "commune" else _epci(index, match.iloc[0])


def check_territory_code(code: object, national_dir: str | os.PathLike[str] | None = None) -> str:
    """``code`` normalised (a commune code or a SIREN of the national files), or a French :class:`ParameterError`."""
    return find_territory(code, national_dir).code


def _population(value: object) -> float | None:
    return None if pd.isna(value) else float(value)


def _commune(index: NationalIndex, row: pd.Series) -> Territory:
    return Territory(
        "commune",
        str(row["code_commune"]),
        str(row["nom"]),
        NATURE_FR["commune"],
        str(row["code_departement"]),
        str(row.get("nom_departement", "")),
        str(row["code_region"]),
        str(row["nom_region"]),
        str(row.get("siren_epci", "")),
        str(row.get("nom_epci", "")),
        _population(row["population_municipale"]),
        None,
    )


def _epci(index: NationalIndex, row: pd.Series) -> Territory:
    communes = index.data["communes_2026"]
    members = communes[communes["siren_epci"] == row["siren_epci"]]
    counts = members.groupby("code_departement").size()
    dep = str(counts.sort_values(ascending=False, kind="stable").index[0]) if len(counts) else ""
    first = members[members["code_departement"] == dep].iloc[0] if dep else pd.Series(dtype=object)
    nature = str(row.get("type", ""))
    n = row.get("nb_communes", "")
    return Territory(
        "EPCI",
        str(row["siren_epci"]),
        str(row["nom_epci"]),
        NATURE_FR.get(nature, nature),
        dep,
        str(first.get("nom_departement", "")),
        str(first.get("code_region", "")),
        str(first.get("nom_region", "")),
        population=_population(row["population_municipale"]),
        n_communes=int(float(n)) if str(n).strip() else len(members),
    )


# --------------------------------------------------------------------------- profile rows


def _member_sums(index: NationalIndex, measure: Measure, siren: str) -> tuple[float | None, str]:
    """An additive measure summed over the EPCI's member communes of 1 January 2026."""
    codes = index.members_2026.get(siren, [])
    table = measure.communes.reindex(codes)
    found = int(table["num"].notna().sum())
    num = table["num"].sum(min_count=1)
    den = table["den"].sum(min_count=1) if "den" in table.columns else None
    value = ratio_value(pd.Series([num]), None if den is None else pd.Series([den]), measure.scale).iloc[0]
    note = (
        f"EPCI absent des fichiers de 2019 : somme sur les {found}/{len(codes)} communes membres "
        "(périmètre du 1er janvier 2026) trouvées dans le fichier source"
    )
    return (None if pd.isna(value) else float(value)), note


def _rows_for(index: NationalIndex, t: Territory) -> list[dict[str, str]]:
    site = Site("", t.name, t.level, t.code, t.dep_code, t.reg_code)
    out = []
    for m, sums in zip(index.measures, index.sums, strict=True):
        measure = m
        if t.level == "commune" and t.code not in m.communes.index and not m.coverage:
            measure = dataclasses.replace(m, coverage=f"géographie {m.spec.geography}")
        try:
            row = site_rows(measure, [site], index.dep_to_reg[m.cog_vintage], sums)[0]
        except DataValidationError as exc:  # pragma: no cover - site_rows refuses only absent communes
            raise ParameterError(str(exc)) from exc
        if t.level == "EPCI" and m.additive and row["value"] == "" and t.code not in m.epci.index:
            value, note = _member_sums(index, m, t.code)
            if value is not None:
                dist = m.epci.loc[m.epci["in_dist"].astype(bool), "value"].to_numpy(dtype="float64")
                row["value"] = csv_number(value, m.spec.rounding)
                row["pct_rank"] = csv_number(pct_rank(dist, value), 1) if dist.size else ""
                row["n_in_distribution"] = str(dist.size) if dist.size else ""
                kept = [p for p in row["note"].split(" ; ") if not p.startswith("EPCI absent de ce fichier")]
                row["note"] = " ; ".join([note, m.epci_dist_note, *kept])
        out.append(row)
    return out


def territory_profile(code: object, national_dir: str | os.PathLike[str] | None = None, k: int = 5) -> Profile:
    """The profile of any commune or EPCI of the national files (see the module docstring).

    Raises
    ------
    ParameterError
        Unknown code (the message names the file looked in).
    """
    index = national_index(national_dir)
    t = find_territory(code, index.national_dir)
    frame = _typed(pd.DataFrame(_rows_for(index, t)), [c for c in PROFILE_COLUMNS if c != "status"], _PROFILE_NUMERIC)
    indicators = with_status(frame)
    population = "communes" if t.level == "commune" else "EPCI"
    dist = index.distributions
    distributions = dist[dist["rank_population"] == population].reset_index(drop=True)
    return Profile(t, indicators, distributions, _national_neighbours(index, t, indicators, k))


def _national_neighbours(index: NationalIndex, t: Territory, indicators: pd.DataFrame, k: int) -> pd.DataFrame:
    matrix = index.matrices[t.level]
    if t.level == "commune":
        names = index.data["communes_2026"].set_index("code_commune")["nom"]
        label = "communes de France (COG 2026)"
    else:
        epci = index.data["epci_2026"]
        nature = str(epci.loc[epci["siren_epci"] == t.code, "type"].iloc[0])
        group = COMPARED_WITH.get(nature, nature)
        same = epci[epci["type"].astype(str).map(lambda n: COMPARED_WITH.get(n, n)) == group]
        matrix = matrix.loc[same["siren_epci"]]
        names = same.set_index("siren_epci")["nom_epci"]
        others = sorted({str(n) for n in same["type"]} - {group})
        if not others:
            label = f"EPCI de même nature ({NATURE_FR.get(nature, nature)}, EPCI au 1er janvier 2026)"
        else:
            label = (
                f"EPCI de nature {NATURE_FR.get(group, group)}, "
                + ", ".join(NATURE_FR.get(n, n) for n in others)
                + " comprise (EPCI au 1er janvier 2026)"
            )
    matrix = matrix.copy()
    own = {f"{r.indicator}_{int(r.data_year)}": r.value for r in indicators.itertuples(index=False)}
    matrix.loc[t.code] = [own.get(col, np.nan) for col in matrix.columns]
    near = comparison.comparable_territories(matrix, names, t.code, k=k)
    near.attrs["universe"] = label
    return near


# --------------------------------------------------------------------------- the study's sites


def site_territory(site_id: str) -> Territory:
    """A study site as a :class:`Territory`, from ``data/study/sites.csv``."""
    from .. import study

    row = study.site(study.check_site_id(site_id))
    level = "commune" if row["kind"] == "commune" else "EPCI"
    code = str(row["insee_code"] if level == "commune" else row["siren_epci"])
    indicators = _site_rows(site_id)
    pop = indicators[(indicators["indicator"] == "population_municipale") & (indicators["data_year"] == 2023)]
    return Territory(
        level,
        code,
        str(row["name"]),
        str(row["kind_label"]),
        str(row["dep_code"]),
        str(row["dep_name"]),
        str(row["reg_code"]),
        str(row["reg_name"]),
        population=float(pop["value"].iloc[0]) if len(pop) and not pd.isna(pop["value"].iloc[0]) else None,
        site_id=site_id,
    )


def _site_rows(site_id: str) -> pd.DataFrame:
    from . import territory

    return territory.site_indicators(site_id)


@on_package
def site_profile(site_id: str, k: int = 5) -> Profile:
    """The profile of one of the study's sites, from the committed tables of ``data/territory/`` only.

    Same shape as :func:`territory_profile`; the neighbours are found in the site's own
    comparison universe (communes of 20,000 inhabitants or more, or the CA). Computed
    once per process and state of the project's tables (each table and figure of the
    site page asks for it).
    """
    from ..validate import load_table
    from . import territory

    t = site_territory(site_id)
    indicators = with_status(_site_rows(site_id))
    population = "communes" if t.level == "commune" else "EPCI"
    dist = load_table("national_distribution")
    distributions = dist[dist["rank_population"] == population].reset_index(drop=True)
    universe = territory.comparison_universe()
    matrix = comparison.universe_matrix(universe, t.level)
    part = universe[universe["unit_level"] == t.level].drop_duplicates("code").set_index("code")["name"]
    near = comparison.comparable_territories(matrix, part, t.code, k=k)
    from .universe import UNIVERSE_LABELS

    near.attrs["universe"] = UNIVERSE_LABELS[t.level]
    return Profile(t, indicators, distributions, near)
