"""Refresh path: download the official files from a mirror, convert, rebuild.

The test builds a small archive itself (synthetic files in the official formats: Etalab
JSON, INSEE Filosofi zips with their .xls, the comparateur zip, the Ministry's .xls) for
the eleven sites and a few other communes, serves it with ``http.server`` on 127.0.0.1
(ephemeral port, in a thread), and runs :func:`odas_analysis.download.refresh` against
it. Only loopback traffic.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlwt
from second_edition_mirror import second_edition_files

from odas_analysis import indicators
from odas_analysis.errors import DataValidationError
from odas_analysis.national import build as tb
from odas_analysis.national import convert, csv_format, read
from odas_analysis.national import download as dl

# --------------------------------------------------------------------------- synthetic world
# code, name, dep, reg, population 2016, population 2023, EPCI SIREN
COMMUNES = [
    ("03190", "Moulins", "03", "84", 19600, 19400, "200071140"),
    ("33063", "Bordeaux", "33", "75", 252000, 268000, "243300316"),
    ("49007", "Angers", "49", "52", 151000, 159000, "244900015"),
    ("58104", "Dornes", "58", "27", 1400, 1350, "200071140"),
    ("59014", "Anzin", "59", "32", 13500, 13400, "245901160"),
    ("59606", "Valenciennes", "59", "32", 43000, 44000, "245901160"),
    ("60175", "Creil", "60", "32", 35700, 36300, "200067965"),
    ("62041", "Arras", "62", "32", 40800, 42900, "200033579"),
    ("67482", "Strasbourg", "67", "44", 279000, 293000, "246700488"),
    ("69266", "Villeurbanne", "69", "84", 149000, 163000, "200046977"),
    ("76351", "Le Havre", "76", "28", 170000, 166000, "200084952"),
    ("93014", "Clichy-sous-Bois", "93", "11", 29800, 29300, "200054781"),
    ("95268", "Garges-lès-Gonesse", "95", "11", 42500, 41700, "200055655"),
    ("97411", "Saint-Denis", "974", "04", 147000, 155000, "249740119"),
]
DEP_NAMES = {
    "03": "Allier",
    "33": "Gironde",
    "49": "Maine-et-Loire",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "62": "Pas-de-Calais",
    "67": "Bas-Rhin",
    "69": "Rhône",
    "76": "Seine-Maritime",
    "93": "Seine-Saint-Denis",
    "95": "Val-d'Oise",
    "974": "La Réunion",
}
REG_NAMES = {
    "84": "Auvergne-Rhône-Alpes",
    "75": "Nouvelle-Aquitaine",
    "52": "Pays de la Loire",
    "27": "Bourgogne-Franche-Comté",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "28": "Normandie",
    "11": "Île-de-France",
    "04": "La Réunion",
}


def _epcis() -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for c in COMMUNES:
        out.setdefault(c[6], []).append(c)
    return out


def _etalab_files(version: str) -> dict[str, bytes]:
    new = version == "6.0.0"
    communes = []
    for code, name, dep, reg, p16, p23, _ in COMMUNES:
        entry = {
            "code": code,
            "nom": name,
            "departement": dep,
            "region": reg,
            "type": "commune-actuelle",
            "population": p23 if new else p16,
        }
        if new:
            entry["zone"] = "drom" if dep == "974" else "metro"
        communes.append(entry)
    communes.append(
        {
            "code": "49999",
            "nom": "Ancienne commune",
            "departement": "49",
            "region": "52",
            "type": "commune-deleguee",
            "chefLieu": "49007",
        }
    )
    epci = []
    for siren, members in sorted(_epcis().items()):
        pop = sum(m[5] if new else m[4] for m in members)
        membres = []
        for m in members:
            item = {"code": m[0], "siren": "2" + m[0] + "000", "nom": m[1]}
            if new:
                item["populationMunicipale"] = m[5]
            membres.append(item)
        epci.append(
            {
                "code": siren,
                "nom": f"EPCI {siren}",
                "type": "CA",
                "modeFinancement": "FPU",
                "populationMunicipale": pop,
                "populationTotale": pop + 10,
                "membres": membres,
            }
        )
    deps = [{"code": d, "nom": n, "region": next(c[3] for c in COMMUNES if c[2] == d)} for d, n in DEP_NAMES.items()]
    regs = [{"code": r, "nom": n} for r, n in REG_NAMES.items()]
    return {
        name: json.dumps(data, ensure_ascii=False).encode("utf-8")
        for name, data in (("communes", communes), ("departements", deps), ("regions", regs), ("epci", epci))
    }


def _xls_bytes(sheets: dict[str, tuple[int, list[str], list[list[object]]]]) -> bytes:
    """An .xls workbook: per sheet, ``title_rows`` rows of titles, then header and rows."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, (title_rows, header, rows) in sheets.items():
        ws = book.add_sheet(name)
        for r in range(title_rows):
            ws.write(r, 0, f"{name} - ligne de titre {r + 1}")
        for j, h in enumerate(header):
            ws.write(title_rows, j, h)
        for i, row in enumerate(rows, start=title_rows + 1):
            for j, v in enumerate(row):
                if v is not None and v != "":
                    ws.write(i, j, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _filosofi_zip(year: int) -> bytes:
    yy = f"{year % 100:02d}"
    header = ["CODGEO", "LIBGEO"] + [f"{v}{yy}" for v in convert.FILOSOFI_VARS]

    def row(code: str, name: str, med: float, tp: float | None, rd: float | None) -> list[object]:
        values = {
            "NBMENFISC": 1000,
            "NBPERSMENFISC": 2300.5,
            "MED": med,
            "PIMP": 50,
            "TP60": tp,
            "TP60TOL1": None,
            "TP60TOL2": None,
            "PPSOC": 6.5,
            "PPMINI": 2.1,
            "D1": 11000,
            "D9": 40000,
            "RD": rd,
        }
        return [code, name] + [values[v] for v in convert.FILOSOFI_VARS]

    com = []
    for i, (code, name, *_rest) in enumerate(COMMUNES):
        small = code == "58104"  # statistical secret: only the median is published
        com.append(row(code, name, 17000.5 + 250 * i + year, None if small else 10 + i, None if small else 3 + i / 10))
    epci = [
        row(s, f"EPCI {s}", 19000 + 100 * k, 12.5 + k, 3.1 + k / 10)
        for k, s in enumerate(sorted(_epcis()))
        if not (year == 2015 and s == "200071140")
    ]
    dep = [row(d, n, 20000 + k, 14 + k, 3.2) for k, (d, n) in enumerate(DEP_NAMES.items())]
    reg = [row(r, n, 20500 + k, 14.5, 3.3) for k, (r, n) in enumerate(REG_NAMES.items())]
    metro = [row("FM", "France métropolitaine", 20566.0, 14.2, 3.5)]
    xls = _xls_bytes(
        {
            s: (5, header, rows)
            for s, rows in (("COM", com), ("EPCI", epci), ("DEP", dep), ("REG", reg), ("METRO", metro))
        }
    )
    member = (
        f"filo-revenu-pauvrete-menage-{year}/base-cc-filosofi-{year}.xls"
        if year == 2015
        else f"base-cc-filosofi-{year}.xls"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, xls)
        zf.writestr("LISEZMOI.txt", "synthetic test archive")
    return buf.getvalue()


def _comparateur_zip(pop_prefix: str = "P18") -> bytes:
    cols = [
        "CODGEO",
        f"{pop_prefix}_POP",
        "P13_POP",
        "P18_MEN",
        "P18_POP1564",
        "P18_ACT1564",
        "P18_CHOM1564",
        "NBMENFISC19",
        "PIMP19",
        "MED19",
        "TP6019",
    ]
    lines = [";".join(cols)]
    for i, (code, _name, _dep, _reg, p16, *_rest) in enumerate(COMMUNES):
        act = p16 * 0.45
        lines.append(
            ";".join(
                [
                    code,
                    str(p16 + 100),
                    str(p16 - 100),
                    "100",
                    f"{p16 * 0.6:.6f}",
                    f"{act:.6f}",
                    f"{act * (0.08 + i / 100):.6f}".replace(".", ","),
                    "900",
                    "",
                    str(18000 + 10 * i),
                    "" if code == "58104" else str(12 + i),
                ]
            )
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("base_cc_comparateur.CSV", ("\r\n".join(lines) + "\r\n").encode("utf-8"))
        zf.writestr("meta_base_cc_comparateur.CSV", "COD_VAR;LIB_VAR\r\n")
    return buf.getvalue()


def _turnout_xls(rnd: int) -> bytes:
    header = [
        "Code du département",
        "Libellé du département",
        "Code de la commune",
        "Libellé de la commune",
        "Inscrits",
        "Abstentions",
        "% Abs/Ins",
        "Votants",
        "% Vot/Ins",
        "Blancs",
        "% Blancs/Ins",
        "% Blancs/Vot",
        "Nuls",
        "% Nuls/Ins",
        "% Nuls/Vot",
        "Exprimés",
        "% Exp/Ins",
        "% Exp/Vot",
        "N°Panneau",
        "Sexe",
        "Nom",
        "Prénom",
        "Voix",
    ]
    rows = []
    for i, (code, name, dep, *_rest) in enumerate(COMMUNES):
        ministry_dep = "ZD" if dep == "974" else dep.lstrip("0") if dep.startswith("0") else dep
        ministry_com = "411" if code == "97411" else int(code[2:])
        ins = 1000 + 100 * i
        vot = ins - 200 - 10 * i - 30 * rnd
        rows.append(
            [
                ministry_dep,
                DEP_NAMES[dep],
                ministry_com,
                name,
                ins,
                ins - vot,
                None,
                vot,
                None,
                10,
                None,
                None,
                5,
                None,
                None,
                vot - 15,
                None,
                None,
                1,
                "M",
                "X",
                "Y",
                vot - 15,
            ]
        )
    rows.append(
        [
            "ZZ",
            "Français établis hors de France",
            1,
            "Amsterdam",
            5000,
            3000,
            None,
            2000,
            None,
            10,
            None,
            None,
            5,
            None,
            None,
            1985,
            None,
            None,
            1,
            "M",
            "X",
            "Y",
            1985,
        ]
    )
    return _xls_bytes({"Feuil1": (3, header, rows)})


def build_mirror(root: Path, comparateur_prefix: str = "P18") -> Path:
    """Lay the synthetic archive out under ``root`` as the paths of the official URLs."""
    content: dict[str, bytes] = {}
    for version in ("0.3.0", "6.0.0"):
        for name, data in _etalab_files(version).items():
            content[f"etalab_{'2019' if version == '0.3.0' else '2026'}_{name}"] = data
    content["filosofi_2015"] = _filosofi_zip(2015)
    content["filosofi_2016"] = _filosofi_zip(2016)
    content["comparateur"] = _comparateur_zip(comparateur_prefix)
    content["turnout_2017_round1"] = _turnout_xls(1)
    content["turnout_2017_round2"] = _turnout_xls(2)
    content.update(second_edition_files())
    for f in dl.OFFICIAL_FILES:
        path = root / urllib.parse.urlsplit(f.url).path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content[f.key])
    return root


# --------------------------------------------------------------------------- loopback server


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path.startswith("/truncated/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture()
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = build_mirror(tmp_path / "mirror")
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- tests


def test_official_files_are_declared_with_https_urls() -> None:
    keys = [f.key for f in dl.OFFICIAL_FILES]
    assert len(keys) == len(set(keys)) == 27
    assert len({f.filename for f in dl.OFFICIAL_FILES}) == 27
    for f in dl.OFFICIAL_FILES:
        assert f.url.startswith("https://") and f.source_id in {
            "S1",
            "S2",
            "S3",
            "S4",
            "S5",
            "S6",
            "S7",
            "S8",
            "S9",
            "S10",
        }
    assert dl.mirror_url("https://www.insee.fr/fr/a.zip", "http://127.0.0.1:8/") == "http://127.0.0.1:8/fr/a.zip"
    assert dl.mirror_url("https://www.insee.fr/fr/a.zip", None) == "https://www.insee.fr/fr/a.zip"


def test_ministry_codes_become_insee_codes() -> None:
    assert convert.insee_code_from_ministry("1", "4") == "01004"
    assert convert.insee_code_from_ministry("2A", "4") == "2A004"
    assert convert.insee_code_from_ministry("ZA", "101") == "97101"
    assert convert.insee_code_from_ministry("ZM", "514") == "97614"
    assert convert.insee_code_from_ministry("ZZ", "1") == ""


def test_refresh_downloads_converts_and_rebuilds(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, root = mirror
    national = tmp_path / "national"
    out = tmp_path / "territory"
    written = dl.refresh(national, base_url=base_url, rebuild_into=out)

    # every official file was downloaded intact, with its checksum in the manifest
    manifest = _rows(national / "raw" / "MANIFEST.csv")
    assert len(manifest) == len(dl.OFFICIAL_FILES) == 27
    for entry, f in zip(manifest, dl.OFFICIAL_FILES, strict=True):
        served = (root / urllib.parse.urlsplit(f.url).path.lstrip("/")).read_bytes()
        assert entry["official_url"] == f.url and entry["fetched_from"].startswith("http://127.0.0.1:")
        assert entry["sha256"] == hashlib.sha256(served).hexdigest()
        assert (national / "raw" / f.filename).read_bytes() == served
    assert not list((national / "raw").rglob("*.part"))

    # the tidy layout the builder reads, with its required columns
    for spec in read.NATIONAL_FILES.values():
        path = national / spec.relpath
        assert path.is_file(), spec.relpath
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split(",")
        assert set(spec.columns) <= set(header), spec.relpath

    communes = {r["code_commune"]: r for r in _rows(national / "geo/communes_2019.csv")}
    assert len(communes) == len(COMMUNES)  # the commune déléguée is not a commune
    assert communes["49007"]["siren_epci"] == "244900015" and communes["49007"]["nom_region"] == "Pays de la Loire"
    assert communes["49007"]["population_municipale"] == "151000"
    assert {r["zone"] for r in _rows(national / "geo/communes_2026.csv")} == {"metro", "drom"}

    filo = {r["CODGEO"]: r for r in _rows(national / "indicators/filosofi_com_2015.csv")}
    assert filo["58104"]["TP6015"] == "" and filo["58104"]["MED15"] != ""
    assert filo["49007"]["MED15"] == "19515.5"  # 17000.5 + 250 * 2 + 2015
    assert "200071140" not in {r["CODGEO"] for r in _rows(national / "indicators/filosofi_epci_2015.csv")}
    deps = {r["CODGEO"] for r in _rows(national / "indicators/filosofi_dep_2016.csv")}
    assert "03" in deps and "974" in deps

    comp = {r["CODGEO"]: r for r in _rows(national / read.NATIONAL_FILES["comparateur"].relpath)}
    act, chom = float(comp["60175"]["P18_ACT1564"]), float(comp["60175"]["P18_CHOM1564"])  # decimal comma read
    assert comp["60175"]["TX_CHOM1564_P18"] == csv_format.csv_number(chom / act * 100, 2)

    turnout = _rows(national / read.NATIONAL_FILES["turnout_2017"].relpath)
    codes = {r["code_commune"] for r in turnout}
    assert {"03190", "97411", "49007", ""} <= codes
    abroad = [r for r in turnout if r["code_departement_ministere"] == "ZZ"]
    assert len(abroad) == 2 and all(r["code_commune"] == "" for r in abroad)
    assert {r["code_departement_ministere"] for r in turnout if r["code_commune"] == "03190"} == {"003"}
    assert {r["tour"] for r in turnout} == {"1", "2"}

    _check_second_edition(national, out)

    # the rebuilt table: every site, values from the synthetic files, INSEE references
    table = _rows(out / tb.SITE_INDICATORS_FILE)
    assert len(table) == 11 * len(indicators.INDICATORS)
    assert written[-len(tb.TABLE_FILES) :] == [out / name for name in tb.TABLE_FILES]
    by_key = {(r["site_id"], r["indicator"], r["data_year"]): r for r in table}
    angers = by_key[("angers", "population_municipale", "2016")]
    assert angers["value"] == "151000" and angers["dep_value"] == "151000" and angers["n_in_distribution"] == "14"
    med = by_key[("angers", "median_disposable_income_per_cu", "2015")]
    assert med["value"] == "19515.5"
    assert med["dep_value"] == "20002" and med["reg_value"] == "20502" and med["france_value"] == "20566"
    assert "feuilles DEP, REG et METRO" in med["note"]
    valenciennes = by_key[("valenciennes-metropole", "turnout_presidential_2017_round1", "2017")]
    assert "2/2 communes membres" in valenciennes["note"] and valenciennes["rank_population"] == "EPCI"
    moulins = by_key[("moulins-communaute", "poverty_rate_60", "2015")]
    assert moulins["value"] == "" and "EPCI absent" in moulins["note"]

    # converting again gives the same bytes
    before = {p: p.read_bytes() for p in written if p.suffix == ".csv" and "raw" not in p.parts}
    convert.convert_all(national)
    assert all(p.read_bytes() == b for p, b in before.items())


def test_http_error_names_the_url_and_leaves_no_file(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, root = mirror
    missing = next(f for f in dl.OFFICIAL_FILES if f.key == "comparateur")
    (root / urllib.parse.urlsplit(missing.url).path.lstrip("/")).unlink()
    national = tmp_path / "national"
    with pytest.raises(dl.DownloadError) as err:
        dl.refresh(national, base_url=base_url, rebuild_into=None)
    msg = str(err.value)
    assert dl.mirror_url(missing.url, base_url) in msg and "404" in msg
    assert not (national / "raw" / missing.filename).exists()
    assert not list(national.rglob("*.part"))
    assert not (national / "geo").exists(), "nothing is converted when a download fails"


def test_interrupted_download_leaves_no_file(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, _ = mirror
    target = tmp_path / "raw" / "big.zip"
    with pytest.raises(dl.DownloadError) as err:
        dl.download(f"{base_url}/truncated/big.zip", target)
    assert f"{base_url}/truncated/big.zip" in str(err.value)
    assert not target.exists() and not list(target.parent.iterdir())


def test_refused_connection_names_the_url(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a loopback port with no server behind it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/fr/x.zip"
    with pytest.raises(dl.DownloadError, match=f"échec du téléchargement de {url}"):
        dl.download(url, tmp_path / "x.zip")
    assert not list(tmp_path.iterdir())


def test_later_comparateur_edition_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "base_cc_comparateur_csv.zip"
    archive.write_bytes(_comparateur_zip("P21"))
    with pytest.raises(DataValidationError) as err:
        convert.convert_comparateur(archive, tmp_path)
    msg = str(err.value)
    assert "P18_POP" in msg and "P21_POP" in msg and "édition 2022" in msg


def test_filosofi_missing_column_is_reported(tmp_path: Path) -> None:
    xls = _xls_bytes(
        {
            "COM": (5, ["CODGEO", "LIBGEO", "MED16"], [["49007", "Angers", 19000]]),
            "EPCI": (5, ["CODGEO", "LIBGEO", "MED16"], []),
        }
    )
    archive = tmp_path / "filo.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("base-cc-filosofi-2016.xls", xls)
    with pytest.raises(DataValidationError) as err:
        convert.convert_filosofi(archive, 2016, tmp_path)
    msg = str(err.value)
    assert "base-cc-filosofi-2016.xls" in msg and "feuille COM" in msg and "ligne 6" in msg and "TP6016" in msg


def test_cli_download_without_rebuild(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, _ = mirror
    national = tmp_path / "national"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "odas_analysis.cli",
            "data",
            "download",
            "--national-dir",
            str(national),
            "--base-url",
            base_url,
            "--no-rebuild",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (national / "geo" / "communes_2026.csv").is_file()
    assert "écrit" in proc.stdout


def _check_second_edition(national: Path, out: Path) -> None:
    """The second-edition conversions (S7-S10) and the tables rebuilt from them."""
    members = _rows(national / "geo/epci_members_2015.csv")
    assert {r["insee"] for r in members} >= {"03190", "58104"}  # the leading zero restored
    contracts = {r["code_cv"]: r for r in _rows(national / "politique_ville/contrats_de_ville_2015.csv")}
    assert set(contracts) == {"CV017", "CV193", "CV999"}  # the other zonings are left out
    assert contracts["CV017"]["siren_epci_2015"] == "240300616" and contracts["CV999"]["siren_epci_2015"] == ""
    assert contracts["CV017"]["perimetre"] == "epci"
    assert contracts["CV017"]["fiche_sig_ville"] == "https://sig.ville.gouv.fr/Territoire/CV017"
    posts = _rows(national / "politique_ville/adultes_relais_2020_2023.csv")
    assert len(posts) == 4 and posts[0]["montant"] == "19875.06" and posts[3]["code_cv"] == ""
    assert _rows(national / "politique_ville/postes_fonjep_2020_2023.csv")[0]["annee"] == "2020"
    turnout = {r["code_insee"]: r for r in _rows(national / "civic/municipales_2020_t1_participation.csv")}
    assert turnout["49007"]["participation_t1_pct"] == "34.25" and turnout["03190"]["participation_t1_pct"] == "38.5"
    assert turnout["49007"]["commune"] == "Angers"

    perimeters = {(r["site_id"], r["year"]): r for r in _rows(out / "site_perimeters.csv")}
    moulins = perimeters[("moulins-communaute", "2015")]
    assert (moulins["siren_epci"], moulins["proxy"]) == ("240300616", "true")
    merged = perimeters[("moulins-communaute", "2017")]
    assert (merged["change"], merged["epci_contributing"], merged["proxy"]) == ("fusionné", "2", "false")
    assert perimeters[("creil", "2017")]["change"] == "remplacé"  # from one EPCI only in this synthetic world
    rows = {(r["site_id"], r["programme"], r["year"]): r for r in _rows(out / "site_contract_posts.csv")}
    ar = rows[("moulins-communaute", "adultes_relais", "2020")]
    assert (ar["code_cv"], ar["posts"], ar["shared_posts"]) == ("CV017", "2", "1")  # A1 once, A2 shared
    assert ar["aid_eur"] == "19975.06"
