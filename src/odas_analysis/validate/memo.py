"""Results derived from the project's tables, computed once per process and state of their files.

A site page asks for the same derived tables many times (``study.sites()`` dozens of
times, the site's territory profile once per table and figure). :func:`on_package`
caches such a function's result, keyed by its arguments and by the state (inode, size,
modification time) of every file of the data package: the descriptor, the schemas and
the tables. Any change to one of them, or a file written in the last two seconds
(:data:`~odas_analysis.files.RACY_NS`), computes the result again, so a
researcher who edits a CSV in JupyterLab sees the change at the next call.

Only for functions of the project's tables alone: not of the national files, nor of
the private fieldwork records, whose states are not in the key.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..files import file_state, files_state
from . import loading
from .descriptor import _shared_descriptor

F = TypeVar("F", bound=Callable[..., Any])

#: Entries kept per function before the oldest half is dropped.
MAX_ENTRIES = 512


def package_state(descriptor: Path | None = None) -> tuple[Any, ...] | None:
    """The state of every file of the data package, or None when one is absent or just written.

    By default the package :func:`~odas_analysis.validate.load_table` reads.
    """
    descriptor = descriptor or loading.DATAPACKAGE
    if file_state(descriptor) is None:  # absent or just written: not read
        return None
    data = _shared_descriptor(descriptor, None)
    return files_state([descriptor, *(Path(res["path"]) for res in data["resources"])])


def on_package(func: F) -> F:
    """Cache ``func`` per process, by arguments and :func:`package_state`; callers get a deep copy.

    The copy keeps the cache safe from a caller that modifies what it received (a
    DataFrame, a profile). Arguments must be hashable.
    """
    cache: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = package_state()
        if state is None:
            return func(*args, **kwargs)
        key = (args, tuple(sorted(kwargs.items())), state)
        if key not in cache:
            if len(cache) >= MAX_ENTRIES:
                for old in list(cache)[: MAX_ENTRIES // 2]:
                    del cache[old]
            cache[key] = func(*args, **kwargs)
        return copy.deepcopy(cache[key])

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
