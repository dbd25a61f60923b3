"""Tables of the methodologie notebook: the calendar, the published totals, the sites by research axis.

::

    from odas_analysis.tables import methodologie as tables
    export.table(tables.calendar_table(), "calendrier", caption=tables.calendar_note())

Nothing is estimated: every row comes from a table of ``data/study/`` with its source.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import french, study
from ..errors import ParameterError
from .common import AXIS_STATUS_FR, source_tag, sources_note, yes_no


def french_date(value: object, precision: str = "day") -> str:
    """Write a date the French way: ``1er juillet 2016``, ``septembre 2015``.

    Parameters
    ----------
    value
        A timestamp, a ``date`` or an ISO string; missing gives ``"date non publiée"``.
    precision
        ``"day"`` or ``"month"`` (the month alone is written when only it is known).
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "date non publiée"
    if value is pd.NA:
        return "date non publiée"
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return "date non publiée"
    month = french.MONTHS[ts.month - 1]
    if precision == "month":
        return f"{month} {ts.year}"
    if precision != "day":
        raise ParameterError(f"precision {precision!r}: expected 'day' or 'month'")
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {month} {ts.year}"


def french_period(start: object, end: object, precision: str) -> str:
    """Write a period: ``de septembre à décembre 2015``, ``1er juillet 2016``..."""
    if precision == "unknown" or start is None or pd.isna(start):
        return "date non publiée"
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if precision == "day" and s == e:
        return french_date(s)
    if precision == "month":
        first = french.MONTHS[s.month - 1] if s.year == e.year else french_date(s, "month")
        return f"{_de(first)} à {french_date(e, 'month')}"
    return f"du {french_date(s)} au {french_date(e)}"


def _de(word: str) -> str:
    """``de septembre``, ``d'octobre``, ``d'août`` (elision before a vowel)."""
    return f"d'{word}" if word[:1] in "aeiouéèêh" else f"de {word}"


def calendar_table() -> pd.DataFrame:
    """The calendar for the reader: what, when (French, published precision), source."""
    cal = study.calendar()
    kinds = {
        "study": "Recherche-action",
        "phase": "Phase",
        "steering_committee": "Comité de pilotage",
        "subgroup_meeting": "Sous-groupe thématique",
    }
    rows = []
    for rec in cal.itertuples(index=False):
        rows.append(
            {
                "Type": kinds.get(rec.kind, rec.kind),
                "Événement": rec.label,
                "Date ou période": french_period(rec.start_date, rec.end_date, rec.precision),
                "Précision": {"day": "jour", "month": "mois", "unknown": "non publiée"}[rec.precision],
                "Source": source_tag(rec.source_id),
            }
        )
    return pd.DataFrame(rows)


def calendar_note() -> str:
    """Source note of :func:`calendar_table`."""
    return sources_note(study.calendar()["source_id"])


BOUND_FR = {"exact": "valeur exacte", "lower_bound": "borne inférieure (« plus de »)"}


def fieldwork_totals_table() -> pd.DataFrame:
    """Published totals: the number, and whether it is exact or a lower bound (« plus de 400 »)."""
    totals = study.fieldwork_totals()
    return pd.DataFrame(
        {
            "Grandeur": totals["label"].astype(str),
            "Valeur publiée": totals["value"].astype("int64"),
            "Nature de la valeur": [BOUND_FR.get(str(b), str(b)) for b in totals["bound"]],
            "Source": [source_tag(v) for v in totals["source_id"]],
        }
    )


def fieldwork_totals_note() -> str:
    """Source note of :func:`fieldwork_totals_table`."""
    return sources_note(study.fieldwork_totals()["source_id"])


def sites_by_axis_note() -> str:
    """Source note of :func:`sites_by_axis_table`."""
    frame = study.sites()
    return sources_note(list(frame["source_id"]) + list(frame["axis_source_id"]))


def sites_by_axis_table() -> pd.DataFrame:
    """Annex 1 as far as it is known: axis, site, local topic, how the axis is known."""
    s = study.sites().sort_values(["axis_id", "name"], kind="stable")
    return pd.DataFrame(
        {
            "Axe": [f"{a} – {lab}" for a, lab in zip(s["axis_id"], s["axis_label"])],
            "Site": s["name"].astype(str).to_numpy(),
            "Sujet local": ["non publié" if pd.isna(t) else str(t) for t in s["topic"]],
            "Rattachement à l'axe": [AXIS_STATUS_FR.get(str(v), str(v)) for v in s["axis_status"]],
            "Étude 2010-2012": [yes_no(v) for v in s["in_2010_2012_study"]],
        }
    ).reset_index(drop=True)
