"""Benchmark of the batch (``odas-analysis run``) against its limit; prints the ratios.

The limit
    The same notebooks' code run as plain Python function calls, one process per core,
    no kernel: each code cell of the template, with the parameters assigned right after
    the cell tagged ``parameters``, executed by ``exec`` in a pool of ``os.cpu_count()``
    processes (``MPLBACKEND=Agg``, outputs to a scratch directory). The scientific
    imports are paid once per process; there is no kernel, no papermill, no HTML.

What is timed (wall clock, each from a cold command line unless said otherwise)
    1. the limit (and the site notebook's CPU seconds as plain Python in one warm
       process, target under 1 s);
    2. the full batch with the project's engine, HTML and index included
       (``odas-analysis run --force --out TMP``);
    3. plain papermill: one ``papermill`` command per notebook, two at a time, no HTML;
    4. a second ``odas-analysis run`` with nothing changed (target: under 2 s);
    5. a change to one site's row of ``study/sites.csv`` in a copy of ``data/``
       (through the API's ``data=`` argument): which runs re-execute, and how long.

Usage::

    .venv/bin/python bench/bench_batch.py                  # notebooks/ (fixtures if absent)
    .venv/bin/python bench/bench_batch.py --notebooks tests/fixtures/notebooks/batch
    .venv/bin/python bench/bench_batch.py --skip-papermill  # the slow comparison left out

Results are also written to ``bench/results/bench_batch.json`` (not committed).
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The batch (kernels, papermill, HTML) against its limit (issue 14).
TARGET_RATIO = 1.2
BIN = Path(sys.executable).parent
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks" / "batch"


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cœurs, {model}, Python {platform.python_version()}, {platform.system()}"


# --------------------------------------------------------------------------- the limit


def notebook_code(template: str, parameters: dict) -> str:
    """The template's code cells as one script, parameters assigned after the parameters cell."""
    nb = json.loads(Path(template).read_text(encoding="utf-8"))
    chunks = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        chunks.append("\n".join(lines))
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            chunks.append("\n".join(f"{k} = {v!r}" for k, v in parameters.items()))
    return "\n\n".join(chunks)


def _limit_init() -> None:
    os.environ["MPLBACKEND"] = "Agg"
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the process's life


def run_code(code, template: str, name: str, export_dir: Path) -> None:
    """Execute a notebook's compiled code as a kernel would: beside the template, its exports to ``export_dir``."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    os.environ["ODAS_EXPORT_DIR"] = str(export_dir)
    os.environ["ODAS_RUN_NAME"] = name
    cwd = os.getcwd()
    os.chdir(Path(template).parent)
    if "" not in sys.path:
        sys.path.insert(0, "")  # as in a kernel: modules beside the notebook are importable
    try:
        exec(code, {"__name__": "__main__", "display": display})  # noqa: S102 - the project's own notebooks
    finally:
        os.chdir(cwd)
        plt.close("all")


def _limit_task(args: tuple[str, str, dict, str]) -> float:
    name, template, parameters, scratch = args
    t0 = time.perf_counter()
    code = compile(notebook_code(template, parameters), template, "exec")
    run_code(code, template, name, Path(scratch) / name)
    return time.perf_counter() - t0


def cpu_per_page(template: Path, parameter_sets: list[dict]) -> list[float]:
    """CPU seconds of each page's code as plain Python in this process (a first run warms it up).

    The first parameter set is run twice: once to pay the imports and fill the caches, once
    measured. No kernel, no papermill, no HTML; figures and tables are written to a scratch
    directory.
    """
    import contextlib
    import io

    import matplotlib

    matplotlib.use("Agg")
    scratch = Path(tempfile.mkdtemp(prefix="odas-bench-cpu-"))
    seconds = []
    try:
        for i, parameters in enumerate([parameter_sets[0], *parameter_sets]):
            compiled = compile(notebook_code(str(template), parameters), str(template), "exec")
            t0 = time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                run_code(compiled, str(template), f"{template.stem}-{i}", scratch / str(i))
            if i:
                seconds.append(time.process_time() - t0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return seconds


def time_limit(runs, scratch: Path) -> float:
    t0 = time.perf_counter()
    ctx = mp.get_context("spawn")
    with ctx.Pool(os.cpu_count(), initializer=_limit_init) as pool:
        pool.map(_limit_task, [(r.name, str(r.template), r.parameters, str(scratch)) for r in runs], chunksize=1)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- the rest


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished children and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, **kw)
    return time.perf_counter() - t0, proc


def cli(notebooks: Path, out: Path, *extra: str) -> list[str]:
    return [str(BIN / "odas-analysis"), "run", "--notebooks", str(notebooks), "--out", str(out), *extra]


def time_papermill_cli(runs, scratch: Path, parallel: int = 2) -> float:
    def one(run):
        args = [
            str(BIN / "papermill"),
            str(run.template),
            str(scratch / f"{run.name}.ipynb"),
            "-k",
            "python3",
            "--no-progress-bar",
        ]
        for k, v in run.parameters.items():
            args += ["-p", k, str(v)]
        env = {**os.environ, "ODAS_EXPORT_DIR": str(scratch / run.name), "ODAS_RUN_NAME": run.name}
        subprocess.run(args, capture_output=True, check=True, env=env, cwd=run.template.parent)

    scratch.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, runs))
    return time.perf_counter() - t0


def one_site_change(runs, out: Path, site: str) -> tuple[float, list[str]]:
    """Copy data/, change one column of one site's row, run the batch through the API."""
    from odas_analysis import config
    from odas_analysis.batch.cache import DataHasher
    from odas_analysis.batch.run import run_batch

    data = out / "copy" / "data"  # same directory name: the same file labels in the hash
    shutil.copytree(config.DATA_DIR, data)
    path = data / "study" / "sites.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    for row in rows:
        if row["site_id"] == site:
            row["topic"] = (row["topic"] or "") + " (modifié pour le banc d'essai)"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    # the same data/ as the first batch, except that one row
    same = DataHasher([config.DATA_DIR])
    changed = DataHasher([data])
    assert same.digest(None) != changed.digest(None)
    t0 = time.perf_counter()
    batch = run_batch(runs, out=out / "engine", data=[data], progress=None)
    return time.perf_counter() - t0, [r.name for r in batch.results if r.status == "done"]


def fr_mean(values: list[float]) -> str:
    from odas_analysis import french

    return french.number(sum(values) / len(values), 2)


class Steps:
    """One French line per step, with its elapsed time (and the time since the start)."""

    def __init__(self) -> None:
        from odas_analysis import french

        self.french = french
        self.start = time.perf_counter()
        self.count = 0

    def say(self, label: str, seconds: float, detail: str = "") -> None:
        fr = self.french
        self.count += 1
        total = fr.duration(time.perf_counter() - self.start)
        line = f"[étape {self.count}] {label} : {fr.duration(seconds)}"
        print(line + (f" ; {detail}" if detail else "") + f" (depuis le début : {total})", flush=True)


def _best_of(args, runs, notebooks: Path, scratch: Path, steps: Steps, results: dict) -> bool:
    """Alternate the limit and the engine, keep the best of each: the machine is shared.

    CPU time (user + system of every process, kernels included) is recorded too: it
    does not depend on what else runs on the machine.
    """
    fr = steps.french
    limits, engines, limit_cpu, engine_cpu = [], [], [], []
    for i in range(args.repeat):
        c0 = children_cpu()
        limits.append(time_limit(runs, scratch / "limit"))
        c1 = children_cpu()
        steps.say(f"limite (Python seul, {os.cpu_count()} processus, sans noyau), essai {i + 1}", limits[-1])
        engine_s, proc = timed(cli(notebooks, scratch / "engine", "--force"))
        c2 = children_cpu()
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return False
        engines.append(engine_s)
        limit_cpu.append(c1 - c0)
        engine_cpu.append(c2 - c1)
        steps.say(f"odas-analysis run (lot complet, HTML compris), essai {i + 1}", engine_s)
    limit, engine_s = min(limits), min(engines)
    results.update(
        {
            "limit_s": limit,
            "engine_s": engine_s,
            "limit_all_s": limits,
            "engine_all_s": engines,
            "limit_cpu_s": min(limit_cpu),
            "engine_cpu_s": min(engine_cpu),
            "ratio": engine_s / limit,
            "target_full_batch": engine_s <= TARGET_RATIO * limit,
        }
    )
    print(
        f"  meilleurs temps : limite {fr.duration(limit)}, lot {fr.duration(engine_s)}, "
        f"rapport {fr.number(engine_s / limit, 2)} (cible ≤ {fr.number(TARGET_RATIO, 1)}) ; "
        f"temps processeur : limite {fr.duration(min(limit_cpu))}, "
        f"lot {fr.duration(min(engine_cpu))}, rapport {fr.number(min(engine_cpu) / min(limit_cpu), 2)}"
    )
    return True


def _the_rest(args, runs, notebooks: Path, scratch: Path, steps: Steps, results: dict) -> None:
    fr = steps.french
    if not args.skip_papermill:
        pm = time_papermill_cli(runs, scratch / "papermill")
        results["papermill_cli_s"] = pm
        steps.say("papermill seul, deux à la fois, sans HTML", pm, f"rapport {fr.number(pm / results['limit_s'], 2)}")

    noop_s, proc = timed(cli(notebooks, scratch / "engine"))
    skipped = sum(1 for ln in proc.stdout.splitlines() if ln.startswith("[") and "inchangé" in ln)
    results["no_change_s"] = noop_s
    results["target_no_change"] = noop_s < 2.0
    steps.say(
        "second lancement, rien de changé", noop_s, f"{fr.integer(skipped)} sur {fr.integer(len(runs))} inchangées"
    )

    site = next(r.site_id for r in runs if r.site_id)
    change_s, rerun = one_site_change(runs, scratch, site)
    results["one_site_change_s"] = change_s
    results["one_site_change_runs"] = rerun
    expected = sorted([f"site-{site}"] + [r.name for r in runs if r.kind != "site"])
    exact = (
        "exactement ce site et les carnets transversaux" if sorted(rerun) == expected else "PAS ce qui était attendu"
    )
    steps.say(f"données d'un site changées ({site})", change_s, f"{fr.integer(len(rerun))} refaites : {exact}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Banc d'essai du lot (odas-analysis run) face à sa limite.")
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="modèles (par défaut notebooks/ s'il contient site.ipynb, sinon les carnets d'essai des tests)",
    )
    parser.add_argument("--skip-papermill", action="store_true", help="sans la comparaison avec papermill seul")
    parser.add_argument("--keep", action="store_true", help="garder le répertoire de travail")
    parser.add_argument("--repeat", type=int, default=2, help="essais de la limite et du lot (le meilleur est gardé)")
    args = parser.parse_args(argv)

    from odas_analysis import files
    from odas_analysis.batch.plan import plan

    notebooks = args.notebooks or (ROOT / "notebooks" if (ROOT / "notebooks" / "site.ipynb").is_file() else FIXTURES)
    runs = plan(notebooks_dir=notebooks)
    scratch = Path(tempfile.mkdtemp(prefix="odas-bench-"))
    results: dict[str, object] = {"machine": machine(), "notebooks": str(notebooks), "runs": len(runs)}
    print(f"machine : {results['machine']}")
    print(f"carnets : {notebooks} ({len(runs)} exécutions)")
    steps = Steps()
    try:
        site_runs = [r for r in runs if r.kind == "site"]
        if site_runs:
            cpu = cpu_per_page(site_runs[0].template, [r.parameters for r in site_runs])
            results["site_cpu_per_page_s"] = cpu
            print(
                f"carnet de site en Python seul, un processus chaud : {fr_mean(cpu)} s de processeur par fiche "
                f"(cible < 1 ; de {steps.french.number(min(cpu), 2)} à {steps.french.number(max(cpu), 2)})"
            )
        if not _best_of(args, runs, notebooks, scratch, steps, results):
            return 1
        _the_rest(args, runs, notebooks, scratch, steps, results)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"répertoire de travail gardé : {scratch}")
    out = ROOT / "bench" / "results"
    files.write_text(out / "bench_batch.json", json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
