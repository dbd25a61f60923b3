"""Participant names masked in what the batch prints and records (progress, errors, manifest).

The names and the rules that recognise them (folding of case and accents, full name in
either order, family name alone, the allow list) are those of the names check,
:mod:`odas_analysis.disclosure`; this module only replaces what that check would find
by the masked form :func:`odas_analysis.disclosure.mask_name` prints. Without a private
overlay there is no name and nothing is imported (pandas stays out of the skip path).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .. import config

_WORD = r"[^\W_]"


class NameMask:
    """Callable masking the private overlay's participant names in a string or a JSON-like tree."""

    def __init__(self, private_dir=None) -> None:
        base = private_dir if private_dir is not None else config.private_data_dir()
        self._patterns: list[tuple[re.Pattern[str], str, str]] = []
        if base is None:
            return
        from .. import disclosure

        names = disclosure.load_participant_names(base)
        if names is None:
            return
        allow = disclosure.names._allow_list(base)
        for pat in disclosure.names._patterns(names, True, allow):
            words = pat.folded.split()
            regex = re.compile(rf"(?<!{_WORD})" + r"[\W_]+".join(map(re.escape, words)) + rf"(?!{_WORD})")
            self._patterns.append((regex, pat.folded, disclosure.mask_name(pat.name)))
        # longest first: a full name is masked whole before its family name alone
        self._patterns.sort(key=lambda p: -len(p[1]))
        self._fold = disclosure.names._fold

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def text(self, text: str) -> str:
        """``text`` with every name the names check would find replaced by its masked form."""
        if not self._patterns or not text:
            return text
        for regex, _folded, masked in self._patterns:
            folded, index = _fold_with_index(text)
            spans = [(index[m.start()], index[m.end() - 1] + 1) for m in regex.finditer(folded)]
            for start, end in reversed(spans):
                text = text[:start] + masked + text[end:]
        refolded = self._fold(text)
        if any(folded in refolded for _regex, folded, _masked in self._patterns):
            return "(texte masqué : il contenait le nom d'un participant)"
        return text

    def __call__(self, value: Any) -> Any:
        """Mask a string, or every string (keys included) of lists and dicts."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value


def _fold_with_index(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased without accents, and for each folded character its index in ``text``."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for part in unicodedata.normalize("NFKD", ch.casefold()):
            if not unicodedata.combining(part):
                out.append(part)
                index.append(i)
    return "".join(out), index
