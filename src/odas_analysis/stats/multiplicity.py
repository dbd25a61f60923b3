"""Holm's step-down adjustment of a family of p-values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .. import french
from ..errors import ParameterError

# ---------------------------------------------------------------------------
# Holm
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HolmResult:
    """Holm step-down adjustment of a family of p-values.

    Attributes
    ----------
    labels
        Hypothesis labels, in the order given.
    pvalues
        Raw p-values.
    adjusted
        Holm-adjusted p-values (``statistic`` and ``pvalue`` alias them).
    reject
        Whether each hypothesis is rejected at ``alpha`` after adjustment.
    alpha
        Family-wise error rate.
    n
        Number of hypotheses.
    method
        Name of the procedure, in French.
    """

    labels: tuple[str, ...]
    pvalues: np.ndarray
    adjusted: np.ndarray
    reject: np.ndarray
    alpha: float
    n: int
    method: str = "Ajustement de Holm (contrôle du risque global)"

    @property
    def statistic(self) -> np.ndarray:
        """The adjusted p-values."""
        return self.adjusted

    @property
    def pvalue(self) -> np.ndarray:
        """The adjusted p-values."""
        return self.adjusted

    def summary(self) -> str:
        """French summary: one line per hypothesis, raw and adjusted p-values."""
        lines = [f"{self.method}, {self.n} hypothèses, alpha = {french.number(self.alpha, 2)} :"]
        for label, raw, adj, rej in zip(self.labels, self.pvalues, self.adjusted, self.reject):
            verdict = "rejetée" if rej else "non rejetée"
            lines.append(f"- {label} : {french.p_value(raw)} ; p ajusté = {french.number(adj, 3)} ({verdict})")
        return "\n".join(lines)


def holm(pvalues: Sequence[float] | Mapping[str, float], alpha: float = 0.05) -> HolmResult:
    """Holm's step-down adjustment across a family of hypotheses.

    Parameters
    ----------
    pvalues
        The raw p-values, as a sequence or a mapping from hypothesis label to p-value.
    alpha
        Family-wise error rate for the ``reject`` flags.

    Returns
    -------
    HolmResult
        Adjusted p-values ``min(1, max_{j<=i} (m - j + 1) p_(j))`` in the original order
        (equal to ``statsmodels.stats.multitest.multipletests(method='holm')``).

    Raises
    ------
    ParameterError
        An empty family, or a p-value outside [0, 1] (the message names it).
    """
    if isinstance(pvalues, Mapping):
        labels = tuple(str(k) for k in pvalues)
        raw = list(pvalues.values())
    else:
        raw = list(pvalues)
        labels = tuple(f"H{i + 1}" for i in range(len(raw)))
    if not raw:
        raise ParameterError("pvalues : la famille d'hypothèses est vide")
    arr = np.asarray(raw, dtype=float)
    for label, p in zip(labels, arr):
        if not (0.0 <= p <= 1.0):
            raise ParameterError(f"pvalues[{label!r}] = {float(p)!r} : une probabilité entre 0 et 1 est attendue")
    if not 0.0 < alpha < 1.0:
        raise ParameterError(f"alpha={alpha!r} : un nombre strictement compris entre 0 et 1 est attendu")
    m = arr.size
    order = np.argsort(arr, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * arr[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return HolmResult(labels=labels, pvalues=arr, adjusted=adjusted, reject=adjusted <= alpha, alpha=alpha, n=m)
