"""The one registry of the public indicators: what each is, where it comes from, how it is shown.

Every public indicator of the project is one :class:`IndicatorSpec` per data year in
:data:`INDICATORS`. The national builders (:mod:`odas_analysis.national`) read its
source, geography, full label and rounding to write ``data/territory/``; tables and
figures read its short label, unit and display decimals. :data:`CROSS_SITE_INDICATORS`
is the selection shown side by side for the eleven sites.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator at one data year.

    The first five fields are those a table or a figure needs (a spec built with only
    them is a display column); the others describe the committed table's rows.
    """

    indicator: str
    data_year: int
    short_label: str  # column header / axis label (French)
    unit: str  # short unit for headers ("%", "€/an")
    decimals: int  # decimals shown to readers
    log_scale: bool = False
    label: str = ""  # full French label (column ``label`` of site_indicators.csv)
    unit_label: str = ""  # full French unit (column ``unit`` of the committed tables)
    geography: str = ""  # vintage of the boundaries of the source file
    source_id: str = ""  # row of data/sources.csv
    rounding: int | None = None  # rounding of computed values in the tables (None: source value kept)
    dist_decimals: int = 1  # rounding of the national percentiles
    note: str = ""  # French note written on every row

    @property
    def key(self) -> str:
        """Column name of an indicator matrix (``indicator_year``)."""
        return f"{self.indicator}_{self.data_year}"

    @property
    def header(self) -> str:
        """French column header with vintage and unit."""
        unit = f", {self.unit}" if self.unit else ""
        return f"{self.short_label} ({self.data_year}{unit})"


def _spec(indicator: str, data_year: int, display: tuple, **table: object) -> IndicatorSpec:
    short_label, unit, decimals, log_scale = display
    return IndicatorSpec(indicator, data_year, short_label, unit, decimals, log_scale, **table)  # type: ignore[arg-type]


_POPULATION = ("Population municipale", "hab.", 0, True)
_POPULATION_RP = ("Population (recensement)", "hab.", 0, True)
_INCOME = ("Revenu médian par UC", "€/an", 0, False)
_POVERTY = ("Taux de pauvreté", "%", 1, False)
_D9D1 = ("Rapport D9/D1", "", 2, False)
_UNEMPLOYMENT = ("Chômage des 15-64 ans", "%", 1, False)
_TURNOUT1 = ("Participation 1er tour présid.", "%", 1, False)
_TURNOUT2 = ("Participation 2d tour présid.", "%", 1, False)

_LEGAL_POP = {"label": "Population municipale légale", "unit_label": "habitants", "rounding": 0}
_INCOME_TABLE = {
    "label": "Revenu disponible médian par unité de consommation",
    "unit_label": "euros par an et par unité de consommation",
}
_POVERTY_TABLE = {
    "label": "Taux de pauvreté au seuil de 60 % du niveau de vie médian",
    "unit_label": "% des personnes",
    "dist_decimals": 2,
}
_D9D1_TABLE = {"label": "Rapport interdécile D9/D1 du niveau de vie", "unit_label": "rapport", "dist_decimals": 4}
_TURNOUT_TABLE = {"unit_label": "% des inscrits", "rounding": 2, "dist_decimals": 2, "note": "votants / inscrits x 100"}
_SPRING_2017 = "communes du printemps 2017"
_MUNICIPAL_2020 = ("Participation municipales 2020, 1er tour", "%", 1, False)
_MUNICIPAL_2026 = ("Participation municipales 2026, 1er tour", "%", 1, False)
_MUNICIPAL_TABLE = {"unit_label": "% des inscrits", "source_id": "S10", "dist_decimals": 2}

#: Every indicator x data year of ``data/territory/site_indicators.csv``, in table order.
INDICATORS: tuple[IndicatorSpec, ...] = (
    _spec(
        "population_municipale",
        2016,
        _POPULATION,
        **_LEGAL_POP,
        geography="COG 2019",
        source_id="S1",
        note="population légale millésimée 2016, en vigueur au 1er janvier 2019",
    ),
    _spec(
        "population_municipale",
        2023,
        _POPULATION,
        **_LEGAL_POP,
        geography="COG 2026",
        source_id="S2",
        note="population de référence au 1er janvier 2023, en vigueur au 1er janvier 2026",
    ),
    _spec(
        "population_rp",
        2018,
        _POPULATION_RP,
        label="Population (recensement 2018)",
        unit_label="habitants",
        geography="COG 2021",
        source_id="S5",
        rounding=0,
        note="variable P18_POP de la base comparateur de territoires",
    ),
    _spec("median_disposable_income_per_cu", 2015, _INCOME, **_INCOME_TABLE, geography="COG 2016", source_id="S3"),
    _spec("median_disposable_income_per_cu", 2016, _INCOME, **_INCOME_TABLE, geography="COG 2019", source_id="S4"),
    _spec("median_disposable_income_per_cu", 2019, _INCOME, **_INCOME_TABLE, geography="COG 2021", source_id="S5"),
    _spec("poverty_rate_60", 2015, _POVERTY, **_POVERTY_TABLE, geography="COG 2016", source_id="S3"),
    _spec("poverty_rate_60", 2016, _POVERTY, **_POVERTY_TABLE, geography="COG 2019", source_id="S4"),
    _spec("poverty_rate_60", 2019, _POVERTY, **_POVERTY_TABLE, geography="COG 2021", source_id="S5"),
    _spec("interdecile_ratio_d9_d1", 2015, _D9D1, **_D9D1_TABLE, geography="COG 2016", source_id="S3"),
    _spec("interdecile_ratio_d9_d1", 2016, _D9D1, **_D9D1_TABLE, geography="COG 2019", source_id="S4"),
    _spec(
        "unemployment_rate_15_64_census",
        2018,
        _UNEMPLOYMENT,
        label="Taux de chômage des 15-64 ans (recensement)",
        unit_label="% des actifs de 15 à 64 ans",
        geography="COG 2021",
        source_id="S5",
        rounding=2,
        dist_decimals=2,
        note="chômeurs de 15-64 ans / actifs de 15-64 ans x 100 (P18_CHOM1564 / P18_ACT1564), définition du recensement",
    ),
    _spec(
        "turnout_presidential_2017_round1",
        2017,
        _TURNOUT1,
        **_TURNOUT_TABLE,
        label="Participation à l'élection présidentielle 2017, 1er tour (23 avril)",
        geography=_SPRING_2017,
        source_id="S6",
    ),
    _spec(
        "turnout_presidential_2017_round2",
        2017,
        _TURNOUT2,
        **_TURNOUT_TABLE,
        label="Participation à l'élection présidentielle 2017, 2d tour (7 mai)",
        geography=_SPRING_2017,
        source_id="S6",
    ),
    _spec(
        "turnout_municipal_round1",
        2020,
        _MUNICIPAL_2020,
        **_MUNICIPAL_TABLE,
        label="Participation aux élections municipales 2020, 1er tour (15 mars)",
        geography="communes de mars 2020",
        note=(
            "premier tour tenu le 15 mars 2020, au début de l'épidémie de Covid-19 : la participation a "
            "chuté partout, la comparaison avec d'autres scrutins est fragile"
        ),
    ),
    _spec(
        "turnout_municipal_round1",
        2026,
        _MUNICIPAL_2026,
        **_MUNICIPAL_TABLE,
        label="Participation aux élections municipales 2026, 1er tour (mars)",
        geography="communes de mars 2026",
    ),
)

INDICATOR_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.indicator for s in INDICATORS))
UNITS: tuple[str, ...] = tuple(dict.fromkeys(s.unit_label for s in INDICATORS))


def spec(indicator: str, data_year: int) -> IndicatorSpec:
    """The registered spec of ``indicator`` at ``data_year`` (:class:`KeyError` when absent)."""
    for s in INDICATORS:
        if s.indicator == indicator and s.data_year == data_year:
            return s
    raise KeyError((indicator, data_year))


#: The columns of the cross-site table: one vintage per indicator, the one closest to
#: the study (2015-2017) that is published for all eleven sites. Filosofi 2016 rather
#: than 2015, because Moulins Communauté (created 1 January 2017) is absent from the
#: 2015 file; the unemployment rate comes from the 2018 census, the oldest found.
CROSS_SITE_INDICATORS: tuple[IndicatorSpec, ...] = (
    spec("population_municipale", 2016),
    spec("median_disposable_income_per_cu", 2016),
    spec("poverty_rate_60", 2016),
    spec("interdecile_ratio_d9_d1", 2016),
    spec("unemployment_rate_15_64_census", 2018),
    spec("turnout_presidential_2017_round1", 2017),
    spec("turnout_presidential_2017_round2", 2017),
)

__all__ = ["CROSS_SITE_INDICATORS", "INDICATORS", "INDICATOR_IDS", "UNITS", "IndicatorSpec", "spec"]
