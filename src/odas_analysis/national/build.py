"""Build ``data/territory/`` from the national files (``odas-analysis data build``).

Reads the tidy national CSVs of the directory named by ``ODAS_NATIONAL_DATA`` (layout
documented in ``data/territory/README.md``; the files of ``../shared/data`` and those
written by :func:`odas_analysis.national.download.refresh` share it) and writes six tables:

``site_indicators.csv``
    one row per site x indicator x data year: the site's value, the département /
    région / France references where they can be computed from the files, the
    percentile rank of the site among communes (or among EPCI for the two
    agglomerations), the source id and vintage, and a French note.
``national_distribution.csv``
    the percentiles 0..100 of every indicator among communes (and among EPCI where a
    site is an EPCI), so that notebooks can place a site without the national files.
``site_perimeters.csv``, ``site_contracts.csv``, ``site_contract_posts.csv``
    the sites' EPCI on 1 January 2015-2017 and their contrats de ville with the
    adultes-relais and Fonjep posts (:mod:`.perimeters`, :mod:`.politique_ville`).
``comparison_universe.csv``
    the communes of 20,000 inhabitants or more and the CA, with every indicator
    (:mod:`.universe`), read by :mod:`odas_analysis.comparison`.

Every number is computed here from the national files; nothing is typed in. The output
is byte-identical from one run to the next: rows are sorted explicitly, numbers are
written with a fixed rule (:func:`~odas_analysis.national.csv_format.csv_number`) and
lines end with ``"\\n"``.

Rules of the two indicator tables (also in ``data/territory/README.md``)
------------------------------------------------------------------------
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

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import files
from ..indicators import INDICATORS
from .csv_format import csv_text
from .measure import Measure, NationalData, check_unique_index
from .perimeters import PERIMETER_COLUMNS, SITE_PERIMETERS_FILE, dgcl_lists, perimeter_rows
from .politique_ville import (
    CONTRACT_COLUMNS,
    POST_COLUMNS,
    SITE_CONTRACT_POSTS_FILE,
    SITE_CONTRACTS_FILE,
    contract_rows,
    post_rows,
)
from .read import NATIONAL_FILES, read_national
from .rows import DISTRIBUTION_COLUMNS, SITE_INDICATOR_COLUMNS, distribution_rows, site_rows
from .sites import Site, check_sites_in_geography, read_sites
from .sources import BUILDERS
from .universe import COMPARISON_UNIVERSE_FILE, UNIVERSE_COLUMNS, universe_rows

SITE_INDICATORS_FILE = "site_indicators.csv"
NATIONAL_DISTRIBUTION_FILE = "national_distribution.csv"
TABLE_FILES = (
    SITE_INDICATORS_FILE,
    NATIONAL_DISTRIBUTION_FILE,
    SITE_PERIMETERS_FILE,
    SITE_CONTRACTS_FILE,
    SITE_CONTRACT_POSTS_FILE,
    COMPARISON_UNIVERSE_FILE,
)
"""Every committed table of ``data/territory/``, in the order they are written."""


def read_all(national_dir: Path) -> NationalData:
    """Every file of :data:`NATIONAL_FILES`, read once."""
    return NationalData({name: read_national(national_dir, name) for name in NATIONAL_FILES})


def build_measures(national_dir: Path) -> tuple[list[Measure], dict[str, pd.DataFrame]]:
    """Read every national file and return one :class:`Measure` per indicator spec.

    The second value holds the geography tables the site rows need.
    """
    data = read_all(Path(national_dir))
    return _measures(data, Path(national_dir)), _geography(data)


def _measures(data: NationalData, national_dir: Path) -> list[Measure]:
    by_spec: dict[tuple[str, int], Measure] = {}
    for builder in BUILDERS:
        by_spec.update(builder.measures(data))
    measures = [by_spec[(s.indicator, s.data_year)] for s in INDICATORS]
    for m in measures:
        check_unique_index(m, national_dir)
    return measures


def _geography(data: NationalData) -> dict[str, pd.DataFrame]:
    return {
        "dep_to_reg_2019": pd.Series(data.dep_to_reg("2019")),
        "dep_to_reg_2026": pd.Series(data.dep_to_reg("2026")),
        "communes_2019": data["communes_2019"],
        "communes_2026": data["communes_2026"],
        "epci_2019": data["epci_2019"],
        "epci_2026": data["epci_2026"],
        "members_2019": data["epci_members_2019"],
        "members_2026": data["epci_members_2026"],
    }


def _order_key(indicator_order: dict[tuple[str, int], int]) -> Callable[[dict[str, str]], tuple]:
    def key(row: dict[str, str]) -> tuple:
        return (row["site_id"], indicator_order[(row["indicator"], int(row["data_year"]))])

    return key


def _indicator_tables(measures: list[Measure], sites: list[Site], geo: dict[str, pd.DataFrame]) -> dict[str, str]:
    order = {(s.indicator, s.data_year): i for i, s in enumerate(INDICATORS)}
    s_rows: list[dict[str, str]] = []
    d_rows: list[dict[str, str]] = []
    for m in measures:
        s_rows.extend(site_rows(m, sites, geo[f"dep_to_reg_{m.cog_vintage}"]))
        d_rows.extend(distribution_rows(m))
    s_rows.sort(key=_order_key(order))
    pop_order = {"communes": 0, "EPCI": 1}
    d_rows.sort(
        key=lambda r: (
            order[(r["indicator"], int(r["data_year"]))],
            pop_order[r["rank_population"]],
            int(r["percentile"]),
        )
    )
    return {
        SITE_INDICATORS_FILE: csv_text(s_rows, SITE_INDICATOR_COLUMNS),
        NATIONAL_DISTRIBUTION_FILE: csv_text(d_rows, DISTRIBUTION_COLUMNS),
    }


def build_tables(national_dir: Path, sites_csv: Path | None = None) -> dict[str, str]:
    """Compute every table; return ``{file name: CSV text}`` without writing anything."""
    from ..config import STUDY_DIR

    national_dir = Path(national_dir)
    sites_csv = Path(sites_csv) if sites_csv else STUDY_DIR / "sites.csv"
    sites = read_sites(sites_csv)
    data = read_all(national_dir)
    measures = _measures(data, national_dir)
    geo = _geography(data)
    check_sites_in_geography(sites, geo, national_dir, sites_csv)
    tables = _indicator_tables(measures, sites, geo)
    lists = dgcl_lists(data)
    contracts = contract_rows(sites, data, lists)
    tables[SITE_PERIMETERS_FILE] = csv_text(perimeter_rows(sites, lists), PERIMETER_COLUMNS)
    tables[SITE_CONTRACTS_FILE] = csv_text(contracts, CONTRACT_COLUMNS)
    tables[SITE_CONTRACT_POSTS_FILE] = csv_text(post_rows(data, lists, contracts), POST_COLUMNS)
    tables[COMPARISON_UNIVERSE_FILE] = csv_text(universe_rows(measures, geo, sites), UNIVERSE_COLUMNS)
    return tables


def build_territory(national_dir: Path, out_dir: Path) -> list[Path]:
    """Build the tables of ``data/territory/`` into ``out_dir``.

    Parameters
    ----------
    national_dir
        Directory of the national files (``geo/``, ``indicators/``, ``civic/``, ``politique_ville/``).
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
    for name in TABLE_FILES:
        path = out_dir / name
        files.write_text(path, tables[name])
        written.append(path)
    return written
