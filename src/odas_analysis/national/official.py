"""Where a user with internet gets each national file: the official (or documented) URLs.

:data:`OFFICIAL_FILES` lists every file that :func:`odas_analysis.national.download.refresh`
downloads into ``NATIONAL_DIR/raw/``, with the source id of ``data/sources.csv`` it
documents and its publisher.
"""

from __future__ import annotations

from dataclasses import dataclass

ETALAB_CDN = "https://cdn.jsdelivr.net/npm/@etalab/decoupage-administratif@{version}/data/{name}.json"
INSEE = "https://www.insee.fr/fr/statistiques/fichier"
DATA_GOUV = "https://static.data.gouv.fr/resources"
RAW_GITHUB = "https://raw.githubusercontent.com"
GEOHISTO = f"{RAW_GITHUB}/etalab/geohisto/65e6f304a3eecf63c43f214a331cb8a1162ae2de/sources/epci"
SUPERPOSEUR = f"{RAW_GITHUB}/anct-carto/superposeur/03f6a495954ef55ec99f6d0d5e9f2e0363155fcd/data"
CI_VILLE = f"{RAW_GITHUB}/anct-carto/ci-ville/7465bbcfc6be5fbf454cff9ea5f25d4a31ce5f91/src/assets"
MUNICIPALES = (
    f"{RAW_GITHUB}/timotheebarnaud/elections-municipales-2020-2026/dcf9bf7f5ab5accedb28b9719b8530dce6c41a8d/data/clean"
)
POST_YEARS = (2020, 2021, 2022, 2023)


@dataclass(frozen=True)
class OfficialFile:
    """One file of an official publisher, as downloaded into ``raw/``."""

    key: str
    url: str
    filename: str
    source_id: str
    publisher: str


def _etalab(version: str, year: str, source_id: str) -> list[OfficialFile]:
    return [
        OfficialFile(
            f"etalab_{year}_{name}",
            ETALAB_CDN.format(version=version, name=name),
            f"decoupage-administratif-{version}/{name}.json",
            source_id,
            "Etalab (INSEE COG and populations légales, DGCL EPCI)",
        )
        for name in ("communes", "departements", "regions", "epci")
    ]


OFFICIAL_FILES: tuple[OfficialFile, ...] = (
    *_etalab("0.3.0", "2019", "S1"),
    *_etalab("6.0.0", "2026", "S2"),
    OfficialFile(
        "filosofi_2015",
        f"{INSEE}/3560121/filo-revenu-pauvrete-menage-2015.zip",
        "filo-revenu-pauvrete-menage-2015.zip",
        "S3",
        "INSEE (Filosofi 2015)",
    ),
    OfficialFile(
        "filosofi_2016",
        f"{INSEE}/4190004/filosofi-revenu-pauvrete-menage-2016.zip",
        "filosofi-revenu-pauvrete-menage-2016.zip",
        "S4",
        "INSEE (Filosofi 2016)",
    ),
    OfficialFile(
        "comparateur",
        f"{INSEE}/2521169/base_cc_comparateur_csv.zip",
        "base_cc_comparateur_csv.zip",
        "S5",
        "INSEE (base comparateur de territoires)",
    ),
    OfficialFile(
        "turnout_2017_round1",
        f"{DATA_GOUV}/election-presidentielle-des-23-avril-et-7-mai-2017-resultats-definitifs-du-1er-tour"
        "-par-communes/20170427-100544/Presidentielle_2017_Resultats_Communes_Tour_1_c.xls",
        "Presidentielle_2017_Resultats_Communes_Tour_1_c.xls",
        "S6",
        "Ministère de l'Intérieur (data.gouv.fr)",
    ),
    OfficialFile(
        "turnout_2017_round2",
        f"{DATA_GOUV}/election-presidentielle-des-23-avril-et-7-mai-2017-resultats-definitifs-du-2nd-tour"
        "-par-communes/20170511-093054/Presidentielle_2017_Resultats_Communes_Tour_2_c.xls",
        "Presidentielle_2017_Resultats_Communes_Tour_2_c.xls",
        "S6",
        "Ministère de l'Intérieur (data.gouv.fr)",
    ),
    # Second edition (files of the commits documented in ../shared/data/SOURCES.md).
    *(
        OfficialFile(f"dgcl_{y}", f"{GEOHISTO}/{y}.csv", f"geohisto-epci/{y}.csv", "S7", "DGCL (via etalab/geohisto)")
        for y in (2015, 2016, 2017)
    ),
    OfficialFile(
        "contrats_de_ville", f"{SUPERPOSEUR}/zonages.csv", "superposeur/zonages.csv", "S8", "CGET (via anct-carto)"
    ),
    *(
        OfficialFile(
            f"{programme}_{y}",
            f"{CI_VILLE}/{stem}-{y}.json",
            f"ci-ville/{stem}-{y}.json",
            "S9",
            "ANCT (via anct-carto/ci-ville)",
        )
        for programme, stem in (("adultes_relais", "adulte-relais"), ("fonjep", "postes-fonjep"))
        for y in POST_YEARS
    ),
    *(
        OfficialFile(
            f"municipales_{y}",
            f"{MUNICIPALES}/resultats_{y}_clean.xlsx",
            f"municipales/resultats_{y}_clean.xlsx",
            "S10",
            "Ministère de l'Intérieur (via timotheebarnaud/elections-municipales-2020-2026)",
        )
        for y in (2020, 2026)
    ),
)
