"""Every table the four notebooks export is machine-readable: pandas reads numbers as numbers.

The tables are built as the notebooks build them, exported with :func:`export.table`, and
each CSV is read back with ``pandas.read_csv(path, comment="#")``: every column that holds
numbers in the DataFrame must come back with a numeric dtype, and no text cell may hold a
number in the French form (grouped with a narrow no-break space, decimal comma, ``%``),
which is for people only.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from odas_analysis import export, french
from odas_analysis.tables import hypothese as hypothesis_tables
from odas_analysis.tables import methodologie as method_tables
from odas_analysis.tables import site as site_tables
from odas_analysis.tables import synthese as synthesis_tables

FRENCH_NUMBER = re.compile(
    rf"^[{french.MINUS}+-]?\d{{1,3}}({french.NNBSP}\d{{3}})+(,\d+)?$"
    rf"|^[{french.MINUS}+-]?\d+,\d+$"
    rf"|^[{french.MINUS}+-]?\d+(,\d+)?{french.NNBSP}?%$"
)


def _tables():
    typ = synthesis_tables.typology()
    yield "fiche", site_tables.card("moulins-communaute")
    for site in ("angers", "moulins-communaute"):
        yield f"territoire-{site}", site_tables.territory_table(site)
    yield "terrain", site_tables.fieldwork_table("angers")
    yield "participants", site_tables.participants_table("angers")
    yield "hypotheses", site_tables.hypotheses_table("angers")
    yield "calendrier", method_tables.calendar_table()
    yield "totaux-publies", method_tables.fieldwork_totals_table()
    yield "sites-par-axe", method_tables.sites_by_axis_table()
    yield "mesure", hypothesis_tables.operationalisation_table("H1")
    yield "sites-indicateurs", synthesis_tables.cross_site_table()
    yield "typologie-choix", typ.selection_table()
    yield "typologie-profils", typ.profile_table()
    yield "typologie-robustesse", typ.robustness()
    yield "cohortes", synthesis_tables.earlier_vs_new_table(synthesis_tables.earlier_vs_new())
    hypotheses = pytest.importorskip("odas_analysis.hypotheses")
    yield "tests", hypotheses.test("H1").results_fr()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    export.configure(out, run="essai")
    try:
        written = {}
        for name, frame in _tables():
            written[name] = (frame, export.table(frame, name, caption="Source : essai.", show=False))
        yield written
    finally:
        export.configure()


def test_every_exported_csv_reads_with_numeric_dtypes(exported):
    assert len(exported) >= 16
    for name, (frame, paths) in exported.items():
        read = pd.read_csv(paths["csv"], comment="#")
        assert list(read.columns) == [str(c) for c in frame.columns], name
        for column in frame.columns:
            if pd.api.types.is_numeric_dtype(frame[column].dtype) and not pd.api.types.is_bool_dtype(frame[column]):
                assert read[str(column)].dtype.kind in "iuf" or read[str(column)].isna().all(), (name, column)


#: Tables built outside odas_analysis.tables that still hand French text to the export
#: (issue 12); the test says so until their owner turns them into numbers.
FRENCH_TEXT_ELSEWHERE = {"tests": "odas_analysis.hypotheses.HypothesisResult.results_fr"}


def test_no_french_number_reaches_a_csv(exported):
    leaks = {}
    for name, (_frame, paths) in exported.items():
        read = pd.read_csv(paths["csv"], comment="#", dtype=str, keep_default_na=False)
        for column in read.columns:
            french_cells = [v for v in read[column] if FRENCH_NUMBER.match(v.strip())]
            if french_cells:
                leaks.setdefault(name, []).append((column, french_cells[:3]))
    assert set(leaks) <= set(FRENCH_TEXT_ELSEWHERE), {k: v for k, v in leaks.items() if k not in FRENCH_TEXT_ELSEWHERE}
    assert set(leaks) == set(FRENCH_TEXT_ELSEWHERE), "a table of FRENCH_TEXT_ELSEWHERE is machine-readable now: drop it"


def test_every_csv_opens_with_its_source_and_units(exported):
    for name, (_frame, paths) in exported.items():
        first = paths["csv"].read_text(encoding="utf-8").splitlines()[0]
        header = json.loads(first.removeprefix("# "))
        assert header["source"] == "Source : essai." and isinstance(header["unites"], dict), name
        assert paths["xlsx"].is_file()
