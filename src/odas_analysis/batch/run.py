"""The batch itself: lock, cache check, execution by the pool, manifest, index and names check.

Interruption: Ctrl-C (SIGINT) or SIGTERM is noted, not raised. The pool then stops its
workers and kernels (about a second), the runs that finished are recorded, the others
are written ``interrupted`` without a cache key, the manifest and the index are
written, one French line says so and :attr:`BatchResult.interrupted` holds the signal
(the command exits with 128 + its number: 130 for Ctrl-C).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config, files, french
from ..errors import ParameterError
from . import lock
from .cache import DataHasher, Layout, data_dirs, read_manifest, source_digest, write_manifest
from .ledger import Ledger
from .names import NameMask
from .plan import Run
from .pool import RunResult, execute

EXECUTORS = ("local", "dask")
"""Where the runs execute: this machine's worker processes, or Dask distributed."""

STATUS_WORDS = {"done": "fait", "skipped": "inchangé", "failed": "ÉCHEC", "interrupted": "interrompu"}


@dataclass
class BatchResult:
    """Results of :func:`run_batch`, in plan order, and the wall time."""

    results: list[RunResult]
    seconds: float
    #: Set when the names check found a participant name in the outputs (then the
    #: offending files were removed and the batch counts as failed).
    disclosure_error: str = ""
    #: The signal that interrupted the batch (``signal.SIGINT`` for Ctrl-C), 0 if none.
    interrupted: int = 0

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.disclosure_error and not self.interrupted

    @property
    def exit_code(self) -> int:
        """What the command returns: 128 + the signal when interrupted, 1 on a failure, else 0."""
        if self.interrupted:
            return 128 + self.interrupted
        return 0 if self.ok else 1


def _progress_line(index: int, total: int, result: RunResult) -> str:
    width = len(str(total))
    word = STATUS_WORDS[result.status]
    line = f"[{index:>{width}}/{total}] {word:<10} {result.name:<28} {french.duration(result.seconds):>8}"
    if result.status == "failed" and result.error:
        line += f"  {result.error.splitlines()[-1][:160]}"
    return line


def summary_text(batch: BatchResult, layout: Layout) -> str:
    """The closing lines of a batch: counts, wall time, failed notebooks to open."""
    total = len(batch.results)
    n = french.integer
    text = (
        f"{n(total)} exécution(s) : {n(batch.count('done'))} faite(s), {n(batch.count('skipped'))} inchangée(s) "
        f"(ignorée(s)), {n(batch.count('failed'))} en échec ; {french.duration(batch.seconds)}"
    )
    done = batch.count("done")
    if done and batch.seconds > 0:
        per_minute = done / batch.seconds * 60
        text += f"\n  débit : {french.number(per_minute, 1)} exécution(s) par minute"
    for r in batch.failed:
        text += f"\n  échec : {r.name} -> {layout.rel(layout.failed_notebook(r.name))}"
    if batch.disclosure_error:
        text += "\n  échec du contrôle des noms : voir ci-dessus"
    if total:
        text += f"\n  sommaire : {layout.index}"
    return text


def interrupted_text(batch: BatchResult, layout: Layout) -> str:
    """The one line said when the batch was interrupted."""
    finished = batch.count("done") + batch.count("failed") + batch.count("skipped")
    return (
        f"interrompu : {french.integer(finished)} exécution(s) terminée(s) et enregistrée(s), "
        f"{french.integer(batch.count('interrupted'))} non faite(s) ; manifeste et sommaire à jour ({layout.index})"
    )


class _Interrupt:
    """SIGINT and SIGTERM noted, not raised, while the batch runs: the batch stops at its next poll."""

    def __init__(self) -> None:
        self.signum = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupt:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum: int, _frame) -> None:
        self.signum = self.signum or signum

    def __call__(self) -> bool:
        return bool(self.signum)

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def run_batch(
    runs: Sequence[Run],
    *,
    out: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    kernel_name: str = "python3",
    cell_timeout: int | None = 1800,
    progress: Callable[[str], None] | None = print,
    data: Sequence[Path] | None = None,
    fork_kernels: bool = True,
    executor: str = "local",
    scheduler: str | None = None,
) -> BatchResult:
    """Execute ``runs`` (skipping those whose inputs did not change) and render them.

    Parameters
    ----------
    runs
        From :func:`plan`.
    out
        Output root (default: the project root).
    jobs
        Worker processes (default: ``os.cpu_count()``); never more than runs to execute.
    force
        Execute even the runs whose inputs did not change.
    kernel_name
        Jupyter kernel to execute with (default: the current interpreter's ``python3``).
    cell_timeout
        Seconds a cell may run before it is stopped and the run fails (None: no limit).
    progress
        Called with one line per run as it ends, then the summary (None: silent).
    data
        Directories hashed as the runs' data (default: :func:`data_dirs`). The notebooks
        read what :mod:`odas_analysis.config` says; this only changes the cache check
        (tests and the benchmark use it).
    fork_kernels
        Fork each kernel from a process that already did the imports (see
        :func:`.zygote.zygote_main`); False launches every kernel afresh (slower, for comparison
        and as a fallback).
    executor
        ``"local"`` (default): worker processes of this machine (:mod:`.pool`);
        ``"dask"``: Dask distributed (:mod:`.dask_pool`), the same jobs, the outputs
        sent back as bytes.
    scheduler
        With ``executor="dask"``: the scheduler's address (``tcp://HOST:8786``); None
        starts a LocalCluster of ``jobs`` worker processes.

    Raises
    ------
    ParameterError
        Bad ``jobs``, or a run name whose outputs would leave the root (before anything
        is created).
    BatchLockedError
        Another batch holds the same output root.
    """
    started = time.perf_counter()
    root = Layout(Path(out) if out is not None else config.PROJECT_ROOT)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise ParameterError(f"--jobs {jobs} : au moins 1 processus attendu")
    engine = _engine(executor, scheduler)
    for run in runs:
        root.check_name(run.name)
    config.disclosure_threshold()  # an invalid ODAS_DISCLOSURE_THRESHOLD is refused before anything is created
    mask = NameMask()
    say = _masked(progress, mask)
    hasher = DataHasher(list(data) if data is not None else data_dirs())
    with lock.hold(root.lock, root.root), _Interrupt() as stop:
        layout = _own_staging(root)
        try:
            ledger = Ledger(layout, runs, hasher, say, mask)
            todo = ledger.skip_fresh(force, _progress_line)
            if todo and not stop():
                _execute_all(ledger, todo, layout, stop, jobs, kernel_name, cell_timeout, fork_kernels, engine)
            if stop():
                ledger.mark_interrupted()
            return _close(ledger, started, stop.signum)
        finally:
            shutil.rmtree(layout.staging_root / layout.staging_id, ignore_errors=True)


def _masked(progress: Callable[[str], None] | None, mask: NameMask) -> Callable[[str], None]:
    if progress is None:
        return lambda _line: None
    if not mask:
        return progress
    return lambda line: progress(mask.text(line))


def _own_staging(root: Layout) -> Layout:
    """This batch's staging directory; the debris of batches that died is removed first.

    Called under the root's lock: no other batch can be using ``build/.staging/``.
    """
    shutil.rmtree(root.staging_root, ignore_errors=True)
    root.staging_root.mkdir(parents=True, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root.staging_root)
    return Layout(root.root, Path(staging).name)


def _engine(executor: str, scheduler: str | None):
    """The ``execute`` function of the chosen executor (same signature as :func:`.pool.execute`)."""
    if executor not in EXECUTORS:
        raise ParameterError(f"--executor {executor!r} : attendu {' ou '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise ParameterError("--scheduler ne s'emploie qu'avec --executor dask")
    if executor == "local":
        return execute
    from functools import partial

    return partial(_dask_execute, scheduler=scheduler)


def _dask_execute(*args, **kwargs):
    """:func:`.dask_pool.execute`, imported when there is something to execute (distributed costs 1.5 s)."""
    from .dask_pool import execute as dask_execute

    return dask_execute(*args, **kwargs)


def execution_order(todo: Sequence[Run], entries: dict[str, Any]) -> list[Run]:
    """Longest first, so that no long run is left alone on one core at the end.

    A run's length is that of its last execution (``executed_seconds`` in the
    manifest). Runs never executed come after, those of the kinds with the fewest runs
    first: a study's hypotheses, methodology and synthesis each cost several site pages,
    and the many short pages then fill the cores evenly. Otherwise in the plan's order.
    """
    per_kind = Counter(r.kind for r in todo)

    def key(run: Run) -> tuple[float, int]:
        return -float((entries.get(run.name) or {}).get("executed_seconds") or 0.0), per_kind[run.kind]

    return sorted(todo, key=key)


SAVE_EVERY = 1.0
"""Seconds between two writes of the manifest during a batch, at least."""
SAVE_COST_RATIO = 50
"""... and at least this many times the last write's duration (a large manifest is written less often)."""


def save_pause(cost: float) -> float:
    """Seconds to wait before writing the manifest again, after a write that took ``cost`` seconds."""
    return max(SAVE_EVERY, SAVE_COST_RATIO * cost)


def _execute_all(
    ledger: Ledger, todo: list[Run], layout: Layout, stop, jobs, kernel_name, cell_timeout, fork, engine=execute
) -> None:
    """Execute ``todo`` in the pool, recording each result as it comes."""
    ledger.mark_running(todo)
    by_name = {r.name: r for r in todo}
    todo[:] = execution_order(todo, ledger.entries)
    saved, pause = time.monotonic(), SAVE_EVERY
    for res in engine(todo, layout, min(jobs, len(todo)), kernel_name, cell_timeout, fork, stop=stop):
        ledger.record(by_name[res.name], res, _progress_line)
        # A run not yet saved is still "running" without a key on disk: executed again after
        # a crash, never skipped. A national manifest (1,747 runs, 4 MB) takes 0.13 s to
        # write: the pause grows with it, so that writing it stays a small part of the leader's time.
        if time.monotonic() - saved >= pause:
            began = time.monotonic()
            ledger.save()
            saved = time.monotonic()
            pause = save_pause(saved - began)
    ledger.save()
    if not stop() and source_digest() != ledger.source:
        # The package changed on disk while notebooks ran: kernels forked from the
        # zygote may have mixed the old and the new code. Keep the pages, drop the keys.
        ledger.forget_keys(r.name for r in todo)
        ledger.say(
            "attention : le code du paquet a changé pendant l'exécution ; "
            "ces exécutions seront refaites à la prochaine commande"
        )


def _close(ledger: Ledger, started: float, interrupted: int) -> BatchResult:
    """Index, names check, then the manifest (written after the check) and the last words."""
    from .pages import write_index

    layout = ledger.layout
    batch = BatchResult([ledger.results[r.name] for r in ledger.runs], time.perf_counter() - started)
    batch.interrupted = interrupted
    counts = {k: batch.count(k) for k in ("done", "skipped", "failed", "interrupted")}
    ledger.last_batch(counts, batch.seconds)
    write_index(layout, ledger.entries)
    batch.disclosure_error = _check_names(layout, ledger.entries)
    ledger.save()
    if batch.disclosure_error:
        write_index(layout, ledger.entries)  # without the pages just deleted
        ledger.say(batch.disclosure_error)
    batch.seconds = time.perf_counter() - started
    ledger.say(interrupted_text(batch, layout) if interrupted else summary_text(batch, layout))
    return batch


def _check_names(layout: Layout, entries: dict[str, Any]) -> str:
    """Look for the private overlay's participant names in every output of the batch.

    Returns an empty string when none is found (or there is no private overlay).
    Otherwise the files holding a name are deleted, the runs that wrote them lose their
    cache key (the next batch executes them again), and the returned message says where
    names were found, masked.
    """
    if config.private_data_dir() is None:
        return ""  # the demonstration set holds no names (and pandas need not be imported)
    from ..disclosure import DisclosureError, check_build

    try:
        check_build(layout.build, extra_dirs=[layout.root / "figures", layout.root / "tables"])
    except DisclosureError as exc:
        for path in exc.files:
            path.unlink(missing_ok=True)
            for name, entry in entries.items():
                # a page or notebook, or an export folder
                if name in (path.stem, path.parent.name) and entry.get("inputs"):
                    entry["inputs"]["key"] = None
        return f"ÉCHEC du contrôle des noms : les fichiers concernés ont été supprimés des sorties.\n{exc}"
    return ""


def render_only(
    runs: Sequence[Run], *, out: Path | None = None, progress: Callable[[str], None] | None = print
) -> bool:
    """Re-render the pages of ``runs`` from their executed notebooks, then the index.

    Executes nothing (``make html``: after a change of the page template or style).
    Returns False when a run has no executed notebook yet. Holds the root's lock.
    """
    import nbformat

    from . import pages

    say = _masked(progress, NameMask())
    layout = Layout(Path(out) if out is not None else config.PROJECT_ROOT)
    for run in runs:
        layout.check_name(run.name)
    with lock.hold(layout.lock, layout.root):
        manifest = read_manifest(layout)
        entries = manifest["runs"]
        ok = True
        for run in runs:
            executed = layout.notebook(run.name)
            entry = entries.get(run.name)
            if not executed.is_file() or entry is None:
                say(f"absent    {run.name} : aucun notebook exécuté, lancez d'abord `odas-analysis run`")
                ok = False
                continue
            nb = nbformat.read(executed, as_version=4)
            simulated = pages.is_simulated(nb)
            for audience in pages.AUDIENCES:
                html = pages.render_page(
                    nb,
                    name=run.name,
                    title=run.title,
                    audience=audience,
                    simulated=simulated,
                    navigation=run.navigation,
                    exports=[*entry.get("outputs", {}).get("figures", []), *entry.get("outputs", {}).get("tables", [])],
                )
                files.write_bytes(layout.page(run.name, audience), html.encode("utf-8"))
            entry.update({"title": run.title, "simulated": simulated})
            say(f"rendu     {run.name}")
        write_manifest(layout, manifest)
        say(f"sommaire : {pages.write_index(layout, entries)}")
    return ok
