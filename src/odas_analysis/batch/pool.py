"""Worker processes: each keeps one kernel ahead, runs papermill and renders the pages."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files
from . import lifetime
from .cache import Layout, source_digest
from .kernels import WarmKernel
from .plan import Run
from .zygote import PRELOAD, Zygote, ZygoteClient, ipc_directory, zygote_supported


@dataclass
class RunResult:
    """What happened to one run in this batch."""

    name: str
    status: str  # "done", "skipped" or "failed"
    seconds: float = 0.0
    error: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    simulated: bool = False


# --------------------------------------------------------------------------- pool


def template_imports(templates: Iterable[Path]) -> list[str]:
    """Top-level modules imported by the templates' code cells (to load them in advance)."""
    pattern = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w]*)", re.M)
    found: set[str] = set()
    for template in templates:
        try:
            nb = json.loads(Path(template).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                src = cell.get("source", "")
                found.update(pattern.findall(src if isinstance(src, str) else "".join(src)))
    return sorted(found)


def _preload_code(modules: Iterable[str]) -> str:
    names = sorted(set(PRELOAD) | set(modules))
    return (
        "def _odas_preload(names):\n"
        "    import importlib\n"
        "    for name in names:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
        f"_odas_preload({names!r})\n"
        "del _odas_preload\n"
    )


def worker_config(runs: list[Run], layout: Layout, kernel_name: str, cell_timeout: int | None) -> dict[str, Any]:
    """What a :class:`Worker` needs to know: output root, kernel, time limit, what to preload.

    Plain data (it is sent to worker processes, and to Dask workers, which change
    ``root``, ``staging_id`` and ``cwd`` to their own directories).
    """
    modules = template_imports({r.template for r in runs})
    return {
        "root": str(layout.root),
        "staging_id": layout.staging_id,
        "leader_pid": os.getpid(),
        "kernel_name": kernel_name,
        "cell_timeout": cell_timeout,
        "preload": _preload_code(modules),
        "preload_modules": modules,
        "cwd": str(runs[0].template.parent.resolve()),
    }


def execute(
    runs: list[Run],
    layout: Layout,
    jobs: int,
    kernel_name: str,
    cell_timeout: int | None,
    fork: bool = True,
    stop: Callable[[], bool] | None = None,
) -> Iterator[RunResult]:
    """Yield a :class:`RunResult` per run as it ends, from ``jobs`` worker processes.

    ``stop`` is polled several times a second: when it returns True, the results already
    sent are yielded, then the workers and their kernels are killed (within about a
    second) and the generator ends, the unfinished runs not yielded.
    """
    pool = _Pool(runs, layout, jobs, kernel_name, cell_timeout, fork)
    try:
        yield from pool.results(stop or (lambda: False))
    finally:
        pool.close()


# --------------------------------------------------------------------------- zygote started early
#
# The zygote's imports and warm-up (about 3 s of CPU) come before the first kernel, and
# the leader's own start (its imports, the plan, the cache check: about 0.6 s) before the
# zygote. The command line starts the zygote first, from the templates' directory alone,
# so that the two overlap; the pool adopts it when it fits the batch, and the command
# stops it when nothing is executed.

_EARLY: dict[str, Any] = {}


def start_zygote_early(notebooks_dir: Path, kernel_name: str = "python3") -> None:
    """Start the kernel zygote for the templates of ``notebooks_dir`` now, before the batch is planned.

    It preloads what every template there imports (a superset of what a batch of some
    of them needs). Does nothing when there is no template.
    """
    stop_zygote_early()
    directory = Path(notebooks_dir).resolve()
    templates = sorted(directory.glob("*.ipynb"))
    if not templates:
        return
    cfg = {"kernel_name": kernel_name, "cwd": str(directory), "preload_modules": template_imports(templates)}
    source = source_digest()  # the code the zygote imports: a batch keyed on other code does not take it
    ipc_dir = ipc_directory()
    try:
        # whether the kernel can be forked is asked when the zygote is taken (a look-up of
        # the kernel specs, 0.2 s): a command with nothing to execute does not pay it
        zygote = Zygote.spawn(cfg, ipc_dir)
    except OSError:
        shutil.rmtree(ipc_dir, ignore_errors=True)
        raise
    _EARLY.update(cfg=cfg, source=source, ipc_dir=ipc_dir, zygote=zygote)


def _take_early_zygote(cfg: dict[str, Any]) -> tuple[str, Zygote] | None:
    """The zygote started early, with its IPC directory, if it fits ``cfg`` (else it is stopped)."""
    if not _EARLY:
        return None
    early = _EARLY["cfg"]
    fits = (
        early["kernel_name"] == cfg["kernel_name"]
        and early["cwd"] == cfg["cwd"]
        and set(cfg["preload_modules"]) <= set(early["preload_modules"])
        and _EARLY["zygote"].proc.poll() is None
        and _EARLY["source"] == source_digest()  # not edited since: the batch's key is on this code
        and zygote_supported(cfg["kernel_name"])
    )
    if not fits:
        stop_zygote_early()
        return None
    taken = (_EARLY["ipc_dir"], _EARLY["zygote"])
    _EARLY.clear()
    return taken


def stop_zygote_early() -> None:
    """Stop the zygote started early if no pool took it (nothing to execute, or an error first)."""
    if not _EARLY:
        return
    zygote, ipc_dir = _EARLY.pop("zygote"), _EARLY.pop("ipc_dir")
    _EARLY.clear()
    try:
        zygote.close()
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)


class _Pool:
    """The worker processes of one batch, their task and result queues, and the zygote."""

    def __init__(self, runs: list[Run], layout: Layout, jobs: int, kernel_name: str, cell_timeout, fork: bool):
        import multiprocessing as mp

        self.ctx = mp.get_context("spawn")
        self.tasks = self.ctx.Queue()
        self.queue = self.ctx.Queue()
        self.cfg = worker_config(runs, layout, kernel_name, cell_timeout)
        early = _take_early_zygote(self.cfg) if fork else None
        if early is not None:
            self.ipc_dir, self.zygote = early
        else:
            self.ipc_dir = ipc_directory()
            self.zygote = Zygote.start(self.cfg, self.ipc_dir) if fork else None
        self.cfg["zygote_socket"] = self.zygote.socket_path if self.zygote is not None else None
        for run in runs:
            self.tasks.put(run.to_job())
        for _ in range(jobs):
            self.tasks.put(None)
        self.workers = {i: self._start(i) for i in range(jobs)}
        self.next_id = jobs
        self.current: dict[int, tuple[str, float]] = {}
        self.pending = {r.name for r in runs}
        self.stopped = False

    def _start(self, worker_id: int):
        proc = self.ctx.Process(target=_worker_main, args=(worker_id, self.tasks, self.queue, self.cfg), daemon=True)
        proc.start()
        return proc

    def results(self, stop: Callable[[], bool]) -> Iterator[RunResult]:
        while self.pending:
            if stop():
                self.stopped = True
                yield from self._drain()
                return
            try:
                msg = self.queue.get(timeout=0.2)
            except queue.Empty:
                yield from self._check_workers()
                continue
            yield from self._handle(msg)

    def _handle(self, msg) -> Iterator[RunResult]:
        kind, wid, payload = msg
        if kind == "start":
            self.current[wid] = (payload, time.perf_counter())
        elif kind == "end":
            self.current.pop(wid, None)
            self.pending.discard(payload["name"])
            yield RunResult(**payload)

    def _drain(self) -> Iterator[RunResult]:
        """The results already sent (runs finished before the stop), without waiting."""
        while True:
            try:
                msg = self.queue.get_nowait()
            except (queue.Empty, OSError, EOFError, ValueError):
                return
            yield from self._handle(msg)

    def _check_workers(self) -> Iterator[RunResult]:
        for wid, proc in list(self.workers.items()):
            if proc.is_alive():
                continue
            del self.workers[wid]
            if wid in self.current:
                # died during a run: that run failed; it consumed no sentinel, so a
                # replacement takes its place for the runs still queued
                name, t0 = self.current.pop(wid)
                self.pending.discard(name)
                error = f"le processus d'exécution s'est arrêté (code de sortie {proc.exitcode})"
                yield RunResult(name, "failed", time.perf_counter() - t0, error=error)
                if len(self.pending) > len(self.current):
                    self.workers[self.next_id] = self._start(self.next_id)
                    self.next_id += 1
        if not self.workers and self.pending:
            for name in sorted(self.pending):
                yield RunResult(name, "failed", 0.0, error="plus aucun processus d'exécution pour la faire")
            self.pending.clear()

    def close(self) -> None:
        """End the workers (at once when stopped or abandoned) and the zygote."""
        abandon = self.stopped or bool(self.pending)
        if abandon:
            for proc in self.workers.values():
                proc.terminate()  # SIGTERM: the worker kills its kernels, then exits
        deadline = time.monotonic() + (1.0 if abandon else 10.0)
        for proc in self.workers.values():
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
        for proc in self.workers.values():
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=2)
        if self.zygote is not None:
            self.zygote.close()
        for q in (self.tasks, self.queue):
            q.cancel_join_thread()
            q.close()
        shutil.rmtree(self.ipc_dir, ignore_errors=True)


def _worker_main(worker_id: int, tasks, results, cfg: dict[str, Any]) -> None:
    """Body of a worker process: warm kernels, execute and render jobs until told to stop."""
    lifetime.worker_lifetime(cfg["leader_pid"])
    # jsonschema imports rfc3987_syntax when present (about 1.3 s: it builds a grammar) for
    # the "iri" formats, which the notebook schema never uses; the worker does without it.
    # Kernels are not affected (they are not forked from this process).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    worker = Worker(cfg)
    try:
        while True:
            job = tasks.get()
            if job is None:
                break
            results.put(("start", worker_id, job["name"]))
            results.put(("end", worker_id, worker.execute(job)))
    finally:
        worker.close()
    # Everything is cleaned up and the results are flushed: skip the interpreter's
    # finalisation of pandas, matplotlib and friends (it costs a good part of a second).
    results.close()
    results.join_thread()
    os._exit(0)


def keep_failed_notebook(target: Path, tmp_nb: Path, traceback_text: str) -> str:
    """Put a failed run's notebook at ``target``, its traceback kept; return a note if it could not be.

    The notebook papermill wrote is moved when it is whole. When it is missing or
    truncated (a full disk while papermill wrote it), a small notebook holding the
    traceback is written instead (atomically: no half-written file, no ``.tmp`` left).
    """
    try:
        json.loads(tmp_nb.read_bytes())
        files.move(tmp_nb, target)
        return ""
    except (OSError, ValueError):
        pass
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "echec", "metadata": {}, "source": "# Exécution en échec"},
            {"cell_type": "raw", "id": "traceback", "metadata": {}, "source": traceback_text},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    try:
        files.write_bytes(target, (json.dumps(nb, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        return f" (le notebook en échec n'a pas pu être écrit : {exc.strerror or exc})"
    return ""


class Worker:
    """Executes jobs in one process: one kernel ahead, papermill, in-process nbconvert."""

    def __init__(self, cfg: dict[str, Any]):
        import tempfile

        self.cfg = cfg
        self.layout = Layout(Path(cfg["root"]), cfg["staging_id"])
        self.ipc_dir = tempfile.mkdtemp(prefix="odas-k-")
        self.serial = 0
        # the zygote imports while this process does: papermill, nbconvert, the page templates
        self.zygote = ZygoteClient(cfg["zygote_socket"]) if cfg.get("zygote_socket") else None
        if self.zygote is None:
            self.next: WarmKernel | None = self._warm()  # a launched kernel imports meanwhile
        import papermill  # noqa: F401 - imported once per worker, not once per notebook

        from . import pages

        pages.warm_up()
        if self.zygote is not None:
            self.next = self._warm()

    def _warm(self) -> WarmKernel:
        self.serial += 1
        if self.zygote is not None:
            try:
                return WarmKernel(
                    self.cfg["kernel_name"],
                    self.cfg["cwd"],
                    self.ipc_dir,
                    self.serial,
                    self.cfg["preload"],
                    self.zygote,
                )
            except RuntimeError as exc:
                # an unusable zygote (a preloaded module started a thread...) costs speed, not runs
                print(f"odas-analysis: kernels launched afresh ({exc})", file=sys.stderr)
                self.zygote.close()
                self.zygote = None
                self.serial += 1
        return WarmKernel(self.cfg["kernel_name"], self.cfg["cwd"], self.ipc_dir, self.serial, self.cfg["preload"])

    def close(self) -> None:
        if self.next is not None:
            self.next.discard(wait=False)
            self.next = None
        if self.zygote is not None:
            self.zygote.close()
        shutil.rmtree(self.ipc_dir, ignore_errors=True)

    def execute(self, job: dict[str, Any]) -> dict[str, Any]:
        """Execute and render one job; return the fields of a :class:`RunResult`."""
        t0 = time.perf_counter()
        name = job["name"]
        layout = self.layout
        staging = layout.staging(name)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        tmp_nb = staging / f"{name}.ipynb"
        kernel = self.next
        self.next = None
        try:
            if kernel is None:
                kernel = self._warm()
            setup = (
                "import os as _os\n"
                f"_os.environ.update({{'ODAS_EXPORT_DIR': {str(staging)!r}, 'ODAS_RUN_NAME': {name!r}}})\n"
                f"_os.chdir({str(Path(job['template']).parent)!r})\n"
                "del _os\n"
            )
            kernel.handover(setup)
            self.next = self._warm()  # warms while this notebook runs
            status, error, simulated, outputs = self._run_notebook(job, kernel, tmp_nb, staging)
        except Exception as exc:  # noqa: BLE001 - any failure is this run's, not the batch's
            import traceback

            status, error, simulated, outputs = "failed", f"{type(exc).__name__}: {exc}", False, {}
            error += keep_failed_notebook(layout.failed_notebook(name), tmp_nb, traceback.format_exc())
        finally:
            if kernel is not None:
                kernel.discard()
            shutil.rmtree(staging, ignore_errors=True)
        return {
            "name": name,
            "status": status,
            "seconds": time.perf_counter() - t0,
            "error": error,
            "outputs": outputs,
            "simulated": simulated,
        }

    def _run_notebook(self, job, kernel: WarmKernel, tmp_nb: Path, staging: Path):
        import papermill
        from papermill.exceptions import PapermillExecutionError

        from . import pages

        name = job["name"]
        layout = self.layout
        try:
            nb = papermill.execute_notebook(
                job["template"],
                str(tmp_nb),
                parameters=job["parameters"],
                kernel_name=self.cfg["kernel_name"],
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=self.cfg["cell_timeout"],
                km=kernel.km,
            )
        except PapermillExecutionError as exc:
            detail = f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None) else str(exc)
            error = f"cellule {exc.exec_count}: {detail}"
            error += keep_failed_notebook(layout.failed_notebook(name), tmp_nb, "\n".join(exc.traceback or [detail]))
            return "failed", error, False, {}

        for cell in nb.cells:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"  # papermill draws a random id: pages would differ
        simulated = pages.is_simulated(nb)
        produced = [
            f"{kind}/{name}/{p.relative_to(staging / kind).as_posix()}"
            for kind in ("figures", "tables")
            for p in sorted((staging / kind).rglob("*"))
            if p.is_file()
        ]
        written = {}
        for audience in pages.AUDIENCES:
            html = pages.render_page(
                nb,
                name=name,
                title=job["title"],
                audience=audience,
                simulated=simulated,
                navigation=job.get("navigation"),
                exports=produced,
                report=job.get("report"),
            )
            path = layout.page(name, audience)
            files.write_bytes(path, html.encode("utf-8"))
            written[audience] = layout.rel(path)
        files.move(tmp_nb, layout.notebook(name))
        layout.failed_notebook(name).unlink(missing_ok=True)
        listed = {}
        for kind, final in (("figures", layout.figures(name)), ("tables", layout.tables(name))):
            produced = staging / kind
            if produced.is_dir():
                files.replace_dir(produced, final)
            elif final.exists():
                shutil.rmtree(final)
            listed[kind] = sorted(layout.rel(p) for p in final.rglob("*") if p.is_file()) if final.is_dir() else []
        outputs = {
            "notebook": layout.rel(layout.notebook(name)),
            "html_reviewers": written["reviewers"],
            "html_researchers": written["researchers"],
            **listed,
        }
        return "done", "", simulated, outputs
