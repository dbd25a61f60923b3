"""Fieldwork records: loaders, the private switch, cross-table rules, templates and import."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from odas_analysis import fieldwork
from odas_analysis.cli import main
from odas_analysis.config import PROJECT_ROOT
from odas_analysis.errors import DataValidationError, ParameterError
from odas_analysis.fieldwork import demo


@pytest.fixture(autouse=True)
def _no_private_data(monkeypatch):
    monkeypatch.delenv("ODAS_PRIVATE_DATA", raising=False)
    yield
    fieldwork.clear_cache()


def _copy_demo(target: Path, synthetic: str = "true") -> Path:
    """The demonstration tables in ``target``; ``synthetic='false'`` relabels them (test only)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in fieldwork.RECORD_TABLES:
        text = (demo.DEMO_DIR / f"{name}.csv").read_text(encoding="utf-8")
        if synthetic == "false":
            text = text.replace(",true\n", ",false\n")
        (target / f"{name}.csv").write_text(text, encoding="utf-8")
    return target


def _edit(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV (``row`` 0-based among data rows)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False, lineterminator="\n")


# --- loading and the source switch -----------------------------------------------------------


def test_demo_is_used_without_private_data_and_says_so():
    info = fieldwork.data_source()
    assert info["kind"] == "demo" and info["synthetic"] is True
    assert "données simulées" in info["label_fr"]
    for loader in (fieldwork.interviews, fieldwork.participants, fieldwork.coded_segments, fieldwork.assessments):
        frame = loader()
        assert frame.attrs["source"] == "demonstration (données simulées)"
        assert frame.attrs["synthetic"] is True
    assert "données simulées" in fieldwork.source_note_fr()


def test_private_overlay_switches_every_loader(tmp_path, monkeypatch, capsys):
    private = _copy_demo(tmp_path / "records", synthetic="false")
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(private))
    info = fieldwork.data_source()
    assert info["kind"] == "private" and info["synthetic"] is False and info["path"] == str(private.resolve())
    assert "données simulées" not in info["label_fr"]
    assert fieldwork.interviews().attrs["source"] == f"private: {private.resolve()}"
    assert not fieldwork.coded_segments()["synthetic"].any()
    assert "données simulées" not in fieldwork.source_note_fr()
    capsys.readouterr()
    assert main(["fieldwork", "source"]) == 0
    assert capsys.readouterr().out == (
        "enregistrements de terrain utilisés : enregistrements d'enquête confidentiels (répertoire privé)\n"
    )
    monkeypatch.delenv("ODAS_PRIVATE_DATA")
    assert fieldwork.data_source()["kind"] == "demo"


def test_private_overlay_is_read_not_the_demo(tmp_path, monkeypatch):
    private = _copy_demo(tmp_path / "records", synthetic="false")
    frame = pd.read_csv(private / "interviews.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["site_id"] != "angers"]
    frame.to_csv(private / "interviews.csv", index=False, lineterminator="\n")
    keep = set(frame["interview_id"])
    for name in ("participants", "coded_segments"):
        t = pd.read_csv(private / f"{name}.csv", dtype=str, keep_default_na=False)
        t[t["interview_id"].isin(keep)].to_csv(private / f"{name}.csv", index=False, lineterminator="\n")
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(private))
    assert "angers" not in set(fieldwork.interviews()["site_id"])
    summary = fieldwork.fieldwork_summary()
    assert summary.loc[summary["site_id"] == "angers", "entretiens_phase_2"].item() == 0


def test_missing_private_table_never_falls_back_to_the_demo(tmp_path, monkeypatch):
    private = _copy_demo(tmp_path / "records")
    (private / "assessments.csv").unlink()
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(private))
    with pytest.raises(DataValidationError, match=r"assessments\.csv.*fichier introuvable.*aucune table n'est reprise"):
        fieldwork.interviews()
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataValidationError, match="n'existe pas"):
        fieldwork.data_source()


def test_schema_errors_of_private_records_name_file_line_and_column(tmp_path):
    private = _copy_demo(tmp_path / "records")
    _edit(private / "interviews.csv", 4, "format", "entretien")
    with pytest.raises(DataValidationError) as err:
        fieldwork.load_records(private)
    assert "interviews.csv, ligne 6, colonne « format », valeur « entretien »" in str(err.value)


def test_cross_table_rules(tmp_path):
    private = _copy_demo(tmp_path / "records")
    _edit(private / "interviews.csv", 0, "n_participants", "3")
    _edit(private / "interviews.csv", 1, "date", "2019-01-07")
    seg = pd.read_csv(private / "coded_segments.csv", dtype=str, keep_default_na=False)
    other = seg.index[(seg["interview_id"] != seg.loc[0, "interview_id"]) & (seg["participant_id"] != "")][0]
    _edit(private / "coded_segments.csv", 0, "participant_id", seg.loc[other, "participant_id"])
    _edit(private / "assessments.csv", 0, "coding_role", "reliability")
    with pytest.raises(DataValidationError) as err:
        fieldwork.load_records(private)
    text = str(err.value)
    assert "interviews.csv, ligne 2, colonne « n_participants », valeur « 3 » : [participants-count]" in text
    assert "ligne 3, colonne « date », valeur « 2019-01-07 » : [date-range]" in text
    assert "coded_segments.csv, ligne 2, colonne « participant_id »" in text and "[speaker-interview]" in text
    assert "assessments.csv, ligne 2, colonne « coding_role »" in text and "0 ligne(s) primary" in text


def test_simulated_and_real_rows_are_never_mixed(tmp_path):
    private = _copy_demo(tmp_path / "records", synthetic="false")
    _edit(private / "participants.csv", 3, "synthetic", "true")
    with pytest.raises(DataValidationError, match=r"participants\.csv, ligne 5, colonne « synthetic ».*mélangées"):
        fieldwork.load_records(private)


def test_aggregations():
    summary = fieldwork.fieldwork_summary()
    assert summary["entretiens_phase_2"].sum() == 143 and len(summary) == 11
    by_group = fieldwork.participants_by_group()
    assert list(by_group.columns)[0] == "site_id" and len(by_group.columns) == 6
    assert by_group.drop(columns="site_id").to_numpy().sum() == summary["participants_phase_2"].sum()
    by_cat = fieldwork.participants_by_group(by="category", phase=None)
    assert by_cat.drop(columns="site_id").to_numpy().sum() == len(fieldwork.participants())
    share = fieldwork.support_share_by_site("H2")
    assert share["support_share"].between(0, 1).all()
    levels = fieldwork.site_levels()
    assert levels.drop(columns="site_id").isin([0, 1, 2, 3]).all().all()
    seg = fieldwork.segments_in_context()
    assert (seg["coding_role"] == "primary").all() and {"site_id", "group_id", "supports"} <= set(seg.columns)
    with pytest.raises(ParameterError):
        fieldwork.participants_by_group(by="site")
    with pytest.raises(ParameterError):
        fieldwork.support_share_by_site("H9")


# --- templates -------------------------------------------------------------------------------


def test_views_are_computed_once_per_package_state_and_handed_out_as_copies(monkeypatch):
    from odas_analysis.fieldwork import views
    from odas_analysis.validate import memo

    records = fieldwork.load_records()
    first = fieldwork.segments_in_context(records)
    pd.testing.assert_frame_equal(first, views._segments_in_context(records, "primary"))
    assert first.attrs["label_fr"] == "jeu de démonstration (données simulées)"
    first.loc[:, "supports"] = -1  # a caller's change stays its own
    assert (fieldwork.segments_in_context(records)["supports"] >= 0).all()
    pd.testing.assert_frame_equal(fieldwork.site_levels(records), views._site_levels(records))

    calls = []
    state = ["a"]
    monkeypatch.setattr(memo, "package_state", lambda: None if state[0] is None else (state[0],))

    def compute():
        calls.append(state[0])
        return pd.DataFrame({"n": [len(calls)]})

    assert records.view("k", compute)["n"].tolist() == [1]
    assert records.view("k", compute)["n"].tolist() == [1]
    state[0] = "b"  # a project table changed (the actor categories, say)
    assert records.view("k", compute)["n"].tolist() == [2]
    state[0] = None  # a package file just written: not kept
    records.view("k", compute)
    records.view("k", compute)
    assert calls == ["a", "b", None, None]


def test_committed_templates_match_a_fresh_generation(tmp_path):
    written = fieldwork.write_templates(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in fieldwork.TEMPLATES_DIR.iterdir())
    for path in written:
        assert path.read_bytes() == (fieldwork.TEMPLATES_DIR / path.name).read_bytes(), path.name


def test_templates_match_the_schemas():
    wb = load_workbook(fieldwork.TEMPLATES_DIR / fieldwork.WORKBOOK_NAME, read_only=True)
    assert wb.sheetnames[0] == "lisez-moi"
    readme = [r for r in wb["lisez-moi"].iter_rows(values_only=True) if r and r[0] and r[1]]
    for table in fieldwork.RECORD_TABLES:
        columns = [f["name"] for f in fieldwork.schema(table)["fields"]]
        with (fieldwork.TEMPLATES_DIR / f"{table}.csv").open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns
        header = [c for c in next(wb[table].iter_rows(values_only=True)) if c]
        assert header == columns
        described = [r[1] for r in readme if r[0] == table]
        assert described == columns
    assert next(wb["participant_names"].iter_rows(values_only=True))[:2] == ("participant_id", "name")
    lists = next(wb["listes"].iter_rows(values_only=True))
    assert {"site_id", "actor_category", "hypothesis_id", "condition_id", "format", "code"} <= set(lists)
    wb.close()


# --- import ----------------------------------------------------------------------------------


def _fill_workbook(path: Path, rows: dict[str, list[list[object]]]) -> Path:
    from openpyxl import load_workbook as load

    wb = load(fieldwork.TEMPLATES_DIR / fieldwork.WORKBOOK_NAME)
    for sheet, values in rows.items():
        for row in values:
            wb[sheet].append(row)
    wb.save(path)
    return path


def _small_fieldwork() -> dict[str, list[list[object]]]:
    """Two sites, a few interviews: enough to run an analysis."""
    interviews = [
        ["angers-01", "angers", 2, dt.date(2016, 3, 14), "individual", 1, "odas-1;cget-1", False],
        ["angers-02", "angers", 2, dt.date(2016, 3, 15), "collective", 3, "odas-1", False],
        ["creil-01", "creil", 2, dt.date(2016, 9, 6), "collective", 2, "odas-2", False],
        ["creil-02", "creil", 4, dt.date(2017, 3, 2), "workshop", 2, None, False],
    ]
    participants = [
        ["a1", "angers-01", "elu_commune", "Ville", "Adjoint", False],
        ["a2", "angers-02", "association", "Association", "Présidente", False],
        ["a3", "angers-02", "habitant", "Conseil citoyen", None, False],
        ["a4", "angers-02", "caf", "CAF", "Conseillère", False],
        ["c1", "creil-01", "departement", "Conseil départemental", "Directrice", False],
        ["c2", "creil-01", "agent_commune", "Ville", "Chef de projet", False],
        ["c3", "creil-02", "habitant", None, None, False],
        ["c4", "creil-02", "association", None, None, False],
    ]
    segments = [
        ["s1", "angers-01", "a1", "H2", "supports", "convention_caf", "codeur-1", "primary", "texte", False],
        ["s1", "angers-01", "a1", "H2", "supports", "convention_caf", "codeur-2", "reliability", "texte", False],
        ["s2", "angers-02", "a2", "H3", "qualifies", "instances_participatives", "codeur-1", "primary", None, False],
        ["s3", "angers-02", None, "H3", "supports", "engagement_collectif", "codeur-1", "primary", None, False],
        ["s4", "creil-01", "c1", "H2", "contradicts", "convention_departement", "codeur-1", "primary", None, False],
        [
            "s5",
            "creil-02",
            "c3",
            "H3",
            "supports",
            "relation_habitants_administration",
            "codeur-1",
            "primary",
            None,
            False,
        ],
    ]
    assessments = [
        ["angers", "convention_caf", 3, "Convention signée", "codeur-1", "primary", False],
        ["angers", "convention_caf", 2, None, "codeur-2", "reliability", False],
        ["creil", "convention_caf", 1, None, "codeur-1", "primary", False],
    ]
    return {
        "interviews": interviews,
        "participants": participants,
        "coded_segments": segments,
        "assessments": assessments,
    }


def test_workbook_round_trip_fill_import_validate_analyse(tmp_path):
    book = _fill_workbook(tmp_path / "rempli.xlsx", _small_fieldwork())
    out = tmp_path / "private"
    written = fieldwork.import_workbook(book, out)
    assert sorted(written) == sorted(fieldwork.RECORD_TABLES)
    records = fieldwork.load_records(out)
    assert records.source.kind == "private" and not records.source.synthetic
    itv = records.table("interviews")
    assert list(itv["interview_id"]) == ["angers-01", "angers-02", "creil-01", "creil-02"]
    assert itv.loc[0, "date"] == pd.Timestamp("2016-03-14")
    summary = fieldwork.fieldwork_summary(records)
    assert summary.set_index("site_id").loc["angers", "participants_phase_2"] == 4
    share = fieldwork.support_share_by_site("H3", records).set_index("site_id")
    assert share.loc["angers", "n_segments"] == 2 and share.loc["angers", "n_supports"] == 1
    levels = fieldwork.site_levels(records).set_index("site_id")
    assert levels.loc["angers", "convention_caf"] == 3  # the primary assessment, not the reliability one
    assert main(["fieldwork", "validate", "--dir", str(out)]) == 0


def test_import_reports_sheet_row_and_cell(tmp_path):
    rows = _small_fieldwork()
    rows["interviews"][2][4] = "entretien"  # sheet row 4, column E
    rows["interviews"][1][5] = "trois"  # sheet row 3, column F
    rows["participants"][3][2] = "prefet"  # sheet row 5, column C
    book = _fill_workbook(tmp_path / "faux.xlsx", rows)
    with pytest.raises(DataValidationError) as err:
        fieldwork.import_workbook(book, tmp_path / "out")
    text = str(err.value)
    assert (
        "feuille « interviews », ligne 4, cellule E4 (colonne « format »), valeur « entretien » : "
        "valeur attendue parmi individual, collective, workshop"
    ) in text
    assert (
        "feuille « interviews », ligne 3, cellule F3 (colonne « n_participants »), valeur « trois » : "
        "nombre entier attendu" in text
    )
    assert not (tmp_path / "out").exists()  # nothing written


def test_import_reports_foreign_keys_cross_table_rules_and_blank_rows(tmp_path):
    from openpyxl import load_workbook as load

    rows = _small_fieldwork()
    rows["coded_segments"][3][1] = "angers-99"  # unknown interview
    rows["interviews"][0][5] = 2  # n_participants says 2, one participant row
    book = _fill_workbook(tmp_path / "faux.xlsx", rows)
    wb = load(book)
    wb["participants"].insert_rows(3)  # a blank row: later rows keep their sheet numbers
    wb.save(book)
    with pytest.raises(DataValidationError) as err:
        fieldwork.import_workbook(book, tmp_path / "out")
    text = str(err.value)
    assert "feuille « coded_segments », ligne 5, cellule B5 (colonne « interview_id »), valeur « angers-99 »" in text
    rows["coded_segments"][3][1] = "angers-02"
    book = _fill_workbook(tmp_path / "faux2.xlsx", rows)
    wb = load(book)
    wb["participants"].insert_rows(3)
    wb["participants"]["C7"] = "prefet"  # sheet row 7 after the blank row
    wb.save(book)
    with pytest.raises(DataValidationError) as err:
        fieldwork.import_workbook(book, tmp_path / "out")
    text = str(err.value)
    assert "feuille « participants », ligne 7, cellule C7 (colonne « actor_category »), valeur « prefet »" in text


def test_import_checks_cross_table_rules_with_cells(tmp_path):
    rows = _small_fieldwork()
    rows["interviews"][0][5] = 2
    book = _fill_workbook(tmp_path / "faux.xlsx", rows)
    with pytest.raises(DataValidationError) as err:
        fieldwork.import_workbook(book, tmp_path / "out")
    assert (
        "feuille « interviews », ligne 2, cellule F2 (colonne « n_participants »), valeur « 2 » : n_participants vaut 2"
        in str(err.value)
    )


def test_import_reports_a_mistyped_header_cell(tmp_path):
    from openpyxl import load_workbook as load

    book = _fill_workbook(tmp_path / "x.xlsx", _small_fieldwork())
    wb = load(book)
    wb["interviews"]["E1"] = "forme"
    wb.save(book)
    with pytest.raises(
        DataValidationError,
        match=r"feuille « interviews », ligne 1, cellule E1 \(colonne « format »\) : "
        r"l'en-tête porte « forme » là où le schéma attend « format »",
    ):
        fieldwork.import_workbook(book, tmp_path / "out")


def test_import_missing_sheet_and_bad_file(tmp_path):
    from openpyxl import load_workbook as load

    wb = load(fieldwork.TEMPLATES_DIR / fieldwork.WORKBOOK_NAME)
    del wb["assessments"]
    wb.save(tmp_path / "sans.xlsx")
    with pytest.raises(DataValidationError, match="la feuille « assessments » manque"):
        fieldwork.import_workbook(tmp_path / "sans.xlsx", tmp_path / "out")
    (tmp_path / "bad.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DataValidationError, match="classeur .xlsx illisible"):
        fieldwork.import_workbook(tmp_path / "bad.xlsx", tmp_path / "out")


def test_names_sheet_is_checked_and_kept_out_of_the_repository(tmp_path):
    rows = _small_fieldwork()
    rows["participant_names"] = [["a1", "Zéphirine Quillardec"], ["zz", "Anatole Oubliette"]]
    book = _fill_workbook(tmp_path / "noms.xlsx", rows)
    with pytest.raises(DataValidationError, match=r"feuille « participant_names », ligne 3, cellule A3.*« zz »"):
        fieldwork.import_workbook(book, tmp_path / "out")
    rows["participant_names"][1][0] = "a2"
    book = _fill_workbook(tmp_path / "noms.xlsx", rows)
    inside = PROJECT_ROOT / "build" / "test-import-refused"
    with pytest.raises(ParameterError, match="hors du dépôt"):
        fieldwork.import_workbook(book, inside)
    assert not inside.exists()
    written = fieldwork.import_workbook(book, tmp_path / "private")
    assert (tmp_path / "private" / "participant_names.csv") == written["participant_names"]


def test_csv_directory_import(tmp_path):
    src = _copy_demo(tmp_path / "filled", synthetic="false")
    written = fieldwork.import_csv_dir(src, tmp_path / "out")
    assert sorted(written) == sorted(fieldwork.RECORD_TABLES)
    _edit(src / "coded_segments.csv", 9, "code", "confirme")
    with pytest.raises(DataValidationError) as err:
        fieldwork.import_csv_dir(src, tmp_path / "out2")
    assert (
        "fichier « coded_segments.csv », ligne 11, colonne « code », valeur « confirme » : "
        "valeur attendue parmi supports, qualifies, contradicts"
    ) in str(err.value)
    assert main(["fieldwork", "import", str(src), "--out", str(tmp_path / "out3")]) == 2


def test_cli_templates_and_import(tmp_path, capsys):
    assert main(["fieldwork", "templates", "--out", str(tmp_path / "t")]) == 0
    book = _fill_workbook(tmp_path / "rempli.xlsx", _small_fieldwork())
    assert main(["fieldwork", "import", str(book), "--out", str(tmp_path / "private")]) == 0
    assert "écrit" in capsys.readouterr().out
    shutil.rmtree(tmp_path / "private")


# --- formula cells and unreadable files (issue 13) --------------------------------------------


def _with_cached_value(book: Path, formula: str, value: str) -> None:
    """Give a formula cell the cached value a spreadsheet program would have saved."""
    import zipfile

    with zipfile.ZipFile(book) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    hits = 0
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename.startswith("xl/worksheets/"):
                new = data.replace(f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode())
                hits += new != data
                data = new
            dst.writestr(info, data)
    assert hits == 1


def test_import_warns_on_a_formula_cell_with_its_cached_value(tmp_path):
    from openpyxl import load_workbook as load

    book = _fill_workbook(tmp_path / "formule.xlsx", _small_fieldwork())
    wb = load(book)
    wb["interviews"]["F3"] = "=1+2"  # n_participants of angers-02, computed
    wb.save(book)
    _with_cached_value(book, "1+2", "3")
    with pytest.warns(fieldwork.FormulaCellWarning) as caught:
        written = fieldwork.import_workbook(book, tmp_path / "out")
    [warning] = [str(w.message) for w in caught]
    assert warning.startswith("feuille « interviews », cellule F3 : formule « =1+2 »")
    assert "sa dernière valeur calculée « 3 » est importée" in warning
    itv = pd.read_csv(written["interviews"], dtype=str)
    assert itv.loc[1, "n_participants"] == "3"


def test_import_warns_on_a_formula_cell_without_cached_value(tmp_path, capsys):
    from openpyxl import load_workbook as load

    book = _fill_workbook(tmp_path / "formule.xlsx", _small_fieldwork())
    wb = load(book)
    wb["participants"]["E3"] = '=UPPER("chargée de mission")'  # written by a program: no value computed
    wb.save(book)
    with pytest.warns(fieldwork.FormulaCellWarning, match="sans valeur calculée enregistrée") as caught:
        fieldwork.import_workbook(book, tmp_path / "out")
    [warning] = [str(w.message) for w in caught]
    assert warning.startswith("feuille « participants », cellule E3 : formule « =UPPER(")
    assert "la cellule est importée vide" in warning
    # the command line prints the warning in French on stderr
    assert main(["fieldwork", "import", str(book), "--out", str(tmp_path / "out2")]) == 0
    err = capsys.readouterr().err
    assert "odas-analysis: avertissement : feuille « participants », cellule E3" in err


def test_csv_import_refuses_a_bom_and_a_latin1_names_file(tmp_path):
    src = _copy_demo(tmp_path / "filled", synthetic="false")
    itv = src / "interviews.csv"
    itv.write_bytes(b"\xef\xbb\xbf" + itv.read_bytes())
    with pytest.raises(DataValidationError, match=r"interviews\.csv.*ligne 1.*BOM"):
        fieldwork.import_csv_dir(src, tmp_path / "out")
    _copy_demo(src, synthetic="false")
    (src / "participant_names.csv").write_bytes("participant_id,name\np0001,Zéphirine Quillardec\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match=r"participant_names\.csv.*ligne 2.*UTF-8"):
        fieldwork.import_csv_dir(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_records_with_a_path_in_an_id_are_refused(tmp_path):
    src = _copy_demo(tmp_path / "private")
    _edit(src / "interviews.csv", 0, "site_id", "../../victim")
    with pytest.raises(DataValidationError, match=r"interviews\.csv, ligne 2, colonne « site_id ».*\[unsafe-id\]"):
        fieldwork.load_records(src)


def test_csv_import_accepts_a_blank_names_template(tmp_path):
    src = _copy_demo(tmp_path / "filled", synthetic="false")
    (src / "participant_names.csv").write_bytes((fieldwork.TEMPLATES_DIR / "participant_names.csv").read_bytes())
    written = fieldwork.import_csv_dir(src, tmp_path / "out")
    assert sorted(written) == sorted([*fieldwork.RECORD_TABLES, "participant_names"])
