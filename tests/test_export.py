"""Tests of odas_analysis.export: byte-stable figures and tables, stable names."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from odas_analysis import export
from odas_analysis.errors import ParameterError
from odas_analysis.figures import generic


@pytest.fixture()
def dest(tmp_path):
    export.configure(tmp_path, run="essai")
    yield tmp_path
    export.configure()


def _fig():
    return generic.bar_chart(["Angers", "Arras", "Bordeaux"], [12345.5, 4000.25, 17.0], title="Essai", decimals=1)


def test_figure_writes_svg_and_png(dest):
    paths = export.figure(_fig(), "population")
    assert paths == {"svg": dest / "figures" / "population.svg", "png": dest / "figures" / "population.png"}
    svg = paths["svg"].read_bytes()
    png = paths["png"].read_bytes()
    assert svg.startswith(b"<?xml")
    assert png.startswith(b"\x89PNG")
    assert b"<dc:date>" not in svg
    assert b"Software" not in png and b"matplotlib" not in png


def test_figure_bytes_identical_twice_in_one_process(dest):
    first = {k: p.read_bytes() for k, p in export.figure(_fig(), "a").items()}
    second = {k: p.read_bytes() for k, p in export.figure(_fig(), "a").items()}
    assert first == second


SCRIPT = """
import hashlib, sys
from odas_analysis import export
from odas_analysis.figures import generic
export.configure(sys.argv[1], run="x")
fig = generic.bar_chart(["Angers", "Arras"], [12345.5, 4000.25], title="Essai", decimals=1)
for fmt, p in sorted(export.figure(fig, "f").items()):
    print(fmt, hashlib.sha256(p.read_bytes()).hexdigest())
"""


def test_figure_bytes_identical_across_processes(tmp_path):
    outs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT, str(tmp_path / str(i))], capture_output=True, text=True, check=True
        ).stdout
        for i in range(2)
    ]
    assert outs[0] == outs[1]
    assert outs[0].count("\n") == 2


def test_unchanged_file_is_not_rewritten(dest):
    path = export.figure(_fig(), "stable")["svg"]
    before = path.stat().st_mtime_ns
    export.figure(_fig(), "stable")
    assert path.stat().st_mtime_ns == before


def test_table_csv_and_markdown(dest):
    df = pd.DataFrame({"site": ["Angers", "Arras"], "population": [155000, 41000], "taux": [0.12345, np.nan]})
    paths = export.table(df, "indicateurs", decimals={"taux": 3})
    assert paths["csv"].read_bytes() == b"site,population,taux\nAngers,155000,0.123\nArras,41000,\n"
    md = paths["md"].read_text(encoding="utf-8")
    assert md == (
        "| site | population | taux |\n"
        "|:---|---:|---:|\n"
        "| Angers | 155\u202f000 | 0,123 |\n"
        "| Arras | 41\u202f000 | n.d. |\n"
    )


def test_table_keeps_caller_order_and_index(dest):
    df = pd.DataFrame({"v": [2.0, 1.0]}, index=pd.Index(["b", "a"], name="k"))
    paths = export.table(df, "ordre", decimals=1, index=True)
    assert paths["csv"].read_text() == "k,v\nb,2.0\na,1.0\n"


def test_table_html_is_french():
    html = export.table_html(pd.DataFrame({"x": [1234.5]}), decimals=1, caption="Légende")
    assert "1\u202f234,5" in html and "<caption>Légende</caption>" in html


@pytest.mark.parametrize("bad", ["Taux", "a b", "", "../x", "é", "-x"])
def test_unstable_names_are_refused(dest, bad):
    with pytest.raises(ParameterError):
        export.figure(_fig(), bad)


def test_destination_from_environment(monkeypatch, tmp_path):
    export.configure()
    monkeypatch.setenv(export.EXPORT_DIR_ENV, str(tmp_path / "stage"))
    monkeypatch.setenv(export.RUN_NAME_ENV, "site-angers")
    d = export.destination()
    assert d.figures == tmp_path / "stage" / "figures"
    assert d.run == "site-angers"


def test_default_destination_is_not_published_dirs(monkeypatch):
    export.configure()
    monkeypatch.delenv(export.EXPORT_DIR_ENV, raising=False)
    monkeypatch.delenv(export.RUN_NAME_ENV, raising=False)
    d = export.destination()
    assert d.figures.parts[-3:] == ("build", "interactif", "figures")


def test_figure_is_closed_in_pyplot(dest):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    export.figure(fig, "pyplot")
    assert fig.number not in plt.get_fignums()


def test_hash_of_png_is_stable_value(dest):
    # Guards against accidental changes of the saving options (metadata, dpi).
    a = hashlib.sha256(export.figure_bytes(_fig(), "png")).hexdigest()
    b = hashlib.sha256(export.figure_bytes(_fig(), "png")).hexdigest()
    assert a == b


def test_years_and_codes_have_no_thousands_separator():
    df = pd.DataFrame({"année": [2015], "insee_code": [49007], "population": [155000]})
    md = export.table_markdown(df)
    assert "| 2015 | 49007 | 155\u202f000 |" in md


def test_figure_with_a_participant_name_is_refused_before_writing(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from odas_analysis import export
    from odas_analysis.disclosure import DisclosureError

    overlay = tmp_path / "private"
    overlay.mkdir()
    (overlay / "participant_names.csv").write_text("participant_id,name\nP-1,Jeanne Zorglubine\n", encoding="utf-8")
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(overlay))
    export.configure(tmp_path / "out", "site-angers")
    try:
        fig = Figure()
        fig.add_subplot().set_title("Entretien avec Jeanne Zorglubine")
        with pytest.raises(DisclosureError):
            export.figure(fig, "entretiens", show=False)
        assert not list((tmp_path / "out").rglob("entretiens.*"))
        fig2 = Figure()
        fig2.add_subplot().set_title("Entretiens par catégorie d'acteurs")
        written = export.figure(fig2, "categories", show=False)
        assert written["svg"].is_file()
    finally:
        export.configure()


def test_table_on_simulated_data_carries_the_notice_in_both_files(tmp_path):
    import pandas as pd

    from odas_analysis import export

    export.configure(tmp_path, "hypothese-H1")
    try:
        frame = pd.DataFrame({"site": ["Angers", "Arras"], "part": [0.5, 0.25]})
        simulated = export.table(
            frame, "parts", caption="Source : jeu de démonstration (données simulées).", show=False
        )
        public = export.table(frame, "public", caption="Source : INSEE, Filosofi 2016.", show=False)
    finally:
        export.configure()
    csv = simulated["csv"].read_text(encoding="utf-8").splitlines()
    assert csv[0] == "site,part,statut des données"
    assert all(line.endswith(",données simulées") for line in csv[1:])
    md = simulated["md"].read_text(encoding="utf-8")
    assert "Source : jeu de démonstration (données simulées)." in md
    assert "**Données simulées**" in md
    assert public["csv"].read_text(encoding="utf-8").splitlines()[0] == "site,part"
    assert "simulées" not in public["md"].read_text(encoding="utf-8")
    assert "Source : INSEE, Filosofi 2016." in public["md"].read_text(encoding="utf-8")
