"""Qualitative Comparative Analysis (QCA), following R package QCA (Dusa) 3.25.

Definitions, notation and defaults are those of the R reference implementation, so that
a result can be checked line by line against it:

- :func:`calibrate`: direct calibration (logistic or linear, increasing or decreasing,
  three or six thresholds) and crisp calibration, with R's snapping of memberships
  below 1e-4 to 0 and above 0.9999 to 1;
- :func:`membership`: membership in a Boolean expression written as R QCA writes it,
  ``"DEV*~IND + URB*STB"`` (``*`` and, ``+`` or, ``~`` not, parentheses, and
  ``X[1]`` or ``X{1,2}`` for the values of a multi-value condition);
- :func:`fit`: parameters of fit; consistency, coverage and PRI for sufficiency,
  consistency, coverage and relevance (RoN) for necessity;
- :func:`truth_table`: the truth table with ``incl_cut``, ``n_cut`` and ``pri_cut``;
- :func:`minimize`: conservative (complex), parsimonious and, given directional
  expectations, intermediate solutions, with all tied minimal solutions.

How :func:`minimize` finds the solutions: The conservative solution minimises the positive rows alone; the parsimonious one
also uses remainders (rows without enough cases) as "don't care". Prime
implicants are found by increasing complexity, ordered as R does, and every cover
of the positive rows by the smallest number of prime implicants is returned. The
intermediate solution follows R: for each conservative term and each parsimonious
term that contains it, literals of the conservative term absent from the
parsimonious one are dropped when they contradict a directional expectation; the
simplifying assumptions of the parsimonious solution covered by these reduced terms
are the easy counterfactuals, which are added to the positive rows before a new
minimisation (the chart still covers the positive rows only).

Row numbers (truth table index, simplifying assumptions, easy and difficult
counterfactuals) are R's: 1-based, the first condition the most significant digit.

Notebook use, one line::

    from odas_analysis.stats import qca
    qca.minimize(df, outcome="SURV", conditions=["DEV", "URB", "LIT"], incl_cut=0.8).summary()

Why this is implemented here rather than taken from ``setqca``: see the commit that
added this module and the issue report (setqca 0.2.0 failed part of the R oracle).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import french
from ..errors import ParameterError
from ._common import as_vector, check_n_cases
from .expressions import ExpressionError, Parser, evaluate, literal_names

__all__ = [
    "calibrate",
    "membership",
    "fit",
    "fit_table",
    "truth_table",
    "minimize",
    "FitResult",
    "TruthTable",
    "Solution",
    "ExpressionError",
    "SNAP_LOW",
    "SNAP_HIGH",
]

#: R QCA's ``calibrate`` ends with ``fs[fs < 1e-04] <- 0; fs[fs > 0.9999] <- 1``.
SNAP_LOW = 1e-4
SNAP_HIGH = 0.9999

#: Tolerance of R's ``all.equal`` and of admisc's ``agteb`` (sqrt of double epsilon).
R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


# ---------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------


def _r_all_equal(values: np.ndarray, target: float) -> np.ndarray:
    """Element-wise ``isTRUE(all.equal(value, target))`` of R (relative tolerance)."""
    scale = np.abs(values)
    diff = np.abs(values - target)
    rel = np.where(scale > R_TOLERANCE, diff / np.where(scale > 0, scale, 1.0), diff)
    return rel < R_TOLERANCE


def calibrate(
    x,
    thresholds: Sequence[float] | Mapping[str, float],
    *,
    type: str = "fuzzy",  # noqa: A002 - R's argument name
    logistic: bool = True,
    idm: float = 0.95,
    below: float = 1.0,
    above: float = 1.0,
    name: str = "x",
) -> np.ndarray:
    """Calibrate raw values into set memberships (R QCA ``calibrate``, direct method).

    Parameters
    ----------
    x
        Raw values (a sequence, array or Series), no missing value.
    thresholds
        Fuzzy: three thresholds ``(exclusion, crossover, inclusion)``; given in
        decreasing order (``e > i``) they give a decreasing set. A mapping with keys
        ``e``, ``c``, ``i`` is accepted. Six thresholds ``(e1, c1, i1, i2, c2, e2)`` give
        R's bell-shaped (or its inverse) linear calibration. Crisp: one or more cut
        points; the result is the number of cut points at or below each value (R's
        ``findInterval``).
    type
        ``"fuzzy"`` or ``"crisp"``.
    logistic
        Logistic (default) or piecewise-linear direct calibration (three thresholds).
    idm
        Inclusion degree of membership at the inclusion threshold (logistic), in (0.5, 1).
    below, above
        Exponents of the linear pieces below and above the crossover (R's ``below``,
        ``above``).
    name
        Name used in error messages.

    Returns
    -------
    numpy.ndarray
        Memberships; values below 1e-4 become 0 and above 0.9999 become 1, as in R.

    Raises
    ------
    ParameterError
        Non-numeric or missing values, a wrong number of thresholds, ``idm`` outside
        (0.5, 1), equal thresholds that must differ, or non-positive exponents.
    """
    arr = as_vector(x, f"calibrate {name}", min_cases=1)
    if isinstance(thresholds, Mapping):
        keys = ("e", "c", "i") if len(thresholds) == 3 else ("e1", "c1", "i1", "i2", "c2", "e2")
        try:
            th = [float(thresholds[k]) for k in keys]
        except KeyError as exc:
            raise ParameterError(f"calibrate {name} : les seuils doivent s'appeler {', '.join(keys)}") from exc
    else:
        th = [float(t) for t in np.atleast_1d(np.asarray(thresholds, dtype=float))]
    if type == "crisp":
        if any(t < arr.min() or t > arr.max() for t in th):
            raise ParameterError(f"calibrate {name} : seuil(s) net(s) {th} hors de l'étendue des valeurs")
        return np.searchsorted(np.sort(th), arr, side="right").astype(float)
    if type != "fuzzy":
        raise ParameterError(f"calibrate {name} : type={type!r}, valeurs possibles 'fuzzy' ou 'crisp'")
    if len(th) == 3:
        fs = _calibrate_three(arr, th, logistic, idm, below, above, name)
    elif len(th) == 6:
        fs = _calibrate_six(arr, th, below, above, name)
    else:
        raise ParameterError(f"calibrate {name} : {len(th)} seuils fournis, la calibration floue en demande 3 ou 6")
    fs[fs < SNAP_LOW] = 0.0
    fs[fs > SNAP_HIGH] = 1.0
    return fs


def _check_exponents(below: float, above: float, name: str) -> None:
    if below <= 0 or above <= 0:
        raise ParameterError(f"calibrate {name} : below={below!r} et above={above!r} doivent être positifs")


def _calibrate_three(arr, th, logistic, idm, below, above, name) -> np.ndarray:
    if not 0.5 < idm < 1:
        raise ParameterError(f"calibrate {name} : idm={idm!r}, un nombre dans ]0,5 ; 1[ est attendu")
    ex, cr, inc = th
    if logistic:
        decreasing = ex > inc
        if decreasing:
            ex, inc = inc, ex
        if len({ex, cr, inc}) < 3:
            raise ParameterError(f"calibrate {name} : les seuils {th} doivent tous différer")
        log_odds = math.log(idm / (1 - idm))
        above_cr = arr >= cr
        sign = np.where(above_cr, -1.0, 1.0)
        anchor = np.where(above_cr, inc, ex)
        fs = 1.0 / (1.0 + np.exp(sign * (arr - cr) * log_odds / (anchor - cr)))
        return 1.0 - fs if decreasing else fs
    _check_exponents(below, above, name)
    if len({ex, cr, inc}) < 3:
        raise ParameterError(f"calibrate {name} : les seuils {th} doivent tous différer")
    increasing = not (inc < cr < ex)
    fs = np.empty_like(arr)
    for k, v in enumerate(arr):
        le = lambda t, v=v: v < t or bool(_r_all_equal(np.array([v]), t)[0])  # noqa: E731
        if increasing:
            if le(ex):
                fs[k] = 0.0
            elif le(cr):
                fs[k] = ((ex - v) / (ex - cr)) ** below / 2
            elif le(inc):
                fs[k] = 1 - ((inc - v) / (inc - cr)) ** above / 2
            else:
                fs[k] = 1.0
        else:
            if le(inc):
                fs[k] = 1.0
            elif le(cr):
                fs[k] = 1 - ((inc - v) / (inc - cr)) ** above / 2
            elif le(ex):
                fs[k] = ((ex - v) / (ex - cr)) ** below / 2
            else:
                fs[k] = 0.0
    return fs


def _calibrate_six(arr, th, below, above, name) -> np.ndarray:
    _check_exponents(below, above, name)
    ex1, cr1, in1, in2, cr2, ex2 = th
    if not min(ex1, in1) <= cr1 <= max(ex1, in1) or not min(ex2, in2) <= cr2 <= max(ex2, in2):
        raise ParameterError(
            f"calibrate {name} : chaque point de bascule doit se trouver entre ses seuils d'exclusion et d'inclusion"
        )
    increasing = not (in1 < cr1 < ex1 <= ex2 < cr2 < in2)
    if len({ex1, cr1, in1}) < 3 or len({in2, cr2, ex2}) < 3 or cr1 == cr2 or (ex1 == ex2 if increasing else in1 == in2):
        raise ParameterError(f"calibrate {name} : les seuils {th} contiennent des valeurs égales qui doivent différer")
    fs = np.empty_like(arr)
    for k, v in enumerate(arr):
        le = lambda t, v=v: v < t or bool(_r_all_equal(np.array([v]), t)[0])  # noqa: E731
        rise1 = lambda v=v: ((ex1 - v) / (ex1 - cr1)) ** below / 2  # noqa: E731
        top1 = lambda v=v: 1 - ((in1 - v) / (in1 - cr1)) ** above / 2  # noqa: E731
        top2 = lambda v=v: 1 - ((in2 - v) / (in2 - cr2)) ** above / 2  # noqa: E731
        fall2 = lambda v=v: ((ex2 - v) / (ex2 - cr2)) ** below / 2  # noqa: E731
        if increasing:
            steps = [
                (le(ex1), 0.0),
                (le(cr1), None, rise1),
                (v < in1, None, top1),
                (le(in2), 1.0),
                (le(cr2), None, top2),
                (le(ex2), None, fall2),
            ]
            default = 0.0
        else:
            steps = [
                (le(in1), 1.0),
                (le(cr1), None, top1),
                (v < ex1, None, rise1),
                (le(ex2), 0.0),
                (le(cr2), None, fall2),
                (le(in2), None, top2),
            ]
            default = 1.0
        fs[k] = default
        for step in steps:
            if step[0]:
                fs[k] = step[1] if step[1] is not None else step[2]()
                break
    return fs


# ---------------------------------------------------------------------------
# Data checks
# ---------------------------------------------------------------------------

_SET_TYPES = ("auto", "crisp", "fuzzy", "multivalue")
_ROLE_FR = {"condition": "la condition", "outcome": "le résultat"}


def _as_frame(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, Mapping):
        frame = pd.DataFrame(dict(data))
    else:
        raise ParameterError(
            f"data : un DataFrame pandas ou un dictionnaire de colonnes est attendu, reçu {type(data).__name__}"
        )
    check_n_cases(len(frame), "data")
    return frame


def _case_label(frame: pd.DataFrame, pos: int) -> str:
    return str(frame.index[pos])


def _column_values(frame: pd.DataFrame, column: str, role: str) -> np.ndarray:
    if column not in frame.columns:
        raise ParameterError(
            f"{_ROLE_FR.get(role, role)} {column!r} n'est pas une colonne des données (colonnes : {', '.join(map(str, frame.columns))})"
        )
    try:
        values = frame[column].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"colonne {column!r} : des appartenances numériques sont attendues") from exc
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        cases = ", ".join(_case_label(frame, i) for i in bad)
        raise ParameterError(f"colonne {column!r} : appartenance manquante pour le(s) cas {cases}")
    return values


def _check_column(frame: pd.DataFrame, column: str, role: str, set_type: str) -> tuple[np.ndarray, int]:
    """Return the values of a condition or outcome and its number of levels (0 for fuzzy).

    Raises a :class:`ParameterError` naming the column and the first offending case
    when the values do not fit ``set_type``.
    """
    values = _column_values(frame, column, role)
    integral = np.all(values == np.round(values))
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ParameterError(
            f"colonne {column!r}, cas {_case_label(frame, negative[0])} : la valeur {float(values[negative[0]])!r} "
            "est négative ; une appartenance dans [0, 1] est attendue (ou un niveau multivalué 0, 1, 2...)"
        )
    if set_type == "crisp":
        off = np.flatnonzero((values != 0) & (values != 1))
        if off.size:
            raise ParameterError(
                f"colonne {column!r}, cas {_case_label(frame, off[0])} : valeur {float(values[off[0]])!r} dans des données "
                "déclarées nettes ; 0 ou 1 attendu (utiliser set_type='fuzzy' ou 'multivalue')"
            )
    above_one = np.flatnonzero(values > 1)
    if above_one.size:
        if set_type in ("crisp", "fuzzy") or not integral or role == "outcome":
            raise ParameterError(
                f"colonne {column!r}, cas {_case_label(frame, above_one[0])} : l'appartenance "
                f"{float(values[above_one[0]])!r} est hors de [0, 1]"
                + (
                    ""
                    if role == "outcome" or not integral
                    else " ; des niveaux entiers demandent set_type='multivalue'"
                )
            )
        return values, int(values.max()) + 1
    if set_type == "multivalue":
        if not integral:
            raise ParameterError(f"colonne {column!r} : les niveaux multivalués doivent être des entiers 0, 1, 2...")
        return values, max(int(values.max()) + 1, 2)
    if integral:
        return values, 2
    return values, 0


def _prepare(data, conditions, outcome, set_type):
    if set_type not in _SET_TYPES:
        raise ParameterError(f"set_type={set_type!r} : valeurs possibles {', '.join(_SET_TYPES)}")
    frame = _as_frame(data)
    if isinstance(conditions, str):
        conditions = [c.strip() for c in conditions.split(",") if c.strip()]
    if conditions is None:
        conditions = [c for c in frame.columns if c != outcome]
    conditions = list(conditions)
    if not conditions:
        raise ParameterError("conditions : il faut au moins une condition")
    if outcome in conditions:
        raise ParameterError(f"le résultat {outcome!r} figure aussi parmi les conditions")
    if len(set(conditions)) != len(conditions):
        raise ParameterError(f"conditions : une condition figure deux fois dans {conditions}")
    values = {}
    levels = []
    for c in conditions:
        v, lv = _check_column(frame, c, "condition", set_type)
        values[c] = v
        levels.append(lv)
    y, _ = _check_column(frame, outcome, "outcome", "fuzzy" if set_type == "multivalue" else set_type)
    return frame, conditions, values, levels, y


def membership(data, expression: str, *, set_type: str = "auto") -> np.ndarray:
    """Membership of every case in a Boolean expression written in R QCA notation.

    Parameters
    ----------
    data
        DataFrame (or mapping of columns) of set memberships; multi-value conditions
        hold levels 0, 1, 2, ...
    expression
        For example ``"DEV*~IND + URB*STB"``, ``"~(DEV + URB)"`` or ``"A[2] + B{0,1}"``.
        Intersection is the minimum, union the maximum, negation ``1 - x``; ``X[v]`` is 1
        where the condition takes one of the listed values, else 0.
    set_type
        ``"auto"``, ``"crisp"``, ``"fuzzy"`` or ``"multivalue"`` (see :func:`truth_table`).

    Returns
    -------
    numpy.ndarray
        One membership per case, in the data's row order.

    Raises
    ------
    ExpressionError
        The expression cannot be read or names a column the data do not have (the message
        lists the known columns).
    ParameterError
        Memberships outside [0, 1], missing values, or fewer than three cases.
    """
    frame = _as_frame(data)
    tree = Parser(expression).parse()
    columns = {}
    for name in dict.fromkeys(literal_names(tree)):
        if name not in frame.columns:
            raise ExpressionError(
                f"l'expression {expression!r} nomme {name!r}, qui n'est pas une condition des données "
                f"(connues : {', '.join(map(str, frame.columns))})"
            )
        columns[name], _ = _check_column(frame, name, "condition", set_type)
    return evaluate(tree, columns)


# ---------------------------------------------------------------------------
# Parameters of fit
# ---------------------------------------------------------------------------


def _sufficiency(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    both = np.minimum(x, y)
    contra = np.minimum(both, 1 - y)
    sx, sy, sboth, scontra = x.sum(), y.sum(), both.sum(), contra.sum()
    return {
        "consistency": sboth / sx if sx else math.nan,
        "coverage": sboth / sy if sy else math.nan,
        "pri": (sboth - scontra) / (sx - scontra) if sx - scontra else math.nan,
    }


def _necessity(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    both = np.minimum(x, y)
    sx, sy, sboth = x.sum(), y.sum(), both.sum()
    denominator = (1 - both).sum()
    return {
        "consistency": sboth / sy if sy else math.nan,
        "coverage": sboth / sx if sx else math.nan,
        "ron": (1 - x).sum() / denominator if denominator else math.nan,
    }


@dataclass(frozen=True)
class FitResult:
    """Parameters of fit of one expression for one outcome.

    Attributes
    ----------
    expression, outcome
        As given.
    relation
        ``"sufficiency"`` or ``"necessity"``.
    consistency, coverage
        Inclusion and coverage scores.
    pri
        Proportional reduction in inconsistency (sufficiency only, else ``None``).
    ron
        Relevance of necessity (necessity only, else ``None``).
    n
        Number of cases.
    """

    expression: str
    outcome: str
    relation: str
    consistency: float
    coverage: float
    pri: float | None
    ron: float | None
    n: int

    @property
    def statistic(self) -> float:
        """The consistency score (for symmetry with the exact tests)."""
        return self.consistency

    @property
    def method(self) -> str:
        """Name of the analysis, in French."""
        return "Suffisance" if self.relation == "sufficiency" else "Nécessité"

    def summary(self) -> str:
        """One line in French, e.g. ``"Suffisance de DEV*URB pour SURV : consistance = 0,813 ; ..."``."""
        third = (
            f"PRI = {french.number(self.pri, 3)}"
            if self.relation == "sufficiency"
            else f"RoN = {french.number(self.ron, 3)}"
        )
        return (
            f"{self.method} de {self.expression} pour {self.outcome} : consistance = {french.number(self.consistency, 3)} ; "
            f"couverture = {french.number(self.coverage, 3)} ; {third} (n = {self.n})."
        )


def fit(data, expression: str, outcome: str, relation: str = "sufficiency", *, set_type: str = "auto") -> FitResult:
    """Parameters of fit of ``expression`` with respect to ``outcome`` (R QCA ``pof``).

    Parameters
    ----------
    data
        DataFrame of set memberships.
    expression
        Boolean expression in R QCA notation, e.g. ``"DEV*URB"`` or ``"LIT + STB"``.
    outcome
        Outcome column, or an expression such as ``"~SURV"``.
    relation
        ``"sufficiency"``: consistency ``sum(min(X, Y)) / sum(X)``, coverage
        ``sum(min(X, Y)) / sum(Y)``, PRI ``(sum(min(X, Y)) - sum(min(X, Y, 1 - Y))) /
        (sum(X) - sum(min(X, Y, 1 - Y)))``. ``"necessity"``: consistency
        ``sum(min(X, Y)) / sum(Y)``, coverage ``sum(min(X, Y)) / sum(X)``, RoN
        ``sum(1 - X) / sum(1 - min(X, Y))``.
    set_type
        See :func:`truth_table`.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> fit(lf, "DEV*URB", "SURV").consistency  # doctest: +SKIP
    0.8133874239350914
    """
    if relation not in ("sufficiency", "necessity"):
        raise ParameterError(f"relation={relation!r} : valeurs possibles 'sufficiency' ou 'necessity'")
    x = membership(data, expression, set_type=set_type)
    y = membership(data, outcome, set_type=set_type)
    scores = _sufficiency(x, y) if relation == "sufficiency" else _necessity(x, y)
    return FitResult(
        expression=expression,
        outcome=outcome,
        relation=relation,
        consistency=float(scores["consistency"]),
        coverage=float(scores["coverage"]),
        pri=float(scores["pri"]) if "pri" in scores else None,
        ron=float(scores["ron"]) if "ron" in scores else None,
        n=len(x),
    )


def fit_table(data, expressions: Sequence[str], outcome: str, relation: str = "sufficiency") -> pd.DataFrame:
    """Parameters of fit of several expressions, one row each (a necessity screen, say).

    Returns
    -------
    pandas.DataFrame
        Index the expressions; columns ``consistency``, ``coverage`` and ``pri``
        (sufficiency) or ``ron`` (necessity).
    """
    rows = {}
    for expression in expressions:
        res = fit(data, expression, outcome, relation)
        third = ("pri", res.pri) if relation == "sufficiency" else ("ron", res.ron)
        rows[expression] = {"consistency": res.consistency, "coverage": res.coverage, third[0]: third[1]}
    return pd.DataFrame.from_dict(rows, orient="index")


# ---------------------------------------------------------------------------
# Truth table
# ---------------------------------------------------------------------------


def _level_memberships(values: np.ndarray, nlevels: int, level: int) -> np.ndarray:
    """Membership of each case in ``condition == level``."""
    if nlevels == 0:  # fuzzy
        return values if level == 1 else 1.0 - values
    return (values == level).astype(float)


@dataclass
class TruthTable:
    """A truth table (R QCA ``truthTable``).

    Attributes
    ----------
    table
        DataFrame indexed by R's row number (1-based), with one column per condition
        (levels 0/1 or 0, 1, 2...), ``OUT`` (``"1"``, ``"0"``, ``"C"`` or ``"?"`` for a
        remainder, including observed rows below ``n_cut``), ``n``, ``incl``, ``PRI``
        (``nan`` for unobserved rows) and ``cases`` (comma-separated case labels).
    conditions, outcome
        Names.
    levels
        Number of levels of each condition.
    incl_cut, n_cut, pri_cut
        Thresholds used.
    multivalue
        Whether any condition has more than two levels.
    memberships
        Cases × rows membership matrix (R's ``minmat``).
    """

    table: pd.DataFrame
    conditions: list[str]
    outcome: str
    levels: list[int]
    incl_cut: tuple[float, float]
    n_cut: int
    pri_cut: float
    multivalue: bool
    memberships: np.ndarray = field(repr=False)
    outcome_values: np.ndarray = field(repr=False)
    case_labels: list[str] = field(repr=False)

    def summary(self) -> str:
        """The observed rows as text, in French."""
        observed = self.table[self.table["n"] > 0]
        lines = [
            f"Table de vérité pour {self.outcome} ({len(self.conditions)} conditions, "
            f"seuil de consistance {french.number(self.incl_cut[1], 2)}, n minimal {self.n_cut}) :"
        ]
        for row, rec in observed.iterrows():
            config = "".join(str(int(rec[c])) for c in self.conditions)
            lines.append(
                f"- ligne {row} ({config}) : OUT = {rec['OUT']}, n = {int(rec['n'])}, "
                f"consistance = {french.number(rec['incl'], 3)}, PRI = {french.number(rec['PRI'], 3)} ; cas : {rec['cases']}"
            )
        return "\n".join(lines)


def _row_codes(levels: Sequence[int], rows: np.ndarray) -> np.ndarray:
    """Configurations (levels) of R row numbers (1-based)."""
    codes = np.empty((rows.size, len(levels)), dtype=np.int64)
    rest = rows - 1
    for j in range(len(levels) - 1, -1, -1):
        codes[:, j] = rest % levels[j]
        rest = rest // levels[j]
    return codes


def _row_numbers(levels: Sequence[int], configs: np.ndarray) -> np.ndarray:
    base = np.cumprod([1] + list(levels[::-1]))[:-1][::-1]
    return configs @ base + 1


def _agteb(a: np.ndarray, b: float) -> np.ndarray:
    """admisc's "approximately greater than or equal": ``a >= b`` up to R's tolerance."""
    return (a > b) | (np.abs(a - b) < R_TOLERANCE)


def _check_cuts(incl_cut, n_cut, pri_cut) -> tuple[float, float]:
    """The inclusion cuts ``(ic1, ic0)``, after checking the three cut-offs."""
    cuts = [float(c) for c in np.atleast_1d(incl_cut)]
    if len(cuts) not in (1, 2) or not all(0 <= c <= 1 for c in cuts):
        raise ParameterError(f"incl_cut={incl_cut!r} : un ou deux nombres dans [0, 1] sont attendus")
    ic1, ic0 = (cuts[0], cuts[0]) if len(cuts) == 1 else (cuts[0], cuts[1])
    if ic0 > ic1:
        raise ParameterError(f"incl_cut={incl_cut!r} : le second seuil (d'exclusion) ne doit pas dépasser le premier")
    if not (isinstance(n_cut, (int, np.integer)) and n_cut >= 1):
        raise ParameterError(f"n_cut={n_cut!r} : un entier au moins égal à 1 est attendu")
    if not 0 <= pri_cut <= 1:
        raise ParameterError(f"pri_cut={pri_cut!r} : un nombre dans [0, 1] est attendu")
    return ic1, ic0


def _row_memberships(frame, conditions, values, levels, eff_levels):
    """Rows of the truth table, each case's row, cases at 0.5, row codes and memberships."""
    ncases = len(frame)
    # each case's crisp configuration (fuzzy: membership above 0.5)
    configs = np.column_stack(
        [
            (values[c] > 0.5).astype(np.int64) if lv == 0 else values[c].astype(np.int64)
            for c, lv in zip(conditions, levels)
        ]
    )
    at_half = np.zeros(ncases, dtype=bool)
    for c, lv in zip(conditions, levels):
        if lv == 0:
            at_half |= np.abs(values[c] - 0.5) < R_TOLERANCE
    case_rows = _row_numbers(eff_levels, configs)
    total_rows = int(np.prod(eff_levels))
    if len(conditions) <= 7:
        rows = np.arange(1, total_rows + 1)
    else:
        rows = np.unique(case_rows[~at_half])
    codes = _row_codes(eff_levels, rows)
    member = np.ones((ncases, rows.size))
    for j, (c, lv) in enumerate(zip(conditions, levels)):
        per_level = np.column_stack([_level_memberships(values[c], lv, v) for v in range(eff_levels[j])])
        member = np.minimum(member, per_level[:, codes[:, j]])
    return rows, case_rows, at_half, codes, member


def _outcome_codes(n, incl, pri, ic1, ic0, n_cut, pri_cut) -> np.ndarray:
    """``OUT`` of each row: ``"1"``, ``"0"``, ``"C"`` (contradiction) or ``"?"`` (remainder)."""
    out = np.full(n.size, "?", dtype=object)
    kept = n >= n_cut
    positive = _agteb(incl, ic1) & _agteb(pri, pri_cut)
    out[kept] = np.where(positive[kept], "1", "0")
    out[kept & (incl < ic1) & _agteb(incl, ic0) & (ic0 < ic1)] = "C"
    return out


def truth_table(
    data,
    outcome: str,
    conditions: Sequence[str] | str | None = None,
    incl_cut: float | Sequence[float] = 1,
    n_cut: int = 1,
    pri_cut: float = 0,
    *,
    set_type: str = "auto",
) -> TruthTable:
    """Build the truth table of ``outcome`` on ``conditions`` (R QCA ``truthTable``).

    Parameters
    ----------
    data
        DataFrame of memberships, one row per case (the index labels the cases).
    outcome
        Outcome column; ``"~SURV"`` analyses its negation.
    conditions
        Condition columns (a list or a comma-separated string); default all other columns.
    incl_cut
        Inclusion cut-off: rows with consistency at or above it are ``"1"``. Two values
        ``(ic1, ic0)`` mark rows in ``[ic0, ic1)`` as contradictions ``"C"``.
    n_cut
        Rows with fewer cases are remainders (``"?"``).
    pri_cut
        Rows need a PRI at or above it to be ``"1"``.
    set_type
        ``"auto"`` (0/1 crisp, fractions fuzzy, whole numbers above 1 multi-value),
        ``"crisp"`` (every value must be 0 or 1), ``"fuzzy"`` (memberships in [0, 1]) or
        ``"multivalue"``.

    Returns
    -------
    TruthTable

    Raises
    ------
    ParameterError
        Unknown columns, values that do not fit ``set_type`` (naming the column and case),
        memberships outside [0, 1], fewer than three cases, cut-offs out of range.
    """
    negate = outcome.startswith("~")
    outcome_name = outcome[1:].strip() if negate else outcome
    frame, conditions, values, levels, y = _prepare(data, conditions, outcome_name, set_type)
    if negate:
        y = 1.0 - y
    ic1, ic0 = _check_cuts(incl_cut, n_cut, pri_cut)
    multivalue = any(lv > 2 for lv in levels)
    eff_levels = [lv if lv else 2 for lv in levels]
    rows, case_rows, at_half, codes, member = _row_memberships(frame, conditions, values, levels, eff_levels)
    n = (member > 0.5).sum(axis=0)
    sx = member.sum(axis=0)
    both = np.minimum(member, y[:, None]).sum(axis=0)
    contra = np.minimum(np.minimum(member, y[:, None]), 1 - y[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = np.where(n > 0, both / sx, np.nan)
        pri = np.where(n > 0, (both - contra) / (sx - contra), np.nan)
    out = _outcome_codes(n, incl, pri, ic1, ic0, n_cut, pri_cut)
    labels = [str(v) for v in frame.index]
    cases = [",".join(labels[i] for i in np.flatnonzero((case_rows == r) & ~at_half)) for r in rows]
    table = pd.DataFrame(codes, index=pd.Index(rows, name="row"), columns=conditions)
    table["OUT"] = out
    table["n"] = n
    table["incl"] = incl
    table["PRI"] = pri
    table["cases"] = cases
    return TruthTable(
        table=table,
        conditions=conditions,
        outcome=outcome,
        levels=eff_levels,
        incl_cut=(ic0, ic1),
        n_cut=int(n_cut),
        pri_cut=float(pri_cut),
        multivalue=multivalue,
        memberships=member,
        outcome_values=y,
        case_labels=labels,
    )


# ---------------------------------------------------------------------------
# Boolean minimisation
# ---------------------------------------------------------------------------
# An implicant is a tuple with one code per condition: 0 when the condition is
# minimised away, level + 1 otherwise (R's implicant matrix coding).


def _discovery_key(code: tuple[int, ...]) -> tuple:
    """Order of discovery by increasing complexity: complexity, conditions, then levels."""
    cols = tuple(j for j, v in enumerate(code) if v)
    return (len(cols), cols, tuple(code[j] for j in cols))


def _complete_primes(on_rows: list[tuple[int, ...]], levels: Sequence[int]) -> list[tuple[int, ...]]:
    """Prime implicants of the ``on`` rows when every other row is off (Quine-McCluskey).

    Implicants are merged a condition at a time when all its levels are present with the
    rest equal; those never merged are prime.
    """
    current = {tuple(v + 1 for v in row) for row in on_rows}
    primes: set[tuple[int, ...]] = set()
    while current:
        merged: set[tuple[int, ...]] = set()
        used: set[tuple[int, ...]] = set()
        for imp in current:
            for j, v in enumerate(imp):
                if not v:
                    continue
                variants = [imp[:j] + (lv + 1,) + imp[j + 1 :] for lv in range(levels[j])]
                if all(var in current for var in variants):
                    merged.add(imp[:j] + (0,) + imp[j + 1 :])
                    used.update(variants)
        primes |= current - used
        current = merged
    return sorted(primes, key=_discovery_key)


def _prime_implicants(on: np.ndarray, levels: Sequence[int], off: np.ndarray | None) -> list[tuple[int, ...]]:
    """Prime implicants covering at least one ``on`` row, by increasing complexity.

    With ``off`` given, an implicant is admissible when it covers no ``off`` row (rows
    in neither set are "don't care": the parsimonious search, by increasing complexity
    as R's CCubes). With ``off=None`` it must cover only ``on`` rows (every other row
    is off: the conservative search, by Quine-McCluskey merging as R's QMC).
    The result is in discovery order: complexity, then conditions, then levels.
    """
    k = len(levels)
    on_rows = [tuple(int(v) for v in row) for row in on]
    if off is None:
        return _complete_primes(on_rows, levels)
    off_rows = [tuple(int(v) for v in row) for row in off]
    found: list[tuple[int, ...]] = []
    found_sets: list[frozenset[tuple[int, int]]] = []
    for size in range(1, k + 1):
        for cols in itertools.combinations(range(k), size):
            projections = sorted({tuple(row[c] for c in cols) for row in on_rows})
            blocked = {tuple(row[c] for c in cols) for row in off_rows}
            for proj in projections:
                if proj in blocked:
                    continue
                literals = frozenset(zip(cols, proj))
                if any(prior <= literals for prior in found_sets):
                    continue
                code = [0] * k
                for c, v in literals:
                    code[c] = v + 1
                found.append(tuple(code))
                found_sets.append(literals)
    return found


@functools.lru_cache(maxsize=512)
def _sorted_complete_primes(
    on_rows: tuple[tuple[int, ...], ...], levels: tuple[int, ...]
) -> tuple[tuple[int, ...], ...]:
    """:func:`_complete_primes` in R's order, cached: the intermediate solutions of tied
    models often minimise the same rows again."""
    return tuple(_r_sort(_complete_primes(list(on_rows), levels)))


def _r_sort(implicants: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Order implicants as R QCA's C routine ``sort_matrix`` does.

    For each condition from the last to the first: move larger codes before smaller ones
    (minimised conditions last), then re-sort the leading run of non-zero codes in
    increasing order (as R, leaving out the last element when no code is zero); finally a
    stable sort by complexity. Reproducing these passes, including that boundary, gives
    the order in which R lists prime implicants and solution terms.
    """
    order = list(range(len(implicants)))
    nconds = len(implicants[0]) if implicants else 0
    # R's passes move each element before the first one it beats (a selection sort that
    # keeps the order of the others): the same as a stable sort, here in O(n log n).
    for i in range(nconds - 1, -1, -1):
        order.sort(key=lambda idx, i=i: implicants[idx][i], reverse=True)
        zero = next((p for p, idx in enumerate(order) if implicants[idx][i] == 0), len(order) - 1)
        order[:zero] = sorted(order[:zero], key=lambda idx, i=i: implicants[idx][i])
    order.sort(key=lambda idx: sum(1 for v in implicants[idx] if v))
    return [implicants[idx] for idx in order]


def _covers(implicant: Sequence[int], configs: np.ndarray) -> np.ndarray:
    mask = np.ones(len(configs), dtype=bool)
    for j, code in enumerate(implicant):
        if code:
            mask &= configs[:, j] == code - 1
    return mask


#: Largest number of tied minimal covers :func:`minimize` lists; past it, an error says so.
MAX_TIED_SOLUTIONS = 64


def _minimum_cover_size(sub: np.ndarray) -> int:
    """Smallest number of rows of ``sub`` that cover every column, by integer programming."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    nrows = sub.shape[0]
    res = milp(
        c=np.ones(nrows),
        constraints=LinearConstraint(sub.T.astype(float), lb=np.ones(sub.shape[1]), ub=np.inf),
        integrality=np.ones(nrows),
        bounds=Bounds(0, 1),
    )
    if not res.success:  # pragma: no cover - the chart is checked coverable first
        raise ParameterError(f"la table des impliquants premiers n'a pas pu être résolue : {res.message}")
    return int(round(res.fun))


def _covers_of_size(sub: np.ndarray, size: int) -> list[tuple[int, ...]]:
    """Every set of ``size`` rows of ``sub`` covering all its columns, in lexicographic order.

    Branch and bound on bit masks: take the uncovered column with the fewest rows still
    allowed, try each of its rows in turn (excluding, in the later branches, the rows
    already tried, so that each set is found once), and stop a branch when the rows left
    in the budget cannot cover what remains. Past :data:`MAX_TIED_SOLUTIONS` covers, an error.
    """
    nrows, ncols = sub.shape
    found: list[tuple[int, ...]] = []

    def extend(chosen: tuple[int, ...], covered: np.ndarray, excluded: np.ndarray) -> None:
        if covered.all():
            found.append(tuple(sorted(chosen)))
            if len(found) > MAX_TIED_SOLUTIONS:
                raise ParameterError(
                    f"plus de MAX_TIED_SOLUTIONS = {MAX_TIED_SOLUTIONS} solutions minimales à égalité "
                    f"({size} impliquants chacune) : trop de modèles équivalents pour les énumérer ; "
                    "réduire le nombre de conditions ou relever le seuil de consistance"
                )
            return
        budget = size - len(chosen)
        open_rows = sub[:, ~covered] & ~excluded[:, None]
        gains = open_rows.sum(axis=1)
        need = int((~covered).sum())
        if budget == 0 or int(np.sort(gains)[-budget:].sum()) < need:
            return
        per_column = open_rows.sum(axis=0)
        if (per_column == 0).any():
            return
        column = int(np.flatnonzero(~covered)[int(np.argmin(per_column))])
        skip = excluded.copy()
        for i in np.flatnonzero(sub[:, column] & ~excluded).tolist():
            extend(chosen + (i,), covered | sub[i], skip.copy())
            skip[i] = True

    extend((), np.zeros(ncols, dtype=bool), np.zeros(nrows, dtype=bool))
    return sorted(found)


def _minimal_covers(chart: np.ndarray) -> list[tuple[int, ...]]:
    """All covers of the columns by a minimum number of rows (row indices, sorted).

    Essential rows (the only cover of some column) are in every minimum cover. The
    smallest number of further rows is found by integer programming
    (``scipy.optimize.milp``); then every cover of that size is listed by a pruned
    depth-first search, in the lexicographic order of the candidate rows (R's order).
    """
    nrows, ncols = chart.shape
    if ncols == 0:
        return [()]
    if not chart.any(axis=0).all():
        raise ParameterError(
            "la table des impliquants premiers n'a pas de solution : une ligne à expliquer n'est couverte par aucun impliquant"
        )
    essential = sorted({int(np.flatnonzero(chart[:, j])[0]) for j in range(ncols) if chart[:, j].sum() == 1})
    covered = chart[essential].any(axis=0) if essential else np.zeros(ncols, dtype=bool)
    rest_cols = np.flatnonzero(~covered)
    if rest_cols.size == 0:
        return [tuple(essential)]
    candidates = [r for r in range(nrows) if r not in essential and chart[r, rest_cols].any()]
    sub = chart[np.ix_(candidates, rest_cols)]
    size = _minimum_cover_size(sub)
    return [tuple(sorted(essential + [candidates[i] for i in combo])) for combo in _covers_of_size(sub, size)]


def _write_term(implicant: Sequence[int], conditions: Sequence[str], multivalue: bool) -> str:
    parts = []
    for name, code in zip(conditions, implicant):
        if not code:
            continue
        if multivalue:
            parts.append(f"{name}[{code - 1}]")
        else:
            parts.append(name if code == 2 else f"~{name}")
    return "*".join(parts)


@dataclass(frozen=True)
class _Minimisation:
    """Prime implicants (R order), the chart against the explained rows, minimal solutions."""

    primes: list[tuple[int, ...]]
    solutions: list[list[tuple[int, ...]]]


def _solve(on: np.ndarray, explain: np.ndarray, levels: Sequence[int], off: np.ndarray | None) -> _Minimisation:
    if off is None:
        primes = list(_sorted_complete_primes(tuple(sorted({tuple(int(v) for v in row) for row in on})), tuple(levels)))
    else:
        primes = _r_sort(_prime_implicants(on, levels, off))
    chart = np.array([_covers(p, explain) for p in primes], dtype=bool).reshape(len(primes), len(explain))
    keep = chart.any(axis=1)
    primes = [p for p, k in zip(primes, keep) if k]
    chart = chart[keep]
    covers = _minimal_covers(chart)
    return _Minimisation(primes=primes, solutions=[[primes[i] for i in cover] for cover in covers])


def _parse_directional(dir_exp, conditions: Sequence[str], levels: Sequence[int]) -> dict[int, set[int]]:
    """Directional expectations as ``{condition index: expected levels}``.

    Accepts a mapping ``{"DEV": 1, "URB": 0, "LIT": "-"}`` (a list of levels for
    multi-value conditions, ``"-"`` or ``None`` for no expectation) or R's string form
    ``"DEV, ~URB, LIT[1]"``.
    """
    result: dict[int, set[int]] = {}
    if isinstance(dir_exp, str):
        item = r"\s*(~?)\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\[([0-9,\s]*)\])?\s*"
        if not re.fullmatch(rf"{item}(?:,{item})*", dir_exp):
            raise ParameterError(f"dir_exp={dir_exp!r} : une forme telle que 'DEV, ~URB, LIT[1]' est attendue")
        dir_exp = {
            name: [int(v) for v in lv.split(",")] if lv else (0 if neg else 1)
            for neg, name, lv in re.findall(item, dir_exp)
        }
    if not isinstance(dir_exp, Mapping):
        raise ParameterError(f"dir_exp : un dictionnaire condition -> niveau attendu est attendu, reçu {dir_exp!r}")
    for name, value in dir_exp.items():
        if name not in conditions:
            raise ParameterError(f"dir_exp nomme {name!r}, qui n'est pas l'une des conditions {list(conditions)}")
        j = list(conditions).index(name)
        if value is None or value == "-":
            continue
        expected = {int(v) for v in np.atleast_1d(value)}
        if not expected <= set(range(levels[j])):
            raise ParameterError(f"dir_exp[{name!r}] = {value!r} : niveau(x) attendu(s) parmi {list(range(levels[j]))}")
        result[j] = expected
    return result


@dataclass
class IntermediateSolution:
    """One intermediate solution set, for a pair (conservative solution, parsimonious solution).

    Attributes
    ----------
    conservative, parsimonious
        The two solutions it was derived from, in R notation.
    solutions
        The intermediate solutions (all tied minimal ones), in R notation.
    easy, difficult
        R row numbers of the easy and difficult counterfactuals (simplifying assumptions
        of the parsimonious solution consistent, or not, with the expectations).
    """

    conservative: str
    parsimonious: str
    solutions: list[str]
    easy: list[int]
    difficult: list[int]


@dataclass
class Solution:
    """Result of :func:`minimize`.

    Attributes
    ----------
    truth_table
        The truth table (DataFrame, see :class:`TruthTable`).
    conservative, parsimonious
        All tied minimal solutions, each a string in R QCA notation
        (``"DEV*~IND + URB*STB"``), in R's order.
    intermediate
        Intermediate solutions given ``dir_exp`` (``None`` without expectations).
    intermediate_details
        One :class:`IntermediateSolution` per pair of conservative and parsimonious
        solutions, with the easy and difficult counterfactuals.
    simplifying_assumptions
        For each parsimonious solution, the R row numbers of the remainders it uses.
    """

    truth_table: pd.DataFrame
    conservative: list[str]
    parsimonious: list[str]
    intermediate: list[str] | None
    intermediate_details: list[IntermediateSolution]
    simplifying_assumptions: list[list[int]]
    tt: TruthTable = field(repr=False)
    condition_values: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    def term_fits(self, solution: str) -> pd.DataFrame:
        """Parameters of fit of each term of ``solution`` (R's ``incl``, ``PRI``, ``covS``, ``covU``).

        Parameters
        ----------
        solution
            One of the solution strings (or any sum of products on the same conditions).

        Returns
        -------
        pandas.DataFrame
            Index the terms; columns ``consistency``, ``pri``, ``raw_coverage``,
            ``unique_coverage`` (``nan`` when the solution has a single term) and
            ``cases`` (the cases of the explained truth-table rows the term covers, in row
            order, as R lists them). A last row ``"(solution)"`` gives the solution's fit.
        """
        tt = self.tt
        terms = [t.strip() for t in solution.split("+")]
        y = tt.outcome_values
        term_members = [evaluate(Parser(t).parse(), self.condition_values) for t in terms]
        whole = np.maximum.reduce(term_members)
        rows = {}
        explained = tt.table[tt.table["OUT"] == "1"]
        for k, (term, x) in enumerate(zip(terms, term_members)):
            suff = _sufficiency(x, y)
            if len(terms) > 1:
                others = np.maximum.reduce([m for i, m in enumerate(term_members) if i != k])
                unique = _sufficiency(whole, y)["coverage"] - _sufficiency(others, y)["coverage"]
            else:
                unique = math.nan
            node = Parser(term).parse()
            covered = []
            for _, rec in explained.iterrows():
                config = {c: np.array([float(rec[c])]) for c in tt.conditions}
                if evaluate(node, config)[0] > 0.5 and rec["cases"]:
                    covered.extend(rec["cases"].split(","))
            rows[term] = {
                "consistency": suff["consistency"],
                "pri": suff["pri"],
                "raw_coverage": suff["coverage"],
                "unique_coverage": unique,
                "cases": covered,
            }
        total = _sufficiency(whole, y)
        rows["(solution)"] = {
            "consistency": total["consistency"],
            "pri": total["pri"],
            "raw_coverage": total["coverage"],
            "unique_coverage": math.nan,
            "cases": [],
        }
        return pd.DataFrame.from_dict(rows, orient="index")

    def families(self) -> list[tuple[str, str, str, pd.Series]]:
        """Every solution with its family and overall fit, in report order.

        Returns
        -------
        list of tuple
            ``(family, tag, solution, fit)``: the French family name
            (``"conservatrice"``, ``"parcimonieuse"``, ``"intermédiaire"``), ``"M1"``,
            ``"M2"``... when the family has tied solutions (else ``""``), the solution
            string, and its row ``"(solution)"`` of :meth:`term_fits`.
        """
        groups = [("conservatrice", self.conservative), ("parcimonieuse", self.parsimonious)]
        if self.intermediate is not None:
            groups.append(("intermédiaire", self.intermediate))
        return [
            (label, f"M{k}" if len(sols) > 1 else "", sol, self.term_fits(sol).loc["(solution)"])
            for label, sols in groups
            for k, sol in enumerate(sols, start=1)
        ]

    def summary(self) -> str:
        """The solutions and their fit, in French."""
        lines = [
            f"Minimisation booléenne pour {self.tt.outcome} (seuil de consistance {french.number(self.tt.incl_cut[1], 2)}) :"
        ]
        for label, tag, sol, fits in self.families():
            lines.append(
                f"- solution {label}{' ' + tag if tag else ''} : {sol} → consistance = "
                f"{french.number(fits['consistency'], 3)}, PRI = {french.number(fits['pri'], 3)}, "
                f"couverture = {french.number(fits['raw_coverage'], 3)}"
            )
        return "\n".join(lines)


def _simplifying_assumptions(parsimonious, levels, all_rows, positive_rows) -> list[list[int]]:
    """For each parsimonious solution, the R row numbers of the remainders it covers."""
    positives = set(positive_rows.tolist())
    all_codes = _row_codes(levels, all_rows)
    out = []
    for sol in parsimonious.solutions:
        covered = np.zeros(all_rows.size, dtype=bool)
        for term in sol:
            covered |= _covers(term, all_codes)
        out.append([int(r) for r in all_rows[covered] if r not in positives])
    return out


def _reduced_terms(csol, psol, expectations) -> list[tuple[int, ...]]:
    """Conservative terms stripped of the literals that contradict an expectation (R's rule)."""
    reduced = []
    for comp in csol:
        for pars in psol:
            if all(p == 0 or p == c for p, c in zip(pars, comp)):
                reduced.append(
                    tuple(
                        0 if (c and not p and j in expectations and (c - 1) not in expectations[j]) else c
                        for j, (c, p) in enumerate(zip(comp, pars))
                    )
                )
    return reduced


def _intermediate(conservative, parsimonious, simplifying, expectations, pos, levels, write):
    """One :class:`IntermediateSolution` per pair of conservative and parsimonious solutions."""
    pairs = len(conservative.solutions) * len(parsimonious.solutions)
    if pairs > MAX_TIED_SOLUTIONS:
        raise ParameterError(
            f"{len(conservative.solutions)} solutions conservatrices × {len(parsimonious.solutions)} parcimonieuses : "
            f"{pairs} paires à minimiser pour la solution intermédiaire, au-delà de MAX_TIED_SOLUTIONS = "
            f"{MAX_TIED_SOLUTIONS} ; réduire le nombre de conditions ou relever le seuil de consistance"
        )
    details = []
    for csol in conservative.solutions:
        for psol, sa in zip(parsimonious.solutions, simplifying):
            reduced = _reduced_terms(csol, psol, expectations)
            sa_codes = _row_codes(levels, np.array(sa, dtype=np.int64))
            easy_mask = np.zeros(len(sa), dtype=bool)
            for term in reduced:
                easy_mask |= _covers(term, sa_codes)
            easy = [r for r, e in zip(sa, easy_mask) if e]
            difficult = [r for r, e in zip(sa, easy_mask) if not e]
            on = np.vstack([pos, _row_codes(levels, np.array(easy, dtype=np.int64))]) if easy else pos
            isol = _solve(on, pos, levels, None)
            written = [write(sol) for sol in isol.solutions]
            details.append(IntermediateSolution(write(csol), write(psol), written, easy, difficult))
    return details


def minimize(
    data,
    outcome: str,
    conditions: Sequence[str] | str | None = None,
    incl_cut: float | Sequence[float] = 1,
    n_cut: int = 1,
    pri_cut: float = 0,
    dir_exp: Mapping[str, object] | str | None = None,
    *,
    set_type: str = "auto",
) -> Solution:
    """Boolean minimisation of a truth table (R QCA ``minimize``).

    Parameters
    ----------
    data
        DataFrame of memberships, one row per case (index: case labels).
    outcome
        Outcome column (``"~SURV"`` for its negation).
    conditions
        Condition columns; default all other columns.
    incl_cut, n_cut, pri_cut, set_type
        As :func:`truth_table`.
    dir_exp
        Directional expectations for the intermediate solution, e.g.
        ``{"DEV": 1, "URB": 1, "LIT": "-"}`` or ``"DEV, URB, ~IND"``.

    Returns
    -------
    Solution
        ``.truth_table``, ``.conservative``, ``.parsimonious`` and ``.intermediate``
        (lists of solution strings; all tied minimal solutions, in R's order). How they
        are found: see the module docstring.

    Raises
    ------
    ParameterError
        As :func:`truth_table`; also when no row is positive, or ``dir_exp`` names an
        unknown condition or level.
    """
    tt = truth_table(data, outcome, conditions, incl_cut, n_cut, pri_cut, set_type=set_type)
    table = tt.table
    levels = tt.levels
    all_rows = np.arange(1, int(np.prod(levels)) + 1)
    observed_out = pd.Series("?", index=all_rows, dtype=object)
    observed_out.loc[table.index] = table["OUT"].to_numpy()
    positive_rows = observed_out.index[observed_out == "1"].to_numpy()
    negative_rows = observed_out.index[observed_out.isin(["0", "C"])].to_numpy()
    if positive_rows.size == 0:
        raise ParameterError(
            f"aucune ligne de la table de vérité n'atteint incl_cut={incl_cut!r} pour {outcome!r} : rien à expliquer"
        )
    pos = _row_codes(levels, positive_rows)
    neg = _row_codes(levels, negative_rows)
    conservative = _solve(pos, pos, levels, None)
    parsimonious = _solve(pos, pos, levels, neg)

    def write(sol) -> str:
        return " + ".join(_write_term(t, tt.conditions, tt.multivalue) for t in sol)

    simplifying = _simplifying_assumptions(parsimonious, levels, all_rows, positive_rows)
    intermediate = None
    details: list[IntermediateSolution] = []
    if dir_exp is not None:
        expectations = _parse_directional(dir_exp, tt.conditions, levels)
        details = _intermediate(conservative, parsimonious, simplifying, expectations, pos, levels, write)
        intermediate = []
        for d in details:
            intermediate.extend(w for w in d.solutions if w not in intermediate)
    solution = Solution(
        truth_table=table,
        conservative=[write(s) for s in conservative.solutions],
        parsimonious=[write(s) for s in parsimonious.solutions],
        intermediate=intermediate,
        intermediate_details=details,
        simplifying_assumptions=simplifying,
        tt=tt,
        condition_values={c: _as_frame(data)[c].to_numpy(dtype=float) for c in tt.conditions},
    )
    return solution
