"""Participant names masked in what the batch prints and records (progress, errors, manifest).

The mask is the disclosure module's one masking API,
:class:`odas_analysis.disclosure.names.NameMask` (the names check's own rules and the
overlay's allow list). Without a private overlay there is no name: :func:`NameMask`
returns :data:`NO_NAMES` and imports nothing (pandas stays out of the skip path).
"""

from __future__ import annotations

from typing import Any

from .. import config


class _NoNames:
    """The mask when there is no private overlay: false, and every value comes back unchanged."""

    def __bool__(self) -> bool:
        return False

    def text(self, text: str) -> str:
        return text

    def __call__(self, value: Any) -> Any:
        return value


NO_NAMES = _NoNames()


def NameMask(private_dir=None) -> Any:  # noqa: N802 - reads as the mask it builds
    """The mask of the private overlay's names (``private_dir``, default ``ODAS_PRIVATE_DATA``)."""
    base = private_dir if private_dir is not None else config.private_data_dir()
    if base is None:
        return NO_NAMES
    from ..disclosure.names import NameMask as Mask

    return Mask.from_overlay(base)
