"""Reading the tidy national files (the layout of ``data/territory/README.md``).

:data:`NATIONAL_FILES` names every file a builder reads, with its key, required and
numeric columns; :func:`read_national` reads one of them with clear errors. The rules
for municipal arrondissements live here too, because every source needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError, NationalDataUnavailable

# Municipal arrondissements -> parent commune.
ARRONDISSEMENT_PARENTS: dict[str, str] = {
    **{f"751{n:02d}": "75056" for n in range(1, 21)},
    **{f"6938{n}": "69123" for n in range(1, 10)},
    **{f"132{n:02d}": "13055" for n in range(1, 17)},
}


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


DGCL_YEARS = (2015, 2016, 2017)
"""Years of the DGCL lists of EPCI and their member communes (1 January, study period)."""


def _dgcl_members(year: int) -> NationalFile:
    return NationalFile(
        f"geo/epci_members_{year}.csv",
        "insee",
        ("siren", "nom", "nature", "nb_com", "ptot", "pmun", "insee"),
        ("nb_com", "ptot", "pmun"),
    )


def _posts(relpath: str) -> NationalFile:
    return NationalFile(relpath, "id_poste", ("id_poste", "annee", "montant", "code_cv"), ("annee", "montant"))


def _municipal(year: int) -> NationalFile:
    return NationalFile(
        f"civic/municipales_{year}_t1_participation.csv",
        "code_insee",
        ("code_insee", "participation_t1_pct"),
        ("participation_t1_pct",),
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
    # Second edition: study-period perimeters (S7), politique de la ville (S8, S9), municipal turnout (S10).
    **{f"epci_members_{year}": _dgcl_members(year) for year in DGCL_YEARS},
    "contrats_de_ville": NationalFile(
        "politique_ville/contrats_de_ville_2015.csv",
        "code_cv",
        ("code_cv", "nom", "perimetre", "nb_communes", "siren_epci_2015", "fiche_sig_ville"),
        ("nb_communes",),
    ),
    "adultes_relais": _posts("politique_ville/adultes_relais_2020_2023.csv"),
    "fonjep": _posts("politique_ville/postes_fonjep_2020_2023.csv"),
    "municipales_2020": _municipal(2020),
    "municipales_2026": _municipal(2026),
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
            f"fichier national {path} introuvable (nécessaire pour construire data/territory/).\n"
            f"Le répertoire des données nationales doit contenir {spec.relpath}, selon l'organisation décrite dans "
            "data/territory/README.md ; `odas-analysis data download --national-dir "
            f"{national_dir}` télécharge les fichiers officiels et l'écrit."
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError(f"{path} : illisible comme CSV UTF-8 avec une ligne d'en-tête ({exc})") from exc
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{path} : colonne(s) absente(s) {', '.join(missing)} ; attendues au moins : "
            f"{', '.join(spec.columns)} (trouvées : {', '.join(map(str, frame.columns))})"
        )
    problems = []
    for col in spec.numeric:
        raw = frame[col].str.strip()
        parsed = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        bad = parsed.isna() & (raw != "")
        for idx in np.flatnonzero(bad.to_numpy())[:5]:
            problems.append(f"{path}, ligne {idx + 2}, colonne '{col}' : {raw.iloc[idx]!r} n'est pas un nombre")
        frame[col] = parsed.astype("float64")
    if problems:
        raise DataValidationError(f"{path} : valeurs non numériques là où des nombres sont attendus", problems)
    return frame


def dep_of_code(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def drop_or_merge_arrondissements(frame: pd.DataFrame, code_col: str, sum_cols: Sequence[str]) -> pd.DataFrame:
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
