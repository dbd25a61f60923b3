"""Figures of the methodologie notebook: the research-action's calendar, the sites by research axis.

::

    from odas_analysis.figures import methodologie as figures
    export.figure(figures.timeline(), "calendrier", alt="...")

Missing values are drawn as missing (``date non publiée``), never filled in.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from .. import study
from ..tables.common import AXIS_STATUS_FR, sources_note
from .common import add_note
from .style import COLORS, new_figure, text_color

MONTHS_FR_SHORT = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
"""Abbreviated French months, for axis ticks and the dates written on a figure."""


def _month_axis(ax, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Quarterly ticks with French month abbreviations and the year."""
    ticks = pd.date_range(start.to_period("Q").start_time, end, freq="QS")
    ax.set_xticks(list(ticks))
    ax.set_xticklabels([f"{MONTHS_FR_SHORT[t.month - 1]}\n{t.year}" for t in ticks], fontsize=8)
    ax.set_xlim(start, end)


# ---------------------------------------------------------------------------
# Methodology: the calendar
# ---------------------------------------------------------------------------


def short_french_date(value) -> str:
    """``1er juil.``, ``21 mars``: day and abbreviated month (the year is on the axis)."""
    ts = pd.Timestamp(value)
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {MONTHS_FR_SHORT[ts.month - 1]}"


def _number_ranges(numbers) -> str:
    """``1, 2, 4 à 7`` for 1, 2, 4, 5, 6, 7."""
    values = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]} à {values[j]}")
        else:
            parts.extend(str(v) for v in values[i : j + 1])
        i = j + 1
    return ", ".join(parts)


def _period_bar(ax, rec, y: float, midpoint: pd.Timestamp) -> None:
    """One period as a bar; its description beside it, on the side with room."""
    width = (rec.end_date + pd.Timedelta(days=1)) - rec.start_date
    color = (
        COLORS["site"]
        if rec.kind == "phase"
        else (COLORS["france"] if rec.event_id == "study" else COLORS["departement"])
    )
    ax.barh(y, width, left=rec.start_date, height=0.5, color=color)
    text = rec.label.split(" : ", 1)[1] if " : " in rec.label else ""
    if not text:
        return
    if rec.end_date < midpoint:
        ax.annotate(
            text,
            (rec.end_date + pd.Timedelta(days=1), y),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=7.5,
        )
    else:
        ax.annotate(
            text, (rec.start_date, y), xytext=(-4, 0), textcoords="offset points", ha="right", va="center", fontsize=7.5
        )


def timeline(calendar: pd.DataFrame | None = None):
    """The research-action's calendar: study, phases, steering committees, sub-groups.

    Periods known to the month are drawn as bars from the first to the last day of the
    months; single days as diamonds. Events whose date is not published are listed on
    their row as "date non publiée" rather than placed anywhere.
    """
    cal = study.calendar() if calendar is None else calendar
    subgroups = study.subgroups().set_index("subgroup_id")["label"]
    rows: list[tuple[str, pd.DataFrame]] = []
    rows.append(("Recherche-action", cal[cal["event_id"] == "study"]))
    rows.append(("Travaux dans les sites", cal[cal["event_id"] == "local-work"]))
    for phase in sorted(cal.loc[cal["kind"] == "phase", "phase"].dropna().unique()):
        rows.append((f"Phase {int(phase)}", cal[(cal["kind"] == "phase") & (cal["phase"] == phase)]))
    rows.append(("Comités de pilotage", cal[cal["kind"] == "steering_committee"]))
    sg = cal[cal["kind"] == "subgroup_meeting"]
    for sg_id in list(dict.fromkeys(sg["subgroup_id"].dropna())):
        label = str(subgroups.get(sg_id, sg_id))
        rows.append(
            (f"Sous-groupe\n« {textwrap.shorten(label, 38, placeholder='…')} »", sg[sg["subgroup_id"] == sg_id])
        )

    start = cal["start_date"].min() - pd.Timedelta(days=20)
    end = cal["end_date"].max() + pd.Timedelta(days=20)
    fig, ax = new_figure(size=(7.6, 0.55 + 0.42 * len(rows)))
    colors = COLORS
    for i, (_label, events) in enumerate(rows):
        y = len(rows) - 1 - i
        dated = events[events["precision"] != "unknown"]
        undated = events[events["precision"] == "unknown"]
        for rec in dated.itertuples(index=False):
            if rec.precision == "month" or rec.start_date != rec.end_date:
                _period_bar(ax, rec, y, midpoint=start + (end - start) / 2)
            else:
                ax.plot([rec.start_date], [y], marker="D", markersize=6, color=colors["highlight"], linestyle="none")
                ax.annotate(
                    short_french_date(rec.start_date),
                    (rec.start_date, y),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                )
        if len(undated):
            if "session" in undated.columns and undated["session"].notna().all():
                what = f"séances n° {_number_ranges(int(v) for v in undated['session'])} : dates non publiées"
            else:
                what = "dates non publiées"
            anchor, align = (end, "right") if len(dated) else (start, "left")
            ax.annotate(
                what,
                (anchor, y),
                xytext=(-4 if len(dated) else 4, 0),
                textcoords="offset points",
                ha=align,
                va="center",
                fontsize=7.5,
                style="italic",
                color="#626567",
            )
    ax.set_yticks(range(len(rows)), [lab for lab, _ in rows][::-1], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    _month_axis(ax, start, end)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_title("Calendrier de la recherche-action (2015-2017)")
    add_note(
        fig,
        "Barres : périodes publiées au mois près (du premier au dernier jour du mois) ; losanges : "
        "réunions datées au jour. " + sources_note(cal["source_id"]),
    )
    return fig


def sites_by_axis(sites: pd.DataFrame | None = None):
    """The eleven sites as tiles, one column per research axis (annex 1 as far as known).

    A tile's colour says how its axis is known (published by the Odas, or derived by
    elimination); ``*`` marks the sites of the 2010-2012 study, as the report does.
    """
    from matplotlib.patches import Patch, Rectangle

    frame = study.sites() if sites is None else sites
    axes = study.axes()
    depth = int(frame.groupby("axis_id").size().max())
    fig, ax = new_figure(size=(7.0, 1.9 + 0.42 * depth))
    status_colors = {"published": COLORS["site"], "derived": COLORS["departement"]}
    for col, axis in enumerate(axes.itertuples(index=False)):
        members = frame[frame["axis_id"] == axis.axis_id].sort_values("name", kind="stable")
        ax.text(
            col + 0.5,
            depth + 0.1,
            textwrap.fill(f"{axis.axis_id} – {axis.label}", 34),
            ha="center",
            va="bottom",
            fontsize=7.5,
            fontweight="bold",
        )
        for row, rec in enumerate(members.itertuples(index=False)):
            y = depth - 1 - row
            ax.add_patch(Rectangle((col + 0.04, y + 0.06), 0.92, 0.88, color=status_colors[rec.axis_status]))
            star = "*" if bool(rec.in_2010_2012_study) else ""
            tile = status_colors[rec.axis_status]
            ax.text(
                col + 0.5, y + 0.5, f"{rec.name}{star}", ha="center", va="center", fontsize=8.5, color=text_color(tile)
            )
    ax.set_xlim(0, len(axes))
    ax.set_ylim(-0.75, depth + 1.6)
    ax.axis("off")
    ax.legend(
        handles=[Patch(color=c, label=f"axe {AXIS_STATUS_FR[k]}") for k, c in status_colors.items()],
        loc="lower center",
        fontsize=7.5,
        ncols=2,
    )
    ax.set_title("Les onze sites par axe de recherche")
    add_note(
        fig,
        "* site déjà étudié en 2010-2012. " + sources_note(list(frame["source_id"]) + list(frame["axis_source_id"])),
    )
    return fig
