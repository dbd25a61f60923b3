"""odas-analysis validate: exit 0 on the committed data, a precise message on each corruption."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from odas_analysis.config import DATA_DIR, DATAPACKAGE
from odas_analysis.errors import DataValidationError
from odas_analysis.validate import load_table, validate_package


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ that a test may corrupt."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "odas_analysis.cli", *args], capture_output=True, text=True, check=False
    )


def _replace_line(path: Path, startswith: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.startswith(startswith)]
    assert len(hits) == 1, f"{startswith!r} matches {len(hits)} lines of {path}"
    lines[hits[0]] = new + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_committed_data_is_valid():
    report = validate_package()
    assert report.ok, report.text()
    assert {"sites", "hypotheses", "calendar", "sources"} <= set(report.resources)


def test_cli_validate_exit_zero_on_committed_data():
    result = _cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    n_tables = len(json.loads(DATAPACKAGE.read_text(encoding="utf-8"))["resources"])
    assert result.stdout.startswith(f"OK : {n_tables} tables valides")


def test_wrong_type_names_file_line_column_value_and_rule(data_copy: Path):
    cal = data_copy / "study" / "calendar.csv"
    original = next(line for line in cal.read_text(encoding="utf-8").splitlines() if line.startswith("copil-3,"))
    _replace_line(cal, "copil-3,", original.replace(",,3,,", ",,trois,,"))
    result = _cli("validate", "--datapackage", str(data_copy / "datapackage.json"))
    assert result.returncode == 1
    line_no = cal.read_text(encoding="utf-8").splitlines().index(original.replace(",,3,,", ",,trois,,")) + 1
    assert (
        f"calendar.csv, ligne {line_no}, colonne « session », valeur « trois » : [type-error] "
        "valeur attendue de type nombre entier" in result.stdout
    )


def test_unknown_site_id_in_a_referencing_table(data_copy: Path):
    cities = data_copy / "study" / "earlier_study_cities.csv"
    text = cities.read_text(encoding="utf-8").replace(",bordeaux,S1,", ",bordo,S1,")
    cities.write_text(text, encoding="utf-8")
    report = validate_package(data_copy / "datapackage.json")
    assert not report.ok
    [problem] = report.problems
    assert problem.file.endswith("earlier_study_cities.csv")
    assert (problem.line, problem.column, problem.value, problem.rule) == (3, "site_id", "bordo", "foreign-key")
    assert problem.message == "absent de la table « sites » (colonne « site_id »)"


def test_enum_constraint_names_allowed_values(data_copy: Path):
    sites = data_copy / "study" / "sites.csv"
    sites.write_text(
        sites.read_text(encoding="utf-8").replace("arras,Arras,commune,", "arras,Arras,ville,"), encoding="utf-8"
    )
    report = validate_package(data_copy / "datapackage.json")
    [problem] = report.problems
    assert (problem.line, problem.column, problem.value) == (3, "kind", "ville")
    assert "commune" in problem.message and "communaute_agglomeration" in problem.message


def test_duplicate_key(data_copy: Path):
    hyp = data_copy / "study" / "hypotheses.csv"
    with hyp.open("a", encoding="utf-8") as fh:
        fh.write("H2,Doublon,Un énoncé,ODAS2019,\n")
    report = validate_package(data_copy / "datapackage.json")
    [problem] = report.problems
    assert (problem.rule, problem.line, problem.column, problem.value) == ("primary-key", 7, "hypothesis_id", "H2")
    assert "la même qu'à la ligne 3" in problem.message


def test_missing_column(data_copy: Path):
    axes = data_copy / "study" / "axes.csv"
    lines = axes.read_text(encoding="utf-8").splitlines()
    # drop the last column (source_detail) everywhere
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r[:-1] for r in rows)
    axes.write_text(out.getvalue(), encoding="utf-8")
    report = validate_package(data_copy / "datapackage.json")
    missing = [p for p in report.problems if p.rule == "missing-label"]
    assert len(missing) == 1
    assert missing[0].file.endswith("axes.csv") and missing[0].line == 1
    assert missing[0].column == "source_detail"
    assert "la colonne « source_detail » manque dans l'en-tête" in missing[0].message


def test_non_utf8_file(data_copy: Path):
    questions = data_copy / "study" / "questions.csv"
    questions.write_bytes(questions.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    result = _cli("validate", "--datapackage", str(data_copy / "datapackage.json"))
    assert result.returncode == 1
    assert "questions.csv, ligne 2 : [encoding-error]" in result.stdout
    assert "n'est pas de l'UTF-8 valide" in result.stdout


def test_empty_file(data_copy: Path):
    (data_copy / "study" / "subgroups.csv").write_bytes(b"")
    report = validate_package(data_copy / "datapackage.json")
    empty = [p for p in report.problems if p.file.endswith("subgroups.csv")]
    assert [p.rule for p in empty] == ["empty-file"]
    # the calendar refers to subgroups: it is reported as not checked, not as a cascade of errors
    assert any(p.file.endswith("calendar.csv") and p.rule == "not-checked" for p in report.problems)


def test_load_table_is_typed():
    sites = load_table("sites")
    assert str(sites["in_2010_2012_study"].dtype) == "boolean"
    totals = load_table("fieldwork_totals")
    assert str(totals["value"].dtype) == "Int64"


def test_load_table_from_another_file_checks_schema_and_keys(tmp_path: Path):
    bad = tmp_path / "cities.csv"
    src = (DATA_DIR / "study" / "earlier_study_cities.csv").read_text(encoding="utf-8")
    bad.write_text(src.replace(",le-havre,", ",lehavre,"), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table("earlier_study_cities", path=bad)
    message = str(info.value)
    assert "cities.csv, ligne 5, colonne « site_id », valeur « lehavre »" in message


def test_unknown_table_name():
    with pytest.raises(DataValidationError, match="aucune table « site »"):
        load_table("site")


def test_validation_stamp_skips_recheck_but_never_hides_a_change(data_copy: Path, tmp_path: Path, monkeypatch):
    from odas_analysis.validate import loading, package

    monkeypatch.setattr(package, "VALIDATION_CACHE_DIR", tmp_path / "stamps")
    monkeypatch.setattr(loading, "_CACHE", {})
    desc = data_copy / "datapackage.json"
    load_table("calendar", descriptor=desc)
    stamps = list((tmp_path / "stamps").iterdir())
    assert len(stamps) == 1
    # a change to the table itself is validated again, and caught
    cal = data_copy / "study" / "calendar.csv"
    cal.write_text(cal.read_text(encoding="utf-8").replace(",SG-COOP,", ",SG-NOPE,"), encoding="utf-8")
    with pytest.raises(DataValidationError, match="valeur « SG-NOPE »"):
        load_table("calendar", descriptor=desc)
    # so is a change to a table its foreign keys point to
    cal.write_text(cal.read_text(encoding="utf-8").replace(",SG-NOPE,", ",SG-COOP,"), encoding="utf-8")
    load_table("calendar", descriptor=desc)
    sub = data_copy / "study" / "subgroups.csv"
    sub.write_text(sub.read_text(encoding="utf-8").replace("SG-COOP,", "SG-COOPERATION,"), encoding="utf-8")
    with pytest.raises(DataValidationError, match="absent de la table « subgroups »"):
        load_table("calendar", descriptor=desc)


# --- malformed inputs refused before they are used (issue 13) ------------------------------


def _sites(data_copy: Path) -> Path:
    return data_copy / "study" / "sites.csv"


def _validate_cli(data_copy: Path) -> subprocess.CompletedProcess[str]:
    return _cli("validate", "--datapackage", str(data_copy / "datapackage.json"))


def test_path_traversal_site_id_is_refused_by_validate_and_by_loaders(data_copy: Path, monkeypatch):
    import odas_analysis.validate as v
    from odas_analysis import study

    sites = _sites(data_copy)
    lines = sites.read_text(encoding="utf-8").splitlines(keepends=True)
    first_id = lines[1].split(",")[0]
    lines[1] = lines[1].replace(first_id, "../../../../../victim", 1)
    sites.write_text("".join(lines), encoding="utf-8")
    result = _validate_cli(data_copy)
    assert result.returncode == 1
    assert "sites.csv, ligne 2, colonne « site_id », valeur « ../../../../../victim » : [unsafe-id]" in result.stdout
    # a loader of the same descriptor refuses it too, and so does study.sites()
    with pytest.raises(DataValidationError, match=r"\[unsafe-id\]"):
        load_table("sites", descriptor=data_copy / "datapackage.json")
    monkeypatch.setattr(v.loading, "DATAPACKAGE", data_copy / "datapackage.json")
    monkeypatch.setattr(v.loading, "_CACHE", {})
    with pytest.raises(DataValidationError, match=r"sites\.csv, ligne 2.*\[unsafe-id\]"):
        study.sites()


def test_unsafe_id_in_a_column_without_a_schema_pattern(data_copy: Path):
    # interviews.site_id is a foreign key with no pattern of its own: the id rule still applies
    itv = data_copy / "fieldwork" / "demo" / "interviews.csv"
    text = itv.read_text(encoding="utf-8")
    itv.write_text(text.replace(",angers,", ",angers/../x,", 1), encoding="utf-8")
    report = validate_package(data_copy / "datapackage.json")
    unsafe = [p for p in report.problems if p.rule == "unsafe-id"]
    assert [(p.column, p.value) for p in unsafe] == [("site_id", "angers/../x")]
    assert unsafe[0].file.endswith("interviews.csv") and unsafe[0].line == 2


def test_every_id_pattern_of_the_descriptor_refuses_a_path():
    import json
    import re

    from odas_analysis.config import DATAPACKAGE
    from odas_analysis.validate import ID_PATTERN, id_columns

    desc = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    checked = 0
    for res in desc["resources"]:
        schema = json.loads((DATAPACKAGE.parent / res["schema"]).read_text(encoding="utf-8"))
        for fld in schema["fields"]:
            if fld["name"] in id_columns(schema):
                checked += 1
                pattern = fld.get("constraints", {}).get("pattern")
                for bad in ("../victim", "a/b", "x y", "<b>x</b>", ".."):
                    assert not ID_PATTERN.match(bad)
                    assert pattern is None or not re.match(pattern, bad), (res["name"], fld["name"], bad)
    assert checked >= 20


def test_bom_is_refused_with_file_line_and_rule(data_copy: Path):
    sites = _sites(data_copy)
    sites.write_bytes(b"\xef\xbb\xbf" + sites.read_bytes())
    result = _validate_cli(data_copy)
    assert result.returncode == 1
    assert "sites.csv, ligne 1 : [bom]" in result.stdout
    assert "sans BOM" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_field_over_128_kib_is_refused(data_copy: Path):
    import csv
    import io

    sites = _sites(data_copy)
    rows = list(csv.reader(io.StringIO(sites.read_text(encoding="utf-8"))))
    rows[3][rows[0].index("name")] = "x" * (128 * 1024 + 1)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    sites.write_text(out.getvalue(), encoding="utf-8")
    result = _validate_cli(data_copy)
    assert result.returncode == 1
    assert "sites.csv, ligne 4 : [field-too-large] un champ dépasse 128 Kio" in result.stdout
    with pytest.raises(DataValidationError, match=r"field-too-large"):
        load_table("sites", descriptor=data_copy / "datapackage.json")


def test_unclosed_quote_is_reported_as_a_field_too_large(data_copy: Path):
    sites = _sites(data_copy)
    filler = "\n".join("a,b,c" for _ in range(30_000))
    sites.write_text(sites.read_text(encoding="utf-8") + 'x,"unclosed\n' + filler + "\n", encoding="utf-8")
    report = validate_package(data_copy / "datapackage.json")
    [problem] = [p for p in report.problems if p.file.endswith("sites.csv")]
    assert problem.rule == "field-too-large" and problem.line is not None


def test_latin1_sites_is_refused(data_copy: Path):
    sites = _sites(data_copy)
    sites.write_bytes(sites.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    result = _validate_cli(data_copy)
    assert result.returncode == 1
    assert "sites.csv, ligne 2 : [encoding-error] l'octet 0x" in result.stdout
    assert "n'est pas de l'UTF-8 valide" in result.stdout
    with pytest.raises(DataValidationError, match=r"encoding-error"):
        load_table("sites", descriptor=data_copy / "datapackage.json")


def test_header_only_sites_is_refused(data_copy: Path):
    sites = _sites(data_copy)
    sites.write_text(sites.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result = _validate_cli(data_copy)
    assert result.returncode == 1
    assert "sites.csv, ligne 1 : [no-rows] le fichier n'a que sa ligne d'en-tête : la table « sites »" in result.stdout
    # the tables that refer to sites are not checked against an empty table
    assert "[not-checked]" in result.stdout
    with pytest.raises(DataValidationError, match=r"no-rows"):
        load_table("sites", descriptor=data_copy / "datapackage.json")


# --- the command line speaks French (issue 12) ----------------------------------------------

_ENGLISH = re.compile(
    r"\b(usage|show this help|positional arguments|optional arguments|the|and|of|default|directory|file|"
    r"required|invalid|expected|error|tables valid)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["validate"],
        ["fieldwork"],
        ["fieldwork", "demo"],
        ["fieldwork", "templates"],
        ["fieldwork", "import"],
        ["fieldwork", "validate"],
        ["fieldwork", "source"],
        ["fieldwork", "check-build"],
    ],
)
def test_help_of_validate_and_fieldwork_is_french(argv, capsys):
    from odas_analysis.cli import main

    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : odas-analysis")
    assert "afficher cette aide et quitter" in out and "options :" in out
    shown = (
        out
        if argv
        else out.split("commandes :")[0]
        + "\n".join(line for line in out.splitlines() if line.strip().startswith(("validate", "fieldwork")))
    )
    assert not _ENGLISH.search(shown.replace("data/datapackage.json", "")), shown


def test_argparse_errors_are_french(capsys):
    from odas_analysis.cli import main

    for argv, expected in (
        (["fieldwork"], "odas-analysis fieldwork: erreur : arguments obligatoires manquants : COMMANDE"),
        (["fieldwork", "demo", "--seed", "x"], "erreur : argument --seed : valeur invalide (type int) : 'x'"),
        (["validate", "--bogus"], "odas-analysis: erreur : arguments non reconnus : --bogus"),
        (["fieldwork", "nope"], "erreur : argument COMMANDE : choix invalide : 'nope' (choisir parmi 'demo', "),
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("utilisation : odas-analysis")
        assert expected in err, err


def test_blank_row_is_named_in_french(data_copy: Path):
    axes = data_copy / "study" / "axes.csv"
    lines = axes.read_text(encoding="utf-8").splitlines(keepends=True)
    axes.write_text("".join([lines[0], lines[1], ",,,\n", *lines[2:]]), encoding="utf-8")
    report = validate_package(data_copy / "datapackage.json")
    blank = [p for p in report.problems if p.rule == "blank-row"]
    assert [(p.line, p.message) for p in blank] == [(3, "ligne vide : la supprimer")]
