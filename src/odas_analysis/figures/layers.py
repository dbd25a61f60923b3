"""Figures drawn as a background shared by many pages and an overlay of their own.

A national batch draws the same figure hundreds of times with one part that never
changes: the six national quantile curves of ``territoire.distribution``, their axes,
ticks, titles and labels are those of every commune; only the point of the territory,
its value and the title with its name differ. A figure builder can say so::

    layers.set_overlay(fig, [point, label, title], key=("territoire.distribution", ...))

Then :func:`odas_analysis.export.figure_bytes` draws the figure in two layers: the
background (every artist but the overlay) once per key, kept in memory and on disk
(``$ODAS_CACHE_DIR/figure-backgrounds/``, default ``build/cache/figure-backgrounds/``),
and the overlay over it on each page. The bytes do not depend on whether the
background came from the cache: the first page draws the background, then the overlay
over it, exactly as a later page does over the kept copy (tested). They are those of
matplotlib's own drawing where the overlay does not overlap an artist drawn after it,
and the SVG holds the same elements (tested on real territories).

The contract of the builder: **everything outside the overlay is a function of the key**.
The key holds the values the background shows that come from data (titles, labels,
a digest of the curves); this module adds what the drawing itself depends on: the
figure's size and resolution, the format, matplotlib's version, the rcParams in force
and a digest of the project's code. A figure changed after :func:`set_overlay` (an
artist added, such as the mark of simulated data, a title edited in a notebook) is
still drawn in two layers, the same way, but its background is drawn for it alone,
neither read from the cache nor kept: its bytes are those its content gives, whichever
way it went. A figure given a layout engine is drawn in one pass of ``savefig``.

Only lines and texts can be in the overlay: drawing them touches no state of
matplotlib's SVG writer but its ids, clip paths, markers and glyphs, which are carried
from the background to the overlay (so that ids stay unique in the file).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import files

#: Figure attribute holding its :class:`Layers`.
LAYERS_ATTR = "_odas_layers"
#: Backgrounds kept in memory by a process (a PNG background of a territory figure is 4 MB).
MEMORY_SIZE = 8
#: Files kept on disk (two per key: PNG and SVG); the oldest go beyond.
DISK_SIZE = 64
SVG_METADATA = {"Date": None, "Creator": None}

# The state of matplotlib's SVG renderer that drawing lines and texts reads and writes,
# and how each is carried through JSON: dicts whose keys are strings or tuples of
# numbers, and integers. A renderer with other state (a later matplotlib) is still drawn
# in two layers, but its background is not kept.
_SVG_STATE = ("_groupd", "_clipd", "_markers", "_glyph_map")
_SVG_COUNTERS = ("_path_collection_id", "_n_gradients")
_SVG_EMPTY = ("_clip_path_ids", "_hatchd")
_SVG_CARRIED = frozenset({*_SVG_STATE, *_SVG_COUNTERS, *_SVG_EMPTY})
_SVG_OTHER = frozenset(
    {
        "width",
        "height",
        "writer",
        "image_dpi",
        "basename",
        "_start_id",
        "_image_counter",
        "_has_gouraud",
        "_texmanager",
        "_text2path",
        "_raster_depth",
        "_rasterizing",
    }
)


@dataclass
class Layers:
    """The overlay of a figure and the key of its background; ``changed`` once the figure is.

    ``drawing`` is set while this module draws the figure (changing its resolution, say)
    or reads it (:func:`unchanged`), so that those are not taken for the caller's changes.
    """

    key: tuple
    overlay: tuple
    changed: bool = False
    drawing: bool = False


def set_overlay(fig, artists: Sequence[Any], *, key: tuple) -> None:
    """Declare ``artists`` (lines and texts of ``fig``) its overlay, over a background named by ``key``.

    ``key`` is a tuple of strings, numbers, booleans, None and such tuples: everything
    the figure's other artists show that comes from data. The overlay is drawn in the
    order given, over the whole background. Call it once the figure is built: from then
    on, any change to the figure (an artist added, a title changed, a draw elsewhere,
    as matplotlib reports it through ``Artist.stale``) makes its background drawn for
    it alone, not taken from the cache nor kept there.
    """
    from matplotlib.lines import Line2D
    from matplotlib.text import Text

    _check_key(key)
    for artist in artists:
        if not isinstance(artist, (Line2D, Text)) or artist.get_figure(root=True) is not fig:
            raise ValueError(f"an overlay holds lines and texts of its own figure, not {artist!r}")
    if fig.get_layout_engine() is not None:
        raise ValueError("a layered figure has fixed positions: its layout would depend on the overlay")
    layers = Layers(key, tuple(artists))
    previous = fig.stale_callback

    def on_change(figure, stale: bool) -> None:
        if stale and not layers.drawing:
            layers.changed = True
        if previous is not None:
            previous(figure, stale)

    fig.stale_callback = on_change
    setattr(fig, LAYERS_ATTR, layers)


def _check_key(key: Any) -> None:
    if isinstance(key, tuple):
        for item in key:
            _check_key(item)
    elif not (key is None or isinstance(key, (str, int, float, bool))):
        raise ValueError(f"a background key holds strings, numbers and tuples, not {key!r}")


def rendered(fig, fmt: str, *, dpi: float) -> bytes | None:
    """The bytes of layered ``fig`` as ``"svg"`` or ``"png"``; None for a figure to draw in one pass."""
    layers: Layers | None = getattr(fig, LAYERS_ATTR, None)
    if layers is None or fig.get_layout_engine() is not None or fmt not in ("png", "svg"):
        return None
    with unchanged(fig):
        return _png(fig, layers, dpi) if fmt == "png" else _svg(fig, layers)


@contextlib.contextmanager
def unchanged(fig) -> Iterator[None]:
    """Within this block, what happens to layered ``fig`` is not a change (its own drawing, reading its texts).

    Reading a figure's texts makes matplotlib create its ticks, which it reports as a
    change; the names check of :mod:`odas_analysis.export` reads them this way.
    """
    layers: Layers | None = getattr(fig, LAYERS_ATTR, None)
    if layers is None or layers.drawing:
        yield
        return
    layers.drawing = True
    try:
        yield
    finally:
        layers.drawing = False


def clear() -> None:
    """Forget the backgrounds kept in memory (those on disk stay)."""
    _MEMORY.clear()


# --- keys -------------------------------------------------------------------------

_CODE = files.ByFileState(maxsize=1)


@functools.cache
def _code_files() -> tuple[Path, ...]:
    from ..config import PACKAGE_DIR

    return tuple(sorted(PACKAGE_DIR.rglob("*.py")))


def code_digest() -> str:
    """A digest of the project's modules, computed again when one changes (autoreload in a notebook).

    The zygote of the batch computes it before forking, so that a page only checks the
    files' states.
    """
    paths = _code_files()
    return _CODE.get("code", paths, lambda: files.digest_files(paths))


def _full_key(fig, layers: Layers, fmt: str, dpi: float) -> str:
    import matplotlib as mpl

    rc = sorted((name, repr(value)) for name, value in dict.items(mpl.rcParams))
    parts = [
        layers.key,
        fmt,
        float(dpi),
        [float(x) for x in fig.get_size_inches()],
        float(fig.dpi),
        mpl.__version__,
        rc,
        code_digest(),
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:40]


# --- where backgrounds are kept -----------------------------------------------------

_MEMORY: OrderedDict[str, Any] = OrderedDict()


def cache_dir() -> Path:
    """``$ODAS_CACHE_DIR/figure-backgrounds`` (see :data:`odas_analysis.config.CACHE_DIR`)."""
    from ..config import CACHE_DIR

    return CACHE_DIR / "figure-backgrounds"


def _remember(key: str, value: Any) -> None:
    _MEMORY[key] = value
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > MEMORY_SIZE:
        _MEMORY.popitem(last=False)


def _recall(key: str, read) -> Any | None:
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _MEMORY[key]
    path = cache_dir() / key
    try:
        value = read(path)
    except (OSError, ValueError, KeyError, TypeError):  # absent, or not one of ours: drawn again
        return None
    _remember(key, value)
    return value


def _keep(key: str, value: Any, data: bytes) -> None:
    """Keep ``value`` in memory and its ``data`` on disk (a cache that cannot be written is not an error)."""
    _remember(key, value)
    try:
        files.write_bytes(cache_dir() / key, data)
        kept = [path for path in cache_dir().iterdir() if not path.name.startswith(".")]  # not a file being written
        kept.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
        for old in kept[DISK_SIZE:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


@contextlib.contextmanager
def _without(artists: Sequence[Any]) -> Iterator[None]:
    """Leave ``artists`` out of the figure's drawing (matplotlib skips animated artists)."""
    before = [artist.get_animated() for artist in artists]
    for artist in artists:
        artist.set_animated(True)
    try:
        yield
    finally:
        for artist, was in zip(artists, before, strict=True):
            artist.set_animated(was)


@contextlib.contextmanager
def _canvas(fig, canvas_class, dpi: float) -> Iterator[Any]:
    """``fig`` on a canvas of ``canvas_class`` at ``dpi``, as ``savefig`` puts it; restored after."""
    old_canvas, old_dpi = fig.canvas, fig.dpi
    canvas = canvas_class(fig)
    try:
        fig.dpi = dpi
        yield canvas
    finally:
        fig.dpi = old_dpi
        fig.set_canvas(old_canvas)


# --- PNG ------------------------------------------------------------------------------


def _read_pixels(path: Path):
    import numpy as np

    return np.load(path, allow_pickle=False)


def _png(fig, layers: Layers, dpi: float) -> bytes:
    import matplotlib as mpl
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    key = _full_key(fig, layers, "png", dpi)
    with _canvas(fig, FigureCanvasAgg, dpi) as canvas:
        renderer = canvas.get_renderer()
        pixels = np.asarray(renderer.buffer_rgba())
        background = None if layers.changed else _recall(f"{key}.png.npy", _read_pixels)
        if background is not None and background.shape == pixels.shape and background.dtype == pixels.dtype:
            pixels[...] = background
        else:
            with _without(layers.overlay):
                canvas.draw()
            if not layers.changed:
                background = pixels.copy()
                out = io.BytesIO()
                np.save(out, background, allow_pickle=False)
                _keep(f"{key}.png.npy", background, out.getvalue())
        for artist in layers.overlay:
            artist.draw(renderer)
        buf = io.BytesIO()
        # what FigureCanvasAgg.print_png does once the figure is drawn
        mpl.image.imsave(
            buf, canvas.buffer_rgba(), format="png", origin="upper", dpi=fig.dpi, metadata={"Software": None}
        )
    return buf.getvalue()


# --- SVG ------------------------------------------------------------------------------


def _svg_state(renderer) -> dict | None:
    """The SVG renderer's state after the background, for JSON; None when it is not one this module knows."""
    names = set(vars(renderer))
    if not names >= _SVG_CARRIED or names - _SVG_CARRIED - _SVG_OTHER:
        return None
    if any(getattr(renderer, name) for name in _SVG_EMPTY) or renderer._has_gouraud:
        return None
    clips = []
    for dictkey, (clip, oid) in renderer._clipd.items():
        if not (isinstance(dictkey, tuple) and dictkey == clip and all(isinstance(x, float) for x in clip)):
            return None  # a clip path, not a rectangle
        clips.append([list(clip), oid])
    return {
        "groups": dict(renderer._groupd),
        "clips": clips,
        "markers": [[list(k), v] for k, v in renderer._markers.items()],
        "glyphs": list(renderer._glyph_map),
        "counters": {name: getattr(renderer, name) for name in _SVG_COUNTERS},
    }


def _restore_svg_state(renderer, state: dict) -> None:
    renderer._groupd = dict(state["groups"])
    renderer._clipd = {tuple(clip): (tuple(clip), oid) for clip, oid in state["clips"]}
    renderer._markers = {tuple(k): v for k, v in state["markers"]}
    # only membership is read: a glyph already defined is referred to, not written again
    renderer._glyph_map = dict.fromkeys(state["glyphs"])
    for name, value in state["counters"].items():
        setattr(renderer, name, value)


#: The fields of a kept SVG state and their JSON types.
_SVG_FIELDS = {"groups": dict, "clips": list, "markers": list, "glyphs": list, "counters": dict}


def _read_svg(path: Path) -> dict:
    entry = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entry, dict) or not isinstance(entry.get("body"), str):
        raise ValueError(path)
    state = entry.get("state")
    if not isinstance(state, dict):
        raise ValueError(path)
    if any(not isinstance(state.get(field), kind) for field, kind in _SVG_FIELDS.items()):
        raise ValueError(path)
    return entry


def _svg(fig, layers: Layers) -> bytes:
    import matplotlib as mpl
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG

    image_dpi = mpl.rcParams["savefig.dpi"]
    if image_dpi == "figure":
        image_dpi = fig.dpi
    key = _full_key(fig, layers, "svg", image_dpi)
    width, height = fig.get_size_inches()
    stream = io.StringIO()
    # what FigureCanvasSVG.print_svg does, with the background drawn or restored first
    with _canvas(fig, FigureCanvasSVG, 72):
        svg = RendererSVG(width * 72, height * 72, stream, image_dpi=image_dpi, metadata=SVG_METADATA)
        renderer = MixedModeRenderer(fig, width, height, image_dpi, svg)
        start = stream.tell()
        entry = None if layers.changed else _recall(f"{key}.svg.json", _read_svg)
        if entry is not None:
            stream.write(entry["body"])
            _restore_svg_state(svg, entry["state"])
        else:
            with _without(layers.overlay):
                fig.draw(renderer)
            state = _svg_state(svg)
            if state is not None and not layers.changed:
                entry = {"body": stream.getvalue()[start:], "state": state}
                _keep(f"{key}.svg.json", entry, json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        for artist in layers.overlay:
            artist.draw(renderer)
        renderer.finalize()
    return stream.getvalue().encode("utf-8")
