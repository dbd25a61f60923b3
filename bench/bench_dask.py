"""Benchmark: the Dask executor against the local pool on the same jobs; peak memory per worker.

Both run the same plan with ``--force`` into two scratch output roots, through the API
(:func:`odas_analysis.batch.run.run_batch`, progress silent), alternately, ``--repeat``
times each; the best wall time of each is kept (the machine may be shared) and the
ratio printed (target: Dask within 1.15× of the local pool on one machine). The Dask
side is a LocalCluster of ``--jobs`` workers (its start and stop are inside the time),
or the cluster of ``--scheduler``. The pages, figures and tables of both are compared
byte for byte at the end.

Memory: every process below this one is sampled twice a second (:mod:`memory`):
the largest RSS of a worker, of a zygote and of a kernel, and the peak USS of the
whole tree per worker.

Usage::

    .venv/bin/python bench/bench_dask.py                       # the 18 runs of notebooks/
    .venv/bin/python bench/bench_dask.py --only site --jobs 2  # the eleven site pages
    .venv/bin/python bench/bench_dask.py --scheduler tcp://HOST:8786
    .venv/bin/python bench/bench_dask.py --sample 100          # territory pages of bench_national's sample

Results are also written to ``bench/results/bench_dask.json`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def one_batch(runs, out: Path, jobs: int, executor: str, scheduler: str | None) -> tuple[float, dict, int]:
    from memory import PeakMemory

    from odas_analysis.batch.run import run_batch

    with PeakMemory() as peak:
        t0 = time.perf_counter()
        batch = run_batch(runs, out=out, jobs=jobs, force=True, progress=None, executor=executor, scheduler=scheduler)
        seconds = time.perf_counter() - t0
    if not batch.ok:
        raise SystemExit(f"{executor} : {len(batch.failed)} exécution(s) en échec : {batch.failed[0].error}")
    return seconds, peak.summary(jobs), len(runs)


def published(root: Path) -> dict[str, bytes]:
    found = {}
    for sub in ("build/html", "figures", "tables"):
        for path in sorted((root / sub).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Banc d'essai : exécuteur Dask face au pool local, mêmes exécutions.")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="modèles (par défaut notebooks/)")
    parser.add_argument("--only", action="append", help="comme `odas-analysis run --only`")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="travailleurs (par défaut : un par cœur)")
    parser.add_argument("--scheduler", default=None, help="ordonnanceur Dask (par défaut : un LocalCluster)")
    parser.add_argument("--repeat", type=int, default=1, help="essais de chaque exécuteur (le meilleur est gardé)")
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        help="à la place des carnets : N fiches de territoire, l'échantillon de bench_national.py",
    )
    args = parser.parse_args(argv)

    from bench_batch import machine
    from memory import describe

    from odas_analysis import files, french
    from odas_analysis.batch.plan import plan

    if args.sample:
        from bench_national import sample

        runs = plan(territories=[t.code for t in sample(args.sample)], notebooks_dir=args.notebooks)
    else:
        runs = plan(only=args.only, notebooks_dir=args.notebooks)
    scratch = Path(tempfile.mkdtemp(prefix="odas-bench-dask-"))
    print(f"machine : {machine()} ; charge : {', '.join(french.number(x, 2) for x in os.getloadavg())}")
    print(f"carnets : {args.notebooks} ({len(runs)} exécutions, {args.jobs} travailleurs)")
    results: dict[str, object] = {"machine": machine(), "runs": len(runs), "jobs": args.jobs}
    best: dict[str, float] = {}
    memory: dict[str, dict] = {}
    try:
        for attempt in range(args.repeat):
            for executor in ("local", "dask"):
                seconds, peak, n = one_batch(runs, scratch / executor, args.jobs, executor, args.scheduler)
                best[executor] = min(best.get(executor, seconds), seconds)
                memory[executor] = peak
                print(
                    f"  {executor:<5} essai {attempt + 1} : {french.duration(seconds)} "
                    f"({french.number(n / seconds * 60, 1)} pages par minute) ; " + describe(peak),
                    flush=True,
                )
        a, b = published(scratch / "local"), published(scratch / "dask")
        same = sorted(a) == sorted(b) and all(a[k] == b[k] for k in a)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ratio = best["dask"] / best["local"]
    print(
        f"rapport Dask / pool local : {french.number(ratio, 2)} (cible ≤ 1,15) ; "
        f"pages, figures et tableaux identiques : {'oui' if same else 'NON'}"
    )
    results.update({"local_s": best["local"], "dask_s": best["dask"], "ratio": ratio, "identical": same})
    results["memory_mib"] = memory
    files.write_text(
        ROOT / "bench" / "results" / "bench_dask.json", json.dumps(results, indent=2, sort_keys=True) + "\n"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
