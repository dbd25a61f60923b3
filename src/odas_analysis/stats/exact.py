"""Exact tests for a handful of sites.

With eleven sites, asymptotic p-values are wrong and resampling adds noise for no
reason: every permutation can be counted. This module gives exact permutation tests of
association (Spearman's rho, Kendall's tau-b, a difference in means), Fisher's and
Boschloo's tests for 2×2 tables, effect sizes with an interval, and Holm's adjustment.

Notebook use, one line: ``from odas_analysis.stats import exact; exact.spearman(x, y).summary()``.

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
groups of the observed sizes (scipy's ``permutation_type='independent'``). The difference
is an increasing function of the first group's sum, so ties with the observed value are
decided on the sums, with a tolerance relative to the values (:data:`SUM_RELATIVE_TOLERANCE`)
rather than to the observed difference: scipy's rule, relative to a difference that may be
nearly zero, misses ties there (a difference of 0.0025 against a rounding error of 8e-17).

The two-sided p-value follows scipy: twice the smaller one-sided p-value, capped at 1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .. import french
from ..errors import ParameterError
from ._common import (
    ALTERNATIVES_FR,
    as_vector,
    check_alternative,
    check_level,
    check_n_cases,
)
from .counting import _arrangements, _integer_scores, _rank_statistic_distribution, dp_states
from .intervals import _fisher_z_interval, _kendall_score_interval, kendall_null_variance
from .multiplicity import HolmResult, holm

__all__ = [
    "ExactResult",
    "HolmResult",
    "spearman",
    "kendall",
    "mean_difference",
    "fisher",
    "boschloo",
    "holm",
    "MAX_EXACT_STATES",
]

#: Largest number of counting states (multisets of the values of the variable with more
#: ties, ``prod(c + 1)`` over its tie counts ``c``) for which the exact rank tests run.
#: 2**16 is sixteen sites without ties (a few seconds); grid-like data with four levels
#: stay far below it at n = 30 (9 × 8 × 9 × 8 = 5,184 states).
MAX_EXACT_STATES = 2**16

#: Largest number of group splits enumerated by :func:`mean_difference`.
MAX_SPLITS = 2_000_000

#: Two sums of a group's values closer than this share of the sum of absolute values are
#: the same sum (:func:`mean_difference`): far above the rounding of a sum of a few dozen
#: terms (about 1e-15), far below any real difference between data recorded to a few decimals.
SUM_RELATIVE_TOLERANCE = 1e-9


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


def _tail_pvalues(counts: Sequence[int], index: int, total: int) -> dict[str, float]:
    """One- and two-sided p-values from exact integer counts, the observed value at ``index``."""
    greater = sum(counts[index:]) / total
    less = sum(counts[: index + 1]) / total
    return {"greater": greater, "less": less, "two-sided": min(1.0, 2 * min(greater, less))}


def _check_pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    xa = as_vector(x, "x", min_cases=0)
    ya = as_vector(y, "y", min_cases=0)
    if xa.size != ya.size:
        raise ParameterError(
            f"x a {xa.size} valeurs et y en a {ya.size} : une valeur par site est attendue dans chacun"
        )
    check_n_cases(xa.size, "x et y")
    for name, arr in (("x", xa), ("y", ya)):
        if np.all(arr == arr[0]):
            raise ParameterError(
                f"{name} est constant ({arr[0]!r} dans chaque site) : aucune association ne peut être testée"
            )
    states = min(dp_states(xa), dp_states(ya))
    if states > MAX_EXACT_STATES:
        raise ParameterError(
            f"{xa.size} cas : le test exact compte les permutations par états (multi-ensembles de valeurs déjà "
            f"placées), ici {states} états, au-delà de la limite MAX_EXACT_STATES = {MAX_EXACT_STATES} ; "
            "utiliser scipy.stats.permutation_test avec des tirages aléatoires pour un tel échantillon"
        )
    return xa, ya


@dataclass(frozen=True)
class _RankPieces:
    observed: int
    statistic: float
    values: np.ndarray
    ci: tuple[float, float]
    ci_method: str
    method: str
    name: str


def _spearman_pieces(xa, ya, a, b, support, offset, level) -> _RankPieces:
    n = xa.size
    statistic = float(stats.spearmanr(xa, ya).statistic)
    # rho is the Pearson correlation of the scores, an affine function of S.
    values = (support - offset - n * a.mean() * b.mean()) / (n * a.std() * b.std())
    se = math.sqrt((1 + statistic**2 / 2) / (n - 3)) if n > 3 else math.inf
    return _RankPieces(
        observed=int(a @ b),
        statistic=statistic,
        values=values,
        ci=_fisher_z_interval(statistic, se, level),
        ci_method="transformation z de Fisher, erreur type de Bonett et Wright",
        method="Corrélation de Spearman, test exact par permutation",
        name="rho",
    )


def _kendall_pieces(xa, ya, support, offset, level) -> _RankPieces:
    n = xa.size
    sx = np.sign(xa[:, None] - xa[None, :])
    sy = np.sign(ya[:, None] - ya[None, :])
    statistic = float(stats.kendalltau(xa, ya).statistic)
    pairs = n * (n - 1) / 2
    tx = sum(c * (c - 1) / 2 for c in np.unique(xa, return_counts=True)[1])
    ty = sum(c * (c - 1) / 2 for c in np.unique(ya, return_counts=True)[1])
    return _RankPieces(
        observed=int(np.triu(sx * sy, 1).sum()),
        statistic=statistic,
        values=(support - offset) / math.sqrt((pairs - tx) * (pairs - ty)),
        ci=_kendall_score_interval(statistic, kendall_null_variance(xa, ya), level),
        ci_method="inversion d'un test de score, variance exacte sous indépendance avec ex aequo",
        method="Tau-b de Kendall, test exact par permutation",
        name="tau_b",
    )


def _rank_test(x, y, alternative: str, confidence_level: float, kind: str) -> ExactResult:
    check_alternative(alternative)
    level = check_level(confidence_level)
    xa, ya = _check_pair(x, y)
    a = _integer_scores(xa)
    b = _integer_scores(ya)
    # the statistic is symmetric in x and y: count over the variable with fewer states
    if dp_states(b) <= dp_states(a):
        offset, counts = _rank_statistic_distribution(a, b, kind)
        total = _arrangements(b)
    else:
        offset, counts = _rank_statistic_distribution(b, a, kind)
        total = _arrangements(a)
    support = np.flatnonzero(counts)
    if kind == "spearman":
        pieces = _spearman_pieces(xa, ya, a, b, support, offset, level)
    else:
        pieces = _kendall_pieces(xa, ya, support, offset, level)
    pvalue = _tail_pvalues(counts, pieces.observed + offset, total)[alternative]
    return ExactResult(
        statistic=pieces.statistic,
        pvalue=pvalue,
        n=int(xa.size),
        method=pieces.method,
        alternative=alternative,
        statistic_name=pieces.name,
        estimate=pieces.statistic,
        ci=pieces.ci,
        confidence_level=level,
        effect_name=pieces.name,
        ci_method=pieces.ci_method,
        null_distribution=(pieces.values, np.array([counts[i] / total for i in support])),
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
        variable, more than :data:`MAX_EXACT_STATES` counting states, or an unknown ``alternative``.

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
        with ``permutation_type='pairings'``). The interval inverts a score-type test
        whose variance is Kendall's exact null variance with the observed ties, shrunk by
        ``(1 - tau0**2)**1.5`` (see :func:`_kendall_score_interval`): the Fisher z interval
        with Fieller's standard error, used before, covered 87-90 % at n = 11 with grid
        ties and gave ``[1, 1]`` for a perfect correlation.

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
            f"groups a {labels.size} étiquettes et values {vals.size} valeurs : une étiquette de groupe par site est attendue"
        )
    missing = [i for i, lab in enumerate(labels) if lab is None or (isinstance(lab, float) and math.isnan(lab))]
    if missing:
        raise ParameterError(f"groups : étiquette manquante en position(s) {missing}")
    present = sorted(set(labels.tolist()), key=lambda v: (str(type(v)), v))
    if len(present) != 2:
        raise ParameterError(f"groups : exactement deux groupes sont attendus, trouvé {len(present)} : {present!r}")
    if order is None:
        order = (present[1], present[0])
    else:
        order = tuple(order)
        if len(order) != 2 or set(order) != set(present):
            raise ParameterError(
                f"order={order!r} : les deux étiquettes de groupe {present!r} sont attendues, dans un ordre quelconque"
            )
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
    null = _split_null(vals, first)
    pvalue = _split_pvalues(null)[alternative]
    values_sorted, inverse = np.unique(np.round(null.differences, 12), return_inverse=True)
    probs = np.bincount(inverse, minlength=values_sorted.size) / null.n_splits
    return ExactResult(
        statistic=float(vals[first].mean() - vals[~first].mean()),
        pvalue=pvalue,
        n=int(vals.size),
        method=f"Différence de moyennes ({order[0]} − {order[1]}), test exact par permutation",
        alternative=alternative,
        statistic_name="d",
        estimate=float(vals[first].mean() - vals[~first].mean()),
        ci=_shift_interval(null, first, level),
        confidence_level=level,
        effect_name="différence",
        ci_method="intervalle exact par inversion du test de permutation (modèle de translation)",
        null_distribution=(values_sorted, probs),
    )


@dataclass(frozen=True)
class _SplitNull:
    """Every split of the sites into groups of the observed sizes, with its statistic."""

    member: np.ndarray  # splits × sites, True in the first group
    sums: np.ndarray  # sum of the first group's values
    differences: np.ndarray  # mean(first) - mean(second)
    observed_row: int
    tolerance: float  # two sums closer than this are the same sum
    n_splits: int


def _split_null(vals: np.ndarray, first: np.ndarray) -> _SplitNull:
    n, n1 = vals.size, int(first.sum())
    n_splits = math.comb(n, n1)
    if n_splits > MAX_SPLITS:
        raise ParameterError(
            f"{n_splits} partages de {n} sites : au-delà des MAX_SPLITS = {MAX_SPLITS} partages énumérés exactement"
        )
    splits = np.array(list(itertools.combinations(range(n), n1)), dtype=np.intp)
    member = np.zeros((n_splits, n), dtype=bool)
    np.put_along_axis(member, splits, True, axis=1)
    sums = member.astype(float) @ vals
    total_sum = float(vals.sum())
    # The difference is increasing in the first group's sum: ties are decided on the sums,
    # with a tolerance scaled to the values themselves (rounding of a sum of n terms), not
    # to the observed difference, which may be close to zero.
    tolerance = SUM_RELATIVE_TOLERANCE * max(float(np.abs(vals).sum()), np.finfo(float).tiny)
    return _SplitNull(
        member=member,
        sums=sums,
        differences=sums / n1 - (total_sum - sums) / (n - n1),
        observed_row=int(np.flatnonzero((member == first).all(axis=1))[0]),
        tolerance=tolerance,
        n_splits=n_splits,
    )


def _split_pvalues(null: _SplitNull) -> dict[str, float]:
    observed = null.sums[null.observed_row]
    greater = np.count_nonzero(null.sums >= observed - null.tolerance) / null.n_splits
    less = np.count_nonzero(null.sums <= observed + null.tolerance) / null.n_splits
    return {"greater": greater, "less": less, "two-sided": min(1.0, 2 * min(greater, less))}


def _shift_interval(null: _SplitNull, first: np.ndarray, level: float) -> tuple[float, float]:
    """Exact interval by inverting the permutation test under the shift model.

    The statistic of split s at shift delta is ``null[s] - delta * c[s]``, with ``c[s]``
    the share of the first group inside s minus the share of the first group outside it;
    the observed one is ``D - delta``.
    """
    n, n1 = first.size, int(first.sum())
    in_first = null.member[:, first].sum(axis=1)
    c = in_first / n1 - (n1 - in_first) / (n - n1)
    others = np.arange(null.n_splits) != null.observed_row
    observed = null.differences[null.observed_row]
    thresholds = np.sort((observed - null.differences[others]) / (1 - c[others]))
    k = math.floor((1 - level) / 2 * null.n_splits)
    low = float(thresholds[k - 1]) if k >= 1 else -math.inf
    high = float(thresholds[-k]) if k >= 1 else math.inf
    return (low, high)


# ---------------------------------------------------------------------------
# 2×2 tables
# ---------------------------------------------------------------------------


def _check_table(table) -> np.ndarray:
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"table : un tableau 2×2 d'effectifs est attendu, reçu {table!r}") from exc
    if arr.shape != (2, 2):
        raise ParameterError(f"table : un tableau 2×2 d'effectifs est attendu, reçu la forme {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ParameterError(f"table : des effectifs entiers positifs ou nuls sont attendus, reçu {arr.tolist()}")
    check_n_cases(int(arr.sum()), "table")
    if np.any(arr.sum(axis=0) == 0) or np.any(arr.sum(axis=1) == 0):
        raise ParameterError(
            f"table : un total de ligne ou de colonne est nul ({arr.astype(int).tolist()}) : rien à comparer"
        )
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
        2×2 counts, rows the exposure (first row exposed), columns the outcome (first
        column present): ``[[a, b], [c, d]]`` has the odds ratio ``a d / (b c)``. The
        same reading as :func:`boschloo`.
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
        2×2 counts read as :func:`fisher` reads them: rows the exposure (first row
        exposed), columns the outcome (first column present). The rows are therefore the
        two independent samples and the first column the successes; the table is
        transposed before ``scipy.stats.boschloo_exact``, which takes samples in columns.
    alternative
        As :func:`fisher`: ``"greater"`` tests a success proportion higher in the first
        row than in the second (an odds ratio above 1).
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
    res = stats.boschloo_exact(arr.T, alternative=alternative, n=n)
    return _table_result(
        arr, res, level, alternative, "Test exact inconditionnel de Boschloo (tableau 2×2)", "p de Fisher"
    )
