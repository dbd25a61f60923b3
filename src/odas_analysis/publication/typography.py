"""French typography for the published report: prose and table cells.

Two helpers, used by :mod:`odas_analysis.publication.html` on text only (never on code, URLs or
HTML attributes):

:func:`fr`
    prose: typographic apostrophe, non-breaking spaces before ``: ; ! ?`` and inside
    guillemets, a narrow no-break space before ``%`` and inside digit groups the author
    separated with a space, an ellipsis character. It is idempotent (``fr(fr(t)) ==
    fr(t)``) and leaves every digit as written: the prose of the report is French
    already, and a number in prose may be a year, a code or a page.

:func:`cell`
    one cell of a table read from a CSV export: numbers written with a decimal point
    (``12345.60``) become French (``12 345,60``, with U+202F between thousands and
    ``−`` for minus), keeping the number of decimals of the export; codes (INSEE,
    SIREN, département...), identifiers and years are left as they are, either because
    their column says so (:func:`is_code_column`) or because they look like codes
    (leading zero, letters).

Spaces used
-----------
``NBSP`` (U+00A0) before ``:``; ``NNBSP`` (U+202F, *espace fine insécable*) before
``; ! ?``, inside ``« »``, before ``%`` and between thousands, as the project's figures
do (:data:`odas_analysis.french.NNBSP`).
"""

from __future__ import annotations

import re

from .. import french

NBSP = french.NBSP
MINUS = french.MINUS

_SPACES = "[ \t\u00a0\u202f]"
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_BEFORE_HIGH = re.compile(_SPACES + r"*([;!?])")
_BEFORE_COLON = re.compile(_SPACES + r"*:")
_OPEN_QUOTE = re.compile("«" + _SPACES + "*")
_CLOSE_QUOTE = re.compile(_SPACES + "*»")
_PERCENT = re.compile(r"(?<=\d)" + _SPACES + "*%")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d))")
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")


def _high_punct(match: re.Match[str]) -> str:
    """``?`` / ``!`` / ``;`` with a narrow no-break space before, when French wants it."""
    text = match.string
    start, end = match.span()
    mark = match.group(1)
    had_space = end - start > 1
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    # "?!" or "!!": only the first mark of a run takes the space
    if before in "?!;" and before != "" and not had_space:
        return mark
    if had_space:
        return french.NNBSP + mark
    # no space in the source: add one only after a word and before a space or the end,
    # so that URLs (?x=1), ratios and code-like strings are left alone
    if before and (before.isalnum() or before in "»)") and (after == "" or after.isspace() or after in "»)"):
        return french.NNBSP + mark
    return mark


def _colon(match: re.Match[str]) -> str:
    text = match.string
    start, end = match.span()
    had_space = end - start > 1
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if had_space:
        return NBSP + ":"
    if before and before.isalnum() and (after == "" or after.isspace()):
        return NBSP + ":"
    return text[start:end]


def fr(text: str) -> str:
    """Apply French typography to a run of prose (see the module docstring).

    >>> fr("Qu'est-ce que la cohésion sociale? Trois axes: A1; A2!")
    'Qu’est-ce que la cohésion sociale\\u202f? Trois axes\\xa0: A1\\u202f; A2\\u202f!'
    >>> fr("« vivre-ensemble »") == "«\\u202fvivre-ensemble\\u202f»"
    True
    """
    if not text:
        return text
    out = _APOSTROPHE.sub("\u2019", text)
    out = _ELLIPSIS.sub("\u2026", out)
    out = _OPEN_QUOTE.sub("«" + french.NNBSP, out)
    out = _CLOSE_QUOTE.sub(french.NNBSP + "»", out)
    out = _BEFORE_HIGH.sub(_high_punct, out)
    out = _BEFORE_COLON.sub(_colon, out)
    out = _PERCENT.sub(french.NNBSP + "%", out)
    out = _DIGIT_GROUPS.sub(french.NNBSP, out)
    return out


# --------------------------------------------------------------------------- cells

_CODE_COLUMN = re.compile(
    r"(^|[_\s-])(code|codes|insee|siren|siret|cog|id|ids|annee|année|annees|années|year|millesime|"
    r"millésime|vintage|dep|dept|reg|epci|n°)($|[_\s-])",
    re.IGNORECASE,
)
_BOOLEANS = {"true": "oui", "false": "non"}


def is_code_column(name: str) -> bool:
    """True when a column's name says it holds codes, identifiers or years.

    >>> [is_code_column(n) for n in ("insee_code", "site_id", "Année", "revenu_median")]
    [True, True, True, False]
    """
    return bool(_CODE_COLUMN.search(name.strip()))


def looks_like_code(value: str) -> bool:
    """True for values that are codes whatever their column: ``01004``, ``2A004``, ``H1``."""
    text = value.strip()
    if not text:
        return False
    if len(text) > 1 and text[0] == "0" and text.isdigit():
        return True
    return any(c.isalpha() for c in text) and any(c.isdigit() for c in text)


def cell(value: str, *, code: bool = False) -> tuple[str, bool]:
    """Format one CSV cell for display; return ``(text, is_number)``.

    Parameters
    ----------
    value
        The cell exactly as the CSV export holds it.
    code
        The column holds codes or years (:func:`is_code_column`): never reformatted.

    An empty cell is shown as :data:`odas_analysis.french.MISSING` (``n.d.``); ``True`` and
    ``False`` as ``oui`` and ``non``; prose cells go through :func:`fr`.
    """
    if value is None or value.strip() == "":
        return french.MISSING, False
    if code or looks_like_code(value):
        return value, False
    as_number = french.from_csv_text(value)
    if as_number is not None:
        return as_number, True
    lowered = value.strip().lower()
    if lowered in _BOOLEANS:
        return _BOOLEANS[lowered], False
    return fr(value), False


__all__ = ["MINUS", "NBSP", "cell", "fr", "is_code_column", "looks_like_code"]
