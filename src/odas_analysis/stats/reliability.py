"""Inter-coder reliability for the double-coded interviews.

- :func:`krippendorff_alpha`: Krippendorff's alpha for any number of coders, nominal,
  ordinal, interval or ratio values, missing codes allowed (computed from the coincidence
  matrix, as in Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011);
- :func:`cohen_kappa`: Cohen's kappa for two coders, unweighted or with linear or
  quadratic weights.

Notebook use, one line::

    from odas_analysis.stats import reliability
    reliability.krippendorff_alpha(codes, level="nominal").summary()
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import french
from ..errors import ParameterError

__all__ = ["ReliabilityResult", "krippendorff_alpha", "cohen_kappa", "LEVELS"]

#: Levels of measurement accepted by :func:`krippendorff_alpha`.
LEVELS = ("nominal", "ordinal", "interval", "ratio")

_LEVELS_FR = {"nominal": "nominal", "ordinal": "ordinal", "interval": "d'intervalle", "ratio": "de rapport"}


@dataclass(frozen=True)
class ReliabilityResult:
    """An agreement coefficient.

    Attributes
    ----------
    statistic
        The coefficient (alpha or kappa).
    n
        Number of units coded (for alpha, units with at least two codes, the pairable ones).
    method
        Name of the coefficient, in French.
    level
        Level of measurement (alpha) or weighting (kappa).
    n_coders
        Number of coders.
    n_values
        Number of pairable codes (alpha) or of units coded by both (kappa).
    observed_disagreement, expected_disagreement
        ``D_o`` and ``D_e`` (alpha); observed and chance agreement (kappa).
    """

    statistic: float
    n: int
    method: str
    level: str
    n_coders: int
    n_values: int
    observed_disagreement: float
    expected_disagreement: float

    @property
    def pvalue(self) -> None:
        """No p-value: reliability is judged against a threshold (alpha >= 0,800)."""
        return None

    def summary(self) -> str:
        """One line in French, e.g. ``"Alpha de Krippendorff (nominal) : alpha = 0,743 ; ..."``."""
        symbol = "alpha" if self.method.startswith("Alpha") else "kappa"
        return (
            f"{self.method} ({self.level}) : {symbol} = {french.number(self.statistic, 3)} ; "
            f"{self.n} unités, {self.n_coders} codeurs, {self.n_values} valeurs appariables."
        )


def _reliability_matrix(data) -> tuple[np.ndarray, int]:
    """Coders × units matrix of codes (``nan`` where a coder gave no code)."""
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        try:
            frame = pd.DataFrame(np.asarray(data, dtype=object))
        except ValueError as exc:
            raise ParameterError("data : un tableau codeurs × unités de codes est attendu") from exc
    if frame.ndim != 2 or frame.shape[0] < 2:
        raise ParameterError(f"data : au moins deux codeurs (lignes) sont attendus, reçu la forme {frame.shape}")
    values = frame.to_numpy(dtype=object)
    return values, frame.shape[0]


def _encode(values: np.ndarray, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Map codes to integer indices of the sorted distinct values; ``-1`` for missing."""
    missing = pd.isna(values)
    present = values[~missing]
    if level == "nominal":
        distinct = sorted(set(present.tolist()), key=lambda v: (str(type(v)), v))
    else:
        try:
            distinct = sorted({float(v) for v in present.tolist()})
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"level={level!r} demande des codes numériques ; utiliser level='nominal' pour des étiquettes"
            ) from exc
    index = {v: i for i, v in enumerate(distinct)}
    codes = np.full(values.shape, -1, dtype=np.int64)
    for pos in zip(*np.nonzero(~missing)):
        v = values[pos]
        codes[pos] = index[v if level == "nominal" else float(v)]
    return codes, np.asarray(distinct, dtype=object if level == "nominal" else float)


def _delta2(level: str, distinct: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    """Squared difference function between every pair of values."""
    k = len(distinct)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "interval":
        v = distinct.astype(float)
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        v = distinct.astype(float)
        total = v[:, None] + v[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = ((v[:, None] - v[None, :]) / total) ** 2
        return np.nan_to_num(out)
    # ordinal: (sum of marginals from c to k minus half of the two ends) squared
    cum = np.concatenate(([0.0], np.cumsum(marginals)))
    lo = np.minimum.outer(np.arange(k), np.arange(k))
    hi = np.maximum.outer(np.arange(k), np.arange(k))
    spanned = cum[hi + 1] - cum[lo]
    return (spanned - (marginals[:, None] + marginals[None, :]) / 2) ** 2


def krippendorff_alpha(data, level: str = "nominal") -> ReliabilityResult:
    """Krippendorff's alpha reliability coefficient.

    Parameters
    ----------
    data
        Reliability data: one row per coder, one column per unit (a DataFrame or nested
        sequence); missing codes as ``None``/``nan``. Codes may be labels for nominal data,
        numbers otherwise.
    level
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.

    Returns
    -------
    ReliabilityResult
        ``statistic`` is ``alpha = 1 - (n - 1) * sum(o_ck * d_ck) / sum(n_c * n_k * d_ck)``,
        with ``o`` the coincidence matrix of pairable values (each unit with ``m_u >= 2``
        codes contributes ``1 / (m_u - 1)`` per ordered pair of codes), ``n_c`` its
        marginals and ``d`` the squared difference of the level of measurement.

    Raises
    ------
    ParameterError
        Fewer than two coders, an unknown level, non-numeric codes for a numeric level,
        or no unit coded by two coders; fewer than two distinct values make alpha
        undefined (an error too, as the data cannot show reliability).
    """
    if level not in LEVELS:
        raise ParameterError(f"level={level!r} : valeurs possibles {', '.join(LEVELS)}")
    values, n_coders = _reliability_matrix(data)
    codes, distinct = _encode(values, level)
    k = len(distinct)
    coincidence = np.zeros((k, k))
    pairable_units = 0
    for unit in codes.T:
        present = unit[unit >= 0]
        m = present.size
        if m < 2:
            continue
        pairable_units += 1
        counts = np.bincount(present, minlength=k).astype(float)
        coincidence += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    if pairable_units == 0:
        raise ParameterError("data : aucune unité n'est codée par au moins deux codeurs ; alpha n'est pas calculable")
    marginals = coincidence.sum(axis=1)
    n = marginals.sum()
    if np.count_nonzero(marginals) < 2:
        raise ParameterError(
            "data : tous les codes appariables ont la même valeur ; alpha n'est pas défini sans variation"
        )
    delta = _delta2(level, distinct, marginals)
    observed = (coincidence * delta).sum() / n
    expected = (np.outer(marginals, marginals) * delta).sum() / (n * (n - 1))
    alpha = 1.0 - observed / expected
    return ReliabilityResult(
        statistic=float(alpha),
        n=pairable_units,
        method="Alpha de Krippendorff",
        level=_LEVELS_FR[level],
        n_coders=n_coders,
        n_values=int(round(n)),
        observed_disagreement=float(observed),
        expected_disagreement=float(expected),
    )


def cohen_kappa(coder1: Sequence, coder2: Sequence, weights: str | None = None) -> ReliabilityResult:
    """Cohen's kappa between two coders.

    Parameters
    ----------
    coder1, coder2
        The codes of each coder, one per unit, same order; units where either code is
        missing are left out.
    weights
        ``None`` (unweighted), ``"linear"`` or ``"quadratic"`` (numeric, ordered codes).

    Returns
    -------
    ReliabilityResult
        ``statistic`` is ``kappa = 1 - sum(w * observed) / sum(w * expected)`` on the
        proportions table, with ``w`` the disagreement weights (0 on the diagonal; 1 off it
        unweighted, ``|i - j|`` linear, ``(i - j)**2`` quadratic over the sorted
        categories seen).

    Raises
    ------
    ParameterError
        Lengths that differ, fewer than three units coded by both, an unknown weighting,
        or a single category used by both coders (kappa undefined).
    """
    a = np.asarray(coder1, dtype=object)
    b = np.asarray(coder2, dtype=object)
    if a.ndim != 1 or a.shape != b.shape:
        raise ParameterError(f"coder1 a {a.size} codes et coder2 {b.size} : un code par unité est attendu de chacun")
    if weights not in (None, "linear", "quadratic"):
        raise ParameterError(f"weights={weights!r} : valeurs possibles None, 'linear' ou 'quadratic'")
    both = ~(pd.isna(a) | pd.isna(b))
    a, b = a[both], b[both]
    if a.size < 3:
        raise ParameterError(f"{a.size} unité(s) codée(s) par les deux codeurs, il en faut au moins 3")
    level = "nominal" if weights is None else "interval"
    codes, distinct = _encode(np.vstack([a, b]), level)
    k = len(distinct)
    if k < 2:
        raise ParameterError("les deux codeurs n'ont employé qu'une catégorie : kappa n'est pas défini")
    table = np.zeros((k, k))
    np.add.at(table, (codes[0], codes[1]), 1.0)
    table /= table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    i, j = np.indices((k, k))
    w = {
        None: (i != j).astype(float),
        "linear": np.abs(i - j).astype(float),
        "quadratic": ((i - j) ** 2).astype(float),
    }[weights]
    observed_dis = (w * table).sum()
    expected_dis = (w * expected).sum()
    kappa = 1.0 - observed_dis / expected_dis if expected_dis else math.nan
    label = {None: "non pondéré", "linear": "pondération linéaire", "quadratic": "pondération quadratique"}[weights]
    return ReliabilityResult(
        statistic=float(kappa),
        n=int(a.size),
        method="Kappa de Cohen",
        level=label,
        n_coders=2,
        n_values=int(2 * a.size),
        observed_disagreement=float(observed_dis),
        expected_disagreement=float(expected_dis),
    )
