"""The kernel zygote: a process that did the imports once and forks a fresh kernel per notebook."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import Any

PACKAGE = "odas_analysis"

#: Options of every batch kernel. No IPython history: a batch kernel runs one notebook
#: and dies, and its cells (which may hold what a person typed) have no business in the
#: user's ``history.sqlite``; writing it also cost each kernel a few hundredths of a second.
KERNEL_ARGS = ("--HistoryManager.enabled=False",)

#: What every kernel imports before its first cell. ipykernel.debugger (and debugpy):
#: imported when an IPythonKernel is created (about 0.1 s a kernel otherwise). The rest:
#: what the kernel's shell imports as it starts (its inspector, completer, debugger and
#: store magic; tornado's asyncio loop), listed by comparing a forked kernel's modules
#: with the zygote's: a fifth of a kernel's start otherwise.
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "IPython.utils.wildcard",
    "tornado.platform.asyncio",
)

#: Libraries the package imports inside functions, on first use: in the zygote only, so
#: that no forked kernel pays them (statsmodels.api, for the interview models of the
#: hypothesis pages: 0.7 s a kernel); a launched kernel still imports them when needed.
LAZY_IMPORTS = ("statsmodels.api", "openpyxl")

PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "odas_analysis",
    "odas_analysis.figures.style",
    "odas_analysis.figures.generic",
    "odas_analysis.export",
    "odas_analysis.batch.pages",
)


# --------------------------------------------------------------------------- kernel zygote
#
# On two cores, a kernel warmed ahead of need hides the latency of its start but not its
# CPU: every notebook still pays the interpreter start, IPython's and the scientific
# imports (about 2 s of CPU), which is what makes papermill three times slower than the
# same code run as plain functions. The zygote pays them once per batch: a process
# that imports ipykernel, the scientific stack and the modules the templates import,
# then forks a kernel for each notebook. The child starts as pristine as a freshly
# launched kernel that had run those imports (no user state, no history, its own
# session), and it is used for one notebook only, then killed.
#
# Safety of fork: the zygote imports but never starts anything (no zmq context, no
# thread: checked before it answers), never imports matplotlib's inline backend (it must
# bind to the child's IPython shell), and the child re-seeds numpy's global generator.
# Only the ``python3`` kernel of this interpreter (ipykernel) is forked; any other kernel
# is launched the usual way.


def zygote_supported(kernel_name: str) -> bool:
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except Exception:  # noqa: BLE001 - unknown kernel: launch it the usual way
        return False
    argv = list(spec.argv)
    python_names = {
        "python",
        f"python{sys.version_info[0]}",
        f"python{sys.version_info[0]}.{sys.version_info[1]}",
        sys.executable,
    }
    return bool(argv) and argv[0] in python_names and "ipykernel_launcher" in argv and spec.language == "python"


ZYGOTE_CODE = "import gc; gc.disable(); from odas_analysis.batch.zygote import zygote_main; zygote_main()"
"""The zygote's command (``python -c``): the garbage collector is off until :func:`zygote_main` freezes."""


def ipc_directory() -> str:
    """A new private directory for the zygote's socket and its kernels' (``odas-z-*``, in the temporary directory).

    Short on purpose: a Unix socket's path holds about 100 characters at most.
    """
    import tempfile

    return tempfile.mkdtemp(prefix="odas-z-")


class Zygote:
    """The kernel zygote process, started by the batch and shared by its workers.

    It listens on a Unix socket; each worker holds a :class:`ZygoteClient`. It stops
    when its standard input closes (the batch ended, or died).
    """

    def __init__(self, proc, socket_path: str):
        self.proc = proc
        self.socket_path = socket_path

    @classmethod
    def start(cls, cfg: dict[str, Any], ipc_dir: str) -> Zygote | None:
        """The zygote for ``cfg``'s kernel, or None when that kernel is not this interpreter's ipykernel."""
        if not zygote_supported(cfg["kernel_name"]):
            return None
        return cls.spawn(cfg, ipc_dir)

    @classmethod
    def spawn(cls, cfg: dict[str, Any], ipc_dir: str) -> Zygote:
        """Start the zygote process without asking whether ``cfg``'s kernel can be forked (see :meth:`start`)."""
        import subprocess

        socket_path = os.path.join(ipc_dir, "zygote.sock")
        env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        request = json.dumps({"preload": cfg.get("preload_modules", []), "socket": socket_path, "leader": os.getpid()})
        proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE_CODE, request],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cfg["cwd"],
            env=env,
        )
        return cls(proc, socket_path)

    def close(self) -> None:
        """Stop the zygote now: it holds nothing worth a clean exit (its kernels are gone)."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait()


class ZygoteClient:
    """A worker's connection to the shared zygote: one fork request at a time."""

    def __init__(self, socket_path: str, timeout: float = 120.0):
        self.socket_path = socket_path
        self.timeout = timeout
        self._file = None

    def _connect(self):
        import socket

        deadline = time.monotonic() + self.timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.socket_path)
                return sock.makefile("rw", encoding="utf-8", newline="\n")
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError("the kernel zygote did not start") from None
                time.sleep(0.05)

    def fork(self, connection_file: str, cwd: str) -> int:
        if self._file is None:
            self._file = self._connect()
        self._file.write(json.dumps({"connection_file": connection_file, "cwd": cwd}) + "\n")
        self._file.flush()
        line = self._file.readline()
        if not line:
            raise RuntimeError("the kernel zygote ended")
        answer = json.loads(line)
        if "pid" not in answer:
            raise RuntimeError(f"the kernel zygote could not fork: {answer.get('error')}")
        return int(answer["pid"])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class _ForkedProcess:
    """The parts of :class:`subprocess.Popen` a provisioner uses, for a forked kernel.

    The kernel is the zygote's child (which reaps it as soon as it ends), not ours:
    liveness is probed with signal 0.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -9
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)


def fork_provisioner(km, zygote: ZygoteClient):
    """A jupyter_client LocalProvisioner whose kernels are forked by ``zygote``."""
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            connection_file = cmd[cmd.index("-f") + 1]
            cwd = str(kwargs.get("cwd") or os.getcwd())
            pid = zygote.fork(connection_file, cwd)
            self.process = _ForkedProcess(pid)
            self.pid = pid
            self.pgid = pid  # the child calls setsid()
            self.cwd = cwd
            return self.connection_info

        async def kill(self, restart: bool = False) -> None:
            """SIGKILL the kernel's process group, then wait (finely) until the zygote has reaped it.

            The kernel manager then polls the kernel every 0.1 s until it is gone, and at
            its first look the zygote has not yet collected it: a tenth of a second lost
            per notebook. A killed kernel is reaped within milliseconds.
            """
            import asyncio

            await super().kill(restart=restart)
            deadline = time.monotonic() + 1.0
            while self.process is not None and self.process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.002)

    return ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


def zygote_main() -> None:
    """Body of the zygote process (see the comment above :func:`zygote_supported`)."""
    import gc
    import signal
    import socket

    from .lifetime import die_with_parent

    request = json.loads(sys.argv[1])
    die_with_parent(request["leader"], signal.SIGKILL)  # the kernels, forked from us, follow (see _become_kernel)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides when we stop
    # listen at once: workers may connect while the imports run (they queue)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(request["socket"])
    listener.listen(16)
    problems = _preload(request.get("preload", []))
    # Everything imported and warmed is moved out of the collector's sight: a kernel's
    # collections no longer walk (nor write to, copying the page) the objects it shares
    # with the zygote. As the gc module's documentation advises before fork(), the
    # collector was off meanwhile (ZYGOTE_CODE): the imports create hundreds of thousands
    # of objects and almost no garbage (about 6,000 objects in cycles), and the
    # collections they would trigger, with a final one, cost 0.4 s of the zygote's 2.7,
    # during which no kernel can start. The kernels inherit the collector switched on.
    gc.freeze()
    gc.enable()
    signal.signal(signal.SIGCHLD, _reap)
    _serve(listener, problems, devnull)


def _preload(extra: list[str]) -> list[str]:
    """Import and warm what every kernel needs; return why forking would be unsafe (if it would)."""
    import importlib
    import threading

    for name in [*KERNEL_MODULES, *PRELOAD, *_package_modules(), *LAZY_IMPORTS, *extra]:
        with contextlib.suppress(Exception):  # the notebook will raise it itself, where it belongs
            importlib.import_module(name)
    for warm in (_warm_caches, _warm_project_data, _warm_statistics, _warm_national_index):
        with contextlib.suppress(Exception):  # only a cache: the kernel would fill it itself
            warm()
    problems = []
    if threading.active_count() != 1:
        problems.append(f"{threading.active_count()} threads after the imports")
    if "matplotlib_inline.backend_inline" in sys.modules:
        problems.append("matplotlib's inline backend was imported before the shell exists")
    return problems


def _reap(_signum, _frame) -> None:
    """Kernels are the zygote's children: collect them (and their CPU time)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _serve(listener, problems: list[str], devnull: int) -> None:
    """Answer fork requests until the batch closes our standard input."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    clients: dict[Any, Any] = {}
    while True:
        for key, _ in sel.select():
            if key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):
                    return  # the batch closed our standard input: stop
                continue
            if key.data == "accept":
                conn, _addr = listener.accept()
                clients[conn] = conn.makefile("rw", encoding="utf-8", newline="\n")
                sel.register(conn, selectors.EVENT_READ, "client")
                continue
            conn = key.fileobj
            stream = clients[conn]
            line = stream.readline()
            if not line:
                sel.unregister(conn)
                stream.close()
                conn.close()
                del clients[conn]
                continue
            if problems:
                reply = {"error": "; ".join(problems)}
            else:
                reply = _fork_kernel(json.loads(line), devnull, lambda: _close_all(sel, clients, listener))
            stream.write(json.dumps(reply) + "\n")
            stream.flush()


def _close_all(sel, clients: dict[Any, Any], listener) -> None:
    """In a freshly forked child: close the zygote's selector, client connections and listener."""
    sel.close()
    for other, other_stream in clients.items():
        other_stream.close()
        other.close()
    listener.close()


def _fork_kernel(req: dict[str, Any], devnull: int, close_inherited) -> dict[str, Any]:
    """Fork one kernel for ``req``; return the reply for the worker (its pid, or the error)."""
    try:
        pid = os.fork()
    except OSError as exc:
        return {"error": str(exc)}
    if pid == 0:
        try:
            close_inherited()
            _become_kernel(req, devnull)
        finally:
            os._exit(0)
    return {"pid": pid}


def _warm_caches() -> None:
    """Fill the lazy caches every notebook would fill again: fonts, renderers, CSV engine.

    Drawn on a Figure outside pyplot (pyplot would load the inline backend, which must
    bind to the child's shell) and discarded; no user-visible state remains.
    """
    import io

    import pandas as pd

    from .. import export
    from ..figures import generic, layers

    fig = generic.bar_chart(["Angers", "Arras"], [1234.5, 0.5], title="Préchauffage", xlabel="%", decimals=1)
    ax = fig.axes[0]
    ax.plot([0, 1], [0, 1], "o-")
    ax.legend(["é"])
    for fmt in ("png", "svg"):
        export.figure_bytes(fig, fmt)
    layers.code_digest()  # the key of the kept figure backgrounds
    frame = pd.read_csv(io.StringIO("a,b,c\n1,2.5,x\n3,4.5,y\n"))
    frame.groupby("c").agg({"a": "sum", "b": "mean"}).reset_index().merge(frame, on="c").to_csv(io.StringIO())
    export.table_markdown(frame)
    frame._repr_html_()


NOT_PRELOADED = (
    "odas_analysis.cli",
    "odas_analysis.batch.plan",
    "odas_analysis.batch.cache",
    "odas_analysis.batch.run",
    "odas_analysis.batch.pool",
    "odas_analysis.batch.dask_pool",  # imports distributed (1.5 s): the leader's and the Dask workers' business
    "odas_analysis.batch.territories",
    "odas_analysis.batch.ledger",
    "odas_analysis.batch.lock",
    "odas_analysis.batch.names",
    "odas_analysis.national.download",
    "odas_analysis.national.convert",
    "odas_analysis.national.build",
    "odas_analysis.envfile",
    "odas_analysis.publication",
)
"""Modules of the package that notebooks do not use (command line, batch, publication)."""


def _package_modules() -> list[str]:
    """Every module of the package a notebook may reach, also through imports inside functions."""
    import importlib
    import pkgutil

    package = importlib.import_module(PACKAGE)
    names = [m.name for m in pkgutil.walk_packages(package.__path__, prefix=f"{PACKAGE}.")]
    return sorted(n for n in names if not n.startswith(NOT_PRELOADED))


def _warm_project_data() -> None:
    """Load every table of the data package, and the fieldwork records, once.

    The loaders (:func:`odas_analysis.validate.load_table`,
    :func:`odas_analysis.fieldwork.load_records`) keep per-process caches keyed by the
    files' content, and hand out copies: a kernel forked after this finds them filled,
    as the second notebook of a plain Python process would, and still reads a file
    again if it changed. Without this every kernel re-reads and re-types every table
    (about half of a site notebook's time).
    """
    from .. import config, validate

    descriptor = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    for resource in descriptor.get("resources", []):
        with contextlib.suppress(Exception):  # a bad table is the notebook's to report
            validate.load_table(resource["name"])
    from .. import fieldwork

    fieldwork.load_records()


def _warm_statistics() -> None:
    """Compute what every verdict states: the power of the composite test at the study's size.

    :func:`odas_analysis.hypotheses.power.critical_rho` counts an exact distribution and
    :func:`~odas_analysis.hypotheses.power.power` draws 20,000 samples (seed fixed): 0.16 s
    of CPU as plain Python, in every kernel of a hypothesis page and of the methodology
    otherwise. Both keep their results per process; the values do not depend on it.
    """
    from .. import hypotheses

    hypotheses.power_sentence_fr()


def _warm_national_index() -> None:
    """Read the national index, sum its references and profile one commune and one EPCI.

    The index (every commune and EPCI, their indicators and distributions) is read by the
    site pages and by every territory page: 0.3 to 1.8 s a kernel otherwise. A profile's
    lookups then build what pandas keeps on each of the index's frames on first use (the
    hash table of an index of 35,000 codes, per measure): built once here, and not in
    every kernel, which also no longer copies the memory those builds write (about 0.05 s
    of CPU a territory page, measured against a fork made before them).
    """
    from .. import config

    if not os.environ.get(config.NATIONAL_DATA_ENV):
        return
    from ..national import profile

    index = profile.national_index()
    index.sums  # noqa: B018 - computed once here, inherited by every kernel
    for name, column in (("communes_2026", "code_commune"), ("epci_2026", "siren_epci")):
        with contextlib.suppress(Exception):  # one that fails still leaves the other warmed
            profile.territory_profile(index.data[name][column].iloc[0])


def _become_kernel(req: dict[str, Any], devnull: int) -> None:
    """In a forked child of the zygote: become an ipykernel, as ``ipykernel_launcher`` would."""
    import signal

    from .lifetime import die_with_parent

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    die_with_parent(os.getppid(), signal.SIGKILL)  # never outlive the zygote (nor, hence, the batch)
    os.setsid()
    os.dup2(devnull, 2)
    os.chdir(req["cwd"])
    zygote_pid = os.getppid()
    os.environ["JPY_PARENT_PID"] = str(zygote_pid)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()  # a fresh kernel's global generator is not shared
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    # parent_handle: the kernel exits by itself if the zygote goes away (its trait default
    # was read from the environment when the zygote imported ipykernel, hence the option)
    app.initialize(["-f", req["connection_file"], f"--IPKernelApp.parent_handle={zygote_pid}", *KERNEL_ARGS])
    app.start()
