"""The fieldwork tables: their names, where their files live, their schemas.

The four record tables (:data:`RECORD_TABLES`) are confidential; the reference tables
(:data:`REFERENCE_TABLES`) are public. Every other module of the subpackage names them
through the constants here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .. import config
from ..errors import ParameterError

#: The four tables of confidential records (one CSV each in ODAS_PRIVATE_DATA).
RECORD_TABLES = ("interviews", "participants", "coded_segments", "assessments")
#: Public reference tables written by the project (categories, assessment grid).
REFERENCE_TABLES = ("actor_categories", "grid_conditions", "grid_levels")
#: Private-only file linking pseudonymous ids to real names (never a public table).
NAMES_FILE = "participant_names.csv"
NAMES_COLUMNS = ("participant_id", "name")
TEMPLATES_DIR = config.FIELDWORK_DIR / "templates"
WORKBOOK_NAME = "odas-fieldwork.xlsx"
#: Where the committed demonstration set lives.
DEMO_DIR = config.FIELDWORK_DIR / "demo"
#: ``.attrs["source"]`` of frames loaded from the demonstration set.
DEMO_SOURCE = "demonstration (données simulées)"
#: Period of the study; record dates outside it are typing errors.
STUDY_PERIOD = (dt.date(2015, 9, 1), dt.date(2017, 11, 30))


def schema(table: str) -> dict[str, Any]:
    """The Table Schema of one table of the data package, as a dict."""
    data = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    for res in data["resources"]:
        if res["name"] == table:
            return json.loads((config.DATAPACKAGE.parent / res["schema"]).read_text(encoding="utf-8"))
    raise ParameterError(f"aucune table « {table} » dans le paquet de données")


def publishable_columns(table: str) -> list[str]:
    """Columns whose schema field says ``"publishable": true``; free text never is."""
    return [f["name"] for f in schema(table)["fields"] if f.get("publishable") is True]
