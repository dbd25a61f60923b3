"""One builder per national source: each module turns its files into :class:`~odas_analysis.national.measure.Measure`.

Every module exposes ``measures(data) -> {(indicator, data_year): Measure}`` for the
indicators of :data:`odas_analysis.indicators.INDICATORS` that its source provides.
"""

from . import census, elections, filosofi, geography, municipal

BUILDERS = (geography, filosofi, census, elections, municipal)
"""The builders, in the order their measures are computed."""
