"""Checks made before any CSV reader: what would make one crash or let a path escape.

A byte order mark, bytes that are not UTF-8, a field over 128 KiB, a table with a header
and no row, an identifier that is not a slug of :data:`ID_PATTERN` (``../../victim``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from .. import files
from .problems import Problem

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
