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

import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .errors import OdasError, ParameterError

__all__ = [
    "DisclosureError",
    "SECONDARY_MARK",
    "SCANNED_SUFFIXES",
    "primary_mark",
    "suppression_mask",
    "protect_counts",
    "group_small_categories",
    "publishable_frame",
    "assert_publishable",
    "load_participant_names",
    "mask_name",
    "check_no_names",
    "check_build",
    "check_figure_text",
    "NameCheckReport",
]

#: Mark of a cell masked only so that a masked small count cannot be recomputed.
SECONDARY_MARK = "s"
#: File types scanned for names.
SCANNED_SUFFIXES = (".html", ".htm", ".md", ".csv", ".svg", ".json", ".ipynb", ".txt", ".tex", ".xml")
#: Words in this private file (one per line) are never reported as family names.
ALLOW_FILE = "disclosure_allow.txt"
_TOTAL = "Total"


class DisclosureError(OdasError):
    """A published output could identify a person (a name, a small count, free text).

    ``files`` lists the output files where a name was found (empty for other causes).
    """

    files: tuple[Path, ...] = ()


def _threshold(threshold: int | None) -> int:
    value = config.disclosure_threshold() if threshold is None else threshold
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"threshold={threshold!r} : nombre entier d'au moins 1 attendu")
    return int(value)


def primary_mark(threshold: int | None = None) -> str:
    """How a masked small count is shown: ``"< 3"`` for the default threshold."""
    return f"< {_threshold(threshold)}"


# ---------------------------------------------------------------------------
# Small counts
# ---------------------------------------------------------------------------


def _count_matrix(df: pd.DataFrame, count_cols: Sequence[str]) -> np.ndarray:
    missing = [c for c in count_cols if c not in df.columns]
    if missing:
        raise ParameterError(
            f"count_cols : colonne(s) {', '.join(map(str, missing))} absente(s) du tableau "
            f"(colonnes : {', '.join(map(str, df.columns))})"
        )
    values = df[list(count_cols)].to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ParameterError("count_cols : effectifs entiers, positifs ou nuls et sans valeur manquante attendus")
    return values.astype(np.int64)


def suppression_mask(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int | None = None,
    *,
    margins: bool = True,
    suppress_zeros: bool = False,
) -> pd.DataFrame:
    """Which cells to mask, and why: ``""``, ``"primary"`` or ``"secondary"``.

    Parameters
    ----------
    df
        The table: one row per unit (site, category...), ``count_cols`` the counts.
    count_cols
        The count columns.
    threshold
        Smallest count that may be shown (default: :func:`odas_analysis.config.disclosure_threshold`).
    margins
        The published table shows a ``Total`` row (sum of each column) and, when there are
        several count columns, a ``Total`` column (sum of each row). Then each row, each column and the margins form an equation
        ``cells = total``; an equation with exactly one masked entry would reveal it, so
        the smallest non-zero unmasked entry of that equation is masked too, until no
        equation has exactly one masked entry.
    suppress_zeros
        Mask zeros too (by default a zero is shown: it reveals an absence, not a person).

    Returns
    -------
    pandas.DataFrame
        Same rows as ``df`` plus a final ``Total`` row when ``margins``; columns
        ``count_cols`` plus ``Total`` when ``margins`` and there are several count columns.
    """
    t = _threshold(threshold)
    full, row_total, col_total = _with_margins(_count_matrix(df, count_cols), margins)
    low = 0 if suppress_zeros else 1
    primary = (full >= low) & (full < t)
    masked = primary.copy()
    n_all, m_all = full.shape
    equations: list[list[tuple[int, int]]] = []
    if col_total:  # each row, the total row included: cells = row total
        equations += [[(i, j) for j in range(m_all)] for i in range(n_all)]
    if row_total:  # each column, the total column included: cells = column total
        equations += [[(i, j) for i in range(n_all)] for j in range(m_all)]
    last_row, last_col = (n_all - 1 if row_total else -1), (m_all - 1 if col_total else -1)
    changed = True
    while changed:
        changed = False
        for eq in equations:
            hidden = [ij for ij in eq if masked[ij]]
            if len(hidden) != 1:
                continue
            # Mask the smallest non-zero visible entry, preferring inner cells to totals.
            candidates = sorted(
                (ij for ij in eq if not masked[ij]),
                key=lambda ij: (full[ij] == 0, ij[0] == last_row or ij[1] == last_col, full[ij], ij),
            )
            if candidates:
                masked[candidates[0]] = True
                changed = True
    labels = np.where(primary, "primary", np.where(masked, "secondary", ""))
    columns = list(count_cols) + ([_TOTAL] if col_total else [])
    index = list(df.index) + ([_TOTAL] if row_total else [])
    return pd.DataFrame(labels, index=index, columns=columns)


def _with_margins(cells: np.ndarray, margins: bool) -> tuple[np.ndarray, bool, bool]:
    """Cells with a total row (``margins``) and a total column (``margins`` and 2+ columns)."""
    row_total = margins
    col_total = margins and cells.shape[1] > 1
    full = cells
    if col_total:
        full = np.column_stack([full, full.sum(axis=1)])
    if row_total:
        full = np.vstack([full, full.sum(axis=0)])
    return full, row_total, col_total


def protect_counts(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int | None = None,
    *,
    margins: bool = True,
    label_col: str | None = None,
    suppress_zeros: bool = False,
) -> pd.DataFrame:
    """A table of counts ready to publish: small counts and what would reveal them masked.

    Parameters
    ----------
    df
        The table of raw counts (one row per unit).
    count_cols
        The count columns.
    threshold
        Smallest count shown (default 3, env ``ODAS_DISCLOSURE_THRESHOLD``).
    margins
        Add a ``Total`` row (and a ``Total`` column for several count columns), with secondary suppression so that
        no masked count can be recomputed from them (see :func:`suppression_mask`).
    label_col
        Column that receives "Total" on the total row (default: the first column that is
        not a count).
    suppress_zeros
        Mask zeros too.

    Returns
    -------
    pandas.DataFrame
        Counts as text: the number, ``"< 3"`` (below the threshold) or ``"s"`` (masked so
        that a small count cannot be recomputed). ``.attrs["note_fr"]`` is the sentence
        to print under the table; ``.attrs["disclosure"]`` holds the threshold and the
        number of cells masked.

    Examples
    --------
    >>> t = pd.DataFrame({"site": ["a", "b", "c"], "n": [10, 2, 7]})
    >>> list(protect_counts(t, ["n"])["n"])
    ['10', '< 3', 's', '19']
    >>> list(protect_counts(t, ["n"], margins=False)["n"])
    ['10', '< 3', '7']
    """
    t = _threshold(threshold)
    mask = suppression_mask(df, count_cols, t, margins=margins, suppress_zeros=suppress_zeros)
    cells = _count_matrix(df, count_cols)
    out = df.reset_index(drop=True).copy()
    values, row_total, col_total = _with_margins(cells, margins)
    shown_cols = list(count_cols) + ([_TOTAL] if col_total else [])
    if row_total:
        if label_col is None:
            others = [c for c in out.columns if c not in count_cols]
            label_col = others[0] if others else None
        total_row = {c: pd.NA for c in out.columns}
        if label_col is not None:
            total_row[label_col] = _TOTAL
        out = pd.concat([out, pd.DataFrame([total_row])], ignore_index=True)
    flags = mask.to_numpy()
    mark = primary_mark(t)
    for k, col in enumerate(shown_cols):
        out[col] = [
            mark
            if flags[i, k] == "primary"
            else SECONDARY_MARK
            if flags[i, k] == "secondary"
            else str(int(values[i, k]))
            for i in range(len(out))
        ]
    n_primary = int((flags == "primary").sum())
    n_secondary = int((flags == "secondary").sum())
    note = f"« {mark} » : effectif inférieur à {t}, masqué pour protéger l'anonymat des personnes."
    if n_secondary:
        note += f" « {SECONDARY_MARK} » : effectif masqué pour qu'un effectif inférieur à {t} ne puisse pas être recalculé à partir des totaux."
    out.attrs.update(df.attrs)
    out.attrs["note_fr"] = note
    out.attrs["disclosure"] = {"threshold": t, "primary": n_primary, "secondary": n_secondary}
    return out


def group_small_categories(
    df: pd.DataFrame,
    category_col: str,
    count_col: str,
    threshold: int | None = None,
    other_label: str = "Autres catégories (regroupées)",
) -> pd.DataFrame:
    """Merge the categories whose count is below the threshold into one line.

    The small categories are merged, smallest first; if their sum is still below the
    threshold, the next smallest category joins them until it is not (or nothing is
    left). Zero counts are merged as well, so the grouped line never reveals which small
    category is empty. The grouped line is last; ``.attrs["grouped"]`` lists its members
    (category labels are public; the counts are not).
    """
    t = _threshold(threshold)
    if category_col not in df.columns or count_col not in df.columns:
        raise ParameterError(f"colonne {category_col!r} ou {count_col!r} absente du tableau")
    counts = _count_matrix(df, [count_col])[:, 0]
    order = np.lexsort((np.arange(len(df)), counts))
    small = [i for i in order if counts[i] < t]
    if small:
        k = len(small)
        while counts[small].sum() < t and k < len(order):
            small.append(order[k])
            k += 1
    keep = [i for i in range(len(df)) if i not in set(small)]
    out = df.iloc[keep].reset_index(drop=True).copy()
    if small:
        row = {c: pd.NA for c in df.columns}
        row[category_col] = other_label
        row[count_col] = int(counts[small].sum())
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
        out[count_col] = out[count_col].astype(int)
    out.attrs.update(df.attrs)
    out.attrs["grouped"] = [str(df.iloc[i][category_col]) for i in sorted(small)]
    out.attrs["note_fr"] = f"Catégories de moins de {t} personnes regroupées pour protéger l'anonymat." if small else ""
    return out


# ---------------------------------------------------------------------------
# Publishable fields
# ---------------------------------------------------------------------------


def assert_publishable(table: str, columns: Iterable[str]) -> None:
    """Raise :class:`DisclosureError` if any column is not marked publishable in ``table``'s schema."""
    from .fieldwork import publishable_columns, schema

    known = [f["name"] for f in schema(table)["fields"]]
    allowed = set(publishable_columns(table))
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ParameterError(f"la table « {table} » n'a pas de colonne {', '.join(map(str, unknown))}")
    refused = [c for c in columns if c not in allowed]
    if refused:
        raise DisclosureError(
            f"colonne(s) {', '.join(map(str, refused))} de la table « {table} » non publiable(s) "
            '(schéma : "publishable": false) ; textes libres, institutions et fonctions ne sont jamais '
            "imprimés ligne à ligne"
        )


def publishable_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """``df`` without the columns of ``table`` that are not marked publishable.

    Columns that are not in the table's schema (added by a join or a computation) are
    kept only if they are publishable columns of another fieldwork table or derived
    aggregates; any column named like a non-publishable field of a fieldwork table is
    dropped.
    """
    from .fieldwork import RECORD_TABLES, schema

    private = set()
    for name in {table, *RECORD_TABLES}:
        private |= {f["name"] for f in schema(name)["fields"] if f.get("publishable") is not True}
    public_anywhere = set()
    for name in {table, *RECORD_TABLES}:
        public_anywhere |= {f["name"] for f in schema(name)["fields"] if f.get("publishable") is True}
    dropped = [c for c in df.columns if c in private and c not in public_anywhere]
    out = df.drop(columns=dropped)
    out.attrs.update(df.attrs)
    return out


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


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
        return line + (f"; {self.note}" if self.note else "")


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
    from .validate import check_csv_file

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
