"""Figures of the site notebook: the site against its references, and within the national distribution.

::

    from odas_analysis.figures import site as figures
    export.figure(figures.references(site_id), "territoire-references", alt="...")

They are the figures of the ``territoire`` page (:mod:`odas_analysis.figures.territoire`)
drawn from the site's profile read from the committed tables
(:func:`odas_analysis.national.profile.site_profile`). Values that are not available are
written ``n.d.``, never imputed.
"""

from __future__ import annotations

from collections.abc import Sequence

from .territoire import DISTRIBUTION_INDICATORS, REFERENCE_INDICATORS, compact_number
from .territoire import distribution as _profile_distribution
from .territoire import references as _profile_references

__all__ = ["DISTRIBUTION_INDICATORS", "REFERENCE_INDICATORS", "compact_number", "distribution", "references"]


def references(site_id: str, indicators: Sequence[tuple[str, int]] = REFERENCE_INDICATORS):
    """One panel per indicator: the site, its département, its région and France."""
    from ..national import profile

    return _profile_references(profile.site_profile(site_id), indicators)


def distribution(site_id: str, indicators: Sequence[tuple[str, int]] = DISTRIBUTION_INDICATORS):
    """Where the site stands among the communes (or the EPCI) of France, indicator by indicator."""
    from ..national import profile

    return _profile_distribution(profile.site_profile(site_id), indicators)
