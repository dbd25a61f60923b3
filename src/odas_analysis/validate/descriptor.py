"""The data package descriptor: read, resolved (absolute paths, schemas inlined) and cached by file state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import files
from ..errors import DataValidationError


def _read_descriptor(descriptor: Path) -> dict[str, Any]:
    try:
        text = descriptor.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError(f"{files.display_path(descriptor)} : descripteur introuvable") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"{files.display_path(descriptor)}, ligne {exc.lineno} : JSON invalide ({exc.msg})"
        ) from None


#: Resolved descriptors by (descriptor, its state, overrides): the schema files, their stamp, the result.
_RESOLVED: dict[tuple[Any, ...], tuple[list[Path], tuple | None, dict[str, Any]]] = {}
_DIGESTS: files.ByFileState[str] = files.ByFileState()


def _shared_descriptor(descriptor: Path, overrides: dict[str, Path] | None) -> dict[str, Any]:
    """:func:`_resolved_descriptor`, computed once per process and state of its files; read only.

    The batch's kernels ask for the same tables many times (``study.sites()`` alone
    dozens of times per site page): paths are resolved and schemas parsed once, and
    again only when the descriptor or one of its schema files changes.
    """
    key = (
        str(descriptor),
        files.file_state(descriptor),
        tuple(sorted((k, str(v)) for k, v in (overrides or {}).items())),
    )
    hit = _RESOLVED.get(key) if key[1] is not None else None
    if hit is not None and hit[1] is not None and files.files_state(hit[0]) == hit[1]:
        return hit[2]
    data = _resolved_descriptor(descriptor, overrides)
    raw = _read_descriptor(descriptor)
    schemas = [descriptor.parent / r["schema"] for r in raw.get("resources", []) if isinstance(r.get("schema"), str)]
    _RESOLVED[key] = (schemas, files.files_state(schemas), data)
    return data


def _file_digest(path: Path) -> str:
    """SHA-256 of a file, computed again only when its state changes."""
    return _DIGESTS.get(str(path), [path], lambda: files.sha256_file(path))


def _resolved_descriptor(descriptor: Path, overrides: dict[str, Path] | None) -> dict[str, Any]:
    """Descriptor with absolute paths (resources and schemas), some resources relocated."""
    base = descriptor.parent
    data = _read_descriptor(descriptor)
    overrides = dict(overrides or {})
    known = {r.get("name") for r in data.get("resources", [])}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise DataValidationError(
            f"table(s) inconnue(s) {', '.join(unknown)} : les tables de {files.display_path(descriptor)} sont "
            f"{', '.join(sorted(known))}"
        )
    for res in data.get("resources", []):
        name = res.get("name")
        path = overrides.get(name)
        res["path"] = str(Path(path).resolve()) if path is not None else str((base / res["path"]).resolve())
        if isinstance(res.get("schema"), str):
            schema_path = base / res["schema"]
            try:
                res["schema"] = json.loads(schema_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise DataValidationError(
                    f"{files.display_path(schema_path)} : schéma de la table « {name} » illisible ({exc})"
                ) from None
    return data


def _schema_of(descriptor: Path, name: str) -> dict[str, Any]:
    data = _shared_descriptor(descriptor, None)
    for res in data["resources"]:
        if res["name"] == name:
            return res["schema"]
    names = sorted(r["name"] for r in data["resources"])
    raise DataValidationError(
        f"aucune table « {name} » dans {files.display_path(descriptor)} ; tables : {', '.join(names)}"
    )
