"""One batch at a time per output root: an exclusive ``flock`` on ``build/.batch.lock``.

The lock is held by the open file, so the kernel releases it when the batch ends for
whatever reason (even SIGKILL): a lock is never left behind. Its content says who holds
it (process id and start time), so that a second batch on the same root refuses at once
with a message naming the holder. The file is written in place (never renamed): a
rename would give the next batch another inode, and both would then hold "the" lock.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .. import files, french
from ..errors import OdasError


class BatchLockedError(OdasError):
    """Another batch holds the output root."""


def _holder(fd: int) -> str:
    """Who holds the lock, in French, from the lock file's content."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        started = _dt.datetime.fromisoformat(info["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return "processus inconnu"
    return f"processus {info.get('pid', '?')}, démarré le {french.date(started.date())} à {started:%H:%M:%S}"


@contextlib.contextmanager
def hold(lock_path: Path, root: Path) -> Iterator[None]:
    """Hold the batch lock of ``root`` (file ``lock_path``) for the duration of the block.

    Raises
    ------
    BatchLockedError
        At once (no waiting) when another process holds it; the message names it.
    """
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise BatchLockedError(
            f"une autre exécution du lot utilise déjà {files.display_path(root)} ({holder}) : "
            "attendez qu'elle se termine, ou arrêtez-la, puis relancez"
        ) from None
    try:
        started = _dt.datetime.now().replace(microsecond=0).isoformat()
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "started": started}).encode("utf-8"), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)
