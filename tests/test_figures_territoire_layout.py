"""The territory figures' fixed margins leave room for every text, on the hardest real cases.

The panels of ``figures.territoire`` are placed at fixed margins instead of by
constrained layout (it cost a fifth of a territory page). These tests draw the figures
as the PNG is drawn and check, text by text, that nothing leaves the figure or runs
into another panel, for territories chosen to be hard: the widest name of the national
files, the largest commune and EPCI, names and département labels that wrap, an
overseas commune, a commune whose Filosofi values are secret. Skips when
``ODAS_NATIONAL_DATA`` is not set.
"""

from __future__ import annotations

import csv

import matplotlib
import pytest

from odas_analysis import export
from odas_analysis.figures import territoire as figures
from odas_analysis.figures.style import text_width
from odas_analysis.national import profile

matplotlib.use("Agg")

HARD_CASES = {
    "242900645": "CC Douarnenez Communauté: the widest name line of the national files",
    "200054781": "Métropole du Grand Paris: the largest EPCI",
    "75056": "Paris: the largest commune",
    "04070": "Digne-les-Bains: 'Alpes-de-Haute-Provence (04)' wraps",
    "90010": "Belfort: 'Territoire de Belfort (90)' wraps",
    "97611": "Mamoudzou: overseas, several values not published",
    "01006": "Ambléon: Filosofi values secret",
    "59350": "Lille",
}


def _texts(ax):
    texts = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
    for axis in (ax.xaxis, ax.yaxis):
        texts += [tick.label1 for tick in axis._update_ticks()]  # the ticks drawn, inside the limits
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _escapes(fig) -> list[str]:
    """What leaves the figure or runs into another panel, drawn as the PNG is (Agg, 150 dpi)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.set_dpi(export.DEFAULT_DPI)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    panels = [ax for ax in fig.axes if ax.axison]
    boxes = {ax: [(t, t.get_window_extent(renderer)) for t in _texts(ax)] for ax in panels}
    problems = []
    for ax in panels:
        for text, box in boxes[ax]:
            if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > page.x1 + 0.5 or box.y1 > page.y1 + 0.5:
                problems.append(f"{text.get_text()!r} leaves the figure: {box.bounds} in {page.bounds}")
            if fig._suptitle is not None and box.overlaps(fig._suptitle.get_window_extent(renderer)):
                problems.append(f"{text.get_text()!r} runs into the figure's title")
            for other in panels:
                if other is ax:
                    continue
                if box.overlaps(other.bbox):
                    problems.append(f"{text.get_text()!r} runs into the frame of panel {other.get_title()!r}")
                for other_text, other_box in boxes[other]:
                    if box.overlaps(other_box):
                        problems.append(f"{text.get_text()!r} overlaps {other_text.get_text()!r}")
    return problems


@pytest.fixture(scope="module")
def hard_profiles(national_dir):
    return {code: profile.territory_profile(code, national_dir) for code in HARD_CASES}


@pytest.mark.parametrize("code", sorted(HARD_CASES))
@pytest.mark.parametrize("build", [figures.references, figures.distribution], ids=["references", "distribution"])
def test_no_text_leaves_its_room(hard_profiles, code, build):
    fig = build(hard_profiles[code])
    assert fig.get_layout_engine() is None, "the fixed margins are used, not constrained layout"
    assert _escapes(fig) == [], HARD_CASES[code]


def test_the_hard_cases_hold_the_widest_name_of_the_national_files(national_dir, hard_profiles):
    """Every name a reference panel can write is at most as wide as those tested above."""
    names = set()
    with (national_dir / "geo/communes_2026.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names.update((row["nom"], f"{row['nom_departement']} ({row['code_departement']})", row["nom_region"]))
    with (national_dir / "geo/epci_2026.csv").open(encoding="utf-8", newline="") as handle:
        names.update(row["nom_epci"] for row in csv.DictReader(handle))

    def width(name: str) -> float:
        return text_width(figures._name_label(name), figures.NAME_SIZE)

    tested = max(width(name) for p in hard_profiles.values() for name in figures._level_names(p))
    widest = max(names, key=width)
    assert width(widest) <= tested, widest


def test_titles_longer_than_the_room_get_constrained_layout(hard_profiles, monkeypatch):
    """A title on more lines than the margins hold: that figure is laid out by constrained layout."""
    monkeypatch.setattr(figures, "TITLE_LINES", 1)  # the two-line titles of both figures no longer fit
    for build in (figures.references, figures.distribution):
        fig = build(hard_profiles["59350"])
        assert fig.get_layout_engine() is not None
        export.freeze_layout(fig)
        assert _escapes(fig) == []


def _xlabel_boxes(fig, dpi: float) -> list[tuple[float, ...]]:
    """The window extent of every panel's x label, the figure drawn at ``dpi`` (72: the SVG's size)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    return [ax.xaxis.label.get_window_extent(renderer).bounds for ax in fig.axes if ax.get_xlabel()]


@pytest.mark.parametrize("code", ["01006", "75056", "242900645"])
@pytest.mark.parametrize("dpi", [72, export.DEFAULT_DPI])
def test_the_fixed_x_labels_sit_where_matplotlib_puts_them(hard_profiles, monkeypatch, code, dpi):
    """``fixed_axis_labels`` puts each x label within a pixel of matplotlib's own placement."""
    fixed = _xlabel_boxes(figures.distribution(hard_profiles[code]), dpi)
    monkeypatch.setattr(figures, "fixed_axis_labels", lambda ax: None)  # matplotlib places them at each draw
    automatic = _xlabel_boxes(figures.distribution(hard_profiles[code]), dpi)
    assert len(fixed) == len(automatic) >= 5  # one x label per distribution panel drawn
    for box, auto in zip(fixed, automatic, strict=True):
        assert max(abs(a - b) for a, b in zip(box, auto, strict=True)) <= 1, (box, auto)
