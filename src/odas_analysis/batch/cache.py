"""What a batch remembers: output layout, input hashes, source and environment digests, manifest.

A run is skipped when the SHA-256 of its inputs equals the one recorded in
``build/manifest.json`` for its last successful execution and its outputs still exist
(see the package docstring for what the inputs are).
"""

from __future__ import annotations

import csv
import hashlib
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config, files
from ..errors import ParameterError
from .plan import Run

TOOLS = ("python", "papermill", "nbconvert", "nbclient", "ipykernel", "jupyter_client", "pandas", "matplotlib", "numpy")
MANIFEST_VERSION = 1
CACHE_SALT = "odas-runner-1"
"""Bump to invalidate every cached run (when the execution machinery changes meaning)."""

ENV_SETTINGS = (config.DISCLOSURE_THRESHOLD_ENV, config.PRIVATE_DATA_ENV)
"""Environment variables whose value changes what a notebook computes (see :func:`environment_digest`)."""


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Every output path of a batch, below one output root.

    The root is resolved once; every path derived from a run name or an audience is
    built with :func:`odas_analysis.files.under`, which refuses a path leaving the root
    (a crafted id such as ``../../victim`` raises before anything is created or deleted).
    ``staging_id`` names this batch's own staging directory (see :meth:`staging`).
    """

    root: Path
    staging_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def manifest(self) -> Path:
        return self.build / "manifest.json"

    @property
    def lock(self) -> Path:
        return self.build / ".batch.lock"

    @property
    def html(self) -> Path:
        return self.build / "html"

    @property
    def index(self) -> Path:
        return self.html / "index.html"

    @property
    def staging_root(self) -> Path:
        """``build/.staging/``: one directory per batch below it, removed when the batch ends."""
        return self.build / ".staging"

    def notebook(self, name: str) -> Path:
        return files.under(self.build / "notebooks", f"{name}.ipynb")

    def failed_notebook(self, name: str) -> Path:
        return files.under(self.build / "notebooks" / "failed", f"{name}.ipynb")

    def page(self, name: str, audience: str) -> Path:
        return files.under(self.html, audience, f"{name}.html")

    def figures(self, name: str) -> Path:
        return files.under(self.root / "figures", name)

    def tables(self, name: str) -> Path:
        return files.under(self.root / "tables", name)

    def staging(self, name: str) -> Path:
        """Where a run's notebook and exports are written before they are moved in place.

        Below this batch's own directory (``build/.staging/<staging_id>/<name>``): two
        batches never share one, and the lock on the root (:mod:`.lock`) keeps a second
        batch from starting at all.
        """
        if not self.staging_id:
            raise ValueError("a layout without staging_id has no staging directory")
        return files.under(self.staging_root / self.staging_id, name)

    def check_name(self, name: str) -> None:
        """Refuse a run name that is not one plain file name, or whose outputs would leave the root."""
        if not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
            raise ParameterError(f"nom d'exécution refusé : « {name} » (un seul nom de fichier, sans « / » ni « .. »)")
        for build in (self.notebook, self.failed_notebook, self.figures, self.tables):
            build(name)  # files.under raises if the path leaves the root

    def rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root).as_posix()


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
    """Digest of the Python version and of the settings read from the environment.

    The disclosure threshold counts by its effective value (unset and ``3`` are the
    same key; an invalid value is refused here, before anything runs) and the private
    overlay by whether it is switched on (its files are in the data digest).
    """
    settings = {
        config.DISCLOSURE_THRESHOLD_ENV: config.disclosure_threshold(),
        config.PRIVATE_DATA_ENV: config.private_data_dir() is not None,
    }
    return files.sha256_bytes(
        json.dumps({"python": platform.python_version(), "settings": settings}, sort_keys=True).encode()
    )


def input_hashes(run: Run, data: DataHasher, source: str, env: str) -> dict[str, str]:
    """The hashes of a run's inputs; ``key`` combines them and decides the skip."""
    page = [run.title, run.navigation, run.report]
    parts = {
        "notebook": files.sha256_bytes(run.template.read_bytes()),
        "parameters": files.sha256_bytes(json.dumps(run.parameters, sort_keys=True).encode()),
        "data": data.digest(run.site_id if run.kind == "site" else None),
        "source": source,
        "environment": env,
        # the page's title, its links to the neighbouring pages (a renamed site re-renders its
        # neighbours) and to the report's page that shows it (a chapter moved in report/)
        "page": files.sha256_bytes(json.dumps(page, ensure_ascii=False).encode()),
    }
    if run.kind == "territoire":  # a territory page reads the national files at run time
        from ..national.codes import national_state

        parts["national"] = national_state()
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


def write_manifest(layout: Layout, manifest: dict[str, Any], mask: Callable[[Any], Any] | None = None) -> None:
    """Write the manifest (sorted JSON), every string passed through ``mask`` first (names masked)."""
    if mask is not None:
        manifest = mask(manifest)
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    files.write_bytes(layout.manifest, text.encode("utf-8"))


def outputs_exist(layout: Layout, entry: dict[str, Any]) -> bool:
    outputs = entry.get("outputs") or {}
    paths = [outputs.get("notebook"), outputs.get("html_reviewers"), outputs.get("html_researchers")]
    paths += list(outputs.get("figures") or []) + list(outputs.get("tables") or [])
    return all(p and (layout.root / p).is_file() for p in paths)
