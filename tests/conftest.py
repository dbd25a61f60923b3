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
