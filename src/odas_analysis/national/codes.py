"""Territory codes of the national files, checked without pandas (for the batch's plan).

:func:`lookup_code` says whether a code is a commune (INSEE code, ``geo/communes_2026.csv``)
or an EPCI (SIREN, ``geo/epci_2026.csv``) of the national files and gives its name; an
unknown code is refused with a French message naming the file and column looked in
(:func:`unknown_code_message`, shared with :mod:`odas_analysis.national.profile`).
:func:`national_state` digests the state (size, modification time) of every national
file, so that a territory page is re-run when a file it reads changes.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .. import files
from ..errors import DataValidationError, ParameterError

#: Where a code is looked up: level -> (file, key column, name column).
CODE_FILES: dict[str, tuple[str, str, str]] = {
    "commune": ("geo/communes_2026.csv", "code_commune", "nom"),
    "EPCI": ("geo/epci_2026.csv", "siren_epci", "nom_epci"),
}

#: Folders of the national directory holding the files a territory page reads.
NATIONAL_FOLDERS = ("geo", "indicators", "civic")


@dataclass(frozen=True)
class TerritoryCode:
    """A code found in the national files: ``level`` (``commune`` or ``EPCI``), ``code``, ``name``."""

    level: str
    code: str
    name: str


def normalise_code(code: object) -> str:
    """``code`` as the files write it (upper case, stripped); a whole number gets its leading zeros back."""
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise ParameterError(
            f"code territorial {code!r} : une chaîne est attendue, code INSEE de commune (ex. « 59350 ») "
            "ou SIREN d'EPCI (ex. « 200093201 »)"
        )
    text = str(code).strip().upper()
    return text.zfill(5) if isinstance(code, int) and len(text) < 5 else text


def level_of(code: str) -> str:
    """``EPCI`` for nine digits (a SIREN), ``commune`` otherwise."""
    return "EPCI" if len(code) == 9 and code.isdigit() else "commune"


def unknown_code_message(code: str, national_dir: Path, n_rows: int) -> str:
    """The French refusal of an unknown code: which file and column were looked in, and what a code looks like."""
    from ..french import integer

    level = level_of(code)
    relpath, key, _ = CODE_FILES[level]
    what = "SIREN d'EPCI" if level == "EPCI" else "code INSEE de commune"
    where = {lvl: national_dir / f for lvl, (f, _, _) in CODE_FILES.items()}
    return (
        f"code territorial inconnu {code!r} : cherché comme {what} dans la colonne {key} de "
        f"{national_dir / relpath} ({integer(n_rows)} lignes), sans résultat. Un code de commune (5 caractères, "
        f"ex. 59350 ou 2A004) est cherché dans la colonne code_commune de {where['commune']} ; un SIREN d'EPCI "
        f"(9 chiffres, ex. 200093201) dans la colonne siren_epci de {where['EPCI']}."
    )


_CODES: files.ByFileState[dict[str, str]] = files.ByFileState()
"""Codes already read, by file and columns, while the file keeps its state."""


def _read_codes(path: Path, key: str, name: str) -> dict[str, str]:
    """The ``key`` -> ``name`` map of one file, read again only when its state changed.

    A national plan looks up 1,747 codes: without this each commune code re-read the
    35,000 lines of the communes file (0.16 s each).
    """
    return _CODES.get((str(path), key, name), [path], lambda: _read_codes_file(path, key, name))


def _read_codes_file(path: Path, key: str, name: str) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        from ..errors import NationalDataUnavailable

        raise NationalDataUnavailable(
            f"fichier national {path} introuvable : il liste les territoires qu'une fiche de territoire peut "
            "décrire ; le répertoire ODAS_NATIONAL_DATA doit le contenir (voir data/territory/README.md)"
        ) from None
    reader = csv.DictReader(text.splitlines())
    if key not in (reader.fieldnames or []) or name not in (reader.fieldnames or []):
        raise DataValidationError(f"{path} : colonnes {key} et {name} attendues dans l'en-tête")
    return {row[key]: row[name] for row in reader}


def lookup_code(code: object, national_dir: str | os.PathLike[str] | None = None) -> TerritoryCode:
    """The commune or EPCI ``code`` of the national files (default directory ``ODAS_NATIONAL_DATA``).

    Raises
    ------
    ParameterError
        The code is in neither file (:func:`unknown_code_message`).
    NationalDataUnavailable
        No national directory, or the file is absent.
    """
    from ..config import national_data_dir

    directory = national_data_dir(national_dir)
    text = normalise_code(code)
    level = level_of(text)
    relpath, key, name = CODE_FILES[level]
    codes = _read_codes(directory / relpath, key, name)
    if text not in codes:
        raise ParameterError(unknown_code_message(text, directory, len(codes)))
    return TerritoryCode(level, text, codes[text])


def national_state(national_dir: str | os.PathLike[str] | None = None) -> str:
    """Digest of the name, size and modification time of every CSV a territory page may read."""
    from ..config import national_data_dir

    directory = national_data_dir(national_dir)
    state = []
    for folder in NATIONAL_FOLDERS:
        for path in sorted((directory / folder).glob("*.csv")):
            st = path.stat()
            state.append([f"{folder}/{path.name}", st.st_size, st.st_mtime_ns])
    return files.sha256_bytes(json.dumps(state).encode())
