"""The report's one error: :class:`ReportError`, with one line per problem."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import OdasError


class ReportError(OdasError):
    """The report cannot be built; ``problems`` holds one line per problem."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        self.problems = list(problems)
        text = message + ("\n" + "\n".join(f"  - {p}" for p in self.problems) if self.problems else "")
        super().__init__(text)


__all__ = ["ReportError"]
