"""The batch on Dask distributed (``odas-analysis run --executor dask``): the same jobs, other machines.

Leader (the command)
    Connects to ``--scheduler tcp://HOST:8786``, or starts a :class:`distributed.LocalCluster`
    of ``--jobs`` single-threaded worker processes on this machine. It registers a
    :class:`KernelPlugin` on every worker (present and future), submits one task per run
    (longest first, as the local pool does), and writes what each task returns: the
    executed notebook, both pages, the figures and the tables travel back **as bytes**,
    so the workers need no filesystem in common with the leader (only the same project
    installed, with the same data: checked, see below).

Workers
    The plugin gives each Dask worker what a process of the local pool has: a kernel
    zygote (:mod:`.zygote`, one per Dask worker), a :class:`~.pool.Worker` per worker
    thread keeping one warm kernel ahead, and a private scratch root where the run's
    outputs are written, read back into the task's result, then removed. The notebook
    templates (the files of their directory) are shipped with the plugin.

Same code, same data
    Each worker computes the digest of its package source and of its data (the files
    the notebooks read, :func:`.cache.data_dirs`) and of the settings read from the
    environment; a task on a worker whose digests differ from the leader's fails with a
    message saying so, rather than publishing pages computed from other inputs. The
    leader's ``ODAS_DISCLOSURE_THRESHOLD`` and ``ODAS_PRIVATE_DATA`` are set on the
    workers before their zygote starts.

Failures
    A failing notebook fails its run only, as in the local pool. A worker process that
    dies (killed, out of memory) fails the run it was executing: the scheduler would
    hand the task to another worker, but each task notes on the scheduler that it
    started (``Client.set_metadata``) and a second attempt returns « failed » at once
    rather than executing again. A run that had ended on a worker that then died, before
    the leader fetched its result, notes that it ended, and is executed again
    (:func:`died_during`). Ctrl-C cancels every future, kills the kernels of this
    batch on every worker and returns within a few seconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from .. import files
from ..errors import OdasError
from .cache import Layout
from .plan import Run
from .pool import RunResult

CONNECT_TIMEOUT = 30
"""Seconds to reach a scheduler given by ``--scheduler``."""

WORKERS_TIMEOUT = 120
"""Seconds to wait for a first worker on that scheduler."""

WORDS = {
    "source": "le code du paquet",
    "data": "les données",
    "environment": "les réglages",
    "national": "les fichiers nationaux",
}
"""What a worker compares with the leader before running a job (see :func:`inputs_digest`), in French."""

METADATA_ROOT = "odas-analysis"
"""Top key of this project's entries in the scheduler's metadata store."""


# --------------------------------------------------------------------------- leader


def execute(
    runs: list[Run],
    layout: Layout,
    jobs: int,
    kernel_name: str,
    cell_timeout: int | None,
    fork: bool = True,
    stop: Callable[[], bool] | None = None,
    scheduler: str | None = None,
) -> Iterator[RunResult]:
    """Yield a :class:`RunResult` per run as it ends, from Dask workers (see the module docstring).

    Same contract as :func:`.pool.execute`: when ``stop`` returns True the results
    already in are yielded, the rest are cancelled and not yielded.
    """
    with connect(scheduler, jobs) as client:
        batch = DaskBatch(client, runs, layout, kernel_name, cell_timeout, fork, own_workers=not scheduler)
        try:
            yield from batch.results(stop or (lambda: False))
        finally:
            batch.close()


@contextlib.contextmanager
def connect(scheduler: str | None, jobs: int):
    """A Dask client: on ``scheduler``, or on a LocalCluster of ``jobs`` worker processes (closed after)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise OdasError(f"--scheduler {scheduler} : ordonnanceur Dask injoignable ({exc})") from None
        try:
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except TimeoutError:
                raise OdasError(
                    f"--scheduler {scheduler} : aucun travailleur Dask connecté après {WORKERS_TIMEOUT} s "
                    "(lancez `dask worker` sur les machines de calcul)"
                ) from None
            yield client
        finally:
            client.close()
        return
    import dask

    # No dashboard, so nobody reads the workers' statistical profile: its thread would
    # still sample every worker's stacks every 10 ms (about 0.08 s of CPU a page, measured)
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=0,  # the kernels are other processes: the nanny could not see their memory anyway
            silence_logs=logging.ERROR,
        )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


class DaskBatch:
    """The futures of one batch on one Dask client, and what their results become on disk."""

    def __init__(
        self, client, runs: list[Run], layout: Layout, kernel_name: str, cell_timeout, fork: bool, own_workers=False
    ):
        from .pool import worker_config

        self.client = client
        self.layout = layout
        self.batch_id = uuid.uuid4().hex[:12]
        self.plugin_name = f"odas-analysis-{self.batch_id}"
        dirs = sorted({str(r.template.parent.resolve()) for r in runs})
        self.template_dir = {d: i for i, d in enumerate(dirs)}
        plugin = KernelPlugin(
            self.plugin_name,
            worker_config(runs, layout, kernel_name, cell_timeout),
            {i: template_files(Path(d)) for d, i in self.template_dir.items()},
            fork=fork,
            expected=inputs_digest(),
            settings=env_settings(),
            ignore_sigint=own_workers,
        )
        client.register_plugin(plugin, name=self.plugin_name)
        self.futures: dict[Any, str] = {}
        for run in runs:  # already in the order to run (longest first): Dask keeps submission order
            job = run.to_job()
            job["template_dir"] = self.template_dir[str(run.template.parent.resolve())]
            future = client.submit(
                run_job, self.plugin_name, self.batch_id, job, key=f"odas-{self.batch_id}-{run.name}", pure=False
            )
            self.futures[future] = run.name
        self.started = {name: time.perf_counter() for name in self.futures.values()}

    def results(self, stop: Callable[[], bool]) -> Iterator[RunResult]:
        from distributed import as_completed

        pending = as_completed(list(self.futures), loop=self.client.loop)
        while not pending.is_empty():
            if stop():
                finished = [f for f in self.futures if f.status in {"finished", "error"}]
                self._cancel()
                for future in finished:  # ended before the stop: recorded, as the local pool does
                    yield self._result(future)
                return
            if not pending.has_ready():
                time.sleep(0.1)
                continue
            yield from self._ready(pending)

    def _ready(self, pending) -> Iterator[RunResult]:
        for future in pending.next_batch(block=False):
            yield self._result(future)

    def _result(self, future) -> RunResult:
        name = self.futures.pop(future)
        try:
            payload = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost worker, a cancelled future: this run's failure
            seconds = time.perf_counter() - self.started[name]
            return RunResult(name, "failed", seconds, error=f"travailleur Dask : {type(exc).__name__}: {exc}")
        finally:
            future.release()
        result = payload["result"]
        try:
            install(self.layout, name, result["status"], payload["files"])
        except (OSError, OdasError) as exc:
            return RunResult(name, "failed", result["seconds"], error=f"sorties non écrites : {exc}")
        return RunResult(**result)

    def _cancel(self) -> None:
        """Ctrl-C: cancel every future, kill this batch's kernels on every worker."""
        self.client.cancel(list(self.futures), force=True)
        with contextlib.suppress(Exception):  # a worker gone already has no kernel left
            self.client.run(stop_kernels, self.plugin_name, wait=True)

    def close(self) -> None:
        if self.futures:
            with contextlib.suppress(Exception):
                self.client.cancel(list(self.futures), force=True)
        with contextlib.suppress(Exception):
            self.client.set_metadata([METADATA_ROOT, self.batch_id], {})
        with contextlib.suppress(Exception):  # teardown on every worker: zygote stopped, scratch removed
            self.client.unregister_worker_plugin(self.plugin_name)


def install(layout: Layout, name: str, status: str, produced: dict[str, bytes]) -> None:
    """Write a run's outputs sent back as bytes where the local pool's worker would have put them.

    ``produced`` maps paths relative to the output root to bytes. Each path must be one
    of the run's own outputs (its notebook, its pages, files below its ``figures/`` and
    ``tables/`` folders); anything else is refused. A successful run's figures and tables
    replace the previous ones as a whole (or remove them, when it produced none) and its
    failed notebook, if any, is removed; a failed run writes its notebook under
    ``build/notebooks/failed/`` and touches nothing else.
    """
    from .pages import AUDIENCES

    single = {layout.rel(layout.notebook(name)), layout.rel(layout.failed_notebook(name))}
    single |= {layout.rel(layout.page(name, audience)) for audience in AUDIENCES}
    trees: dict[str, dict[str, bytes]] = {"figures": {}, "tables": {}}
    for rel, data in produced.items():
        head, _, rest = rel.partition(f"/{name}/")
        if rel in single:
            continue
        if head in trees and rest and rel == f"{head}/{name}/{rest}":
            files.under(layout.root / head / name, rest)  # refuses ``..`` and absolute parts
            trees[head][rest] = data
            continue
        raise OdasError(f"fichier inattendu renvoyé par un travailleur Dask pour {name} : {rel!r}")
    if status != "done":
        failed = layout.rel(layout.failed_notebook(name))
        if failed in produced:
            files.write_bytes(layout.failed_notebook(name), produced[failed])
        return
    for audience in AUDIENCES:
        rel = layout.rel(layout.page(name, audience))
        if rel in produced:
            files.write_bytes(layout.page(name, audience), produced[rel])
    notebook = layout.rel(layout.notebook(name))
    if notebook in produced:
        files.write_bytes(layout.notebook(name), produced[notebook])
    layout.failed_notebook(name).unlink(missing_ok=True)
    for kind, final in (("figures", layout.figures(name)), ("tables", layout.tables(name))):
        if trees[kind]:
            files.write_tree(trees[kind], final)
        elif final.exists():
            shutil.rmtree(final)


def template_files(directory: Path) -> dict[str, bytes]:
    """The files of a templates directory (not below it, no hidden file): the notebooks and their modules."""
    return {
        p.name: p.read_bytes()
        for p in sorted(directory.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.suffix in {".ipynb", ".py", ".csv", ".json", ".toml"}
    }


#: Set by the Dask nanny for its worker's own memory management (``distributed.nanny.
#: pre-spawn-environ``), and inherited by the zygote and kernels it never manages: glibc
#: then hands freed memory back on every ``free``, and a territory page costs its kernel
#: about 5 % more CPU (measured, 60 pages, local pool with and without it). The kernels
#: get the leader's value instead, as with the local pool.
NANNY_ONLY_ENV = ("MALLOC_TRIM_THRESHOLD_",)


def env_settings() -> dict[str, str | None]:
    """The leader's values of the variables a kernel must see as the leader has them.

    Those that change what a notebook computes (:data:`.cache.ENV_SETTINGS`) and those the
    nanny sets for its own process only (:data:`NANNY_ONLY_ENV`); ``None`` means unset.
    """
    from .cache import ENV_SETTINGS

    return {name: os.environ.get(name) for name in (*ENV_SETTINGS, *NANNY_ONLY_ENV)}


def inputs_digest() -> dict[str, str]:
    """Digests of what a run's results depend on besides its job: package source, data, settings."""
    from .cache import DataHasher, data_dirs, environment_digest, source_digest

    return {
        "source": source_digest(),
        "data": DataHasher(data_dirs()).digest(None),
        "environment": environment_digest(),
        "national": national_digest(),
    }


def national_digest() -> str:
    """Digest of the content of the national files the pages read (``ODAS_NATIONAL_DATA``), ``""`` if unset.

    By content, not by modification time: the leader and a worker on another machine
    hold copies (about 35 MB, hashed in a tenth of a second).
    """
    from ..config import NATIONAL_DATA_ENV
    from ..national.codes import NATIONAL_FOLDERS

    base = os.environ.get(NATIONAL_DATA_ENV)
    if not base or not Path(base).is_dir():
        return ""
    parts = [
        f"{folder}/{path.name}:{files.sha256_file(path)}"
        for folder in NATIONAL_FOLDERS
        for path in sorted((Path(base) / folder).glob("*.csv"))
    ]
    return files.sha256_bytes("\n".join(parts).encode())


# --------------------------------------------------------------------------- workers


class KernelPlugin(WorkerPlugin):
    """A Dask worker plugin: a zygote and warm kernels per Dask worker, a scratch root, the templates.

    Registered by the leader with :meth:`distributed.Client.register_plugin` (set up on
    every worker, including those that join or restart later), removed at the end of
    the batch (:meth:`teardown` stops the zygote and removes the scratch root).
    """

    def __init__(
        self,
        name: str,
        cfg: dict[str, Any],
        templates: dict[int, dict[str, bytes]],
        *,
        fork: bool,
        expected: dict[str, str],
        settings: dict[str, str | None],
        ignore_sigint: bool = False,
    ):
        self.name = name
        self.cfg = cfg
        self.templates = templates
        self.fork = fork
        self.expected = expected
        self.settings = settings
        self.ignore_sigint = ignore_sigint
        self._state: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_state"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _state=None)

    def setup(self, worker) -> None:
        """On the worker's event loop: directories, templates, zygote (its imports run in its own process)."""
        from .zygote import Zygote, ipc_directory

        if self.ignore_sigint and threading.current_thread() is threading.main_thread():
            # the LocalCluster's workers are in the terminal's process group: on Ctrl-C the leader
            # decides (cancels, stops the kernels, closes the cluster), as with the local pool
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
        # see pool._worker_main: a 1.3 s import the notebook schema never needs
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
        for key, value in self.settings.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        scratch = Path(tempfile.mkdtemp(prefix="odas-batch-", dir=getattr(worker, "local_directory", None)))
        for index, contents in self.templates.items():
            for filename, data in contents.items():
                files.write_bytes(files.under(scratch / "templates" / str(index), filename), data)
        cfg = {
            **self.cfg,
            "root": str(scratch / "root"),
            "staging_id": "dask",
            "leader_pid": os.getpid(),
            "cwd": str(scratch / "templates" / "0"),
        }
        ipc_dir = ipc_directory()
        zygote = Zygote.start(cfg, ipc_dir) if self.fork else None
        cfg["zygote_socket"] = zygote.socket_path if zygote is not None else None
        self._state = {
            "scratch": scratch,
            "ipc_dir": ipc_dir,
            "zygote": zygote,
            "cfg": cfg,
            "layout": Layout(Path(cfg["root"]), "dask"),
            "workers": [],
            "local": threading.local(),
            "lock": threading.Lock(),
            "mismatch": None,
            "address": getattr(worker, "address", "?"),
        }

    def teardown(self, worker) -> None:
        state, self._state = self._state, None
        if state is None:
            return
        for job_worker in state["workers"]:
            with contextlib.suppress(Exception):
                job_worker.close()
        if state["zygote"] is not None:
            state["zygote"].close()
        shutil.rmtree(state["ipc_dir"], ignore_errors=True)
        shutil.rmtree(state["scratch"], ignore_errors=True)

    # the batch's side

    def _job_worker(self, state: dict[str, Any]):
        """This thread's :class:`~.pool.Worker` (one per worker thread: each keeps its own kernel ahead)."""
        from .pool import Worker

        job_worker = getattr(state["local"], "worker", None)
        if job_worker is None:
            job_worker = Worker(state["cfg"])
            state["local"].worker = job_worker
            with state["lock"]:
                state["workers"].append(job_worker)
        return job_worker

    def _check_inputs(self, state: dict[str, Any]) -> str:
        """Why this worker must not run the batch's jobs (different code or data), or ``""``."""
        with state["lock"]:
            if state["mismatch"] is None:
                got = inputs_digest()
                differ = [k for k in WORDS if got.get(k) != self.expected.get(k)]
                state["mismatch"] = (
                    f"le travailleur Dask {state['address']} n'a pas les mêmes entrées que la commande "
                    f"({', '.join(WORDS[k] for k in differ)}) : installez la même version du projet et des données "
                    "sur chaque machine (ODAS_NATIONAL_DATA compris)"
                    if differ
                    else ""
                )
            return state["mismatch"]

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Execute one job on this worker; return its result and its outputs as bytes."""
        state = self._state
        if state is None:
            raise RuntimeError("the odas-analysis worker plugin is not set up on this worker")
        mismatch = self._check_inputs(state)
        if mismatch:
            return _failed(job["name"], mismatch)
        template = state["scratch"] / "templates" / str(job["template_dir"]) / Path(job["template"]).name
        local_job = {**job, "template": str(template)}
        result = self._job_worker(state).execute(local_job)
        return {"result": result, "files": collect(state["layout"], job["name"], result)}

    def stop_kernels(self) -> None:
        """Kill the kernels this worker's threads hold (Ctrl-C on the leader)."""
        from . import lifetime

        lifetime.kill_kernels()


def collect(layout: Layout, name: str, result: dict[str, Any]) -> dict[str, bytes]:
    """Read a run's outputs from the worker's scratch root (paths relative to it), then remove them there."""
    from .pages import AUDIENCES

    produced: dict[str, bytes] = {}
    paths = [layout.failed_notebook(name)]
    if result["status"] == "done":
        outputs = result["outputs"]
        paths += [layout.root / outputs[k] for k in ("notebook", "html_reviewers", "html_researchers")]
        paths += [layout.root / rel for kind in ("figures", "tables") for rel in outputs.get(kind, [])]
    for path in paths:
        if path.is_file():
            produced[layout.rel(path)] = path.read_bytes()
    for audience in AUDIENCES:
        layout.page(name, audience).unlink(missing_ok=True)
    layout.notebook(name).unlink(missing_ok=True)
    layout.failed_notebook(name).unlink(missing_ok=True)
    shutil.rmtree(layout.figures(name), ignore_errors=True)
    shutil.rmtree(layout.tables(name), ignore_errors=True)
    return produced


def _failed(name: str, error: str) -> dict[str, Any]:
    result = {"name": name, "status": "failed", "seconds": 0.0, "error": error, "outputs": {}, "simulated": False}
    return {"result": result, "files": {}}


def died_during(previous: object) -> str:
    """Why a run's new attempt must fail, from what its previous attempt recorded ('' if it may run).

    ``None``: a first attempt. The address of a worker (a string): that worker died while
    the run executed, which fails the run (as the local pool does). ``{"ended_on": ...}``:
    the run had ended, but its result died with its worker before the leader fetched it;
    Dask computes it again, and so does the run.
    """
    if isinstance(previous, str):
        return f"le travailleur Dask qui l'exécutait s'est arrêté ({previous})"
    return ""


def run_job(plugin_name: str, batch_id: str, job: dict[str, Any]) -> dict[str, Any]:
    """The Dask task of one run (executed on a worker)."""
    from distributed import get_client, get_worker

    worker = get_worker()
    key = [METADATA_ROOT, batch_id, job["name"]]
    client = get_client()
    refused = died_during(client.get_metadata(key, default=None))
    if refused:
        return _failed(job["name"], refused)
    client.set_metadata(key, worker.address)
    plugin = worker.plugins.get(plugin_name)
    if plugin is None:
        return _failed(job["name"], f"le travailleur Dask {worker.address} n'a pas le greffon du lot")
    payload = plugin.run(job)
    client.set_metadata(key, {"ended_on": worker.address})
    return payload


def stop_kernels(plugin_name: str, dask_worker=None) -> None:
    """Run on every worker by the leader after Ctrl-C."""
    plugin = (dask_worker.plugins if dask_worker is not None else {}).get(plugin_name)
    if plugin is not None:
        plugin.stop_kernels()
