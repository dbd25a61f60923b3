"""Machine formatting of the committed CSV tables (not for readers: see :mod:`odas_analysis.french`).

The committed tables must be byte-identical from one build to the next: numbers are
written with :func:`csv_number` (a point as decimal mark, no grouping, the shortest
text that reads back to the same float) and tables with :func:`csv_text` (``"\\n"``
line ends, minimal quoting, columns in a fixed order).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence


def csv_number(value: float | int | None, decimals: int | None = None) -> str:
    """A number as written in a machine-readable CSV, the same way on every run.

    Missing -> ``""``; rounded to ``decimals`` when given; integral values without a
    decimal point; others as the shortest text that reads back to the same float.
    """
    if value is None:
        return ""
    x = float(value)
    if math.isnan(x):
        return ""
    if decimals is not None:
        x = round(x, decimals)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def csv_text(rows: Iterable[Mapping[str, str]], columns: Sequence[str]) -> str:
    """CSV text of ``rows`` (dicts of strings) with ``columns`` in this order; absent keys empty."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


def csv_rows(rows: Iterable[Sequence[object]], header: Sequence[str]) -> str:
    """CSV text of ``rows`` (sequences, ``None`` written empty) under ``header``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()
