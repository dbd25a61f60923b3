"""The indicator columns of the cross-site tables, shared by the site and synthese pages.

:data:`CROSS_SITE_INDICATORS` fixes one vintage per indicator; :func:`indicator_matrix`
gives their values for the eleven sites (nothing imputed: a value not published stays
missing) and :func:`indicator_sources` the note that cites them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .. import french, study
from ..errors import ParameterError
from ..indicators import CROSS_SITE_INDICATORS, IndicatorSpec
from .common import sources_note


def indicator_spec(key: str) -> IndicatorSpec:
    """The :class:`IndicatorSpec` of :data:`CROSS_SITE_INDICATORS` whose key is ``key``."""
    for spec in CROSS_SITE_INDICATORS:
        if spec.key == key:
            return spec
    raise ParameterError(f"unknown indicator column {key!r}; valid: {', '.join(s.key for s in CROSS_SITE_INDICATORS)}")


def _site_indicator_rows() -> pd.DataFrame:
    from ..national import territory

    return territory.site_indicators()


def indicator_matrix(
    specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS,
    rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per site (index ``site_id``, sorted), one float column per indicator spec.

    ``rows`` defaults to :func:`odas_analysis.territory.site_indicators` (all sites);
    tests pass their own. A value not published stays NaN.
    """
    data = _site_indicator_rows() if rows is None else rows
    sites = study.site_ids()
    out = pd.DataFrame(index=pd.Index(sites, name="site_id"))
    for spec in specs:
        sel = data[(data["indicator"] == spec.indicator) & (data["data_year"] == spec.data_year)]
        if sel.empty:
            raise ParameterError(f"no rows for indicator {spec.indicator!r} in {spec.data_year}")
        values = sel.set_index("site_id")["value"].astype("float64")
        out[spec.key] = values.reindex(sites)
    return out


def indicator_sources(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS, rows: pd.DataFrame | None = None) -> str:
    """Source note for a table or figure built from ``specs`` (sources and geographies)."""
    data = _site_indicator_rows() if rows is None else rows
    ids: list[str] = []
    by_geo: dict[str, list[str]] = {}
    for spec in specs:
        sel = data[(data["indicator"] == spec.indicator) & (data["data_year"] == spec.data_year)]
        ids.extend(str(v) for v in sel["source_id"].dropna().unique())
        for geo in sel["geography"].dropna().unique():
            label = spec.short_label[0].lower() + spec.short_label[1:]
            by_geo.setdefault(str(geo), [])
            if label not in by_geo[str(geo)]:
                by_geo[str(geo)].append(label)
    note = sources_note(ids)
    if by_geo:
        parts = [f"{geo} ({', '.join(labels)})" for geo, labels in by_geo.items()]
        note += " Géographie : " + f"{french.NNBSP}; ".join(parts) + "."
    return note
