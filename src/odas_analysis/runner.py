"""The batch: plan -> cache check -> pool of workers -> HTML, index and manifest.

``odas-analysis run`` (and ``make reports``) calls :func:`run_batch` on the runs of
:func:`plan`: one per site (``site-<site_id>``), one per hypothesis
(``hypothese-<H>``), ``methodologie`` and ``synthese``.

Plan
    Each run is a notebook template ``notebooks/<kind>.ipynb``, its parameters (papermill
    injects them after the cell tagged ``parameters``) and an output name. Parameters
    are validated before anything starts (:class:`~odas_analysis.errors.ParameterError`
    names the valid values).

Cache
    A run is skipped when the SHA-256 of its inputs equals the one recorded in
    ``build/manifest.json`` for its last successful execution and its outputs still
    exist. The inputs are: the template's bytes, the parameters (JSON), the data files,
    the package source (``src/odas_analysis/**/*.py``), ``requirements.lock``, the
    Python version and the settings read from the environment
    (``ODAS_DISCLOSURE_THRESHOLD``). For data, a CSV table with a ``site_id`` column is
    *per-site*: a site run hashes its header, its own rows and the rows with an empty
    ``site_id``; the cross-site runs hash every file whole. A change to one site's rows
    thus re-runs that site and the cross-site notebooks only. Every other file under
    ``data/`` (and under ``$ODAS_PRIVATE_DATA`` when set) is read by every run. Executed
    outputs are never hashed (papermill writes timings and random ids into them).

Execution
    ``--jobs`` worker processes (default: one per core), each importing papermill,
    nbclient and nbconvert once. Each worker keeps one kernel ahead: started with the
    IPC transport (no TCP port race between workers, papermill#511) in the template's
    directory, with the scientific stack and the modules the templates import already
    loaded (a silent request, which moves no execution counter). A kernel runs exactly
    one notebook and is discarded, so no state leaks between notebooks, while the next
    one is already warming. The notebook itself is run by
    :func:`papermill.execute_notebook` with that kernel manager: parameter injection,
    the ``injected-parameters`` cell, papermill's metadata and its error marker are
    exactly those of the ``papermill`` command.

Outputs (under the output root: the project, or ``--out DIR``)
    ``build/notebooks/<name>.ipynb``; ``build/html/reviewers/<name>.html`` (code
    hidden) and ``build/html/researchers/<name>.html`` (code shown);
    ``build/html/index.html``; ``figures/<name>/`` and ``tables/<name>/`` (written by
    :mod:`odas_analysis.export` into a staging directory, moved in place when the run
    succeeds); ``build/manifest.json``.

Failures
    A failing notebook is kept as ``build/notebooks/failed/<name>.ipynb`` with its
    traceback; the other runs go on; the previous HTML, figures and tables of that run
    are left untouched (every file is written to a temporary name, then renamed); the
    exit code is 1.

This module imports only the standard library at import time, so that a batch where
everything is skipped costs a fraction of a second.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import queue
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config, files
from .errors import ParameterError

KINDS: tuple[str, ...] = ("site", "hypothese", "methodologie", "synthese")
"""Notebook templates, in the order of the index and of the plan."""

CROSS_SITE_KINDS = frozenset({"hypothese", "methodologie", "synthese"})

KIND_TITLES = {
    "site": "Site : {label}",
    "hypothese": "Hypothèse {id} : {label}",
    "methodologie": "Méthodologie",
    "synthese": "Synthèse",
}

TOOLS = ("python", "papermill", "nbconvert", "nbclient", "ipykernel", "jupyter_client", "pandas", "matplotlib", "numpy")
MANIFEST_VERSION = 1
CACHE_SALT = "odas-runner-1"
"""Bump to invalidate every cached run (when the execution machinery changes meaning)."""

ENV_SETTINGS = (config.DISCLOSURE_THRESHOLD_ENV,)
"""Environment variables whose value changes what a notebook computes."""

STATUS_WORDS = {"done": "fait", "skipped": "inchangé", "failed": "ÉCHEC"}


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Run:
    """One notebook execution: a template, its parameters and an output name."""

    name: str
    kind: str
    template: Path
    parameters: dict[str, Any]
    title: str
    site_id: str | None = None

    def to_job(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "template": str(self.template),
            "parameters": dict(self.parameters),
            "title": self.title,
        }


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def study_sites(study_dir: Path | None = None) -> list[tuple[str, str]]:
    """``(site_id, name)`` of the eleven sites, in the order of ``data/study/sites.csv``.

    Read with :mod:`csv` rather than :func:`odas_analysis.study.site_ids` on purpose: the
    batch must decide in a fraction of a second that nothing changed, without importing
    pandas. ``tests/test_runner.py`` checks both agree.
    """
    rows = _read_csv_rows((study_dir or config.STUDY_DIR) / "sites.csv")
    return [(r["site_id"], r["name"]) for r in rows]


def study_hypotheses(study_dir: Path | None = None) -> list[tuple[str, str]]:
    """``(hypothesis_id, label)`` of the five hypotheses (see :func:`study_sites`)."""
    rows = _read_csv_rows((study_dir or config.STUDY_DIR) / "hypotheses.csv")
    return [(r["hypothesis_id"], r["label"]) for r in rows]


def _split_names(values: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in str(value).split(",") if v.strip())
    return out


def plan(
    *,
    sites: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    notebooks_dir: Path | None = None,
    study_dir: Path | None = None,
) -> list[Run]:
    """Return the runs to consider, validated.

    Parameters
    ----------
    sites
        Site ids (repeatable or comma-separated). When given, site runs are limited to
        them and, unless ``only`` says otherwise, only site runs are planned.
    only
        Kinds (``site``, ``hypothese``, ``methodologie``, ``synthese``) or run names
        (``site-angers``, ``hypothese-H2``...), repeatable or comma-separated.
    notebooks_dir
        Where the templates ``<kind>.ipynb`` live (default ``notebooks/``).
    study_dir
        Where ``sites.csv`` and ``hypotheses.csv`` live (default ``data/study/``).

    Raises
    ------
    ParameterError
        For an unknown site, kind or run name (the message lists the valid ones), or a
        missing template.
    """
    notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS_DIR).resolve()
    site_rows = study_sites(study_dir)
    hyp_rows = study_hypotheses(study_dir)
    valid_sites = [s for s, _ in site_rows]

    wanted_sites = _split_names(sites)
    unknown = [s for s in wanted_sites if s not in valid_sites]
    if unknown:
        raise ParameterError(
            f"unknown site id {', '.join(map(repr, unknown))}; valid site ids: {', '.join(valid_sites)}"
        )

    runs: list[Run] = []
    for site_id, name in site_rows:
        if wanted_sites and site_id not in wanted_sites:
            continue
        runs.append(
            Run(
                f"site-{site_id}",
                "site",
                notebooks_dir / "site.ipynb",
                {"site_id": site_id},
                KIND_TITLES["site"].format(label=name),
                site_id,
            )
        )
    for hyp_id, label in hyp_rows:
        runs.append(
            Run(
                f"hypothese-{hyp_id}",
                "hypothese",
                notebooks_dir / "hypothese.ipynb",
                {"hypothesis_id": hyp_id},
                KIND_TITLES["hypothese"].format(id=hyp_id, label=label),
            )
        )
    for kind in ("methodologie", "synthese"):
        runs.append(Run(kind, kind, notebooks_dir / f"{kind}.ipynb", {}, KIND_TITLES[kind]))

    wanted = _split_names(only)
    if wanted:
        names = {r.name for r in runs}
        bad = [w for w in wanted if w not in KINDS and w not in names]
        if bad:
            raise ParameterError(
                f"--only {', '.join(map(repr, bad))}: not a kind nor a run name; kinds: {', '.join(KINDS)}; "
                f"runs: {', '.join(sorted(names))}"
            )
        runs = [r for r in runs if r.kind in wanted or r.name in wanted]
    elif wanted_sites:
        runs = [r for r in runs if r.kind == "site"]

    missing = sorted({str(r.template) for r in runs if not r.template.is_file()})
    if missing:
        raise ParameterError(f"notebook template(s) missing: {', '.join(missing)}")
    return runs


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Every output path of a batch, below one output root."""

    root: Path

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def manifest(self) -> Path:
        return self.build / "manifest.json"

    @property
    def html(self) -> Path:
        return self.build / "html"

    @property
    def index(self) -> Path:
        return self.html / "index.html"

    def notebook(self, name: str) -> Path:
        return self.build / "notebooks" / f"{name}.ipynb"

    def failed_notebook(self, name: str) -> Path:
        return self.build / "notebooks" / "failed" / f"{name}.ipynb"

    def page(self, name: str, audience: str) -> Path:
        return self.html / audience / f"{name}.html"

    def figures(self, name: str) -> Path:
        return self.root / "figures" / name

    def tables(self, name: str) -> Path:
        return self.root / "tables" / name

    def staging(self, name: str) -> Path:
        return self.build / ".staging" / name

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


# --------------------------------------------------------------------------- hashing


class DataHasher:
    """Digests of the data files, whole or restricted to one site's rows.

    Every file is read once per batch. A CSV file whose header has ``site_id`` is split
    into its header, the rows without a site and the rows of each site.
    """

    def __init__(self, dirs: Sequence[Path]):
        self.files: list[tuple[str, Path]] = []
        for base in dirs:
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                rel = path.relative_to(base).as_posix()
                if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.split("/")):
                    self.files.append((f"{base.name}/{rel}", path))
        self._whole: dict[str, str] = {}
        self._per_site: dict[str, tuple[str, dict[str, str]]] = {}
        for label, path in self.files:
            data = path.read_bytes()
            self._whole[label] = files.sha256_bytes(data)
            if path.suffix == ".csv":
                split = self._split_by_site(data)
                if split is not None:
                    self._per_site[label] = split

    @staticmethod
    def _split_by_site(data: bytes) -> tuple[str, dict[str, str]] | None:
        text = data.decode("utf-8", errors="replace")
        reader = csv.reader(text.splitlines())
        header = next(reader, None)
        if not header or "site_id" not in header:
            return None
        col = header.index("site_id")
        common = hashlib.sha256(json.dumps(header).encode())
        by_site: dict[str, Any] = {}
        for row in reader:
            key = row[col] if col < len(row) else ""
            line = json.dumps(row, ensure_ascii=False).encode()
            if key:
                by_site.setdefault(key, hashlib.sha256()).update(line + b"\n")
            else:
                common.update(line + b"\n")
        return common.hexdigest(), {k: h.hexdigest() for k, h in by_site.items()}

    def digest(self, site_id: str | None) -> str:
        """Digest of the data a run reads: every file whole, or restricted to one site."""
        h = hashlib.sha256()
        for label, _path in self.files:
            if site_id is not None and label in self._per_site:
                common, by_site = self._per_site[label]
                part = f"{label}:site:{common}:{by_site.get(site_id, '-')}"
            else:
                part = f"{label}:{self._whole[label]}"
            h.update(part.encode() + b"\n")
        return h.hexdigest()


def source_digest(package_dir: Path | None = None, lock: Path | None = None) -> str:
    """Digest of the package source (every ``.py``) and ``requirements.lock``."""
    package_dir = package_dir or config.PACKAGE_DIR
    lock = lock or (config.PROJECT_ROOT / "requirements.lock")
    h = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        h.update(files.sha256_bytes(path.read_bytes()).encode() + b"\n")
    if lock.is_file():
        h.update(b"requirements.lock\0" + files.sha256_bytes(lock.read_bytes()).encode())
    return h.hexdigest()


def environment_digest() -> str:
    """Digest of the Python version and of the settings read from the environment."""
    settings = {name: os.environ.get(name, "") for name in ENV_SETTINGS}
    return files.sha256_bytes(
        json.dumps({"python": platform.python_version(), "settings": settings}, sort_keys=True).encode()
    )


def input_hashes(run: Run, data: DataHasher, source: str, env: str) -> dict[str, str]:
    """The hashes of a run's inputs; ``key`` combines them and decides the skip."""
    parts = {
        "notebook": files.sha256_bytes(run.template.read_bytes()),
        "parameters": files.sha256_bytes(json.dumps(run.parameters, sort_keys=True).encode()),
        "data": data.digest(run.site_id if run.kind == "site" else None),
        "source": source,
        "environment": env,
    }
    parts["key"] = files.sha256_bytes(json.dumps({"salt": CACHE_SALT, **parts}, sort_keys=True).encode())
    return parts


def data_dirs() -> list[Path]:
    """Directories whose files the notebooks read: ``data/`` and the private fieldwork."""
    dirs = [config.DATA_DIR]
    private = config.private_data_dir()
    if private is not None:
        dirs.append(private)
    return dirs


# --------------------------------------------------------------------------- manifest


def tool_versions() -> dict[str, str]:
    """Versions of Python and of the tools that execute and render (no import needed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in TOOLS[1:]:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def read_manifest(layout: Layout) -> dict[str, Any]:
    try:
        data = json.loads(layout.manifest.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {"runs": {}}
    if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("runs"), dict):
        return {"runs": {}}
    return data


def write_manifest(layout: Layout, manifest: dict[str, Any]) -> None:

    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    files.write_bytes(layout.manifest, text.encode("utf-8"))


def _outputs_exist(layout: Layout, entry: dict[str, Any]) -> bool:
    outputs = entry.get("outputs") or {}
    paths = [outputs.get("notebook"), outputs.get("html_reviewers"), outputs.get("html_researchers")]
    paths += list(outputs.get("figures") or []) + list(outputs.get("tables") or [])
    return all(p and (layout.root / p).is_file() for p in paths)


# --------------------------------------------------------------------------- batch


@dataclass
class RunResult:
    """What happened to one run in this batch."""

    name: str
    status: str  # "done", "skipped" or "failed"
    seconds: float = 0.0
    error: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    simulated: bool = False


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

    data_hasher = DataHasher(list(data) if data is not None else data_dirs())
    source = source_digest()
    env = environment_digest()
    manifest = read_manifest(layout)
    entries: dict[str, Any] = manifest["runs"]
    tools = tool_versions()

    hashes = {r.name: input_hashes(r, data_hasher, source, env) for r in runs}
    todo: list[Run] = []
    results: dict[str, RunResult] = {}
    done_count = 0
    for run in runs:
        entry = entries.get(run.name)
        fresh = (
            not force
            and entry is not None
            and entry.get("status") in {"done", "skipped"}
            and entry.get("inputs", {}).get("key") == hashes[run.name]["key"]
            and _outputs_exist(layout, entry)
        )
        if fresh:
            res = RunResult(
                run.name, "skipped", 0.0, outputs=entry.get("outputs", {}), simulated=bool(entry.get("simulated"))
            )
            results[run.name] = res
            done_count += 1
            say(_progress_line(done_count, len(runs), res))
            entry["status"] = "skipped"
            entry["seconds"] = 0.0
        else:
            todo.append(run)

    if todo:
        by_name = {r.name: r for r in todo}
        # longest first (from the last execution), so that no long run is left alone at the end
        todo.sort(key=lambda r: -float((entries.get(r.name) or {}).get("executed_seconds") or 0.0))
        for res in _execute(todo, layout, min(jobs, len(todo)), kernel_name, cell_timeout, fork_kernels):
            done_count += 1
            results[res.name] = res
            say(_progress_line(done_count, len(runs), res))
            run = by_name[res.name]
            entry = dict(entries.get(run.name) or {})
            entry.update(
                {
                    "kind": run.kind,
                    "title": run.title,
                    "template": files.display_path(run.template),
                    "parameters": run.parameters,
                    "status": res.status,
                    "seconds": round(res.seconds, 2),
                    "tools": tools,
                }
            )
            if res.status == "done":
                entry.update(
                    {
                        "inputs": hashes[run.name],
                        "outputs": res.outputs,
                        "simulated": res.simulated,
                        "executed_seconds": round(res.seconds, 2),
                        "error": "",
                    }
                )
            else:
                # keep the previous outputs (still valid pages) but never their cache key
                entry["inputs"] = {**hashes[run.name], "key": None}
                entry["error"] = res.error
                entry["failed_notebook"] = layout.rel(layout.failed_notebook(run.name))
            entries[run.name] = entry
            manifest.update({"version": MANIFEST_VERSION, "tools": tools, "runs": entries})
            write_manifest(layout, manifest)

    if todo and source_digest() != source:
        # The package changed on disk while notebooks ran: kernels forked from the
        # zygote may have mixed the old and the new code. Keep the pages, drop the keys.
        for run in todo:
            if run.name in entries and entries[run.name].get("inputs"):
                entries[run.name]["inputs"]["key"] = None
        say(
            "attention : le code du paquet a changé pendant l'exécution ; "
            "ces exécutions seront refaites à la prochaine commande"
        )
    batch = BatchResult([results[r.name] for r in runs], time.perf_counter() - started)
    manifest.update({"version": MANIFEST_VERSION, "tools": manifest.get("tools", tools), "runs": entries})
    manifest["last_batch"] = {
        "runs": [r.name for r in runs],
        "done": batch.count("done"),
        "skipped": batch.count("skipped"),
        "failed": batch.count("failed"),
        "seconds": round(batch.seconds, 2),
    }
    write_manifest(layout, manifest)
    from .render import write_index

    write_index(layout, entries)
    batch.disclosure_error = _check_names(layout, entries)
    if batch.disclosure_error:
        write_manifest(layout, manifest)
        say(batch.disclosure_error)
    batch.seconds = time.perf_counter() - started
    say(summary_text(batch, layout))
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
    from .disclosure import DisclosureError, check_build

    try:
        check_build(layout.build, extra_dirs=[layout.root / "figures", layout.root / "tables"])
    except DisclosureError as exc:
        for path in exc.files:
            path.unlink(missing_ok=True)
            for name, entry in entries.items():
                if name in (path.stem, path.parent.name):  # a page or notebook, or an export folder
                    if entry.get("inputs"):
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

    from . import render

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
        simulated = render.is_simulated(nb)
        for audience in render.AUDIENCES:
            html = render.render_page(nb, name=run.name, title=run.title, audience=audience, simulated=simulated)
            files.write_bytes(layout.page(run.name, audience), html.encode("utf-8"))
        entry.update({"title": run.title, "simulated": simulated})
        say(f"rendu     {run.name}")
    write_manifest(layout, manifest)
    say(f"sommaire : {render.write_index(layout, entries)}")
    return ok


# --------------------------------------------------------------------------- pool


def _template_imports(templates: Iterable[Path]) -> list[str]:
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


PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "odas_analysis",
    "odas_analysis.figures.style",
    "odas_analysis.figures.generic",
    "odas_analysis.export",
    "odas_analysis.render",
)


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


def _execute(runs: list[Run], layout: Layout, jobs: int, kernel_name: str, cell_timeout: int | None, fork: bool = True):
    """Yield a :class:`RunResult` per run as it ends, from ``jobs`` worker processes."""
    import multiprocessing as mp
    import tempfile

    ctx = mp.get_context("spawn")
    tasks = ctx.Queue()
    results = ctx.Queue()
    cfg = {
        "root": str(layout.root),
        "kernel_name": kernel_name,
        "cell_timeout": cell_timeout,
        "preload": _preload_code(_template_imports({r.template for r in runs})),
        "preload_modules": _template_imports({r.template for r in runs}),
        "cwd": str(runs[0].template.parent.resolve()),
    }
    ipc_dir = tempfile.mkdtemp(prefix="odas-z-")
    zygote = _Zygote.start(cfg, ipc_dir) if fork else None
    cfg["zygote_socket"] = zygote.socket_path if zygote is not None else None
    for run in runs:
        tasks.put(run.to_job())
    for _ in range(jobs):
        tasks.put(None)

    def start(worker_id: int):
        proc = ctx.Process(target=_worker_main, args=(worker_id, tasks, results, cfg), daemon=True)
        proc.start()
        return proc

    workers = {i: start(i) for i in range(jobs)}
    current: dict[int, tuple[str, float]] = {}
    pending = {r.name for r in runs}
    next_id = jobs
    try:
        while pending:
            try:
                msg = results.get(timeout=0.5)
            except queue.Empty:
                for wid, proc in list(workers.items()):
                    if proc.is_alive():
                        continue
                    del workers[wid]
                    if wid in current:
                        # died during a run: that run failed; it consumed no sentinel, so a
                        # replacement takes its place for the runs still queued
                        name, t0 = current.pop(wid)
                        pending.discard(name)
                        yield RunResult(
                            name,
                            "failed",
                            time.perf_counter() - t0,
                            error=f"worker process died (exit code {proc.exitcode})",
                        )
                        if len(pending) > len(current):
                            workers[next_id] = start(next_id)
                            next_id += 1
                if not workers and pending:
                    for name in sorted(pending):
                        yield RunResult(name, "failed", 0.0, error="no worker left to execute it")
                    pending.clear()
                continue
            kind, wid, payload = msg
            if kind == "start":
                current[wid] = (payload, time.perf_counter())
            elif kind == "end":
                current.pop(wid, None)
                pending.discard(payload["name"])
                yield RunResult(**payload)
    finally:
        for proc in workers.values():
            proc.join(timeout=10)
        for proc in workers.values():
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        if zygote is not None:
            zygote.close()
        shutil.rmtree(ipc_dir, ignore_errors=True)


def _worker_main(worker_id: int, tasks, results, cfg: dict[str, Any]) -> None:
    """Body of a worker process: warm kernels, execute and render jobs until told to stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; kernels are cleaned up below
    # jsonschema imports rfc3987_syntax when present (about 1.3 s: it builds a grammar) for
    # the "iri" formats, which the notebook schema never uses; the worker does without it.
    # Kernels are not affected (they are not forked from this process).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    worker = _Worker(cfg)
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


class _WarmKernel:
    """A kernel started ahead of need, its preload request possibly still running.

    With a :class:`_ZygoteClient` the kernel is forked from a process whose imports are done;
    without, it is launched as usual and imports the preload list itself.
    """

    def __init__(
        self, kernel_name: str, cwd: str, ipc_dir: str, serial: int, preload: str, zygote: _ZygoteClient | None = None
    ):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC transport: a socket file per channel in a private directory, no TCP port to race for.
        self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(ipc_dir, f"k{serial}"))
        if zygote is not None:
            import uuid

            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = _fork_provisioner(self.km, zygote)
        run_sync(self.km.start_kernel)(cwd=cwd, stdout=subprocess_devnull(), stderr=subprocess_devnull())
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.preload_id = self.kc.execute("pass" if zygote is not None else preload, silent=True, store_history=False)

    def _wait(self, msg_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def handover(self, setup: str, timeout: float = 120) -> None:
        """Wait for the preload, run ``setup`` silently, release the client channels."""
        self._wait(self.preload_id, timeout)
        reply = self._wait(self.kc.execute(setup, silent=True, store_history=False), timeout)
        self.kc.stop_channels()
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue', '')}")

    def discard(self, wait: bool = True) -> None:
        """Kill the kernel (it ran its one notebook, or is no longer needed)."""
        from jupyter_core.utils import run_sync

        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - already stopped
            pass
        if not wait:
            # at the end of the batch: kill the process group, leave the reaping to its parent
            import signal

            provisioner = self.km.provisioner
            pgid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
            if pgid:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                    return
                except OSError:
                    pass
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel is fine to discard
            pass


def subprocess_devnull() -> int:
    import subprocess

    return subprocess.DEVNULL


class _Worker:
    """Executes jobs in one process: one kernel ahead, papermill, in-process nbconvert."""

    def __init__(self, cfg: dict[str, Any]):
        import tempfile

        self.cfg = cfg
        self.layout = Layout(Path(cfg["root"]))
        self.ipc_dir = tempfile.mkdtemp(prefix="odas-k-")
        self.serial = 0
        # the zygote imports while this process does: papermill, nbconvert, the page templates
        self.zygote = _ZygoteClient(cfg["zygote_socket"]) if cfg.get("zygote_socket") else None
        if self.zygote is None:
            self.next: _WarmKernel | None = self._warm()  # a launched kernel imports meanwhile
        import papermill  # noqa: F401 - imported once per worker, not once per notebook

        from . import render

        render.warm_up()
        if self.zygote is not None:
            self.next = self._warm()

    def _warm(self) -> _WarmKernel:
        self.serial += 1
        if self.zygote is not None:
            try:
                return _WarmKernel(
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
        return _WarmKernel(self.cfg["kernel_name"], self.cfg["cwd"], self.ipc_dir, self.serial, self.cfg["preload"])

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
            status, error, simulated, outputs = "failed", f"{type(exc).__name__}: {exc}", False, {}
            if tmp_nb.is_file():
                files.move(tmp_nb, layout.failed_notebook(name))
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

    def _run_notebook(self, job, kernel: _WarmKernel, tmp_nb: Path, staging: Path):
        import papermill
        from papermill.exceptions import PapermillExecutionError

        from . import render

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
            files.move(tmp_nb, layout.failed_notebook(name))
            detail = f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None) else str(exc)
            return "failed", f"cellule {exc.exec_count}: {detail}", False, {}

        for cell in nb.cells:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"  # papermill draws a random id: pages would differ
        simulated = render.is_simulated(nb)
        pages = {}
        for audience in render.AUDIENCES:
            html = render.render_page(nb, name=name, title=job["title"], audience=audience, simulated=simulated)
            path = layout.page(name, audience)
            files.write_bytes(path, html.encode("utf-8"))
            pages[audience] = layout.rel(path)
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
            "html_reviewers": pages["reviewers"],
            "html_researchers": pages["researchers"],
            **listed,
        }
        return "done", "", simulated, outputs


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


def _zygote_supported(kernel_name: str) -> bool:
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


class _Zygote:
    """The kernel zygote process, started by the batch and shared by its workers.

    It listens on a Unix socket; each worker holds a :class:`_ZygoteClient`. It stops
    when its standard input closes (the batch ended, or died).
    """

    def __init__(self, proc, socket_path: str):
        self.proc = proc
        self.socket_path = socket_path

    @classmethod
    def start(cls, cfg: dict[str, Any], ipc_dir: str) -> _Zygote | None:
        import subprocess

        if not _zygote_supported(cfg["kernel_name"]):
            return None
        socket_path = os.path.join(ipc_dir, "zygote.sock")
        env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        request = json.dumps({"preload": cfg.get("preload_modules", []), "socket": socket_path})
        proc = subprocess.Popen(
            [sys.executable, "-c", "from odas_analysis.runner import _zygote_main; _zygote_main()", request],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cfg["cwd"],
            env=env,
        )
        return cls(proc, socket_path)

    def close(self) -> None:
        """Stop the zygote now: it holds nothing worth a clean exit (its kernels are gone)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.kill()
        self.proc.wait()


class _ZygoteClient:
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
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)


def _fork_provisioner(km, zygote: _ZygoteClient):
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

    return ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


def _zygote_main() -> None:
    """Body of the zygote process (see the comment above :func:`_zygote_supported`)."""
    import importlib
    import selectors
    import signal
    import socket
    import threading

    request = json.loads(sys.argv[1])
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides when we stop
    # listen at once: workers may connect while the imports run (they queue)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(request["socket"])
    listener.listen(16)

    for name in [
        "ipykernel.kernelapp",
        "ipykernel.ipkernel",
        "IPython",
        *PRELOAD,
        *_package_modules(),
        *request.get("preload", []),
    ]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook will raise it itself, where it belongs
            pass
    for warm in (_warm_caches, _warm_project_data):
        try:
            warm()
        except Exception:  # noqa: BLE001 - only a cache: the kernel would fill it itself
            pass
    problems = []
    if threading.active_count() != 1:
        problems.append(f"{threading.active_count()} threads after the imports")
    if "matplotlib_inline.backend_inline" in sys.modules:
        problems.append("matplotlib's inline backend was imported before the shell exists")

    def reap(_signum, _frame) -> None:  # kernels are our children: collect them (and their CPU time)
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
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
                req = json.loads(line)
                try:
                    pid = os.fork()
                except OSError as exc:
                    pid, reply = -1, {"error": str(exc)}
                if pid == 0:
                    try:
                        sel.close()
                        for other, other_stream in clients.items():
                            other_stream.close()
                            other.close()
                        listener.close()
                        _become_kernel(req, devnull)
                    finally:
                        os._exit(0)
                if pid > 0:
                    reply = {"pid": pid}
            stream.write(json.dumps(reply) + "\n")
            stream.flush()


def _warm_caches() -> None:
    """Fill the lazy caches every notebook would fill again: fonts, renderers, CSV engine.

    Drawn on a Figure outside pyplot (pyplot would load the inline backend, which must
    bind to the child's shell) and discarded; no user-visible state remains.
    """
    import io

    import pandas as pd

    from . import export
    from .figures import generic

    fig = generic.bar_chart(["Angers", "Arras"], [1234.5, 0.5], title="Préchauffage", xlabel="%", decimals=1)
    ax = fig.axes[0]
    ax.plot([0, 1], [0, 1], "o-")
    ax.legend(["é"])
    for fmt in ("png", "svg"):
        export.figure_bytes(fig, fmt)
    frame = pd.read_csv(io.StringIO("a,b,c\n1,2.5,x\n3,4.5,y\n"))
    frame.groupby("c").agg({"a": "sum", "b": "mean"}).reset_index().merge(frame, on="c").to_csv(io.StringIO())
    export.table_markdown(frame)
    frame._repr_html_()


NOT_PRELOADED = (
    "odas_analysis.cli",
    "odas_analysis.runner",
    "odas_analysis.national.download",
    "odas_analysis.national.convert",
    "odas_analysis.national.build",
    "odas_analysis.envfile",
    "odas_analysis.report",
)
"""Modules of the package that notebooks do not use (command line, batch, publication)."""


def _package_modules() -> list[str]:
    """Every module of the package a notebook may reach, also through imports inside functions."""
    import pkgutil

    package = sys.modules[__package__]
    names = [m.name for m in pkgutil.walk_packages(package.__path__, prefix=f"{__package__}.")]
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
    from . import config, validate

    descriptor = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    for resource in descriptor.get("resources", []):
        try:
            validate.load_table(resource["name"])
        except Exception:  # noqa: BLE001 - a bad table is the notebook's to report
            pass
    from . import fieldwork

    fieldwork.load_records()


def _become_kernel(req: dict[str, Any], devnull: int) -> None:
    """In a forked child of the zygote: become an ipykernel, as ``ipykernel_launcher`` would."""
    import signal

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
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
    app.initialize(["-f", req["connection_file"], f"--IPKernelApp.parent_handle={zygote_pid}"])
    app.start()
