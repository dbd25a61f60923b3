"""Small counts: masking below the threshold, secondary suppression, grouping small categories."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .base import SECONDARY_MARK, primary_mark, threshold_value

_TOTAL = "Total"


def _count_matrix(df: pd.DataFrame, count_cols: Sequence[str]) -> np.ndarray:
    missing = [c for c in count_cols if c not in df.columns]
    if missing:
        raise ParameterError(
            f"count_cols : colonne(s) {', '.join(map(str, missing))} absente(s) du tableau "
            f"(colonnes : {', '.join(map(str, df.columns))})"
        )
    values = df[list(count_cols)].to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ParameterError("count_cols : effectifs entiers, positifs ou nuls et sans valeur manquante attendus")
    return values.astype(np.int64)


def suppression_mask(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int | None = None,
    *,
    margins: bool = True,
    suppress_zeros: bool = False,
) -> pd.DataFrame:
    """Which cells to mask, and why: ``""``, ``"primary"`` or ``"secondary"``.

    Parameters
    ----------
    df
        The table: one row per unit (site, category...), ``count_cols`` the counts.
    count_cols
        The count columns.
    threshold
        Smallest count that may be shown (default: :func:`odas_analysis.config.disclosure_threshold`).
    margins
        The published table shows a ``Total`` row (sum of each column) and, when there are
        several count columns, a ``Total`` column (sum of each row). Then each row, each column and the margins form an equation
        ``cells = total``; an equation with exactly one masked entry would reveal it, so
        the smallest non-zero unmasked entry of that equation is masked too, until no
        equation has exactly one masked entry.
    suppress_zeros
        Mask zeros too (by default a zero is shown: it reveals an absence, not a person).

    Returns
    -------
    pandas.DataFrame
        Same rows as ``df`` plus a final ``Total`` row when ``margins``; columns
        ``count_cols`` plus ``Total`` when ``margins`` and there are several count columns.
    """
    t = threshold_value(threshold)
    full, row_total, col_total = _with_margins(_count_matrix(df, count_cols), margins)
    low = 0 if suppress_zeros else 1
    primary = (full >= low) & (full < t)
    masked = primary.copy()
    n_all, m_all = full.shape
    equations: list[list[tuple[int, int]]] = []
    if col_total:  # each row, the total row included: cells = row total
        equations += [[(i, j) for j in range(m_all)] for i in range(n_all)]
    if row_total:  # each column, the total column included: cells = column total
        equations += [[(i, j) for i in range(n_all)] for j in range(m_all)]
    last_row, last_col = (n_all - 1 if row_total else -1), (m_all - 1 if col_total else -1)
    changed = True
    while changed:
        changed = False
        for eq in equations:
            hidden = [ij for ij in eq if masked[ij]]
            if len(hidden) != 1:
                continue
            # Mask the smallest non-zero visible entry, preferring inner cells to totals.
            candidates = sorted(
                (ij for ij in eq if not masked[ij]),
                key=lambda ij: (full[ij] == 0, ij[0] == last_row or ij[1] == last_col, full[ij], ij),
            )
            if candidates:
                masked[candidates[0]] = True
                changed = True
    labels = np.where(primary, "primary", np.where(masked, "secondary", ""))
    columns = list(count_cols) + ([_TOTAL] if col_total else [])
    index = list(df.index) + ([_TOTAL] if row_total else [])
    return pd.DataFrame(labels, index=index, columns=columns)


def _with_margins(cells: np.ndarray, margins: bool) -> tuple[np.ndarray, bool, bool]:
    """Cells with a total row (``margins``) and a total column (``margins`` and 2+ columns)."""
    row_total = margins
    col_total = margins and cells.shape[1] > 1
    full = cells
    if col_total:
        full = np.column_stack([full, full.sum(axis=1)])
    if row_total:
        full = np.vstack([full, full.sum(axis=0)])
    return full, row_total, col_total


def protect_counts(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int | None = None,
    *,
    margins: bool = True,
    label_col: str | None = None,
    suppress_zeros: bool = False,
) -> pd.DataFrame:
    """A table of counts ready to publish: small counts and what would reveal them masked.

    Parameters
    ----------
    df
        The table of raw counts (one row per unit).
    count_cols
        The count columns.
    threshold
        Smallest count shown (default 3, env ``ODAS_DISCLOSURE_THRESHOLD``).
    margins
        Add a ``Total`` row (and a ``Total`` column for several count columns), with secondary suppression so that
        no masked count can be recomputed from them (see :func:`suppression_mask`).
    label_col
        Column that receives "Total" on the total row (default: the first column that is
        not a count).
    suppress_zeros
        Mask zeros too.

    Returns
    -------
    pandas.DataFrame
        Counts as text: the number, ``"< 3"`` (below the threshold) or ``"s"`` (masked so
        that a small count cannot be recomputed). ``.attrs["note_fr"]`` is the sentence
        to print under the table; ``.attrs["disclosure"]`` holds the threshold and the
        number of cells masked.

    Examples
    --------
    >>> t = pd.DataFrame({"site": ["a", "b", "c"], "n": [10, 2, 7]})
    >>> list(protect_counts(t, ["n"])["n"])
    ['10', '< 3', 's', '19']
    >>> list(protect_counts(t, ["n"], margins=False)["n"])
    ['10', '< 3', '7']
    """
    t = threshold_value(threshold)
    mask = suppression_mask(df, count_cols, t, margins=margins, suppress_zeros=suppress_zeros)
    cells = _count_matrix(df, count_cols)
    out = df.reset_index(drop=True).copy()
    values, row_total, col_total = _with_margins(cells, margins)
    shown_cols = list(count_cols) + ([_TOTAL] if col_total else [])
    if row_total:
        if label_col is None:
            others = [c for c in out.columns if c not in count_cols]
            label_col = others[0] if others else None
        total_row = {c: pd.NA for c in out.columns}
        if label_col is not None:
            total_row[label_col] = _TOTAL
        out = pd.concat([out, pd.DataFrame([total_row])], ignore_index=True)
    flags = mask.to_numpy()
    mark = primary_mark(t)
    for k, col in enumerate(shown_cols):
        out[col] = [
            mark
            if flags[i, k] == "primary"
            else SECONDARY_MARK
            if flags[i, k] == "secondary"
            else str(int(values[i, k]))
            for i in range(len(out))
        ]
    n_primary = int((flags == "primary").sum())
    n_secondary = int((flags == "secondary").sum())
    note = f"« {mark} » : effectif inférieur à {t}, masqué pour protéger l'anonymat des personnes."
    if n_secondary:
        note += f" « {SECONDARY_MARK} » : effectif masqué pour qu'un effectif inférieur à {t} ne puisse pas être recalculé à partir des totaux."
    out.attrs.update(df.attrs)
    out.attrs["note_fr"] = note
    out.attrs["disclosure"] = {"threshold": t, "primary": n_primary, "secondary": n_secondary}
    return out


def group_small_categories(
    df: pd.DataFrame,
    category_col: str,
    count_col: str,
    threshold: int | None = None,
    other_label: str = "Autres catégories (regroupées)",
) -> pd.DataFrame:
    """Merge the categories whose count is below the threshold into one line.

    The small categories are merged, smallest first; if their sum is still below the
    threshold, the next smallest category joins them until it is not (or nothing is
    left). Zero counts are merged as well, so the grouped line never reveals which small
    category is empty. The grouped line is last; ``.attrs["grouped"]`` lists its members
    (category labels are public; the counts are not).
    """
    t = threshold_value(threshold)
    if category_col not in df.columns or count_col not in df.columns:
        raise ParameterError(f"colonne {category_col!r} ou {count_col!r} absente du tableau")
    counts = _count_matrix(df, [count_col])[:, 0]
    order = np.lexsort((np.arange(len(df)), counts))
    small = [i for i in order if counts[i] < t]
    if small:
        k = len(small)
        while counts[small].sum() < t and k < len(order):
            small.append(order[k])
            k += 1
    keep = [i for i in range(len(df)) if i not in set(small)]
    out = df.iloc[keep].reset_index(drop=True).copy()
    if small:
        row = {c: pd.NA for c in df.columns}
        row[category_col] = other_label
        row[count_col] = int(counts[small].sum())
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
        out[count_col] = out[count_col].astype(int)
    out.attrs.update(df.attrs)
    out.attrs["grouped"] = [str(df.iloc[i][category_col]) for i in sorted(small)]
    out.attrs["note_fr"] = f"Catégories de moins de {t} personnes regroupées pour protéger l'anonymat." if small else ""
    return out
