"""Helpers shared by the statistics modules: input checks.

Numbers a reader sees are written by :mod:`odas_analysis.french`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError

#: The smallest number of cases any test or analysis of this package accepts.
MIN_CASES = 3


ALTERNATIVES_FR = {
    "two-sided": "bilatéral",
    "greater": "unilatéral, H1 : supérieur",
    "less": "unilatéral, H1 : inférieur",
}


def check_alternative(alternative: str) -> str:
    """Return ``alternative`` if it is one of scipy's three names, else raise."""
    if alternative not in ALTERNATIVES_FR:
        raise ParameterError(f"alternative={alternative!r} : valeurs possibles 'two-sided', 'greater' ou 'less'")
    return alternative


def check_level(confidence_level: float) -> float:
    """Return a confidence level strictly between 0 and 1, else raise."""
    level = float(confidence_level)
    if not 0.0 < level < 1.0:
        raise ParameterError(
            f"confidence_level={confidence_level!r} : un nombre strictement compris entre 0 et 1 est attendu"
        )
    return level


def as_vector(values: Sequence[float] | np.ndarray, name: str, min_cases: int = MIN_CASES) -> np.ndarray:
    """Convert one site-level variable to a 1-D float array with no missing value.

    Parameters
    ----------
    values
        A list, array or pandas Series.
    name
        The argument name, used in error messages.
    min_cases
        Smallest accepted length.

    Raises
    ------
    ParameterError
        If the values are not numeric, not one-dimensional, contain a missing or
        infinite value (the message names the positions), or are fewer than ``min_cases``.
    """
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} : des nombres sont attendus, reçu {values!r}") from exc
    if arr.ndim != 1:
        raise ParameterError(f"{name} : une suite à une dimension est attendue, reçu la forme {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ParameterError(
            f"{name} : valeur manquante ou infinie en position(s) {bad.tolist()} ; "
            "retirer explicitement ces cas avant le test"
        )
    check_n_cases(arr.size, name, min_cases)
    return arr


def check_n_cases(n: int, what: str, min_cases: int = MIN_CASES) -> None:
    """Raise if fewer than ``min_cases`` (default :data:`MIN_CASES`) cases are given."""
    if n < min_cases:
        raise ParameterError(f"{what} : {n} cas fourni(s), il en faut au moins {min_cases}")
