"""Tables of the hypothese notebook: the hypothesis' heading and how it is measured.

::

    from odas_analysis.tables import hypothese as tables
    display(Markdown(tables.heading(hypothesis_id)))
"""

from __future__ import annotations

import pandas as pd

from .. import study
from .common import ELEMENT_FR, source_tag, sources_note

DATA_SOURCE_FR = {
    "grid": "grille d'évaluation des chercheurs (niveau 0 à 3)",
    "territory": "indicateur territorial",
    "perimeter": "périmètre intercommunal (DGCL)",
    "contract": "postes du contrat de ville (ANCT)",
    "coding": "codage des entretiens",
}


def heading(hypothesis_id: str) -> str:
    """Markdown opening a hypothesis page: its label, its statement and its source."""

    hyp = study.hypothesis(hypothesis_id)
    source = sources_note([hyp["source_id"]], prefix="Source")
    return f"## {hypothesis_id} : {hyp['label']}\n\n> {hyp['statement']}\n\n{source} ({hyp['source_detail']})"


SCOPE_FR = {"verdict": "tests du verdict", "public": "indicateur public, hors verdict"}
CHOSEN_BY_FR = {"report": "rapport", "project": "choix du projet"}


def operationalisation_table(hypothesis_id: str) -> pd.DataFrame:
    """How a hypothesis is measured, for the reader: every row, verdict and public indicators.

    ``Usage`` says whether the row enters the tests that decide the verdict (grid, coding,
    and the territorial context they were calibrated with) or is a public indicator tested
    apart; ``Choix`` whether the report names the element or the project chose the
    measure; ``Section du rapport ou précision`` where the report discusses it.
    """
    from .. import hypotheses

    ops = hypotheses.operationalisation(hypothesis_id, scope="all")
    direction = {"positive": "positif", "negative": "négatif", "none": "aucun (contexte)"}
    return pd.DataFrame(
        {
            "Rôle": [ELEMENT_FR.get(str(e), str(e)) for e in ops["element"]],
            "Variable": ops["label_fr"].astype(str).to_numpy(),
            "Mesure": [DATA_SOURCE_FR.get(str(s), str(s)) for s in ops["data_source"]],
            "Sens attendu": [direction.get(str(d), str(d)) for d in ops["expected_direction"]],
            "Usage": [SCOPE_FR[str(s)] for s in ops["scope"]],
            "Choix": [CHOSEN_BY_FR[str(c)] for c in ops["chosen_by"]],
            "Section du rapport ou précision": ops["source_detail"].fillna("").astype(str).to_numpy(),
            "Source": [source_tag(s) for s in ops["source_id"]],
        }
    )


def operationalisation_note(hypothesis_id: str) -> str:
    """Source note of :func:`operationalisation_table`, with the report sections."""
    from .. import hypotheses

    ops = hypotheses.operationalisation(hypothesis_id, scope="all")
    return sources_note(ops["source_id"])
