"""Exceptions raised by odas-analysis.

Every error names what was wrong and where (file, row, column, parameter), so that a
researcher can fix the input without reading the code.
"""

from __future__ import annotations


class OdasError(Exception):
    """Base class of every error the project raises on purpose."""


class DataValidationError(OdasError):
    """A data table broke a rule of its descriptor.

    ``problems`` holds one human-readable line per broken rule.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        full = message
        if self.problems:
            full += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full)


class NationalDataUnavailable(OdasError):
    """A national source file is needed but no national data directory was provided."""


class ParameterError(OdasError, ValueError):
    """A parameter (site id, hypothesis id, option) is not one of the accepted values."""
