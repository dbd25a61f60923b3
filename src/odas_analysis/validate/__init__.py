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

from .csvcheck import ID_PATTERN, MAX_FIELD_CHARS, check_csv_file, id_columns
from .loading import load_table
from .package import validate_package, validate_tables
from .problems import Problem, ValidationReport

__all__ = [
    "ID_PATTERN",
    "MAX_FIELD_CHARS",
    "Problem",
    "ValidationReport",
    "check_csv_file",
    "id_columns",
    "load_table",
    "validate_package",
    "validate_tables",
]
