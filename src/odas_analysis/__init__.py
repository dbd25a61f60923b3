"""odas-analysis: reproducible site-by-site analysis of the Odas 2015-2017 research-action.

The package restates the study of the Odas report *Cohésion sociale et territoires :
comment mieux agir ?* (2019) as validated data, and provides the loaders, statistics,
figures and batch machinery that the notebooks in ``notebooks/`` call.
"""

__version__ = "0.1.0"
