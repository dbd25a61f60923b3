"""Peak memory of a batch's processes, sampled while it runs (for the benchmarks of bench/).

Roles, told apart by their place in the process tree below the leader:

worker
    a process of the local pool, or a Dask worker process of a LocalCluster;
zygote
    a kernel zygote (:mod:`odas_analysis.batch.zygote`);
kernel
    a kernel forked by a zygote, or launched by a worker.

For each role: the largest resident set (RSS) seen in one process. And the largest sum
over the whole tree of the unique set sizes (USS: the pages only that process holds, so
that the pages a forked kernel shares with its zygote are counted once), divided by the
number of workers: the memory one worker costs, kernels and its share of zygotes included.
"""

from __future__ import annotations

import threading

import psutil


class PeakMemory:
    """A thread sampling the leader's descendants every ``interval`` seconds."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self.leader = psutil.Process()
        self.peak_rss: dict[str, int] = {}
        self.peak_tree_uss = 0
        self.workers_seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _role(self, proc: psutil.Process, zygotes: set[int]) -> str:
        cmdline = " ".join(proc.cmdline())
        if "resource_tracker" in cmdline:
            return "other"  # multiprocessing's helper: not a part of the batch
        if "zygote_main" in cmdline and proc.ppid() not in zygotes:
            return "zygote"
        if proc.ppid() in zygotes or "ipykernel" in cmdline:
            return "kernel"
        return "worker"

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                children = self.leader.children(recursive=True)
            except psutil.Error:
                continue
            zygotes: set[int] = set()
            for proc in children:
                try:
                    if "zygote_main" in " ".join(proc.cmdline()):
                        zygotes.add(proc.pid)
                except psutil.Error:
                    pass
            total = 0
            for proc in children:
                try:
                    role = self._role(proc, zygotes)
                    info = proc.memory_full_info()
                except psutil.Error:
                    continue
                if role == "other":
                    continue
                if role == "worker":
                    self.workers_seen.add(proc.pid)
                self.peak_rss[role] = max(self.peak_rss.get(role, 0), info.rss)
                total += info.uss
            self.peak_tree_uss = max(self.peak_tree_uss, total)

    def summary(self, workers: int) -> dict[str, float]:
        """Peaks in MiB: per role (RSS of one process) and per worker (tree USS / workers)."""
        mib = 1024 * 1024
        out = {f"peak_rss_{role}_mib": round(value / mib, 1) for role, value in sorted(self.peak_rss.items())}
        out["peak_uss_per_worker_mib"] = round(self.peak_tree_uss / max(1, workers) / mib, 1)
        return out


#: How :func:`describe` names each role.
ROLE_NAMES = {"kernel": "noyau", "worker": "travailleur", "zygote": "zygote"}


def describe(summary: dict[str, float]) -> str:
    """:meth:`PeakMemory.summary` as the benchmarks print it, in French (MiB written ``Mio``)."""
    from odas_analysis import french

    roles = [
        f"{ROLE_NAMES[role]} {french.number(summary[f'peak_rss_{role}_mib'], 1)}"
        for role in ROLE_NAMES
        if f"peak_rss_{role}_mib" in summary
    ]
    per_worker = french.number(summary["peak_uss_per_worker_mib"], 1)
    return f"RSS maximal d'un processus (Mio) : {', '.join(roles)} ; mémoire propre par travailleur : {per_worker} Mio"
