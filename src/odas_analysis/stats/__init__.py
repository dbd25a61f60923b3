"""Small-N statistics engine: exact tests, Qualitative Comparative Analysis, reliability.

A notebook imports the module it needs and calls it in one line::

    from odas_analysis.stats import exact, qca, reliability
    exact.spearman(x, y).summary()
    qca.minimize(data, outcome="SURV", conditions=["DEV", "URB"], incl_cut=0.8).parsimonious
    reliability.krippendorff_alpha(codes, level="nominal").summary()
"""

from . import exact, qca, reliability

__all__ = ["exact", "qca", "reliability"]
