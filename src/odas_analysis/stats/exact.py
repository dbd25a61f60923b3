"""Exact tests for a handful of sites.

With eleven sites, asymptotic p-values are wrong and resampling adds noise for no
reason: every permutation can be counted. This module gives exact permutation tests of
association (Spearman's rho, Kendall's tau-b, a difference in means), Fisher's and
Boschloo's tests for 2×2 tables, effect sizes with an interval, and Holm's adjustment.

Notebook use, one line::

    from odas_analysis.stats import exact
    exact.spearman(x, y).summary()

How the permutation distributions are computed
----------------------------------------------
The p-value of the permutation test of association is the share of the ``n!``
re-pairings of ``y`` against the fixed ``x`` whose statistic is at least as extreme as
the observed one: exactly what ``scipy.stats.permutation_test(..., permutation_type=
'pairings', n_resamples=np.inf)`` enumerates. Spearman's rho is an increasing affine
function of the rank-sum ``S = sum_i a_i * b_pi(i)`` (``a``, ``b`` the mid-ranks, so ties
are handled), and Kendall's tau-b of ``S = n_concordant - n_discordant`` (its
denominator does not change under permutation). Both ``S`` are integers once the
mid-ranks are doubled, so their distribution over the ``n!`` permutations is counted by
dynamic programming over the *multiset* of ``y`` values already placed, processing the
groups of tied ``x`` values in order (a state is how many copies of each distinct ``y``
value are used; a transition places a group and multiplies by the number of ways).
At ``n = 11`` without ties that is 2,048 states instead of 39,916,800 orders.

Ties of the statistic with its observed value are decided on the integer ``S``, which is
exact. scipy compares floating statistics with a relative tolerance of 100 machine
epsilons (``null >= observed - 100 * eps * |observed|``) so that permutations whose
statistic is theoretically equal to the observed one are counted despite rounding; the
two rules agree because distinct values of ``S`` map to statistics that differ by far
more than that tolerance. (The one case where scipy itself can miscount is an observed
statistic of exactly zero, where its tolerance is zero; the integer rule is right there.)

The difference in means is tested over the ``C(n, n1)`` splits of the pooled values into
groups of the observed sizes (scipy's ``permutation_type='independent'``); ties with the
observed value use scipy's relative tolerance.

The two-sided p-value follows scipy: twice the smaller one-sided p-value, capped at 1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.special import ndtri

from .. import french
from ..errors import ParameterError
from ._common import (
    ALTERNATIVES_FR,
    as_vector,
    check_alternative,
    check_level,
    check_n_cases,
)

__all__ = [
    "ExactResult",
    "HolmResult",
    "spearman",
    "kendall",
    "mean_difference",
    "fisher",
    "boschloo",
    "holm",
    "MAX_EXACT_N",
]

#: Largest number of cases for which the exact rank tests are computed (at n = 16 without
#: ties the counting takes a few seconds; the study has eleven sites).
MAX_EXACT_N = 16

#: Largest number of group splits enumerated by :func:`mean_difference`.
MAX_SPLITS = 2_000_000

#: Relative tolerance scipy uses to count null statistics equal to the observed one.
SCIPY_RELATIVE_TOLERANCE = 100 * np.finfo(float).eps


@dataclass(frozen=True)
class ExactResult:
    """Result of one exact test.

    Attributes
    ----------
    statistic
        The test statistic (rho, tau-b, difference in means, odds ratio...).
    pvalue
        The exact p-value.
    n
        Number of cases (sites) used; for a 2×2 table, the table total.
    method
        Name of the test, in French, as it appears in reports.
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    statistic_name
        Short symbol of the statistic (``"rho"``, ``"tau_b"``...).
    estimate
        Effect size.
    ci
        ``(low, high)`` confidence interval of the effect size (two-sided).
    confidence_level
        Level of ``ci``.
    effect_name
        Short symbol of the effect size.
    ci_method
        How ``ci`` was obtained, in French.
    null_distribution
        For the permutation tests, ``(values, probabilities)`` of the statistic's exact
        null distribution; ``None`` otherwise.
    """

    statistic: float
    pvalue: float
    n: int
    method: str
    alternative: str
    statistic_name: str
    estimate: float
    ci: tuple[float, float]
    confidence_level: float
    effect_name: str
    ci_method: str
    null_distribution: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def summary(self) -> str:
        """One paragraph in French for a report.

        Example: ``"Corrélation de Spearman, test exact par permutation (bilatéral) :
        rho = 0,618 ; p = 0,031 ; n = 11. Taille d'effet : rho = 0,618, IC 95 %
        [0,041 ; 0,889] (transformation z de Fisher, erreur type de Bonett et Wright)."``
        """
        head = (
            f"{self.method} ({ALTERNATIVES_FR[self.alternative]}) : "
            f"{self.statistic_name} = {french.number(self.statistic, 3)} ; {french.p_value(self.pvalue)} ; "
            f"n = {self.n}."
        )
        effect = (
            f" Taille d'effet : {self.effect_name} = {french.number(self.estimate, 3)}, "
            f"{french.interval(self.ci[0], self.ci[1], 3, level=self.confidence_level)} ({self.ci_method})."
        )
        return head + effect

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.summary()


# ---------------------------------------------------------------------------
# Exact permutation distributions of rank statistics
# ---------------------------------------------------------------------------


def _integer_scores(values: np.ndarray) -> np.ndarray:
    """Mid-ranks of ``values`` as the smallest non-negative integers affine in them."""
    doubled = np.rint(2 * stats.rankdata(values)).astype(np.int64)
    doubled -= doubled.min()
    divisor = int(np.gcd.reduce(doubled)) if doubled.any() else 1
    return doubled // divisor


def _bounded_compositions(total: int, bounds: Sequence[int]) -> list[tuple[int, ...]]:
    """All vectors ``d`` with ``sum(d) == total`` and ``0 <= d[j] <= bounds[j]``."""
    out: list[tuple[int, ...]] = []

    def extend(prefix: list[int], j: int, left: int) -> None:
        if j == len(bounds) - 1:
            if left <= bounds[j]:
                out.append(tuple(prefix + [left]))
            return
        for k in range(min(left, bounds[j]) + 1):
            extend(prefix + [k], j + 1, left - k)

    extend([], 0, total)
    return out


def _rank_statistic_distribution(x_scores: np.ndarray, y_scores: np.ndarray, kind: str) -> tuple[int, np.ndarray]:
    """Count the permutations of ``y`` by value of an integer rank statistic.

    Parameters
    ----------
    x_scores, y_scores
        Non-negative integer scores (affine in the mid-ranks).
    kind
        ``"spearman"`` for ``S = sum_i x_i * y_pi(i)``; ``"kendall"`` for
        ``S = sum_{i<j} sign(x_i - x_j) * sign(y_pi(i) - y_pi(j))``.

    Returns
    -------
    offset, counts
        ``counts[k]`` is the number of the ``n!`` permutations with ``S = k - offset``.
    """
    n = x_scores.size
    x_values, x_groups = np.unique(x_scores, return_counts=True)
    y_values, y_counts = np.unique(y_scores, return_counts=True)
    m = y_values.size
    if kind == "spearman":
        offset = 0
        width = int(np.sort(x_scores) @ np.sort(y_scores)) + 1
    else:
        offset = n * (n - 1) // 2
        width = 2 * offset + 1
    radix = np.cumprod(np.concatenate(([1], y_counts[:-1] + 1))).astype(np.int64)
    comb = np.array([[math.comb(a, b) for b in range(n + 1)] for a in range(n + 1)], dtype=np.int64)

    states = np.zeros((1, m), dtype=np.int64)
    dist = np.zeros((1, width), dtype=np.int64)
    dist[0, offset] = 1
    for x_value, group in zip(x_values.tolist(), x_groups.tolist()):
        moves = []
        for d in _bounded_compositions(group, y_counts.tolist()):
            d_arr = np.asarray(d, dtype=np.int64)
            rows = np.flatnonzero(np.all(states + d_arr <= y_counts, axis=1))
            if rows.size == 0:
                continue
            src = states[rows]
            weights = math.factorial(group) * np.prod(comb[y_counts - src, d_arr], axis=1)
            if kind == "spearman":
                shifts = np.full(rows.size, x_value * int(d_arr @ y_values), dtype=np.int64)
            else:
                below = np.cumsum(src, axis=1) - src
                above = src.sum(axis=1, keepdims=True) - np.cumsum(src, axis=1)
                shifts = (below - above) @ d_arr
            moves.append((rows, (src + d_arr) @ radix, weights, shifts))
        new_keys = np.unique(np.concatenate([keys for _, keys, _, _ in moves]))
        new_dist = np.zeros((new_keys.size, width), dtype=np.int64)
        for rows, keys, weights, shifts in moves:
            dest = np.searchsorted(new_keys, keys)
            for shift in np.unique(shifts).tolist():
                sel = shifts == shift
                block = dist[rows[sel]] * weights[sel, None]
                if shift >= 0:
                    new_dist[dest[sel], shift:] += block[:, : width - shift]
                else:
                    new_dist[dest[sel], : width + shift] += block[:, -shift:]
        dist = new_dist
        states = (new_keys[:, None] // radix) % (y_counts + 1)
    counts = dist.sum(axis=0)
    if int(counts.sum()) != math.factorial(n):  # pragma: no cover - internal invariant
        raise RuntimeError("permutation count does not add up to n!")
    return offset, counts


def _tail_pvalues(counts: np.ndarray, index: int, total: int) -> dict[str, float]:
    """One- and two-sided p-values from exact counts, the observed value at ``index``."""
    greater = int(counts[index:].sum()) / total
    less = int(counts[: index + 1].sum()) / total
    return {"greater": greater, "less": less, "two-sided": min(1.0, 2 * min(greater, less))}


def _check_pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    xa = as_vector(x, "x", min_cases=0)
    ya = as_vector(y, "y", min_cases=0)
    if xa.size != ya.size:
        raise ParameterError(f"x has {xa.size} values and y has {ya.size}: expected one value per site in each")
    check_n_cases(xa.size, "x and y")
    for name, arr in (("x", xa), ("y", ya)):
        if np.all(arr == arr[0]):
            raise ParameterError(f"{name} is constant ({arr[0]!r} at every site): no association can be tested")
    if xa.size > MAX_EXACT_N:
        raise ParameterError(
            f"{xa.size} cases: the exact test is computed for at most {MAX_EXACT_N} cases; "
            "use scipy.stats.permutation_test with random resamples for larger samples"
        )
    return xa, ya


def _fisher_z_interval(r: float, se: float, level: float) -> tuple[float, float]:
    if not np.isfinite(se):
        return (math.nan, math.nan)
    z = ndtri(0.5 + level / 2)
    with np.errstate(divide="ignore"):
        centre = np.arctanh(np.clip(r, -1.0, 1.0))
    return (float(np.tanh(centre - z * se)), float(np.tanh(centre + z * se)))


def _rank_test(x, y, alternative: str, confidence_level: float, kind: str) -> ExactResult:
    check_alternative(alternative)
    level = check_level(confidence_level)
    xa, ya = _check_pair(x, y)
    n = xa.size
    a = _integer_scores(xa)
    b = _integer_scores(ya)
    offset, counts = _rank_statistic_distribution(a, b, kind)
    support = np.flatnonzero(counts)
    if kind == "spearman":
        observed = int(a @ b)
        statistic = float(stats.spearmanr(xa, ya).statistic)
        # rho is the Pearson correlation of the scores, an affine function of S.
        values = (support - offset - n * a.mean() * b.mean()) / (n * a.std() * b.std())
        se = math.sqrt((1 + statistic**2 / 2) / (n - 3)) if n > 3 else math.inf
        ci_method = "transformation z de Fisher, erreur type de Bonett et Wright"
        method, name = "Corrélation de Spearman, test exact par permutation", "rho"
    else:
        sx = np.sign(xa[:, None] - xa[None, :])
        sy = np.sign(ya[:, None] - ya[None, :])
        observed = int(np.triu(sx * sy, 1).sum())
        statistic = float(stats.kendalltau(xa, ya).statistic)
        pairs = n * (n - 1) / 2
        tx = sum(c * (c - 1) / 2 for c in np.unique(xa, return_counts=True)[1])
        ty = sum(c * (c - 1) / 2 for c in np.unique(ya, return_counts=True)[1])
        values = (support - offset) / math.sqrt((pairs - tx) * (pairs - ty))
        se = math.sqrt(0.437 / (n - 4)) if n > 4 else math.inf
        ci_method = "transformation z de Fisher, erreur type de Fieller, Hartley et Pearson"
        method, name = "Tau-b de Kendall, test exact par permutation", "tau_b"
    total = math.factorial(n)
    pvalue = _tail_pvalues(counts, observed + offset, total)[alternative]
    return ExactResult(
        statistic=statistic,
        pvalue=pvalue,
        n=n,
        method=method,
        alternative=alternative,
        statistic_name=name,
        estimate=statistic,
        ci=_fisher_z_interval(statistic, se, level),
        confidence_level=level,
        effect_name=name,
        ci_method=ci_method,
        null_distribution=(values, counts[support] / total),
    )


def spearman(x, y, alternative: str = "two-sided", confidence_level: float = 0.95) -> ExactResult:
    """Exact permutation test of Spearman's rank correlation between two site variables.

    Parameters
    ----------
    x, y
        One value per site, same order; ties are allowed (mid-ranks).
    alternative
        ``"two-sided"``, ``"greater"`` (positive association) or ``"less"``.
    confidence_level
        Level of the interval around rho.

    Returns
    -------
    ExactResult
        ``statistic`` is rho (as ``scipy.stats.spearmanr``); ``pvalue`` is exact over
        the ``n!`` re-pairings of ``y`` and equals
        ``scipy.stats.permutation_test((y,), lambda y: spearmanr(x, y).statistic,
        permutation_type='pairings', n_resamples=np.inf, alternative=...)``.
        The interval is the Fisher z interval with the Bonett–Wright (2000) standard
        error ``sqrt((1 + rho**2 / 2) / (n - 3))``, always two-sided.

    Raises
    ------
    ParameterError
        Fewer than three sites, lengths that differ, a missing value, a constant
        variable, more than :data:`MAX_EXACT_N` sites, or an unknown ``alternative``.

    Examples
    --------
    >>> round(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]).pvalue, 4)  # twice 8 of the 120 re-pairings
    0.1333
    """
    return _rank_test(x, y, alternative, confidence_level, "spearman")


def kendall(x, y, alternative: str = "two-sided", confidence_level: float = 0.95) -> ExactResult:
    """Exact permutation test of Kendall's tau-b between two site variables.

    Parameters
    ----------
    x, y
        One value per site, same order; ties are allowed.
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    confidence_level
        Level of the interval around tau-b.

    Returns
    -------
    ExactResult
        ``statistic`` is tau-b (as ``scipy.stats.kendalltau``); ``pvalue`` is exact over
        the ``n!`` re-pairings of ``y`` (the same as ``scipy.stats.permutation_test``
        with ``permutation_type='pairings'``). The interval is the Fisher z interval with
        the Fieller–Hartley–Pearson (1957) standard error ``sqrt(0.437 / (n - 4))``
        (undefined, ``nan``, for fewer than five sites).

    Raises
    ------
    ParameterError
        As :func:`spearman`.
    """
    return _rank_test(x, y, alternative, confidence_level, "kendall")


# ---------------------------------------------------------------------------
# Difference in means
# ---------------------------------------------------------------------------


def _split_groups(values, groups, order):
    vals = as_vector(values, "values")
    labels = np.asarray(groups, dtype=object)
    if labels.ndim != 1 or labels.size != vals.size:
        raise ParameterError(
            f"groups has {labels.size} labels and values has {vals.size}: expected one group label per site"
        )
    missing = [i for i, lab in enumerate(labels) if lab is None or (isinstance(lab, float) and math.isnan(lab))]
    if missing:
        raise ParameterError(f"groups: missing label at position(s) {missing}")
    present = sorted(set(labels.tolist()), key=lambda v: (str(type(v)), v))
    if len(present) != 2:
        raise ParameterError(f"groups: expected exactly two groups, found {len(present)}: {present!r}")
    if order is None:
        order = (present[1], present[0])
    else:
        order = tuple(order)
        if len(order) != 2 or set(order) != set(present):
            raise ParameterError(f"order={order!r}: expected the two group labels {present!r} in some order")
    first = labels == order[0]
    return vals, first, order


def mean_difference(
    values,
    groups,
    alternative: str = "two-sided",
    order: Sequence | None = None,
    confidence_level: float = 0.95,
) -> ExactResult:
    """Exact permutation test of a difference in means between two groups of sites.

    Parameters
    ----------
    values
        One value per site.
    groups
        One group label per site; exactly two distinct labels.
    alternative
        ``"two-sided"``, ``"greater"`` (first group has the larger mean) or ``"less"``.
    order
        ``(first, second)``: the statistic is ``mean(first) - mean(second)``. By
        default the labels are sorted and the larger comes first, so that with 0/1 or
        False/True groups the statistic is ``mean(1) - mean(0)``.
    confidence_level
        Level of the interval around the difference.

    Returns
    -------
    ExactResult
        ``pvalue`` is exact over the ``C(n, n1)`` splits of the pooled values into groups
        of the observed sizes, as ``scipy.stats.permutation_test((first, second),
        lambda a, b: a.mean() - b.mean(), n_resamples=np.inf)``. The interval is exact:
        it inverts the same permutation test under the shift model (the set of shifts
        ``delta`` for which neither one-sided test of ``first - delta`` against
        ``second`` rejects at ``(1 - level) / 2``); with too few splits a bound is
        infinite.

    Raises
    ------
    ParameterError
        Fewer than three sites, a missing value, not exactly two groups, a group of
        size zero, or more than :data:`MAX_SPLITS` splits.
    """
    check_alternative(alternative)
    level = check_level(confidence_level)
    vals, first, order = _split_groups(values, groups, order)
    n, n1 = vals.size, int(first.sum())
    n_splits = math.comb(n, n1)
    if n_splits > MAX_SPLITS:
        raise ParameterError(f"{n_splits} splits of {n} sites: more than the {MAX_SPLITS} enumerated exactly")
    splits = np.array(list(itertools.combinations(range(n), n1)), dtype=np.intp)
    member = np.zeros((n_splits, n), dtype=bool)
    np.put_along_axis(member, splits, True, axis=1)
    sums = member.astype(float) @ vals
    total_sum = vals.sum()
    null = sums / n1 - (total_sum - sums) / (n - n1)
    observed_row = int(np.flatnonzero((member == first).all(axis=1))[0])
    statistic = float(vals[first].mean() - vals[~first].mean())
    observed = null[observed_row]
    gamma = abs(SCIPY_RELATIVE_TOLERANCE * observed)
    greater = np.count_nonzero(null >= observed - gamma) / n_splits
    less = np.count_nonzero(null <= observed + gamma) / n_splits
    pvalue = {"greater": greater, "less": less, "two-sided": min(1.0, 2 * min(greater, less))}[alternative]

    # Test inversion under the shift model: statistic of split s at shift delta is
    # null[s] - delta * c[s], with c[s] the share of the first group inside s minus the
    # share of the first group outside it; the observed one is D - delta.
    in_first = member[:, first].sum(axis=1)
    c = in_first / n1 - (n1 - in_first) / (n - n1)
    others = np.arange(n_splits) != observed_row
    thresholds = np.sort((observed - null[others]) / (1 - c[others]))
    k = math.floor((1 - level) / 2 * n_splits)
    low = float(thresholds[k - 1]) if k >= 1 else -math.inf
    high = float(thresholds[-k]) if k >= 1 else math.inf
    values_sorted, inverse = np.unique(np.round(null, 12), return_inverse=True)
    probs = np.bincount(inverse, minlength=values_sorted.size) / n_splits
    return ExactResult(
        statistic=statistic,
        pvalue=pvalue,
        n=n,
        method=f"Différence de moyennes ({order[0]} − {order[1]}), test exact par permutation",
        alternative=alternative,
        statistic_name="d",
        estimate=statistic,
        ci=(low, high),
        confidence_level=level,
        effect_name="différence",
        ci_method="intervalle exact par inversion du test de permutation (modèle de translation)",
        null_distribution=(values_sorted, probs),
    )


# ---------------------------------------------------------------------------
# 2×2 tables
# ---------------------------------------------------------------------------


def _check_table(table) -> np.ndarray:
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"table: expected a 2×2 table of counts, got {table!r}") from exc
    if arr.shape != (2, 2):
        raise ParameterError(f"table: expected a 2×2 table of counts, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ParameterError(f"table: expected non-negative whole counts, got {arr.tolist()}")
    check_n_cases(int(arr.sum()), "table")
    if np.any(arr.sum(axis=0) == 0) or np.any(arr.sum(axis=1) == 0):
        raise ParameterError(f"table: a row or column total is zero ({arr.astype(int).tolist()}): nothing to compare")
    return arr.astype(np.int64)


def _table_result(arr: np.ndarray, res, level: float, alternative: str, method: str, name: str) -> ExactResult:
    """Wrap a scipy 2×2 test result, with the conditional odds ratio as effect size."""
    odds = stats.contingency.odds_ratio(arr, kind="conditional")
    ci = odds.confidence_interval(confidence_level=level)
    return ExactResult(
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        n=int(arr.sum()),
        method=method,
        alternative=alternative,
        statistic_name=name,
        estimate=float(odds.statistic),
        ci=(float(ci.low), float(ci.high)),
        confidence_level=level,
        effect_name="OR conditionnel",
        ci_method="intervalle exact conditionnel",
    )


def fisher(table, alternative: str = "two-sided", confidence_level: float = 0.95) -> ExactResult:
    """Fisher's exact test for a 2×2 table.

    Parameters
    ----------
    table
        2×2 counts, rows the exposure, columns the outcome.
    alternative
        As ``scipy.stats.fisher_exact``: ``"greater"`` tests an odds ratio above 1.
    confidence_level
        Level of the interval around the odds ratio.

    Returns
    -------
    ExactResult
        ``statistic`` is the sample odds ratio and ``pvalue`` the p-value of
        ``scipy.stats.fisher_exact``; the effect size is the conditional maximum
        likelihood odds ratio with its exact (Cornfield) interval from
        ``scipy.stats.contingency.odds_ratio(kind='conditional')``.
    """
    check_alternative(alternative)
    level = check_level(confidence_level)
    arr = _check_table(table)
    res = stats.fisher_exact(arr, alternative=alternative)
    return _table_result(arr, res, level, alternative, "Test exact de Fisher (tableau 2×2)", "OR")


def boschloo(table, alternative: str = "two-sided", confidence_level: float = 0.95, n: int = 32) -> ExactResult:
    """Boschloo's exact unconditional test for a 2×2 table.

    Parameters
    ----------
    table
        2×2 counts; as ``scipy.stats.boschloo_exact``, the two columns are the two
        independent samples and the first row the successes.
    alternative
        As ``scipy.stats.boschloo_exact``.
    confidence_level
        Level of the interval around the odds ratio.
    n
        Number of sampling points of the nuisance parameter (scipy's ``n``).

    Returns
    -------
    ExactResult
        ``statistic`` (Fisher's p-value used as the test statistic) and ``pvalue``
        from ``scipy.stats.boschloo_exact``; effect size as :func:`fisher`.
    """
    check_alternative(alternative)
    level = check_level(confidence_level)
    arr = _check_table(table)
    res = stats.boschloo_exact(arr, alternative=alternative, n=n)
    return _table_result(
        arr, res, level, alternative, "Test exact inconditionnel de Boschloo (tableau 2×2)", "p de Fisher"
    )


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
        raise ParameterError("pvalues: the family of hypotheses is empty")
    arr = np.asarray(raw, dtype=float)
    for label, p in zip(labels, arr):
        if not (0.0 <= p <= 1.0):
            raise ParameterError(f"pvalues[{label!r}] = {float(p)!r}: expected a probability between 0 and 1")
    if not 0.0 < alpha < 1.0:
        raise ParameterError(f"alpha={alpha!r}: expected a number strictly between 0 and 1")
    m = arr.size
    order = np.argsort(arr, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * arr[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return HolmResult(labels=labels, pvalues=arr, adjusted=adjusted, reject=adjusted <= alpha, alpha=alpha, n=m)
