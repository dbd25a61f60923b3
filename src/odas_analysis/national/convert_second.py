"""Convert the files added for the second edition into the tidy layout (sources S7-S10).

What each converter reads
-------------------------
* DGCL lists of EPCI à fiscalité propre and their member communes (``etalab/geohisto``
  ``sources/epci/YYYY.csv``, ``;``-separated, columns ``siren;nom;nature;fiscalite;nb_com;
  ptot;pmun;insee;siren_com;nom_com;ptot_com;pmun_com``) -> ``geo/epci_members_YYYY.csv``:
  separator ``,``, ``insee`` left-padded with zeros to 5 characters, rows in source order.
* CGET zonings (``anct-carto/superposeur`` ``data/zonages.csv``, columns ``id, lib,
  perimetre, nbcom, info1, ...``): the rows whose ``id`` is ``CV`` + digits are the
  contrats de ville -> ``politique_ville/contrats_de_ville_2015.csv`` (``info1``
  "Siren EPCI 2015 : …" reduced to the nine digits, empty otherwise; ``fiche_sig_ville``
  is the SIG Ville page of the code).
* ANCT posts (``anct-carto/ci-ville`` ``src/assets/adulte-relais-YYYY.json`` and
  ``postes-fonjep-YYYY.json``, JSON lists of objects) -> one CSV per programme, the years
  concatenated.
* Municipal results (``timotheebarnaud/elections-municipales-2020-2026``
  ``data/clean/resultats_YYYY_clean.xlsx``, first sheet, columns ``code_insee, commune,
  region, participation``; read with the standard library, no spreadsheet package) ->
  ``civic/municipales_YYYY_t1_participation.csv`` (decimal comma and ``%`` removed).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from .. import files
from ..errors import DataValidationError
from .csv_format import csv_number, csv_rows
from .official import POST_YEARS
from .read import NATIONAL_FILES

DGCL_COLUMNS = (
    "siren",
    "nom",
    "nature",
    "fiscalite",
    "nb_com",
    "ptot",
    "pmun",
    "insee",
    "siren_com",
    "nom_com",
    "ptot_com",
    "pmun_com",
)
CONTRACT_COLUMNS = ("code_cv", "nom", "perimetre", "nb_communes", "siren_epci_2015", "fiche_sig_ville")
SIG_VILLE = "https://sig.ville.gouv.fr/Territoire/{code}"
POST_COLUMNS = {
    "adultes_relais": (
        "id_poste",
        "code_tiers",
        "raison_sociale",
        "annee",
        "montant",
        "code_cv",
        "insee_dep",
        "insee_reg",
    ),
    "fonjep": ("id_poste", "code_tiers", "raison_sociale", "montant", "annee", "code_cv", "insee_dep", "insee_reg"),
}
MUNICIPAL_COLUMNS = ("code_insee", "commune", "region", "participation")


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _check_header(header: list[str], needed: tuple[str, ...], label: str) -> None:
    absent = [c for c in needed if c not in header]
    if absent:
        raise DataValidationError(
            f"{label} : colonne(s) absente(s) {', '.join(absent)} ; colonnes trouvées : {', '.join(header)}"
        )


def convert_dgcl(path: Path, year: int, national_dir: Path) -> list[Path]:
    """DGCL list of one year -> ``geo/epci_members_YYYY.csv``."""
    reader = csv.reader(io.StringIO(_text(path)), delimiter=";")
    header = [h.strip() for h in next(reader, [])]
    _check_header(header, DGCL_COLUMNS, str(path))
    pos = [header.index(c) for c in DGCL_COLUMNS]
    insee = DGCL_COLUMNS.index("insee")
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(header):
            raise DataValidationError(f"{path}, ligne {line_no} : {len(values)} champs, {len(header)} attendus")
        row = [values[p].strip() for p in pos]
        if row[insee].isdigit():
            row[insee] = row[insee].zfill(5)
        rows.append(row)
    out = national_dir / NATIONAL_FILES[f"epci_members_{year}"].relpath
    files.write_text(out, csv_rows(rows, DGCL_COLUMNS))
    return [out]


def convert_contracts(path: Path, national_dir: Path) -> list[Path]:
    """CGET zonings -> ``politique_ville/contrats_de_ville_2015.csv`` (rows ``CV`` + digits)."""
    reader = csv.DictReader(io.StringIO(_text(path)))
    _check_header(list(reader.fieldnames or []), ("id", "lib", "perimetre", "nbcom", "info1"), str(path))
    rows = []
    for r in reader:
        code = (r["id"] or "").strip()
        if not re.fullmatch(r"CV\d+", code):
            continue
        siren = re.search(r"\b\d{9}\b", r["info1"] or "")
        rows.append(
            (
                code,
                (r["lib"] or "").strip(),
                (r["perimetre"] or "").strip().lower(),
                (r["nbcom"] or "").strip(),
                siren.group(0) if siren else "",
                SIG_VILLE.format(code=code),
            )
        )
    if not rows:
        raise DataValidationError(f"{path} : aucune ligne de contrat de ville (identifiant CV suivi de chiffres)")
    out = national_dir / NATIONAL_FILES["contrats_de_ville"].relpath
    files.write_text(out, csv_rows(sorted(rows), CONTRACT_COLUMNS))
    return [out]


def _json_cell(value: object) -> object:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return csv_number(float(value))
    return str(value).strip()


def convert_posts(paths: dict[int, Path], programme: str, national_dir: Path) -> list[Path]:
    """ANCT JSON files of one programme (one per year) -> one CSV, years in order."""
    columns = POST_COLUMNS[programme]
    rows = []
    for year, path in sorted(paths.items()):
        try:
            data = json.loads(_text(path))
        except json.JSONDecodeError as exc:
            raise DataValidationError(f"{path} : fichier JSON illisible ({exc})") from exc
        if not isinstance(data, list):
            raise DataValidationError(f"{path} : une liste JSON d'objets est attendue")
        for i, item in enumerate(data):
            missing = [k for k in ("id_poste", "montant") if k not in item]
            if missing:
                raise DataValidationError(f"{path}, objet {i} : clé(s) absente(s) {', '.join(missing)}")
            row = {k: _json_cell(item.get(k)) for k in columns}
            row["annee"] = row["annee"] or str(year)
            rows.append([row[k] for k in columns])
    out = national_dir / NATIONAL_FILES[programme].relpath
    files.write_text(out, csv_rows(rows, columns))
    return [out]


# --------------------------------------------------------------------------- xlsx

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    n = 0
    for ch in letters.group(0) if letters else "":
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def xlsx_rows(path: Path) -> list[list[str]]:
    """Cells of the first sheet of an .xlsx workbook, as text (shared and inline strings, numbers)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            shared = []
            if "xl/sharedStrings.xml" in names:
                root = ElementTree.fromstring(zf.read("xl/sharedStrings.xml"))
                shared = ["".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")) for si in root]
            sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
            if not sheets:
                raise DataValidationError(f"{path} : aucune feuille dans le classeur")
            sheet = ElementTree.fromstring(zf.read(min(sheets, key=lambda n: int(re.sub(r"\D", "", n)))))
    except (zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise DataValidationError(f"{path} : classeur .xlsx illisible ({exc})") from exc
    rows = []
    for row in sheet.iter(f"{{{_NS['m']}}}row"):
        cells: dict[int, str] = {}
        for c in row.iter(f"{{{_NS['m']}}}c"):
            kind = c.get("t", "n")
            v = c.find("m:v", _NS)
            if kind == "s" and v is not None:
                text = shared[int(v.text or 0)]
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(f"{{{_NS['m']}}}t"))
            else:
                text = v.text if v is not None and v.text is not None else ""
            cells[_column_index(c.get("r", "A"))] = text
        width = max(cells, default=-1) + 1
        rows.append([cells.get(i, "") for i in range(width)])
    return rows


def convert_municipal(path: Path, year: int, national_dir: Path) -> list[Path]:
    """Municipal results workbook -> ``civic/municipales_YYYY_t1_participation.csv``."""
    table = xlsx_rows(path)
    if not table:
        raise DataValidationError(f"{path} : feuille vide")
    header = [h.strip() for h in table[0]]
    _check_header(header, MUNICIPAL_COLUMNS, str(path))
    pos = {c: header.index(c) for c in MUNICIPAL_COLUMNS}
    seen: set[str] = set()
    rows = []
    for line_no, values in enumerate(table[1:], start=2):
        values = values + [""] * (len(header) - len(values))
        code = values[pos["code_insee"]].strip()
        if code.endswith(".0"):
            code = code[:-2]
        code = code.zfill(5) if code.isdigit() else code
        raw = values[pos["participation"]].strip().replace("%", "").replace(",", ".").strip()
        if not code or code in seen:
            continue
        try:
            rate = float(raw)
        except ValueError:
            raise DataValidationError(
                f"{path}, ligne {line_no}, colonne participation : {raw!r} n'est pas un nombre"
            ) from None
        seen.add(code)
        rows.append((code, values[pos["commune"]].strip(), values[pos["region"]].strip(), csv_number(rate)))
    out = national_dir / NATIONAL_FILES[f"municipales_{year}"].relpath
    files.write_text(out, csv_rows(rows, ("code_insee", "commune", "region", "participation_t1_pct")))
    return [out]


def convert_second_edition(by_key: dict[str, Path], national_dir: Path) -> list[Path]:
    """Convert the downloaded second-edition files (``by_key``: official file key -> path in ``raw/``)."""
    written: list[Path] = []
    for year in (2015, 2016, 2017):
        written += convert_dgcl(by_key[f"dgcl_{year}"], year, national_dir)
    written += convert_contracts(by_key["contrats_de_ville"], national_dir)
    for programme in POST_COLUMNS:
        paths = {y: by_key[f"{programme}_{y}"] for y in POST_YEARS}
        written += convert_posts(paths, programme, national_dir)
    for year in (2020, 2026):
        written += convert_municipal(by_key[f"municipales_{year}"], year, national_dir)
    return written
