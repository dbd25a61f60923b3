"""Benchmark: exact Spearman test, odas_analysis.stats.exact against scipy's full enumeration.

Runs both on the same data with ties (n = 8, 9, 10, 11), prints the two times and their
ratio, and asserts that the p-values are equal. scipy enumerates the n! re-pairings
(``permutation_test(..., permutation_type='pairings', n_resamples=np.inf)``); at n = 11
that is 39,916,800 permutations and takes minutes, ours counts the distribution of the
rank-sum statistic by dynamic programming.

Usage::

    .venv/bin/python bench/bench_exact.py            # n = 8, 9, 10, 11
    .venv/bin/python bench/bench_exact.py 8 9        # chosen sizes only

No timing is asserted anywhere in the test suite; this script only reports.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import stats

from odas_analysis import french
from odas_analysis.stats import exact


def site_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic site-level data with ties in both variables."""
    rng = np.random.default_rng(20150 + n)
    x = np.round(rng.normal(50, 15, n), 0)
    x[1] = x[0]  # a tie in x
    y = np.round(0.04 * x + rng.normal(0, 1, n), 0)  # coarse scale: several ties in y
    return x, y


def scipy_spearman_pvalue(x: np.ndarray, y: np.ndarray, alternative: str = "two-sided") -> float:
    """scipy's exact p-value: all n! re-pairings of y, statistic = Spearman's rho."""
    rx = stats.rankdata(x)
    rx_c = rx - rx.mean()

    def rho(y_perm, axis=-1):
        ry = stats.rankdata(y_perm, axis=axis)
        ry_c = ry - ry.mean(axis=axis, keepdims=True)
        return (ry_c * rx_c).sum(axis=axis) / np.sqrt((rx_c**2).sum() * (ry_c**2).sum(axis=axis))

    res = stats.permutation_test(
        (y,),
        rho,
        permutation_type="pairings",
        n_resamples=np.inf,
        alternative=alternative,
        vectorized=True,
        batch=200_000,
    )
    return float(res.pvalue)


def main(sizes: list[int]) -> None:
    print(f"{'n':>3} {'nous (s)':>10} {'scipy (s)':>10} {'rapport':>9}  p-valeur")
    for n in sizes:
        x, y = site_data(n)
        assert abs(stats.spearmanr(x, y).statistic - exact.spearman(x, y).statistic) < 1e-12
        t0 = time.perf_counter()
        ours = exact.spearman(x, y).pvalue
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = scipy_spearman_pvalue(x, y)
        t_ref = time.perf_counter() - t0
        assert abs(ours - ref) <= 1e-12 * max(1.0, ref), (n, ours, ref)
        print(
            f"{n:>3} {french.number(t_ours, 4):>10} {french.number(t_ref, 2):>10} {french.number(t_ref / t_ours, 0):>9}  "
            f"{french.number(ours, 12)} (identiques)",
            flush=True,
        )


def main_grid(sizes: tuple[int, ...] = (20, 30)) -> None:
    """Grid-like data (four levels, as the 0-3 assessment grid): the counting states stay few whatever n."""
    rng = np.random.default_rng(2019)
    print(f"\n{'n':>3} {'états':>8} {'durée (s)':>10}  p-valeur (données à quatre niveaux)")
    for n in sizes:
        x = rng.integers(0, 4, n).astype(float)
        y = np.clip(x + rng.integers(-1, 2, n), 0, 3).astype(float)
        t0 = time.perf_counter()
        p = exact.spearman(x, y, alternative="greater").pvalue
        states = min(exact.dp_states(x), exact.dp_states(y))
        print(
            f"{n:>3} {french.integer(states):>8} {french.number(time.perf_counter() - t0, 2):>10}  {french.p_value(p)}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [8, 9, 10, 11])
    main_grid()
