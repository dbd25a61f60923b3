"""Convert the downloaded official files into the tidy layout that :mod:`odas_analysis.national.read` reads.

The layout is documented in ``data/territory/README.md`` (the same as ``../shared/data``).

What each converter reads
-------------------------
* Etalab ``@etalab/decoupage-administratif`` JSON files (``communes.json``,
  ``departements.json``, ``regions.json``, ``epci.json``) of versions 0.3.0 (COG 2019,
  legal populations 2016) and 6.0.0 (COG 2026, populations in force 2026) ->
  ``geo/communes_YYYY.csv``, ``geo/epci_YYYY.csv``, ``geo/epci_members_YYYY.csv``.
* INSEE Filosofi zips (``base-cc-filosofi-2015.xls``, ``base-cc-filosofi-2016.xls``,
  sheets ``COM``, ``EPCI``, ``DEP``, ``REG``, ``METRO``; the header row is found by its
  first cell ``CODGEO``, row 6 in INSEE's files) -> ``indicators/filosofi_{com,epci,
  dep,reg,metro}_YYYY.csv``. The DEP / REG / METRO sheets give the département, région
  and France métropolitaine references that ``../shared/data`` lacks.
* INSEE comparateur de territoires zip (``base_cc_comparateur.CSV``, ``;``-separated)
  -> ``indicators/comparateur_rp2018_filo2019_com.csv``. Only the 2022 edition (census
  2018, variables ``P18_*``) fits the table; INSEE's URL serves the latest edition, and a
  later one is refused with a message saying which edition was found.
* Ministère de l'Intérieur 2017 presidential results by commune (data.gouv.fr,
  ``Presidentielle_2017_Resultats_Communes_Tour_{1,2}_c.xls``; header row found by
  ``Code du département``) -> ``civic/turnout_presidentielle_2017_communes.csv``. The
  Ministry's overseas codes (ZA..ZM) become INSEE département codes 971..976 and the
  commune code their département + the last two digits; COM and French abroad (ZN, ZP,
  ZS, ZW, ZX, ZZ) keep an empty ``code_commune``, as in the shared layout.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

from .. import files
from ..errors import DataValidationError
from . import convert_second
from .csv_format import csv_number, csv_rows
from .official import OFFICIAL_FILES
from .read import NATIONAL_FILES

# --------------------------------------------------------------------------- helpers


def _zip_member(archive: Path, suffix: str) -> bytes:
    """Bytes of the member of ``archive`` whose name ends with ``suffix`` (case-insensitive)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(suffix.lower())]
            if not names:
                raise DataValidationError(
                    f"{archive} : aucun membre nommé *{suffix} (membres : {', '.join(sorted(zf.namelist()))})"
                )
            return zf.read(sorted(names, key=len)[0])
    except zipfile.BadZipFile as exc:
        raise DataValidationError(f"{archive} : pas une archive zip ({exc})") from exc


_EMPTY_MARKERS = {"", "s", "nd", "ns", "so", "n.d.", "-"}


def _number_cell(value: object, where: str) -> str:
    """A numeric spreadsheet cell as text ('' when INSEE left it empty or secret)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return csv_number(float(value))
    text = str(value).strip()
    if text.lower() in _EMPTY_MARKERS:
        return ""
    try:
        return csv_number(float(text.replace(",", ".").replace("\u00a0", "").replace(" ", "")))
    except ValueError:
        raise DataValidationError(f"{where} : {text!r} n'est pas un nombre") from None


def _code_cell(value: object, width: int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.zfill(width) if text.isdigit() else text


def _open_xls(content: bytes, label: str):
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=content)
    except xlrd.XLRDError as exc:
        raise DataValidationError(f"{label} : illisible comme classeur .xls ({exc})") from exc


def _header_row(sheet, first_cell: str, label: str) -> int:
    for r in range(min(sheet.nrows, 15)):
        if str(sheet.cell_value(r, 0)).strip() == first_cell:
            return r
    raise DataValidationError(
        f"{label}, feuille {sheet.name} : aucune ligne d'en-tête commençant par {first_cell!r} dans les 15 premières lignes"
    )


# --------------------------------------------------------------------------- Etalab


def _load_json(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataValidationError(f"{path} : pas un fichier JSON UTF-8 ({exc})") from exc
    if not isinstance(data, list):
        raise DataValidationError(f"{path} : une liste JSON d'objets est attendue")
    return data


def _require(obj: dict, keys: Sequence[str], path: Path, index: int) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise DataValidationError(f"{path}, entrée {index} : clé(s) absente(s) {', '.join(missing)}")


COMMUNE_COLUMNS = (
    "code_commune",
    "nom",
    "code_departement",
    "nom_departement",
    "code_region",
    "nom_region",
    "collectivite_outremer",
    "zone",
    "siren_epci",
    "nom_epci",
    "population_municipale",
)
EPCI_COLUMNS = (
    "siren_epci",
    "nom_epci",
    "type",
    "mode_financement",
    "nb_communes",
    "population_municipale",
    "population_totale",
)
MEMBER_COLUMNS = (
    "siren_epci",
    "code_commune",
    "siren_commune",
    "nom_commune",
    "population_municipale",
    "population_totale",
)


def _etalab_epci(epcis: list[dict], path: Path) -> tuple[list[tuple], list[tuple], dict[str, tuple[str, str]]]:
    """EPCI rows, member rows and commune code -> (SIREN, name) of an Etalab ``epci.json``."""
    epci_of: dict[str, tuple[str, str]] = {}
    epci_rows, member_rows = [], []
    for i, e in enumerate(epcis):
        _require(e, ("code", "nom", "membres"), path, i)
        members = e["membres"]
        epci_rows.append(
            (
                e["code"],
                e["nom"],
                e.get("type", ""),
                e.get("modeFinancement", ""),
                len(members),
                e.get("populationMunicipale"),
                e.get("populationTotale"),
            )
        )
        for m in members:
            epci_of[m["code"]] = (e["code"], e["nom"])
            member_rows.append(
                (
                    e["code"],
                    m["code"],
                    m.get("siren", ""),
                    m.get("nom", ""),
                    m.get("populationMunicipale"),
                    m.get("populationTotale"),
                )
            )
    return epci_rows, member_rows, epci_of


def convert_etalab(raw_dir: Path, version: str, year: str, national_dir: Path) -> list[Path]:
    """Etalab JSON files -> ``geo/communes_YYYY.csv``, ``epci_YYYY.csv``, ``epci_members_YYYY.csv``."""
    folder = raw_dir / f"decoupage-administratif-{version}"
    communes = _load_json(folder / "communes.json")
    deps = {d["code"]: d.get("nom", "") for d in _load_json(folder / "departements.json")}
    regs = {r["code"]: r.get("nom", "") for r in _load_json(folder / "regions.json")}
    epci_rows, member_rows, epci_of = _etalab_epci(_load_json(folder / "epci.json"), folder / "epci.json")
    commune_rows = []
    for i, c in enumerate(communes):
        if c.get("type", "commune-actuelle") != "commune-actuelle":
            continue
        _require(c, ("code", "nom", "departement"), folder / "communes.json", i)
        siren, nom_epci = epci_of.get(c["code"], ("", ""))
        region = c.get("region", "")
        commune_rows.append(
            (
                c["code"],
                c["nom"],
                c["departement"],
                deps.get(c["departement"], ""),
                region,
                regs.get(region, ""),
                c.get("collectiviteOutremer", ""),
                c.get("zone", ""),
                siren,
                nom_epci,
                c.get("population"),
            )
        )
    geo = national_dir / "geo"
    outputs = {
        geo / f"communes_{year}.csv": csv_rows(sorted(commune_rows), COMMUNE_COLUMNS),
        geo / f"epci_{year}.csv": csv_rows(sorted(epci_rows), EPCI_COLUMNS),
        geo / f"epci_members_{year}.csv": csv_rows(sorted(member_rows, key=lambda r: (r[0], r[1])), MEMBER_COLUMNS),
    }
    for path, text in outputs.items():
        files.write_text(path, text)
    return list(outputs)


# --------------------------------------------------------------------------- Filosofi

FILOSOFI_SHEETS = {"COM": ("com", 5), "EPCI": ("epci", 9), "DEP": ("dep", 2), "REG": ("reg", 2), "METRO": ("metro", 0)}
FILOSOFI_VARS = (
    "NBMENFISC",
    "NBPERSMENFISC",
    "MED",
    "PIMP",
    "TP60",
    "TP60TOL1",
    "TP60TOL2",
    "PPSOC",
    "PPMINI",
    "D1",
    "D9",
    "RD",
)


def convert_filosofi(archive: Path, year: int, national_dir: Path) -> list[Path]:
    """INSEE Filosofi zip -> ``indicators/filosofi_{com,epci,dep,reg,metro}_YYYY.csv``."""
    yy = f"{year % 100:02d}"
    member = f"base-cc-filosofi-{year}.xls"
    book = _open_xls(_zip_member(archive, member), f"{archive}!{member}")
    label = f"{archive}!{member}"
    sheets = {s.upper(): s for s in book.sheet_names()}
    missing = [s for s in ("COM", "EPCI") if s not in sheets]
    if missing:
        raise DataValidationError(
            f"{label} : feuille(s) absente(s) {', '.join(missing)} (feuilles : {', '.join(book.sheet_names())})"
        )
    written = []
    for sheet_name, (level, width) in FILOSOFI_SHEETS.items():
        if sheet_name not in sheets:
            continue
        sheet = book.sheet_by_name(sheets[sheet_name])
        h = _header_row(sheet, "CODGEO", label)
        header = [str(v).strip() for v in sheet.row_values(h)]
        wanted = ["CODGEO", "LIBGEO"] + [f"{v}{yy}" for v in FILOSOFI_VARS]
        required = ["CODGEO", f"MED{yy}", f"TP60{yy}", f"RD{yy}"]
        absent = [c for c in required if c not in header]
        if absent:
            raise DataValidationError(
                f"{label}, feuille {sheet.name}, ligne {h + 1} : colonne(s) absente(s) {', '.join(absent)}"
            )
        cols = [c for c in wanted if c in header]
        idx = [header.index(c) for c in cols]
        rows = []
        for r in range(h + 1, sheet.nrows):
            values = sheet.row_values(r)
            code = _code_cell(values[idx[0]], width)
            if code == "":
                continue
            row = [code]
            for c, j in zip(cols[1:], idx[1:], strict=True):
                if c == "LIBGEO":
                    row.append(str(values[j]).strip())
                else:
                    row.append(_number_cell(values[j], f"{label}, feuille {sheet.name}, ligne {r + 1}, colonne {c}"))
            rows.append(row)
        path = national_dir / "indicators" / f"filosofi_{level}_{year}.csv"
        files.write_text(path, csv_rows(sorted(rows, key=lambda x: x[0]), cols))
        written.append(path)
    return written


# --------------------------------------------------------------------------- comparateur

COMPARATEUR_COLUMNS = (
    "CODGEO",
    "P18_POP",
    "P13_POP",
    "P18_MEN",
    "P18_LOG",
    "P18_RP",
    "P18_RP_PROP",
    "P18_POP1564",
    "P18_ACT1564",
    "P18_CHOM1564",
    "NBMENFISC19",
    "PIMP19",
    "MED19",
    "TP6019",
)


def convert_comparateur(archive: Path, national_dir: Path) -> list[Path]:
    """INSEE comparateur zip -> ``indicators/comparateur_rp2018_filo2019_com.csv``."""
    member = "base_cc_comparateur.csv"
    raw = _zip_member(archive, member)
    label = f"{archive}!{member}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = [h.strip().strip('"') for h in next(reader, [])]
    required = NATIONAL_FILES["comparateur"].columns
    absent = [c for c in required if c not in header]
    if absent:
        pops = sorted(h for h in header if h.endswith("_POP") and h.startswith("P"))
        raise DataValidationError(
            f"{label} : colonne(s) absente(s) {', '.join(absent)} ; les tables du projet utilisent l'édition 2022 "
            f"(recensement 2018, variables P18_* et Filosofi 2019), ce fichier a {', '.join(pops) or 'aucune colonne P??_POP'}. "
            "L'adresse de l'INSEE sert la dernière édition : indiquez avec --base-url un miroir de l'édition 2022."
        )
    cols = [c for c in COMPARATEUR_COLUMNS if c in header]
    idx = [header.index(c) for c in cols]
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not values:
            continue
        row = [_code_cell(values[idx[0]], 5)]
        for c, j in zip(cols[1:], idx[1:], strict=True):
            row.append(_number_cell(values[j], f"{label}, ligne {line_no}, colonne {c}"))
        chom, act = row[cols.index("P18_CHOM1564")], row[cols.index("P18_ACT1564")]
        rate = float(chom) / float(act) * 100 if chom and act and float(act) > 0 else None
        row.append(csv_number(rate, 2))
        rows.append(row)
    path = national_dir / NATIONAL_FILES["comparateur"].relpath
    files.write_text(path, csv_rows(sorted(rows, key=lambda r: r[0]), [*cols, "TX_CHOM1564_P18"]))
    return [path]


# --------------------------------------------------------------------------- turnout

MINISTRY_DROM = {"ZA": "971", "ZB": "972", "ZC": "973", "ZD": "974", "ZM": "976"}
MINISTRY_NOT_COMMUNES = {"ZN", "ZP", "ZS", "ZW", "ZX", "ZZ"}
TURNOUT_COLUMNS = {
    "dep": "Code du département",
    "com": "Code de la commune",
    "name": "Libellé de la commune",
    "inscrits": "Inscrits",
    "abstentions": "Abstentions",
    "votants": "Votants",
    "blancs": "Blancs",
    "nuls": "Nuls",
    "exprimes": "Exprimés",
}


def insee_code_from_ministry(dep: str, com: str) -> str:
    """INSEE commune code of a Ministry (département, commune) pair; '' outside départements."""
    dep = dep.strip().upper()
    com = com.strip()
    if dep in MINISTRY_NOT_COMMUNES:
        return ""
    com3 = com.zfill(3)
    if dep in MINISTRY_DROM:
        return MINISTRY_DROM[dep] + com3[-2:]
    if dep.isdigit() and len(dep) == 3 and dep.startswith("97"):
        return dep + com3[-2:]
    return dep.zfill(2) + com3


def convert_turnout(rounds: dict[int, Path], national_dir: Path) -> list[Path]:
    """Ministry .xls (one per round) -> ``civic/turnout_presidentielle_2017_communes.csv``."""
    rows = []
    for rnd, path in sorted(rounds.items()):
        book = _open_xls(path.read_bytes(), str(path))
        sheet = book.sheet_by_index(0)
        h = _header_row(sheet, TURNOUT_COLUMNS["dep"], str(path))
        header = [str(v).strip() for v in sheet.row_values(h)]
        absent = [c for c in TURNOUT_COLUMNS.values() if c not in header]
        if absent:
            raise DataValidationError(f"{path}, ligne {h + 1} : colonne(s) absente(s) {', '.join(absent)}")
        pos = {k: header.index(v) for k, v in TURNOUT_COLUMNS.items()}
        for r in range(h + 1, sheet.nrows):
            values = sheet.row_values(r)
            dep = _code_cell(values[pos["dep"]], 2)
            if dep == "":
                continue
            com = _code_cell(values[pos["com"]], 3)
            where = f"{path}, ligne {r + 1}"
            counts = {
                k: _number_cell(values[pos[k]], f"{where}, colonne {TURNOUT_COLUMNS[k]}")
                for k in ("inscrits", "abstentions", "votants", "blancs", "nuls", "exprimes")
            }
            if counts["inscrits"] == "" or counts["votants"] == "":
                raise DataValidationError(f"{where} : Inscrits ou Votants vide, des effectifs sont attendus")
            ins, vot = float(counts["inscrits"]), float(counts["votants"])
            dep_m = MINISTRY_DROM.get(dep.upper(), dep)
            dep_m = dep_m.zfill(3) if dep_m.isdigit() else dep_m
            rows.append(
                [
                    insee_code_from_ministry(dep, com),
                    dep_m + com.zfill(3),
                    str(values[pos["name"]]).strip(),
                    dep_m,
                    str(rnd),
                    counts["inscrits"],
                    counts["abstentions"],
                    counts["votants"],
                    counts["blancs"],
                    counts["nuls"],
                    counts["exprimes"],
                    csv_number(vot / ins * 100 if ins > 0 else None, 2),
                    f"MI_presidentielle_2017_T{rnd}_communes",
                    "False",
                ]
            )
    header = [
        "code_commune",
        "code_commune_ministere",
        "libelle_ministere",
        "code_departement_ministere",
        "tour",
        "inscrits",
        "abstentions",
        "votants",
        "blancs",
        "nuls",
        "exprimes",
        "taux_participation_pct",
        "source_id",
        "code_commune_corrige",
    ]
    path = national_dir / NATIONAL_FILES["turnout_2017"].relpath
    files.write_text(path, csv_rows(sorted(rows, key=lambda r: (r[1], r[4])), header))
    return [path]


# --------------------------------------------------------------------------- refresh


def convert_all(national_dir: Path) -> list[Path]:
    """Convert every downloaded file of ``national_dir/raw`` into the tidy layout."""
    raw = national_dir / "raw"
    by_key = {f.key: raw / f.filename for f in OFFICIAL_FILES}
    written: list[Path] = []
    written += convert_etalab(raw, "0.3.0", "2019", national_dir)
    written += convert_etalab(raw, "6.0.0", "2026", national_dir)
    written += convert_filosofi(by_key["filosofi_2015"], 2015, national_dir)
    written += convert_filosofi(by_key["filosofi_2016"], 2016, national_dir)
    written += convert_comparateur(by_key["comparateur"], national_dir)
    written += convert_turnout({1: by_key["turnout_2017_round1"], 2: by_key["turnout_2017_round2"]}, national_dir)
    written += convert_second.convert_second_edition(by_key, national_dir)
    return written
