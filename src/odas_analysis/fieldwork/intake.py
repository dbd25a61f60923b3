"""Import of filled-in templates (a workbook or a directory of CSV files).

The rows are staged as CSV files, validated with the project's schemas and the
cross-table rules, and written to the private records directory only when everything
is valid. Every error names the sheet, row and cell (or the file, line and column).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config, files
from ..errors import DataValidationError, ParameterError
from ..validate import Problem, check_csv_file, load_table
from .records import clear_cache, validate_dir
from .rules import check_records
from .tables import NAMES_COLUMNS, NAMES_FILE, RECORD_TABLES, schema
from .templates import table_fields, template_tables


@dataclass
class _Origin:
    """Where the rows of one staged CSV came from (for error messages)."""

    kind: str  # "sheet" or "file"
    name: str
    header: list[str]
    rows: list[int]  # sheet row (or file line) of each data row
    expected: list[str] = field(default_factory=list)  # the schema's columns, in order

    def where(self, line: int | None, column: str | None) -> str:
        if self.kind == "file":
            parts = [f"fichier « {self.name} »"]
            if line is not None:
                parts.append(f"ligne {line}")
            if column:
                parts.append(f"colonne « {column} »")
            return ", ".join(parts)
        parts = [f"feuille « {self.name} »"]
        row = None
        if line is not None:
            row = 1 if line == 1 else (self.rows[line - 2] if 0 <= line - 2 < len(self.rows) else line)
            parts.append(f"ligne {row}")
        first = column.split("+")[0].split(",")[0].strip() if column else None
        position = None
        if first and first in self.header:
            position = self.header.index(first)
        elif first and row == 1 and first in self.expected:  # a header cell typed wrong
            position = self.expected.index(first)
        if position is not None and row is not None:
            from openpyxl.utils import get_column_letter

            ref = f"{get_column_letter(position + 1)}{row}"
            parts.append(f"cellule {ref} (colonne « {column} »)")
        elif column:
            parts.append(f"colonne « {column} »")
        return ", ".join(parts)


def _plain(problem: Problem, fields: Mapping[str, dict[str, Any]]) -> str:
    """A problem's message restated for the person who typed the value."""
    fld = fields.get(problem.column or "", {})
    cons = fld.get("constraints", {})
    if problem.rule == "type-error":
        return {
            "integer": "nombre entier attendu",
            "number": "nombre attendu",
            "date": "date attendue, écrite AAAA-MM-JJ",
            "boolean": "true ou false attendu",
        }.get(fld.get("type", ""), problem.message)
    if problem.rule == "constraint-error":
        match = re.match(r"ne respecte pas la contrainte (\w+)", problem.message)
        name = match.group(1) if match else ""
        if name == "enum":
            return "valeur attendue parmi " + ", ".join(str(v) for v in cons.get("enum", []))
        if name == "required":
            return "une valeur est obligatoire"
        if name == "minimum":
            return f"au moins {cons.get('minimum')} attendu"
        if name == "maximum":
            return f"au plus {cons.get('maximum')} attendu"
        if name == "pattern":
            described = fld.get("description", "")
            return f"n'a pas la forme attendue (motif {cons.get('pattern')})" + (f" : {described}" if described else "")
    return problem.message


def _excel_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _write_staged(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _check_names(staging: Path, origin: _Origin | None) -> list[str]:
    """Rules of the private names table: known pseudonymous ids, a name on every row."""
    path = staging / NAMES_FILE
    if not path.exists():
        return []
    unreadable = [p for p in check_csv_file(path) if p.rule != "no-rows"]  # a blank names sheet is fine
    if unreadable:
        here = origin or _Origin("file", NAMES_FILE, [], [])
        return [f"{here.where(p.line, p.column)} : {p.message}" for p in unreadable]
    names = pd.read_csv(path, dtype=str, keep_default_na=False)
    where = origin or _Origin("file", NAMES_FILE, list(names.columns), list(range(2, len(names) + 2)))
    out = []
    if list(names.columns) != list(NAMES_COLUMNS):
        return [f"{where.where(1, None)} : colonnes attendues {', '.join(NAMES_COLUMNS)}"]
    if check_csv_file(staging / "participants.csv"):
        return []  # reported with the record tables
    known = set(pd.read_csv(staging / "participants.csv", dtype=str, keep_default_na=False)["participant_id"])
    seen: set[str] = set()
    for i, row in names.iterrows():
        line = int(i) + 2
        if row["participant_id"] not in known:
            out.append(
                f"{where.where(line, 'participant_id')}, valeur « {row['participant_id']} » : absent de la "
                "feuille participants"
            )
        if row["participant_id"] in seen:
            out.append(f"{where.where(line, 'participant_id')}, valeur « {row['participant_id']} » : en double")
        seen.add(row["participant_id"])
        if not row["name"].strip():
            out.append(f"{where.where(line, 'name')} : une valeur est obligatoire")
    return out


def _finish_import(staging: Path, origins: Mapping[str, _Origin], out_dir: Path, what: str) -> dict[str, Path]:
    messages: list[str] = []
    problems = validate_dir(staging)
    field_maps = {t: {f["name"]: f for f in schema(t)["fields"]} for t in RECORD_TABLES}
    for p in problems:
        table = Path(p.file).stem
        origin = origins.get(table)
        where = origin.where(p.line, p.column) if origin else p.file
        value = f", valeur « {p.value} »" if p.value is not None else ""
        messages.append(f"{where}{value} : {_plain(p, field_maps.get(table, {}))}")
    if not problems:
        tables = {n: load_table(n, path=staging / f"{n}.csv", validate=False) for n in RECORD_TABLES}
        for p in check_records(tables):
            table = Path(p.file).stem
            origin = origins[table]
            value = f", valeur « {p.value} »" if p.value is not None else ""
            messages.append(f"{origin.where(p.line, p.column)}{value} : {p.message}")
    messages += _check_names(staging, origins.get("participant_names"))
    if messages:
        raise DataValidationError(f"{what} : données invalides ({len(messages)} problème(s))", messages)
    has_names = (staging / NAMES_FILE).exists()
    if has_names:
        inside = out_dir.resolve()
        if inside == config.PROJECT_ROOT or config.PROJECT_ROOT in inside.parents:
            raise ParameterError(
                f"{out_dir} : les noms des participants doivent rester hors du dépôt ; importer dans le "
                f"répertoire privé désigné par {config.PRIVATE_DATA_ENV}"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in [*RECORD_TABLES, "participant_names"] if has_names else RECORD_TABLES:
        target = out_dir / f"{name}.csv"
        files.write_bytes(target, (staging / f"{name}.csv").read_bytes())
        written[name] = target
    clear_cache()
    return written


class FormulaCellWarning(UserWarning):
    """A cell of an imported workbook holds a formula: its last computed value is imported, if any."""


_MAX_FORMULA_WARNINGS = 50


def formula_cells(source: Path, sheets: list[str]) -> list[str]:
    """One French line per formula cell of ``sheets``, naming sheet, cell and what is imported.

    The import reads the value the spreadsheet last computed (``data_only``); a workbook
    written by a program that does not compute (a script, openpyxl) has none, and the
    cell would silently be imported empty.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    formulas = load_workbook(source, read_only=True, data_only=False)
    cached = load_workbook(source, read_only=True, data_only=True)
    out: list[str] = []
    try:
        for sheet in sheets:
            if sheet not in formulas.sheetnames:
                continue
            rows = zip(formulas[sheet].iter_rows(), cached[sheet].iter_rows())
            for r, (frow, crow) in enumerate(rows, start=1):
                for c, (fcell, ccell) in enumerate(zip(frow, crow), start=1):
                    if getattr(fcell, "data_type", None) != "f":
                        continue
                    where = f"feuille « {sheet} », cellule {get_column_letter(c)}{r} : formule « {fcell.value} »"
                    value = _excel_text(ccell.value)
                    if value:
                        out.append(f"{where} ; sa dernière valeur calculée « {value} » est importée, pas la formule")
                    else:
                        out.append(
                            f"{where} sans valeur calculée enregistrée (classeur écrit par un programme qui ne "
                            "calcule pas) : la cellule est importée vide ; ouvrir puis enregistrer le classeur dans "
                            "un tableur, ou saisir la valeur"
                        )
    finally:
        formulas.close()
        cached.close()
    if len(out) > _MAX_FORMULA_WARNINGS:
        extra = len(out) - _MAX_FORMULA_WARNINGS
        out = [*out[:_MAX_FORMULA_WARNINGS], f"… et {extra} autre(s) cellule(s) à formule"]
    return out


def import_workbook(path: os.PathLike[str] | str, out_dir: os.PathLike[str] | str) -> dict[str, Path]:
    """Import a filled-in ``odas-fieldwork.xlsx`` into a directory of CSV files.

    Every sheet is validated with the project's schemas and cross-table rules; nothing is
    written unless everything is valid.

    Parameters
    ----------
    path
        The workbook (one sheet per table, header on row 1, as the template).
    out_dir
        Where to write ``<table>.csv`` (the private records directory). A filled
        ``participant_names`` sheet is written only outside the repository.

    Returns
    -------
    dict
        ``{table: written path}``.

    Raises
    ------
    DataValidationError
        One line per problem, e.g. ``sheet 'interviews', row 7, cell E7 (column
        'format'), value 'entretien': expected one of individual, collective, workshop``.
    """
    from openpyxl import load_workbook

    source = Path(path)
    if not source.is_file():
        raise DataValidationError(f"{source} : classeur introuvable")
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise DataValidationError(f"{source} : classeur .xlsx illisible ({exc})") from None
    missing = [t for t in RECORD_TABLES if t not in wb.sheetnames]
    if missing:
        raise DataValidationError(
            f"classeur {source.name} : données invalides",
            [f"la feuille « {t} » manque (feuilles attendues : {', '.join(template_tables())})" for t in missing],
        )
    for line in formula_cells(source, template_tables()):
        warnings.warn(FormulaCellWarning(line), stacklevel=2)
    origins: dict[str, _Origin] = {}
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        for table in template_tables():
            if table not in wb.sheetnames:
                continue
            values = list(wb[table].iter_rows(values_only=True))
            header = [_excel_text(v) for v in (values[0] if values else [])]
            while header and not header[-1]:
                header.pop()
            rows, numbers = [], []
            for k, row in enumerate(values[1:], start=2):
                cells = [_excel_text(v) for v in row][: len(header)]
                cells += [""] * (len(header) - len(cells))
                if any(cells):
                    rows.append(cells)
                    numbers.append(k)
            if table == "participant_names" and not rows:
                continue
            origins[table] = _Origin("sheet", table, header, numbers, [f["name"] for f in table_fields(table)])
            _write_staged(staging / f"{table}.csv", header, rows)
        wb.close()
        return _finish_import(staging, origins, Path(out_dir), f"classeur {source.name}")


def import_csv_dir(src_dir: os.PathLike[str] | str, out_dir: os.PathLike[str] | str) -> dict[str, Path]:
    """Import filled-in CSV templates (``<table>.csv``) from ``src_dir`` into ``out_dir``.

    Same checks as :func:`import_workbook`; errors name the file, line and column.
    """
    src = Path(src_dir)
    origins: dict[str, _Origin] = {}
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        for table in template_tables():
            path = src / f"{table}.csv"
            if not path.exists():
                continue
            shutil.copyfile(path, staging / f"{table}.csv")
            with path.open(encoding="utf-8", errors="replace", newline="") as fh:
                header = next(csv.reader(fh), [])
            n_lines = sum(1 for _ in path.open(encoding="utf-8", errors="replace"))
            origins[table] = _Origin("file", f"{table}.csv", header, list(range(2, n_lines + 2)))
        return _finish_import(staging, origins, Path(out_dir), f"répertoire {src}")
