"""Refresh the national files from the official publishers (``odas-analysis data download``).

The path a user with internet access takes to rebuild ``data/territory/`` from the
source: :func:`refresh` downloads every file of :data:`OFFICIAL_FILES` into
``NATIONAL_DIR/raw/``, converts them to the tidy CSV layout that
:mod:`odas_analysis.national.read` reads (documented in ``data/territory/README.md``; the same layout as
``../shared/data``; conversion in :mod:`odas_analysis.national.convert`), writes ``raw/MANIFEST.csv`` (URL, size,
SHA-256 of each download) and rebuilds the territory tables.

``base_url`` replaces the official hosts by a mirror: the file at
``https://host/some/path`` is fetched from ``{base_url}/some/path``. The tests serve a
small archive that they build themselves from ``http.server`` on 127.0.0.1 this way.

Downloads are atomic (temporary file in the target directory, then rename): a failed or
interrupted download leaves no file behind, and the error names the URL.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .. import files
from ..errors import OdasError
from .build import build_territory
from .convert import convert_all
from .csv_format import csv_rows
from .official import OFFICIAL_FILES, OfficialFile

__all__ = ["OFFICIAL_FILES", "DownloadError", "OfficialFile", "download", "mirror_url", "refresh"]

USER_AGENT = "odas-analysis/0.1 (reproduction of the Odas 2015-2017 study)"
TIMEOUT_SECONDS = 120
CHUNK = 1 << 16


class DownloadError(OdasError):
    """An official file could not be downloaded (the message names the URL)."""


# --------------------------------------------------------------------------- download


def mirror_url(url: str, base_url: str | None) -> str:
    """The URL to fetch: ``url`` itself, or its path under ``base_url``."""
    if not base_url:
        return url
    path = urllib.parse.urlsplit(url).path
    return base_url.rstrip("/") + path


def download(url: str, target: Path) -> tuple[int, str]:
    """Download ``url`` to ``target`` atomically; return (size in bytes, SHA-256).

    Raises
    ------
    DownloadError
        On any HTTP or network failure, or a body shorter than announced. No file is
        left at ``target`` (nor a temporary one beside it).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    digest = hashlib.sha256()
    size = 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as resp:
            expected = resp.headers.get("Content-Length")
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            if expected is not None and int(expected) != size:
                raise DownloadError(f"téléchargement de {url} interrompu après {size} octets sur {expected}")
        files.move(tmp, target)
    except urllib.error.HTTPError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DownloadError(f"échec du téléchargement de {url} : HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        Path(tmp).unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"échec du téléchargement de {url} : {reason}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def refresh(national_dir: Path, base_url: str | None = None, rebuild_into: Path | None = None) -> list[Path]:
    """Download the official files into ``national_dir``, convert them, rebuild.

    Parameters
    ----------
    national_dir
        Directory to fill (created if needed): ``raw/`` receives the downloads,
        ``geo/``, ``indicators/``, ``civic/`` the tidy CSVs.
    base_url
        Mirror replacing the official hosts (``{base_url}/<path of the official URL>``).
    rebuild_into
        Rebuild the territory tables into this directory afterwards (``None``: no rebuild).

    Returns
    -------
    list of Path
        Every file written, in order: downloads, manifest, tidy CSVs, rebuilt tables.
    """
    national_dir = Path(national_dir)
    raw = national_dir / "raw"
    written: list[Path] = []
    manifest = []
    for f in OFFICIAL_FILES:
        url = mirror_url(f.url, base_url)
        target = raw / f.filename
        size, sha = download(url, target)
        manifest.append((f.filename, f.source_id, f.publisher, f.url, url, size, sha))
        written.append(target)
    manifest_path = raw / "MANIFEST.csv"
    files.write_text(
        manifest_path,
        csv_rows(manifest, ["file", "source_id", "publisher", "official_url", "fetched_from", "bytes", "sha256"]),
    )
    written.append(manifest_path)
    written += convert_all(national_dir)
    if rebuild_into is not None:
        written += build_territory(national_dir, Path(rebuild_into))
    return written
