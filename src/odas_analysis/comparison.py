"""How representative are the sites? Each site and the eleven together against their universe.

Pure functions over the long table ``data/territory/comparison_universe.csv`` (one row
per unit x indicator x data year; see :mod:`odas_analysis.national.universe`): the
communes of 20,000 inhabitants or more for the nine commune sites, the EPCI of the same
nature (communautés d'agglomération) for the two agglomerations. Nothing here reads a
file: callers pass the table (``territory.comparison_universe()``) or their own.

* :func:`percentiles` - every site's percentile rank in its universe, for every
  indicator (share of units whose value is <= the site's, as in ``site_indicators.csv``).
* :func:`nearest_territories` - the units closest to a site on a set of indicators
  (Euclidean distance between z-scores over the universe; population as log10);
  :func:`site_neighbours` does it for one site by its ``site_id``, with names.
* :func:`comparable_territories` - the same for any unit of a matrix, on the
  indicators it has a value for (a secret Filosofi value is left out, not imputed).
* :func:`sites_differ_test` - does the group of sites differ from the rest of its
  universe on one indicator? A stratified rank test: the statistic is the mean, over
  the sites, of their percentile within their own universe; under the null hypothesis
  the sites are a random draw (without replacement) of the same sizes from each
  universe. The null distribution is computed exactly by dynamic programming over the
  integer ranks (no enumeration of the C(492, 9) draws is needed); when that would be too
  large it is estimated by Monte Carlo and the result states the number of draws, the
  standard error of the p-value and its 99 % interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import french
from .errors import ParameterError
from .national.rows import pct_rank
from .tables.typology import standardise

LEVELS = ("commune", "EPCI")
DEFAULT_NEIGHBOUR_INDICATORS: tuple[tuple[str, int], ...] = (
    ("population_municipale", 2023),
    ("median_disposable_income_per_cu", 2016),
    ("poverty_rate_60", 2016),
    ("unemployment_rate_15_64_census", 2018),
    ("turnout_presidential_2017_round1", 2017),
)
"""Indicators of :func:`nearest_territories` by default: size, income, poverty, unemployment,
civic participation, one each, at vintages published for every site and nearly every unit."""

MAX_EXACT_STATES = 50_000_000
"""Above this many (draw size x rank sum) cells per universe, or support pairs across
universes, :func:`sites_differ_test` switches to Monte Carlo."""


def _key(indicator: str, data_year: int) -> str:
    return f"{indicator}_{data_year}"


def universe_matrix(universe: pd.DataFrame, level: str) -> pd.DataFrame:
    """One universe as a wide matrix: index ``code``, one float column per ``indicator_year``.

    The attribute ``sites`` of the result (``matrix.attrs["sites"]``) maps ``site_id`` to code.
    """
    if level not in LEVELS:
        raise ParameterError(f"niveau inconnu {level!r} ; niveaux possibles : {', '.join(LEVELS)}")
    part = universe[universe["unit_level"] == level]
    if part.empty:
        raise ParameterError(f"aucune unité de niveau {level!r} dans la table de l'univers")
    keys = part["indicator"].astype(str) + "_" + part["data_year"].astype(int).astype(str)
    wide = part.assign(key=keys.to_numpy()).pivot(index="code", columns="key", values="value").astype("float64")
    order = list(dict.fromkeys(keys))
    wide = wide[order]
    sites = part.loc[part["site_id"].fillna("").astype(str) != "", ["site_id", "code"]].drop_duplicates()
    wide.attrs["sites"] = dict(zip(sites["site_id"].astype(str), sites["code"].astype(str), strict=True))
    return wide


def percentiles(universe: pd.DataFrame) -> pd.DataFrame:
    """Every site's percentile rank among the units of its universe with a value, for every indicator.

    Columns: ``site_id, unit_level, code, indicator_key, value, pct_rank, n_in_universe``
    (``pct_rank`` empty when the site or the universe has no value).
    """
    rows = []
    for level in LEVELS:
        if not (universe["unit_level"] == level).any():
            continue
        matrix = universe_matrix(universe, level)
        for site_id, code in sorted(matrix.attrs["sites"].items()):
            for key in matrix.columns:
                values = matrix[key].dropna().to_numpy()
                x = matrix.at[code, key]
                rank = pct_rank(values, float(x)) if values.size and not pd.isna(x) else math.nan
                rows.append(
                    {
                        "site_id": site_id,
                        "unit_level": level,
                        "code": code,
                        "indicator_key": key,
                        "value": float(x),
                        "pct_rank": rank,
                        "n_in_universe": int(values.size),
                    }
                )
    return pd.DataFrame(rows)


def nearest_territories(
    matrix: pd.DataFrame,
    code: str,
    indicators: Sequence[tuple[str, int]] = DEFAULT_NEIGHBOUR_INDICATORS,
    k: int = 5,
    log_indicators: Sequence[str] = ("population_municipale", "population_rp"),
) -> pd.DataFrame:
    """The ``k`` units of ``matrix`` nearest to ``code`` on ``indicators``.

    Each indicator is standardised over the units with a value for all of them (z-scores,
    population standard deviation; populations as log10 first); the distance is Euclidean
    over those z-scores. Returns ``code, distance`` sorted by distance then code (the unit
    itself excluded), with ``attrs["n_units"]`` the number of units compared.
    """
    keys = [_key(i, y) for i, y in indicators]
    absent = [k_ for k_ in keys if k_ not in matrix.columns]
    if absent:
        raise ParameterError(f"indicateur(s) absent(s) de l'univers : {', '.join(absent)}")
    data = matrix[keys].dropna()
    if code not in data.index:
        raise ParameterError(f"{code!r} n'a pas de valeur pour tous les indicateurs {', '.join(keys)}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ParameterError(f"k doit être un entier positif, pas {k!r}")
    logs = [k_ for (ind, _), k_ in zip(indicators, keys, strict=True) if ind in log_indicators]
    z = standardise(data, log_columns=logs)
    dist = np.sqrt(((z - z.loc[code]) ** 2).sum(axis=1)).drop(index=code)
    out = pd.DataFrame({"code": dist.index.astype(str), "distance": dist.to_numpy()})
    out = out.sort_values(["distance", "code"], kind="stable").head(k).reset_index(drop=True)
    out.attrs["n_units"] = int(len(data))
    return out


def comparable_territories(
    matrix: pd.DataFrame,
    names: pd.Series,
    code: str,
    indicators: Sequence[tuple[str, int]] = DEFAULT_NEIGHBOUR_INDICATORS,
    k: int = 5,
    min_indicators: int = 2,
) -> pd.DataFrame:
    """:func:`nearest_territories` of any unit, on those of ``indicators`` it has a value for.

    A territory whose value is not published (a Filosofi rate of a small commune, say)
    is compared on the others; with fewer than ``min_indicators`` left, no neighbour is
    given, nor when no other unit has a value for each of them. ``names`` maps codes to
    names. Returns ``code, name, distance`` and one
    column per indicator used (the unit's values), the unit itself first with distance
    0; ``attrs``: ``indicators`` (the keys used), ``dropped`` (the keys left out),
    ``n_units`` (units compared, the unit included).
    """
    if code not in matrix.index:
        raise ParameterError(f"{code!r} absent de la matrice des territoires comparables")
    usable = [
        (i, y) for i, y in indicators if _key(i, y) in matrix.columns and not pd.isna(matrix.at[code, _key(i, y)])
    ]
    keys = [_key(i, y) for i, y in usable]
    dropped = [_key(i, y) for i, y in indicators if (i, y) not in usable]
    columns = ["code", "name", "distance", *keys]
    compared = int(matrix[keys].notna().all(axis=1).sum())
    if len(usable) < min_indicators or compared < 2:  # nothing to compare with: no neighbour, not an error
        out = pd.DataFrame(columns=columns)
        out.attrs.update(indicators=keys, dropped=dropped, n_units=compared if len(usable) >= min_indicators else 0)
        return out
    near = nearest_territories(matrix, code, usable, k=k)
    codes = [code, *near["code"]]
    out = pd.DataFrame(
        {
            "code": codes,
            "name": [str(names.get(c, c)) for c in codes],
            "distance": [0.0, *near["distance"]],
            **{key: matrix.loc[codes, key].to_numpy(dtype="float64") for key in keys},
        }
    )
    out.attrs.update(indicators=keys, dropped=dropped, n_units=near.attrs["n_units"])
    return out


def site_neighbours(universe: pd.DataFrame, site_id: str, k: int = 5, **options: object) -> pd.DataFrame:
    """:func:`nearest_territories` of one site in its own universe, with the units' names.

    Columns: ``code, name, distance``; ``attrs`` carries ``n_units`` and ``unit_level``.
    """
    for level in LEVELS:
        if not (universe["unit_level"] == level).any():
            continue
        matrix = universe_matrix(universe, level)
        code = matrix.attrs["sites"].get(site_id)
        if code is None:
            continue
        near = nearest_territories(matrix, code, k=k, **options)  # type: ignore[arg-type]
        names = universe.drop_duplicates(["unit_level", "code"]).set_index(["unit_level", "code"])["name"]
        near.insert(1, "name", [str(names[(level, c)]) for c in near["code"]])
        near.attrs["unit_level"] = level
        return near
    raise ParameterError(f"site {site_id!r} absent de la table de l'univers")


# --------------------------------------------------------------------------- group test


@dataclass(frozen=True)
class GroupTestResult:
    """Result of :func:`sites_differ_test`.

    ``statistic`` is the sites' mean percentile (0-100], ``expected`` its mean under the
    null hypothesis, ``pvalue`` two-sided (``|T - E[T]|`` at least as large as observed).
    For a Monte Carlo result ``n_draws`` is the number of random draws, ``standard_error``
    the binomial standard error of the p-value and ``ci99`` its 99 % normal-approximation
    interval (clipped to [0, 1]); they are ``None`` and ``(p, p)`` for an exact test.
    """

    statistic: float
    expected: float
    pvalue: float
    method: str  # "exact" or "Monte Carlo"
    n_sites: int
    n_universe: int
    n_draws: int | None
    standard_error: float | None
    ci99: tuple[float, float]

    def summary(self) -> str:
        """One sentence in French for a report (numbers through :mod:`odas_analysis.french`)."""
        head = (
            f"Rang centile moyen des {french.integer(self.n_sites)} sites : {french.number(self.statistic, 1)} "
            f"(attendu pour un tirage au hasard dans les {french.integer(self.n_universe)} unités : "
            f"{french.number(self.expected, 1)}) ; "
        )
        if self.method == "exact":
            return head + f"test exact de rangs stratifié (bilatéral), {french.p_value(self.pvalue)}."
        return head + (
            f"test de rangs stratifié par Monte Carlo ({french.integer(self.n_draws)} tirages, bilatéral), "
            f"{french.p_value(self.pvalue)}, erreur type {french.number(self.standard_error, 4)}, "
            f"{french.interval(self.ci99[0], self.ci99[1], 4, level=0.99)}."
        )


def _stratum(values: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer ranks (units <= each unit) of a universe and the members' ranks."""
    sorted_values = np.sort(values)
    counts = np.searchsorted(sorted_values, values, side="right")
    return counts.astype(np.int64), counts[members].astype(np.int64)


def _sum_distribution(scores: np.ndarray, n: int) -> np.ndarray:
    """Probability of each total of ``n`` scores drawn without replacement (index = total)."""
    top = int(np.sort(scores)[-n:].sum()) if n else 0
    ways = np.zeros((n + 1, top + 1))
    ways[0, 0] = 1.0
    for s in scores:
        s = int(s)
        ways[1:, s:] += ways[:-1, : top + 1 - s].copy() if s <= top else 0.0
    return ways[n] / math.comb(scores.size, n)


def _exact_null(strata: list[tuple[np.ndarray, np.ndarray]], n_total: int) -> tuple[np.ndarray, np.ndarray]:
    """Support and probabilities of the mean percentile over the sites, exactly."""
    support, probs = np.array([0.0]), np.array([1.0])
    for ranks, member_ranks in strata:
        n = member_ranks.size
        dist = _sum_distribution(ranks, n)
        totals = np.flatnonzero(dist > 0)
        contribution = 100.0 * totals / ranks.size / n_total
        support = (support[:, None] + contribution[None, :]).ravel()
        probs = (probs[:, None] * dist[totals][None, :]).ravel()
    return support, probs


def _mc_null(strata: list[tuple[np.ndarray, np.ndarray]], n_total: int, n_draws: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    stat = np.zeros(n_draws)
    for ranks, member_ranks in strata:
        n = member_ranks.size
        keys = rng.random((n_draws, ranks.size))
        chosen = np.argpartition(keys, n - 1, axis=1)[:, :n]
        stat += 100.0 * ranks[chosen].sum(axis=1) / ranks.size / n_total
    return stat


def _exact_size(strata: list[tuple[np.ndarray, np.ndarray]]) -> int:
    size, support = 0, 1
    for ranks, member_ranks in strata:
        n = member_ranks.size
        size = max(size, (n + 1) * (n * ranks.size + 1))
        support *= n * ranks.size + 1
    return max(size, support)


def sites_differ_test(
    universes: Sequence[tuple[np.ndarray, np.ndarray]],
    n_draws: int = 100_000,
    seed: int = 20170101,
    method: str = "auto",
) -> GroupTestResult:
    """Do the sites differ from the rest of their universes on one indicator?

    Parameters
    ----------
    universes
        One ``(values, is_site)`` pair per universe (e.g. the communes of 20,000
        inhabitants or more, and the CA): the indicator's value of every unit with a value,
        and a boolean mask of the sites among them. A universe without a site is ignored.
    n_draws, seed
        Monte Carlo draws and seed (used only when the exact computation is too large, or
        with ``method="monte-carlo"``).
    method
        ``"auto"`` (exact when :data:`MAX_EXACT_STATES` allows it), ``"exact"`` or
        ``"monte-carlo"``.
    """
    if method not in ("auto", "exact", "monte-carlo"):
        raise ParameterError(f"méthode inconnue {method!r} ; méthodes possibles : auto, exact, monte-carlo")
    strata = []
    for values, is_site in universes:
        values, is_site = np.asarray(values, dtype="float64"), np.asarray(is_site, dtype=bool)
        if values.shape != is_site.shape or np.isnan(values).any():
            raise ParameterError("chaque univers donne une valeur sans manque et un drapeau « site » par unité")
        if is_site.any():
            strata.append(_stratum(values, is_site))
    if not strata:
        raise ParameterError("aucun site dans les univers donnés")
    n_total = sum(m.size for _, m in strata)
    observed = sum(100.0 * m.sum() / r.size for r, m in strata) / n_total
    expected = sum(100.0 * r.mean() * m.size / r.size for r, m in strata) / n_total
    tol = 1e-9 * max(1.0, abs(observed))
    exact = method == "exact" or (method == "auto" and _exact_size(strata) <= MAX_EXACT_STATES)
    if exact:
        support, probs = _exact_null(strata, n_total)
        p = float(probs[np.abs(support - expected) >= abs(observed - expected) - tol].sum())
        p = min(1.0, p)
        return GroupTestResult(
            observed, expected, p, "exact", n_total, sum(r.size for r, _ in strata), None, None, (p, p)
        )
    null = _mc_null(strata, n_total, n_draws, seed)
    hits = int(np.count_nonzero(np.abs(null - expected) >= abs(observed - expected) - tol))
    p = (hits + 1) / (n_draws + 1)
    se = math.sqrt(p * (1 - p) / n_draws)
    ci = (max(0.0, p - 2.576 * se), min(1.0, p + 2.576 * se))
    return GroupTestResult(
        observed, expected, p, "Monte Carlo", n_total, sum(r.size for r, _ in strata), n_draws, se, ci
    )


def representativeness(universe: pd.DataFrame, **test_options: object) -> pd.DataFrame:
    """For every indicator: the sites' mean percentile in their universes and the test of the eleven.

    Columns: ``indicator_key, n_sites, n_universe, mean_pct, expected_pct, pvalue, method,
    n_draws, standard_error`` (sites or units without a value are left out of that row).
    """
    matrices = {lvl: universe_matrix(universe, lvl) for lvl in LEVELS if (universe["unit_level"] == lvl).any()}
    keys = list(dict.fromkeys(k for m in matrices.values() for k in m.columns))
    rows = []
    for key in keys:
        pairs = []
        for matrix in matrices.values():
            if key not in matrix.columns:
                continue
            col = matrix[key].dropna()
            pairs.append((col.to_numpy(), col.index.isin(list(matrix.attrs["sites"].values()))))
        if not any(mask.any() for _, mask in pairs):
            continue
        res = sites_differ_test(pairs, **test_options)  # type: ignore[arg-type]
        rows.append(
            {
                "indicator_key": key,
                "n_sites": res.n_sites,
                "n_universe": res.n_universe,
                "mean_pct": res.statistic,
                "expected_pct": res.expected,
                "pvalue": res.pvalue,
                "method": res.method,
                "n_draws": res.n_draws,
                "standard_error": res.standard_error,
            }
        )
    return pd.DataFrame(rows)
