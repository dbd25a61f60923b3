"""Pieces shared by the tables of several notebooks: source citations, yes/no, French labels of codes.

Every table of the pages names its sources: a short tag in a ``Source`` column
(:func:`source_tag`) and the full citation in the note under the table
(:func:`sources_note`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from .. import french, study
from ..errors import ParameterError

#: Short French citation of each source id of ``data/sources.csv`` (for notes under
#: figures and tables). Ids missing here fall back to the table's title.
SOURCE_SHORT_FR: dict[str, str] = {
    "ODAS2019": "Odas, « Cohésion sociale et territoires : comment mieux agir ? », mai 2019",
    "ODASWEB-FIN": "Odas, page web « la recherche-action se termine » (fin 2017)",
    "ODASWEB-COPIL": "Odas, page web sur le comité de pilotage du 1er juillet 2016",
    "DERIVED": "déduction du projet odas-analysis (raisonnement indiqué en note)",
    "S1": "INSEE, COG et populations légales 2016 (en vigueur au 1er janvier 2019), EPCI DGCL 2019",
    "S2": "INSEE, COG et populations légales en vigueur au 1er janvier 2026, EPCI DGCL 2026",
    "S3": "INSEE-DGFiP-Cnaf-Cnav-CCMSA, Filosofi 2015 (géographie au 1er janvier 2016)",
    "S4": "INSEE-DGFiP-Cnaf-Cnav-CCMSA, Filosofi 2016 (géographie au 1er janvier 2019)",
    "S5": "INSEE, base comparateur de territoires 2022 (recensement 2018, Filosofi 2019)",
    "S6": "Ministère de l'Intérieur, présidentielle 2017, participation par commune",
}


#: Very short French tag of each source, for a "Source" column (the full citation goes
#: in the note under the table, see :func:`sources_note`).
SOURCE_TAG_FR: dict[str, str] = {
    "ODAS2019": "rapport Odas 2019",
    "ODASWEB-FIN": "site web de l'Odas",
    "ODASWEB-COPIL": "site web de l'Odas",
    "DERIVED": "déduction",
    "S1": "INSEE, COG 2019",
    "S2": "INSEE, COG 2026",
    "S3": "INSEE, Filosofi 2015",
    "S4": "INSEE, Filosofi 2016",
    "S5": "INSEE, comparateur 2022",
    "S6": "Ministère de l'Intérieur",
}


def source_tag(source_id: object) -> str:
    """Very short French tag of a source id (the id itself when unknown)."""
    if source_id is None or source_id is pd.NA:
        return french.MISSING
    return SOURCE_TAG_FR.get(str(source_id), str(source_id))


def source_label(source_id: str) -> str:
    """Short French citation of one source id."""
    if source_id in SOURCE_SHORT_FR:
        return SOURCE_SHORT_FR[source_id]
    table = study.sources().set_index("source_id")
    if source_id not in table.index:
        raise ParameterError(f"unknown source_id {source_id!r}")
    row = table.loc[source_id]
    return f"{row['publisher']}, {row['title']}"


def sources_note(source_ids: Iterable[str], prefix: str = "Sources") -> str:
    """One line citing the given sources in first-seen order: ``Sources : A ; B.``"""
    seen: list[str] = []
    for sid in source_ids:
        if sid is None or sid is pd.NA or (isinstance(sid, float) and math.isnan(sid)):
            continue
        if str(sid) not in seen:
            seen.append(str(sid))
    if not seen:
        return ""
    label = prefix if len(seen) > 1 else prefix.rstrip("s")
    return f"{label}{french.NNBSP}: " + f"{french.NNBSP}; ".join(source_label(s) for s in seen) + "."


def yes_no(value: object) -> str:
    """``oui`` / ``non`` / :data:`~odas_analysis.french.MISSING`."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return french.MISSING
    return "oui" if bool(value) else "non"


#: How the research axis of a site is known.
AXIS_STATUS_FR = {
    "published": "publié (page web de l'Odas)",
    "derived": "déduit par élimination",
}


#: French name of each element of a hypothesis' operationalisation.
ELEMENT_FR = {
    "condition": "condition",
    "outcome": "résultat",
    "secondary_outcome": "résultat secondaire",
    "context": "contexte",
    "testimony": "témoignages",
}
