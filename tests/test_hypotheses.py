"""H1-H5: operationalisation table, tests, tidy results and French verdicts."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from odas_analysis import fieldwork, hypotheses, study
from odas_analysis.errors import ParameterError
from odas_analysis.fieldwork import demo

RESULT_COLUMNS = [
    "test",
    "family",
    "variables",
    "statistic_name",
    "statistic",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "n",
    "method",
    "note",
]


@pytest.fixture(autouse=True)
def _no_private_data(monkeypatch):
    monkeypatch.delenv("ODAS_PRIVATE_DATA", raising=False)
    yield
    fieldwork.clear_cache()


@pytest.fixture(scope="module")
def demo_results():
    return hypotheses.test_all(fieldwork.load_records(demo.DEMO_DIR.parent / "demo"))


def test_operationalisation_is_complete_and_cites_the_report():
    ops = hypotheses.operationalisation()
    assert sorted(ops["hypothesis_id"].unique()) == study.hypothesis_ids()
    conditions = set(fieldwork.grid_conditions()["condition_id"])
    for h, group in ops.groupby("hypothesis_id"):
        assert (group["element"] == "outcome").sum() == 1, h
        assert (group["element"] == "condition").sum() >= 2, h
        assert (group["element"] == "testimony").sum() == 1, h
        assert set(group["data_source"]) >= {"grid", "coding"}, h
    grid = ops[ops["data_source"] == "grid"]
    assert set(grid["variable_id"]) <= conditions
    assert set(grid["variable_id"]) == conditions  # every grid condition serves a hypothesis
    assert grid["crisp_threshold"].notna().all()
    report = ops[ops["source_id"] == "ODAS2019"]
    assert report["source_detail"].str.contains("partie|Avant-propos|Introduction").all()
    territory = ops[ops["data_source"] == "territory"]
    assert territory["data_year"].notna().all() and set(territory["source_id"]) <= {"S4", "S6"}


def test_territory_variables_exist_in_the_territory_tables():
    from odas_analysis.national import territory

    ids = set(territory.indicator_ids())
    ops = hypotheses.operationalisation()
    for _, op in ops[ops["data_source"] == "territory"].iterrows():
        assert op["variable_id"] in ids
        values = territory.site_indicators(indicator=op["variable_id"], data_year=int(op["data_year"]))
        assert len(values) == 11


@pytest.mark.parametrize("h", ["H1", "H2", "H3", "H4", "H5"])
def test_each_hypothesis_has_a_results_table_and_a_verdict(demo_results, h):
    res = demo_results[h]
    assert list(res.results.columns) == RESULT_COLUMNS
    tests = set(res.results["test"])
    assert {
        "spearman",
        "fisher",
        "qca",
        "gee_share",
        "gee",
        "gee_nested",
        "krippendorff_alpha",
        "cohen_kappa",
        "spearman_testimony",
    } <= tests
    nested = res.results[res.results["test"] == "gee_nested"].iloc[0]
    assert 0 <= nested["statistic"] < 50 and "composantes de variance" in nested["note"]
    spear = res.results[res.results["test"] == "spearman"]
    assert spear["p_value"].between(0, 1).all() and (spear["n"] == 11).all()
    primary = spear[spear["p_holm"].notna()]
    n_conditions = (hypotheses.operationalisation(h)["element"] == "condition").sum()
    assert len(primary) == n_conditions and (primary["p_holm"] >= primary["p_value"]).all()
    assert res.verdict_class in {"soutenue", "partiellement soutenue", "non confirmée"}  # never "non testée" here
    v = res.verdict_fr
    assert v.startswith("Données simulées") and h in v and res.verdict_class in v
    assert "onze sites" in v and "une seule période" in v and "jugement qualitatif" in v
    assert res.synthetic and res.results.attrs["source"] == fieldwork.DEMO_SOURCE
    assert res.site_data.shape[0] == 11 and res.calibrated.isin([0, 1]).all().all()
    assert res.truth_table is not None and res.truth_table["n"].sum() == 11
    gee = res.gee_table
    assert gee["segments"].sum() == res.results.loc[res.results["test"] == "gee_share", "n"].iloc[0]
    assert gee["part_modele"].between(0, 1).all()


def test_results_fr_is_french(demo_results):
    table = demo_results["H2"].results_fr()
    assert list(table.columns) == [
        "Test",
        "Variables",
        "Statistique",
        "Valeur",
        "IC 95 %",
        "p",
        "p (Holm)",
        "n",
        "Remarque",
    ]
    numbers = table["Valeur"][~table["Valeur"].isin(["", "+∞", "-∞"])]
    assert numbers.str.contains(",").all() and not numbers.str.contains(r"\d\.\d").any()
    assert table.attrs["note_fr"].startswith("Données simulées")
    assert set(table["p"]) - {""} <= {p for p in table["p"] if p.startswith("< ") or "," in p}


def test_results_are_deterministic_and_fast():
    records = fieldwork.load_records()
    hypotheses.test("H3", records)  # warm imports
    start = time.perf_counter()
    a = hypotheses.test("H3", records)
    elapsed = time.perf_counter() - start
    b = hypotheses.test("H3", records)
    pd.testing.assert_frame_equal(a.results, b.results)
    assert a.verdict_fr == b.verdict_fr
    assert elapsed < 2.0, elapsed


def test_unknown_hypothesis():
    with pytest.raises(ParameterError, match="H1, H2, H3, H4, H5"):
        hypotheses.test("H6")


def test_overview_adjusts_across_hypotheses(demo_results):
    ov = hypotheses.overview(demo_results)
    assert list(ov["hypothesis_id"]) == study.hypothesis_ids()
    valid = ov["best_p_holm"].notna()
    assert (ov.loc[valid, "p_holm_h1_h5"] >= ov.loc[valid, "best_p_holm"]).all()
    assert ov["synthetic"].all()


def _relabelled(tmp_path: Path) -> Path:
    """A copy of the demonstration tables marked real: only to exercise the real-data wording."""
    for name in fieldwork.RECORD_TABLES:
        text = (demo.DEMO_DIR / f"{name}.csv").read_text(encoding="utf-8").replace(",true\n", ",false\n")
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


def test_private_records_are_used_and_not_called_simulated(tmp_path, monkeypatch):
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(_relabelled(tmp_path)))
    res = hypotheses.test("H5")
    assert res.source["kind"] == "private" and not res.synthetic
    assert "simulées" not in res.verdict_fr and "onze sites" in res.verdict_fr
    assert res.results_fr().attrs["note_fr"].startswith("Données d'enquête confidentielles")


def test_sparse_records_degrade_to_notes_not_errors(tmp_path):
    records = fieldwork.load_records()
    tables = dict(records.tables)
    seg = tables["coded_segments"]
    tables["coded_segments"] = seg[~((seg["hypothesis_id"] == "H4") & (seg["coding_role"] == "reliability"))]
    ass = tables["assessments"].copy()
    ass.loc[ass["condition_id"] == "financement_pluriannuel", "level"] = 2  # constant condition
    tables["assessments"] = ass
    sparse = fieldwork.FieldworkRecords(records.source, tables)
    res = hypotheses.test("H4", sparse)
    notes = res.results.set_index(["test", "variables"])["note"]
    constant = [n for (t, v), n in notes.items() if t == "spearman" and v.startswith("Financement pluriannuel")]
    assert constant and all(
        n == "non calculable : une des deux variables a la même valeur dans tous les sites" for n in constant
    )
    alpha = res.results[res.results["test"] == "krippendorff_alpha"]
    assert alpha["note"].str.startswith("non calculable").all()
    assert np.isnan(alpha["statistic"]).all()


def test_too_few_records_give_an_untested_verdict_not_an_error():
    records = fieldwork.load_records()
    tables = dict(records.tables)
    keep = {"angers", "creil"}
    itv = tables["interviews"][tables["interviews"]["site_id"].isin(keep)]
    tables["interviews"] = itv
    tables["participants"] = tables["participants"][tables["participants"]["interview_id"].isin(itv["interview_id"])]
    tables["coded_segments"] = tables["coded_segments"][
        tables["coded_segments"]["interview_id"].isin(itv["interview_id"])
    ]
    tables["assessments"] = tables["assessments"][tables["assessments"]["site_id"].isin(keep)]
    res = hypotheses.test("H2", fieldwork.FieldworkRecords(records.source, tables))
    assert res.verdict_class == "non testée" and "trop peu nombreux" in res.verdict_fr
    notes = res.results.loc[res.results["test"] == "spearman", "note"]
    assert notes.str.contains("2 site").all()
    assert "onze sites" in res.verdict_fr
