"""Figures of the site notebook: the site against its references, and within the national distribution.

::

    from odas_analysis.figures import site as figures
    export.figure(figures.references(site_id), "territoire-references", alt="...")

Values that are not available are written ``n.d.``, never imputed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import french, study
from ..tables.common import sources_note
from ..tables.indicators import CROSS_SITE_INDICATORS, IndicatorSpec
from .common import add_note, panels
from .style import COLORS, french_axis

#: Indicators of :func:`references`: the rates for which the département,
#: région and France values exist (sums over communes), plus the poverty rate, whose
#: references are not available (drawn as "n.d." so that the gap shows).
REFERENCE_INDICATORS: tuple[tuple[str, int], ...] = (
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
    ("turnout_presidential_2017_round2", 2017),
    ("poverty_rate_60", 2016),
)

#: Indicators of :func:`distribution` (one vintage each, the one of the
#: cross-site table).
DISTRIBUTION_INDICATORS: tuple[tuple[str, int], ...] = (
    ("population_municipale", 2016),
    ("median_disposable_income_per_cu", 2016),
    ("poverty_rate_60", 2016),
    ("interdecile_ratio_d9_d1", 2016),
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
)


def _spec_for(indicator: str, data_year: int) -> IndicatorSpec:
    for spec in CROSS_SITE_INDICATORS:
        if spec.indicator == indicator and spec.data_year == data_year:
            return spec
    return IndicatorSpec(indicator, data_year, indicator, "", 1)


def _format_value(value, decimals: int) -> str:
    return french.number(value, decimals)


def references(site_id: str, indicators: Sequence[tuple[str, int]] = REFERENCE_INDICATORS):
    """One panel per indicator: the site, its département, its région and France.

    Values that are not available (Filosofi rates have no département, région or France
    value in the files read) are written ``n.d.`` on their row, not drawn.
    """
    from ..national import territory

    study.check_site_id(site_id)
    info = study.site(site_id)
    table = territory.comparison_table(site_id, french=False)
    levels = [
        ("site", str(info["name"]), COLORS["site"]),
        ("département", f"{info['dep_name']} ({info['dep_code']})", COLORS["departement"]),
        ("région", str(info["reg_name"]), COLORS["region"]),
        ("France", "France", COLORS["france"]),
    ]
    fig, axes = panels(len(indicators), ncols=2, row_height=1.75, top=0.6)
    sources: list[str] = []
    scopes: list[str] = []
    for ax, (indicator, year) in zip(axes, indicators):
        spec = _spec_for(indicator, year)
        sel = table[(table["indicator"] == indicator) & (table["data_year"] == year)]
        sources.extend(str(v) for v in sel["source_id"].dropna())
        by_level = {str(r.level): r for r in sel.itertuples(index=False)}
        values = [by_level[lev].value if lev in by_level else np.nan for lev, _, _ in levels]
        finite = [v for v in values if not pd.isna(v)]
        span = (min(finite), max(finite)) if finite else (0.0, 1.0)
        pad = max(1.0, (span[1] - span[0]) * 0.25)
        ax.set_xlim(span[0] - pad, span[1] + pad * 1.6)
        for pos, ((_level, _label, color), value) in enumerate(zip(levels, values)):
            y = len(levels) - 1 - pos
            if pd.isna(value):
                ax.annotate(french.MISSING, (span[0] - pad * 0.9, y), va="center", fontsize=8, color="#626567")
                continue
            ax.plot([value], [y], "o", markersize=8, color=color)
            ax.annotate(
                _format_value(value, spec.decimals),
                (value, y),
                xytext=(7, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.set_yticks(range(len(levels)), [lab for _, lab, _ in levels][::-1], fontsize=8)
        ax.set_ylim(-0.6, len(levels) - 0.4)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        french_axis(ax, "x", 0 if span[1] - span[0] + 2 * pad >= 6 else 1)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.set_title(textwrap.fill(f"{spec.short_label} ({year}, {spec.unit})", 44), fontsize=9)
        france = sel[sel["level"] == "France"]
        for territory_name in france["territory"]:
            text = f"{spec.short_label} {year} : {territory_name}"
            if text not in scopes:
                scopes.append(text)
    fig.suptitle(
        f"{info['name']} face à son département, sa région et la France",
        x=0.01,
        ha="left",
        fontsize=11,
        fontweight="bold",
    )
    note = "n.d. : valeur non disponible dans les fichiers nationaux lus (non imputée). "
    if scopes:
        note += "Champ France : " + f"{french.NNBSP}; ".join(scopes) + ". "
    add_note(fig, note + sources_note(sources))
    return fig


def distribution(site_id: str, indicators: Sequence[tuple[str, int]] = DISTRIBUTION_INDICATORS):
    """Where the site stands among the communes (or the EPCI) of France, indicator by indicator.

    Each panel draws the national quantile curve (value at each percentile of the
    communes, or of the EPCI for an agglomeration; unweighted) and marks the site at its
    percentile rank. Population uses a logarithmic scale.
    """
    from ..national import territory

    study.check_site_id(site_id)
    info = study.site(site_id)
    fig, axes = panels(len(indicators), ncols=3, row_height=2.1, top=0.8)
    sources: list[str] = []
    populations: list[str] = []
    for ax, (indicator, year) in zip(axes, indicators):
        spec = _spec_for(indicator, year)
        dist = territory.site_in_distribution(site_id, indicator, year)
        ax.set_title(textwrap.fill(f"{spec.short_label} ({year})", 30), fontsize=8.5)
        if dist.empty:
            ax.text(
                0.5,
                0.5,
                "distribution\nnon disponible",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=8,
                color="#626567",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        sources.extend(str(v) for v in dist["source_id"].dropna().unique())
        population = str(dist["rank_population"].iloc[0])
        n = int(dist["n_in_distribution"].iloc[0])
        ax.plot(dist["percentile"], dist["value"], color=COLORS["neutral"], linewidth=1.4)
        value, rank = dist["site_value"].iloc[0], dist["site_pct_rank"].iloc[0]
        if spec.log_scale:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(_log_formatter())
            ax.yaxis.set_minor_formatter(_blank_formatter())
        else:
            french_axis(ax, "y", 1 if spec.decimals >= 2 else 0)
        if pd.isna(value) or pd.isna(rank):
            ax.text(0.03, 0.92, f"{info['name']} : n.d.", transform=ax.transAxes, fontsize=7.5, color="#626567")
        else:
            ax.plot([rank], [value], "o", color=COLORS["highlight"], markersize=7, zorder=3)
            ax.annotate(
                f"{_format_value(value, spec.decimals)}\nrang {french.number(rank, 1)}",
                (rank, value),
                xytext=(-6 if rank > 60 else 6, 6 if rank < 85 else -18),
                textcoords="offset points",
                ha="right" if rank > 60 else "left",
                fontsize=7,
                color=COLORS["highlight"],
            )
        who = "communes" if population == "communes" else "EPCI"
        ax.set_xlabel(f"centile des {who} (n = {french.number(n)})", fontsize=7.5)
        ax.set_xlim(0, 100)
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", visible=True)
        if who not in populations:
            populations.append(who)
    fig.suptitle(
        f"{info['name']} dans la distribution nationale des {' et des '.join(populations) or 'communes'}",
        x=0.01,
        ha="left",
        fontsize=11,
        fontweight="bold",
    )
    add_note(
        fig,
        "Courbe grise : valeur atteinte à chaque centile (distribution non pondérée) ; point orange : le site, "
        "à son rang centile (part des territoires dont la valeur est inférieure ou égale). Filosofi : "
        "seuls les territoires où l'INSEE diffuse la valeur (secret statistique), donc surtout les grandes "
        "communes. " + sources_note(sources),
    )
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
