"""Blank collection templates generated from the schemas (CSV files and one workbook).

:func:`write_templates` writes one header-only CSV per table and ``odas-fieldwork.xlsx``:
a « lisez-moi » sheet describing every column in French, one sheet per table with
drop-down lists of the allowed values, a « listes » sheet and a « grille » sheet. The
output is byte-stable (fixed timestamps in the workbook and its zip entries).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from .. import files
from ..tables.formats import XLSX_TIME, stable_zip
from ..validate import load_table
from .records import actor_categories, grid_conditions, grid_levels
from .tables import RECORD_TABLES, TEMPLATES_DIR, WORKBOOK_NAME, schema

_README_INTRO = (
    "Modèle de saisie du terrain de la recherche-action Odas 2015-2017 (odas-analysis).",
    "Remplir une ligne par enregistrement dans chaque feuille, sans modifier la ligne d'en-tête.",
    "Les identifiants sont pseudonymes : aucun nom de personne hors de la feuille participant_names.",
    "La feuille participant_names est confidentielle : elle ne sert qu'à vérifier qu'aucun nom "
    "n'apparaît dans les pages publiées ; elle ne doit jamais être versée dans le dépôt.",
    "Importer : odas-analysis fieldwork import CLASSEUR.xlsx --out RÉPERTOIRE_PRIVÉ ; chaque erreur est "
    "signalée par feuille, ligne et cellule.",
    "Une colonne marquée « non » dans la colonne publiable n'est jamais affichée ligne à ligne dans un rapport.",
    "",
)


_TYPE_FR = {
    "string": "texte",
    "integer": "nombre entier",
    "number": "nombre",
    "date": "date (AAAA-MM-JJ)",
    "boolean": "true ou false",
}
_LISTS = (
    ("site_id", "sites", "site_id"),
    ("actor_category", "actor_categories", "category_id"),
    ("hypothesis_id", "hypotheses", "hypothesis_id"),
    ("condition_id", "grid_conditions", "condition_id"),
)


def template_tables() -> list[str]:
    return [*RECORD_TABLES, "participant_names"]


def _names_fields() -> list[dict[str, Any]]:
    return [
        {
            "name": "participant_id",
            "type": "string",
            "title": "Identifiant pseudonyme (feuille participants)",
            "constraints": {"required": True},
        },
        {
            "name": "name",
            "type": "string",
            "title": "Nom réel — CONFIDENTIEL : ce fichier reste dans le répertoire privé et ne sert qu'au contrôle "
            "des pages publiées",
            "constraints": {"required": True},
        },
    ]


def table_fields(table: str) -> list[dict[str, Any]]:
    return _names_fields() if table == "participant_names" else schema(table)["fields"]


def _allowed_fr(fld: dict[str, Any]) -> str:
    cons = fld.get("constraints", {})
    if "enum" in cons:
        return ", ".join(str(v) for v in cons["enum"])
    parts = []
    if "minimum" in cons:
        parts.append(f"au moins {cons['minimum']}")
    if "maximum" in cons:
        parts.append(f"au plus {cons['maximum']}")
    if any(fld["name"] == column for column, _, _ in _LISTS):
        parts.append("voir la feuille listes")
    return " ; ".join(parts)


def _lists() -> dict[str, list[Any]]:
    out = {
        "site_id": [str(s) for s in load_table("sites")["site_id"]],
        "actor_category": [str(s) for s in actor_categories()["category_id"]],
        "hypothesis_id": [str(s) for s in load_table("hypotheses")["hypothesis_id"]],
        "condition_id": [str(s) for s in grid_conditions()["condition_id"]],
    }
    for table in RECORD_TABLES:
        for fld in schema(table)["fields"]:
            enum = fld.get("constraints", {}).get("enum")
            if enum and fld["name"] not in out:
                out[fld["name"]] = list(enum)  # numbers stay numbers: Excel compares typed values
    return out


def _write_csv_templates(target: Path) -> list[Path]:
    """One header-only CSV per table."""
    written = []
    for table in template_tables():
        path = target / f"{table}.csv"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([f["name"] for f in table_fields(table)])
        files.write_text(path, buf.getvalue())
        written.append(path)
    return written


def _readme_sheet(wb: Any, bold: Any) -> None:
    """The « lisez-moi » sheet: how to fill in, then one line per column of every table."""
    from openpyxl.styles import Alignment

    readme = wb.active
    readme.title = "lisez-moi"
    for line in _README_INTRO:
        readme.append([line])
    readme.append(["feuille", "colonne", "description", "type", "obligatoire", "valeurs permises", "publiable"])
    for cell in readme[readme.max_row]:
        cell.font = bold
    for table in template_tables():
        for fld in table_fields(table):
            required = "oui" if fld.get("constraints", {}).get("required") else "non"
            publishable = "oui" if fld.get("publishable") is True else "non"
            readme.append(
                [
                    table,
                    fld["name"],
                    fld.get("title", ""),
                    _TYPE_FR.get(fld.get("type", "string"), "texte"),
                    required,
                    _allowed_fr(fld),
                    publishable,
                ]
            )
    for col, width in zip("ABCDEFG", (18, 18, 70, 18, 11, 40, 10)):
        readme.column_dimensions[col].width = width
    for row in readme.iter_rows(min_row=len(_README_INTRO) + 1):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")


def _table_sheets(wb: Any, bold: Any, lists: dict[str, list[Any]]) -> None:
    """One sheet per table: the header row, drop-down lists for the allowed values."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    list_sheet_columns = list(lists)
    for table in template_tables():
        ws = wb.create_sheet(table)
        names = [f["name"] for f in table_fields(table)]
        ws.append(names)
        for k, name in enumerate(names, start=1):
            ws.cell(row=1, column=k).font = bold
            ws.column_dimensions[get_column_letter(k)].width = max(14, len(name) + 4)
            if name in lists:
                col = get_column_letter(list_sheet_columns.index(name) + 1)
                dv = DataValidation(
                    type="list", formula1=f"listes!${col}$2:${col}${len(lists[name]) + 1}", allow_blank=True
                )
                dv.error = "Valeur non permise : voir la feuille listes"
                dv.add(f"{get_column_letter(k)}2:{get_column_letter(k)}5000")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"


def _lists_sheet(wb: Any, bold: Any, lists: dict[str, list[Any]]) -> None:
    """The « listes » sheet: one column of allowed values per listed column."""
    from openpyxl.utils import get_column_letter

    columns = list(lists)
    ws = wb.create_sheet("listes")
    ws.append(columns)
    for k in range(max(len(v) for v in lists.values())):
        ws.append([lists[c][k] if k < len(lists[c]) else None for c in columns])
    for k, _name in enumerate(columns, start=1):
        ws.cell(row=1, column=k).font = bold
        ws.column_dimensions[get_column_letter(k)].width = 28


def _grid_sheet(wb: Any, bold: Any) -> None:
    """The « grille » sheet: each level of each condition of the assessment grid, in words."""
    ws = wb.create_sheet("grille")
    ws.append(["condition_id", "libellé", "question", "niveau", "signification du niveau", "section du rapport"])
    for cell in ws[1]:
        cell.font = bold
    conds = grid_conditions().set_index("condition_id")
    for _, lv in grid_levels().iterrows():
        cond = conds.loc[lv["condition_id"]]
        ws.append(
            [
                str(lv["condition_id"]),
                str(cond["label_fr"]),
                str(cond["question_fr"]),
                int(lv["level"]),
                str(lv["label_fr"]),
                str(cond["source_detail"]),
            ]
        )
    for col, width in zip("ABCDEF", (26, 40, 60, 8, 60, 50)):
        ws.column_dimensions[col].width = width


def write_templates(out_dir: os.PathLike[str] | str | None = None) -> list[Path]:
    """Write the blank collection templates, generated from the schemas.

    One header-only CSV per table (the four record tables and the private
    ``participant_names.csv``) and the workbook ``odas-fieldwork.xlsx``: a "lisez-moi"
    sheet describing every column in French, one sheet per table (header row, drop-down
    lists for the allowed values), a "listes" sheet of allowed identifiers and a
    "grille" sheet describing each level of the assessment grid. Byte-stable.

    Returns
    -------
    list of Path
        The files written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    target = Path(out_dir) if out_dir is not None else TEMPLATES_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = _write_csv_templates(target)
    bold = Font(bold=True)
    wb = Workbook()
    lists = _lists()
    _readme_sheet(wb, bold)
    _table_sheets(wb, bold, lists)
    _lists_sheet(wb, bold, lists)
    _grid_sheet(wb, bold)
    wb.properties.creator = "odas-analysis"
    wb.properties.created = XLSX_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path = target / WORKBOOK_NAME
    files.write_bytes(path, stable_zip(buf.getvalue()))
    written.append(path)
    return written
