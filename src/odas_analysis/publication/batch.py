"""The batch as the report sees it: exports, their freshness, and their print forms.

The report names a figure or table by its stable export name,
``figures/<run>/<name>`` or ``tables/<run>/<name>`` (:mod:`odas_analysis.export`).
:class:`Batch` finds the files under the batch's output root and decides whether each
one can be published, from ``build/manifest.json`` (:mod:`odas_analysis.batch`):

missing
    no ``<name>.svg`` (figure) or ``<name>.csv`` (table) where the name says.
stale
    the export is not what the notebook's last run would give now: the run is absent
    from the manifest; its last execution failed (the files on disk are from an
    earlier one); the file is not among the outputs of its last successful run (a
    leftover); the notebook template changed since that run (its SHA-256 differs from
    the one recorded); or the data the run reads changed since (same digest as the
    runner's cache, :class:`odas_analysis.batch.cache.DataHasher`).

Either way the report is not built, and the message names the reference, the chapter
that makes it and what to run. :func:`read_csv` reads a table export as written.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config, files

_REF = re.compile(r"^(figures|tables)/([A-Za-z0-9][A-Za-z0-9_.-]*)/([a-z0-9][a-z0-9_-]*)$")
OK_STATUSES = frozenset({"done", "skipped"})
_KIND_FR = {"figures": "une figure", "tables": "un tableau"}
_STATUS_FR = {"failed": "a échoué", "interrupted": "a été interrompue", "running": "n'est pas terminée"}


def rerun_command(run: str) -> str:
    """What brings ``run``'s exports up to date, in French."""
    return f"lancez `make reports` (ou `odas-analysis run --only {run}`), puis reconstruisez le rapport"


def parse_target(target: str) -> tuple[str, str, str] | None:
    """``"figures/site-angers/revenu"`` -> ``("figures", "site-angers", "revenu")``."""
    match = _REF.match(target.strip())
    return match.groups() if match else None  # type: ignore[return-value]


@dataclass
class Export:
    """A resolved export: its files under the batch root and what the manifest says."""

    target: str
    kind: str  # "figures" or "tables"
    run: str
    name: str
    files: dict[str, Path]  # "svg", "png" or "csv"
    entry: dict[str, Any] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        """Built on simulated data: the export's own mark, not its run's (a page mixes both).

        A table: its CSV ends with the column ``statut des données`` (:func:`export.table`).
        A figure: its sidecar JSON says ``"donnees_simulees": true``; a figure without the
        key (written before the mark existed) falls back on its run's flag.
        """
        from .. import export

        if self.kind == "tables":
            return _csv_header(self.files["csv"])[-1:] == [export.SIMULATED_COLUMN]
        sidecar = self.files["svg"].with_suffix(".json")
        try:
            legend = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            legend = {}
        if isinstance(legend, dict) and export.SIMULATED_KEY in legend:
            return bool(legend[export.SIMULATED_KEY])
        return bool(self.entry.get("simulated"))

    @property
    def primary(self) -> Path:
        return self.files["svg" if self.kind == "figures" else "csv"]

    @property
    def notebook(self) -> str:
        return str(self.entry.get("template") or "")

    @property
    def title(self) -> str:
        return str(self.entry.get("title") or self.run)


def _csv_header(path: Path) -> list[str]:
    """The column names of an exported CSV (the line after its ``#`` meta line)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            lines = (line for line in handle if not line.startswith("#"))
            return next(csv.reader(lines), [])
    except OSError:
        return []


class ExportProblem(Exception):
    """A reference that cannot be published: ``kind`` is ``missing``, ``stale`` or ``invalid``;
    ``run`` the run whose exports it names (when known)."""

    def __init__(self, kind: str, message: str, run: str = ""):
        self.kind = kind
        self.run = run
        super().__init__(message)


class Batch:
    """The exports of one batch (its output root) and its manifest.

    Parameters
    ----------
    root
        The batch's output root: ``figures/``, ``tables/`` and ``build/manifest.json``
        below it (the project itself for ``make reports``).
    manifest
        The manifest to trust (default ``root/build/manifest.json``).
    data_dirs
        Directories whose digest the runner records for each run (default: the
        runner's, ``data/`` and ``$ODAS_PRIVATE_DATA``); ``None`` keeps the default,
        an empty list skips the data check.
    """

    def __init__(self, root: Path, *, manifest: Path | None = None, data_dirs: Sequence[Path] | None = None):
        self.root = Path(root)
        self.manifest_path = Path(manifest) if manifest else self.root / "build" / "manifest.json"
        try:
            self.manifest: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.manifest = {}
        except ValueError as exc:
            raise ExportProblem(
                "invalid", f"{files.display_path(self.manifest_path)} n'est pas du JSON valide : {exc}"
            ) from exc
        runs = self.manifest.get("runs")
        self.runs: dict[str, dict[str, Any]] = runs if isinstance(runs, dict) else {}
        self._data_dirs = data_dirs
        self._hasher: Any = None
        self._template_hashes: dict[str, str | None] = {}

    # ----------------------------------------------------------------- freshness

    def _template_hash(self, template: str) -> str | None:
        if template not in self._template_hashes:
            path = Path(template)
            candidates = [path] if path.is_absolute() else [self.root / path, config.PROJECT_ROOT / path]
            found = next((c for c in candidates if c.is_file()), None)
            self._template_hashes[template] = files.sha256_file(found) if found else None
        return self._template_hashes[template]

    def _data_digest(self, entry: dict[str, Any]) -> str | None:
        if self._data_dirs is not None and not self._data_dirs:
            return None
        if self._hasher is None:
            from ..batch.cache import DataHasher, data_dirs

            self._hasher = DataHasher(list(self._data_dirs) if self._data_dirs is not None else data_dirs())
        site_id = (entry.get("parameters") or {}).get("site_id") if entry.get("kind") == "site" else None
        return self._hasher.digest(site_id)

    def staleness(self, run: str, rel_files: list[str]) -> str | None:
        """Why the files ``rel_files`` of ``run`` are stale (in French), or ``None`` when fresh.

        The reason does not say what to run: :func:`rerun_command` does, once per run.
        """
        entry = self.runs.get(run)
        if not self.manifest:
            return f"aucun manifeste de lot ({files.display_path(self.manifest_path)})"
        if entry is None:
            return f"l'exécution {run} n'est pas dans {self.manifest_path.name}"
        status = entry.get("status")
        if status not in OK_STATUSES:
            error = str(entry.get("error") or "").strip().splitlines()
            why = f" ({error[-1][:200]})" if error else ""
            state = _STATUS_FR.get(str(status), f"est dans l'état « {status} »" if status else "n'a pas d'état")
            return (
                f"la dernière exécution de {run} {state}{why} ; "
                "les fichiers présents viennent d'une exécution antérieure"
            )
        outputs = entry.get("outputs") or {}
        listed = set(outputs.get("figures") or []) | set(outputs.get("tables") or [])
        leftovers = [f for f in rel_files if f not in listed]
        if leftovers:
            return (
                f"{leftovers[0]} ne fait pas partie des sorties de la dernière exécution de {run} "
                "(reste d'une exécution antérieure, ou écrit hors du lot)"
            )
        inputs = entry.get("inputs") or {}
        template = str(entry.get("template") or "")
        if template and inputs.get("notebook"):
            now = self._template_hash(template)
            if now is not None and now != inputs["notebook"]:
                return f"le carnet {template} a changé depuis la dernière exécution de {run}"
        if inputs.get("data"):
            digest = self._data_digest(entry)
            if digest is not None and digest != inputs["data"]:
                return f"les données lues par {run} ont changé depuis sa dernière exécution"
        return None

    # ----------------------------------------------------------------- resolve

    def available(self, kind: str, run: str) -> list[str]:
        """Export names of ``run`` on disk (for error messages)."""
        folder = self.root / kind / run
        suffix = ".svg" if kind == "figures" else ".csv"
        return sorted(p.stem for p in folder.glob(f"*{suffix}")) if folder.is_dir() else []

    def resolve(self, target: str, expected_kind: str) -> Export:
        """Return the :class:`Export` named ``target``; raise :class:`ExportProblem`."""
        parsed = parse_target(target)
        if parsed is None:
            raise ExportProblem(
                "invalid",
                f"« {target} » n'est pas un nom d'export : "
                "attendu figures/<exécution>/<nom> ou tables/<exécution>/<nom>",
            )
        kind, run, name = parsed
        if kind != expected_kind:
            raise ExportProblem(
                "invalid", f"« {target} » est {_KIND_FR[kind]}, appelé comme {_KIND_FR[expected_kind]}", run
            )
        base = self.root / kind / run / name
        wanted = ("svg", "png") if kind == "figures" else ("csv",)
        found = {ext: base.with_suffix(f".{ext}") for ext in wanted if base.with_suffix(f".{ext}").is_file()}
        primary = "svg" if kind == "figures" else "csv"
        if primary not in found:
            known = self.available(kind, run)
            hint = (
                f" ; exports de {run} : {', '.join(known)}" if known else f" ; {run} n'a exporté aucun fichier {kind}"
            )
            where = files.display_path(self.root)
            raise ExportProblem("missing", f"pas de fichier {kind}/{run}/{name}.{primary} sous {where}{hint}", run)
        rel = [p.relative_to(self.root).as_posix() for p in found.values()]
        stale = self.staleness(run, rel)
        if stale:
            raise ExportProblem("stale", stale, run)
        return Export(target=target, kind=kind, run=run, name=name, files=found, entry=self.runs.get(run, {}))

    def tools(self) -> dict[str, str]:
        tools = self.manifest.get("tools")
        return {str(k): str(v) for k, v in sorted(tools.items())} if isinstance(tools, dict) else {}


# --------------------------------------------------------------------------- tables


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV export, as strings exactly as written.

    The export's first line, ``# `` and the source and units as JSON
    (:func:`odas_analysis.export.csv_header_line`), is not a row.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        first = fh.readline()
        rows = list(csv.reader(([] if first.startswith("# ") else [first]) + fh.readlines()))
    if not rows:
        return [], []
    return rows[0], rows[1:]


__all__ = ["Batch", "Export", "ExportProblem", "parse_target", "read_csv", "rerun_command"]
