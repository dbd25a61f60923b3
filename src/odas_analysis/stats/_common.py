"""Helpers shared by the statistics modules: input checks and French number formatting.

Everything a reader of a report sees is written in French with a decimal comma
("p = 0,031"); identifiers and error messages stay in English.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError

#: The smallest number of cases any test or analysis of this package accepts.
MIN_CASES = 3


def fr_number(value: float, digits: int = 3) -> str:
    """Format ``value`` with ``digits`` decimals and a decimal comma.

    Parameters
    ----------
    value
        The number; ``nan`` gives "NA", infinities give "-∞" / "+∞".
    digits
        Number of decimals.

    Returns
    -------
    str
        For example ``fr_number(0.0312)`` is ``"0,031"`` and ``fr_number(-1.5, 1)``
        is ``"-1,5"`` (a true minus sign is not used, so that the text can be searched).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    value = float(value)
    if math.isinf(value):
        return "+∞" if value > 0 else "-∞"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text.replace(".", ",")


def fr_pvalue(p: float) -> str:
    """Write a p-value the way the reports do: ``"p = 0,031"`` or ``"p < 0,001"``."""
    if p is None or math.isnan(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0,001"
    return f"p = {fr_number(p, 3)}"


def fr_interval(low: float, high: float, level: float, digits: int = 3) -> str:
    """Write a confidence interval: ``"IC 95 % [0,120 ; 0,870]"``."""
    pct = level * 100
    pct_text = fr_number(pct, 0) if float(pct).is_integer() else fr_number(pct, 1)
    return f"IC {pct_text} % [{fr_number(low, digits)} ; {fr_number(high, digits)}]"


ALTERNATIVES_FR = {
    "two-sided": "bilatéral",
    "greater": "unilatéral, H1 : supérieur",
    "less": "unilatéral, H1 : inférieur",
}


def check_alternative(alternative: str) -> str:
    """Return ``alternative`` if it is one of scipy's three names, else raise."""
    if alternative not in ALTERNATIVES_FR:
        raise ParameterError(
            f"alternative={alternative!r}: expected 'two-sided', 'greater' or 'less'"
        )
    return alternative


def check_level(confidence_level: float) -> float:
    """Return a confidence level strictly between 0 and 1, else raise."""
    level = float(confidence_level)
    if not 0.0 < level < 1.0:
        raise ParameterError(
            f"confidence_level={confidence_level!r}: expected a number strictly between 0 and 1"
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
        raise ParameterError(f"{name}: expected numbers, got {values!r}") from exc
    if arr.ndim != 1:
        raise ParameterError(f"{name}: expected a one-dimensional sequence, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ParameterError(
            f"{name}: missing or infinite value at position(s) {bad.tolist()}; "
            "drop those cases explicitly before testing"
        )
    check_n_cases(arr.size, name, min_cases)
    return arr


def check_n_cases(n: int, what: str, min_cases: int = MIN_CASES) -> None:
    """Raise if fewer than ``min_cases`` (default :data:`MIN_CASES`) cases are given."""
    if n < min_cases:
        raise ParameterError(f"{what}: {n} case(s) given, at least {min_cases} are needed")
