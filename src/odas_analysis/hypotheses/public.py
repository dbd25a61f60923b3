"""The public indicators of each hypothesis, tested on public data only: real results.

The grid and the coded interviews are simulated until the private records are plugged
in; the public indicators of ``data/territory/`` (turnout, State-funded posts of the
contrat de ville, the intercommunal perimeters re-drawn in 2015-2017, poverty) are not.
:func:`public_results` tests, for one hypothesis, every pair of its public indicators
(rows of :func:`~.spec.operationalisation` whose ``data_source`` is public, any scope):

* each public condition or context against each public secondary outcome;
* without a public outcome, each public condition against each public context;
* without a public condition either, the contexts two by two.

Each test is Spearman's rho by exact permutation (two-sided unless the predictor has an
expected direction), Holm-adjusted within the hypothesis' family when it has more than
one test. These results describe the eleven self-selected sites; they do not enter the
verdict (:data:`~.rules.VERDICT_RULE_FR` says so), so the calibration of the verdict
rules under the null is unchanged.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from .. import french, study
from ..errors import ParameterError
from ..stats import exact
from .result import FR_COLUMNS, RESULT_COLUMNS, _row_fr
from .rules import ALPHA
from .sites import spearman_row
from .spec import PUBLIC_SOURCES, operationalisation

_ALTERNATIVE = {"positive": "greater", "negative": "less", "none": "two-sided"}

PUBLIC_LIMITS_FR = (
    "Limites : ces tests décrivent les onze sites, retenus sur candidature, et ne se généralisent pas à "
    "d'autres territoires ; avec si peu de sites, seule une association forte peut être vue ; une association "
    "n'établit pas un effet. Ces résultats n'entrent pas dans le verdict."
)
_PARTIAL_FR = "la participation municipale n'a pas de valeur pour les deux communautés d'agglomération (n = 9)"
_POSTS_FR = "les postes d'adultes-relais et Fonjep sont ceux de 2020, après l'étude"
_COVID_FR = "le premier tour de 2020 s'est tenu le 15 mars, au début de l'épidémie de Covid-19"


def limits_fr(ops: pd.DataFrame) -> str:
    """The limits sentence of a public table, with the caveats of the indicators it uses."""
    caveats = []
    indicators = set(ops["indicator_id"].dropna().astype(str))
    years = set(ops.loc[ops["indicator_id"] == "turnout_municipal_round1", "data_year"].astype(str))
    if years:
        caveats.append(_PARTIAL_FR)
    if "2020" in years:
        caveats.append(_COVID_FR)
    if indicators & {"adultes_relais", "fonjep"}:
        caveats.append(_POSTS_FR)
    return PUBLIC_LIMITS_FR + (" À noter : " + " ; ".join(caveats) + "." if caveats else "")


def _changed_perimeter(year: int) -> pd.Series:
    """1 when the site's EPCI was merged or enlarged between 1 January 2015 and 1 January ``year``."""
    from ..national import territory

    frame = territory.site_perimeters()
    first = int(frame["year"].min())
    later = frame[(frame["year"] > first) & (frame["year"] <= year)]
    changed = later["change"].notna() & (later["change"] != "inchangé")
    out = changed.groupby(later["site_id"]).any().astype(float)
    return out.reindex(study.site_ids())


def _contract_posts(programme: str, year: int) -> pd.Series:
    from ..national import territory

    frame = territory.contract_posts(programme=programme)
    frame = frame[frame["year"] == year]
    if frame.empty:
        raise ParameterError(f"site_contract_posts.csv : aucune ligne {programme} pour l'année {year}")
    return frame.set_index("site_id")["posts_per_10000"].astype(float).reindex(study.site_ids())


def public_values(op: pd.Series) -> pd.Series:
    """Site values of one public row of the operationalisation (index: site ids, NaN when absent)."""
    from ..national import territory

    source, year = str(op["data_source"]), int(str(op["data_year"]))
    indicator = str(op["indicator_id"]) if pd.notna(op["indicator_id"]) else str(op["variable_id"])
    if source == "territory":
        rows = territory.site_indicators(indicator=indicator, data_year=year)
        return rows.set_index("site_id")["value"].astype(float).reindex(study.site_ids())
    if source == "perimeter" and indicator == "perimeter_changed":
        return _changed_perimeter(year)
    if source == "contract":
        return _contract_posts(indicator, year)
    raise ParameterError(
        f"operationalisation.csv, hypothèse {op['hypothesis_id']}, variable {op['variable_id']} : "
        f"indicateur public {source}/{indicator} inconnu"
    )


def public_ops(hypothesis_id: str) -> pd.DataFrame:
    """The hypothesis' rows on public data (any scope)."""
    ops = operationalisation(hypothesis_id, scope="all")
    return ops[ops["data_source"].isin(PUBLIC_SOURCES)].reset_index(drop=True)


def public_site_data(hypothesis_id: str) -> pd.DataFrame:
    """One row per site, one column per public variable of the hypothesis."""
    ops = public_ops(hypothesis_id)
    out = pd.DataFrame(index=pd.Index(study.site_ids(), name="site_id"))
    for _, op in ops.iterrows():
        out[str(op["variable_id"])] = public_values(op)
    return out


def _pairs(ops: pd.DataFrame) -> list[tuple[pd.Series, pd.Series]]:
    """The (predictor, target) rows tested, in the order of the operationalisation."""
    rows = [op for _, op in ops.iterrows()]
    outcomes = [op for op in rows if op["element"] == "secondary_outcome"]
    conditions = [op for op in rows if op["element"] == "condition"]
    contexts = [op for op in rows if op["element"] == "context"]
    if outcomes:
        return [(p, t) for t in outcomes for p in conditions + contexts]
    if conditions and contexts:
        return [(p, t) for t in contexts for p in conditions]
    return list(itertools.combinations(contexts, 2))


def _groups_note(x: pd.Series, y: pd.Series) -> str:
    """For a 0/1 predictor: the target's median in each group."""
    parts = []
    for value, word in ((1.0, "oui"), (0.0, "non")):
        part = y[x == value]
        if len(part):
            parts.append(f"médiane {french.number(float(part.median()), 2)} ({word}, {len(part)} sites)")
    return " contre ".join(parts)


def _test_row(data: pd.DataFrame, pred: pd.Series, target: pd.Series) -> dict[str, Any]:
    var, tgt = str(pred["variable_id"]), str(target["variable_id"])
    pair = data[[var, tgt]].dropna()
    alt = _ALTERNATIVE[str(pred["expected_direction"])]
    names = f"{pred['label_fr']} × {target['label_fr']}"
    side = "bilatéral" if alt == "two-sided" else "unilatéral, sens attendu"
    binary = set(pair[var].unique()) <= {0.0, 1.0}
    note = side + (" ; " + _groups_note(pair[var], pair[tgt]) if binary else "")
    return spearman_row("spearman_public", pair[var], pair[tgt], names, alt, note, family="public")


def public_results(hypothesis_id: str) -> pd.DataFrame:
    """The tests of the hypothesis on public data only (columns :data:`~.result.RESULT_COLUMNS`).

    ``p_holm`` is Holm's adjustment within this family when it holds two computable tests
    or more (empty otherwise). ``.attrs["family_size"]`` is the number of computable tests.
    """
    study.check_hypothesis_id(hypothesis_id)
    ops = public_ops(hypothesis_id)
    data = public_site_data(hypothesis_id)
    rows = [_test_row(data, pred, target) for pred, target in _pairs(ops)]
    valid = [r for r in rows if pd.notna(r["p_value"])]
    if len(valid) > 1:
        for r, p in zip(valid, exact.holm([r["p_value"] for r in valid], alpha=ALPHA).adjusted):
            r["p_holm"] = float(p)
    out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    out["n"] = out["n"].astype("Int64")
    out.attrs["family_size"] = len(valid)
    return out


def public_table_fr(hypothesis_id: str) -> pd.DataFrame:
    """:func:`public_results` for a page: French headers and numbers, a caption with sources and limits."""
    from ..tables.common import sources_note

    results = public_results(hypothesis_id)
    out = pd.DataFrame([_row_fr(r) for _, r in results.iterrows()], columns=FR_COLUMNS)
    ops = public_ops(hypothesis_id)
    size = results.attrs["family_size"]
    holm = (
        f"p (Holm) : correction sur les {size} tests de ce tableau. "
        if size > 1
        else "Un seul test : pas de correction multiple. "
    )
    out.attrs["note_fr"] = (
        "Indicateurs publics (données réelles), testés sans les relevés de terrain : tests exacts de permutation "
        "sur les sites renseignés. " + holm + limits_fr(ops) + " " + sources_note(ops["source_id"])
    )
    return out


def public_summary_fr(hypothesis_id: str) -> str:
    """What the public-data tests say, in one short French paragraph (Markdown), for the page."""
    results = public_results(hypothesis_id)
    computed = results[results["p_value"].notna()]
    decisive = computed["p_holm"] if results.attrs["family_size"] > 1 else computed["p_value"]
    found = computed[decisive < ALPHA]
    tests = f"{french.integer(len(computed))} test{'s' if len(computed) > 1 else ''}"
    verb = {0: "aucun ne conclut", 1: "1 conclut"}.get(len(found), f"{french.integer(len(found))} concluent")
    holm = " après la correction de Holm" if results.attrs["family_size"] > 1 else ""
    head = f"**Données réelles.** {tests} sur les indicateurs publics ; {verb} à 5 %{holm}"
    if found.empty:
        return head + " : aucune association nette entre ces indicateurs dans les onze sites."
    parts = []
    for _, r in found.iterrows():
        sense = "positive" if r["statistic"] > 0 else "négative"
        parts.append(f"{r['variables']} (association {sense}, rho = {french.number(r['statistic'], 2)}, n = {r['n']})")
    return (
        head + " : " + " ; ".join(parts) + ". Ces associations décrivent les sites, elles n'établissent pas un effet."
    )


def has_public_result(hypothesis_id: str) -> bool:
    """True when at least one test of :func:`public_results` could be computed."""
    return bool(np.isfinite(public_results(hypothesis_id)["p_value"].astype(float)).any())
