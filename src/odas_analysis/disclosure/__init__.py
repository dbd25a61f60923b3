"""Disclosure control: nothing published may identify a person who was interviewed.

Three guards, each tested:

Small counts
    :func:`protect_counts` masks every count below the threshold (default 3, env
    ``ODAS_DISCLOSURE_THRESHOLD``), shown as ``"< 3"``, and applies *secondary
    suppression*: when a table shows totals, a row or column with a single masked cell
    could be solved from its total, so a second cell (the smallest one available) is masked
    too, shown as ``"s"``. :func:`group_small_categories` is the alternative for a
    one-way list: small categories are merged into "autres catégories".
Free text
    Only schema fields marked ``"publishable": true`` may be printed row by row;
    :func:`publishable_frame` drops the others and :func:`assert_publishable` refuses them.
    Free text (excerpts, evidence), institution and role are never publishable.
Names
    The real names live only in the private overlay (``$ODAS_PRIVATE_DATA/
    participant_names.csv``). :func:`check_build` reads them and scans every
    ``.html``, ``.md``, ``.csv``, ``.svg``, ``.json``, ``.ipynb`` and ``.txt`` file under
    ``build/``, ``figures/`` and ``tables/``; :func:`check_no_names` does the scan for
    any directory and list of names. Matching ignores case, accents, punctuation, HTML
    tags and entities, and finds a name in either order ("Jean Dupont", "DUPONT Jean")
    and, by default, the family name alone. Error messages never print a name: only its
    first letter and length (``"D… (6 caractères)"``), so that logs do not leak it.
    Matplotlib draws figure text as paths in SVG files, where no scan can read it:
    :func:`check_figure_text` checks a figure's text before it is saved.
"""

from __future__ import annotations

from .base import SECONDARY_MARK, DisclosureError, primary_mark
from .counts import group_small_categories, protect_counts, suppression_mask
from .names import (
    ALLOW_FILE,
    SCANNED_SUFFIXES,
    NameCheckReport,
    NameMask,
    check_build,
    check_figure_text,
    check_no_names,
    load_participant_names,
    mask_name,
)
from .publishable import assert_publishable, publishable_frame

__all__ = [
    "DisclosureError",
    "SECONDARY_MARK",
    "SCANNED_SUFFIXES",
    "ALLOW_FILE",
    "primary_mark",
    "suppression_mask",
    "protect_counts",
    "group_small_categories",
    "publishable_frame",
    "assert_publishable",
    "load_participant_names",
    "mask_name",
    "NameMask",
    "check_no_names",
    "check_build",
    "check_figure_text",
    "NameCheckReport",
]
