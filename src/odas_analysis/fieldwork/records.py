"""Loading the fieldwork records: the private overlay or the demonstration set.

The records are read from one of two places, never both (see :mod:`odas_analysis.fieldwork`):
``$ODAS_PRIVATE_DATA/<table>.csv`` when that variable is set, else the demonstration set
``data/fieldwork/demo/``. Either way the four tables are validated against the project's
schemas, then against the cross-table rules of :mod:`.rules`, and cached per process.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config, files
from ..errors import DataValidationError, ParameterError
from ..validate import Problem, load_table, validate_tables
from .rules import check_records
from .tables import DEMO_DIR, DEMO_SOURCE, RECORD_TABLES


@dataclass(frozen=True)
class FieldworkSource:
    """Where the fieldwork records come from.

    Attributes
    ----------
    kind
        ``"demo"`` or ``"private"``.
    path
        The directory read.
    synthetic
        True when the rows are simulated (always for the demonstration set; for a private
        directory, when its rows say ``synthetic = true``).
    """

    kind: str
    path: Path
    synthetic: bool

    @property
    def label_fr(self) -> str:
        """What a report says about its fieldwork source, in French."""
        if self.kind == "demo":
            return "jeu de démonstration (données simulées)"
        # No path here: a page prints this label, and a home directory can hold a person's name.
        if self.synthetic:
            return "répertoire privé (données simulées)"
        return "enregistrements d'enquête confidentiels (répertoire privé)"

    @property
    def attrs_source(self) -> str:
        """Value of ``DataFrame.attrs["source"]``."""
        return DEMO_SOURCE if self.kind == "demo" else f"private: {self.path}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label_fr": self.label_fr, "path": str(self.path), "synthetic": self.synthetic}


@dataclass(frozen=True)
class FieldworkRecords:
    """The four validated tables of one source (not to be modified: use :meth:`table` for a copy)."""

    source: FieldworkSource
    tables: Mapping[str, pd.DataFrame] = field(repr=False)
    _views: dict[Any, dict[Any, pd.DataFrame]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def view(self, key: Any, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A copy of the frame ``compute()`` derives from these records and the project's tables.

        Computed once per ``key`` and state of the project's data package
        (:func:`odas_analysis.validate.memo.package_state`: a view may join the records
        with a project table, the actor categories say), then copied at each call, so that
        a caller may modify what it gets. A page asks for the same join of the segments
        once per hypothesis.
        """
        from ..validate.memo import package_state

        state = package_state()
        if state is None:
            return compute()
        if state not in self._views:  # one package state at a time
            self._views.clear()
            self._views[state] = {}
        views = self._views[state]
        if key not in views:
            views[key] = compute()
        return views[key].copy()

    def table(self, name: str) -> pd.DataFrame:
        """A copy of one table, with ``.attrs`` naming the source."""
        if name not in RECORD_TABLES:
            raise ParameterError(f"table de terrain inconnue « {name} » ; tables : {', '.join(RECORD_TABLES)}")
        frame = self.tables[name].copy()
        stamp(frame, self.source)
        return frame


def stamp(frame: pd.DataFrame, source: FieldworkSource) -> pd.DataFrame:
    frame.attrs["source"] = source.attrs_source
    frame.attrs["source_kind"] = source.kind
    frame.attrs["synthetic"] = source.synthetic
    frame.attrs["label_fr"] = source.label_fr
    return frame


def _selected_dir(directory: os.PathLike[str] | str | None) -> tuple[str, Path]:
    chosen = Path(directory) if directory is not None else config.private_data_dir()
    if chosen is None or chosen.expanduser().resolve() == DEMO_DIR.resolve():
        return "demo", DEMO_DIR.resolve()
    return "private", chosen.expanduser().resolve()


def _closure_descriptor(names: Iterable[str], tmp: Path) -> Path:
    """A descriptor with ``names`` and every table their foreign keys reach (absolute paths)."""
    data = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    base = config.DATAPACKAGE.parent
    by_name = {r["name"]: r for r in data["resources"]}
    wanted: list[str] = []
    queue = list(names)
    while queue:
        name = queue.pop(0)
        if name in wanted:
            continue
        wanted.append(name)
        res = by_name[name]
        schema_doc = json.loads((base / res["schema"]).read_text(encoding="utf-8"))
        for fk in schema_doc.get("foreignKeys", []):
            target = fk["reference"].get("resource") or name
            if target not in wanted:
                queue.append(target)
    resources = []
    for name in wanted:
        res = dict(by_name[name])
        res["path"] = str((base / res["path"]).resolve())
        res["schema"] = str((base / res["schema"]).resolve())
        resources.append(res)
    out = tmp / "datapackage.json"
    out.write_text(json.dumps({"name": data["name"], "resources": resources}), encoding="utf-8")
    return out


def validate_dir(directory: Path, tables: Iterable[str] = RECORD_TABLES) -> list[Problem]:
    """Schema problems of the record tables read from ``directory``."""
    tables = list(tables)
    missing = [t for t in tables if not (directory / f"{t}.csv").is_file()]
    if missing:
        return [
            Problem(
                str(directory / f"{t}.csv"),
                "missing-file",
                "fichier introuvable : un répertoire de terrain doit contenir "
                f"{', '.join(f'{n}.csv' for n in RECORD_TABLES)} (aucune table n'est reprise du jeu de démonstration)",
            )
            for t in missing
        ]
    with tempfile.TemporaryDirectory() as tmp:
        descriptor = _closure_descriptor(tables, Path(tmp))
        report = validate_tables(tables, descriptor, overrides={t: directory / f"{t}.csv" for t in tables})
    return list(report.problems)


#: Records loaded, by source, while their four tables keep their state.
_RECORDS: files.ByFileState[FieldworkRecords] = files.ByFileState()


def clear_cache() -> None:
    """Forget the records loaded in this process (tests that rewrite files use it)."""
    _RECORDS.clear()


def load_records(directory: os.PathLike[str] | str | None = None) -> FieldworkRecords:
    """Load and validate the four record tables of one source.

    Parameters
    ----------
    directory
        Read the records from this directory (treated as private records). Default:
        ``ODAS_PRIVATE_DATA`` when set, else the demonstration set.

    Raises
    ------
    DataValidationError
        The directory does not exist, a table is missing, or a rule is broken; every
        problem names the file, line, column and value.
    """
    kind, path = _selected_dir(directory)
    if not path.is_dir():
        raise DataValidationError(
            f"le répertoire de terrain {path} n'existe pas "
            f"({'donné explicitement' if directory is not None else config.PRIVATE_DATA_ENV})"
        )
    return _RECORDS.get((kind, str(path)), [path / f"{name}.csv" for name in RECORD_TABLES], lambda: _read(kind, path))


def _read(kind: str, path: Path) -> FieldworkRecords:
    """Validate, load and cross-check the four record tables of ``path`` (:func:`load_records`)."""
    problems = validate_dir(path)
    if problems:
        raise DataValidationError(
            f"enregistrements de terrain de {path} : données invalides", [p.text() for p in problems]
        )
    tables = {name: load_table(name, path=path / f"{name}.csv", validate=False) for name in RECORD_TABLES}
    shown = {name: files.display_path(path / f"{name}.csv") for name in RECORD_TABLES}
    problems = check_records(tables, shown, demo=(kind == "demo"))
    if problems:
        raise DataValidationError(
            f"enregistrements de terrain de {path} : données incohérentes entre tables", [p.text() for p in problems]
        )
    synthetic = bool(tables["interviews"]["synthetic"].any())
    return FieldworkRecords(FieldworkSource(kind, path, synthetic), tables)


def data_source(directory: os.PathLike[str] | str | None = None) -> dict[str, Any]:
    """Which fieldwork records are in use: ``{'kind', 'label_fr', 'path', 'synthetic'}``.

    ``kind`` is ``"demo"`` or ``"private"``; ``label_fr`` is what a page prints, and
    says "données simulées" whenever the rows are simulated.
    """
    return load_records(directory).source.as_dict()


def source_note_fr(records: FieldworkRecords | None = None) -> str:
    """Caption line for every figure or table built on fieldwork records."""
    src = (records or load_records()).source
    if src.synthetic:
        return (
            "Source : terrain de la recherche-action Odas 2015-2017, remplacé ici par un "
            "jeu de démonstration — données simulées, aucune valeur réelle."
        )
    return "Source : entretiens et grilles d'évaluation de la recherche-action Odas 2015-2017 (données confidentielles, agrégées)."


def interviews(directory: os.PathLike[str] | str | None = None) -> pd.DataFrame:
    """The interview register (one row per interview or workshop)."""
    return load_records(directory).table("interviews")


def participants(directory: os.PathLike[str] | str | None = None) -> pd.DataFrame:
    """Participants, pseudonymous (one row per person and interview)."""
    return load_records(directory).table("participants")


def coded_segments(directory: os.PathLike[str] | str | None = None) -> pd.DataFrame:
    """Coded segments (one row per segment and coder)."""
    return load_records(directory).table("coded_segments")


def assessments(directory: os.PathLike[str] | str | None = None) -> pd.DataFrame:
    """The filled-in site assessment grid (one row per site, condition and coder)."""
    return load_records(directory).table("assessments")


def actor_categories() -> pd.DataFrame:
    """Categories of actors, with their group (public reference table)."""
    return load_table("actor_categories").sort_values("sort_order", kind="stable").reset_index(drop=True)


def grid_conditions() -> pd.DataFrame:
    """The conditions of the site assessment grid, with the report section of each."""
    return load_table("grid_conditions")


def grid_levels() -> pd.DataFrame:
    """Each level (0-3) of each grid condition, described in words."""
    return load_table("grid_levels")
