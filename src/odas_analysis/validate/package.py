"""Validation of the tables against the data package, with stamps so that a table checked once is not re-checked.

:func:`validate_package` checks every table (``odas-analysis validate``);
:func:`validate_tables` some of them with the tables their keys point to. A successful
check leaves a stamp in ``build/cache/validated/`` named by the digest of everything it
depended on (files, schemas, referenced tables, the rules' own source).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import files
from ..config import DATAPACKAGE, VALIDATION_CACHE_DIR
from .csvcheck import check_csv_file
from .descriptor import _file_digest, _read_descriptor, _resolved_descriptor, _shared_descriptor
from .frictionless_errors import _problems_from_error
from .problems import Problem, ValidationReport

_MAX_PROBLEMS_PER_RESOURCE = 50
#: The modules whose source is part of every validation key (the rules themselves).
_RULE_MODULES = tuple(sorted(Path(__file__).parent.glob("*.py")))
_KEYS: dict[tuple[object, ...], tuple[object, str]] = {}


def _frictionless():
    # Imported lazily: frictionless takes about a second to import.
    import frictionless

    return frictionless


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


def _validation_key(desc: Path, names: list[str], overrides: dict[str, Path] | None = None) -> str:
    """Digest of everything the validation of some tables depends on.

    The tables' files and resolved schemas, the files and schemas of the tables their
    foreign keys point to, and this module's own source (a change of the rules
    invalidates every earlier result).
    """
    data = _shared_descriptor(desc, overrides)
    resources = {r["name"]: r for r in data["resources"]}
    needed = set(names)
    for name in names:
        for fk in resources[name]["schema"].get("foreignKeys", []):
            needed.add(fk["reference"].get("resource") or name)
    # The same files in the same states give the same digest (a page asks for it hundreds
    # of times). The schemas are in ``data``, read again by _shared_descriptor when one of
    # their files changes: the entry keeps that object and is used only with it.
    paths = [desc, *_RULE_MODULES, *(Path(resources[n]["path"]) for n in sorted(needed))]
    stamp = files.files_state(paths)
    hit = _KEYS.get(stamp) if stamp is not None else None
    if hit is not None and hit[0] is data:
        return hit[1]
    digest = hashlib.sha256()
    for module in _RULE_MODULES:  # the rules themselves
        digest.update(_file_digest(module).encode())
    for res_name in sorted(needed):
        res = resources[res_name]
        digest.update(json.dumps(res, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(_file_digest(Path(res["path"])).encode())
    if stamp is not None:
        _KEYS[stamp] = (data, digest.hexdigest())
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
