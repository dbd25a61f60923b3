"""What eleven sites can show: minimum detectable correlation and power of the composite test."""

from __future__ import annotations

import functools

import numpy as np
from scipy import stats

from .. import french
from ..stats import exact
from .rules import ALPHA

#: Number of hypotheses in Holm's family (H1-H5).
N_HYPOTHESES = 5
#: Latent (bivariate normal) correlation at which the power is stated.
POWER_AT = 0.5
#: Simulations of the power (fixed seed: the value is deterministic).
POWER_DRAWS = 20_000


@functools.lru_cache(maxsize=32)
def critical_rho(n: int = 11, alpha: float = ALPHA) -> float:
    """Smallest Spearman rho whose exact one-sided p-value is at most ``alpha`` (no ties)."""
    ranks = np.arange(n, dtype=float)
    values, probs = exact.spearman(ranks, ranks, alternative="greater").null_distribution
    tail = np.cumsum(probs[::-1])[::-1]  # P(rho >= value)
    return float(values[np.flatnonzero(tail <= alpha + 1e-12)[0]])


@functools.lru_cache(maxsize=32)
def power(n: int = 11, latent: float = POWER_AT, alpha: float = ALPHA) -> float:
    """Probability that the exact one-sided test rejects when the latent correlation is ``latent``.

    Bivariate normal draws (seed fixed), Spearman's rho against :func:`critical_rho`.
    """
    rng = np.random.default_rng(2019)
    cov = [[1.0, latent], [latent, 1.0]]
    draws = rng.multivariate_normal([0.0, 0.0], cov, size=(POWER_DRAWS, n))
    rx = stats.rankdata(draws[..., 0], axis=1)
    ry = stats.rankdata(draws[..., 1], axis=1)
    rho = 1 - 6 * ((rx - ry) ** 2).sum(axis=1) / (n * (n * n - 1))
    return float(np.mean(rho >= critical_rho(n, alpha) - 1e-12))


def power_sentence_fr(n: int = 11) -> str:
    """The sentence every verdict carries: what these data could have shown."""
    first_step = ALPHA / N_HYPOTHESES
    return (
        f"Ce que {n} sites permettent de voir : le test composite ne conclut que si rho atteint "
        f"{french.number(critical_rho(n, ALPHA), 3)} (unilatéral, 5 %), et "
        f"{french.number(critical_rho(n, first_step), 3)} au premier pas de la correction de Holm sur les cinq "
        f"hypothèses ; pour une corrélation latente de {french.number(POWER_AT, 1)}, il conclut "
        f"{french.number(100 * power(n, POWER_AT, ALPHA), 0)} fois sur 100 "
        f"({french.number(100 * power(n, POWER_AT, first_step), 0)} au premier pas de Holm), sans ex aequo ; "
        "les ex aequo de la grille la réduisent encore. "
        "« Non confirmée » veut donc souvent dire que ces données ne pouvaient pas le montrer, non que "
        "l'hypothèse est fausse."
    )
