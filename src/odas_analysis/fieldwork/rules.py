"""Rules across the fieldwork record tables that a table schema cannot express.

One function per rule; :func:`check_records` runs them all. Each returns a list of
:class:`~odas_analysis.validate.Problem`, rows given as file lines (header = line 1).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..validate import Problem
from .tables import RECORD_TABLES, STUDY_PERIOD


def _line(index: int) -> int:
    """File line of a 0-based data row (the header is line 1)."""
    return int(index) + 2


def participants_count(itv: pd.DataFrame, par: pd.DataFrame, file: str) -> list[Problem]:
    """``interviews.n_participants`` equals the number of participants of the interview."""
    counts = par.groupby("interview_id").size()
    have = itv["interview_id"].map(counts).fillna(0).astype(int)
    out = []
    for i in itv.index[have.to_numpy() != itv["n_participants"].astype(int).to_numpy()]:
        declared = int(itv.at[i, "n_participants"])
        out.append(
            Problem(
                file,
                "participants-count",
                f"n_participants vaut {declared} mais participants a {int(have[i])} "
                f"ligne(s) pour l'entretien « {itv.at[i, 'interview_id']} »",
                line=_line(i),
                column="n_participants",
                value=str(declared),
            )
        )
    return out


def date_range(itv: pd.DataFrame, file: str) -> list[Problem]:
    """Interview dates fall within the study (September 2015 - November 2017)."""
    dates = itv["date"]
    outside = dates.notna() & ((dates < pd.Timestamp(STUDY_PERIOD[0])) | (dates > pd.Timestamp(STUDY_PERIOD[1])))
    return [
        Problem(
            file,
            "date-range",
            "hors de la période de l'étude (du 2015-09-01 au 2017-11-30)",
            line=_line(i),
            column="date",
            value=dates[i].date().isoformat(),
        )
        for i in itv.index[outside.to_numpy()]
    ]


def speaker_interview(seg: pd.DataFrame, par: pd.DataFrame, file: str) -> list[Problem]:
    """A segment's speaker took part in the segment's interview."""
    took_part = seg["participant_id"].map(dict(zip(par["participant_id"], par["interview_id"])))
    wrong = took_part.notna() & (took_part != seg["interview_id"])
    return [
        Problem(
            file,
            "speaker-interview",
            f"le participant « {seg.at[i, 'participant_id']} » a pris part à l'entretien "
            f"« {took_part[i]} », pas à « {seg.at[i, 'interview_id']} »",
            line=_line(i),
            column="participant_id",
            value=str(seg.at[i, "participant_id"]),
        )
        for i in seg.index[wrong.fillna(False).to_numpy(dtype=bool)]
    ]


def segment_rows_agree(seg: pd.DataFrame, file: str) -> list[Problem]:
    """The rows of one segment (one per coder) agree on interview, speaker and hypothesis."""
    keyed = seg.assign(_pid=seg["participant_id"].fillna(""))
    out = []
    for col, source_col in (
        ("interview_id", "interview_id"),
        ("participant_id", "_pid"),
        ("hypothesis_id", "hypothesis_id"),
    ):
        first_value = keyed.groupby("segment_id", sort=False)[source_col].transform("first")
        differs = keyed[keyed[source_col] != first_value].drop_duplicates("segment_id")
        for i in differs.index:
            out.append(
                Problem(
                    file,
                    "segment-rows-differ",
                    f"les lignes du segment « {keyed.at[i, 'segment_id']} » diffèrent sur {col}",
                    line=_line(i),
                    column=col,
                    value=str(seg.at[i, col]),
                )
            )
    return out


def one_primary(frame: pd.DataFrame, keys: list[str], file: str) -> list[Problem]:
    """Exactly one ``coding_role = primary`` row per unit (segment, or site and condition)."""
    frame = frame.assign(_primary=(frame["coding_role"] == "primary").astype(int))
    n_primary = frame.groupby(keys, sort=False)["_primary"].transform("sum")
    first = ~frame.duplicated(keys)
    out = []
    for i in frame.index[((n_primary != 1) & first).to_numpy()]:
        unit = ", ".join(f"{k} « {frame.at[i, k]} »" for k in keys)
        out.append(
            Problem(
                file,
                "primary-coding",
                f"{unit} : {int(n_primary[i])} ligne(s) primary ; il en faut exactement une "
                "(les autres ont coding_role = reliability)",
                line=_line(i),
                column="coding_role",
                value=str(frame.at[i, "coding_role"]),
            )
        )
    return out


def synthetic_flag(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str], demo: bool) -> list[Problem]:
    """``synthetic`` is the same on every row of every table (true throughout the demonstration set)."""
    flags = {name: tables[name]["synthetic"].astype(bool) for name in RECORD_TABLES}
    n_true = sum(int(f.sum()) for f in flags.values())
    n_all = sum(len(f) for f in flags.values())
    if demo and n_true != n_all:
        bad_value, message = False, "le jeu de démonstration doit porter synthetic = true sur chaque ligne"
    elif 0 < n_true < n_all:
        bad_value = n_true <= n_all - n_true  # the minority is the mistake
        message = (
            f"lignes simulées et réelles mélangées ({n_true} simulées, {n_all - n_true} réelles "
            "dans l'ensemble des tables) ; une source ne contient qu'une seule sorte"
        )
    else:
        return []
    out = []
    for name, flag in flags.items():
        bad = flag.index[flag.to_numpy() == bad_value]
        if len(bad):
            out.append(
                Problem(
                    files[name],
                    "synthetic-flag",
                    message,
                    line=_line(bad[0]),
                    column="synthetic",
                    value=str(bad_value).lower(),
                )
            )
    return out


def check_records(
    tables: Mapping[str, pd.DataFrame], files: Mapping[str, str] | None = None, demo: bool = False
) -> list[Problem]:
    """Every cross-table rule of the record tables.

    * ``interviews.n_participants`` equals the number of participants of the interview;
    * a segment's speaker took part in the segment's interview;
    * the rows of one segment (one per coder) agree on interview, speaker and hypothesis,
      and exactly one of them has ``coding_role = primary``;
    * exactly one primary assessment per site and condition;
    * dates fall within the study (September 2015 - November 2017);
    * ``synthetic`` is the same on every row of every table (true throughout the
      demonstration set): simulated and real rows are never mixed.

    Parameters
    ----------
    tables
        The four typed tables (as :func:`odas_analysis.validate.load_table` returns them).
    files
        Name shown for each table in the messages (default ``<table>.csv``).
    demo
        The tables are the demonstration set: every row must be synthetic.

    Returns
    -------
    list of Problem
        Empty when every rule holds; rows are 0-based frame positions turned into file
        lines (header = line 1).
    """
    files = {name: (files or {}).get(name, f"{name}.csv") for name in RECORD_TABLES}
    itv, par, seg, ass = (tables[n].reset_index(drop=True) for n in RECORD_TABLES)
    return [
        *participants_count(itv, par, files["interviews"]),
        *date_range(itv, files["interviews"]),
        *speaker_interview(seg, par, files["coded_segments"]),
        *segment_rows_agree(seg, files["coded_segments"]),
        *one_primary(seg, ["segment_id"], files["coded_segments"]),
        *one_primary(ass, ["site_id", "condition_id"], files["assessments"]),
        *synthetic_flag(tables, files, demo),
    ]
