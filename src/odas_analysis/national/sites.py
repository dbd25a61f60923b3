"""The study's sites as the national builders see them: level (commune or EPCI) and code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError


@dataclass(frozen=True)
class Site:
    """One site of ``data/study/sites.csv``: a commune (INSEE code) or an EPCI (SIREN)."""

    site_id: str
    name: str
    level: str  # "commune" or "EPCI"
    code: str
    dep_code: str
    reg_code: str


def read_sites(sites_csv: Path) -> list[Site]:
    """The sites of ``sites_csv``, sorted by ``site_id``."""
    frame = pd.read_csv(sites_csv, dtype=str, keep_default_na=False)
    needed = ["site_id", "name", "kind", "insee_code", "siren_epci", "dep_code", "reg_code"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{sites_csv} : colonne(s) absente(s) {', '.join(missing)}")
    out = []
    for i, row in frame.iterrows():
        if row["kind"] == "commune":
            level, code = "commune", row["insee_code"]
        else:
            level, code = "EPCI", row["siren_epci"]
        if not code:
            col = "insee_code" if level == "commune" else "siren_epci"
            raise DataValidationError(f"{sites_csv}, ligne {i + 2}, colonne '{col}' : vide, un code est attendu")
        out.append(Site(row["site_id"], row["name"], level, code, row["dep_code"], row["reg_code"]))
    return sorted(out, key=lambda s: s.site_id)


def check_sites_in_geography(
    sites: list[Site], geo: dict[str, pd.DataFrame], national_dir: Path, sites_csv: Path
) -> None:
    """Refuse a site absent from the COG 2019 or 2026 files, or whose département differs."""
    for vintage in ("2019", "2026"):
        communes = geo[f"communes_{vintage}"].set_index("code_commune")
        epci = set(geo[f"epci_{vintage}"]["siren_epci"])
        for s in sites:
            if s.level == "commune":
                if s.code not in communes.index:
                    raise DataValidationError(
                        f"{national_dir / f'geo/communes_{vintage}.csv'}: site '{s.site_id}' "
                        f"(code INSEE {s.code}, de {sites_csv}) absent de la colonne code_commune"
                    )
                dep = communes.at[s.code, "code_departement"]
                if dep != s.dep_code:
                    raise DataValidationError(
                        f"site '{s.site_id}' : département {s.dep_code} dans {sites_csv} mais {dep} dans "
                        f"{national_dir / f'geo/communes_{vintage}.csv'}"
                    )
            elif s.code not in epci:
                raise DataValidationError(
                    f"{national_dir / f'geo/epci_{vintage}.csv'}: site '{s.site_id}' "
                    f"(SIREN {s.code}, de {sites_csv}) absent de la colonne siren_epci"
                )
