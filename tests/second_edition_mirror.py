"""Synthetic second-edition files in their published formats, for the refresh test (tests/test_download.py).

DGCL lists (``;``-separated, codes of départements 01-09 without their leading zero),
CGET zonings (CSV, contracts among other zonings), ANCT posts (JSON lists) and municipal
workbooks (.xlsx written here with the standard library). Invented values, a few
communes: enough to exercise every converter and the rebuild, nothing more.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from xml.sax.saxutils import escape

DGCL_HEADER = "siren;nom;nature;fiscalite;nb_com;ptot;pmun;insee;siren_com;nom_com;ptot_com;pmun_com"

# year -> SIREN -> (name, nature, member (code as published, name, population))
DGCL = {
    2015: {
        "240300616": ("CA de Moulins", "CA", [("3190", "Moulins", 19600)]),
        "200000001": ("CC Sud Nivernais", "CC", [("58104", "Dornes", 1400)]),
        "246000111": ("CA Creilloise", "CA", [("60175", "Creil", 35700)]),
        "245901160": ("CA Valenciennes Métropole", "CA", [("59014", "Anzin", 13500), ("59606", "Valenciennes", 43000)]),
    },
    2016: {
        "240300616": ("CA de Moulins", "CA", [("3190", "Moulins", 19650)]),
        "200000001": ("CC Sud Nivernais", "CC", [("58104", "Dornes", 1400)]),
        "246000111": ("CA Creilloise", "CA", [("60175", "Creil", 35800)]),
        "245901160": ("CA Valenciennes Métropole", "CA", [("59014", "Anzin", 13500), ("59606", "Valenciennes", 43000)]),
    },
    2017: {
        "200071140": ("CA Moulins Communauté", "CA", [("3190", "Moulins", 19600), ("58104", "Dornes", 1400)]),
        "200068047": ("CA Creil Sud Oise", "CA", [("60175", "Creil", 35900)]),
        "245901160": ("CA Valenciennes Métropole", "CA", [("59014", "Anzin", 13500), ("59606", "Valenciennes", 43000)]),
    },
}


def dgcl_csv(year: int) -> bytes:
    lines = [DGCL_HEADER]
    for siren, (name, nature, members) in sorted(DGCL[year].items()):
        total = sum(m[2] for m in members)
        for code, com, pop in members:
            lines.append(
                f"{siren};{name};{nature};FPU;{len(members)};{total + 5};{total};{code};2{code.zfill(5)}000;{com};{pop};{pop}"
            )
    return ("\n".join(lines) + "\n").encode("utf-8")


def zonages_csv() -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "lib", "perimetre", "nbcom", "info1", "info2", "info3", "layer", "path"])
    w.writerow(["acv001", "Abbeville", "Commune", "1", "", "", "", "acv zonage", "x"])
    w.writerow(["CV017", "CA de Moulins", "EPCI", "1", "Siren EPCI 2015 : 240300616", "", "", "cv zonage", "x"])
    w.writerow(["CV193", "CA Valenciennes Métropole", "EPCI", "2", "Siren EPCI 2015 : 245901160", "", "", "cv", "x"])
    w.writerow(["CV999", "Contrat sans EPCI", "EPCI", "3", "Siren EPCI 2015 : NA", "", "", "cv zonage", "x"])
    return buf.getvalue().encode("utf-8")


def posts_json(programme: str, year: int) -> bytes:
    if year != 2020:
        return b"[]"
    if programme == "adultes_relais":
        items = [
            {
                "id_poste": "A1",
                "code_tiers": "1",
                "raison_sociale": "X",
                "annee": 2020,
                "montant": 19875.06,
                "code_cv": "CV017",
            },
            {
                "id_poste": "A1",
                "code_tiers": "2",
                "raison_sociale": "X",
                "annee": 2020,
                "montant": 19875.06,
                "code_cv": "CV017",
            },
            {
                "id_poste": "A2",
                "code_tiers": "3",
                "raison_sociale": "Y",
                "annee": 2020,
                "montant": 100,
                "code_cv": "CV017CV193",
            },
            {"id_poste": "A3", "code_tiers": "4", "raison_sociale": "Z", "annee": 2020, "montant": 100},
        ]
    else:
        items = [
            {
                "id_poste": "D1",
                "code_tiers": "W",
                "raison_sociale": "W",
                "montant": 7164,
                "annee": "2020",
                "code_cv": "CV193",
            }
        ]
    return json.dumps(items).encode("utf-8")


def _cell(ref: str, value: object, shared: list[str]) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if value == "commune":  # one shared string, the rest inline, as spreadsheet writers mix them
        shared.append(str(value))
        return f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def municipal_xlsx(year: int) -> bytes:
    rows = [
        ["", "commune", "code_insee", "region", "participation", "Bloc dominant"],
        [0, "Angers", "49007", "Pays de la Loire", "34,25" if year == 2020 else "53.49", "Gauche"],
        [1, "Moulins", 3190, "Auvergne-Rhône-Alpes", 38.5, "Droite"],
        [2, "Anzin", "59014", "Hauts-de-France", "41,2", "Gauche"],
    ]
    shared: list[str] = []
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(ord('A') + c)}{r}", v, shared) for c, v in enumerate(row) if v != "")
        body.append(f'<row r="{r}">{cells}</row>')
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData>{"".join(body)}</sheetData></worksheet>'
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
    strings = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}">{sst}</sst>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        zf.writestr("xl/sharedStrings.xml", strings)
    return buf.getvalue()


def second_edition_files() -> dict[str, bytes]:
    """Content of every second-edition official file, by the key of ``OFFICIAL_FILES``."""
    out = {f"dgcl_{y}": dgcl_csv(y) for y in DGCL}
    out["contrats_de_ville"] = zonages_csv()
    for programme in ("adultes_relais", "fonjep"):
        for y in (2020, 2021, 2022, 2023):
            out[f"{programme}_{y}"] = posts_json(programme, y)
    for y in (2020, 2026):
        out[f"municipales_{y}"] = municipal_xlsx(y)
    return out
