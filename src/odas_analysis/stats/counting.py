"""Exact permutation distributions of rank statistics, counted by dynamic programming.

See :mod:`odas_analysis.stats.exact` for the method; this module only counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

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


def dp_states(scores: np.ndarray) -> int:
    """Number of states of the counting: the multisets of one variable's values already placed."""
    return math.prod(int(c) + 1 for c in np.unique(scores, return_counts=True)[1])


def _arrangements(scores: np.ndarray) -> int:
    """Distinct orders of the values of ``scores``: ``n! / prod(c!)`` over the tie counts."""
    counts = np.unique(scores, return_counts=True)[1]
    return math.factorial(int(scores.size)) // math.prod(math.factorial(int(c)) for c in counts)


def _group_moves(states, dist_rows_dtype, group, x_value, y_values, y_counts, kind):
    """The transitions that place one group of tied ``x`` values, as (rows, weights, shifts, d) arrays."""
    moves = []
    for d in _bounded_compositions(group, y_counts.tolist()):
        d_arr = np.asarray(d, dtype=np.int64)
        rows = np.flatnonzero(np.all(states + d_arr <= y_counts, axis=1))
        if rows.size == 0:
            continue
        src = states[rows]
        # distinct value orders inside the group: the multinomial coefficient group! / prod(d!)
        weight = math.factorial(group) // math.prod(math.factorial(int(k)) for k in d)
        weights = np.full(rows.size, weight, dtype=dist_rows_dtype)
        if kind == "spearman":
            shifts = np.full(rows.size, x_value * int(d_arr @ y_values), dtype=np.int64)
        else:
            below = np.cumsum(src, axis=1) - src
            above = src.sum(axis=1, keepdims=True) - np.cumsum(src, axis=1)
            shifts = (below - above) @ d_arr
        moves.append((rows, src + d_arr, weights, shifts))
    return moves


def _rank_statistic_distribution(x_scores: np.ndarray, y_scores: np.ndarray, kind: str) -> tuple[int, list[int]]:
    """Count the distinct re-orderings of ``y`` by value of an integer rank statistic.

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
        ``counts[k]`` (a Python integer, exact) is the number of distinct orders of the
        values of ``y`` (``n! / prod(c!)`` in all, ``c`` the tie counts of ``y``; each
        stands for the same number of the ``n!`` permutations) with ``S = k - offset``.
        Counts are kept in 64-bit integers when their total fits, in Python integers
        otherwise, so they never overflow.
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
    total = _arrangements(y_scores)
    dtype = np.int64 if total < 2**62 else object
    radix = np.cumprod(np.concatenate(([1], y_counts[:-1] + 1))).astype(np.int64)
    states = np.zeros((1, m), dtype=np.int64)
    dist = np.zeros((1, width), dtype=dtype)
    dist[0, offset] = 1
    for x_value, group in zip(x_values.tolist(), x_groups.tolist()):
        moves = _group_moves(states, dtype, group, x_value, y_values, y_counts, kind)
        new_keys = np.unique(np.concatenate([dest @ radix for _, dest, _, _ in moves]))
        new_dist = np.zeros((new_keys.size, width), dtype=dtype)
        for rows, dest_states, weights, shifts in moves:
            dest = np.searchsorted(new_keys, dest_states @ radix)
            for shift in np.unique(shifts).tolist():
                sel = shifts == shift
                block = dist[rows[sel]] * weights[sel, None]
                if shift >= 0:
                    new_dist[dest[sel], shift:] += block[:, : width - shift]
                else:
                    new_dist[dest[sel], : width + shift] += block[:, -shift:]
        dist = new_dist
        states = (new_keys[:, None] // radix) % (y_counts + 1)
    counts = [int(v) for v in dist.sum(axis=0).tolist()]
    if sum(counts) != total:  # pragma: no cover - internal invariant
        raise RuntimeError("permutation count does not add up to n! / prod(c!)")
    return offset, counts
