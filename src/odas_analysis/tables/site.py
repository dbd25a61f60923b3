"""Tables of the site notebook: who the site is, its territory, its fieldwork, its position on the hypotheses.

::

    from odas_analysis.tables import site as tables
    export.table(tables.card(site_id), "fiche", caption=tables.card_sources(site_id))

Every count of persons goes through :func:`odas_analysis.disclosure.protect_counts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import study
from . import territoire
from .common import AXIS_STATUS_FR, ELEMENT_FR, sources_note, yes_no


def card(site_id: str) -> pd.DataFrame:
    """Who the site is, as a two-column table (``Rubrique``, ``Valeur``).

    Unknown values (the topic of most sites of axis A2) are written as such.
    """
    row = study.site(site_id)
    code = row["insee_code"] if row["kind"] == "commune" else row["siren_epci"]
    code_label = "Code commune (INSEE)" if row["kind"] == "commune" else "SIREN de l'EPCI"
    topic = row["topic"]
    topic_text = "non publié" if topic is None or topic is pd.NA else str(topic)
    items = [
        ("Site", str(row["name"])),
        ("Nature", str(row["kind_label"])),
        (code_label, str(code)),
        ("Département", f"{row['dep_name']} ({row['dep_code']})"),
        ("Région", f"{row['reg_name']} ({row['reg_code']})"),
        ("Axe de recherche", f"{row['axis_id']} – {row['axis_label']}"),
        ("Rattachement à l'axe", AXIS_STATUS_FR.get(str(row["axis_status"]), str(row["axis_status"]))),
        ("Sujet local", topic_text),
        ("Site de l'étude 2010-2012", yes_no(row["in_2010_2012_study"])),
    ]
    if row["geo_note"] is not None and row["geo_note"] is not pd.NA:
        items.append(("Remarque géographique", _geo_note_fr(row)))
    return pd.DataFrame(items, columns=["Rubrique", "Valeur"])


def _geo_note_fr(row: pd.Series) -> str:
    """French restatement of the EPCI geography note (département of most members)."""
    if row["kind"] != "commune":
        return (
            "intercommunalité : département et région sont ceux où se trouve la plupart "
            "de ses communes membres (COG 2019)"
        )
    return ""


def card_sources(site_id: str) -> str:
    """Source note for :func:`card`."""
    row = study.site(site_id)
    return sources_note([row["source_id"], row["geo_source_id"], row["axis_source_id"]])


def territory_table(site_id: str) -> pd.DataFrame:
    """The site against its département, région and France, every indicator and vintage.

    The table of the ``territoire`` page (:func:`odas_analysis.tables.territoire.profile_table`)
    for the site's profile read from the committed tables
    (:func:`odas_analysis.national.profile.site_profile`).
    """
    from ..national import profile

    return territoire.profile_table(profile.site_profile(site_id))


def territory_note(site_id: str) -> str:
    """Sources and caveats of :func:`territory_table`."""
    from ..national import profile

    return territoire.profile_note(profile.site_profile(site_id))


def neighbours_table(site_id: str) -> pd.DataFrame:
    """The site and its nearest comparable territories in its universe (communes of 20,000+ or CA)."""
    from ..national import profile

    return territoire.neighbours_table(profile.site_profile(site_id))


def neighbours_note(site_id: str) -> str:
    """How :func:`neighbours_table` was computed."""
    from ..national import profile

    return territoire.neighbours_note(profile.site_profile(site_id))


FIELDWORK_LABELS: dict[str, str] = {
    "entretiens_phase_2": "Entretiens de la phase 2",
    "participants_phase_2": "Participants aux entretiens de la phase 2",
    "entretiens_phase_4": "Ateliers et visites de la phase 4",
    "participants_phase_4": "Participants de la phase 4",
    "segments_codes": "Passages codés (codage principal)",
}
"""Row labels of :func:`fieldwork_table`, by column of :func:`odas_analysis.fieldwork.fieldwork_summary`."""


def fieldwork_table(site_id: str) -> pd.DataFrame:
    """The site's fieldwork in counts, beside the median of the eleven sites, small counts masked.

    Every count goes through :func:`odas_analysis.disclosure.protect_counts` (an
    interview or a phase with one or two participants would point at persons), the
    medians too: the median of eleven sites is the count of the sixth one (the lower
    middle value when a site is missing, so that it is always an observed count).
    ``.attrs["note_fr"]`` explains the masks.
    """
    import statistics

    from .. import disclosure, fieldwork

    study.check_site_id(site_id)
    summary = fieldwork.fieldwork_summary().set_index("site_id")
    frame = pd.DataFrame(
        {
            "Grandeur": [FIELDWORK_LABELS.get(c, c) for c in summary.columns],
            "Site": [int(summary.loc[site_id, c]) for c in summary.columns],
            "Médiane des onze sites": [int(statistics.median_low(summary[c].astype(int))) for c in summary.columns],
        }
    )
    return disclosure.protect_counts(frame, ["Site", "Médiane des onze sites"], margins=False, label_col="Grandeur")


def participants_table(site_id: str, phase: int = 2) -> pd.DataFrame:
    """Participants of the site by group of actors, small counts masked.

    Goes through :func:`odas_analysis.disclosure.protect_counts`; ``.attrs["note_fr"]``
    explains the masks.
    """
    from .. import disclosure, fieldwork

    study.check_site_id(site_id)
    counts = fieldwork.participants_by_group(phase=phase).set_index("site_id").loc[site_id]
    frame = pd.DataFrame({"Groupe d'acteurs": counts.index.astype(str), "Participants": counts.astype(int).to_numpy()})
    return disclosure.protect_counts(frame, ["Participants"], label_col="Groupe d'acteurs")


#: Unit of a variable of the hypotheses, by data source.
VALUE_UNITS = {"grid": "niveau (0 à 3)", "coding": "% des passages codés", "territory": "valeur de l'indicateur"}


def _value(value: object, source: str) -> float:
    """A variable's value as a number: a level, a percentage of segments or an indicator value."""
    if value is None or pd.isna(value):
        return np.nan
    return float(value) * 100 if source == "coding" else float(value)


def _row_digits(source: str, values: tuple[float, float]) -> int:
    """Decimals of a row: levels and percentages as integers unless a median falls between two."""
    if source == "territory":
        return 1
    return 0 if all(pd.isna(v) or float(v).is_integer() for v in values) else 1


def hypotheses_table(site_id: str) -> pd.DataFrame:
    """Where the site stands on each hypothesis: its value of every variable, and the median.

    One row per hypothesis × variable (conditions, outcome, context, testimonies), from
    :func:`odas_analysis.hypotheses.site_data`: numbers, with their unit in ``Unité`` and
    their precision in ``.attrs["decimals"]``.
    """
    from .. import fieldwork, hypotheses

    study.check_site_id(site_id)
    records = fieldwork.load_records()
    rows, digits = [], []
    for hid in study.hypothesis_ids():
        ops = hypotheses.operationalisation(hid)
        data = hypotheses.site_data(hid, records)
        for op in ops.itertuples(index=False):
            var, src = str(op.variable_id), str(op.data_source)
            column = data[var] if var in data.columns else pd.Series(dtype="float64")
            site_value = _value(column.get(site_id, np.nan), src)
            median = _value(column.median() if len(column) else np.nan, src)
            digits.append(_row_digits(src, (site_value, median)))
            rows.append(
                {
                    "Hypothèse": hid,
                    "Rôle": ELEMENT_FR.get(str(op.element), str(op.element)),
                    "Variable": str(op.label_fr),
                    "Unité": VALUE_UNITS.get(src, src),
                    "Valeur du site": site_value,
                    "Médiane des onze sites": median,
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["decimals"] = {"Valeur du site": digits, "Médiane des onze sites": digits}
    return out
