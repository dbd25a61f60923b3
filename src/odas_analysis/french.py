"""The one rule for every number a reader sees: French numbers, percentages, p-values, dates.

Everything shown to a person (notebook prose, verdict sentences, HTML tables, figure
ticks, the report, command-line messages) is written through this module, so that a
number looks the same wherever it appears:

- a decimal comma: ``0,031``;
- a narrow no-break space (U+202F, *espace fine insécable*) between thousands and
  before ``%`` and units: ``12 345,7``, ``25,0 %``;
- a true minus sign (U+2212): ``−1,50``; never ``−0,0``;
- a missing value written :data:`MISSING` (``n.d.``, non disponible); infinities ``+∞`` / ``−∞``.

Machine exports (CSV, XLSX) never go through this module: they keep numbers as numbers.

>>> number(12345.678, 1) == "12\\u202f345,7"
True
>>> number(-0.5, 2) == "\\u22120,50"
True
>>> p_value(0.0312)
'p = 0,031'
>>> p_value(0.0004)
'p < 0,001'
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

NNBSP = "\u202f"
"""Narrow no-break space: thousands separator, and the space before ``%`` and units."""

NBSP = "\u00a0"
"""No-break space: before ``:`` in French typography."""

MINUS = "\u2212"
"""The minus sign (not the hyphen)."""

MISSING = "n.d."
"""How a missing value is written (non disponible)."""

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def is_missing(value: Any) -> bool:
    """True for None, NaN, ``pandas.NA`` and ``NaT``."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except (TypeError, ValueError):
        return str(value) in {"<NA>", "NaT", "nan"}


def group_thousands(digits: str) -> str:
    """``"1234567"`` -> ``"1 234 567"`` with narrow no-break spaces."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return NNBSP.join(parts)


def number(value: Any, decimals: int = 0, *, sign: bool = False, unit: str | None = None) -> str:
    """Write a number the French way.

    Parameters
    ----------
    value
        An int, float, numpy or pandas scalar. ``None``/NaN/NA give :data:`MISSING`.
    decimals
        Digits after the decimal comma (Python's rounding of the binary value, as ``format``).
    sign
        Write ``+`` before positive numbers (for differences).
    unit
        Appended after a narrow no-break space (``"€"``, ``"hab."``, ``"%"``...).
    """
    if is_missing(value):
        return MISSING
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, not {decimals}")
    value = float(value)
    if math.isinf(value):
        text = "+∞" if value > 0 else MINUS + "∞"
    else:
        text = f"{value:,.{decimals}f}"
        if text.lstrip("-").strip("0,.") == "":
            text = text.lstrip("-")  # never "-0,0"
        elif sign and not text.startswith("-"):
            text = "+" + text
        text = text.replace(",", NNBSP).replace(".", ",").replace("-", MINUS)
    if unit:
        text = f"{text}{NNBSP}{unit}"
    return text


def integer(value: Any) -> str:
    """A count: ``35 747`` (narrow no-break space between thousands)."""
    return number(value, 0)


def percent(value: Any, decimals: int = 0, *, ratio: bool = True, sign: bool = False) -> str:
    """Write a percentage: ``12,5 %``; ``value`` is a ratio (0.125) unless ``ratio=False``."""
    if is_missing(value):
        return MISSING
    scaled = float(value) * 100.0 if ratio else float(value)
    return number(scaled, decimals, sign=sign, unit="%")


def p_value(p: Any, *, prefix: bool = True, decimals: int = 3) -> str:
    """Write a p-value: ``p = 0,031``, ``p < 0,001``; without prefix ``0,031``, ``< 0,001``."""
    if is_missing(p):
        text = MISSING
    elif float(p) < 10.0**-decimals:
        text = "< " + number(10.0**-decimals, decimals)
    else:
        text = number(p, decimals)
    if not prefix:
        return text
    return "p " + text if text.startswith("<") else "p = " + text


def interval(low: Any, high: Any, decimals: int = 3, *, level: float | None = None) -> str:
    """Write an interval: ``[0,120 ; 0,870]``, or ``IC 95 % [0,120 ; 0,870]`` with ``level``."""
    body = f"[{number(low, decimals)}{NNBSP}; {number(high, decimals)}]"
    if level is None:
        return body
    pct = float(level) * 100
    pct_text = number(pct, 0 if pct.is_integer() else 1)
    return f"IC {pct_text}{NNBSP}% {body}"


def date(value: _dt.date | str, *, long: bool = True) -> str:
    """Write a date: ``1er décembre 2026`` (long) or ``01/12/2026`` (short)."""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    if not long:
        return value.strftime("%d/%m/%Y")
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def duration(seconds: float) -> str:
    """Write an elapsed time for progress lines: ``0,4 s``, ``12 s``, ``2 min 05 s``."""
    if seconds < 10:
        return number(seconds, 1, unit="s")
    if seconds < 60:
        return number(seconds, 0, unit="s")
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}{NNBSP}min {rest:02d}{NNBSP}s"


_CSV_NUMBER = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?$")


def from_csv_text(text: str) -> str | None:
    """French form of a number written the CSV way (``-1234.50``), else ``None``.

    The number of decimals is kept as written: the export decided the precision. A
    digit string with a leading zero is a code, not a number.

    >>> from_csv_text("-1234.50") == "\\u22121\\u202f234,50"
    True
    >>> from_csv_text("abc") is None
    True
    """
    match = _CSV_NUMBER.match(text.strip())
    if not match:
        return None
    sign, whole, frac = match.groups()
    if len(whole) > 1 and whole.startswith("0"):
        return None
    body = group_thousands(whole) + ("," + frac if frac is not None else "")
    is_zero = set(whole + (frac or "")) <= {"0"}
    if sign == "-" and not is_zero:
        return MINUS + body
    if sign == "+" and not is_zero:
        return "+" + body
    return body


def tick_formatter(decimals: int = 0, *, as_percent: bool = False, ratio: bool = True):
    """A matplotlib tick formatter writing French numbers (or percentages)."""
    from matplotlib.ticker import FuncFormatter

    if as_percent:
        return FuncFormatter(lambda x, _pos: percent(x, decimals, ratio=ratio))
    return FuncFormatter(lambda x, _pos: number(x, decimals))
