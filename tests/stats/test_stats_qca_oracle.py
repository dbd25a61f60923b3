"""odas_analysis.stats.qca against the R QCA 3.25 oracle (every entry, to 1e-9).

Conventions of the fixtures file (written by R's jsonlite): a solution of one term is a
bare string rather than a one-element list, a vector of length one is a scalar,
remainder rows have ``out == "R"`` (R prints ``"?"``) and row numbers (``minterm``,
counterfactuals) are 0-based, whereas R and odas_analysis number truth-table rows from 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from odas_analysis.stats import qca

TOL = 1e-9

#: The sections of r_qca_fixtures.json holding reference results (as tests/stats/conftest.py).
ORACLE_SECTIONS = ("calibration", "pof", "analyses", "intermediate", "necessity_screens", "multivalue")


def as_list(value) -> list:
    """jsonlite writes length-one vectors as scalars."""
    return value if isinstance(value, list) else [value]


def solutions(value) -> list[list[str]]:
    """The fixtures' list of solutions, each a list of terms."""
    return [as_list(sol) for sol in value]


def split(solution_strings: list[str]) -> list[list[str]]:
    return [s.split(" + ") for s in solution_strings]


def frame(entry: dict) -> pd.DataFrame:
    return pd.DataFrame(entry["data"], index=entry.get("case_ids"))


def test_every_oracle_section_is_tested(oracle):
    """A section added to the oracle must get tests too."""
    with_results = {k for k, v in oracle.items() if isinstance(v, list)}
    assert with_results == set(ORACLE_SECTIONS)


def test_snapping_constants_match_r(oracle):
    assert oracle["r_snapping"]["low"] == qca.SNAP_LOW
    assert oracle["r_snapping"]["high"] == qca.SNAP_HIGH


def test_calibration(calibration_case):
    got = qca.calibrate(
        calibration_case["values"],
        calibration_case["thresholds"],
        logistic=calibration_case["logistic"],
        idm=calibration_case["idm"],
    )
    np.testing.assert_allclose(got, calibration_case["expected"], rtol=0, atol=TOL)


@pytest.fixture(scope="module")
def lf(oracle_dir) -> pd.DataFrame:
    return pd.read_csv(oracle_dir / "LF.csv", index_col="case")


@pytest.fixture(scope="module")
def lc(oracle_dir) -> pd.DataFrame:
    return pd.read_csv(oracle_dir / "LC.csv", index_col="case")


def test_pof(pof_case, lf):
    res = qca.fit(lf, pof_case["expression"], pof_case["outcome"], relation=pof_case["relation"])
    assert res.consistency == pytest.approx(pof_case["consistency"], abs=TOL)
    assert res.coverage == pytest.approx(pof_case["coverage"], abs=TOL)
    if pof_case["relation"] == "sufficiency":
        assert res.pri == pytest.approx(pof_case["pri"], abs=TOL)
        assert res.ron is None
    else:
        assert res.ron == pytest.approx(pof_case["ron"], abs=TOL)
        assert res.pri is None


def test_necessity_screen(necessity_case):
    screen, candidate = necessity_case
    data = pd.DataFrame(screen["data"], index=screen["case_ids"])
    res = qca.fit(data, candidate["expression"], screen["outcome"], relation="necessity")
    assert res.consistency == pytest.approx(candidate["consistency"], abs=TOL)
    assert res.coverage == pytest.approx(candidate["coverage"], abs=TOL)
    assert res.ron == pytest.approx(candidate["ron"], abs=TOL)


def test_necessity_screen_as_table(oracle):
    screen = oracle["necessity_screens"][0]
    data = pd.DataFrame(screen["data"], index=screen["case_ids"])
    table = qca.fit_table(data, [c["expression"] for c in screen["candidates"]], screen["outcome"], "necessity")
    expected = pd.DataFrame(screen["candidates"]).set_index("expression")
    np.testing.assert_allclose(table[["consistency", "coverage", "ron"]], expected, rtol=0, atol=TOL)


def minimized(entry: dict, **extra) -> qca.Solution:
    return qca.minimize(
        frame(entry),
        outcome=entry["outcome"],
        conditions=entry["conditions"],
        incl_cut=entry["incl_cut"],
        n_cut=entry.get("n_cut", 1),
        **extra,
    )


def check_truth_table(table: pd.DataFrame, conditions: list[str], expected_rows: list[dict]) -> None:
    assert len(table) == len(expected_rows)
    for k, row in enumerate(expected_rows):
        number = row.get("minterm", k) + 1
        got = table.loc[number]
        assert [int(v) for v in got[conditions]] == row["configuration"], number
        assert got["n"] == row["n"], number
        assert got["OUT"] == ("?" if row["out"] == "R" else row["out"]), number
        if row["consistency"] is None:
            assert math.isnan(got["incl"]), number
        else:
            assert got["incl"] == pytest.approx(row["consistency"], abs=TOL), number
        if "pri" in row:
            if row["pri"] is None:
                assert math.isnan(got["PRI"]), number
            else:
                assert got["PRI"] == pytest.approx(row["pri"], abs=TOL), number


def test_analysis_truth_table(analysis_case):
    sol = minimized(analysis_case)
    check_truth_table(sol.truth_table, analysis_case["conditions"], analysis_case["truth_table"])


def test_analysis_conservative(analysis_case):
    assert split(minimized(analysis_case).conservative) == solutions(analysis_case["conservative"])


def test_analysis_parsimonious(analysis_case):
    assert split(minimized(analysis_case).parsimonious) == solutions(analysis_case["parsimonious"])


def test_analysis_term_fits(analysis_case):
    sol = minimized(analysis_case)
    for family in ("conservative", "parsimonious"):
        (solution,) = getattr(sol, family)
        fits = sol.term_fits(solution)
        expected = [t for t in analysis_case["term_fits"] if t["family"] == family]
        assert list(fits.index[:-1]) == [t["term"] for t in expected]
        for t in expected:
            got = fits.loc[t["term"]]
            assert got["consistency"] == pytest.approx(t["consistency"], abs=TOL)
            assert got["pri"] == pytest.approx(t["pri"], abs=TOL)
            assert got["raw_coverage"] == pytest.approx(t["raw_coverage"], abs=TOL)
            if t["unique_coverage"] is None:
                assert math.isnan(got["unique_coverage"])
            else:
                assert got["unique_coverage"] == pytest.approx(t["unique_coverage"], abs=TOL)
            assert got["cases"] == t["cases"]


def test_intermediate(intermediate_case):
    sol = minimized(intermediate_case, dir_exp=intermediate_case["expectations"])
    assert split(sol.intermediate) == solutions(intermediate_case["intermediate"])
    (detail,) = sol.intermediate_details
    assert detail.easy == [r + 1 for r in as_list(intermediate_case["easy"])]
    assert detail.difficult == [r + 1 for r in as_list(intermediate_case["difficult"])]
    assert sol.simplifying_assumptions == [[r + 1 for r in as_list(intermediate_case["simplifying_assumptions"])]]


def test_multivalue(multivalue_case):
    sol = minimized(multivalue_case)
    check_truth_table(sol.truth_table, multivalue_case["conditions"], multivalue_case["truth_table"])
    assert split(sol.conservative) == solutions(multivalue_case["conservative"])
    assert split(sol.parsimonious) == solutions(multivalue_case["parsimonious"])


# Textbook solutions quoted in the oracle's SOURCES.md (from R QCA's man/minimize.Rd).


def test_textbook_lc_rihoux_de_meur(lc):
    sol = qca.minimize(lc, outcome="SURV", conditions=["DEV", "URB", "LIT", "IND", "STB"], incl_cut=1)
    assert sol.conservative == ["DEV*~URB*LIT*STB + DEV*LIT*IND*STB"]
    assert sol.parsimonious == ["DEV*STB"]


def test_textbook_lf_ragin(lf):
    sol = qca.minimize(lf, outcome="SURV", conditions=["DEV", "URB", "LIT", "IND", "STB"], incl_cut=0.8)
    assert sol.conservative == ["DEV*URB*LIT*IND*STB + DEV*~URB*LIT*~IND*STB"]
    assert sol.parsimonious == ["DEV*~IND + URB*STB"]


def test_textbook_lf_fit(lf):
    res = qca.fit(lf, "DEV*URB", "SURV", relation="sufficiency")
    assert round(res.consistency, 4) == 0.8134
    assert round(res.coverage, 4) == 0.4707


def test_lipset_raw_calibration_is_plausible(oracle_dir, lf):
    """Sanity check on raw data: DEV of LR calibrated with anchors 400, 550, 900 is LF's DEV within 0.011."""
    lr = pd.read_csv(oracle_dir / "LR.tab", sep="\t")
    dev = qca.calibrate(lr["DEV"], [400, 550, 900], name="DEV")
    np.testing.assert_allclose(np.round(dev, 2), lf["DEV"].to_numpy(), atol=0.011)
