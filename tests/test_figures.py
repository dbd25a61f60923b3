"""Tests of odas_analysis.figures (one module per notebook): every builder returns a Figure with a source note,
draws without pyplot, shows missing values as missing, and renders byte-stably."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from odas_analysis import export, french, study
from odas_analysis.figures import hypothese as hypothesis_figures
from odas_analysis.figures import methodologie as method_figures
from odas_analysis.figures import site as site_figures
from odas_analysis.figures import synthese as synthesis_figures
from odas_analysis.tables import indicators
from odas_analysis.tables import synthese as synthesis_tables


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]


def _check(fig: Figure) -> str:
    """Common contract: a Figure outside pyplot, drawable, with a legend naming its source.

    The legend travels with the figure (shown under it by ``export.figure``), it is not
    drawn inside the image. Returns the image's text and the legend.
    """
    import matplotlib.pyplot as plt

    assert isinstance(fig, Figure)
    assert fig not in [plt.figure(n) for n in plt.get_fignums()]
    FigureCanvasAgg(fig).draw()
    text = "\n".join(_texts(fig))
    note = getattr(fig, export.NOTE_ATTR)
    assert "Source" in note
    assert "Source" not in text, "the source note belongs to the legend, not to the image"
    return text + "\n" + note


@pytest.fixture(scope="module")
def typ():
    return synthesis_tables.typology()


def test_short_date_and_ranges():
    assert method_figures.short_french_date("2016-07-01") == "1er juil."
    assert method_figures.short_french_date("2017-03-21") == "21 mars"
    assert method_figures._number_ranges([1, 2, 4, 5, 6, 7]) == "1, 2, 4 à 7"
    assert method_figures._number_ranges([3]) == "3"
    assert site_figures.compact_number(10_000) == "10\u202f000"
    assert site_figures.compact_number(2_000_000) == "2\u202fM"


def test_timeline_places_only_published_dates():
    fig = method_figures.timeline()
    text = _check(fig)
    assert "Calendrier de la recherche-action (2015-2017)" in text
    assert "dates non publiées" in text  # phase 2
    assert "séances n° 1, 2, 4 à 7 : dates non publiées" in text
    ax = fig.axes[0]
    diamonds = [ln for ln in ax.get_lines() if ln.get_marker() == "D"]
    cal = study.calendar()
    assert len(diamonds) == int(((cal["precision"] == "day") & (cal["start"] == cal["end"])).sum())


def test_sites_by_axis_shows_eleven_tiles_and_marks_earlier_sites():
    fig = method_figures.sites_by_axis()
    text = _check(fig)
    assert "Bordeaux*" in text and "Angers*" not in text
    assert sum(1 for t in _texts(fig) if t.rstrip("*") in set(study.sites()["name"])) == 11


def test_site_vs_references_writes_missing_references():
    fig = site_figures.references("angers")
    text = _check(fig)
    assert "Maine-et-Loire (49)" in text and "Pays de la Loire" in text
    assert text.count(french.MISSING) >= 3  # Filosofi poverty rate: no département, région, France


def test_site_in_distribution_ranks_an_agglomeration_among_epci():
    text = _check(site_figures.distribution("moulins-communaute"))
    assert "distribution nationale des EPCI" in text
    assert "rang 53,3" in text.replace("\n", " ")
    assert "des communes" in _check(site_figures.distribution("creil"))


def test_site_charts_reject_unknown_site():
    from odas_analysis.errors import ParameterError

    with pytest.raises(ParameterError):
        site_figures.references("paris")
    with pytest.raises(ParameterError):
        site_figures.distribution("paris")


def test_indicator_heatmap_values_and_missing_cells():
    text = _check(synthesis_figures.indicator_heatmap())
    assert "45,0" in text  # poverty rate of Clichy-sous-Bois
    spec = indicators.IndicatorSpec("poverty_rate_60", 2015, "Taux de pauvreté", "%", 1)
    text2 = _check(synthesis_figures.indicator_heatmap([spec]))
    assert french.MISSING in text2  # Moulins Communauté has no 2015 value


def test_typology_figures(typ):
    dendro = _check(synthesis_figures.typology_dendrogram(typ))
    assert "coupe en 2 groupes" in dendro
    pca = _check(synthesis_figures.typology_map(typ))
    assert "de la variance" in pca and "groupe 1" in pca


def test_cohorts_figure():
    text = _check(synthesis_figures.cohorts())
    assert "2010-2012\n(n = 4)" in text and "nouveaux\n(n = 7)" in text
    assert "Valenciennes Métropole" in text


def test_hypothesis_figures_say_simulated_data():
    hypotheses = pytest.importorskip("odas_analysis.hypotheses")
    fieldwork = pytest.importorskip("odas_analysis.fieldwork")
    result = hypotheses.test("H3")
    for fig in (hypothesis_figures.sites(result), hypothesis_figures.testimony(result)):
        text = _check(fig)
        if fieldwork.data_source()["synthetic"]:
            assert "données simulées" in " ".join(text.split())


def test_figures_are_byte_stable():
    first = export.figure_bytes(method_figures.timeline(), "svg")
    second = export.figure_bytes(method_figures.timeline(), "svg")
    assert first == second
    assert export.figure_bytes(method_figures.sites_by_axis(), "png") == export.figure_bytes(
        method_figures.sites_by_axis(), "png"
    )
