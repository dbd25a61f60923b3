"""Tests of odas_analysis.export: byte-stable figures and tables, stable names."""

from __future__ import annotations

import hashlib
import json
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
    paths = export.figure(_fig(), "population", alt="Barres horizontales : population de trois sites")
    assert paths == {
        "svg": dest / "figures" / "population.svg",
        "png": dest / "figures" / "population.png",
        "json": dest / "figures" / "population.json",
    }
    svg = paths["svg"].read_bytes()
    png = paths["png"].read_bytes()
    assert svg.startswith(b"<?xml")
    assert png.startswith(b"\x89PNG")
    assert b"<dc:date>" not in svg
    assert b"Software" not in png and b"matplotlib" not in png


def test_figure_bytes_identical_twice_in_one_process(dest):
    first = {
        k: p.read_bytes()
        for k, p in export.figure(_fig(), "a", alt="Barres horizontales : population de trois sites").items()
    }
    second = {
        k: p.read_bytes()
        for k, p in export.figure(_fig(), "a", alt="Barres horizontales : population de trois sites").items()
    }
    assert first == second


SCRIPT = """
import hashlib, sys
from odas_analysis import export
from odas_analysis.figures import generic
export.configure(sys.argv[1], run="x")
fig = generic.bar_chart(["Angers", "Arras"], [12345.5, 4000.25], title="Essai", decimals=1)
for fmt, p in sorted(export.figure(fig, "f", alt="Barres horizontales : population de trois sites").items()):
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
    assert outs[0].count("\n") == 3


def test_unchanged_file_is_not_rewritten(dest):
    path = export.figure(_fig(), "stable", alt="Barres horizontales : population de trois sites")["svg"]
    before = path.stat().st_mtime_ns
    export.figure(_fig(), "stable", alt="Barres horizontales : population de trois sites")
    assert path.stat().st_mtime_ns == before


def test_table_csv_and_markdown(dest):
    df = pd.DataFrame({"site": ["Angers", "Arras"], "population": [155000, 41000], "taux": [0.12345, np.nan]})
    paths = export.table(df, "indicateurs", decimals={"taux": 3})
    assert paths["csv"].read_bytes() == (
        b'# {"source": "", "unites": {}}\nsite,population,taux\nAngers,155000,0.123\nArras,41000,\n'
    )
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
    assert paths["csv"].read_text().splitlines()[1:] == ["k,v", "b,2.0", "a,1.0"]


def test_table_html_is_french():
    html = export.table_html(pd.DataFrame({"x": [1234.5]}), decimals=1, caption="Légende")
    assert "1\u202f234,5" in html and "<caption>Légende</caption>" in html


@pytest.mark.parametrize("bad", ["Taux", "a b", "", "../x", "é", "-x"])
def test_unstable_names_are_refused(dest, bad):
    with pytest.raises(ParameterError):
        export.figure(_fig(), bad, alt="Barres horizontales : population de trois sites")


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
    export.figure(fig, "pyplot", alt="Courbe d'essai à deux points")
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
            export.figure(fig, "entretiens", alt="Barres horizontales : population de trois sites", show=False)
        assert not list((tmp_path / "out").rglob("entretiens.*"))
        fig2 = Figure()
        fig2.add_subplot().set_title("Entretiens par catégorie d'acteurs")
        written = export.figure(fig2, "categories", alt="Barres horizontales : population de trois sites", show=False)
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
    assert json.loads(csv[0][2:])["source"] == "Source : jeu de démonstration (données simulées)."
    assert csv[1] == "site,part,statut des données"
    assert all(line.endswith(",données simulées") for line in csv[2:])
    md = simulated["md"].read_text(encoding="utf-8")
    assert "Source : jeu de démonstration (données simulées)." in md
    assert "**Données simulées**" in md
    assert public["csv"].read_text(encoding="utf-8").splitlines()[1] == "site,part"
    assert "simulées" not in public["md"].read_text(encoding="utf-8")
    assert "Source : INSEE, Filosofi 2016." in public["md"].read_text(encoding="utf-8")


def test_csv_cells_that_look_like_formulas_are_neutralised(dest):
    frame = pd.DataFrame(
        {
            "=cmd": ['=HYPERLINK("http://x","clic")', "+33 1", "-2+3", "@SUM(A1)", "\tx", "\rx", "-1.5", "texte"],
            "valeur": [1.0, -2.5, 3.0, 4.0, 5.0, 6.0, 7.0, -8.0],
        }
    )
    written = export.table(frame, "formules", caption="Essai.", decimals=1, show=False)
    read = pd.read_csv(written["csv"], comment="#", keep_default_na=False)
    assert list(read.columns)[0] == "'=cmd"
    cells = list(read["'=cmd"])
    assert cells[:6] == ['\'=HYPERLINK("http://x","clic")', "'+33 1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx"]
    assert cells[6:] == ["-1.5", "texte"]  # a number written as text stays a number
    assert list(read["valeur"]) == [1.0, -2.5, 3.0, 4.0, 5.0, 6.0, 7.0, -8.0]  # numbers stay numbers
    assert read["valeur"].dtype.kind == "f"


ALT = "Barres horizontales : population de trois sites"


def test_figure_requires_a_french_alternative_text(dest):
    with pytest.raises(TypeError):
        export.figure(_fig(), "sans-alt")  # alt is a required keyword
    for bad in ("", "   ", "figure"):
        with pytest.raises(ParameterError, match="texte de remplacement"):
            export.figure(_fig(), "sans-alt", alt=bad)
    assert not list(dest.rglob("sans-alt.*"))


def test_figure_legend_sidecar_and_display(dest):
    fig = _fig()
    fig.odas_note = "Source : INSEE, Filosofi 2016."
    paths = export.figure(fig, "legende", alt=ALT, show=False)
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == {
        "alt": ALT,
        "donnees_simulees": False,
        "legende": "Source : INSEE, Filosofi 2016.",
    }
    other = export.figure(_fig(), "autre", alt=ALT, caption="Lecture : essai <b>.", show=False)
    assert json.loads(other["json"].read_text(encoding="utf-8"))["legende"] == "Lecture : essai <b>."
    page = export.figure_html(paths["png"].read_bytes(), 'Barres "A" & <B>', "Source : x < y.", 700)
    assert 'alt="Barres &quot;A&quot; &amp; &lt;B&gt;"' in page
    assert '<figcaption class="odas-legende">Source : x &lt; y.</figcaption>' in page
    assert page.count("data:image/png;base64,") == 1


def test_every_exported_csv_reads_with_numeric_dtypes(dest):
    frame = pd.DataFrame(
        {
            "Site": ["Angers", "Clichy-sous-Bois"],
            "Année": [2016, 2016],
            "Population": [151229, 28782],
            "Taux de pauvreté": [19.5, 45.0],
            "Médiane": [20112.5, np.nan],
            "Note": ["n° #3, « deux »", "-"],
        }
    )
    frame.attrs["units"] = {"Taux de pauvreté": "%", "Population": "habitants"}
    written = export.table(frame, "machine", caption="Source : INSEE.", decimals={"Médiane": [1, 0]}, show=False)
    first = written["csv"].read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ")
    assert json.loads(first[2:]) == {
        "source": "Source : INSEE.",
        "unites": {"Population": "habitants", "Taux de pauvreté": "%"},
    }
    read = pd.read_csv(written["csv"], comment="#")
    assert [read[c].dtype.kind for c in read.columns] == ["O", "i", "i", "f", "f", "O"]
    assert read["Médiane"].iloc[0] == 20112.5 and pd.isna(read["Médiane"].iloc[1])
    assert list(read["Note"]) == ["n° #3, « deux »", "-"]
    assert "\u202f" not in written["csv"].read_text(encoding="utf-8")  # no French grouping for machines


def test_xlsx_holds_numbers_with_a_french_number_format(dest):
    from openpyxl import load_workbook

    frame = pd.DataFrame({"Site": ["=HYPERLINK(1)", "Arras"], "Année": [2016, 2017], "Taux": [19.52, 7.0]})
    written = export.table(frame, "classeur", caption="Source : essai.", decimals=1, show=False)
    sheet = load_workbook(written["xlsx"])["tableau"]
    assert [c.value for c in sheet[1]] == ["Site", "Année", "Taux"]
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 2016 and sheet["B2"].number_format == "0"
    assert sheet["C2"].value == 19.5 and sheet["C2"].data_type == "n"
    assert sheet["C2"].number_format == "[$-fr-FR]#,##0.0"
    again = export.table(frame, "classeur-bis", caption="Source : essai.", decimals=1, show=False)
    assert again["xlsx"].read_bytes() == written["xlsx"].read_bytes()  # byte-stable


# --------------------------------------------------------------------------- one layout, one draw per format


def _reference_bytes(fig) -> dict[str, bytes]:
    """The sequence export used to run: a draw without output, layout "none", then each save.

    (Each save then drew the figure twice: once without output for the placeholder
    layout engine, once for real.) The fast path must give these bytes exactly.
    """
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    return {fmt: export.figure_bytes(fig, fmt) for fmt in ("svg", "png")}


def _pyplot_tight():
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, layout="tight")
    a.plot([0, 1, 2], [3, 1, 2], label="série é")
    a.legend(loc="best")
    b.set_yscale("log")
    b.plot([1, 10, 100], [1, 1000, 10])
    b.set_title("Échelle logarithmique")
    return fig


def _colorbar():
    from odas_analysis.figures.style import new_figure

    fig, ax = new_figure()
    image = ax.imshow(np.arange(12, dtype=float).reshape(3, 4))
    fig.colorbar(image, ax=ax, label="valeur")
    ax.set_title("Carte de chaleur d'essai")
    return fig


def _site_figures():
    from odas_analysis.figures import site

    return [site.references("angers"), site.distribution("angers")]


BUILDERS = {
    "barres": lambda: [_fig()],
    "pyplot-tight": lambda: [_pyplot_tight()],
    "colorbar": lambda: [_colorbar()],
    "sites": _site_figures,
}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_one_layout_and_one_draw_per_format_give_the_same_bytes(kind, monkeypatch, tmp_path):
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

    from odas_analysis.figures import layers

    # a layered figure (the site's distribution) draws its background once per format,
    # then not at all while it is kept: each sequence below starts with none kept
    monkeypatch.setattr(layers, "cache_dir", lambda: tmp_path / "figure-backgrounds")
    layers.clear()
    expected = [_reference_bytes(fig) for fig in BUILDERS[kind]()]
    layers.clear()
    for path in (tmp_path / "figure-backgrounds").glob("*"):
        path.unlink()
    counts = {"draw": 0, "layout": 0}
    real_draw = Figure.draw

    def counting_draw(self, renderer):
        counts["draw"] += 1
        return real_draw(self, renderer)

    def counting(engine_class):
        real = engine_class.execute

        def execute(self, fig):
            counts["layout"] += 1
            return real(self, fig)

        return execute

    figs = BUILDERS[kind]()
    monkeypatch.setattr(Figure, "draw", counting_draw)
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", counting(ConstrainedLayoutEngine))
    monkeypatch.setattr(TightLayoutEngine, "execute", counting(TightLayoutEngine))
    laid_out = sum(fig.get_layout_engine() is not None for fig in figs)  # the others have fixed margins
    got = []
    for fig in figs:
        export.freeze_layout(fig)
        got.append({fmt: export.figure_bytes(fig, fmt) for fmt in ("svg", "png")})
    assert counts == {"draw": 2 * len(figs), "layout": laid_out}
    for fig, (new, old) in enumerate(zip(got, expected)):
        for fmt in ("svg", "png"):
            assert new[fmt] == old[fmt], f"{kind}, figure {fig}, {fmt}: bytes differ from the reference sequence"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_freeze_layout_leaves_no_engine_and_is_idempotent():
    fig = _fig()
    export.freeze_layout(fig)
    assert fig.get_layout_engine() is None
    first = export.figure_bytes(fig, "png")
    export.freeze_layout(fig)
    assert export.figure_bytes(fig, "png") == first
