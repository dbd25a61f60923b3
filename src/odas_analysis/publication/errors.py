"""The report's one error, :class:`ReportError` (one line per problem), with participant names masked.

A problem line may quote a column header, a cell or a run's error, and so a name of the
private overlay; the message ends up on a terminal and in CI logs. Every message is
therefore passed through the disclosure module's masking API,
:class:`odas_analysis.disclosure.names.NameMask` (the names check's own rules and the
overlay's allow list).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import OdasError


def _overlay_mask() -> Any:
    """The mask of the private overlay's names (nothing masked without an overlay or when it is unreadable)."""
    from .. import config

    if config.private_data_dir() is None:
        return None
    from ..disclosure.names import NameMask

    try:
        return NameMask.from_overlay()
    except (OSError, ValueError, OdasError):  # an unreadable overlay must not hide the report's problem
        return None


class ReportError(OdasError):
    """The report cannot be built; ``problems`` holds one line per problem, names masked."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        mask = _overlay_mask()
        if mask:
            message = mask.text(message)
            problems = [mask.text(p) for p in problems]
        self.problems = list(problems)
        text = message + ("\n" + "\n".join(f"  - {p}" for p in self.problems) if self.problems else "")
        super().__init__(text)


__all__ = ["ReportError"]
