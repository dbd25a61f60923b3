"""Processes that die with the batch: workers, the zygote and the kernels never outlive their leader.

The chain is: the batch (leader) -> its workers and the zygote -> the kernels. Each
child asks the Linux kernel to signal it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``): a worker receives SIGTERM, whose handler kills the
kernels it started (their process groups) and exits; the zygote receives SIGKILL,
and so do the kernels forked from it. The leader itself stops its workers the same way
on Ctrl-C. Elsewhere than on Linux the workers' kernels still exit by themselves when
their parent goes (ipykernel's parent poller) and the zygote when its standard input
closes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

KERNELS: set[int] = set()
"""Process groups of the kernels this process started and has not discarded yet."""


def die_with_parent(parent_pid: int, signum: int = signal.SIGKILL) -> bool:
    """Have ``signum`` sent to this process when its parent dies; True if it could be arranged.

    If the parent already died before the request (the child was adopted), the signal
    is sent at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signum)
    return True


def kill_kernels() -> None:
    """Kill (SIGKILL) the process group of every kernel this process holds."""
    for pgid in list(KERNELS):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
        KERNELS.discard(pgid)


def _stop_worker(signum: int, _frame) -> None:
    kill_kernels()
    os._exit(128 + signum)


def worker_lifetime(leader_pid: int) -> None:
    """In a worker: ignore Ctrl-C (the leader decides), stop on SIGTERM, die with the leader."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    die_with_parent(leader_pid, signal.SIGTERM)
