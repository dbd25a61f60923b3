"""Where the batch's CPU goes, process by process, against its limit; prints the account.

``bench_batch.py`` says how far the study batch is from its limit; this script says on
what. It runs the limit once (as ``bench_batch.py`` does) and the batch once through the
API (``run_batch(..., force=True)``, the local pool), and measures CPU seconds (user +
system) of:

the kernels
    read (psutil) by the worker that holds each kernel: at the handover
    (the kernel's start: since its fork from the zygote, or since its launch when it
    could not be forked), then when it is discarded (the notebook's code, its messages
    and displays); also per page of each kind (``site``, ``territoire``...): the
    page's compute inside the batch, to set beside the same code as plain Python
    (``bench_batch.py``'s and ``bench_national.py``'s first lines);
the workers
    ``os.times()`` of each worker process as it exits (papermill's client, the two pages
    of each run, the worker's own start);
the leader
    ``os.times()`` of this process around the planning and the batch (results, manifest,
    index), as the command does them;
the rest
    what is left of the batch's children: mostly the zygote (its imports and its forks),
    then the end of each kernel after it was discarded, and the kernel each worker warmed
    ahead and never used.

How: a few functions of :mod:`odas_analysis.batch.pool` and
:mod:`odas_analysis.batch.kernels` are wrapped in this process once the limit is
measured, and in the batch's workers, which import this script as they start
(``multiprocessing``'s spawn imports the main module) and find the private directory
where the numbers go in their environment. It depends on those names: if they change,
it fails at once, naming the one that is missing.

Usage::

    .venv/bin/python bench/bench_account.py             # the 18 runs of notebooks/
    .venv/bin/python bench/bench_account.py --only site
    .venv/bin/python bench/bench_account.py --sample 100  # 100 territory pages (ODAS_NATIONAL_DATA)

Results are also written to ``bench/results/bench_account.json`` (not committed), or to
``--results``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

_SCRATCH_ENV = "ODAS_BENCH_ACCOUNT_DIR"


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process (psutil, as ``bench/memory.py`` reads the tree)."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def own_cpu() -> float:
    """CPU seconds (user + system) of this process so far (its children: ``bench_batch.children_cpu``)."""
    times = os.times()
    return times.user + times.system


def _append(kind: str, record: dict) -> None:
    with open(Path(os.environ[_SCRATCH_ENV]) / f"{kind}-{os.getpid()}.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def _instrument() -> None:
    """Wrap the pool's and the kernels' functions (here and, by import, in each worker)."""
    from odas_analysis.batch import kernels, pool

    warm, worker = kernels.WarmKernel, pool.Worker
    handover, discard, run_notebook, worker_main = warm.handover, warm.discard, worker._run_notebook, pool._worker_main

    @functools.wraps(handover)
    def timed_handover(self, *args, **kwargs):
        result = handover(self, *args, **kwargs)
        self._bench_start = process_cpu(self.pgid)
        return result

    @functools.wraps(discard)
    def timed_discard(self, *args, **kwargs):
        start, name = getattr(self, "_bench_start", None), getattr(self, "_bench_name", None)
        if start is not None and name is not None:
            kind = self._bench_kind
            import psutil

            # a kernel that died cannot be read: its run failed, and the batch says so
            with contextlib.suppress(psutil.Error):
                _append(
                    "kernel", {"name": name, "kind": kind, "start": start, "notebook": process_cpu(self.pgid) - start}
                )
        return discard(self, *args, **kwargs)

    @functools.wraps(run_notebook)
    def named_run(self, job, kernel, *args, **kwargs):
        kernel._bench_name, kernel._bench_kind = job["name"], job["kind"]
        return run_notebook(self, job, kernel, *args, **kwargs)

    @functools.wraps(worker_main)
    def counted_worker_main(*args, **kwargs):
        real_exit = os._exit

        def exit_counted(code):
            _append("worker", {"cpu": own_cpu()})
            real_exit(code)

        os._exit = exit_counted
        worker_main(*args, **kwargs)

    warm.handover, warm.discard, worker._run_notebook = timed_handover, timed_discard, named_run
    pool._worker_main = counted_worker_main


def _records(scratch: Path, kind: str) -> list[dict]:
    return [json.loads(line) for path in sorted(scratch.glob(f"{kind}-*.jsonl")) for line in path.open()]


def account(runs, out: Path) -> dict:
    """Run the batch once; return its CPU seconds by process."""
    import bench_batch

    from odas_analysis.batch.run import run_batch

    scratch = Path(os.environ[_SCRATCH_ENV])
    leader, children = own_cpu(), bench_batch.children_cpu()
    batch = run_batch(runs, out=out, force=True, progress=None)
    leader, children = own_cpu() - leader, bench_batch.children_cpu() - children
    failed = [r.name for r in batch.results if r.status != "done"]
    if failed:
        raise SystemExit(f"exécutions en échec : {', '.join(failed)}")
    kernels, workers = _records(scratch, "kernel"), _records(scratch, "worker")
    by_kind: dict[str, dict] = {}
    for k in kernels:
        entry = by_kind.setdefault(k["kind"], {"kernels": 0, "notebook_s": 0.0, "start_s": 0.0})
        entry["kernels"] += 1
        entry["notebook_s"] += k["notebook"]
        entry["start_s"] += k["start"]
    found = {
        "by_kind": dict(sorted(by_kind.items())),
        "kernels_notebook_s": sum(k["notebook"] for k in kernels),
        "kernels_start_s": sum(k["start"] for k in kernels),
        "workers_s": [w["cpu"] for w in workers],
        "leader_s": leader,
        "kernels": len(kernels),
    }
    found["rest_s"] = children - found["kernels_notebook_s"] - found["kernels_start_s"] - sum(found["workers_s"])
    found["total_s"] = children + found["leader_s"]
    return found


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} : un nombre entier de fiches, au moins 1, était attendu")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Où va le temps processeur du lot, processus par processus.")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="modèles (par défaut notebooks/)")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--only", action="append", help="comme `odas-analysis run --only`")
    chosen.add_argument(
        "--sample",
        type=_positive,
        default=0,
        help="à la place des exécutions de l'étude : ce nombre de fiches de territoire, "
        "tirées comme par bench_national.py (il faut ODAS_NATIONAL_DATA)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / "results" / "bench_account.json",
        help="fichier JSON des résultats (par défaut bench/results/bench_account.json)",
    )
    args = parser.parse_args(argv)

    import bench_batch

    from odas_analysis import files, french
    from odas_analysis.batch.plan import plan

    planning = own_cpu()
    if args.sample:
        from bench_national import sample

        runs = plan(notebooks_dir=args.notebooks, territories=[t.code for t in sample(args.sample)])
    else:
        runs = plan(notebooks_dir=args.notebooks, only=args.only)
    planning = own_cpu() - planning
    os.environ.pop(_SCRATCH_ENV, None)  # the limit's processes are not instrumented
    scratch = Path(tempfile.mkdtemp(prefix="odas-account-"))
    try:
        c0 = bench_batch.children_cpu()
        bench_batch.time_limit(runs, scratch / "limit")
        limit = bench_batch.children_cpu() - c0
        os.environ[_SCRATCH_ENV] = str(scratch / "records")  # the batch's workers find it, and wrap
        (scratch / "records").mkdir()
        _instrument()
        found = account(runs, scratch / "out")
    finally:
        os.environ.pop(_SCRATCH_ENV, None)
        shutil.rmtree(scratch, ignore_errors=True)
    found["limit_s"] = limit
    found["leader_s"] += planning  # the command plans, then runs: both are the leader's
    found["total_s"] += planning

    def s(value: float) -> str:
        return f"{french.number(value, 1)} s"

    workers = found["workers_s"]
    print(f"machine : {bench_batch.machine()} ; {french.integer(len(runs))} exécutions")
    print(f"limite (Python seul, {os.cpu_count()} processus) : {s(limit)} de processeur")
    print(f"lot : {s(found['total_s'])}, {french.number(found['total_s'] / limit, 2)} fois la limite, dont")
    print(f"  code des carnets dans les noyaux : {s(found['kernels_notebook_s'])}")
    for kind, entry in found["by_kind"].items():
        print(
            f"    par page {kind} ({french.integer(entry['kernels'])}) : "
            f"{french.number(entry['notebook_s'] / entry['kernels'], 2)} s"
        )
    print(
        f"  démarrage des {french.integer(found['kernels'])} noyaux après la bifurcation : {s(found['kernels_start_s'])}"
    )
    print(
        f"  travailleurs (client de papermill, pages HTML, démarrage) : {s(sum(workers))} ({' + '.join(map(s, workers))})"
    )
    print(
        f"  le reste : zygote (imports, bifurcations), fin des noyaux, noyaux préparés et inutilisés : "
        f"{s(found['rest_s'])}"
    )
    print(f"  meneur (plan, résultats, manifeste, sommaire) : {s(found['leader_s'])}")
    files.write_text(args.results, json.dumps(found, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
elif __name__ == "__mp_main__" and os.environ.get(_SCRATCH_ENV):
    _instrument()  # a worker of the batch being accounted (not one of the limit's processes)
