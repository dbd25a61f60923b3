"""The sites' contrats de ville 2015-2020 (CGET, source S8) and the State-funded posts in them (ANCT, S9).

``site_contracts.csv``: one row per site, the contract held by the site's EPCI of
1 January 2015 (for an EPCI site created later, by its predecessor: see
:mod:`odas_analysis.national.perimeters`), with its holder, perimeter, number of
communes, and the population of the holding EPCI in the DGCL list of 2015 (S7).

``site_contract_posts.csv``: one row per site, programme (adultes-relais, postes Fonjep)
and year 2020-2023: number of posts, State aid, posts per 10,000 inhabitants of the
contract's perimeter, and the percentile rank of that rate among the contracts whose
holder is found in the DGCL list of 2015.

Rules (also in ``data/territory/README.md``)
---------------------------------------------
* A post is counted once per contract and year (a post listed twice the same year is
  one post; its aid is that of its first row).
* A row naming two contracts run together (``CV380CV384``) counts for each of them
  (``shared_posts`` says how many).
* The perimeter population is the municipal population of the holding EPCI on
  1 January 2015 (the contracts file gives the number of communes of the perimeter, not
  their list): where the two numbers of communes differ, the note says so.
* Every contract of the file enters the distribution, with zero posts when none is listed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .csv_format import csv_number
from .measure import NationalData
from .perimeters import DgclList, site_epci_by_year
from .read import DGCL_YEARS
from .rows import pct_rank
from .sites import Site

SITE_CONTRACTS_FILE = "site_contracts.csv"
SITE_CONTRACT_POSTS_FILE = "site_contract_posts.csv"

CONTRACT_COLUMNS = [
    "site_id",
    "site_name",
    "site_level",
    "site_code",
    "code_cv",
    "holder",
    "perimeter",
    "nb_communes",
    "siren_epci_2015",
    "nom_epci_2015",
    "nature_epci_2015",
    "nb_communes_epci_2015",
    "population_municipale_2015",
    "holder_is_proxy",
    "fiche_sig_ville",
    "source_id",
    "population_source_id",
    "note",
]

POST_COLUMNS = [
    "site_id",
    "site_name",
    "code_cv",
    "programme",
    "programme_label",
    "year",
    "posts",
    "shared_posts",
    "aid_eur",
    "population_municipale_2015",
    "posts_per_10000",
    "pct_rank",
    "n_in_distribution",
    "source_id",
    "note",
]

PROGRAMMES = {"adultes_relais": "adultes-relais", "fonjep": "postes Fonjep"}
POST_YEARS = (2020, 2021, 2022, 2023)
CONTRACT_CODE = re.compile(r"CV\d{3}")


def contract_populations(contracts: pd.DataFrame, dgcl_2015: DgclList) -> pd.Series:
    """Municipal population (DGCL 2015) of each contract's holding EPCI, by ``code_cv``; NaN when not found."""
    pops = [dgcl_2015.epci[s].pmun if s in dgcl_2015.epci else np.nan for s in contracts["siren_epci_2015"].str.strip()]
    return pd.Series(pops, index=contracts["code_cv"].to_numpy(), dtype="float64")


def post_counts(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts, shared posts and aid per (``code_cv``, ``year``), from one programme's file."""
    codes = posts["code_cv"].fillna("").str.findall(CONTRACT_CODE.pattern)
    frame = pd.DataFrame(
        {
            "code_cv": codes,
            "year": posts["annee"].astype("int64"),
            "id_poste": posts["id_poste"].astype(str),
            "aid": posts["montant"].astype("float64"),
            "shared": codes.str.len() > 1,
        }
    ).explode("code_cv")
    frame = frame[frame["code_cv"].notna()].drop_duplicates(["code_cv", "year", "id_poste"], keep="first")
    grouped = frame.groupby(["code_cv", "year"], sort=True)
    return pd.DataFrame({"posts": grouped.size(), "shared_posts": grouped["shared"].sum(), "aid": grouped["aid"].sum()})


def _site_contract(site: Site, contracts: pd.DataFrame, lists: dict[int, DgclList]) -> tuple[pd.Series | None, ...]:
    epci, proxy = site_epci_by_year(site, lists)[DGCL_YEARS[0]]
    if epci is None:
        return None, None, proxy
    match = contracts[contracts["siren_epci_2015"].str.strip() == epci.siren]
    return (match.iloc[0] if len(match) else None), epci, proxy


def contract_rows(sites: list[Site], data: NationalData, lists: dict[int, DgclList]) -> list[dict[str, str]]:
    """Rows of ``site_contracts.csv`` (one per site, ``site_id`` order)."""
    contracts = data["contrats_de_ville"]
    rows = []
    for site in sites:
        contract, epci, proxy = _site_contract(site, contracts, lists)
        row = {"site_id": site.site_id, "site_name": site.name, "site_level": site.level, "site_code": site.code}
        notes = []
        if contract is None:
            notes.append("aucun contrat de ville porté par l'EPCI du site au 1er janvier 2015")
        else:
            row.update(
                code_cv=str(contract["code_cv"]),
                holder=str(contract["nom"]),
                perimeter=str(contract["perimetre"]),
                nb_communes=csv_number(contract["nb_communes"], 0),
                siren_epci_2015=epci.siren,
                nom_epci_2015=epci.name,
                nature_epci_2015=epci.nature,
                nb_communes_epci_2015=str(len(epci.members)),
                population_municipale_2015=csv_number(epci.pmun, 0),
                holder_is_proxy="true" if proxy else "false",
                fiche_sig_ville=str(contract["fiche_sig_ville"]),
                source_id="S8",
                population_source_id="S7",
            )
            if int(contract["nb_communes"]) != len(epci.members):
                notes.append(
                    f"le contrat compte {int(contract['nb_communes'])} communes, l'EPCI porteur {len(epci.members)} "
                    "en 2015 : la population de l'EPCI n'est qu'une approximation de celle du périmètre"
                )
            if proxy:
                notes.append(f"contrat porté par le prédécesseur du site, {epci.name} (indicateur approché)")
        row["note"] = " ; ".join(notes)
        rows.append(row)
    return rows


def _rates(counts: pd.DataFrame, populations: pd.Series, year: int) -> pd.Series:
    """Posts per 10,000 inhabitants of every contract with a population (zero when no post)."""
    posts = pd.Series(
        {cv: counts["posts"].get((cv, year), 0) for cv in populations.index}, index=populations.index, dtype="float64"
    )
    return (posts / populations * 10_000).dropna()


def post_rows(data: NationalData, lists: dict[int, DgclList], site_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows of ``site_contract_posts.csv`` from the rows of :func:`contract_rows`, in a fixed order."""
    populations = contract_populations(data["contrats_de_ville"], lists[DGCL_YEARS[0]])
    rows = []
    for programme, label in PROGRAMMES.items():
        counts = post_counts(data[programme])
        for year in POST_YEARS:
            rates = _rates(counts, populations, year)
            dist = rates.to_numpy(dtype="float64")
            for srow in site_rows:
                rows.append(_post_row(srow, programme, label, year, counts, rates, dist))
    order = {p: i for i, p in enumerate(PROGRAMMES)}
    rows.sort(key=lambda r: (r["site_id"], order[r["programme"]], int(r["year"])))
    return rows


def _post_row(
    srow: dict[str, str],
    programme: str,
    label: str,
    year: int,
    counts: pd.DataFrame,
    rates: pd.Series,
    dist: np.ndarray,
) -> dict[str, str]:
    cv = srow.get("code_cv", "")
    row = {
        "site_id": srow["site_id"],
        "site_name": srow["site_name"],
        "code_cv": cv,
        "programme": programme,
        "programme_label": label,
        "year": str(year),
        "source_id": "S9",
        "population_municipale_2015": srow.get("population_municipale_2015", ""),
    }
    notes = ["postes financés par l'État après l'étude (2020-2023) : tissu soutenu, pas une mesure de 2015-2017"]
    if not cv:
        notes.append("pas de contrat de ville pour ce site")
    else:
        key = (cv, year)
        posts = int(counts["posts"].get(key, 0))
        row.update(
            posts=str(posts),
            shared_posts=str(int(counts["shared_posts"].get(key, 0))),
            aid_eur=csv_number(float(counts["aid"].get(key, 0.0)), 2),
        )
        if cv in rates.index:
            row.update(
                posts_per_10000=csv_number(float(rates[cv]), 3),
                pct_rank=csv_number(pct_rank(dist, float(rates[cv])), 1),
                n_in_distribution=str(dist.size),
            )
            notes.append("rang parmi les contrats de ville dont l'EPCI porteur figure dans la liste DGCL 2015")
        if srow.get("holder_is_proxy") == "true":
            notes.append("population du prédécesseur du site (indicateur approché)")
    row["note"] = " ; ".join(notes)
    return row
