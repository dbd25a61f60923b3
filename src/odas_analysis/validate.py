"""Validation and typed loading of every table, against ``data/datapackage.json``.

The descriptor is a `Frictionless Data Package <https://specs.frictionlessdata.io/>`_:
one standard, language-neutral file that lists every table with its columns, types,
units, allowed values, primary and foreign keys (each resource's schema lives in
``data/schemas/<name>.json``). We chose it over pandera because the rules then live in
data, readable by R or any Table Schema tool, because it checks keys *across* tables
(every ``site_id`` must exist in ``sites``), and because it reads the files itself, so
encoding errors and empty files are caught before pandas guesses anything.

The frictionless engine finds the problems; this module turns each one into a line
that names the file, the line number (the header is line 1), the column, the value
and the rule broken, for example::

    data/study/sites.csv, line 4, column 'kind', value 'ville': constraint "enum" is
    "['commune', 'communaute_agglomeration']"

Entry points
------------
:func:`validate_package`
    check every table (``odas-analysis validate``).
:func:`load_table`
    one table as a typed :class:`pandas.DataFrame`, validated first, keys included.
    ``path=`` loads a file from elsewhere (the private fieldwork records) against the
    project's schema, with foreign keys checked against the project's tables.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import files
from .config import DATAPACKAGE, VALIDATION_CACHE_DIR
from .errors import DataValidationError

# Table Schema type -> pandas dtype used by load_table.
_PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "float64",
    "boolean": "boolean",
}
_MAX_PROBLEMS_PER_RESOURCE = 50


@dataclass(frozen=True)
class Problem:
    """One broken rule, located as precisely as the rule allows."""

    file: str
    rule: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def text(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return f"{', '.join(where)}: [{self.rule}] {self.message}"


@dataclass
class ValidationReport:
    """Outcome of a validation: the resources checked and every problem found."""

    resources: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.ok:
            return f"OK: {len(self.resources)} tables valid ({', '.join(self.resources)})"
        lines = [f"INVALID: {len(self.problems)} problem(s) in {len(self.resources)} tables"]
        lines += [f"  - {p.text()}" for p in self.problems]
        return "\n".join(lines)

    def raise_for_problems(self, what: str) -> None:
        if not self.ok:
            raise DataValidationError(f"{what} is invalid", [p.text() for p in self.problems])


def _frictionless():
    # Imported lazily: frictionless takes about a second to import.
    import frictionless

    return frictionless


def _read_descriptor(descriptor: Path) -> dict[str, Any]:
    try:
        text = descriptor.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError(f"{files.display_path(descriptor)}: descriptor not found") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"{files.display_path(descriptor)}, line {exc.lineno}: not valid JSON ({exc.msg})"
        ) from None


def _resolved_descriptor(descriptor: Path, overrides: dict[str, Path] | None) -> dict[str, Any]:
    """Descriptor with absolute paths (resources and schemas), some resources relocated."""
    base = descriptor.parent
    data = _read_descriptor(descriptor)
    overrides = dict(overrides or {})
    known = {r.get("name") for r in data.get("resources", [])}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise DataValidationError(
            f"unknown table(s) {unknown}: the tables of {files.display_path(descriptor)} are {sorted(known)}"
        )
    for res in data.get("resources", []):
        name = res.get("name")
        path = overrides.get(name)
        res["path"] = str(Path(path).resolve()) if path is not None else str((base / res["path"]).resolve())
        if isinstance(res.get("schema"), str):
            schema_path = base / res["schema"]
            try:
                res["schema"] = json.loads(schema_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise DataValidationError(
                    f"{files.display_path(schema_path)}: schema of table '{name}' cannot be read ({exc})"
                ) from None
    return data


def _problems_from_error(file: str, err: Any, schema: dict[str, Any]) -> Problem:
    d = err.to_dict()
    schema_fields = [f["name"] for f in schema.get("fields", [])]
    rule = d.get("type", "error")
    note = d.get("note") or ""
    line = d.get("rowNumber")
    column = d.get("fieldName")
    value = d.get("cell")
    if rule in {"missing-label", "extra-label", "incorrect-label", "blank-label", "duplicate-label"}:
        line = 1
        expected = ", ".join(schema_fields)
        label = d.get("label") or None
        if rule == "missing-label":
            message = f"column '{column}' is missing from the header (expected columns: {expected})"
        elif rule == "extra-label":
            message = f"unexpected column {label!r} in the header (expected columns: {expected})"
        elif rule == "incorrect-label":
            message = f"header has {label!r} where the schema expects '{column}' (expected columns: {expected})"
        else:
            message = d.get("message", rule)
        return Problem(file, rule, message, line=line, column=column)
    if rule == "type-error":
        expected = note.replace("type is ", "").replace('"', "").split("/")[0]
        message = f"expected a value of type {expected}"
        return Problem(file, rule, message, line=line, column=column, value=value)
    if rule == "constraint-error":
        match = re.match(r'constraint "(\w+)" is "(.*)"$', note)
        message = f"breaks constraint {match.group(1)}: expected {match.group(2)}" if match else note
        return Problem(file, rule, message, line=line, column=column, value=value)
    cells = [str(c) for c in d.get("cells") or []]
    if rule in {"primary-key", "unique-error"}:
        key = schema.get("primaryKey") or []
        key = [key] if isinstance(key, str) else list(key)
        if rule == "unique-error" and column:
            key = [column]
        shown = ", ".join(cells[schema_fields.index(k)] for k in key if schema_fields.index(k) < len(cells))
        other = re.search(r"position (\d+)", note)
        message = f"duplicate key {'+'.join(key)}: the same as line {other.group(1)}" if other else "duplicate key"
        return Problem(file, rule, message, line=line, column="+".join(key) or None, value=shown or None)
    if rule == "foreign-key":
        match = re.match(r'for "([^"]+)": values "([^"]*)" not found in the lookup table "([^"]+)" as "([^"]+)"', note)
        if match:
            message = f"not found in table '{match.group(3)}' (column '{match.group(4)}')"
            return Problem(file, rule, message, line=line, column=match.group(1), value=match.group(2))
        return Problem(file, rule, note or d.get("message", ""), line=line)
    if rule == "missing-cell":
        return Problem(file, rule, "the row has fewer values than the header", line=line, column=column)
    if rule == "extra-cell":
        return Problem(file, rule, "the row has more values than the header", line=line, value=value)
    if rule == "encoding-error":
        return Problem(file, rule, f"the file is not valid UTF-8 ({note})")
    if rule in {"source-error", "scheme-error", "format-error"} and "empty" in note:
        return Problem(file, rule, "the file is empty: expected a header line and rows")
    return Problem(file, rule, d.get("message", rule), line=line, column=column, value=value)


def _prevalidate(file: Path) -> Problem | None:
    """Problems frictionless reports vaguely: missing, empty or non-UTF-8 files."""
    shown = files.display_path(file)
    if not file.exists():
        return Problem(shown, "missing-file", "file not found")
    raw = file.read_bytes()
    if not raw.strip():
        return Problem(shown, "empty-file", "the file is empty: expected a header line and rows")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(
            shown,
            "encoding-error",
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid UTF-8: save the file as UTF-8",
            line=line,
        )
    return None


def _validate(descriptor: Path, overrides: dict[str, Path] | None, only: set[str] | None) -> ValidationReport:
    fl = _frictionless()
    data = _resolved_descriptor(descriptor, overrides)
    report = ValidationReport()
    resources = data.get("resources", [])
    broken: set[str] = set()
    for res in resources:
        if only is not None and res["name"] not in only:
            continue
        report.resources.append(res["name"])
        pre = _prevalidate(Path(res["path"]))
        if pre is not None:
            report.problems.append(pre)
            broken.add(res["name"])
    with fl.system.use_context(trusted=True):
        package = fl.Package(data)
        for res in package.resources:
            if (only is not None and res.name not in only) or res.name in broken:
                continue
            targets = {fk["reference"].get("resource") for fk in res.schema.to_descriptor().get("foreignKeys", [])}
            if targets & broken:
                shown = files.display_path(Path(res.path))
                report.problems.append(
                    Problem(
                        shown,
                        "not-checked",
                        f"not checked: it refers to {sorted(targets & broken)}, which must be fixed first",
                    )
                )
                continue
            shown = files.display_path(Path(res.path))
            result = res.validate(limit_errors=_MAX_PROBLEMS_PER_RESOURCE)
            schema = res.schema.to_descriptor()
            for task in result.tasks:
                for err in task.errors:
                    report.problems.append(_problems_from_error(shown, err, schema))
            for err in result.errors:
                report.problems.append(Problem(shown, err.type, err.message))
    return report


def validate_package(
    descriptor: Path | None = None, overrides: dict[str, os.PathLike[str] | str] | None = None
) -> ValidationReport:
    """Check every table of the data package.

    Parameters
    ----------
    descriptor
        The ``datapackage.json`` to check (default: the project's ``data/datapackage.json``).
    overrides
        ``{table name: path}`` to check some tables from other files (the private
        fieldwork records), against the project's schemas and keys.

    Returns
    -------
    ValidationReport
        ``.ok`` is true when no rule is broken; ``.text()`` lists every problem.
    """
    paths = {k: Path(v) for k, v in (overrides or {}).items()}
    return _validate(Path(descriptor) if descriptor else DATAPACKAGE, paths, None)


def validate_tables(
    names: list[str],
    descriptor: os.PathLike[str] | str | None = None,
    overrides: dict[str, os.PathLike[str] | str] | None = None,
) -> ValidationReport:
    """Check some tables (with their keys), skipping those validated before unchanged.

    Like :func:`validate_package` restricted to ``names``; a successful check leaves a
    stamp (see :func:`load_table`), so the next process with the same files, schemas
    and referenced tables does not pay for frictionless again.
    """
    desc = Path(descriptor) if descriptor else DATAPACKAGE
    paths = {k: Path(v) for k, v in (overrides or {}).items()}
    missing = [p for n in names if (p := _prevalidate_path(desc, n, paths)) is not None]
    if missing:
        return _validate(desc, paths, set(names))
    return _validate_stamped(desc, list(names), paths, _validation_key(desc, list(names), paths))


def _validate_stamped(desc: Path, names: list[str], paths: dict[str, Path], stamp: str) -> ValidationReport:
    """Validate ``names`` unless ``stamp`` says it was done; leave the stamp on success."""
    if _validated_before(stamp):
        return ValidationReport(resources=list(names))
    report = _validate(desc, paths, set(names))
    if report.ok:
        _remember_validated(stamp)
    return report


def _prevalidate_path(desc: Path, name: str, overrides: dict[str, Path]) -> Path | None:
    """The file of a table if it is missing (then no digest can be computed)."""
    if name in overrides:
        path = overrides[name]
    else:
        rel = next((r["path"] for r in _read_descriptor(desc)["resources"] if r["name"] == name), None)
        if rel is None:
            return None
        path = desc.parent / rel
    return None if Path(path).exists() else Path(path)


def _schema_of(descriptor: Path, name: str) -> dict[str, Any]:
    data = _resolved_descriptor(descriptor, None)
    for res in data["resources"]:
        if res["name"] == name:
            return res["schema"]
    names = sorted(r["name"] for r in data["resources"])
    raise DataValidationError(f"no table named {name!r} in {files.display_path(descriptor)}; tables: {names}")


_CACHE: dict[tuple[str, str, str], pd.DataFrame] = {}


def _validation_key(desc: Path, names: list[str], overrides: dict[str, Path] | None = None) -> str:
    """Digest of everything the validation of some tables depends on.

    The tables' files and resolved schemas, the files and schemas of the tables their
    foreign keys point to, and this module's own source (a change of the rules
    invalidates every earlier result).
    """
    data = _resolved_descriptor(desc, overrides)
    resources = {r["name"]: r for r in data["resources"]}
    digest = hashlib.sha256(Path(__file__).read_bytes())
    needed = set(names)
    for name in names:
        for fk in resources[name]["schema"].get("foreignKeys", []):
            needed.add(fk["reference"].get("resource") or name)
    for res_name in sorted(needed):
        res = resources[res_name]
        digest.update(json.dumps(res, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(Path(res["path"]).read_bytes())
    return digest.hexdigest()


def _validated_before(key: str) -> bool:
    return (VALIDATION_CACHE_DIR / key).exists()


def _remember_validated(key: str) -> None:
    """Leave a stamp named by the key; a failure to write it only costs a re-check."""
    try:
        VALIDATION_CACHE_DIR.mkdir(parents=True, exist_ok=True)
        (VALIDATION_CACHE_DIR / key).touch()
    except OSError:
        pass


def load_table(
    name: str,
    path: os.PathLike[str] | str | None = None,
    descriptor: os.PathLike[str] | str | None = None,
    validate: bool = True,
) -> pd.DataFrame:
    """Return one table as a typed DataFrame, validated against its schema.

    Parameters
    ----------
    name
        Resource name in the data package (``"sites"``, ``"hypotheses"``...).
    path
        Read the table from this file instead of the project's (same schema, foreign
        keys checked against the project's other tables).
    descriptor
        Another ``datapackage.json`` (tests).
    validate
        Set to ``False`` only where the caller has just validated the package.

    Raises
    ------
    DataValidationError
        Naming file, line, column, value and rule of every problem.

    Notes
    -----
    Columns get pandas nullable dtypes from the schema (``string``, ``Int64``,
    ``boolean``, ``float64``); empty cells become missing values. Rows keep the
    file's order. Results are cached per process, keyed by the content of the file
    and of the tables its keys refer to.

    A successful validation leaves a stamp in ``build/cache/validated/`` named by the
    digest of the table, its schema and the tables its keys refer to: the next process
    (a notebook kernel of the batch) skips frictionless for unchanged tables, and any
    change to one of them validates again.
    """
    desc = Path(descriptor) if descriptor else DATAPACKAGE
    schema = _schema_of(desc, name)
    if path is None:
        data = _read_descriptor(desc)
        rel = next(r["path"] for r in data["resources"] if r["name"] == name)
        file = (desc.parent / rel).resolve()
    else:
        file = Path(path).resolve()
    if not file.exists():
        raise DataValidationError(f"{files.display_path(file)}: file not found (table '{name}')")
    overrides = {name: file} if path is not None else None
    stamp = _validation_key(desc, [name], overrides)
    key = (str(desc.resolve()), name, f"{file}:{stamp}:{validate}")
    if key in _CACHE:
        return _CACHE[key].copy()
    if validate:
        _validate_stamped(desc, [name], overrides or {}, stamp).raise_for_problems(
            f"table '{name}' ({files.display_path(file)})"
        )
    frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = set(schema.get("missingValues", [""]))
    for fld in schema["fields"]:
        col = fld["name"]
        series = frame[col].where(~frame[col].isin(missing), None)
        kind = fld.get("type", "string")
        if kind == "boolean":
            mapped = series.map(lambda v: None if v is None else v.strip().lower() in {"true", "1", "yes"})
            frame[col] = mapped.astype("boolean")
        elif kind == "date":
            frame[col] = pd.to_datetime(series, format="%Y-%m-%d")
        elif kind in _PANDAS_DTYPES:
            if kind in {"integer", "number"}:
                series = pd.to_numeric(series)
            frame[col] = series.astype(_PANDAS_DTYPES[kind])
        else:
            frame[col] = series.astype("string")
    _CACHE[key] = frame
    return frame.copy()
