"""Frictionless' findings in French: each error becomes a :class:`Problem` naming file, line, column, value, rule."""

from __future__ import annotations

import re
from typing import Any

from .problems import Problem

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
