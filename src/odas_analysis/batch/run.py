"""The batch itself: cache check, execution by the pool, manifest, index and names check."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config, files
from ..errors import ParameterError
from .cache import (
    MANIFEST_VERSION,
    DataHasher,
    Layout,
    data_dirs,
    environment_digest,
    input_hashes,
    outputs_exist,
    read_manifest,
    source_digest,
    tool_versions,
    write_manifest,
)
from .plan import Run
from .pool import RunResult, execute

STATUS_WORDS = {"done": "fait", "skipped": "inchangé", "failed": "ÉCHEC"}


# --------------------------------------------------------------------------- batch


@dataclass
class BatchResult:
    """Results of :func:`run_batch`, in plan order, and the wall time."""

    results: list[RunResult]
    seconds: float
    #: Set when the names check found a participant name in the outputs (then the
    #: offending files were removed and the batch counts as failed).
    disclosure_error: str = ""

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.disclosure_error


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",") + " s"


def _progress_line(index: int, total: int, result: RunResult) -> str:
    width = len(str(total))
    word = STATUS_WORDS[result.status]
    line = f"[{index:>{width}}/{total}] {word:<9} {result.name:<28} {_fmt_seconds(result.seconds):>8}"
    if result.status == "failed" and result.error:
        line += f"  {result.error.splitlines()[-1][:160]}"
    return line


def summary_text(batch: BatchResult, layout: Layout) -> str:
    """The closing lines of a batch: counts, wall time, failed notebooks to open."""
    total = len(batch.results)
    text = (
        f"{total} exécution(s) : {batch.count('done')} faite(s), {batch.count('skipped')} inchangée(s) "
        f"(ignorée(s)), {batch.count('failed')} en échec ; {_fmt_seconds(batch.seconds)}"
    )
    for r in batch.failed:
        text += f"\n  échec : {r.name} -> {layout.rel(layout.failed_notebook(r.name))}"
    if batch.disclosure_error:
        text += "\n  échec du contrôle des noms : voir ci-dessus"
    if total:
        text += f"\n  sommaire : {layout.index}"
    return text


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
        ``_zygote_main``); False launches every kernel afresh (slower, for comparison
        and as a fallback).
    """
    started = time.perf_counter()
    say = progress or (lambda _line: None)
    layout = Layout(Path(out) if out is not None else config.PROJECT_ROOT)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise ParameterError(f"--jobs {jobs}: expected at least 1")

    ledger = _Ledger(layout, runs, DataHasher(list(data) if data is not None else data_dirs()), say)
    todo = ledger.skip_fresh(force)
    if todo:
        by_name = {r.name: r for r in todo}
        # longest first (from the last execution), so that no long run is left alone at the end
        todo.sort(key=lambda r: -float((ledger.entries.get(r.name) or {}).get("executed_seconds") or 0.0))
        for res in execute(todo, layout, min(jobs, len(todo)), kernel_name, cell_timeout, fork_kernels):
            ledger.record(by_name[res.name], res)
            ledger.save()
        if source_digest() != ledger.source:
            # The package changed on disk while notebooks ran: kernels forked from the
            # zygote may have mixed the old and the new code. Keep the pages, drop the keys.
            ledger.forget_keys(r.name for r in todo)
            say(
                "attention : le code du paquet a changé pendant l'exécution ; "
                "ces exécutions seront refaites à la prochaine commande"
            )
    return ledger.close(started)


class _Ledger:
    """The manifest of a batch as it goes: what was skipped, executed, failed."""

    def __init__(self, layout: Layout, runs: Sequence[Run], data: DataHasher, say: Callable[[str], None]):
        self.layout = layout
        self.runs = list(runs)
        self.say = say
        self.source = source_digest()
        env = environment_digest()
        self.manifest = read_manifest(layout)
        self.entries: dict[str, Any] = self.manifest["runs"]
        self.tools = tool_versions()
        self.hashes = {r.name: input_hashes(r, data, self.source, env) for r in runs}
        self.results: dict[str, RunResult] = {}

    def _announce(self, res: RunResult) -> None:
        self.results[res.name] = res
        self.say(_progress_line(len(self.results), len(self.runs), res))

    def skip_fresh(self, force: bool) -> list[Run]:
        """Mark as skipped the runs whose inputs and outputs are as recorded; return the others."""
        todo: list[Run] = []
        for run in self.runs:
            entry = self.entries.get(run.name)
            fresh = (
                not force
                and entry is not None
                and entry.get("status") in {"done", "skipped"}
                and entry.get("inputs", {}).get("key") == self.hashes[run.name]["key"]
                and outputs_exist(self.layout, entry)
            )
            if not fresh:
                todo.append(run)
                continue
            outputs = entry.get("outputs", {})
            self._announce(RunResult(run.name, "skipped", 0.0, outputs=outputs, simulated=bool(entry.get("simulated"))))
            entry["status"] = "skipped"
            entry["seconds"] = 0.0
        return todo

    def record(self, run: Run, res: RunResult) -> None:
        """Record an executed run: its new key and outputs, or its failure (and no key)."""
        self._announce(res)
        entry = dict(self.entries.get(run.name) or {})
        entry.update(
            {
                "kind": run.kind,
                "title": run.title,
                "template": files.display_path(run.template),
                "parameters": run.parameters,
                "status": res.status,
                "seconds": round(res.seconds, 2),
                "tools": self.tools,
            }
        )
        if res.status == "done":
            entry.update(
                {
                    "inputs": self.hashes[run.name],
                    "outputs": res.outputs,
                    "simulated": res.simulated,
                    "executed_seconds": round(res.seconds, 2),
                    "error": "",
                }
            )
        else:
            # keep the previous outputs (still valid pages) but never their cache key
            entry["inputs"] = {**self.hashes[run.name], "key": None}
            entry["error"] = res.error
            entry["failed_notebook"] = self.layout.rel(self.layout.failed_notebook(run.name))
        self.entries[run.name] = entry
        self.manifest["tools"] = self.tools

    def forget_keys(self, names: Iterable[str]) -> None:
        for name in names:
            if name in self.entries and self.entries[name].get("inputs"):
                self.entries[name]["inputs"]["key"] = None

    def save(self) -> None:
        self.manifest.update({"version": MANIFEST_VERSION, "runs": self.entries})
        self.manifest.setdefault("tools", self.tools)
        write_manifest(self.layout, self.manifest)

    def close(self, started: float) -> BatchResult:
        """Write the manifest and the index, check the names, say the summary."""
        from .pages import write_index

        batch = BatchResult([self.results[r.name] for r in self.runs], time.perf_counter() - started)
        self.manifest["last_batch"] = {
            "runs": [r.name for r in self.runs],
            "done": batch.count("done"),
            "skipped": batch.count("skipped"),
            "failed": batch.count("failed"),
            "seconds": round(batch.seconds, 2),
        }
        self.save()
        write_index(self.layout, self.entries)
        batch.disclosure_error = _check_names(self.layout, self.entries)
        if batch.disclosure_error:
            self.save()
            self.say(batch.disclosure_error)
        batch.seconds = time.perf_counter() - started
        self.say(summary_text(batch, self.layout))
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
    Returns False when a run has no executed notebook yet.
    """
    import nbformat

    from . import pages

    say = progress or (lambda _line: None)
    layout = Layout(Path(out) if out is not None else config.PROJECT_ROOT)
    manifest = read_manifest(layout)
    entries = manifest["runs"]
    ok = True
    for run in runs:
        executed = layout.notebook(run.name)
        entry = entries.get(run.name)
        if not executed.is_file() or entry is None:
            say(f"absent    {run.name}: no executed notebook, run `odas-analysis run` first")
            ok = False
            continue
        nb = nbformat.read(executed, as_version=4)
        simulated = pages.is_simulated(nb)
        for audience in pages.AUDIENCES:
            html = pages.render_page(nb, name=run.name, title=run.title, audience=audience, simulated=simulated)
            files.write_bytes(layout.page(run.name, audience), html.encode("utf-8"))
        entry.update({"title": run.title, "simulated": simulated})
        say(f"rendu     {run.name}")
    write_manifest(layout, manifest)
    say(f"sommaire : {pages.write_index(layout, entries)}")
    return ok
