"""The typology of the eleven sites (synthese notebook): Ward's clustering on standardised indicators.

:func:`typology` standardises the indicators, clusters the sites with Ward's method
and chooses the number of clusters by the mean silhouette, checked against the largest
jump of the merge heights; the :class:`Typology` it returns gives the reader's tables
(choice of k, profiles, leave-one-indicator-out robustness) and
:func:`typology_summary` the paragraph that reads them. Nothing is imputed: the
typology only uses indicators published for every site at one vintage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import french, study
from ..errors import ParameterError
from .common import yes_no
from .indicators import indicator_matrix, indicator_spec

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


def standardise(matrix: pd.DataFrame, log_columns: Iterable[str] = ()) -> pd.DataFrame:
    """z-scores (population standard deviation) of each column, after ``log10`` of some.

    Raises :class:`ParameterError` on a missing value (nothing is imputed) or a
    constant column.
    """
    data = matrix.astype("float64").copy()
    missing = data.isna()
    if missing.any().any():
        cells = [f"{matrix.index[i]}/{matrix.columns[j]}" for i, j in zip(*np.nonzero(missing.to_numpy()))]
        raise ParameterError(f"valeurs manquantes, non imputées : {', '.join(cells)}")
    for col in log_columns:
        data[col] = np.log10(data[col])
    sd = data.std(ddof=0)
    constant = [str(c) for c in sd.index[sd == 0]]
    if constant:
        raise ParameterError(f"colonne(s) constante(s), impossible à centrer-réduire : {', '.join(constant)}")
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
