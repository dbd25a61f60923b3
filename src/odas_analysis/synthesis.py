"""Cross-site tables and a typology of the eleven sites.

The notebooks read like a report; the computing behind each sentence lives here, in
plain functions that return :class:`pandas.DataFrame` objects with French column
headers (ready for :func:`odas_analysis.export.table`) or small result objects.

Three groups of functions:

Tables of the study (methodologie and site notebooks)
    :func:`site_card`, :func:`calendar_table`, :func:`fieldwork_totals_table`,
    :func:`sites_by_axis_table`.
Site × indicator tables (synthese notebook)
    :func:`indicator_matrix` (numbers, one row per site), :func:`cross_site_table`
    (the same, for the reader, with vintages in the headers).
Typology and the two cohorts of sites
    :func:`typology` (standardised indicators, Ward's hierarchical clustering, number of
    clusters chosen by the mean silhouette and checked against the largest jump of the
    merge heights), :func:`earlier_vs_new` (the four sites of the 2010-2012 study
    against the seven new ones, exact permutation test per indicator, Holm adjustment).

Nothing is imputed: a missing value stays missing in the tables; the typology only
uses indicators published for every site at one vintage, and says so.

Typical use in a notebook::

    from odas_analysis import synthesis
    typ = synthesis.typology()
    export.table(typ.selection_table(), "typologie-choix-k")
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import french, study
from .errors import ParameterError
from .indicators import CROSS_SITE_INDICATORS, IndicatorSpec

# ---------------------------------------------------------------------------
# French words for dates and sources
# ---------------------------------------------------------------------------

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
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

#: Short French citation of each source id of ``data/sources.csv`` (for notes under
#: figures and tables). Ids missing here fall back to the table's title.
SOURCE_SHORT_FR: dict[str, str] = {
    "ODAS2019": "Odas, « Cohésion sociale et territoires : comment mieux agir ? », mai 2019",
    "ODASWEB-FIN": "Odas, page web « la recherche-action se termine » (fin 2017)",
    "ODASWEB-COPIL": "Odas, page web sur le comité de pilotage du 1er juillet 2016",
    "DERIVED": "déduction du projet odas-analysis (raisonnement indiqué en note)",
    "S1": "INSEE, COG et populations légales 2016 (en vigueur au 1er janvier 2019), EPCI DGCL 2019",
    "S2": "INSEE, COG et populations légales en vigueur au 1er janvier 2026, EPCI DGCL 2026",
    "S3": "INSEE-DGFiP-Cnaf-Cnav-CCMSA, Filosofi 2015 (géographie au 1er janvier 2016)",
    "S4": "INSEE-DGFiP-Cnaf-Cnav-CCMSA, Filosofi 2016 (géographie au 1er janvier 2019)",
    "S5": "INSEE, base comparateur de territoires 2022 (recensement 2018, Filosofi 2019)",
    "S6": "Ministère de l'Intérieur, présidentielle 2017, participation par commune",
}


#: Very short French tag of each source, for a "Source" column (the full citation goes
#: in the note under the table, see :func:`sources_note`).
SOURCE_TAG_FR: dict[str, str] = {
    "ODAS2019": "rapport Odas 2019",
    "ODASWEB-FIN": "site web de l'Odas",
    "ODASWEB-COPIL": "site web de l'Odas",
    "DERIVED": "déduction",
    "S1": "INSEE, COG 2019",
    "S2": "INSEE, COG 2026",
    "S3": "INSEE, Filosofi 2015",
    "S4": "INSEE, Filosofi 2016",
    "S5": "INSEE, comparateur 2022",
    "S6": "Ministère de l'Intérieur",
}


def source_tag(source_id: object) -> str:
    """Very short French tag of a source id (the id itself when unknown)."""
    if source_id is None or source_id is pd.NA:
        return french.MISSING
    return SOURCE_TAG_FR.get(str(source_id), str(source_id))


def french_date(value: object, precision: str = "day") -> str:
    """Write a date the French way: ``1er juillet 2016``, ``septembre 2015``.

    Parameters
    ----------
    value
        A timestamp, a ``date`` or an ISO string; missing gives ``"date non publiée"``.
    precision
        ``"day"`` or ``"month"`` (the month alone is written when only it is known).
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "date non publiée"
    if value is pd.NA:
        return "date non publiée"
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return "date non publiée"
    month = MONTHS_FR[ts.month - 1]
    if precision == "month":
        return f"{month} {ts.year}"
    if precision != "day":
        raise ParameterError(f"precision {precision!r}: expected 'day' or 'month'")
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {month} {ts.year}"


def french_period(start: object, end: object, precision: str) -> str:
    """Write a period: ``de septembre à décembre 2015``, ``1er juillet 2016``..."""
    if precision == "unknown" or start is None or pd.isna(start):
        return "date non publiée"
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if precision == "day" and s == e:
        return french_date(s)
    if precision == "month":
        first = MONTHS_FR[s.month - 1] if s.year == e.year else french_date(s, "month")
        return f"{_de(first)} à {french_date(e, 'month')}"
    return f"du {french_date(s)} au {french_date(e)}"


def _de(word: str) -> str:
    """``de septembre``, ``d'octobre``, ``d'août`` (elision before a vowel)."""
    return f"d'{word}" if word[:1] in "aeiouéèêh" else f"de {word}"


def source_label(source_id: str) -> str:
    """Short French citation of one source id."""
    if source_id in SOURCE_SHORT_FR:
        return SOURCE_SHORT_FR[source_id]
    table = study.sources().set_index("source_id")
    if source_id not in table.index:
        raise ParameterError(f"unknown source_id {source_id!r}")
    row = table.loc[source_id]
    return f"{row['publisher']}, {row['title']}"


def hypothesis_heading(hypothesis_id: str) -> str:
    """Markdown opening a hypothesis page: its label, its statement and its source."""
    from . import study

    hyp = study.hypothesis(hypothesis_id)
    source = sources_note([hyp["source_id"]], prefix="Source")
    return f"## {hypothesis_id} : {hyp['label']}\n\n> {hyp['statement']}\n\n{source} ({hyp['source_detail']})"


def sources_note(source_ids: Iterable[str], prefix: str = "Sources") -> str:
    """One line citing the given sources in first-seen order: ``Sources : A ; B.``"""
    seen: list[str] = []
    for sid in source_ids:
        if sid is None or sid is pd.NA or (isinstance(sid, float) and math.isnan(sid)):
            continue
        if str(sid) not in seen:
            seen.append(str(sid))
    if not seen:
        return ""
    label = prefix if len(seen) > 1 else prefix.rstrip("s")
    return f"{label}{french.NNBSP}: " + f"{french.NNBSP}; ".join(source_label(s) for s in seen) + "."


def yes_no(value: object) -> str:
    """``oui`` / ``non`` / :data:`~odas_analysis.french.MISSING`."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return french.MISSING
    return "oui" if bool(value) else "non"


# ---------------------------------------------------------------------------
# Tables of the study
# ---------------------------------------------------------------------------

AXIS_STATUS_FR = {
    "published": "publié (page web de l'Odas)",
    "derived": "déduit par élimination",
}


def site_card(site_id: str) -> pd.DataFrame:
    """Who the site is, as a two-column table (``Rubrique``, ``Valeur``).

    Unknown values (the topic of most sites of axis A2) are written as such.
    """
    row = study.site(site_id)
    code = row["insee_code"] if row["kind"] == "commune" else row["siren_epci"]
    code_label = "Code commune (INSEE)" if row["kind"] == "commune" else "SIREN de l'EPCI"
    topic = row["topic"]
    topic_text = "non publié" if topic is None or topic is pd.NA else str(topic)
    items = [
        ("Site", str(row["name"])),
        ("Nature", str(row["kind_label"])),
        (code_label, str(code)),
        ("Département", f"{row['dep_name']} ({row['dep_code']})"),
        ("Région", f"{row['reg_name']} ({row['reg_code']})"),
        ("Axe de recherche", f"{row['axis_id']} – {row['axis_label']}"),
        ("Rattachement à l'axe", AXIS_STATUS_FR.get(str(row["axis_status"]), str(row["axis_status"]))),
        ("Sujet local", topic_text),
        ("Site de l'étude 2010-2012", yes_no(row["in_2010_2012_study"])),
    ]
    if row["geo_note"] is not None and row["geo_note"] is not pd.NA:
        items.append(("Remarque géographique", _geo_note_fr(row)))
    return pd.DataFrame(items, columns=["Rubrique", "Valeur"])


def _geo_note_fr(row: pd.Series) -> str:
    """French restatement of the EPCI geography note (département of most members)."""
    if row["kind"] != "commune":
        return (
            "intercommunalité : département et région sont ceux où se trouve la plupart "
            "de ses communes membres (COG 2019)"
        )
    return ""


def site_card_sources(site_id: str) -> str:
    """Source note for :func:`site_card`."""
    row = study.site(site_id)
    return sources_note([row["source_id"], row["geo_source_id"], row["axis_source_id"]])


def calendar_table() -> pd.DataFrame:
    """The calendar for the reader: what, when (French, published precision), source."""
    cal = study.calendar()
    kinds = {
        "study": "Recherche-action",
        "phase": "Phase",
        "steering_committee": "Comité de pilotage",
        "subgroup_meeting": "Sous-groupe thématique",
    }
    rows = []
    for rec in cal.itertuples(index=False):
        rows.append(
            {
                "Type": kinds.get(rec.kind, rec.kind),
                "Événement": rec.label,
                "Date ou période": french_period(rec.start_date, rec.end_date, rec.precision),
                "Précision": {"day": "jour", "month": "mois", "unknown": "non publiée"}[rec.precision],
                "Source": source_tag(rec.source_id),
            }
        )
    return pd.DataFrame(rows)


def calendar_note() -> str:
    """Source note of :func:`calendar_table`."""
    return sources_note(study.calendar()["source_id"])


def fieldwork_totals_table() -> pd.DataFrame:
    """Published totals, with ``plus de N`` for lower bounds."""
    totals = study.fieldwork_totals()
    values = [
        (f"plus de {french.number(v)}" if b == "lower_bound" else french.number(v))
        for v, b in zip(totals["value"], totals["bound"])
    ]
    return pd.DataFrame(
        {
            "Grandeur": totals["label"].astype(str),
            "Valeur publiée": values,
            "Source": [source_tag(v) for v in totals["source_id"]],
        }
    )


def fieldwork_totals_note() -> str:
    """Source note of :func:`fieldwork_totals_table`."""
    return sources_note(study.fieldwork_totals()["source_id"])


def sites_by_axis_note() -> str:
    """Source note of :func:`sites_by_axis_table`."""
    frame = study.sites()
    return sources_note(list(frame["source_id"]) + list(frame["axis_source_id"]))


def sites_by_axis_table() -> pd.DataFrame:
    """Annex 1 as far as it is known: axis, site, local topic, how the axis is known."""
    s = study.sites().sort_values(["axis_id", "name"], kind="stable")
    return pd.DataFrame(
        {
            "Axe": [f"{a} – {lab}" for a, lab in zip(s["axis_id"], s["axis_label"])],
            "Site": s["name"].astype(str).to_numpy(),
            "Sujet local": ["non publié" if pd.isna(t) else str(t) for t in s["topic"]],
            "Rattachement à l'axe": [AXIS_STATUS_FR.get(str(v), str(v)) for v in s["axis_status"]],
            "Étude 2010-2012": [yes_no(v) for v in s["in_2010_2012_study"]],
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------------------
# Site × indicator tables
# ---------------------------------------------------------------------------


#: The indicators of the typology: size, income, poverty, inequality, unemployment and
#: civic participation, one each (the second round of 2017 is left out: it repeats the
#: first, r > 0.99 across the sites). Population enters as its base-10 logarithm.
TYPOLOGY_INDICATORS: tuple[str, ...] = (
    "population_municipale_2016",
    "median_disposable_income_per_cu_2016",
    "poverty_rate_60_2016",
    "interdecile_ratio_d9_d1_2016",
    "unemployment_rate_15_64_census_2018",
    "turnout_presidential_2017_round1_2017",
)


def indicator_spec(key: str) -> IndicatorSpec:
    """The :class:`IndicatorSpec` of :data:`CROSS_SITE_INDICATORS` whose key is ``key``."""
    for spec in CROSS_SITE_INDICATORS:
        if spec.key == key:
            return spec
    raise ParameterError(f"unknown indicator column {key!r}; valid: {', '.join(s.key for s in CROSS_SITE_INDICATORS)}")


def _site_indicator_rows() -> pd.DataFrame:
    from .national import territory

    return territory.site_indicators()


def indicator_matrix(
    specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS,
    rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per site (index ``site_id``, sorted), one float column per indicator spec.

    ``rows`` defaults to :func:`odas_analysis.national.territory.site_indicators` (all sites);
    tests pass their own. A value not published stays NaN.
    """
    data = _site_indicator_rows() if rows is None else rows
    sites = study.site_ids()
    out = pd.DataFrame(index=pd.Index(sites, name="site_id"))
    for spec in specs:
        sel = data[(data["indicator"] == spec.indicator) & (data["data_year"] == spec.data_year)]
        if sel.empty:
            raise ParameterError(f"no rows for indicator {spec.indicator!r} in {spec.data_year}")
        values = sel.set_index("site_id")["value"].astype("float64")
        out[spec.key] = values.reindex(sites)
    return out


def indicator_sources(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS, rows: pd.DataFrame | None = None) -> str:
    """Source note for a table or figure built from ``specs`` (sources and geographies)."""
    data = _site_indicator_rows() if rows is None else rows
    ids: list[str] = []
    by_geo: dict[str, list[str]] = {}
    for spec in specs:
        sel = data[(data["indicator"] == spec.indicator) & (data["data_year"] == spec.data_year)]
        ids.extend(str(v) for v in sel["source_id"].dropna().unique())
        for geo in sel["geography"].dropna().unique():
            label = spec.short_label[0].lower() + spec.short_label[1:]
            by_geo.setdefault(str(geo), [])
            if label not in by_geo[str(geo)]:
                by_geo[str(geo)].append(label)
    note = sources_note(ids)
    if by_geo:
        parts = [f"{geo} ({', '.join(labels)})" for geo, labels in by_geo.items()]
        note += " Géographie : " + f"{french.NNBSP}; ".join(parts) + "."
    return note


def cross_site_table(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS) -> pd.DataFrame:
    """The eleven sites side by side, for the reader.

    Columns: site, nature, axis, part of the 2010-2012 study, then one column per
    indicator with its vintage and unit in the header. Communes and agglomerations are
    mixed: an agglomeration's value is INSEE's EPCI value (or a sum over its member
    communes for counts and turnout).
    """
    matrix = indicator_matrix(specs)
    sites = study.sites().set_index("site_id").loc[matrix.index]
    out = pd.DataFrame(
        {
            "Site": sites["name"].astype(str).to_numpy(),
            "Nature": sites["kind_label"].astype(str).to_numpy(),
            "Axe": sites["axis_id"].astype(str).to_numpy(),
            "Étude 2010-2012": [yes_no(v) for v in sites["in_2010_2012_study"]],
        }
    )
    for spec in specs:
        out[spec.header] = matrix[spec.key].to_numpy()
    return out


def cross_site_decimals(specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS) -> dict[str, int]:
    """``decimals`` argument of :func:`odas_analysis.export.table` for :func:`cross_site_table`."""
    return {spec.header: spec.decimals for spec in specs}


# ---------------------------------------------------------------------------
# Typology
# ---------------------------------------------------------------------------


def standardise(matrix: pd.DataFrame, log_columns: Iterable[str] = ()) -> pd.DataFrame:
    """z-scores (population standard deviation) of each column, after ``log10`` of some.

    Raises :class:`ParameterError` on a missing value (nothing is imputed) or a
    constant column.
    """
    data = matrix.astype("float64").copy()
    missing = data.isna()
    if missing.any().any():
        cells = [f"{matrix.index[i]}/{matrix.columns[j]}" for i, j in zip(*np.nonzero(missing.to_numpy()))]
        raise ParameterError(f"missing values, not imputed: {', '.join(cells)}")
    for col in log_columns:
        data[col] = np.log10(data[col])
    sd = data.std(ddof=0)
    constant = [str(c) for c in sd.index[sd == 0]]
    if constant:
        raise ParameterError(f"constant column(s) cannot be standardised: {', '.join(constant)}")
    return (data - data.mean()) / sd


def silhouette(distances: np.ndarray, labels: Sequence[int]) -> float:
    """Mean silhouette width of a partition (Rousseeuw 1987); a singleton scores 0."""
    d = np.asarray(distances, dtype=float)
    lab = np.asarray(labels)
    clusters = np.unique(lab)
    if clusters.size < 2:
        raise ParameterError("the silhouette needs at least two clusters")
    widths = np.zeros(lab.size)
    for i in range(lab.size):
        same = lab == lab[i]
        if same.sum() == 1:
            continue
        a = d[i, same].sum() / (same.sum() - 1)
        b = min(d[i, lab == c].mean() for c in clusters if c != lab[i])
        widths[i] = (b - a) / max(a, b)
    return float(widths.mean())


def adjusted_rand(a: Sequence[int], b: Sequence[int]) -> float:
    """Adjusted Rand index of two partitions (1 = identical up to relabelling)."""
    table = pd.crosstab(np.asarray(a), np.asarray(b)).to_numpy()
    comb = lambda x: x * (x - 1) / 2.0  # noqa: E731 - a formula, not a function to reuse
    index = comb(table).sum()
    rows, cols, n = comb(table.sum(axis=1)).sum(), comb(table.sum(axis=0)).sum(), comb(table.sum())
    expected = rows * cols / n
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))


def _ward(z: pd.DataFrame):
    from scipy.cluster.hierarchy import linkage

    return linkage(z.to_numpy(), method="ward", metric="euclidean")


def _cut(link: np.ndarray, k: int, leaves: Sequence[int]) -> np.ndarray:
    """Cluster labels 1..k numbered in the dendrogram's left-to-right leaf order."""
    from scipy.cluster.hierarchy import fcluster

    raw = fcluster(link, k, criterion="maxclust")
    order: dict[int, int] = {}
    for leaf in leaves:
        order.setdefault(int(raw[leaf]), len(order) + 1)
    return np.array([order[int(c)] for c in raw])


@dataclass(frozen=True)
class Typology:
    """Result of :func:`typology`.

    Attributes
    ----------
    raw
        Indicator values (index ``site_id``), before standardisation.
    z
        Standardised values used for the distances.
    linkage
        scipy linkage matrix (Ward, Euclidean distances between the z-scores).
    leaves
        Row positions of the sites in the dendrogram's left-to-right order.
    k
        Number of clusters retained.
    labels
        Cluster number (1..k, numbered left to right on the dendrogram) per site.
    selection
        One row per candidate k: mean silhouette, merge height, jump.
    k_by_jump
        The k suggested by the largest jump between successive merge heights.
    """

    raw: pd.DataFrame
    z: pd.DataFrame
    linkage: np.ndarray
    leaves: tuple[int, ...]
    k: int
    labels: pd.Series
    selection: pd.DataFrame
    k_by_jump: int
    log_columns: tuple[str, ...]

    def site_names(self) -> pd.Series:
        """Site names indexed like :attr:`labels`."""
        names = study.sites().set_index("site_id")["name"].astype(str)
        return names.reindex(self.labels.index)

    def members(self) -> dict[int, list[str]]:
        """Cluster number -> site names, in dendrogram order."""
        names = self.site_names()
        out: dict[int, list[str]] = {c: [] for c in range(1, self.k + 1)}
        for pos in self.leaves:
            site = self.labels.index[pos]
            out[int(self.labels.iloc[pos])].append(str(names[site]))
        return out

    def selection_table(self) -> pd.DataFrame:
        """Candidate numbers of clusters, for the reader."""
        sel = self.selection
        return pd.DataFrame(
            {
                "Nombre de groupes": sel["k"].astype("int64"),
                "Silhouette moyenne": sel["silhouette"].astype("float64"),
                "Hauteur de la fusion suivante": sel["merge_height"].astype("float64"),
                "Saut de hauteur": sel["jump"].astype("float64"),
                "Retenu": ["oui" if k == self.k else "" for k in sel["k"]],
            }
        )

    def profile_table(self) -> pd.DataFrame:
        """Mean indicator values per cluster (original units), with the members."""
        rows = []
        members = self.members()
        for c in range(1, self.k + 1):
            mask = (self.labels == c).to_numpy()
            row = {"Groupe": c, "Sites": ", ".join(members[c]), "Nombre de sites": int(mask.sum())}
            for col in self.raw.columns:
                row[indicator_spec(col).header] = float(self.raw.loc[mask, col].mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def profile_decimals(self) -> dict[str, int]:
        """``decimals`` for :func:`odas_analysis.export.table` of :meth:`profile_table`."""
        return {indicator_spec(col).header: indicator_spec(col).decimals for col in self.raw.columns}

    def descriptions(self, threshold: float = 0.5) -> list[str]:
        """One French sentence per cluster: its members and what sets it apart.

        An indicator is named when the cluster's mean z-score is at least
        ``threshold`` away from the mean of the eleven sites (0).
        """
        out = []
        members = self.members()
        for c in range(1, self.k + 1):
            mask = (self.labels == c).to_numpy()
            means = self.z.loc[mask].mean()
            traits = []
            for col in means.abs().sort_values(ascending=False, kind="stable").index:
                if abs(means[col]) < threshold:
                    continue
                word = "élevé" if means[col] > 0 else "faible"
                label = indicator_spec(col).short_label
                traits.append(f"{label[0].lower()}{label[1:]} {word}")
            trait_text = ", ".join(traits) if traits else "proche de la moyenne des onze sites sur chaque indicateur"
            out.append(f"Groupe {c} ({', '.join(members[c])}) : {trait_text}.")
        return out

    def components(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Principal components of :attr:`z` (for a map of the sites).

        Returns the coordinates on the first two components (index ``site_id``) and the
        share of variance of every component. Signs are fixed so that each component's
        largest loading is positive (deterministic across platforms).
        """
        u, s, vt = np.linalg.svd(self.z.to_numpy(), full_matrices=False)
        for i in range(vt.shape[0]):
            j = int(np.argmax(np.abs(vt[i])))
            if vt[i, j] < 0:
                vt[i] *= -1
                u[:, i] *= -1
        coords = pd.DataFrame(u[:, :2] * s[:2], index=self.z.index, columns=["pc1", "pc2"])
        share = s**2 / np.sum(s**2)
        return coords, share

    def robustness(self) -> pd.DataFrame:
        """Leave-one-indicator-out check: the partition into k groups without each indicator.

        ``Indice de Rand ajusté`` compares it with the retained partition (1 = same groups).
        """
        rows = []
        for col in self.raw.columns:
            kept = [c for c in self.raw.columns if c != col]
            z = standardise(self.raw[kept], [c for c in self.log_columns if c in kept])
            link = _ward(z)
            from scipy.cluster.hierarchy import leaves_list

            labels = _cut(link, self.k, leaves_list(link))
            rows.append(
                {
                    "Indicateur retiré": indicator_spec(col).header,
                    "Indice de Rand ajusté": adjusted_rand(self.labels.to_numpy(), labels),
                    "Mêmes groupes": yes_no(adjusted_rand(self.labels.to_numpy(), labels) == 1.0),
                }
            )
        return pd.DataFrame(rows)


def typology(
    columns: Sequence[str] = TYPOLOGY_INDICATORS,
    k_range: Sequence[int] = (2, 3, 4, 5),
    matrix: pd.DataFrame | None = None,
) -> Typology:
    """Ward hierarchical clustering of the sites on standardised indicators.

    Steps: the indicators of ``columns`` (one vintage each, all published for every
    site), ``log10`` of the population, z-scores, Euclidean distances, Ward's linkage
    (scipy). The number of clusters is the ``k`` of ``k_range`` with the highest mean
    silhouette (the smaller ``k`` on a tie); the largest jump between successive merge
    heights is reported beside it as a second opinion. Deterministic: no random start,
    and ties in the data would be broken by scipy's fixed order.

    ``matrix`` (index ``site_id``, columns named like :attr:`IndicatorSpec.key`)
    replaces :func:`indicator_matrix` in tests.
    """
    from scipy.cluster.hierarchy import leaves_list
    from scipy.spatial.distance import pdist, squareform

    raw = indicator_matrix([indicator_spec(c) for c in columns]) if matrix is None else matrix[list(columns)]
    log_columns = tuple(c for c in columns if indicator_spec(c).log_scale)
    z = standardise(raw, log_columns)
    n = len(z)
    ks = [int(k) for k in k_range if 2 <= int(k) < n]
    if not ks:
        raise ParameterError(f"k_range {list(k_range)!r}: need at least one k with 2 <= k < {n}")
    link = _ward(z)
    leaves = tuple(int(i) for i in leaves_list(link))
    dist = squareform(pdist(z.to_numpy()))
    heights = link[:, 2]
    rows = []
    for k in ks:
        labels = _cut(link, k, leaves)
        # going from k clusters to k - 1 merges at heights[n - k]; the previous merge
        # (the one that created the k clusters) is at heights[n - k - 1]
        merge = float(heights[n - k])
        jump = float(heights[n - k] - heights[n - k - 1])
        rows.append({"k": k, "silhouette": silhouette(dist, labels), "merge_height": merge, "jump": jump})
    selection = pd.DataFrame(rows)
    best = selection.sort_values(["silhouette", "k"], ascending=[False, True], kind="stable").iloc[0]
    k = int(best["k"])
    k_by_jump = int(selection.sort_values(["jump", "k"], ascending=[False, True], kind="stable").iloc[0]["k"])
    labels = pd.Series(_cut(link, k, leaves), index=z.index, name="groupe")
    return Typology(
        raw=raw,
        z=z,
        linkage=link,
        leaves=leaves,
        k=k,
        labels=labels,
        selection=selection,
        k_by_jump=k_by_jump,
        log_columns=log_columns,
    )


# ---------------------------------------------------------------------------
# The four sites of the 2010-2012 study against the seven new ones
# ---------------------------------------------------------------------------


def earlier_vs_new(
    specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS,
    matrix: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare the four sites of the 2010-2012 study with the seven new ones.

    For each indicator: both means, their difference (earlier minus new), its exact
    95 % interval and the exact two-sided permutation p-value over the C(11, 4) = 330
    splits (:func:`odas_analysis.stats.exact.mean_difference`), then Holm's adjustment
    across the indicators. With 330 splits no two-sided p-value can be below 2/330.
    Sites with a missing value are left out of that indicator's test (never imputed).
    """
    from .stats import exact

    data = indicator_matrix(specs) if matrix is None else matrix
    cohort = study.sites().set_index("site_id")["in_2010_2012_study"].reindex(data.index)
    rows = []
    pvalues = {}
    for spec in specs:
        values = data[spec.key]
        keep = values.notna().to_numpy()
        groups = np.where(cohort.to_numpy()[keep].astype(bool), "2010-2012", "nouveau")
        result = exact.mean_difference(values.to_numpy()[keep], groups, order=("2010-2012", "nouveau"))
        earlier = values[keep & cohort.to_numpy().astype(bool)]
        new = values[keep & ~cohort.to_numpy().astype(bool)]
        rows.append(
            {
                "Indicateur": spec.header,
                "Moyenne des sites 2010-2012": float(earlier.mean()),
                "n (2010-2012)": int(earlier.size),
                "Moyenne des nouveaux sites": float(new.mean()),
                "n (nouveaux)": int(new.size),
                "Différence": result.statistic,
                "IC 95 % bas": result.ci[0],
                "IC 95 % haut": result.ci[1],
                "p exact": result.pvalue,
            }
        )
        pvalues[spec.key] = result.pvalue
    out = pd.DataFrame(rows)
    adjusted = exact.holm(pvalues, alpha=alpha)
    out["p ajusté (Holm)"] = adjusted.adjusted
    return out


def earlier_vs_new_table(table: pd.DataFrame, specs: Sequence[IndicatorSpec] = CROSS_SITE_INDICATORS) -> pd.DataFrame:
    """:func:`earlier_vs_new` for the reader: each row in its indicator's precision.

    Means, difference and interval are written as French text with the decimals of the
    indicator (one table mixes euros, percentages and ratios); p-values stay numbers.
    """
    by_header = {s.header: s for s in specs}
    out = pd.DataFrame({"Indicateur": table["Indicateur"]})
    texts: dict[str, list[str]] = {
        "Sites 2010-2012 (moyenne)": [],
        "Nouveaux sites (moyenne)": [],
        "Différence": [],
        "IC 95 % (exact)": [],
    }
    for _, row in table.iterrows():
        d = by_header[row["Indicateur"]].decimals
        texts["Sites 2010-2012 (moyenne)"].append(french.number(row["Moyenne des sites 2010-2012"], d))
        texts["Nouveaux sites (moyenne)"].append(french.number(row["Moyenne des nouveaux sites"], d))
        texts["Différence"].append(french.number(row["Différence"], d, sign=True))
        texts["IC 95 % (exact)"].append(
            f"[{french.number(row['IC 95 % bas'], d)}{french.NNBSP}; {french.number(row['IC 95 % haut'], d)}]"
        )
    for col, values in texts.items():
        out[col] = values
    out["p exact"] = table["p exact"].astype("float64")
    out["p ajusté (Holm)"] = table["p ajusté (Holm)"].astype("float64")
    return out


def typology_summary(typ: Typology) -> str:
    """A short French paragraph (Markdown) on the number of groups and what they are."""
    sel = typ.selection.set_index("k")
    best = french.number(sel.loc[typ.k, "silhouette"], 3)
    lines = [
        f"La silhouette moyenne est la plus forte pour **{typ.k} groupes** ({best}). "
        + (
            f"Le plus grand saut entre hauteurs de fusion désigne aussi {typ.k_by_jump} groupes."
            if typ.k_by_jump == typ.k
            else f"Le plus grand saut entre hauteurs de fusion désignerait plutôt {typ.k_by_jump} groupes : "
            "le découpage est donc moins net."
        ),
        "",
    ]
    lines.extend(f"- {text}" for text in typ.descriptions())
    lines.append("")
    lines.append(
        "« Élevé » ou « faible » s'entend par rapport à la moyenne des onze sites (écart d'au moins "
        "un demi écart type), non par rapport à la France."
    )
    return "\n".join(lines)


def earlier_vs_new_summary(table: pd.DataFrame, alpha: float = 0.05) -> str:
    """A short French paragraph (Markdown) reading :func:`earlier_vs_new`."""
    adjusted = table["p ajusté (Holm)"]
    significant = table.loc[adjusted <= alpha, "Indicateur"].tolist()
    smallest = french.number(float(adjusted.min()), 3)
    pct = french.number(alpha * 100, 0)
    if significant:
        head = (
            f"Après ajustement de Holm, la différence est significative au seuil de {pct}{french.NNBSP}% pour : "
            + ", ".join(significant)
            + "."
        )
    else:
        head = (
            f"Après ajustement de Holm, aucune différence n'est significative au seuil de {pct}{french.NNBSP}% "
            f"(plus petite p-valeur ajustée : {smallest})."
        )
    return (
        head + " Avec quatre sites d'un côté et sept de l'autre, seul un écart très net pourrait l'être : "
        "l'absence de différence significative ne montre pas que les deux groupes se ressemblent, "
        "et les intervalles de confiance, larges, disent l'incertitude."
    )


# ---------------------------------------------------------------------------
# Fieldwork and hypotheses, seen from one site or one hypothesis
# ---------------------------------------------------------------------------

ELEMENT_FR = {
    "condition": "condition",
    "outcome": "résultat",
    "secondary_outcome": "résultat secondaire",
    "context": "contexte",
    "testimony": "témoignages",
}
DATA_SOURCE_FR = {
    "grid": "grille d'évaluation des chercheurs (niveau 0 à 3)",
    "territory": "indicateur territorial",
    "coding": "codage des entretiens",
}


def site_fieldwork_table(site_id: str) -> pd.DataFrame:
    """The site's fieldwork in counts, beside the median of the eleven sites.

    Counts of interviews and workshops are not about persons; the participants by group
    of actors are (see :func:`site_participants_table`).
    """
    from . import fieldwork

    study.check_site_id(site_id)
    summary = fieldwork.fieldwork_summary().set_index("site_id")
    labels = {
        "entretiens_phase_2": "Entretiens de la phase 2",
        "participants_phase_2": "Participants aux entretiens de la phase 2",
        "entretiens_phase_4": "Ateliers et visites de la phase 4",
        "participants_phase_4": "Participants de la phase 4",
        "segments_codes": "Passages codés (codage principal)",
    }
    return pd.DataFrame(
        {
            "Grandeur": [labels.get(c, c) for c in summary.columns],
            "Site": [int(summary.loc[site_id, c]) for c in summary.columns],
            "Médiane des onze sites": [float(summary[c].median()) for c in summary.columns],
        }
    )


def site_participants_table(site_id: str, phase: int = 2) -> pd.DataFrame:
    """Participants of the site by group of actors, small counts masked.

    Goes through :func:`odas_analysis.disclosure.protect_counts`; ``.attrs["note_fr"]``
    explains the masks.
    """
    from . import disclosure, fieldwork

    study.check_site_id(site_id)
    counts = fieldwork.participants_by_group(phase=phase).set_index("site_id").loc[site_id]
    frame = pd.DataFrame({"Groupe d'acteurs": counts.index.astype(str), "Participants": counts.astype(int).to_numpy()})
    return disclosure.protect_counts(frame, ["Participants"], label_col="Groupe d'acteurs")


def _value_text(value: object, source: str) -> str:
    if value is None or pd.isna(value):
        return french.MISSING
    if source == "grid":
        digits = 0 if float(value).is_integer() else 1
        return f"{french.number(value, digits)} sur 3"
    if source == "coding":
        return f"{french.number(float(value) * 100, 0)}{french.NNBSP}%"
    return french.number(value, 1)


def site_hypotheses_table(site_id: str) -> pd.DataFrame:
    """Where the site stands on each hypothesis: its value of every variable, and the median.

    One row per hypothesis × variable (conditions, outcome, context, testimonies), from
    :func:`odas_analysis.hypotheses.site_data`.
    """
    from . import fieldwork, hypotheses

    study.check_site_id(site_id)
    records = fieldwork.load_records()
    rows = []
    for hid in study.hypothesis_ids():
        ops = hypotheses.operationalisation(hid)
        data = hypotheses.site_data(hid, records)
        for op in ops.itertuples(index=False):
            var, src = str(op.variable_id), str(op.data_source)
            column = data[var] if var in data.columns else pd.Series(dtype="float64")
            rows.append(
                {
                    "Hypothèse": hid,
                    "Rôle": ELEMENT_FR.get(str(op.element), str(op.element)),
                    "Variable": str(op.label_fr),
                    "Valeur du site": _value_text(column.get(site_id, np.nan), src),
                    "Médiane des onze sites": _value_text(column.median() if len(column) else np.nan, src),
                }
            )
    return pd.DataFrame(rows)


def operationalisation_table(hypothesis_id: str) -> pd.DataFrame:
    """How a hypothesis is measured, for the reader."""
    from . import hypotheses

    ops = hypotheses.operationalisation(hypothesis_id)
    direction = {"positive": "positif", "negative": "négatif", "none": "aucun (contexte)"}
    return pd.DataFrame(
        {
            "Rôle": [ELEMENT_FR.get(str(e), str(e)) for e in ops["element"]],
            "Variable": ops["label_fr"].astype(str).to_numpy(),
            "Mesure": [DATA_SOURCE_FR.get(str(s), str(s)) for s in ops["data_source"]],
            "Sens attendu": [direction.get(str(d), str(d)) for d in ops["expected_direction"]],
            "Source": [source_tag(s) for s in ops["source_id"]],
        }
    )


def operationalisation_note(hypothesis_id: str) -> str:
    """Source note of :func:`operationalisation_table`, with the report sections."""
    from . import hypotheses

    ops = hypotheses.operationalisation(hypothesis_id)
    return sources_note(ops["source_id"])


#: Decimals of each indicator in the reader's tables (any year).
INDICATOR_DECIMALS: dict[str, int] = {
    **{spec.indicator: spec.decimals for spec in CROSS_SITE_INDICATORS},
    "population_rp": 0,
}


def site_territory_table(site_id: str) -> pd.DataFrame:
    """The site against its département, région and France, every indicator and vintage.

    One row per indicator × data year; values written in the indicator's precision
    (``n.d.`` where the reference is not available), the site's percentile rank among
    the communes (or the EPCI) and the source of the row.
    """
    from .national import territory

    table = territory.comparison_table(site_id, french=False)
    rows = []
    for (indicator, year), grp in table.groupby(["indicator", "data_year"], sort=False):
        by_level = {str(r.level): r for r in grp.itertuples(index=False)}
        digits = INDICATOR_DECIMALS.get(str(indicator), 1)
        site_row = by_level["site"]

        def cell(level: str) -> str:
            row = by_level.get(level)
            return french.number(row.value, digits) if row is not None else french.MISSING

        rank = site_row.pct_rank
        rows.append(
            {
                "Indicateur": str(site_row.label),
                "Année": str(int(year)),
                "Unité": str(site_row.unit),
                "Site": cell("site"),
                "Département": cell("département"),
                "Région": cell("région"),
                "France": cell("France"),
                "Rang centile": french.MISSING if pd.isna(rank) else french.number(rank, 1),
                "Parmi les": french.MISSING if pd.isna(site_row.rank_population) else str(site_row.rank_population),
                "Géographie": str(site_row.geography),
                "Source": source_tag(site_row.source_id),
            }
        )
    return pd.DataFrame(rows)


def site_territory_note(site_id: str) -> str:
    """Sources and caveats of :func:`site_territory_table`."""
    from .national import territory

    rows = territory.site_indicators(site_id)
    return (
        "Rang centile : part des communes (ou des EPCI) dont la valeur est inférieure ou égale à celle "
        "du site, parmi celles où la valeur est publiée ; n.d. : non disponible dans les fichiers lus, "
        "jamais imputé. " + sources_note(rows["source_id"])
    )
