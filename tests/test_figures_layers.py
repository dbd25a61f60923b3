"""Layered figures: a background drawn once per key, the overlay of each figure drawn over it.

The national distribution figure of a territory page is drawn this way. These tests
check, on real territories (communes of the same population, an EPCI, a commune whose
Filosofi values are secret), that the result is matplotlib's own drawing: the PNG byte
for byte, the SVG element for element; that it does not depend on where the background
came from (drawn now, kept in memory, read from disk, a damaged copy); and that what
cannot be layered safely is drawn in one pass.
"""

from __future__ import annotations

import collections
import re
import xml.etree.ElementTree as ET

import matplotlib
import pytest
from matplotlib.figure import Figure

from odas_analysis import export
from odas_analysis.figures import layers
from odas_analysis.figures import territoire as figures
from odas_analysis.national import profile

matplotlib.use("Agg")

#: Two communes of 20,000 inhabitants or more, a commune whose Filosofi values are
#: secret (its points are "n.d." texts), an EPCI (another population, another background).
CODES = ("59350", "49007", "01006", "200093201")
XLINK = "{http://www.w3.org/1999/xlink}href"


@pytest.fixture(autouse=True)
def backgrounds(tmp_path, monkeypatch):
    """An empty cache, in memory and on disk, for each test."""
    monkeypatch.setattr(layers, "cache_dir", lambda: tmp_path / "figure-backgrounds")
    layers.clear()
    yield tmp_path / "figure-backgrounds"
    layers.clear()


@pytest.fixture(scope="module")
def profiles(national_dir):
    return {code: profile.territory_profile(code, national_dir) for code in CODES}


def _one_pass(fig, fmt: str) -> bytes:
    """``fig`` drawn as any figure is, in one pass of ``savefig``."""
    kept = fig.__dict__.pop(layers.LAYERS_ATTR)
    try:
        return export.figure_bytes(fig, fmt)
    finally:
        setattr(fig, layers.LAYERS_ATTR, kept)


def _drawing(svg: bytes) -> tuple[collections.Counter, collections.Counter, set[str]]:
    """The SVG's drawn elements (groups and definition blocks flattened), its ids and the ids it refers to."""
    elements: collections.Counter = collections.Counter()
    ids: collections.Counter = collections.Counter()
    refs: set[str] = set()

    def walk(element, clip):
        clip = element.get("clip-path", clip)
        for name, value in element.attrib.items():
            if name == "id":
                ids[value] += 1
            if name == XLINK:
                refs.add(value.lstrip("#"))
            refs.update(re.findall(r"url\(#([^)]+)\)", value))
        container = element.tag.endswith("}g") or element.tag.endswith("}defs")
        if not container:
            elements[(element.tag, tuple(sorted(element.attrib.items())), clip, element.text or "")] += 1
        for child in element:
            walk(child, clip)

    walk(ET.fromstring(svg), None)
    return elements, ids, refs


def test_the_distribution_figure_is_layered_through_export(profiles, backgrounds, tmp_path, monkeypatch):
    monkeypatch.setenv(export.EXPORT_DIR_ENV, str(tmp_path / "export"))
    fig = figures.distribution(profiles["59350"])
    kept = getattr(fig, layers.LAYERS_ATTR)
    assert fig._suptitle in kept.overlay
    assert len(kept.overlay) == 13  # a point and its value on each of the six panels, and the title
    written = export.figure(fig, "distribution", alt="Six courbes de distribution nationale et le rang de Lille")
    assert not kept.changed
    assert sorted(path.suffix for path in backgrounds.iterdir()) == [".json", ".npy"]
    assert written["png"].read_bytes() == export.figure_bytes(figures.distribution(profiles["59350"]), "png")


@pytest.mark.parametrize("code", CODES)
def test_the_layered_png_is_matplotlibs_own_drawing(profiles, code):
    for other in CODES:  # the backgrounds of every population kept first
        export.figure_bytes(figures.distribution(profiles[other]), "png")
    fig = figures.distribution(profiles[code])
    layered = export.figure_bytes(fig, "png")
    assert not getattr(fig, layers.LAYERS_ATTR).changed, "drawn in one pass: the comparison would prove nothing"
    assert layered == _one_pass(fig, "png")


@pytest.mark.parametrize("code", CODES)
def test_the_layered_svg_holds_the_same_drawing(profiles, code):
    for other in CODES:
        export.figure_bytes(figures.distribution(profiles[other]), "svg")
    fig = figures.distribution(profiles[code])
    layered = export.figure_bytes(fig, "svg")
    assert not getattr(fig, layers.LAYERS_ATTR).changed
    elements, ids, refs = _drawing(layered)
    assert elements == _drawing(_one_pass(fig, "svg"))[0]
    assert [name for name, n in ids.items() if n > 1] == [], "an id defined twice"
    assert refs <= set(ids), f"refers to what it does not define: {sorted(refs - set(ids))}"


def test_the_bytes_do_not_depend_on_where_the_background_comes_from(profiles, backgrounds):
    def draw(code):
        fig = figures.distribution(profiles[code])
        return export.figure_bytes(fig, "svg"), export.figure_bytes(fig, "png")

    drawn_now = {code: draw(code) for code in ("59350", "49007")}  # Lille draws, Angers reuses
    assert drawn_now["59350"] != drawn_now["49007"]
    assert len(list(backgrounds.iterdir())) == 2  # one background per format
    layers.clear()
    assert draw("49007") == drawn_now["49007"]  # from disk
    assert draw("49007") == drawn_now["49007"]  # from memory
    for path in backgrounds.iterdir():
        path.unlink()
    layers.clear()
    assert draw("49007") == drawn_now["49007"]  # drawn again for Angers itself


def test_each_population_has_its_background(profiles, backgrounds):
    for code in CODES:
        fig = figures.distribution(profiles[code])
        export.figure_bytes(fig, "png")
    # the communes share theirs (the secret values are texts over the same curves); the EPCI have another
    assert len(list(backgrounds.iterdir())) == 2


@pytest.mark.parametrize("damage", [b"not a background", b"[]", b'{"body": "<g/>", "state": {"groups": {}}}'])
def test_a_damaged_copy_on_disk_is_drawn_again(profiles, backgrounds, damage):
    fig = figures.distribution(profiles["59350"])
    expected = export.figure_bytes(fig, "svg"), export.figure_bytes(fig, "png")
    for path in backgrounds.iterdir():
        path.write_bytes(damage)
    layers.clear()
    fig = figures.distribution(profiles["59350"])
    assert (export.figure_bytes(fig, "svg"), export.figure_bytes(fig, "png")) == expected
    assert all(path.read_bytes() != damage for path in backgrounds.iterdir()), "written again"


def _small(fig=None):
    """A one-panel figure at fixed positions: a curve, and a point with its label as overlay."""
    fig = Figure(figsize=(3, 2))
    ax = fig.add_axes((0.15, 0.2, 0.8, 0.7))
    ax.plot([0, 1, 2], [0, 1, 4], color="grey")
    ax.set_ylim(ax.get_ylim())
    (point,) = ax.plot([1], [1], "o", color="orange")
    label = ax.annotate("1,0", (1, 1), xytext=(5, 5), textcoords="offset points")
    layers.set_overlay(fig, [point, label], key=("test.small",))
    return fig


def _stamp(directory):
    return {path.name: path.read_bytes() for path in directory.iterdir()}


@pytest.mark.parametrize(
    "change",
    [
        lambda fig: fig.text(0.5, 0.5, "données simulées"),  # as the mark of a simulated figure is added
        lambda fig: fig.axes[0].set_title("Un autre titre"),  # a background's artist edited in a notebook
        lambda fig: fig.axes[0].lines[0].set_color("red"),
        lambda fig: fig.patch.set_facecolor("#eeeeee"),
    ],
    ids=["text-added", "title", "curve", "face"],
)
def test_a_figure_changed_after_its_overlay_gets_a_background_of_its_own(change, backgrounds):
    before = {fmt: export.figure_bytes(_small(), fmt) for fmt in ("png", "svg")}
    kept = _stamp(backgrounds)
    fig = _small()
    change(fig)
    assert getattr(fig, layers.LAYERS_ATTR).changed
    png = export.figure_bytes(fig, "png")
    assert png != before["png"]
    assert png == _one_pass(fig, "png"), "the change is drawn"
    assert export.figure_bytes(fig, "svg") != before["svg"]
    assert _stamp(backgrounds) == kept, "the changed background is not kept"
    assert {fmt: export.figure_bytes(_small(), fmt) for fmt in ("png", "svg")} == before


def test_a_change_then_a_draw_elsewhere_still_counts():
    """A figure edited, then shown (drawn) in a notebook before it is exported."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    export.figure_bytes(_small(), "png")  # the background kept, with no title
    fig = _small()
    fig.axes[0].set_title("Un autre titre")
    FigureCanvasAgg(fig).draw()
    assert not fig.stale
    assert export.figure_bytes(fig, "png") == _one_pass(fig, "png")


def test_the_bytes_do_not_depend_on_a_change_that_draws_nothing(profiles):
    """Reading a figure's texts creates its ticks (a change for matplotlib): the bytes stay those of its content."""
    from matplotlib.text import Text

    untouched = figures.distribution(profiles["59350"])
    expected = {fmt: export.figure_bytes(untouched, fmt) for fmt in ("svg", "png")}
    read = figures.distribution(profiles["59350"])
    with layers.unchanged(read):
        read.findobj(Text)
    assert not getattr(read, layers.LAYERS_ATTR).changed
    touched = figures.distribution(profiles["59350"])
    touched.findobj(Text)
    assert getattr(touched, layers.LAYERS_ATTR).changed  # drawn without the kept background...
    for fig in (read, touched):
        assert {fmt: export.figure_bytes(fig, fmt) for fmt in ("svg", "png")} == expected  # ...to the same bytes


def test_the_key_follows_the_settings_of_the_drawing(backgrounds):
    fig = _small()
    export.figure_bytes(fig, "png")
    with matplotlib.rc_context({"path.simplify_threshold": 0.5}):
        export.figure_bytes(fig, "png")
    export.figure_bytes(fig, "png", dpi=72)
    assert len(list(backgrounds.iterdir())) == 3


def test_set_overlay_refuses_what_cannot_be_layered():
    fig = _small()
    ax = fig.axes[0]
    with pytest.raises(ValueError, match="lines and texts"):
        layers.set_overlay(fig, [ax.patch], key=("k",))
    with pytest.raises(ValueError, match="lines and texts"):
        layers.set_overlay(fig, [_small().axes[0].lines[1]], key=("k",))
    with pytest.raises(ValueError, match="strings, numbers"):
        layers.set_overlay(fig, [ax.lines[1]], key=("k", [1, 2]))
    constrained = Figure(layout="constrained")
    (line,) = constrained.subplots().plot([0, 1])
    with pytest.raises(ValueError, match="fixed positions"):
        layers.set_overlay(constrained, [line], key=("k",))
