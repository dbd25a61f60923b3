"""Free text: only the schema fields marked ``"publishable": true`` are printed row by row."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..errors import ParameterError
from .base import DisclosureError


def assert_publishable(table: str, columns: Iterable[str]) -> None:
    """Raise :class:`DisclosureError` if any column is not marked publishable in ``table``'s schema."""
    from ..fieldwork import publishable_columns, schema

    known = [f["name"] for f in schema(table)["fields"]]
    allowed = set(publishable_columns(table))
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ParameterError(f"la table « {table} » n'a pas de colonne {', '.join(map(str, unknown))}")
    refused = [c for c in columns if c not in allowed]
    if refused:
        raise DisclosureError(
            f"colonne(s) {', '.join(map(str, refused))} de la table « {table} » non publiable(s) "
            '(schéma : "publishable": false) ; textes libres, institutions et fonctions ne sont jamais '
            "imprimés ligne à ligne"
        )


def publishable_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """``df`` without the columns of ``table`` that are not marked publishable.

    Columns that are not in the table's schema (added by a join or a computation) are
    kept only if they are publishable columns of another fieldwork table or derived
    aggregates; any column named like a non-publishable field of a fieldwork table is
    dropped.
    """
    from ..fieldwork import RECORD_TABLES, schema

    private = set()
    for name in {table, *RECORD_TABLES}:
        private |= {f["name"] for f in schema(name)["fields"] if f.get("publishable") is not True}
    public_anywhere = set()
    for name in {table, *RECORD_TABLES}:
        public_anywhere |= {f["name"] for f in schema(name)["fields"] if f.get("publishable") is True}
    dropped = [c for c in df.columns if c in private and c not in public_anywhere]
    out = df.drop(columns=dropped)
    out.attrs.update(df.attrs)
    return out
