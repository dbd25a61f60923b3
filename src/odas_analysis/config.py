"""Paths and settings in one place.

Two directories live outside the repository and are named by environment variables:

``ODAS_NATIONAL_DATA``
    the national files (INSEE geography, Filosofi, census comparator, election
    turnout) from which ``data/territory/`` is rebuilt. CI points it at
    ``../shared/data``. Only rebuilding or refreshing the territory tables needs it.
``ODAS_PRIVATE_DATA``
    the confidential fieldwork records (interviews, participants, coding, assessment
    grids). Without it every loader falls back to the demonstration set, which is
    labelled "données simulées".
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import NationalDataUnavailable

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent

DATA_DIR = PROJECT_ROOT / "data"
DATAPACKAGE = DATA_DIR / "datapackage.json"
STUDY_DIR = DATA_DIR / "study"
TERRITORY_DIR = DATA_DIR / "territory"
FIELDWORK_DIR = DATA_DIR / "fieldwork"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
FIGURES_DIR = PROJECT_ROOT / "figures"
TABLES_DIR = PROJECT_ROOT / "tables"
BUILD_DIR = PROJECT_ROOT / "build"
#: The caches kept between processes (``$ODAS_CACHE_DIR``, default ``build/cache``).
CACHE_DIR = Path(os.environ.get("ODAS_CACHE_DIR", BUILD_DIR / "cache"))
#: Stamps of tables already validated, named by the digest of what they depend on.
VALIDATION_CACHE_DIR = CACHE_DIR / "validated"

NATIONAL_DATA_ENV = "ODAS_NATIONAL_DATA"
PRIVATE_DATA_ENV = "ODAS_PRIVATE_DATA"
DISCLOSURE_THRESHOLD_ENV = "ODAS_DISCLOSURE_THRESHOLD"
DEFAULT_DISCLOSURE_THRESHOLD = 3


def national_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the directory holding the national source files.

    Parameters
    ----------
    explicit
        A path given on the command line; it wins over ``ODAS_NATIONAL_DATA``.

    Raises
    ------
    NationalDataUnavailable
        When neither is set, or the directory does not exist. The message says how to
        provide the files.
    """
    value = os.fspath(explicit) if explicit is not None else os.environ.get(NATIONAL_DATA_ENV, "")
    if not value:
        raise NationalDataUnavailable(
            "les fichiers nationaux sont nécessaires ici, mais aucun répertoire n'est indiqué.\n"
            f"Définir {NATIONAL_DATA_ENV}=/chemin/des/donnees-nationales (ou passer --national-dir CHEMIN).\n"
            "Ce répertoire contient geo/, indicators/, civic/ et politique_ville/, comme le décrit README.md "
            "(section « National data files ») ; sur une machine reliée à internet, "
            "`odas-analysis data download --national-dir CHEMIN` les télécharge auprès de leurs éditeurs."
        )
    path = Path(value).expanduser()
    if not path.is_dir():
        raise NationalDataUnavailable(
            f"le répertoire des données nationales {path} (indiqué par "
            f"{'--national-dir' if explicit is not None else NATIONAL_DATA_ENV}) n'existe pas "
            "ou n'est pas un répertoire."
        )
    return path


def private_data_dir() -> Path | None:
    """Return the confidential fieldwork directory named by ``ODAS_PRIVATE_DATA``, if any."""
    value = os.environ.get(PRIVATE_DATA_ENV, "")
    if not value:
        return None
    return Path(value).expanduser()


def disclosure_threshold() -> int:
    """Smallest count that may be published (counts below are suppressed or grouped)."""
    raw = os.environ.get(DISCLOSURE_THRESHOLD_ENV, "")
    if not raw:
        return DEFAULT_DISCLOSURE_THRESHOLD
    try:
        value = int(raw)
    except ValueError as exc:
        from .errors import ParameterError

        raise ParameterError(f"{DISCLOSURE_THRESHOLD_ENV}={raw!r}: expected a whole number of at least 1") from exc
    if value < 1:
        from .errors import ParameterError

        raise ParameterError(f"{DISCLOSURE_THRESHOLD_ENV}={raw!r}: expected a whole number of at least 1")
    return value
