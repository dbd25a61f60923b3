"""Figures of a territory profile: the territory against its references, and within the national distribution.

The same functions draw the ``territoire`` notebook (any commune or EPCI) and the
territory section of the site notebook, from a :class:`~odas_analysis.national.profile.Profile`::

    from odas_analysis.figures import territoire as figures
    export.figure(figures.references(p), "references", alt="...")

Values that are not available are written ``n.d.`` (with the reason, e.g. secret
statistique), never imputed.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Sequence

import pandas as pd

from .. import french
from ..indicators import spec as _spec
from ..national.profile import Profile
from ..tables.common import sources_note
from . import layers
from .common import Margins, add_note, fixed_axis_labels, panels
from .style import COLORS, french_axis, text_width

#: Indicators of :func:`references`: the rates with département, région and France
#: values (sums over communes), plus the poverty rate, whose references are not in the
#: files (drawn as "n.d." so that the gap shows).
REFERENCE_INDICATORS: tuple[tuple[str, int], ...] = (
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
    ("turnout_presidential_2017_round2", 2017),
    ("poverty_rate_60", 2016),
)

#: Indicators of :func:`distribution`, one vintage each (those of the cross-site table).
DISTRIBUTION_INDICATORS: tuple[tuple[str, int], ...] = (
    ("population_municipale", 2016),
    ("median_disposable_income_per_cu", 2016),
    ("poverty_rate_60", 2016),
    ("interdecile_ratio_d9_d1", 2016),
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
)

GREY = "#626567"

#: Ticks of the percentile axis of :func:`distribution`.
PERCENTILE_TICKS = (0, 25, 50, 75, 100)

# The panels of both figures are placed at fixed margins (inches) rather than by
# constrained layout, which measured every text of the figure twice, page after page:
# they are those it found for these panels, whose titles are wrapped to at most
# TITLE_LINES lines. Only the width of the names left of the reference panels varies; it
# is measured (PAD: matplotlib's constrained-layout padding, 3 points; the tick and its
# label's pad are 3.5 points each). A figure with longer titles gets constrained layout.
PAD = 3 / 72
TICK_ROOM = 7 / 72
TITLE_LINES = 2
#: Size of the names of the reference panels, and of their axis's tick labels, in points.
NAME_SIZE = 8
TICK_SIZE = 7.5
DISTRIBUTION_MARGINS = Margins(left=0.52, right=0.13, bottom=0.40, top=0.5, between_columns=0.52, between_rows=0.78)


#: The rows of a reference panel, top to bottom: column of the profile row, colour.
LEVELS = (
    ("value", COLORS["site"]),
    ("dep_value", COLORS["departement"]),
    ("reg_value", COLORS["region"]),
    ("france_value", COLORS["france"]),
)


def _level_names(profile: Profile) -> list[str]:
    t = profile.territory
    return [t.name, f"{t.dep_name} ({t.dep_code})" if t.dep_name else t.dep_code, t.reg_name or t.reg_code, "France"]


def _levels(profile: Profile, row: pd.Series) -> list[tuple[str, float, str]]:
    return [(name, row[column], color) for name, (column, color) in zip(_level_names(profile), LEVELS, strict=True)]


def _name_label(name: str) -> str:
    """A name as the reference panels write it: at most 44 characters, on lines of 24."""
    return textwrap.fill(textwrap.shorten(name, 44), 24)


def _reference_title(spec) -> str:
    unit = f", {spec.unit}" if spec.unit else ""
    return textwrap.fill(f"{spec.short_label} ({spec.data_year}{unit})", 36)


def _distribution_title(spec, year: int) -> str:
    return textwrap.fill(f"{spec.short_label} ({year})", 30)


def _fits(titles: Sequence[str]) -> bool:
    return all(title.count("\n") < TITLE_LINES for title in titles)


def _reference_margins(profile: Profile, titles: Sequence[str]) -> Margins | None:
    """Room for the widest of the four names at the left of each column (None: titles too long)."""
    if not _fits(titles):
        return None
    left = PAD + max(text_width(_name_label(name), NAME_SIZE) for name in _level_names(profile)) + TICK_ROOM
    # a tick can fall on the right end of the axis: half its label passes the frame
    right = PAD + text_width("100,0", TICK_SIZE) / 2
    return Margins(left=left, right=right, bottom=0.24, top=0.66, between_columns=left + right, between_rows=0.66)


def _missing_label(row: pd.Series, level: int) -> str:
    if level == 0 and not pd.isna(row["status"]) and str(row["status"]):
        return f"{french.MISSING} ({row['status']})"
    return french.MISSING


#: Points between a dot of a reference panel and its value, and the value's size.
VALUE_OFFSET = 7
VALUE_SIZE = 8


def _right_limit(ax, left: float, right: float, labels: Sequence[tuple[float, str]]) -> float:
    """The right end of the x axis, moved out until each value's label ends inside its panel."""
    width = ax.get_position().width * ax.get_figure().get_figwidth()
    for value, label in labels:
        room = 1 - (VALUE_OFFSET / 72 + text_width(label, VALUE_SIZE)) / width
        if room > 0:
            right = max(right, left + (value - left) / room)
    return right


def _reference_panel(ax, profile: Profile, row: pd.Series, spec) -> None:
    levels = _levels(profile, row)
    finite = [float(v) for _, v, _ in levels if not pd.isna(v)]
    span = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = max(1.0, (span[1] - span[0]) * 0.25)
    labels = [(v, french.number(v, spec.decimals)) for v in finite]
    ax.set_xlim(span[0] - pad, _right_limit(ax, span[0] - pad, span[1] + pad * 1.6, labels))
    for pos, (_label, value, color) in enumerate(levels):
        y = len(levels) - 1 - pos
        if pd.isna(value):
            ax.annotate(_missing_label(row, pos), (span[0] - pad * 0.9, y), va="center", fontsize=8, color=GREY)
            continue
        ax.plot([value], [y], "o", markersize=8, color=color)
        ax.annotate(
            french.number(value, spec.decimals),
            (value, y),
            xytext=(VALUE_OFFSET, 0),
            textcoords="offset points",
            va="center",
            fontsize=VALUE_SIZE,
        )
    ax.set_yticks(range(len(levels)), [_name_label(lab) for lab, _, _ in levels][::-1], fontsize=NAME_SIZE)
    ax.set_ylim(-0.6, len(levels) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    decimals = 0 if span[1] - span[0] + 2 * pad >= 6 else 1
    ax.xaxis.set_major_locator(_few_ticks(integer=decimals == 0))
    french_axis(ax, "x", decimals)
    ax.tick_params(axis="x", labelsize=TICK_SIZE)
    ax.set_title(_reference_title(spec), fontsize=9)
    if not finite:
        ax.set_xticks([])
    fixed_axis_labels(ax)


def references(profile: Profile, indicators: Sequence[tuple[str, int]] = REFERENCE_INDICATORS):
    """One panel per indicator: the territory, its département, its région and France.

    Values that are not available are written ``n.d.`` on their row, not drawn; for the
    territory itself the reason follows (``n.d. (secret statistique)``).
    """
    t = profile.territory
    specs = [_spec(indicator, year) for indicator, year in indicators]
    margins = _reference_margins(profile, [_reference_title(spec) for spec in specs])
    fig, axes = panels(len(indicators), ncols=2, row_height=1.75, top=0.6, margins=margins)
    sources: list[str] = []
    scopes: list[str] = []
    for ax, (indicator, year), spec in zip(axes, indicators, specs, strict=False):
        row = profile.row(indicator, year)
        sources.append(str(row["source_id"]))
        _reference_panel(ax, profile, row, spec)
        if not pd.isna(row["france_value"]) and not pd.isna(row["france_scope"]):
            text = f"{spec.short_label} {year} : {row['france_scope']}"
            if text not in scopes:
                scopes.append(text)
    fig.suptitle(
        f"{t.name} face à son département, sa région et la France", x=0.01, ha="left", fontsize=11, fontweight="bold"
    )
    note = "n.d. : valeur non disponible dans les fichiers nationaux lus (non imputée). "
    if scopes:
        note += "Champ France : " + f"{french.NNBSP}; ".join(scopes) + ". "
    add_note(fig, note + sources_note(sources))
    return fig


def _distribution_curve(ax, spec, year: int, dist: pd.DataFrame) -> tuple[str, str] | None:
    """Draw one national quantile curve and its axes; return (population, source) or None.

    Everything drawn here is the same for every territory of the population: it is the
    background of :func:`distribution`, named by :func:`_curve_key`.
    """
    ax.set_title(_distribution_title(spec, year), fontsize=8.5)
    if dist.empty:
        ax.text(
            0.5,
            0.5,
            "distribution\nnon disponible",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=8,
            color=GREY,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return None
    population = str(dist["rank_population"].iloc[0])
    n = int(dist["n_in_distribution"].iloc[0])
    ax.plot(dist["percentile"].astype(float), dist["value"].astype(float), color=COLORS["neutral"], linewidth=1.4)
    if spec.log_scale:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(_log_formatter())
        ax.yaxis.set_minor_locator(_log_minor_ticks())
        ax.yaxis.set_minor_formatter(_blank_formatter())
    else:
        decimals = 1 if spec.decimals >= 2 else 0
        ax.yaxis.set_major_locator(_few_ticks(integer=decimals == 0))
        french_axis(ax, "y", decimals)
    # the limits the curve alone gives (the territory lies on it): the point drawn
    # over it must not move them
    ax.set_ylim(ax.get_ylim())
    ax.set_xlabel(f"centile des {population} (n = {french.integer(n)})", fontsize=7.5)
    ax.set_xlim(0, 100)
    ax.set_xticks(PERCENTILE_TICKS)
    ax.tick_params(labelsize=7)
    ax.grid(axis="x", visible=True)
    fixed_axis_labels(ax)
    return population, str(dist["source_id"].iloc[0])


def _curve_key(spec, year: int, dist: pd.DataFrame) -> tuple:
    """What :func:`_distribution_curve` draws that comes from data: title, scale and the curve itself."""
    if dist.empty:
        return (_distribution_title(spec, year),)
    curve = dist[["percentile", "value"]].to_numpy(dtype=float)
    digest = hashlib.sha256(curve.tobytes()).hexdigest()
    fields = ("rank_population", "n_in_distribution", "source_id")
    return (_distribution_title(spec, year), bool(spec.log_scale), int(spec.decimals), digest) + tuple(
        str(dist[field].iloc[0]) for field in fields
    )


def _territory_point(ax, profile: Profile, spec, indicator: str, year: int) -> list:
    """Draw the territory on its panel's curve (or say its value is missing); return what was drawn."""
    row = profile.row(indicator, year)
    value, rank = row["value"], row["pct_rank"]
    if pd.isna(value) or pd.isna(rank):
        label = f"{profile.territory.name} : {_missing_label(row, 0)}"
        return [
            ax.text(0.03, 0.92, textwrap.fill(label, 34), transform=ax.transAxes, fontsize=7.5, color=GREY, va="top")
        ]
    (point,) = ax.plot([rank], [value], "o", color=COLORS["highlight"], markersize=7, zorder=3)
    label = ax.annotate(
        f"{french.number(value, spec.decimals)}\nrang {french.number(rank, 1)}",
        (rank, value),
        xytext=(-6 if rank > 60 else 6, 6 if rank < 85 else -18),
        textcoords="offset points",
        ha="right" if rank > 60 else "left",
        fontsize=7,
        color=COLORS["highlight"],
    )
    return [point, label]


def distribution(profile: Profile, indicators: Sequence[tuple[str, int]] = DISTRIBUTION_INDICATORS):
    """Where the territory stands among the communes (or the EPCI) of France, indicator by indicator.

    Each panel draws the national quantile curve (value at each percentile, unweighted)
    and marks the territory at its percentile rank. Population on a logarithmic scale.

    The curves, their axes and titles are those of every territory of the same
    population: they are drawn once, as the figure's background
    (:mod:`odas_analysis.figures.layers`), and the territory's points, values and title
    over them on each page.
    """
    titles = [_distribution_title(_spec(indicator, year), year) for indicator, year in indicators]
    margins = DISTRIBUTION_MARGINS if _fits(titles) else None
    fig, axes = panels(len(indicators), ncols=3, row_height=2.1, top=0.8, margins=margins)
    sources: list[str] = []
    populations: list[str] = []
    overlay: list = []
    key: list = ["territoire.distribution", len(indicators)]
    for ax, (indicator, year) in zip(axes, indicators, strict=False):
        spec = _spec(indicator, year)
        dist = profile.distribution(indicator, year)
        drawn = _distribution_curve(ax, spec, year, dist)
        key.append(_curve_key(spec, year, dist))
        if drawn is None:
            continue
        overlay += _territory_point(ax, profile, spec, indicator, year)
        if drawn[0] not in populations:
            populations.append(drawn[0])
        sources.append(drawn[1])
    who = " et des ".join(populations) or "communes"
    overlay.append(
        fig.suptitle(
            f"{profile.territory.name} dans la distribution nationale des {who}",
            x=0.01,
            ha="left",
            fontsize=11,
            fontweight="bold",
        )
    )
    add_note(
        fig,
        "Courbe grise : valeur atteinte à chaque centile (distribution non pondérée) ; point orange : le "
        "territoire, à son rang centile (part des territoires dont la valeur est inférieure ou égale). Filosofi : "
        "seuls les territoires où l'INSEE diffuse la valeur (secret statistique), donc surtout les grandes "
        "communes. " + sources_note(sources),
    )
    if margins is not None:
        layers.set_overlay(fig, overlay, key=tuple(key))
    return fig


def compact_number(value: float) -> str:
    """Tick label of a logarithmic axis: ``10 000``, ``1 M``, ``10 M`` (millions)."""
    if value >= 1_000_000:
        return french.number(value / 1_000_000, 0, unit="M")
    return french.number(value, 0)


def _log_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: compact_number(x))


def _blank_formatter():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()


# A small panel reads well with four or five ticks, and each tick matplotlib lays out is
# paid at every draw of a national batch (a tick costs about as much as a short text).


def _few_ticks(*, integer: bool):
    """At most five ticks at round values; whole numbers only when the labels have no decimals."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=4, steps=[1, 2, 5, 10], integer=integer)


def _log_minor_ticks():
    from matplotlib.ticker import LogLocator

    return LogLocator(subs=(2.0, 5.0))
