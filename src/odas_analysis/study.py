"""The research-action itself, as validated tables.

Everything here comes from ``data/study/`` and ``data/sources.csv``, validated against
``data/datapackage.json`` on first use; each row cites its source (``source_id``,
``source_detail``). Typical use in a notebook::

    from odas_analysis import study
    study.sites()                 # the eleven sites
    study.site("le-havre")        # one site, as a Series
    study.hypotheses()            # H1-H5, restated in French
    study.calendar()              # phases, steering committees, sub-group meetings
"""

from __future__ import annotations

import pandas as pd

from .errors import ParameterError
from .validate import load_table
from .validate.memo import on_package

KIND_LABELS = {
    "commune": "commune",
    "communaute_agglomeration": "communauté d'agglomération",
}


def sources() -> pd.DataFrame:
    """Every source the project's tables cite (``data/sources.csv``)."""
    return load_table("sources")


@on_package
def sites() -> pd.DataFrame:
    """The eleven sites, sorted by ``site_id``.

    Columns include ``site_id`` (stable slug), ``name``, ``kind`` (``commune`` or
    ``communaute_agglomeration``), ``insee_code`` or ``siren_epci``, ``dep_code``,
    ``dep_name``, ``reg_code``, ``reg_name``, ``in_2010_2012_study``, ``axis_id``,
    ``axis_status`` (``published`` or ``derived``), ``topic`` (missing when unknown)
    and ``axis_label`` (joined from the axes table).
    """
    frame = load_table("sites")
    axes_labels = axes().set_index("axis_id")["label"]
    frame["axis_label"] = frame["axis_id"].map(axes_labels).astype("string")
    frame["kind_label"] = frame["kind"].map(KIND_LABELS).astype("string")
    return frame.sort_values("site_id", kind="stable").reset_index(drop=True)


@on_package
def site_ids() -> list[str]:
    """The eleven site ids, sorted."""
    return [str(s) for s in sites()["site_id"]]


def _check_id(value: object, valid: list[str], what: str) -> str:
    if not isinstance(value, str) or value not in valid:
        raise ParameterError(f"{what} inconnu : {value!r} ; valeurs permises : {', '.join(valid)}")
    return value


def check_site_id(site_id: object) -> str:
    """Return ``site_id`` if it names a site, else raise :class:`ParameterError`."""
    return _check_id(site_id, site_ids(), "site_id")


def site(site_id: str) -> pd.Series:
    """One site's row of :func:`sites`."""
    check_site_id(site_id)
    frame = sites()
    return frame.loc[frame["site_id"] == site_id].iloc[0]


def axes() -> pd.DataFrame:
    """The three research axes (A1-A3)."""
    return load_table("axes")


def hypotheses() -> pd.DataFrame:
    """The five hypotheses H1-H5: short label and statement restated in French."""
    return load_table("hypotheses")


def hypothesis_ids() -> list[str]:
    """``["H1", ..., "H5"]``."""
    return [str(h) for h in hypotheses()["hypothesis_id"]]


def check_hypothesis_id(hypothesis_id: object) -> str:
    """Return ``hypothesis_id`` if it names a hypothesis, else raise :class:`ParameterError`."""
    return _check_id(hypothesis_id, hypothesis_ids(), "hypothesis_id")


def hypothesis(hypothesis_id: str) -> pd.Series:
    """One hypothesis' row of :func:`hypotheses`."""
    check_hypothesis_id(hypothesis_id)
    frame = hypotheses()
    return frame.loc[frame["hypothesis_id"] == hypothesis_id].iloc[0]


def questions() -> pd.DataFrame:
    """The four questions the CGET asked the study to look at (Q1-Q4)."""
    return load_table("questions")


def subgroups() -> pd.DataFrame:
    """The four thematic sub-groups of the steering committee."""
    return load_table("subgroups")


def _period_bounds(values: pd.Series, end: bool) -> pd.Series:
    """``YYYY-MM`` or ``YYYY-MM-DD`` strings as timestamps (start or end of the period)."""

    def convert(value: object) -> pd.Timestamp | None:
        if value is None or value is pd.NA:
            return None
        text = str(value)
        if len(text) == 7:
            period = pd.Period(text, freq="M")
            return period.end_time.normalize() if end else period.start_time
        return pd.Timestamp(text)

    return pd.to_datetime(values.map(convert))


def calendar() -> pd.DataFrame:
    """The calendar: the study, its four phases, steering committees, sub-group meetings.

    ``start`` and ``end`` keep the published precision (``YYYY-MM`` or ``YYYY-MM-DD``);
    ``start_date`` and ``end_date`` are timestamps (first and last day when only the
    month is known); ``precision`` is ``day``, ``month`` or ``unknown``. Dates that are
    not published stay missing: nothing is imputed.
    """
    frame = load_table("calendar")
    frame["start_date"] = _period_bounds(frame["start"], end=False)
    frame["end_date"] = _period_bounds(frame["end"], end=True)
    frame["precision"] = (
        frame["start"]
        .map(lambda v: "unknown" if v is None or v is pd.NA else ("month" if len(str(v)) == 7 else "day"))
        .astype("string")
    )
    return frame


def fieldwork_totals() -> pd.DataFrame:
    """Published totals of the fieldwork (143 interviews, more than 400 actors...).

    ``bound`` is ``exact`` or ``lower_bound`` ("more than N").
    """
    return load_table("fieldwork_totals")


def published_total(quantity: str) -> int:
    """One published total, e.g. ``published_total("interviews") == 143``."""
    frame = fieldwork_totals()
    match = frame.loc[frame["quantity"] == quantity, "value"]
    if match.empty:
        raise ParameterError(
            f"quantité inconnue : {quantity!r} ; quantités connues : {', '.join(map(str, frame['quantity']))}"
        )
    return int(match.iloc[0])


def earlier_study_cities() -> pd.DataFrame:
    """The seven cities of the 2010-2012 study, with the 2015-2017 site they match."""
    return load_table("earlier_study_cities")
