"""Names: the private overlay's participant names must appear in no published file or figure."""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config
from .base import DisclosureError

#: File types scanned for names.
SCANNED_SUFFIXES = (".html", ".htm", ".md", ".csv", ".svg", ".json", ".ipynb", ".txt", ".tex", ".xml")
#: Words in this private file (one per line) are never reported as family names.
ALLOW_FILE = "disclosure_allow.txt"


def _fold(text: str) -> str:
    """Lower case, no accents, every run of non-letters/digits one space, padded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " " + " ".join(re.findall(r"[^\W_]+", plain)) + " "


def mask_name(name: str) -> str:
    """A name as it may appear in a log: first letter and length only (``"D… (6 caractères)"``)."""
    stripped = name.strip()
    return f"{stripped[:1].upper()}… ({len(stripped)} caractères)" if stripped else "(nom vide)"


@dataclass(frozen=True)
class _Pattern:
    participant: str
    name: str
    kind: str  # "full name" or "family name"
    folded: str


def _patterns(names: Iterable[str] | pd.DataFrame, surnames: bool, allow: Iterable[str]) -> list[_Pattern]:
    if isinstance(names, pd.DataFrame):
        pairs = list(zip(names["participant_id"].astype(str), names["name"].astype(str)))
    else:
        pairs = [("?", str(n)) for n in names]
    allowed = {_fold(a).strip() for a in allow}
    out: list[_Pattern] = []
    for pid, name in pairs:
        tokens = _fold(name).split()
        if not tokens:
            continue
        variants = {" ".join(tokens)}
        if len(tokens) > 1:
            variants.add(" ".join(tokens[-1:] + tokens[:-1]))
            variants.add(" ".join(tokens[1:] + tokens[:1]))
        for v in sorted(variants):
            out.append(_Pattern(pid, name, "nom complet", f" {v} "))
        words = name.split()
        if surnames and len(words) > 1:
            # The last written word, whole: "Vermandois-Lurette" is one family name, never "lurette" alone.
            family = _fold(words[-1]).strip()
            if len(family.replace(" ", "")) >= 3 and family not in allowed:
                out.append(_Pattern(pid, name, "nom de famille", f" {family} "))
    return out


_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_TAG = re.compile(r"<[^>]*>")


def _texts(path: Path) -> list[str]:
    """The readable texts of a file: raw (entities decoded) and without tags / JSON escapes."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    raw = _DATA_URI.sub(" ", raw)
    texts = [html.unescape(raw)]
    if path.suffix.lower() in {".html", ".htm", ".svg", ".xml", ".md"}:
        texts.append(html.unescape(_TAG.sub("", raw)))
    if path.suffix.lower() in {".json", ".ipynb"}:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            data = None
        strings: list[str] = []

        def walk(node: object) -> None:
            if isinstance(node, str):
                strings.append(node)
            elif isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(data)
        joined = "".join(strings)
        texts.append(html.unescape(_DATA_URI.sub(" ", joined)))
        texts.append(html.unescape(_TAG.sub("", _DATA_URI.sub(" ", joined))))
    return texts


@dataclass
class NameCheckReport:
    """What a names check looked at."""

    directories: list[Path] = field(default_factory=list)
    files_checked: int = 0
    names_checked: int = 0
    note: str = ""

    def text(self) -> str:
        dirs = ", ".join(str(d) for d in self.directories) or "(aucun)"
        line = (
            f"OK : aucun nom de participant dans {self.files_checked} fichier(s) sous {dirs} "
            f"({self.names_checked} nom(s) cherché(s))"
        )
        return line + (f" ; {self.note}" if self.note else "")


def _files(directories: Iterable[Path]) -> list[Path]:
    out = []
    for d in directories:
        if d.is_file():
            out.append(d)
        elif d.is_dir():
            out += sorted(p for p in d.rglob("*") if p.is_file() and p.suffix.lower() in SCANNED_SUFFIXES)
    return out


def check_no_names(
    html_dir: os.PathLike[str] | str | Iterable[os.PathLike[str] | str],
    names: Iterable[str] | pd.DataFrame,
    *,
    surnames: bool = True,
    allow: Iterable[str] = (),
) -> NameCheckReport:
    """Fail if any of ``names`` appears in a file under ``html_dir``.

    Parameters
    ----------
    html_dir
        A directory (or file), or several; every file with a suffix of
        :data:`SCANNED_SUFFIXES` below it is read.
    names
        The names: strings, or a frame with ``participant_id`` and ``name`` (the private
        ``participant_names.csv``), whose ids then appear in the messages.
    surnames
        Also look for the family name on its own: the last word of a name of two words or
        more, taken whole (a hyphenated family name is matched with all its parts, never
        one part alone), if it has three letters or more.
    allow
        Words never reported as family names (a family name that is also, say, a street
        or a commune cited in the report).

    Raises
    ------
    DisclosureError
        One line per file and name found: the file, the participant id and the masked
        name (first letter and length), never the name itself.
    """
    dirs = [Path(html_dir)] if isinstance(html_dir, (str, os.PathLike)) else [Path(d) for d in html_dir]
    patterns = _patterns(names, surnames, allow)
    report = NameCheckReport(directories=dirs, names_checked=len({(p.participant, p.name) for p in patterns}))
    found: list[str] = []
    offending: list[Path] = []
    for path in _files(dirs):
        report.files_checked += 1
        if not patterns:
            continue
        folded = [_fold(t) for t in _texts(path)]
        hits: dict[tuple[str, str], str] = {}
        for pat in patterns:
            if any(pat.folded in f for f in folded):
                key = (pat.participant, pat.name)
                if key not in hits or hits[key] == "nom de famille":
                    hits[key] = pat.kind
        for (pid, name), kind in sorted(hits.items()):
            who = f"participant {pid}, " if pid != "?" else ""
            found.append(f"{path} : {who}{kind} {mask_name(name)}")
        if hits:
            offending.append(path)
    if found:
        error = DisclosureError(
            f"{len(found)} nom(s) de participant trouvé(s) dans les fichiers publiés : les retirer avant "
            "de publier\n" + "\n".join(f"  - {line}" for line in found)
        )
        error.files = tuple(offending)
        raise error
    return report


def load_participant_names(directory: os.PathLike[str] | str | None = None) -> pd.DataFrame | None:
    """The private ``participant_names.csv`` (``participant_id``, ``name``), or ``None``.

    Read only from the private overlay (``directory`` or ``ODAS_PRIVATE_DATA``); the
    demonstration set has no names. The frame must never be joined to a public table.
    """
    base = Path(directory) if directory is not None else config.private_data_dir()
    if base is None:
        return None
    path = base / "participant_names.csv"
    if not path.is_file():
        return None
    from ..validate import check_csv_file

    unreadable = [p.text() for p in check_csv_file(path) if p.rule != "no-rows"]
    if unreadable:
        raise DisclosureError(f"{path} : fichier des noms illisible\n" + "\n".join(f"  - {t}" for t in unreadable))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(frame.columns[:2]) != ["participant_id", "name"]:
        raise DisclosureError(f"{path} : colonnes attendues participant_id,name")
    return frame[frame["name"].str.strip() != ""].reset_index(drop=True)


def _allow_list(directory: Path | None) -> list[str]:
    if directory is None or not (directory / ALLOW_FILE).is_file():
        return []
    lines = (directory / ALLOW_FILE).read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def check_build(
    build_dir: os.PathLike[str] | str | None = None,
    *,
    extra_dirs: Iterable[os.PathLike[str] | str] | None = None,
    private_dir: os.PathLike[str] | str | None = None,
) -> NameCheckReport:
    """Check the published outputs against the names of the private overlay.

    Parameters
    ----------
    build_dir
        The rendered site (default ``build/``).
    extra_dirs
        Other output directories (default: the project's ``figures/`` and ``tables/``
        when ``build_dir`` is the default, none otherwise).
    private_dir
        The private overlay (default ``ODAS_PRIVATE_DATA``).

    Returns
    -------
    NameCheckReport
        With ``names_checked == 0`` and a note when there is no private overlay or it
        holds no ``participant_names.csv`` (then there is no name to look for).

    Raises
    ------
    DisclosureError
        A name was found (see :func:`check_no_names`).
    """
    default = build_dir is None
    dirs = [Path(build_dir) if build_dir is not None else config.BUILD_DIR]
    if extra_dirs is not None:
        dirs += [Path(d) for d in extra_dirs]
    elif default:
        dirs += [config.FIGURES_DIR, config.TABLES_DIR]
    base = Path(private_dir) if private_dir is not None else config.private_data_dir()
    names = load_participant_names(base) if base is not None else None
    if names is None:
        report = check_no_names(dirs, [])
        report.note = (
            "pas de répertoire privé : jeu de démonstration, aucun nom à chercher"
            if base is None
            else f"pas de {base / 'participant_names.csv'} : aucun nom à chercher"
        )
        return report
    return check_no_names(dirs, names, allow=_allow_list(base))


def check_figure_text(fig, names: Iterable[str] | pd.DataFrame | None = None) -> None:
    """Fail if a matplotlib figure's text (titles, labels, ticks, legends) holds a name.

    Figures are saved with their text drawn as paths, which no file scan can read, so
    call this before saving a figure built on private records. Without ``names``, the
    private overlay's names are used (nothing is checked when there are none).
    """
    if names is None:
        names = load_participant_names()
        if names is None:
            return
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]
    folded = _fold(" \n ".join(str(t) for t in texts))
    found = []
    for pat in _patterns(names, True, ()):
        if pat.folded in folded:
            who = f"participant {pat.participant}, " if pat.participant != "?" else ""
            found.append(f"{who}{pat.kind} {mask_name(pat.name)}")
    if found:
        raise DisclosureError("nom(s) de participant dans le texte d'une figure : " + " ; ".join(sorted(set(found))))


# --------------------------------------------------------------------------- masking names in free text

_LETTER = r"[^\W_]"
MASKED_TEXT = "(texte masqué : il contenait le nom d'un participant)"
"""What :meth:`NameMask.text` returns when a name could not be masked in place."""


class NameMask:
    """The one way to mask participant names in a text (messages, progress lines, logs, manifests).

    A name is found by the names check's own rules (:func:`check_no_names`: case, accents
    and punctuation folded, full name in either order, family name alone unless allowed)
    and written as :func:`mask_name` prints it. Build it with :meth:`from_overlay` (the
    private overlay's names and allow list) or :meth:`from_names`; a mask with no name
    (no overlay) is false and returns every text unchanged.
    """

    def __init__(self, patterns: Iterable[_Pattern] = ()) -> None:
        self._patterns: list[tuple[re.Pattern[str], str, str]] = []
        for pat in patterns:
            words = pat.folded.split()
            regex = re.compile(rf"(?<!{_LETTER})" + r"[\W_]+".join(map(re.escape, words)) + rf"(?!{_LETTER})")
            self._patterns.append((regex, pat.folded, mask_name(pat.name)))
        # longest first: a full name is masked whole before its family name alone
        self._patterns.sort(key=lambda p: (-len(p[1]), p[1]))

    @classmethod
    def from_names(cls, names: Iterable[str] | pd.DataFrame, *, allow: Iterable[str] = ()) -> NameMask:
        """The mask of ``names`` (strings, or the frame of ``participant_names.csv``)."""
        return cls(_patterns(names, True, allow))

    @classmethod
    def from_overlay(cls, directory: os.PathLike[str] | str | None = None) -> NameMask:
        """The mask of the private overlay's names (``directory``, default ``ODAS_PRIVATE_DATA``).

        Empty when there is no overlay or it holds no ``participant_names.csv``.
        """
        base = Path(directory) if directory is not None else config.private_data_dir()
        names = load_participant_names(base) if base is not None else None
        if names is None or names.empty:
            return cls()
        return cls.from_names(names, allow=_allow_list(base))

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
        refolded = _fold(text)
        if any(folded in refolded for _regex, folded, _masked in self._patterns):
            return MASKED_TEXT
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
