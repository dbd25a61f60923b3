"""Tables of the site notebook: who the site is, its territory, its fieldwork, its position on the hypotheses.

::

    from odas_analysis.tables import site as tables
    export.table(tables.card(site_id), "fiche", caption=tables.card_sources(site_id))

Every count of persons goes through :func:`odas_analysis.disclosure.protect_counts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import french, study
from .common import AXIS_STATUS_FR, ELEMENT_FR, source_tag, sources_note, yes_no
from .indicators import CROSS_SITE_INDICATORS


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


#: Decimals of each indicator in the reader's tables (any year).
INDICATOR_DECIMALS: dict[str, int] = {
    **{spec.indicator: spec.decimals for spec in CROSS_SITE_INDICATORS},
    "population_rp": 0,
}


def _level_cell(by_level: dict, level: str, digits: int) -> str:
    """The value of one level of a comparison row, or ``n.d.`` when the level is missing."""
    row = by_level.get(level)
    return french.number(row.value, digits) if row is not None else french.MISSING


def territory_table(site_id: str) -> pd.DataFrame:
    """The site against its département, région and France, every indicator and vintage.

    One row per indicator × data year; values written in the indicator's precision
    (``n.d.`` where the reference is not available), the site's percentile rank among
    the communes (or the EPCI) and the source of the row.
    """
    from .. import territory

    table = territory.comparison_table(site_id, french=False)
    rows = []
    for (indicator, year), grp in table.groupby(["indicator", "data_year"], sort=False):
        by_level = {str(r.level): r for r in grp.itertuples(index=False)}
        digits = INDICATOR_DECIMALS.get(str(indicator), 1)
        site_row = by_level["site"]

        rank = site_row.pct_rank
        rows.append(
            {
                "Indicateur": str(site_row.label),
                "Année": str(int(year)),
                "Unité": str(site_row.unit),
                "Site": _level_cell(by_level, "site", digits),
                "Département": _level_cell(by_level, "département", digits),
                "Région": _level_cell(by_level, "région", digits),
                "France": _level_cell(by_level, "France", digits),
                "Rang centile": french.MISSING if pd.isna(rank) else french.number(rank, 1),
                "Parmi les": french.MISSING if pd.isna(site_row.rank_population) else str(site_row.rank_population),
                "Géographie": str(site_row.geography),
                "Source": source_tag(site_row.source_id),
            }
        )
    return pd.DataFrame(rows)


def territory_note(site_id: str) -> str:
    """Sources and caveats of :func:`territory_table`."""
    from .. import territory

    rows = territory.site_indicators(site_id)
    return (
        "Rang centile : part des communes (ou des EPCI) dont la valeur est inférieure ou égale à celle "
        "du site, parmi celles où la valeur est publiée ; n.d. : non disponible dans les fichiers lus, "
        "jamais imputé. " + sources_note(rows["source_id"])
    )


def fieldwork_table(site_id: str) -> pd.DataFrame:
    """The site's fieldwork in counts, beside the median of the eleven sites.

    Counts of interviews and workshops are not about persons; the participants by group
    of actors are (see :func:`participants_table`).
    """
    from .. import fieldwork

    study.check_site_id(site_id)
    summary = fieldwork.fieldwork_summary().set_index("site_id")
    labels = {
        "entretiens_phase_2": "Entretiens de la phase 2",
        "participants_phase_2": "Participants aux entretiens de la phase 2",
        "entretiens_phase_4": "Ateliers et visites de la phase 4",
        "participants_phase_4": "Participants de la phase 4",
        "segments_codes": "Passages codés (codage principal)",
    }
    return pd.DataFrame(
        {
            "Grandeur": [labels.get(c, c) for c in summary.columns],
            "Site": [int(summary.loc[site_id, c]) for c in summary.columns],
            "Médiane des onze sites": [float(summary[c].median()) for c in summary.columns],
        }
    )


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


def _value_text(value: object, source: str) -> str:
    if value is None or pd.isna(value):
        return french.MISSING
    if source == "grid":
        digits = 0 if float(value).is_integer() else 1
        return f"{french.number(value, digits)} sur 3"
    if source == "coding":
        return f"{french.number(float(value) * 100, 0)}{french.NNBSP}%"
    return french.number(value, 1)


def hypotheses_table(site_id: str) -> pd.DataFrame:
    """Where the site stands on each hypothesis: its value of every variable, and the median.

    One row per hypothesis × variable (conditions, outcome, context, testimonies), from
    :func:`odas_analysis.hypotheses.site_data`.
    """
    from .. import fieldwork, hypotheses

    study.check_site_id(site_id)
    records = fieldwork.load_records()
    rows = []
    for hid in study.hypothesis_ids():
        ops = hypotheses.operationalisation(hid)
        data = hypotheses.site_data(hid, records)
        for op in ops.itertuples(index=False):
            var, src = str(op.variable_id), str(op.data_source)
            column = data[var] if var in data.columns else pd.Series(dtype="float64")
            rows.append(
                {
                    "Hypothèse": hid,
                    "Rôle": ELEMENT_FR.get(str(op.element), str(op.element)),
                    "Variable": str(op.label_fr),
                    "Valeur du site": _value_text(column.get(site_id, np.nan), src),
                    "Médiane des onze sites": _value_text(column.median() if len(column) else np.nan, src),
                }
            )
    return pd.DataFrame(rows)
