"""Aggregations of the fieldwork records used by the hypotheses and the notebooks.

Every function takes the loaded records (default: :func:`.records.load_records`) and
returns a frame stamped with their source. Counts are raw: pass them through
:func:`odas_analysis.disclosure.protect_counts` before publishing them.
"""

from __future__ import annotations

import pandas as pd

from .. import study
from ..errors import ParameterError
from .records import FieldworkRecords, actor_categories, load_records, stamp


def segments_in_context(records: FieldworkRecords | None = None, coding_role: str = "primary") -> pd.DataFrame:
    """Coded segments joined with their interview, site, speaker's category and group.

    Parameters
    ----------
    coding_role
        ``"primary"`` (the codes the analysis uses), ``"reliability"`` or ``"all"``.

    Returns
    -------
    pandas.DataFrame
        One row per segment (and coder when ``"all"``), with ``site_id``, ``phase``,
        ``format``, ``actor_category``, ``group_id`` (missing when the passage has no
        identified speaker) and ``supports`` (1 when ``code == "supports"``).
    """
    if coding_role not in ("primary", "reliability", "all"):
        raise ParameterError(f"coding_role={coding_role!r} : valeur attendue 'primary', 'reliability' ou 'all'")
    records = records or load_records()
    return records.view(("segments_in_context", coding_role), lambda: _segments_in_context(records, coding_role))


def _segments_in_context(records: FieldworkRecords, coding_role: str) -> pd.DataFrame:
    seg = records.tables["coded_segments"]
    if coding_role != "all":
        seg = seg[seg["coding_role"] == coding_role]
    itv = records.tables["interviews"][["interview_id", "site_id", "phase", "format"]]
    par = records.tables["participants"][["participant_id", "actor_category"]]
    cats = actor_categories()[["category_id", "group_id"]].rename(columns={"category_id": "actor_category"})
    out = seg.merge(itv, on="interview_id", how="left").merge(par, on="participant_id", how="left")
    out = out.merge(cats, on="actor_category", how="left")
    out["supports"] = (out["code"] == "supports").astype(int)
    out = out.sort_values(["site_id", "interview_id", "segment_id", "coder"], kind="stable").reset_index(drop=True)
    return stamp(out, records.source)


def participants_by_group(
    records: FieldworkRecords | None = None, by: str = "group", phase: int | None = 2
) -> pd.DataFrame:
    """Number of participants per site (rows) and category or group of actors (columns).

    Raw counts: pass the result through :func:`odas_analysis.disclosure.protect_counts`
    before publishing it.

    Parameters
    ----------
    by
        ``"group"`` (five groups) or ``"category"`` (twelve categories).
    phase
        2, 4 or ``None`` for both.
    """
    if by not in ("group", "category"):
        raise ParameterError(f"by={by!r} : valeur attendue 'group' ou 'category'")
    records = records or load_records()
    itv = records.tables["interviews"]
    if phase is not None:
        if phase not in (2, 4):
            raise ParameterError(f"phase={phase!r} : valeur attendue 2, 4 ou None")
        itv = itv[itv["phase"] == phase]
    par = records.tables["participants"].merge(itv[["interview_id", "site_id"]], on="interview_id")
    cats = actor_categories().rename(columns={"category_id": "actor_category"})
    key, label = ("group_id", "group_label_fr") if by == "group" else ("actor_category", "label_fr")
    order = list(dict.fromkeys(cats[key].astype(str)))
    par = par.merge(cats, on="actor_category")
    table = pd.crosstab(par["site_id"].astype(str), par[key].astype(str)).reindex(columns=order, fill_value=0)
    table = table.reindex(study.site_ids(), fill_value=0)
    labels = dict(zip(cats[key].astype(str), cats[label].astype(str)))
    table.columns = [labels[c] for c in table.columns]
    table.index.name = "site_id"
    table = table.reset_index()
    return stamp(table, records.source)


def fieldwork_summary(records: FieldworkRecords | None = None) -> pd.DataFrame:
    """Per site: interviews and participants by phase, coded segments (primary coding)."""
    records = records or load_records()
    itv = records.tables["interviews"]
    par = records.tables["participants"].merge(itv[["interview_id", "site_id", "phase"]], on="interview_id")
    seg = records.tables["coded_segments"]
    seg = seg[seg["coding_role"] == "primary"].merge(itv[["interview_id", "site_id"]], on="interview_id")
    out = pd.DataFrame(index=pd.Index(study.site_ids(), name="site_id"))
    for phase in (2, 4):
        out[f"entretiens_phase_{phase}"] = itv[itv["phase"] == phase].groupby("site_id").size()
        out[f"participants_phase_{phase}"] = par[par["phase"] == phase].groupby("site_id").size()
    out["segments_codes"] = seg.groupby("site_id").size()
    out = out.fillna(0).astype(int).reset_index()
    return stamp(out, records.source)


def support_share_by_site(hypothesis_id: str, records: FieldworkRecords | None = None) -> pd.DataFrame:
    """Per site: primary-coded segments on a hypothesis, those coded "supports", and the share."""
    study.check_hypothesis_id(hypothesis_id)
    seg = segments_in_context(records)
    records = records or load_records()
    seg = seg[seg["hypothesis_id"] == hypothesis_id]
    grouped = seg.groupby("site_id")["supports"].agg(["size", "sum"]).reindex(study.site_ids(), fill_value=0)
    out = pd.DataFrame(
        {
            "site_id": grouped.index,
            "n_segments": grouped["size"].astype(int).to_numpy(),
            "n_supports": grouped["sum"].astype(int).to_numpy(),
        }
    )
    out["support_share"] = out["n_supports"] / out["n_segments"].where(out["n_segments"] > 0)
    return stamp(out.reset_index(drop=True), records.source)


def site_levels(records: FieldworkRecords | None = None) -> pd.DataFrame:
    """Primary assessment levels, one row per site and one column per grid condition."""
    records = records or load_records()
    return records.view("site_levels", lambda: _site_levels(records))


def _site_levels(records: FieldworkRecords) -> pd.DataFrame:
    ass = records.tables["assessments"]
    ass = ass[ass["coding_role"] == "primary"]
    wide = ass.pivot(index="site_id", columns="condition_id", values="level").reindex(study.site_ids())
    wide = wide[sorted(wide.columns)]
    wide.index.name = "site_id"
    wide.columns.name = None
    return stamp(wide.reset_index(), records.source)
