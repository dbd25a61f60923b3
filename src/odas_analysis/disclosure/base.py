"""What every guard of disclosure control shares: the error, the threshold, the marks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import config
from ..errors import OdasError, ParameterError

#: Mark of a cell masked only so that a masked small count cannot be recomputed.
SECONDARY_MARK = "s"


class DisclosureError(OdasError):
    """A published output could identify a person (a name, a small count, free text).

    ``files`` lists the output files where a name was found (empty for other causes).
    """

    files: tuple[Path, ...] = ()


def threshold_value(threshold: int | None) -> int:
    """The threshold in force: ``threshold``, else ``ODAS_DISCLOSURE_THRESHOLD`` (default 3), checked."""
    value = config.disclosure_threshold() if threshold is None else threshold
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"threshold={threshold!r} : nombre entier d'au moins 1 attendu")
    return int(value)


def primary_mark(threshold: int | None = None) -> str:
    """How a masked small count is shown: ``"< 3"`` for the default threshold."""
    return f"< {threshold_value(threshold)}"
