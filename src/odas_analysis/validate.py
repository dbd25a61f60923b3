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

    data/study/sites.csv, ligne 3, colonne « kind », valeur « ville » : [constraint-error]
    ne respecte pas la contrainte enum : attendu ['commune', 'communaute_agglomeration']

Before frictionless reads a file, :func:`check_csv_file` refuses what would make a
reader crash or a path escape: a byte order mark, bytes that are not UTF-8, a field over
128 KiB, a table with a header and no row, and an identifier (key, foreign key, ``*_id``
column) that is not a slug of :data:`ID_PATTERN` (``../../victim`` as a ``site_id``).

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

import csv
import hashlib
import io
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
#: Frictionless rules whose message needs no detail, in French.
_RULES_FR = {
    "blank-label": "une colonne de l'en-tête n'a pas de nom",
    "duplicate-label": "nom de colonne en double dans l'en-tête",
    "blank-row": "ligne vide : la supprimer",
    "duplicate-row": "ligne identique à une ligne précédente",
    "row-constraint": "la ligne ne respecte pas une contrainte entre colonnes",
}
#: Table Schema types as a French reader names them.
_TYPE_FR = {
    "integer": "nombre entier",
    "number": "nombre",
    "boolean": "booléen (true ou false)",
    "date": "date (AAAA-MM-JJ)",
    "string": "texte",
    "year": "année",
}


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
            where.append(f"ligne {self.line}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        if self.value is not None:
            where.append(f"valeur « {self.value} »")
        return f"{', '.join(where)} : [{self.rule}] {self.message}"


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
            return f"OK : {len(self.resources)} tables valides ({', '.join(self.resources)})"
        lines = [f"INVALIDE : {len(self.problems)} problème(s) dans {len(self.resources)} tables"]
        lines += [f"  - {p.text()}" for p in self.problems]
        return "\n".join(lines)

    def raise_for_problems(self, what: str) -> None:
        if not self.ok:
            raise DataValidationError(f"{what} : données invalides", [p.text() for p in self.problems])


def _frictionless():
    # Imported lazily: frictionless takes about a second to import.
    import frictionless

    return frictionless


def _read_descriptor(descriptor: Path) -> dict[str, Any]:
    try:
        text = descriptor.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError(f"{files.display_path(descriptor)} : descripteur introuvable") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"{files.display_path(descriptor)}, ligne {exc.lineno} : JSON invalide ({exc.msg})"
        ) from None


def _state(path: Path) -> tuple[int, int, int] | None:
    """What says a file changed: inode, size and modification time (None if absent)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


_RESOLVED: dict[tuple[Any, ...], tuple[list[tuple[Path, Any]], dict[str, Any]]] = {}
_DIGESTS: dict[tuple[str, Any], str] = {}


def _shared_descriptor(descriptor: Path, overrides: dict[str, Path] | None) -> dict[str, Any]:
    """:func:`_resolved_descriptor`, computed once per process and state of its files; read only.

    The batch's kernels ask for the same tables many times (``study.sites()`` alone
    dozens of times per site page): paths are resolved and schemas parsed once, and
    again only when the descriptor or one of its schema files changes.
    """
    key = (str(descriptor), _state(descriptor), tuple(sorted((k, str(v)) for k, v in (overrides or {}).items())))
    hit = _RESOLVED.get(key)
    if hit is not None and all(_state(path) == state for path, state in hit[0]):
        return hit[1]
    data = _resolved_descriptor(descriptor, overrides)
    raw = _read_descriptor(descriptor)
    schemas = [descriptor.parent / r["schema"] for r in raw.get("resources", []) if isinstance(r.get("schema"), str)]
    _RESOLVED[key] = ([(path, _state(path)) for path in schemas], data)
    return data


def _file_digest(path: Path) -> str:
    """SHA-256 of a file, computed again only when its state changes."""
    key = (str(path), _state(path))
    if key not in _DIGESTS:
        _DIGESTS[key] = files.sha256_file(path)
    return _DIGESTS[key]


def _resolved_descriptor(descriptor: Path, overrides: dict[str, Path] | None) -> dict[str, Any]:
    """Descriptor with absolute paths (resources and schemas), some resources relocated."""
    base = descriptor.parent
    data = _read_descriptor(descriptor)
    overrides = dict(overrides or {})
    known = {r.get("name") for r in data.get("resources", [])}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise DataValidationError(
            f"table(s) inconnue(s) {', '.join(unknown)} : les tables de {files.display_path(descriptor)} sont "
            f"{', '.join(sorted(known))}"
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
                    f"{files.display_path(schema_path)} : schéma de la table « {name} » illisible ({exc})"
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
            message = f"la colonne « {column} » manque dans l'en-tête (colonnes attendues : {expected})"
        elif rule == "extra-label":
            message = f"colonne inattendue « {label} » dans l'en-tête (colonnes attendues : {expected})"
        elif rule == "incorrect-label":
            message = (
                f"l'en-tête porte « {label} » là où le schéma attend « {column} » (colonnes attendues : {expected})"
            )
        else:
            message = _RULES_FR.get(rule, d.get("message", rule))
        return Problem(file, rule, message, line=line, column=column)
    if rule == "type-error":
        expected = note.replace("type is ", "").replace('"', "").split("/")[0]
        message = f"valeur attendue de type {_TYPE_FR.get(expected, expected)}"
        return Problem(file, rule, message, line=line, column=column, value=value)
    if rule == "constraint-error":
        match = re.match(r'constraint "(\w+)" is "(.*)"$', note)
        message = f"ne respecte pas la contrainte {match.group(1)} : attendu {match.group(2)}" if match else note
        return Problem(file, rule, message, line=line, column=column, value=value)
    cells = [str(c) for c in d.get("cells") or []]
    if rule in {"primary-key", "unique-error"}:
        key = schema.get("primaryKey") or []
        key = [key] if isinstance(key, str) else list(key)
        if rule == "unique-error" and column:
            key = [column]
        shown = ", ".join(cells[schema_fields.index(k)] for k in key if schema_fields.index(k) < len(cells))
        other = re.search(r"position (\d+)", note)
        message = (
            f"clé {'+'.join(key)} en double : la même qu'à la ligne {other.group(1)}" if other else "clé en double"
        )
        return Problem(file, rule, message, line=line, column="+".join(key) or None, value=shown or None)
    if rule == "foreign-key":
        match = re.match(r'for "([^"]+)": values "([^"]*)" not found in the lookup table "([^"]+)" as "([^"]+)"', note)
        if match:
            message = f"absent de la table « {match.group(3)} » (colonne « {match.group(4)} »)"
            return Problem(file, rule, message, line=line, column=match.group(1), value=match.group(2))
        return Problem(file, rule, note or d.get("message", ""), line=line)
    if rule == "missing-cell":
        return Problem(file, rule, "la ligne a moins de valeurs que l'en-tête", line=line, column=column)
    if rule == "extra-cell":
        return Problem(file, rule, "la ligne a plus de valeurs que l'en-tête", line=line, value=value)
    if rule == "encoding-error":
        return Problem(file, rule, f"le fichier n'est pas de l'UTF-8 valide ({note})")
    if rule in {"source-error", "scheme-error", "format-error"} and "empty" in note:
        return Problem(file, rule, "le fichier est vide : il faut une ligne d'en-tête puis des lignes")
    return Problem(file, rule, _RULES_FR.get(rule, d.get("message", rule)), line=line, column=column, value=value)


#: Largest field the standard library's CSV reader accepts by default (128 KiB).
MAX_FIELD_CHARS = 128 * 1024
#: What every identifier (a primary or foreign key, a ``*_id`` column) must look like: a
#: slug, so that no id can name a path (``../``, ``/``), hold a space or an HTML tag.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_MAX_ID_PROBLEMS = 20


def id_columns(schema: dict[str, Any]) -> list[str]:
    """The identifier columns of a schema: keys, foreign keys and ``*_id`` text columns."""
    key = schema.get("primaryKey") or []
    names = {key} if isinstance(key, str) else set(key)
    for fk in schema.get("foreignKeys", []):
        fields = fk.get("fields") or []
        names.update([fields] if isinstance(fields, str) else fields)
    return [
        f["name"]
        for f in schema.get("fields", [])
        if f.get("type", "string") == "string" and (f["name"] in names or f["name"].endswith("_id"))
    ]


def _decode(shown: str, raw: bytes) -> tuple[str | None, Problem | None]:
    """The text of a CSV file, or the problem that stops it being read (BOM, not UTF-8)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, Problem(
            shown,
            "bom",
            "le fichier commence par une marque d'ordre des octets (BOM, U+FEFF) : l'enregistrer en « UTF-8 » sans BOM",
            line=1,
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(
            shown,
            "encoding-error",
            f"l'octet 0x{raw[exc.start]:02x} (position {exc.start}) n'est pas de l'UTF-8 valide "
            "(fichier enregistré en latin-1 ou Windows-1252 ?) : l'enregistrer en UTF-8",
            line=line,
        )


def _rows(shown: str, text: str) -> tuple[list[list[str]], Problem | None]:
    """The rows of a CSV text (header first), or the problem that stops the reader."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(len(cell) > MAX_FIELD_CHARS for cell in row):
                raise csv.Error("field larger than field limit")
            rows.append(row)
    except csv.Error as exc:
        line = reader.line_num or 1
        if "field larger" in str(exc):
            message = (
                f"un champ dépasse {MAX_FIELD_CHARS // 1024} Kio ({MAX_FIELD_CHARS} caractères), la limite "
                "du lecteur CSV : un guillemet non fermé, ou un texte à raccourcir"
            )
            return rows, Problem(shown, "field-too-large", message, line=line)
        return rows, Problem(shown, "csv-error", f"CSV illisible ({exc})", line=line)
    return rows, None


def _unsafe_ids(shown: str, rows: list[list[str]], schema: dict[str, Any]) -> list[Problem]:
    """One problem per identifier cell that is not a slug (:data:`ID_PATTERN`)."""
    header = rows[0]
    out: list[Problem] = []
    for column in id_columns(schema):
        if column not in header:
            continue  # frictionless reports the missing column
        k = header.index(column)
        for line, row in enumerate(rows[1:], start=2):
            value = row[k] if k < len(row) else ""
            if value and not ID_PATTERN.match(value) and len(out) < _MAX_ID_PROBLEMS:
                out.append(
                    Problem(
                        shown,
                        "unsafe-id",
                        "un identifiant ne contient que des lettres sans accent, des chiffres, « - » et « _ », "
                        "et commence par une lettre ou un chiffre (pas d'espace, de « / » ni de « .. »)",
                        line=line,
                        column=column,
                        value=value,
                    )
                )
    return out


def check_csv_file(file: Path, schema: dict[str, Any] | None = None, table: str | None = None) -> list[Problem]:
    """Problems that stop a CSV file from being read safely, found before any other check.

    A missing or empty file, a byte order mark, bytes that are not UTF-8, a field over
    :data:`MAX_FIELD_CHARS`, a file with a header and no row, and (given the table's
    ``schema``) an identifier that is not a slug. Each names the file and line.
    """
    shown = files.display_path(file)
    if not file.exists():
        return [Problem(shown, "missing-file", "fichier introuvable")]
    raw = file.read_bytes()
    if not raw.strip():
        return [Problem(shown, "empty-file", "le fichier est vide : il faut une ligne d'en-tête puis des lignes")]
    text, problem = _decode(shown, raw)
    if problem is not None or text is None:
        return [problem] if problem else []
    rows, problem = _rows(shown, text)
    if problem is not None:
        return [problem]
    if not any(any(cell.strip() for cell in row) for row in rows[1:]):
        what = f"la table « {table} »" if table else "la table"
        return [
            Problem(
                shown,
                "no-rows",
                f"le fichier n'a que sa ligne d'en-tête : {what} doit avoir au moins une ligne",
                line=1,
            )
        ]
    return _unsafe_ids(shown, rows, schema) if schema else []


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
        pre = check_csv_file(Path(res["path"]), res.get("schema") or {}, res["name"])
        if pre:
            report.problems += pre
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
                        f"non vérifiée : elle renvoie à {', '.join(sorted(targets & broken))}, à corriger d'abord",
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
    data = _shared_descriptor(descriptor, None)
    for res in data["resources"]:
        if res["name"] == name:
            return res["schema"]
    names = sorted(r["name"] for r in data["resources"])
    raise DataValidationError(
        f"aucune table « {name} » dans {files.display_path(descriptor)} ; tables : {', '.join(names)}"
    )


_CACHE: dict[tuple[str, str, str], pd.DataFrame] = {}


def _validation_key(desc: Path, names: list[str], overrides: dict[str, Path] | None = None) -> str:
    """Digest of everything the validation of some tables depends on.

    The tables' files and resolved schemas, the files and schemas of the tables their
    foreign keys point to, and this module's own source (a change of the rules
    invalidates every earlier result).
    """
    data = _shared_descriptor(desc, overrides)
    resources = {r["name"]: r for r in data["resources"]}
    digest = hashlib.sha256(_file_digest(Path(__file__)).encode())
    needed = set(names)
    for name in names:
        for fk in resources[name]["schema"].get("foreignKeys", []):
            needed.add(fk["reference"].get("resource") or name)
    for res_name in sorted(needed):
        res = resources[res_name]
        digest.update(json.dumps(res, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(_file_digest(Path(res["path"])).encode())
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
        file = Path(next(r["path"] for r in _shared_descriptor(desc, None)["resources"] if r["name"] == name))
    else:
        file = Path(path).resolve()
    if not file.exists():
        raise DataValidationError(f"{files.display_path(file)} : fichier introuvable (table « {name} »)")
    overrides = {name: file} if path is not None else None
    stamp = _validation_key(desc, [name], overrides)
    key = (str(desc.resolve()), name, f"{file}:{stamp}:{validate}")
    if key in _CACHE:
        return _CACHE[key].copy()
    if validate:
        _validate_stamped(desc, [name], overrides or {}, stamp).raise_for_problems(
            f"table « {name} » ({files.display_path(file)})"
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
