"""The five hypotheses H1-H5, operationalised and tested.

``data/study/operationalisation.csv`` gives, for each hypothesis, its conditions, its
outcome (and a secondary outcome or a territorial context where one makes sense), where
each comes from (``territory`` indicators, the site assessment ``grid``, the ``coding``
of interview segments), the report section that discusses it, the expected direction
and the crisp calibration. :func:`test` runs, for one hypothesis:

Site level (n = 11)
    exact permutation tests of Spearman's rho between each condition and the outcome,
    one-sided in the expected direction, Holm-adjusted within the hypothesis; Fisher's
    exact test on the dichotomised condition and outcome; crisp-set QCA (truth table and
    conservative, parsimonious and intermediate solutions, consistency cut 0.8) with
    :mod:`odas_analysis.stats.qca`.
Interview level
    the share of coded segments that support the hypothesis, by group of actors, with a
    GEE (binomial family, logit link, exchangeable working correlation, segments
    clustered by site; bias-reduced sandwich standard errors of Mancl and DeRouen,
    because eleven clusters make the usual robust ones too small). Segments are nested
    in interviews nested in sites; clustering by site lets the sandwich estimator absorb
    any correlation within a site, interviews included. A sensitivity refit with a nested
    working correlation (interview within site) reports the variance components and how
    far the odds ratios move.
Reliability
    Krippendorff's alpha (nominal) and Cohen's kappa on the double-coded segments, and
    ordinal alpha on the double-assessed grid conditions.

The result, :class:`HypothesisResult`, holds a tidy ``results`` table (one row per test:
``test``, ``family``, ``variables``, ``statistic_name``, ``statistic``, ``ci_low``,
``ci_high``, ``p_value``, ``p_holm``, ``n``, ``method``, ``note``) and a plain-French
``verdict_fr`` that states its limits (eleven sites, one period, qualitative coding; and
"données simulées" whenever the demonstration set is used).

Typical use in a notebook::

    from odas_analysis import hypotheses
    res = hypotheses.test("H2")
    res.results_fr()      # the table, French headers and number format
    print(res.verdict_fr)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import fieldwork, french, study
from .errors import OdasError, ParameterError
from .stats import exact, qca, reliability
from .validate import load_table

__all__ = [
    "HypothesisResult",
    "INCL_CUT",
    "ALPHA",
    "operationalisation",
    "site_data",
    "calibrated",
    "test",
    "test_all",
    "overview",
    "LIMITS_FR",
]

#: Consistency cut of the QCA truth tables.
INCL_CUT = 0.8
#: Level of the tests, after Holm's adjustment within a hypothesis.
ALPHA = 0.05
#: Reliability threshold under which codes are read with caution (Krippendorff).
RELIABILITY_THRESHOLD = 0.8
#: GEE reference group: the city and intercommunal actors.
REFERENCE_GROUP = "ville_epci"
#: Smallest number of segments for a group of actors to get its own GEE coefficient.
MIN_GROUP_SEGMENTS = 10

LIMITS_FR = (
    "Limites : onze sites observés sur une seule période (2015-2017), sans groupe de comparaison ; "
    "les niveaux de la grille et les codes des entretiens résultent d'un jugement qualitatif des chercheurs ; "
    "avec onze sites, un test n'a de puissance que pour des associations fortes, et les erreurs types du "
    "modèle par entretien (onze grappes) sont fragiles ; une association n'établit pas un effet."
)
_SIMULATED_FR = (
    "Données simulées : ce résultat illustre la méthode sur le jeu de démonstration et ne dit rien des sites réels."
)
_ALTERNATIVE = {"positive": "greater", "negative": "less", "none": "two-sided"}
_RESULT_COLUMNS = [
    "test",
    "family",
    "variables",
    "statistic_name",
    "statistic",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "n",
    "method",
    "note",
]


def operationalisation(hypothesis_id: str | None = None) -> pd.DataFrame:
    """The operationalisation table, for one hypothesis or all.

    Columns: ``hypothesis_id``, ``element`` (condition, outcome, secondary_outcome,
    context, testimony), ``variable_id``, ``label_fr``, ``data_source`` (territory, grid,
    coding), ``data_year``, ``expected_direction``, ``crisp_threshold``, ``source_id``,
    ``source_detail`` (report section).
    """
    frame = load_table("operationalisation")
    if hypothesis_id is not None:
        study.check_hypothesis_id(hypothesis_id)
        frame = frame[frame["hypothesis_id"] == hypothesis_id]
    return frame.reset_index(drop=True)


def _territory_values(variable_id: str, data_year: object) -> tuple[pd.Series | None, str]:
    """Site values of a territory indicator, or ``None`` and the reason."""
    try:
        from .national import territory

        rows = territory.site_indicators(indicator=variable_id, data_year=int(str(data_year)))
    except (ImportError, OdasError, ValueError) as exc:
        return None, f"indicateur territorial {variable_id} ({data_year}) non disponible : {exc}"
    values = rows.set_index("site_id")["value"].astype(float).reindex(study.site_ids())
    return values, ""


def site_data(hypothesis_id: str, records: fieldwork.FieldworkRecords | None = None) -> pd.DataFrame:
    """One row per site, one column per variable of the hypothesis (raw values).

    Grid variables are the primary assessment levels (0-3); territory variables the
    indicator's value for the site; ``support_share`` the share of the site's primary-coded
    segments on the hypothesis coded "supports". ``.attrs["notes"]`` lists variables that
    could not be read.
    """
    ops = operationalisation(hypothesis_id)
    records = records or fieldwork.load_records()
    levels = fieldwork.site_levels(records).set_index("site_id")
    out = pd.DataFrame(index=pd.Index(study.site_ids(), name="site_id"))
    notes: list[str] = []
    for _, op in ops.iterrows():
        var = str(op["variable_id"])
        if op["data_source"] == "grid":
            out[var] = levels[var].astype(float) if var in levels.columns else np.nan
            if var not in levels.columns:
                notes.append(f"condition {var} absente de la grille")
        elif op["data_source"] == "territory":
            values, note = _territory_values(var, op["data_year"])
            out[var] = values if values is not None else np.nan
            if note:
                notes.append(note)
        else:
            share = fieldwork.support_share_by_site(hypothesis_id, records).set_index("site_id")
            out[var] = share["support_share"].astype(float)
    out.attrs["notes"] = notes
    out.attrs["source"] = records.source.attrs_source
    return out


def calibrated(hypothesis_id: str, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Crisp memberships (0/1) of the conditions, context and outcome, for QCA.

    Grid levels are in the set from the level given by ``crisp_threshold`` (2: "largely
    present"); territory indicators at or above the median of the eleven sites. Columns
    are named in upper case, as QCA writes conditions. Sites with a missing value are
    dropped.
    """
    ops = operationalisation(hypothesis_id)
    data = site_data(hypothesis_id) if data is None else data
    out = pd.DataFrame(index=data.index)
    for _, op in ops[ops["element"].isin(["condition", "context", "outcome"])].iterrows():
        var = str(op["variable_id"])
        values = data[var]
        if values.isna().all():
            continue
        threshold = str(op["crisp_threshold"])
        cut = float(values.median()) if threshold == "median" else float(threshold)
        member = (values >= cut).astype(float).where(values.notna())
        out[var.upper()] = member
    return out.dropna().astype(int)


@dataclass
class HypothesisResult:
    """Everything :func:`test` found for one hypothesis.

    Attributes
    ----------
    hypothesis_id, label_fr, statement_fr
        The hypothesis.
    results
        Tidy table, one row per test (see the module docstring).
    site_data
        The site-level values tested.
    calibrated
        Crisp memberships used by QCA.
    truth_table
        QCA truth table (``None`` when QCA could not run).
    gee_table
        Share of segments supporting the hypothesis by group of actors: observed and
        modelled, with the odds ratio against the reference group.
    verdict_class
        ``"soutenue"``, ``"partiellement soutenue"``, ``"non confirmée"``, or ``"non testée"``
        when the records are too few for any test.
    verdict_fr
        The verdict in plain French, with its limits.
    source
        :func:`odas_analysis.fieldwork.data_source` of the records used.
    """

    hypothesis_id: str
    label_fr: str
    statement_fr: str
    results: pd.DataFrame
    site_data: pd.DataFrame
    calibrated: pd.DataFrame
    truth_table: pd.DataFrame | None
    gee_table: pd.DataFrame
    verdict_class: str
    verdict_fr: str
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return bool(self.source.get("synthetic"))

    def results_fr(self) -> pd.DataFrame:
        """``results`` for display: French headers, decimal commas, "données simulées" noted."""
        rows = []
        for _, r in self.results.iterrows():
            ci = (
                f"[{french.number(r['ci_low'], 3)} ; {french.number(r['ci_high'], 3)}]"
                if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"])
                else ""
            )
            rows.append(
                {
                    "Test": r["method"],
                    "Variables": r["variables"],
                    "Statistique": r["statistic_name"],
                    "Valeur": french.number(r["statistic"], 3) if pd.notna(r["statistic"]) else "",
                    "IC 95 %": ci,
                    "p": _p_cell(r["p_value"]),
                    "p (Holm)": _p_cell(r["p_holm"]),
                    "n": str(int(r["n"])) if pd.notna(r["n"]) else "",
                    "Remarque": r["note"],
                }
            )
        out = pd.DataFrame(
            rows, columns=["Test", "Variables", "Statistique", "Valeur", "IC 95 %", "p", "p (Holm)", "n", "Remarque"]
        )
        out.attrs["note_fr"] = (
            fieldwork.source_note_fr()
            if not self.source
            else (_SIMULATED_FR if self.synthetic else "Données d'enquête confidentielles, agrégées.")
        )
        return out


def _why_not(x: Any, y: Any) -> str:
    """Why a test of association between two site variables cannot run, in French."""
    x, y = pd.Series(x, dtype=float), pd.Series(y, dtype=float)
    if len(x) < 3:
        return f"non calculable : {len(x)} site(s) renseigné(s) pour les deux variables, il en faut au moins 3"
    if x.nunique() < 2 or y.nunique() < 2:
        return "non calculable : une des deux variables a la même valeur dans tous les sites"
    return "non calculable"


def _p_cell(p: float) -> str:
    """A p-value for a table cell: ``"0,031"`` or ``"< 0,001"``."""
    if pd.isna(p):
        return ""
    return french.p_value(float(p)).removeprefix("p = ").removeprefix("p ")


def _row(**kw: Any) -> dict[str, Any]:
    row = {c: np.nan for c in _RESULT_COLUMNS}
    row.update({"note": "", "p_holm": np.nan})
    row.update(kw)
    return row


def _label(ops: pd.DataFrame, var: str) -> str:
    match = ops.loc[ops["variable_id"] == var, "label_fr"]
    return str(match.iloc[0]) if len(match) else var


def _site_tests(hyp: str, ops: pd.DataFrame, data: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    outcome = str(ops.loc[ops["element"] == "outcome", "variable_id"].iloc[0])
    cal = calibrated(hyp, data)
    predictors = ops[ops["element"].isin(["condition", "context"])]
    targets = [(outcome, "résultat")]
    targets += [(str(v), "résultat secondaire") for v in ops.loc[ops["element"] == "secondary_outcome", "variable_id"]]
    for target, role in targets:
        for _, op in predictors.iterrows():
            var = str(op["variable_id"])
            pair = data[[var, target]].dropna()
            alt = _ALTERNATIVE[str(op["expected_direction"])]
            names = f"{_label(ops, var)} × {_label(ops, target)}"
            try:
                res = exact.spearman(pair[var].to_numpy(), pair[target].to_numpy(), alternative=alt)
                rows.append(
                    _row(
                        test="spearman",
                        family="site",
                        variables=names,
                        statistic_name="rho",
                        statistic=res.statistic,
                        ci_low=res.ci[0],
                        ci_high=res.ci[1],
                        p_value=res.pvalue,
                        n=res.n,
                        method=res.method,
                        note=f"{role} ; {'unilatéral, sens attendu' if alt != 'two-sided' else 'bilatéral'}",
                        _holm=(role == "résultat" and op["element"] == "condition"),
                        _var=var,
                    )
                )
            except ParameterError:
                rows.append(
                    _row(
                        test="spearman",
                        family="site",
                        variables=names,
                        statistic_name="rho",
                        n=len(pair),
                        method="Corrélation de Spearman, test exact par permutation",
                        note=_why_not(pair[var], pair[target]),
                    )
                )
            if role != "résultat" or var.upper() not in cal.columns or target.upper() not in cal.columns:
                continue
            x, y = cal[var.upper()], cal[target.upper()]
            table = [
                [int(((x == 1) & (y == 1)).sum()), int(((x == 1) & (y == 0)).sum())],
                [int(((x == 0) & (y == 1)).sum()), int(((x == 0) & (y == 0)).sum())],
            ]
            try:
                fis = exact.fisher(table, alternative=alt)
                rows.append(
                    _row(
                        test="fisher",
                        family="site",
                        variables=names,
                        statistic_name="rapport de cotes",
                        statistic=fis.estimate,
                        ci_low=fis.ci[0],
                        ci_high=fis.ci[1],
                        p_value=fis.pvalue,
                        n=int(np.sum(table)),
                        method=fis.method,
                        note=f"conditions dichotomisées ; tableau {table}",
                    )
                )
            except ParameterError:
                rows.append(
                    _row(
                        test="fisher",
                        family="site",
                        variables=names,
                        statistic_name="rapport de cotes",
                        n=int(np.sum(table)),
                        method="Test exact de Fisher (tableau 2×2)",
                        note=f"non calculable : un total de ligne ou de colonne est nul ; tableau {table}",
                    )
                )
    holm_rows = [r for r in rows if r.get("_holm")]
    if holm_rows:
        adjusted = exact.holm([r["p_value"] for r in holm_rows], alpha=ALPHA)
        for r, p in zip(holm_rows, adjusted.adjusted):
            r["p_holm"] = float(p)
    for r in rows:
        r.pop("_holm", None)
    return rows


def _qca(hyp: str, ops: pd.DataFrame, cal: pd.DataFrame) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    outcome = str(ops.loc[ops["element"] == "outcome", "variable_id"].iloc[0]).upper()
    conds = ops[ops["element"].isin(["condition", "context"])]
    conditions = [str(v).upper() for v in conds["variable_id"] if str(v).upper() in cal.columns]
    direction = {"positive": 1, "negative": 0, "none": "-"}
    dir_exp = {
        str(r["variable_id"]).upper(): direction[str(r["expected_direction"])]
        for _, r in conds.iterrows()
        if str(r["variable_id"]).upper() in conditions
    }
    method = f"AQQC ensembles nets (seuil de consistance {french.number(INCL_CUT, 2)})"
    if outcome not in cal.columns or len(conditions) < 1:
        return [
            _row(
                test="qca",
                family="site",
                variables=outcome,
                method=method,
                note="non calculable : résultat ou conditions indisponibles",
            )
        ], None
    try:
        sol = qca.minimize(cal, outcome=outcome, conditions=conditions, incl_cut=INCL_CUT, n_cut=1, dir_exp=dir_exp)
    except ParameterError:
        try:
            tt = qca.truth_table(cal, outcome=outcome, conditions=conditions, incl_cut=INCL_CUT, n_cut=1).table
        except ParameterError:
            tt = None
        return [
            _row(
                test="qca",
                family="site",
                variables=outcome,
                n=len(cal),
                method=method,
                note=f"aucune configuration suffisante au seuil de consistance {french.number(INCL_CUT, 2)}",
            )
        ], tt
    rows = []
    families = [("conservatrice", sol.conservative), ("parcimonieuse", sol.parsimonious)]
    if sol.intermediate is not None:
        families.append(("intermédiaire", sol.intermediate))
    for label, solutions in families:
        for k, expr in enumerate(solutions, start=1):
            fits = sol.term_fits(expr).loc["(solution)"]
            tag = f" (M{k})" if len(solutions) > 1 else ""
            rows.append(
                _row(
                    test="qca",
                    family="site",
                    variables=f"{expr} → {outcome}",
                    statistic_name="consistance",
                    statistic=float(fits["consistency"]),
                    n=len(cal),
                    method=f"{method}, solution {label}{tag}",
                    note=f"couverture = {french.number(float(fits['raw_coverage']), 3)} ; "
                    f"PRI = {french.number(float(fits['pri']), 3)}",
                    _coverage=float(fits["raw_coverage"]),
                    _solution=expr,
                )
            )
    return rows, sol.truth_table


def _gee(hyp: str, records: fieldwork.FieldworkRecords) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    import statsmodels.api as sm
    from scipy.special import expit

    seg = fieldwork.segments_in_context(records)
    seg = seg[seg["hypothesis_id"] == hyp].dropna(subset=["group_id"]).copy()
    cats = fieldwork.actor_categories().drop_duplicates("group_id").set_index("group_id")["group_label_fr"]
    method = "GEE binomiale, corrélation échangeable, grappes = sites (erreurs types de Mancl-DeRouen)"
    empty = pd.DataFrame(
        columns=[
            "group_id",
            "groupe",
            "segments",
            "confirment",
            "part_observee",
            "part_modele",
            "ic_bas",
            "ic_haut",
            "rapport_de_cotes",
            "p_value",
        ]
    )
    if seg.empty or seg["site_id"].nunique() < 3 or seg["supports"].nunique() < 2:
        return [
            _row(
                test="gee",
                family="entretien",
                variables="part des passages qui confirment",
                method=method,
                n=len(seg),
                note="non calculable : trop peu de passages codés",
            )
        ], empty
    counts = seg["group_id"].value_counts()
    small = [g for g in counts.index if counts[g] < MIN_GROUP_SEGMENTS]
    seg.loc[seg["group_id"].isin(small), "group_id"] = "autres"
    order = [g for g in cats.index if g in set(seg["group_id"])] + (["autres"] if small else [])
    reference = REFERENCE_GROUP if REFERENCE_GROUP in order else order[0]
    others = [g for g in order if g != reference]
    seg = seg.sort_values(["site_id", "interview_id", "segment_id"], kind="stable").reset_index(drop=True)
    design = pd.DataFrame({"const": 1.0}, index=seg.index)
    for g in others:
        design[g] = (seg["group_id"] == g).astype(float)
    groups = pd.factorize(seg["site_id"], sort=True)[0]
    n_sites, n_interviews = seg["site_id"].nunique(), seg["interview_id"].nunique()
    rows: list[dict[str, Any]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            null = sm.GEE(
                seg["supports"].to_numpy(float),
                design[["const"]],
                groups=groups,
                family=sm.families.Binomial(),
                cov_struct=sm.cov_struct.Exchangeable(),
            ).fit(cov_type="bias_reduced")
            model = sm.GEE(
                seg["supports"].to_numpy(float),
                design,
                groups=groups,
                family=sm.families.Binomial(),
                cov_struct=sm.cov_struct.Exchangeable(),
            ).fit(cov_type="bias_reduced")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return [
            _row(
                test="gee",
                family="entretien",
                variables="part des passages qui confirment",
                method=method,
                n=len(seg),
                note=f"non calculable : {exc}",
            )
        ], empty
    rows.append(_nested_sensitivity(seg, design, groups, model))
    b0, se0 = float(null.params.iloc[0]), float(null.bse.iloc[0])
    nested = f"{len(seg)} passages, {n_interviews} entretiens, {n_sites} sites ; 11 grappes : erreurs types fragiles"
    rows.append(
        _row(
            test="gee_share",
            family="entretien",
            variables="part des passages qui confirment (ensemble)",
            statistic_name="part",
            statistic=float(expit(b0)),
            ci_low=float(expit(b0 - 1.96 * se0)),
            ci_high=float(expit(b0 + 1.96 * se0)),
            p_value=float(null.pvalues.iloc[0]),
            n=len(seg),
            method=method,
            note=f"{nested} ; p : part = 50 %",
        )
    )
    params, bse, pvalues = model.params, model.bse, model.pvalues
    table_rows = []
    cov = model.cov_params()
    for g in order:
        share_obs = float(seg.loc[seg["group_id"] == g, "supports"].mean())
        n_g = int((seg["group_id"] == g).sum())
        vec = np.zeros(len(params))
        vec[0] = 1.0
        if g != reference:
            vec[list(design.columns).index(g)] = 1.0
        eta = float(vec @ params.to_numpy())
        se = float(math.sqrt(vec @ cov.to_numpy() @ vec))
        label = str(cats.get(g, "Autres groupes (regroupés)"))
        record = {
            "group_id": g,
            "groupe": label,
            "segments": n_g,
            "confirment": int(seg.loc[seg["group_id"] == g, "supports"].sum()),
            "part_observee": share_obs,
            "part_modele": float(expit(eta)),
            "ic_bas": float(expit(eta - 1.96 * se)),
            "ic_haut": float(expit(eta + 1.96 * se)),
            "rapport_de_cotes": np.nan,
            "p_value": np.nan,
        }
        if g != reference:
            b, s = float(params[g]), float(bse[g])
            record["rapport_de_cotes"] = math.exp(b)
            record["p_value"] = float(pvalues[g])
            rows.append(
                _row(
                    test="gee",
                    family="entretien",
                    variables=f"{label} / {cats.get(reference, reference)}",
                    statistic_name="rapport de cotes",
                    statistic=math.exp(b),
                    ci_low=math.exp(b - 1.96 * s),
                    ci_high=math.exp(b + 1.96 * s),
                    p_value=float(pvalues[g]),
                    n=len(seg),
                    method=method,
                    note=f"référence : {cats.get(reference, reference)} ; {nested}",
                )
            )
        table_rows.append(record)
    return rows, pd.DataFrame(table_rows, columns=empty.columns)


def _nested_sensitivity(seg: pd.DataFrame, design: pd.DataFrame, groups: np.ndarray, model: Any) -> dict[str, Any]:
    """Refit with a nested working correlation (interviews within sites) and compare the odds ratios."""
    import statsmodels.api as sm

    method = "GEE binomiale, corrélation emboîtée (entretiens dans les sites), sensibilité"
    label = "sensibilité : corrélation emboîtée (entretiens dans les sites)"
    interviews = pd.factorize(seg["interview_id"], sort=True)[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nested = sm.GEE(
                seg["supports"].to_numpy(float),
                design,
                groups=groups,
                dep_data=interviews,
                family=sm.families.Binomial(),
                cov_struct=sm.cov_struct.Nested(),
            ).fit(cov_type="bias_reduced")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return _row(
            test="gee_nested",
            family="entretien",
            variables=label,
            method=method,
            n=len(seg),
            note=f"non calculable : {exc}",
        )
    site_var, interview_var = (float(v) for v in nested.cov_struct.vcomp_coeff[:2])
    residual = float(nested.cov_struct.scale) - site_var - interview_var
    shift = float(np.max(np.abs(nested.params.to_numpy()[1:] - model.params.to_numpy()[1:]), initial=0.0))
    return _row(
        test="gee_nested",
        family="entretien",
        variables=label,
        statistic_name="écart maximal des rapports de cotes (%)",
        statistic=100 * (math.exp(shift) - 1),
        n=len(seg),
        method=method,
        note=f"composantes de variance : site {french.number(site_var, 3)}, entretien dans le site "
        f"{french.number(interview_var, 3)}, résiduelle {french.number(residual, 3)}",
    )


def _reliability(hyp: str, ops: pd.DataFrame, records: fieldwork.FieldworkRecords) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seg = records.tables["coded_segments"]
    seg = seg[seg["hypothesis_id"] == hyp]
    double = seg[seg["segment_id"].isin(seg.loc[seg["coding_role"] == "reliability", "segment_id"])]
    note_cut = f"seuil usuel {french.number(RELIABILITY_THRESHOLD, 3)} (0,667 pour des conclusions provisoires)"
    if double["segment_id"].nunique() >= 2:
        matrix = double.pivot(index="coder", columns="segment_id", values="code").astype(object)
        matrix = matrix.where(matrix.notna(), None)
        try:
            a = reliability.krippendorff_alpha(matrix, level="nominal")
            rows.append(
                _row(
                    test="krippendorff_alpha",
                    family="fidélité",
                    variables="codes des passages",
                    statistic_name="alpha",
                    statistic=a.statistic,
                    n=a.n,
                    method=f"{a.method} ({a.level})",
                    note=f"{a.n_coders} codeurs ; {note_cut}",
                )
            )
        except ParameterError as exc:
            rows.append(
                _row(
                    test="krippendorff_alpha",
                    family="fidélité",
                    variables="codes des passages",
                    statistic_name="alpha",
                    method="Alpha de Krippendorff",
                    note=f"non calculable : {exc}",
                )
            )
        first = double[double["coding_role"] == "primary"].set_index("segment_id")["code"]
        second = (
            double[double["coding_role"] == "reliability"].drop_duplicates("segment_id").set_index("segment_id")["code"]
        )
        both = pd.concat([first.rename("a"), second.rename("b")], axis=1).dropna()
        try:
            k = reliability.cohen_kappa(list(both["a"]), list(both["b"]))
            rows.append(
                _row(
                    test="cohen_kappa",
                    family="fidélité",
                    variables="codage principal / second codage",
                    statistic_name="kappa",
                    statistic=k.statistic,
                    n=k.n,
                    method=k.method,
                    note=note_cut,
                )
            )
        except ParameterError as exc:
            rows.append(
                _row(
                    test="cohen_kappa",
                    family="fidélité",
                    variables="codage principal / second codage",
                    statistic_name="kappa",
                    method="Kappa de Cohen",
                    note=f"non calculable : {exc}",
                )
            )
    else:
        rows.append(
            _row(
                test="krippendorff_alpha",
                family="fidélité",
                variables="codes des passages",
                statistic_name="alpha",
                method="Alpha de Krippendorff",
                note="non calculable : moins de deux passages codés deux fois",
            )
        )
    grid_vars = set(ops.loc[ops["data_source"] == "grid", "variable_id"].astype(str))
    ass = records.tables["assessments"]
    ass = ass[ass["condition_id"].isin(grid_vars)]
    units = ass.assign(unit=ass["site_id"] + "/" + ass["condition_id"])
    double_units = units[units["unit"].isin(units.loc[units["coding_role"] == "reliability", "unit"])]
    if double_units["unit"].nunique() >= 2:
        matrix = double_units.pivot(index="coder", columns="unit", values="level").astype(float)
        try:
            a = reliability.krippendorff_alpha(matrix, level="ordinal")
            rows.append(
                _row(
                    test="krippendorff_alpha_grid",
                    family="fidélité",
                    variables="niveaux de la grille",
                    statistic_name="alpha",
                    statistic=a.statistic,
                    n=a.n,
                    method=f"{a.method} ({a.level})",
                    note=f"{a.n_coders} codeurs ; {note_cut}",
                )
            )
        except ParameterError as exc:
            rows.append(
                _row(
                    test="krippendorff_alpha_grid",
                    family="fidélité",
                    variables="niveaux de la grille",
                    statistic_name="alpha",
                    method="Alpha de Krippendorff",
                    note=f"non calculable : {exc}",
                )
            )
    return rows


def _verdict(
    hyp: str, label: str, results: pd.DataFrame, qca_rows: list[dict[str, Any]], synthetic: bool, notes: list[str]
) -> tuple[str, str]:
    spear = results[(results["test"] == "spearman") & results["p_holm"].notna()]
    significant = spear[spear["p_holm"] < ALPHA]
    site_evidence = len(significant) > 0
    preference = {"intermédiaire": 0, "parcimonieuse": 1, "conservatrice": 2}
    qca_rows = sorted(qca_rows, key=lambda r: min((v for k, v in preference.items() if k in r["method"]), default=3))
    good_qca = [
        r
        for r in qca_rows
        if "_coverage" in r
        and r["statistic"] >= INCL_CUT
        and r["_coverage"] >= 0.5
        and any(not t.strip().startswith("~") for t in r["_solution"].replace("+", "*").split("*"))
    ]
    qca_evidence = len(good_qca) > 0
    share = results[results["test"] == "gee_share"]
    testimony_evidence = bool(len(share) and share["ci_low"].iloc[0] > 0.5)
    score = sum([site_evidence, qca_evidence, testimony_evidence])
    testable = len(spear) > 0 or bool(len(share) and pd.notna(share["statistic"].iloc[0]))
    verdict_class = (
        "soutenue"
        if score == 3
        else "partiellement soutenue"
        if score
        else "non confirmée"
        if testable
        else "non testée"
    )
    if testable:
        parts = [f"{hyp} ({label}) : hypothèse {verdict_class} par ces données."]
    else:
        parts = [
            f"{hyp} ({label}) : hypothèse non testée, les relevés sont trop peu nombreux "
            "(il faut au moins trois sites évalués et des passages codés dans plusieurs sites)."
        ]
    if synthetic:
        parts.insert(0, _SIMULATED_FR)
    if len(spear):
        if site_evidence:
            best = significant.sort_values("p_holm").iloc[0]
            parts.append(
                f"Au niveau des sites, {len(significant)} condition{'s' if len(significant) > 1 else ''} sur "
                f"{len(spear)} {'vont' if len(significant) > 1 else 'va'} dans le sens attendu "
                f"au seuil de 5 % après correction de Holm ; la plus nette : {best['variables']} "
                f"(rho = {french.number(best['statistic'], 3)}, {french.p_value(best['p_holm'])} ajusté, n = {int(best['n'])})."
            )
        else:
            best = spear.sort_values("p_value").iloc[0]
            parts.append(
                f"Au niveau des sites, aucune des {len(spear)} conditions n'est associée au résultat au seuil de 5 % "
                f"après correction de Holm ; la plus proche : {best['variables']} "
                f"(rho = {french.number(best['statistic'], 3)}, {french.p_value(best['p_holm'])} ajusté)."
            )
    if qca_evidence:
        r = good_qca[0]
        parts.append(
            f"L'analyse qualitative comparée retient la configuration {r['_solution']} "
            f"(consistance {french.number(r['statistic'], 3)}, couverture {french.number(r['_coverage'], 3)})."
        )
    elif qca_rows and "_coverage" in qca_rows[0]:
        r = max((q for q in qca_rows if "_coverage" in q), key=lambda q: q["_coverage"])
        parts.append(
            f"L'analyse qualitative comparée ne trouve pas de configuration à la fois consistante et couvrant "
            f"au moins la moitié des sites (meilleure : {r['_solution']}, couverture {french.number(r['_coverage'], 3)})."
        )
    else:
        parts.append(
            "L'analyse qualitative comparée ne trouve aucune configuration suffisante au seuil de "
            f"consistance {french.number(INCL_CUT, 2)}."
        )
    if len(share) and pd.notna(share["statistic"].iloc[0]):
        s = share.iloc[0]
        parts.append(
            f"Dans les entretiens, {french.number(100 * s['statistic'], 0)} % des passages codés sur {hyp} la confirment "
            f"(IC 95 % {french.number(100 * s['ci_low'], 0)} à {french.number(100 * s['ci_high'], 0)} %)"
            + (", une majorité nette." if testimony_evidence else ", sans majorité nette.")
        )
        gee = results[(results["test"] == "gee") & results["p_value"].notna()]
        diff = gee[gee["p_value"] < ALPHA]
        if len(diff):
            r = diff.sort_values("p_value").iloc[0]
            parts.append(
                f"Les groupes d'acteurs diffèrent : {r['variables']}, rapport de cotes {french.number(r['statistic'], 2)} "
                f"({french.p_value(r['p_value'])})."
            )
    nested = results[(results["test"] == "gee_nested") & results["statistic"].notna()]
    if len(nested) and nested["statistic"].iloc[0] > 20:
        parts.append(
            "Attention : tenir compte de l'emboîtement des entretiens dans les sites déplace un rapport de cotes "
            f"de {french.number(nested['statistic'].iloc[0], 0)} % ; les écarts entre groupes sont fragiles."
        )
    alpha = results[results["test"] == "krippendorff_alpha"]
    if len(alpha) and pd.notna(alpha["statistic"].iloc[0]):
        a = float(alpha["statistic"].iloc[0])
        parts.append(
            f"Accord entre codeurs : alpha de Krippendorff = {french.number(a, 3)}"
            + (
                " (au-dessus du seuil usuel de 0,800)."
                if a >= RELIABILITY_THRESHOLD
                else " (en deçà du seuil usuel de 0,800 : les codes sont à lire avec prudence)."
            )
        )
    if notes:
        parts.append("Non disponible : " + " ; ".join(notes) + ".")
    parts.append(LIMITS_FR)
    return verdict_class, " ".join(parts)


def test(hypothesis_id: str, records: fieldwork.FieldworkRecords | None = None) -> HypothesisResult:
    """Run every test of one hypothesis on the records in use.

    Parameters
    ----------
    hypothesis_id
        ``"H1"`` to ``"H5"``.
    records
        The fieldwork records (default: :func:`odas_analysis.fieldwork.load_records`, i.e.
        ``ODAS_PRIVATE_DATA`` or the demonstration set).

    Returns
    -------
    HypothesisResult

    Raises
    ------
    ParameterError
        Unknown hypothesis id (the message lists the valid ones).
    """
    study.check_hypothesis_id(hypothesis_id)
    records = records or fieldwork.load_records()
    hyp_row = study.hypothesis(hypothesis_id)
    ops = operationalisation(hypothesis_id)
    data = site_data(hypothesis_id, records)
    cal = calibrated(hypothesis_id, data)
    rows = _site_tests(hypothesis_id, ops, data)
    testimony = ops.loc[ops["element"] == "testimony", "variable_id"]
    outcome = str(ops.loc[ops["element"] == "outcome", "variable_id"].iloc[0])
    if len(testimony):
        var = str(testimony.iloc[0])
        pair = data[[var, outcome]].dropna()
        names = f"{_label(ops, var)} × {_label(ops, outcome)}"
        try:
            res = exact.spearman(pair[var].to_numpy(), pair[outcome].to_numpy(), alternative="greater")
            rows.append(
                _row(
                    test="spearman_testimony",
                    family="site",
                    variables=names,
                    statistic_name="rho",
                    statistic=res.statistic,
                    ci_low=res.ci[0],
                    ci_high=res.ci[1],
                    p_value=res.pvalue,
                    n=res.n,
                    method=res.method,
                    note="les témoignages concordent-ils avec le jugement des chercheurs ? unilatéral",
                )
            )
        except ParameterError:
            rows.append(
                _row(
                    test="spearman_testimony",
                    family="site",
                    variables=names,
                    statistic_name="rho",
                    n=len(pair),
                    method="Corrélation de Spearman, test exact par permutation",
                    note=_why_not(pair[var], pair[outcome]),
                )
            )
    qca_rows, truth = _qca(hypothesis_id, ops, cal)
    gee_rows, gee_table = _gee(hypothesis_id, records)
    rel_rows = _reliability(hypothesis_id, ops, records)
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows + qca_rows + gee_rows + rel_rows]
    results = pd.DataFrame(clean, columns=_RESULT_COLUMNS)
    results["n"] = results["n"].astype("Int64")
    source = records.source.as_dict()
    results.attrs["source"] = records.source.attrs_source
    verdict_class, verdict = _verdict(
        hypothesis_id,
        str(hyp_row["label"]),
        results,
        qca_rows,
        records.source.synthetic,
        list(data.attrs.get("notes", [])),
    )
    return HypothesisResult(
        hypothesis_id=hypothesis_id,
        label_fr=str(hyp_row["label"]),
        statement_fr=str(hyp_row["statement"]),
        results=results,
        site_data=data,
        calibrated=cal,
        truth_table=truth,
        gee_table=gee_table,
        verdict_class=verdict_class,
        verdict_fr=verdict,
        source=source,
    )


def test_all(records: fieldwork.FieldworkRecords | None = None) -> dict[str, HypothesisResult]:
    """:func:`test` for H1-H5."""
    records = records or fieldwork.load_records()
    return {h: test(h, records) for h in study.hypothesis_ids()}


def overview(results: dict[str, HypothesisResult] | None = None) -> pd.DataFrame:
    """One line per hypothesis: verdict, tests, and the smallest Holm-adjusted site-level p-value.

    A second Holm adjustment across the five hypotheses (``p_holm_h1_h5``) protects the
    family of the five best site-level associations.
    """
    results = results or test_all()
    rows = []
    for h, res in results.items():
        spear = res.results[(res.results["test"] == "spearman") & res.results["p_holm"].notna()]
        best = float(spear["p_holm"].min()) if len(spear) else np.nan
        rows.append(
            {
                "hypothesis_id": h,
                "label_fr": res.label_fr,
                "verdict": res.verdict_class,
                "n_tests": len(res.results),
                "best_p_holm": best,
                "synthetic": res.synthetic,
            }
        )
    out = pd.DataFrame(rows)
    valid = out["best_p_holm"].notna()
    out["p_holm_h1_h5"] = np.nan
    if valid.sum() >= 1:
        out.loc[valid, "p_holm_h1_h5"] = exact.holm(list(out.loc[valid, "best_p_holm"]), alpha=ALPHA).adjusted
    return out
