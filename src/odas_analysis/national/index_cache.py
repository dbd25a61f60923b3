"""A copy on disk of the national index of :mod:`odas_analysis.national.profile`, named by what it depends on.

Reading and measuring the national files costs about a second and a half of CPU; a new
kernel (a page of the batch, a notebook opened in JupyterLab) would pay it again. The
index is therefore also kept in ``$ODAS_CACHE_DIR/territoire/`` (default
``build/cache/territoire/``), under a name that digests the national directory, the size
and modification time of each file read, and the source of the code that builds the
index: change any of them and the copy is simply not found, then rebuilt. A copy that
cannot be read is ignored; one that cannot be written is not an error.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from .. import files

PREFIX = "index-"


def cache_dir() -> Path:
    """``$ODAS_CACHE_DIR/territoire`` (see :data:`odas_analysis.config.CACHE_DIR`)."""
    from ..config import CACHE_DIR

    return CACHE_DIR / "territoire"


def _code_digest() -> str:
    from ..config import PACKAGE_DIR

    paths = sorted((PACKAGE_DIR / "national").rglob("*.py")) + [PACKAGE_DIR / "indicators.py"]
    return files.digest_files(paths)


def cache_path(directory: Path, state: tuple) -> Path:
    """Where the index of ``directory`` in file state ``state`` is kept."""
    key = files.sha256_bytes(json.dumps([str(directory), state, _code_digest()]).encode())
    return cache_dir() / f"{PREFIX}{key[:40]}.pickle"


def load(path: Path) -> Any | None:
    """The index kept at ``path``, or ``None`` when there is none or it cannot be read."""
    try:
        return pickle.loads(path.read_bytes())  # noqa: S301 - our own cache, named by a digest of its inputs
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def store(path: Path, index: Any) -> None:
    """Keep ``index`` at ``path`` (atomically) and remove the copies of older file states."""
    try:
        files.write_bytes(path, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        for old in path.parent.glob(f"{PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        return
