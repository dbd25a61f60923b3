"""Shared fixtures: where the project and the shared (read-only) material live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from odas_analysis.config import PROJECT_ROOT

SHARED_DIR = Path(os.environ.get("ODAS_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the clone (CI lays it there), or skip with the reason."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared material not found at {SHARED_DIR} (set ODAS_SHARED_DIR)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def national_dir() -> Path:
    """The national files (``ODAS_NATIONAL_DATA``; the Makefile and CI point it at ``../shared/data``), or skip."""
    from odas_analysis.config import NATIONAL_DATA_ENV

    value = os.environ.get(NATIONAL_DATA_ENV, "")
    if not value or not Path(value).is_dir():
        pytest.skip(
            f"{NATIONAL_DATA_ENV} is not set to a directory: territory profiles, pages and tables need the national files"
        )
    return Path(value)
