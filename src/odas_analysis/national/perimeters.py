"""Each site's intercommunality on 1 January 2015, 2016 and 2017 (DGCL lists, source S7).

One row per site and year: the EPCI à fiscalité propre the site belongs to (a commune
site) or is (an EPCI site), its nature, number of member communes and populations as
the DGCL lists give them, and how it changed since 1 January of the year before.

Rules (also in ``data/territory/README.md``)
---------------------------------------------
* An EPCI site that did not exist yet (Moulins Communauté, created on 1 January 2017) is
  represented by its **predecessor**, flagged ``proxy``: going back one year at a time,
  the EPCI of the earlier list that holds the most member communes of the later one
  (ties: the larger municipal population, then the smaller SIREN).
* The change from year y-1 to y compares the member communes C (year y) with the member
  communes P of the site's EPCI of y-1: ``communes_gained`` = codes of C \\ P that existed
  in the y-1 list; ``communes_moved_out`` = codes of P \\ C still listed in y (in another
  EPCI); ``codes_disappeared`` = codes of P \\ C listed nowhere in y (merged into a commune
  nouvelle); ``communes_from_outside`` = codes of C absent from the y-1 list (communes that
  belonged to no EPCI, such as the isolated communes of the Paris area before 2016, or new
  codes); ``epci_contributing`` =
  number of y-1 EPCI whose communes make up C.
* ``change``: same SIREN -> ``inchangé`` (no commune gained or moved out; codes may have
  disappeared in communes nouvelles), ``élargi`` (gained only), ``réduit`` (moved out
  only), ``modifié`` (both); another SIREN -> ``fusionné`` (C drawn from two EPCI or more)
  or ``remplacé`` (from one). A change of nature (e.g. CA -> CU) is given by
  ``previous_nature`` and the note.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import DataValidationError
from .csv_format import csv_number
from .measure import NationalData
from .read import DGCL_YEARS, NATIONAL_FILES
from .sites import Site

SITE_PERIMETERS_FILE = "site_perimeters.csv"
SOURCE_ID = "S7"

PERIMETER_COLUMNS = [
    "site_id",
    "site_name",
    "site_level",
    "site_code",
    "year",
    "siren_epci",
    "nom_epci",
    "nature",
    "nb_communes",
    "population_municipale",
    "population_totale",
    "proxy",
    "change",
    "previous_siren",
    "previous_nature",
    "communes_gained",
    "communes_moved_out",
    "codes_disappeared",
    "communes_from_outside",
    "epci_contributing",
    "source_id",
    "note",
]

NATURE_LABELS = {
    "CC": "communauté de communes",
    "CA": "communauté d'agglomération",
    "CU": "communauté urbaine",
    "METRO": "métropole",
    "MET69": "métropole de Lyon",
    "SAN": "syndicat d'agglomération nouvelle",
}


@dataclass(frozen=True)
class Epci:
    """One EPCI of one DGCL list."""

    siren: str
    name: str
    nature: str
    pmun: float
    ptot: float
    members: frozenset[str]


class DgclList:
    """The DGCL list of one year: EPCI by SIREN, the EPCI of each commune, every listed commune."""

    def __init__(self, frame: pd.DataFrame, year: int, relpath: str) -> None:
        self.year = year
        self.epci: dict[str, Epci] = {}
        self.of_commune: dict[str, str] = dict(zip(frame["insee"], frame["siren"], strict=True))
        dup = frame["insee"].duplicated()
        if dup.any():
            raise DataValidationError(
                f"{relpath} : la commune {frame['insee'][dup].iloc[0]} figure dans deux EPCI ; "
                "une seule ligne par commune membre est attendue"
            )
        members = frame.groupby("siren", sort=True)["insee"].agg(frozenset)
        first = frame.drop_duplicates("siren").set_index("siren")
        for siren, codes in members.items():
            head = first.loc[siren]
            if int(head["nb_com"]) != len(codes):
                raise DataValidationError(
                    f"{relpath}, colonne nb_com : l'EPCI {siren} annonce {int(head['nb_com'])} communes "
                    f"mais le fichier en liste {len(codes)}"
                )
            self.epci[str(siren)] = Epci(
                str(siren), str(head["nom"]), str(head["nature"]), float(head["pmun"]), float(head["ptot"]), codes
            )


def dgcl_lists(data: NationalData) -> dict[int, DgclList]:
    """The DGCL lists of :data:`~odas_analysis.national.read.DGCL_YEARS`."""
    return {y: DgclList(data[f"epci_members_{y}"], y, NATIONAL_FILES[f"epci_members_{y}"].relpath) for y in DGCL_YEARS}


def predecessor(later: Epci, earlier: DgclList) -> Epci | None:
    """The EPCI of ``earlier`` holding the most member communes of ``later`` (ties: population, SIREN)."""
    counts: dict[str, int] = {}
    for code in later.members:
        siren = earlier.of_commune.get(code)
        if siren is not None:
            counts[siren] = counts.get(siren, 0) + 1
    if not counts:
        return None
    best = min(counts, key=lambda s: (-counts[s], -earlier.epci[s].pmun, s))
    return earlier.epci[best]


def site_epci_by_year(site: Site, lists: dict[int, DgclList]) -> dict[int, tuple[Epci | None, bool]]:
    """``{year: (EPCI, is_proxy)}`` for one site; proxies for an EPCI site that did not exist yet."""
    out: dict[int, tuple[Epci | None, bool]] = {}
    for year in DGCL_YEARS:
        dl = lists[year]
        if site.level == "commune":
            siren = dl.of_commune.get(site.code)
            out[year] = (dl.epci[siren] if siren else None, False)
        else:
            out[year] = (dl.epci.get(site.code), False)
    if site.level == "EPCI":
        for year in sorted(DGCL_YEARS, reverse=True)[1:]:
            later, _ = out[year + 1]
            if out[year][0] is None and later is not None:
                out[year] = (predecessor(later, lists[year]), True)
    return out


def change_counts(current: Epci, previous: Epci, now: DgclList, before: DgclList) -> dict[str, int]:
    """The counts of the module's rules, from ``previous`` (year y-1) to ``current`` (year y)."""
    gained = current.members - previous.members
    lost = previous.members - current.members
    return {
        "communes_gained": sum(1 for c in gained if c in before.of_commune),
        "communes_from_outside": sum(1 for c in gained if c not in before.of_commune),
        "communes_moved_out": sum(1 for c in lost if c in now.of_commune),
        "codes_disappeared": sum(1 for c in lost if c not in now.of_commune),
        "epci_contributing": len({before.of_commune[c] for c in current.members if c in before.of_commune}),
    }


def change_label(current: Epci, previous: Epci, counts: dict[str, int]) -> str:
    """``inchangé``, ``élargi``, ``réduit``, ``modifié``, ``fusionné`` or ``remplacé``."""
    if current.siren != previous.siren:
        return "fusionné" if counts["epci_contributing"] >= 2 else "remplacé"
    gained = counts["communes_gained"] + counts["communes_from_outside"] > 0
    moved = counts["communes_moved_out"] > 0
    return {(False, False): "inchangé", (True, False): "élargi", (False, True): "réduit"}.get(
        (gained, moved), "modifié"
    )


def _notes(year: int, epci: Epci | None, proxy: bool, previous: Epci | None, counts: dict[str, int]) -> list[str]:
    notes = ["populations de la liste DGCL du 1er janvier de l'année (populations légales alors en vigueur)"]
    if year == DGCL_YEARS[0]:
        notes.append(f"première liste lue ({year}) : pas de comparaison avec l'année précédente")
    if epci is None:
        notes.append("la commune n'appartient à aucun EPCI à fiscalité propre de la liste")
    if proxy and epci is not None:
        notes.append(
            f"l'EPCI du site n'existait pas encore : valeur de son prédécesseur {epci.name} (SIREN {epci.siren}), "
            "l'EPCI de la liste qui compte le plus de ses communes membres (indicateur approché)"
        )
    if previous is not None and epci is not None:
        if previous.nature != epci.nature:
            notes.append(f"transformation : {previous.nature} -> {epci.nature}")
        if counts.get("codes_disappeared"):
            notes.append(f"{counts['codes_disappeared']} code(s) commune disparu(s) (communes nouvelles)")
    return notes


def _row(site: Site, year: int, cell: tuple[Epci | None, bool], prev: Epci | None, lists: dict) -> dict[str, str]:
    epci, proxy = cell
    row = {
        "site_id": site.site_id,
        "site_name": site.name,
        "site_level": site.level,
        "site_code": site.code,
        "year": str(year),
        "proxy": "true" if proxy else "false",
        "source_id": SOURCE_ID,
    }
    counts: dict[str, int] = {}
    if epci is not None:
        row.update(
            siren_epci=epci.siren,
            nom_epci=epci.name,
            nature=epci.nature,
            nb_communes=str(len(epci.members)),
            population_municipale=csv_number(epci.pmun, 0),
            population_totale=csv_number(epci.ptot, 0),
        )
        if prev is not None:
            counts = change_counts(epci, prev, lists[year], lists[year - 1])
            row.update({k: str(v) for k, v in counts.items()})
            row.update(change=change_label(epci, prev, counts), previous_siren=prev.siren, previous_nature=prev.nature)
    row["note"] = " ; ".join(_notes(year, epci, proxy, prev, counts))
    return row


def perimeter_rows(sites: list[Site], lists: dict[int, DgclList]) -> list[dict[str, str]]:
    """Rows of ``site_perimeters.csv``: sites in ``site_id`` order, years ascending."""
    rows = []
    for site in sites:
        by_year = site_epci_by_year(site, lists)
        previous: Epci | None = None
        for year in DGCL_YEARS:
            rows.append(_row(site, year, by_year[year], previous, lists))
            previous = by_year[year][0]
    return rows
