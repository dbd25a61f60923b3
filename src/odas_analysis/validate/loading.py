"""Typed loading of one table: validated first, then read with the pandas dtypes its schema gives."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .. import files
from ..config import DATAPACKAGE
from ..errors import DataValidationError
from .descriptor import _schema_of, _shared_descriptor
from .package import _validate_stamped, _validation_key

# Table Schema type -> pandas dtype used by load_table.
_PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "float64",
    "boolean": "boolean",
}
_CACHE: dict[tuple[str, str, str], pd.DataFrame] = {}


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
