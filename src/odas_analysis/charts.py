"""Figure builders for the notebooks.

Each function returns a :class:`matplotlib.figure.Figure` drawn in the project style
(:mod:`odas_analysis.plots`), with French titles and labels and a note at the bottom
that names the source and the vintage of what is drawn. None of them calls
``plt.show()``: a notebook hands the figure to :func:`odas_analysis.export.figure`,
which writes it (SVG + PNG) and displays it once::

    fig = charts.timeline()
    export.figure(fig, "calendrier")

Missing values are drawn as missing (a gap, ``n.d.``), never filled in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import french, plots, study, synthesis

NOTE_FONTSIZE = 7.5
NOTE_WRAP = 118


# ---------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------


def add_note(fig, text: str, *, wrap: int = NOTE_WRAP) -> None:
    """Write ``text`` (source, vintage, caveats) under the axes of ``fig``.

    The constrained layout is told to keep room for it, so nothing overlaps.
    """
    if not text:
        return
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, wrap) or [""])
    height_in = 0.06 + 0.145 * len(lines)
    frac = min(0.45, height_in / fig.get_figheight())
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, frac, 1, 1 - frac))
    fig.text(0.01, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=NOTE_FONTSIZE, color="#4d5656")


def _month_axis(ax, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Quarterly ticks with French month abbreviations and the year."""
    ticks = pd.date_range(start.to_period("Q").start_time, end, freq="QS")
    ax.set_xticks(list(ticks))
    ax.set_xticklabels([f"{synthesis.MONTHS_FR_SHORT[t.month - 1]}\n{t.year}" for t in ticks], fontsize=8)
    ax.set_xlim(start, end)


# ---------------------------------------------------------------------------
# Methodology: the calendar
# ---------------------------------------------------------------------------


def short_french_date(value) -> str:
    """``1er juil.``, ``21 mars``: day and abbreviated month (the year is on the axis)."""
    ts = pd.Timestamp(value)
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {synthesis.MONTHS_FR_SHORT[ts.month - 1]}"


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
        plots.COLORS["site"]
        if rec.kind == "phase"
        else (plots.COLORS["france"] if rec.event_id == "study" else plots.COLORS["departement"])
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
    fig, ax = plots.new_figure(size=(7.6, 0.55 + 0.42 * len(rows)))
    colors = plots.COLORS
    for i, (label, events) in enumerate(rows):
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
        "réunions datées au jour. " + synthesis.sources_note(cal["source_id"]),
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
    fig, ax = plots.new_figure(size=(7.0, 1.9 + 0.42 * depth))
    status_colors = {"published": plots.COLORS["site"], "derived": plots.COLORS["departement"]}
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
            ax.text(col + 0.5, y + 0.5, f"{rec.name}{star}", ha="center", va="center", fontsize=8.5, color="white")
    ax.set_xlim(0, len(axes))
    ax.set_ylim(-0.75, depth + 1.6)
    ax.axis("off")
    ax.legend(
        handles=[Patch(color=c, label=f"axe {synthesis.AXIS_STATUS_FR[k]}") for k, c in status_colors.items()],
        loc="lower center",
        fontsize=7.5,
        ncols=2,
    )
    ax.set_title("Les onze sites par axe de recherche")
    add_note(
        fig,
        "* site déjà étudié en 2010-2012. "
        + synthesis.sources_note(list(frame["source_id"]) + list(frame["axis_source_id"])),
    )
    return fig


# ---------------------------------------------------------------------------
# One site: against its references, within the national distribution
# ---------------------------------------------------------------------------

#: Indicators of :func:`site_vs_references`: the rates for which the département,
#: région and France values exist (sums over communes), plus the poverty rate, whose
#: references are not available (drawn as "n.d." so that the gap shows).
REFERENCE_INDICATORS: tuple[tuple[str, int], ...] = (
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
    ("turnout_presidential_2017_round2", 2017),
    ("poverty_rate_60", 2016),
)

#: Indicators of :func:`site_in_distribution` (one vintage each, the one of the
#: cross-site table).
DISTRIBUTION_INDICATORS: tuple[tuple[str, int], ...] = (
    ("population_municipale", 2016),
    ("median_disposable_income_per_cu", 2016),
    ("poverty_rate_60", 2016),
    ("interdecile_ratio_d9_d1", 2016),
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
)


def _spec_for(indicator: str, data_year: int) -> synthesis.IndicatorSpec:
    for spec in synthesis.CROSS_SITE_INDICATORS:
        if spec.indicator == indicator and spec.data_year == data_year:
            return spec
    return synthesis.IndicatorSpec(indicator, data_year, indicator, "", 1)


def _panels(count: int, *, ncols: int, row_height: float, top: float):
    """A figure of ``count`` small panels on ``ncols`` columns; unused panels hidden."""
    nrows = -(-count // ncols)
    fig, axes = plots.new_figure(nrows, ncols, size=(7.6, top + row_height * nrows))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[count:]:
        ax.axis("off")
    return fig, axes


def _format_value(value, decimals: int) -> str:
    return french.number(value, decimals)


def site_vs_references(site_id: str, indicators: Sequence[tuple[str, int]] = REFERENCE_INDICATORS):
    """One panel per indicator: the site, its département, its région and France.

    Values that are not available (Filosofi rates have no département, région or France
    value in the files read) are written ``n.d.`` on their row, not drawn.
    """
    from .national import territory

    study.check_site_id(site_id)
    info = study.site(site_id)
    table = territory.comparison_table(site_id, french=False)
    levels = [
        ("site", str(info["name"]), plots.COLORS["site"]),
        ("département", f"{info['dep_name']} ({info['dep_code']})", plots.COLORS["departement"]),
        ("région", str(info["reg_name"]), plots.COLORS["region"]),
        ("France", "France", plots.COLORS["france"]),
    ]
    fig, axes = _panels(len(indicators), ncols=2, row_height=1.75, top=0.6)
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
        for pos, ((lev, label, color), value) in enumerate(zip(levels, values)):
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
        plots.french_axis(ax, "x", 0 if span[1] - span[0] + 2 * pad >= 6 else 1)
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
    add_note(fig, note + synthesis.sources_note(sources))
    return fig


def site_in_distribution(site_id: str, indicators: Sequence[tuple[str, int]] = DISTRIBUTION_INDICATORS):
    """Where the site stands among the communes (or the EPCI) of France, indicator by indicator.

    Each panel draws the national quantile curve (value at each percentile of the
    communes, or of the EPCI for an agglomeration; unweighted) and marks the site at its
    percentile rank. Population uses a logarithmic scale.
    """
    from .national import territory

    study.check_site_id(site_id)
    info = study.site(site_id)
    fig, axes = _panels(len(indicators), ncols=3, row_height=2.1, top=0.8)
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
        ax.plot(dist["percentile"], dist["value"], color=plots.COLORS["neutral"], linewidth=1.4)
        value, rank = dist["site_value"].iloc[0], dist["site_pct_rank"].iloc[0]
        if spec.log_scale:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(_log_formatter())
            ax.yaxis.set_minor_formatter(_blank_formatter())
        else:
            plots.french_axis(ax, "y", 1 if spec.decimals >= 2 else 0)
        if pd.isna(value) or pd.isna(rank):
            ax.text(0.03, 0.92, f"{info['name']} : n.d.", transform=ax.transAxes, fontsize=7.5, color="#626567")
        else:
            ax.plot([rank], [value], "o", color=plots.COLORS["highlight"], markersize=7, zorder=3)
            ax.annotate(
                f"{_format_value(value, spec.decimals)}\nrang {french.number(rank, 1)}",
                (rank, value),
                xytext=(-6 if rank > 60 else 6, 6 if rank < 85 else -18),
                textcoords="offset points",
                ha="right" if rank > 60 else "left",
                fontsize=7,
                color=plots.COLORS["highlight"],
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
        "Courbe grise : valeur atteinte à chaque centile (distribution non pondérée) ; point rouge : le site, "
        "à son rang centile (part des territoires dont la valeur est inférieure ou égale). Filosofi : "
        "seuls les territoires où l'INSEE diffuse la valeur (secret statistique), donc surtout les grandes "
        "communes. " + synthesis.sources_note(sources),
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


# ---------------------------------------------------------------------------
# Cross-site: heatmap, typology, the two cohorts
# ---------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _site_names(index: Sequence[str]) -> list[str]:
    names = study.sites().set_index("site_id")["name"].astype(str)
    return [str(names[s]) for s in index]


def indicator_heatmap(
    specs: Sequence[synthesis.IndicatorSpec] = synthesis.CROSS_SITE_INDICATORS, matrix: pd.DataFrame | None = None
):
    """Sites × indicators: colour = position relative to the eleven sites, text = the value.

    The colour is the z-score of the column among the eleven sites (population on a
    log scale), so it reads "above / below the average of the sites", not a national
    position. A missing value is a grey cell marked ``n.d.``.
    """
    from matplotlib.colors import TwoSlopeNorm

    data = synthesis.indicator_matrix(specs) if matrix is None else matrix[[s.key for s in specs]]
    scaled = data.astype("float64").copy()
    for spec in specs:
        col = scaled[spec.key]
        if spec.log_scale:
            col = np.log10(col)
        sd = col.std(ddof=0)
        scaled[spec.key] = (col - col.mean()) / sd if sd and not pd.isna(sd) else col * 0
    fig, ax = plots.new_figure(size=(7.6, 1.6 + 0.34 * len(data)))
    values = np.ma.masked_invalid(scaled.to_numpy())
    cmap = _diverging_cmap()
    image = ax.imshow(values, cmap=cmap, norm=TwoSlopeNorm(0, -2.5, 2.5), aspect="auto")
    for i in range(data.shape[0]):
        for j, spec in enumerate(specs):
            raw = data.iloc[i, j]
            z = scaled.iloc[i, j]
            text = french.MISSING if pd.isna(raw) else french.number(raw, spec.decimals)
            color = "white" if (not pd.isna(z) and abs(z) > 1.4) else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(specs)), [textwrap.fill(f"{s.short_label} ({s.data_year})", 13) for s in specs], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(data)), _site_names(data.index), fontsize=8)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    bar = fig.colorbar(image, ax=ax, shrink=0.7, pad=0.01)
    bar.set_label("écart à la moyenne des 11 sites (écarts types)", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    bar.ax.yaxis.set_major_formatter(french.tick_formatter(0))
    ax.set_title("Les onze sites côte à côte", pad=8)
    add_note(
        fig,
        "Couleur : écart à la moyenne des onze sites, en écarts types (population en logarithme) ; "
        "texte : valeur de l'indicateur. Communes et intercommunalités sont mêlées. "
        + synthesis.indicator_sources(specs),
    )
    return fig


def _diverging_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "odas-diverging", [plots.COLORS["site"], "#f4f6f6", plots.COLORS["highlight"]]
    ).with_extremes(bad="#d5d8dc")


def _cluster_colors(k: int) -> list[str]:
    return [plots.PALETTE[i % len(plots.PALETTE)] for i in range(k)]


def typology_dendrogram(typ: synthesis.Typology):
    """Ward dendrogram of the sites, leaves coloured by the retained groups."""
    from scipy.cluster.hierarchy import dendrogram

    colors = _cluster_colors(typ.k)
    names = _site_names(typ.labels.index)
    fig, ax = plots.new_figure(size=(7.6, 4.2))
    cut = float(typ.selection.loc[typ.selection["k"] == typ.k, "merge_height"].iloc[0])
    previous = float(typ.linkage[len(typ.labels) - typ.k - 1, 2])
    threshold = (cut + previous) / 2
    n = len(typ.labels)
    link_colors: dict[int, str] = {}
    for i, row in enumerate(typ.linkage):
        node = n + i
        members = _leaves_under(typ.linkage, node, n)
        groups = {int(typ.labels.iloc[m]) for m in members}
        link_colors[node] = colors[groups.pop() - 1] if len(groups) == 1 else plots.COLORS["neutral"]
    dendrogram(
        typ.linkage,
        ax=ax,
        labels=names,
        orientation="right",
        link_color_func=lambda node: link_colors[node],
        leaf_font_size=8,
    )
    ax.invert_yaxis()  # first leaf on top, as groups are numbered from the top
    for label in ax.get_yticklabels():
        site_pos = names.index(label.get_text())
        label.set_color(colors[int(typ.labels.iloc[site_pos]) - 1])
    ax.axvline(threshold, color=plots.COLORS["highlight"], linestyle="--", linewidth=0.9)
    ax.annotate(
        f"coupe en {typ.k} groupes",
        (threshold, 0),
        xytext=(4, 4),
        textcoords="offset points",
        xycoords=("data", "axes fraction"),
        fontsize=7.5,
        color=plots.COLORS["highlight"],
    )
    ax.set_xlabel("hauteur de fusion (critère de Ward, distances entre indicateurs standardisés)")
    plots.french_axis(ax, "x", 0)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_title("Typologie des sites : classification hiérarchique de Ward")
    add_note(fig, _typology_note(typ))
    return fig


def _leaves_under(link: np.ndarray, node: int, n: int) -> list[int]:
    if node < n:
        return [node]
    left, right = int(link[node - n, 0]), int(link[node - n, 1])
    return _leaves_under(link, left, n) + _leaves_under(link, right, n)


def _typology_note(typ: synthesis.Typology) -> str:
    specs = [
        synthesis.CROSS_SITE_INDICATORS[[s.key for s in synthesis.CROSS_SITE_INDICATORS].index(c)]
        for c in typ.raw.columns
    ]
    used = ", ".join(f"{_lower_first(s.short_label)} {s.data_year}" for s in specs)
    return (
        f"Indicateurs : {used} (population en logarithme), centrés-réduits sur les onze sites. "
        + synthesis.indicator_sources(specs)
    )


def typology_map(typ: synthesis.Typology):
    """The sites on the first two principal components, coloured by group."""
    coords, share = typ.components()
    colors = _cluster_colors(typ.k)
    names = _site_names(coords.index)
    fig, ax = plots.new_figure(size=(7.6, 4.6))
    for group in range(1, typ.k + 1):
        mask = (typ.labels == group).to_numpy()
        ax.scatter(
            coords.loc[mask, "pc1"],
            coords.loc[mask, "pc2"],
            s=40,
            color=colors[group - 1],
            label=f"groupe {group}",
            zorder=3,
        )
    for offset, (_, row), name in zip(_label_offsets(coords), coords.iterrows(), names):
        ax.annotate(
            name,
            (row["pc1"], row["pc2"]),
            xytext=offset,
            textcoords="offset points",
            fontsize=7.5,
            va="top" if offset[1] < 0 else "baseline",
        )
    ax.axhline(0, color="#d5d8dc", linewidth=0.8)
    ax.axvline(0, color="#d5d8dc", linewidth=0.8)
    ax.set_xlabel(f"composante 1 ({french.percent(share[0], 0)} de la variance)")
    ax.set_ylabel(f"composante 2 ({french.percent(share[1], 0)} de la variance)")
    plots.french_axis(ax, "both", 1)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="best", fontsize=8)
    ax.set_title("Carte des sites (analyse en composantes principales)")
    loadings = _loadings_text(typ)
    add_note(fig, f"Composantes : {loadings}. " + _typology_note(typ))
    return fig


def _label_offsets(coords: pd.DataFrame, near: float = 0.06) -> list[tuple[int, int]]:
    """Label offsets (points) that put a label below its point when an earlier point is close."""
    span = (coords.max() - coords.min()).replace(0, 1)
    scaled = (coords - coords.min()) / span
    offsets: list[tuple[int, int]] = []
    for i in range(len(scaled)):
        close = any(
            abs(scaled.iloc[i, 0] - scaled.iloc[j, 0]) < 2 * near
            and abs(scaled.iloc[i, 1] - scaled.iloc[j, 1]) < near
            and offsets[j][1] > 0
            for j in range(i)
        )
        offsets.append((5, -5) if close else (5, 3))
    return offsets


def _loadings_text(typ: synthesis.Typology) -> str:
    """The two strongest indicators of each of the first two components, with their sign."""
    _, _, vt = np.linalg.svd(typ.z.to_numpy(), full_matrices=False)
    parts = []
    for i in range(2):
        vec = vt[i]
        # align with the signs used by Typology.components()
        j = int(np.argmax(np.abs(vec)))
        if vec[j] < 0:
            vec = -vec
        top = np.argsort(-np.abs(vec), kind="stable")[:2]
        words = []
        for t in top:
            label = synthesis.indicator_spec(typ.z.columns[t]).short_label
            words.append(f"{_lower_first(label)} ({'+' if vec[t] > 0 else '−'})")
        parts.append(f"{i + 1} ≈ " + " et ".join(words))
    return f"{french.NNBSP}; ".join(parts)


def cohorts(
    specs: Sequence[synthesis.IndicatorSpec] = synthesis.CROSS_SITE_INDICATORS, matrix: pd.DataFrame | None = None
):
    """The four sites of the 2010-2012 study against the seven new ones, indicator by indicator."""
    data = synthesis.indicator_matrix(specs) if matrix is None else matrix
    cohort = study.sites().set_index("site_id")["in_2010_2012_study"].reindex(data.index).astype(bool)
    fig, axes = _panels(len(specs), ncols=4, row_height=2.2, top=0.8)
    groups = [("2010-2012", True, plots.COLORS["highlight"]), ("nouveaux", False, plots.COLORS["site"])]
    for ax, spec in zip(axes, specs):
        values = data[spec.key]
        for x, (label, flag, color) in enumerate(groups):
            sel = values[(cohort == flag).to_numpy()].dropna()
            offsets = np.linspace(-0.12, 0.12, len(sel)) if len(sel) > 1 else np.zeros(len(sel))
            ax.scatter(x + offsets, sel, s=18, color=color, zorder=3)
            if len(sel):
                ax.hlines(sel.mean(), x - 0.25, x + 0.25, color=color, linewidth=1.6)
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
        plots.french_axis(ax, "y", 1 if spec.decimals >= 2 else 0)
        ax.set_xticks([0, 1], [f"{g[0]}\n(n = {int((cohort == g[1]).sum())})" for g in groups], fontsize=7)
        ax.set_xlim(-0.6, 1.6)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(textwrap.fill(f"{spec.short_label} ({spec.data_year})", 22), fontsize=8)
    fig.suptitle("Sites déjà étudiés en 2010-2012 et nouveaux sites", x=0.01, ha="left", fontsize=11, fontweight="bold")
    add_note(
        fig,
        "Points : sites ; trait : moyenne du groupe. Valenciennes Métropole compte parmi les nouveaux sites "
        "(l'étude 2010-2012 portait sur la ville de Valenciennes). " + synthesis.indicator_sources(specs),
    )
    return fig


# ---------------------------------------------------------------------------
# One hypothesis
# ---------------------------------------------------------------------------


def hypothesis_sites(result):
    """The sites on the hypothesis' grid variables: conditions and outcome, levels 0 to 3.

    ``result`` is a :class:`odas_analysis.hypotheses.HypothesisResult`. Rows are sites
    (sorted by the outcome, then by name), columns the conditions then the outcome; the
    share of segments coded "supports" is written beside each row. The note says when
    the data are simulated.
    """
    from . import fieldwork, hypotheses

    ops = hypotheses.operationalisation(result.hypothesis_id)
    grid = ops[(ops["data_source"] == "grid") & ops["element"].isin(["condition", "outcome"])]
    outcome = [str(v) for v in grid.loc[grid["element"] == "outcome", "variable_id"]]
    columns = [str(v) for v in grid.loc[grid["element"] == "condition", "variable_id"]] + outcome
    labels = dict(zip(grid["variable_id"].astype(str), grid["label_fr"].astype(str)))
    data = result.site_data.copy()
    names = dict(zip(study.site_ids(), _site_names(study.site_ids())))
    data["_name"] = [names[s] for s in data.index]
    data = data.sort_values([*outcome, "_name"], ascending=[False] * len(outcome) + [True], kind="stable")
    values = data[columns].to_numpy(dtype=float)
    fig, ax = plots.new_figure(size=(7.6, 1.9 + 0.3 * len(data)))
    from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("odas-levels", ["#f4f6f6", plots.COLORS["site"]], N=4).with_extremes(
        bad="#d5d8dc"
    )
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5], 4), aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(
                j,
                i,
                french.MISSING if np.isnan(v) else french.number(v, 0),
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if (not np.isnan(v) and v >= 2) else "black",
            )
    if "support_share" in data.columns:
        for i, share in enumerate(data["support_share"]):
            text = french.MISSING if pd.isna(share) else french.percent(share, 0)
            ax.text(len(columns) - 0.4, i, text, ha="left", va="center", fontsize=7.5)
        ax.text(len(columns) - 0.4, -0.9, "passages\n« confirme »", ha="left", va="bottom", fontsize=7)
    ax.axvline(len(columns) - len(outcome) - 0.5, color="white", linewidth=3)
    ax.set_xticks(
        range(len(columns)),
        [textwrap.fill(("Résultat : " if c in outcome else "") + labels[c], 18) for c in columns],
        fontsize=7,
    )
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(data)), list(data["_name"]), fontsize=8)
    ax.set_xlim(-0.5, len(columns) + 0.6)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_title(f"{result.hypothesis_id} : niveaux de la grille d'évaluation par site", pad=8)
    add_note(
        fig,
        "Niveaux de 0 (absent) à 3 (pleinement présent), évaluation principale des chercheurs ; colonne de "
        "droite : part des passages d'entretien codés « confirme » sur l'hypothèse. " + fieldwork.source_note_fr(),
    )
    return fig


def hypothesis_testimony(result):
    """Share of coded segments that support the hypothesis, by group of actors (GEE)."""
    from . import fieldwork

    table = result.gee_table
    fig, ax = plots.new_figure(size=(7.6, 1.4 + 0.45 * len(table)))
    positions = list(range(len(table)))[::-1]
    for pos, row in zip(positions, table.itertuples(index=False)):
        ax.plot([row.ic_bas, row.ic_haut], [pos, pos], color=plots.COLORS["departement"], linewidth=2.5)
        ax.plot([row.part_modele], [pos], "o", color=plots.COLORS["site"], markersize=7, zorder=3)
        ax.plot([row.part_observee], [pos], "|", color=plots.COLORS["highlight"], markersize=12, zorder=3)
        ax.text(
            1.03,
            pos,
            f"{french.percent(row.part_observee, 0)} de\n{french.number(row.segments)} passages",
            va="center",
            fontsize=7,
        )
    ax.axvline(0.5, color=plots.COLORS["neutral"], linestyle=":", linewidth=1)
    ax.set_xlim(0, 1.22)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_yticks(positions, [str(g) for g in table["groupe"]], fontsize=8)
    plots.french_axis(ax, "x", 0, percent=True)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_xlabel("part des passages qui confirment l'hypothèse")
    ax.set_title(f"{result.hypothesis_id} : ce qu'en disent les acteurs rencontrés")
    add_note(
        fig,
        "Point : part estimée par le modèle (GEE binomiale, grappes = sites) et son intervalle à 95 % ; "
        "trait rouge : part observée. " + fieldwork.source_note_fr(),
    )
    return fig
