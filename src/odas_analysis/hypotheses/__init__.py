"""The five hypotheses H1-H5, operationalised, tested, and judged by a written rule.

``data/study/operationalisation.csv`` gives, for each hypothesis, its conditions, its
outcome (and a secondary outcome or a territorial context where one makes sense), where
each comes from (``territory`` indicators, the site assessment ``grid``, the ``coding``
of interview segments), the report section that discusses it, the expected direction and
the crisp calibration. :func:`test` runs, for one hypothesis:

Site level (n = 11)
    the pre-specified composite test (Spearman's rho between the outcome and the mean
    level of the conditions, exact permutation test, one-sided), Holm-adjusted across
    H1-H5: it alone decides the verdict's class (:data:`VERDICT_RULE_FR`); exact
    Spearman tests condition by condition, Holm-adjusted within the hypothesis; Fisher's
    exact test on the dichotomised conditions; crisp-set QCA, necessity first (consistency,
    RoN, skewness), then sufficiency, with an exact permutation test of the solution's
    terms in the expected direction (:mod:`.qca_evidence`).
Robustness
    leave-one-site-out, crisp cuts 1/2/3, fuzzy calibration, inclusion cuts, and a placebo
    check against the other hypotheses' outcomes (:mod:`.robustness`).
Interview level
    GEE of the coded segments by group of actors, t and F tests on G − 1 degrees of
    freedom, Holm across contrasts (:mod:`.interviews`); coder agreement (:mod:`.agreement`).

Every rule the verdict reads has been checked under the null by ``bench/bench_verdicts.py``
(:mod:`.calibration`): its false-positive rate on shuffled records is at most 5 %.

Typical use in a notebook::

    from odas_analysis import hypotheses
    res = hypotheses.test("H2")
    res.results_fr()      # the table, French headers and number format
    print(res.verdict_fr)
"""

from __future__ import annotations

from .power import critical_rho, power, power_sentence_fr
from .result import RESULT_COLUMNS, HypothesisResult
from .rules import ALPHA, INCL_CUT, LIMITS_FR, POPULATION_FR, VERDICT_RULE_FR, VERDICTS
from .run import composite_pvalues, family_frame, holm_across, holm_table_fr, overview, power_table_fr, test, test_all
from .spec import calibrated, operationalisation, site_data

__all__ = [
    "HypothesisResult",
    "RESULT_COLUMNS",
    "INCL_CUT",
    "ALPHA",
    "LIMITS_FR",
    "POPULATION_FR",
    "VERDICT_RULE_FR",
    "VERDICTS",
    "operationalisation",
    "site_data",
    "calibrated",
    "composite_pvalues",
    "holm_across",
    "holm_table_fr",
    "family_frame",
    "power_table_fr",
    "critical_rho",
    "power",
    "power_sentence_fr",
    "test",
    "test_all",
    "overview",
]
