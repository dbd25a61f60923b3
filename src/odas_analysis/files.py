"""Files, in one place: atomic writes, directory swaps, hashing, display paths, safe joins, file states.

Every module that writes a file a user or a cache will read goes through
:func:`write_bytes` / :func:`write_text` (a temporary file beside the target, then a
rename, so that no reader ever sees a half-written file) and every directory that is
replaced whole goes through :func:`replace_dir` (two renames). A path derived from an
identifier or a parameter is built with :func:`under`, which refuses to leave its root.
Whether a file changed is said by :func:`file_state`; a value computed from files is
kept per process by :class:`ByFileState` while their states hold.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from . import config
from .errors import ParameterError

CHUNK = 1 << 20
V = TypeVar("V")


#: A file modified less than this long ago is read again rather than trusted by its state:
#: file times are coarse (a few milliseconds), so two writes of the same size in one tick
#: would otherwise look alike (git's "racy" files).
RACY_NS = 2_000_000_000


def file_state(path: os.PathLike[str] | str) -> tuple[int, int, int] | None:
    """What says a file changed: inode, size and modification time.

    None when the file is absent, or too recent to be trusted (:data:`RACY_NS`): a cache
    keyed by file states keeps nothing for a state that is None.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - st.st_mtime_ns < RACY_NS:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def files_state(paths: Iterable[os.PathLike[str] | str]) -> tuple[tuple[str, tuple[int, int, int]], ...] | None:
    """``(path, file_state)`` of each of ``paths``, in order; None when one state is None."""
    stamp = []
    for path in paths:
        state = file_state(path)
        if state is None:
            return None
        stamp.append((str(path), state))
    return tuple(stamp)


class ByFileState(Generic[V]):
    """Values computed from files, kept in this process while every one of those files keeps its state.

    ``cache.get(key, paths, compute)`` returns the value stored under ``key`` when the
    :func:`files_state` of ``paths`` is the one it was computed with, else calls
    ``compute()``. A value computed while a file is absent or just written (state None)
    is returned but not kept. The states are taken before ``compute`` runs, so a file
    changed meanwhile is read again at the next call. With ``maxsize``, the oldest
    entries go first.
    """

    def __init__(self, maxsize: int | None = None) -> None:
        self.maxsize = maxsize
        self._entries: dict[Hashable, tuple[tuple, V]] = {}

    def get(self, key: Hashable, paths: Iterable[os.PathLike[str] | str], compute: Callable[[], V]) -> V:
        stamp = files_state(paths)
        if stamp is not None:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        value = compute()
        if stamp is not None:
            self._entries.pop(key, None)
            while self.maxsize is not None and len(self._entries) >= self.maxsize:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (stamp, value)
        return value

    def clear(self) -> None:
        """Forget every value (tests that rewrite files within two seconds use it)."""
        self._entries.clear()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read by chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def digest_files(paths: Iterable[os.PathLike[str] | str]) -> str:
    """Hex SHA-256 of the bytes of ``paths``, in that order (a digest of some source code, say)."""
    return sha256_bytes(b"".join(sha256_file(Path(p)).encode() for p in paths))


def display_path(path: Path | str) -> str:
    """A path as a reader should see it: relative to the project when inside it, POSIX form."""
    path = Path(path)
    try:
        return path.resolve().relative_to(config.PROJECT_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def under(root: Path, *parts: str) -> Path:
    """``root / parts`` resolved, refusing any result outside ``root`` (``..``, absolute parts, links).

    Raises
    ------
    ParameterError
        When the joined path would leave ``root``.
    """
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        joined = "/".join(parts)
        raise ParameterError(f"chemin refusé : « {joined} » sortirait de {display_path(base)}")
    return target


def write_bytes(path: Path, data: bytes, *, skip_unchanged: bool = True) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; return True if written.

    A reader never sees a half-written file; on any error (a full disk included) the
    temporary file is removed and the previous content of ``path`` is left as it was.
    With ``skip_unchanged``, a file that already holds ``data`` is not rewritten (its
    modification time stays, which keeps ``make`` and caches quiet).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if skip_unchanged:
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return False
        except FileNotFoundError:
            pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_text(path: Path, text: str, *, skip_unchanged: bool = True) -> bool:
    """:func:`write_bytes` of ``text`` in UTF-8, newlines as given."""
    return write_bytes(path, text.encode("utf-8"), skip_unchanged=skip_unchanged)


def move(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``, creating ``dst``'s parent."""
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


def replace_dir(src: Path, dst: Path) -> None:
    """Put directory ``src`` at ``dst``, replacing what was there with two renames."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    old = dst.with_name(f".{dst.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def write_tree(files: dict[str, bytes], out: Path) -> None:
    """Write ``files`` (relative path -> bytes) into a fresh directory, then swap it in at ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, data in sorted(files.items()):
            path = under(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
