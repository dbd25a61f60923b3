"""Benchmark of a national batch: a sample of territory pages, pages per minute, projections.

The sample: ``--sample`` territories (default 100) drawn with a fixed seed from the
1,747 of ``--territories communes-20000,epci`` (492 communes of 20,000 inhabitants or
more, 1,255 EPCI), in the same proportions. What is measured, in one run:

1. the limit: the ``territoire`` notebook's code as plain Python in one warm process
   (no kernel, no papermill, no HTML), CPU seconds per page on the first ``--limit``
   territories of the sample (target: under 0.5 s);
2. the batch (``run_batch(..., force=True)``, the local pool or ``--executor dask``)
   on the whole sample: wall time, pages per minute (one territory = one run = its two
   HTML pages, figures and tables), peak memory per worker;
3. the projections at that rate: the 1,747 pages of the national batch, and the
   34,969 communes of France (assuming a small commune's page costs what a sampled
   commune's does: the page has the same tables and figures whatever the size).

Needs ``ODAS_NATIONAL_DATA``. On a shared machine the wall times move with the load
(printed); the CPU seconds of the limit much less.

Usage::

    .venv/bin/python bench/bench_national.py                    # 100 pages, local pool
    .venv/bin/python bench/bench_national.py --executor dask    # the same on a LocalCluster
    .venv/bin/python bench/bench_national.py --sample 30        # quicker

Results are also written to ``bench/results/bench_national.json`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

ALL_COMMUNES = 34_969
NATIONAL_PAGES = 1_747


def sample(n: int, seed: int = 14) -> list:
    """``n`` territories of the national batch, communes and EPCI in their proportions, sorted by code."""
    from odas_analysis.batch.territories import expand

    communes, epci = expand("communes-20000"), expand("epci")
    k = round(n * len(communes) / (len(communes) + len(epci)))
    rng = random.Random(seed)
    return sorted(rng.sample(communes, k) + rng.sample(epci, n - k), key=lambda t: t.code)


def limit_cpu(codes: list[str]) -> list[float]:
    """CPU seconds of each page's code as plain Python, in this process (the first one warms it up)."""
    from bench_batch import cpu_per_page

    return cpu_per_page(ROOT / "notebooks" / "territoire.ipynb", [{"territory_code": c} for c in codes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Banc d'essai d'un lot national : échantillon de fiches de territoire."
    )
    parser.add_argument("--sample", type=int, default=100, help="territoires de l'échantillon (par défaut 100)")
    parser.add_argument("--limit", type=int, default=8, help="territoires mesurés en Python seul (par défaut 8)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local")
    parser.add_argument("--scheduler", default=None, help="ordonnanceur Dask (avec --executor dask)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    from bench_batch import machine
    from memory import PeakMemory, describe

    from odas_analysis import files, french
    from odas_analysis.batch.plan import plan
    from odas_analysis.batch.run import run_batch

    chosen = sample(args.sample)
    fr = french
    print(f"machine : {machine()} ; charge : {', '.join(fr.number(x, 2) for x in os.getloadavg())}")
    n_communes = sum(1 for t in chosen if t.level == "commune")
    print(f"échantillon : {len(chosen)} territoires ({n_communes} communes, {len(chosen) - n_communes} EPCI)")

    cpu = limit_cpu([t.code for t in chosen[: args.limit]])
    mean_cpu = sum(cpu) / len(cpu)
    print(
        f"[1] limite (Python seul, un processus chaud) : {fr.number(mean_cpu, 2)} s de processeur par fiche (cible < 0,5)"
    )

    runs = plan(territories=[t.code for t in chosen])
    out = Path(tempfile.mkdtemp(prefix="odas-bench-national-"))
    try:
        with PeakMemory() as peak:
            t0 = time.perf_counter()
            batch = run_batch(
                runs,
                out=out,
                jobs=args.jobs,
                force=True,
                progress=None,
                executor=args.executor,
                scheduler=args.scheduler,
            )
            seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    done = batch.count("done")
    per_minute = done / seconds * 60
    in_batch = [r.seconds for r in batch.results if r.status == "done"]
    mean_in_batch = sum(in_batch) / max(1, len(in_batch))
    memory = peak.summary(args.jobs)
    print(
        f"[2] lot ({args.executor}, {args.jobs} travailleurs) : {fr.integer(done)} fiches sur {fr.integer(len(runs))} "
        f"en {fr.duration(seconds)}, {fr.number(per_minute, 1)} fiches par minute, "
        f"{fr.number(mean_in_batch, 2)} s par fiche dans un travailleur (noyau, papermill et HTML) ; "
        + describe(memory)
    )
    for label, n in (("lot national (communes-20000,epci)", NATIONAL_PAGES), ("toutes les communes", ALL_COMMUNES)):
        hours = n / per_minute / 60
        print(f"[3] projection, {label}, {fr.integer(n)} fiches : {fr.number(hours, 1)} h à ce débit")
    results = {
        "machine": machine(),
        "load": os.getloadavg(),
        "sample": len(chosen),
        "executor": args.executor,
        "jobs": args.jobs,
        "limit_cpu_per_page_s": cpu,
        "batch_s": seconds,
        "done": done,
        "pages_per_minute": per_minute,
        "mean_seconds_per_page_in_worker": mean_in_batch,
        "projection_1747_s": NATIONAL_PAGES / per_minute * 60,
        "projection_34969_s": ALL_COMMUNES / per_minute * 60,
        "memory_mib": memory,
    }
    files.write_text(
        ROOT / "bench" / "results" / "bench_national.json", json.dumps(results, indent=2, sort_keys=True) + "\n"
    )
    return 0 if done == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
