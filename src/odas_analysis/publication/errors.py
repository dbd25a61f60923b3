"""The report's one error, :class:`ReportError` (one line per problem), with participant names masked.

A problem line may quote a column header, a cell or a run's error, and so a name of the
private overlay; the message ends up on a terminal and in CI logs. Every message is
therefore passed through :func:`mask_names`, which finds names with the disclosure
module's own rules (full name in either order, family name alone, the overlay's allow
list) and writes them as :func:`odas_analysis.disclosure.mask_name` does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import OdasError

_WORD = re.compile(r"[^\W_]+")


def _participant_patterns() -> list[str]:
    """The folded patterns of the names of the private overlay (none without an overlay)."""
    from .. import config, disclosure

    base = config.private_data_dir()
    names = disclosure.load_participant_names(base) if base is not None else None
    if names is None or names.empty:
        return []
    patterns = disclosure.names._patterns(names, True, disclosure.names._allow_list(base))
    return sorted({p.folded.strip() for p in patterns}, key=len, reverse=True)


def mask_names(text: str, patterns: Sequence[str] | None = None) -> str:
    """``text`` with every participant name written as its mask (``D… (6 caractères)``)."""
    from ..disclosure import mask_name
    from ..disclosure.names import _fold

    patterns = _participant_patterns() if patterns is None else patterns
    if not patterns or not text:
        return text
    words = list(_WORD.finditer(text))
    folded = [_fold(w.group(0)).strip() for w in words]
    out, last, i = [], 0, 0
    while i < len(words):
        for pattern in patterns:
            size = len(pattern.split())
            if " ".join(folded[i : i + size]) == pattern:
                start, end = words[i].start(), words[i + size - 1].end()
                out += [text[last:start], mask_name(text[start:end])]
                last, i = end, i + size
                break
        else:
            i += 1
    return "".join(out) + text[last:]


class ReportError(OdasError):
    """The report cannot be built; ``problems`` holds one line per problem, names masked."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        try:
            patterns = _participant_patterns()
        except (OSError, ValueError, OdasError):  # an unreadable overlay must not hide the report's problem
            patterns = []
        self.problems = [mask_names(p, patterns) for p in problems]
        message = mask_names(message, patterns)
        text = message + ("\n" + "\n".join(f"  - {p}" for p in self.problems) if self.problems else "")
        super().__init__(text)


__all__ = ["ReportError", "mask_names"]
