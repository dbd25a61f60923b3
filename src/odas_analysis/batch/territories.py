"""Sets of territories for a national batch (``odas-analysis run --territories SPEC``).

A SPEC is one or more parts separated by commas:

``communes-20000``
    the communes of 20,000 inhabitants or more in the latest legal populations of the
    national files (``geo/communes_2026.csv``, ``population_municipale``, in force on
    1 January 2026): 492 communes, the universe of the Odas surveys of cities. Any
    threshold may be written (``communes-50000``).
``epci``
    every EPCI à fiscalité propre of ``geo/epci_2026.csv`` (1,255).
a file name
    a text file of codes, one per line (INSEE commune code or EPCI SIREN); blank lines
    and what follows a ``#`` are ignored. An unknown code is refused with the file and
    the line.

The territories come back in the order of the parts (each named set sorted by code),
each once. Each carries its département and région, for the index (grouped by région
then département, with a filter box, :func:`index_section`): a commune's own, an
EPCI's those of its most populous member commune (the files give no seat).

Only the standard library is used, without pandas; the national files are read once
per process and state of the files (:func:`national_territories`).
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .. import files
from ..errors import ParameterError

COMMUNES_FILE = "geo/communes_2026.csv"
EPCI_FILE = "geo/epci_2026.csv"
MEMBERS_FILE = "geo/epci_members_2026.csv"

_COMMUNES_SET = re.compile(r"^communes-(\d+)$")
NAMED_SETS = ("communes-20000", "epci")
"""The sets named in the help (``communes-N`` takes any threshold)."""


@dataclass(frozen=True)
class Territory:
    """A commune or an EPCI of the national files, with where it is."""

    level: str  # "commune" or "EPCI"
    code: str
    name: str
    dep_code: str
    dep_name: str
    reg_code: str
    reg_name: str
    population: int | None

    @property
    def run_name(self) -> str:
        """The batch's run name for this territory's page (``territoire-<code>``)."""
        return f"territoire-{self.code.lower()}"


def _read(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ParameterError(
            f"fichier national {files.display_path(path)} introuvable : il liste les territoires des lots "
            "nationaux ; le répertoire ODAS_NATIONAL_DATA doit le contenir"
        ) from None
    return list(csv.DictReader(text.splitlines()))


def _population(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class NationalTerritories:
    """Every commune and EPCI of the national files, read once (standard library only)."""

    def __init__(self, national_dir: str | os.PathLike[str] | None = None):
        from ..config import national_data_dir

        self.directory = national_data_dir(national_dir)
        communes = _read(self.directory / COMMUNES_FILE)
        self.communes: dict[str, Territory] = {}
        for row in communes:
            self.communes[row["code_commune"]] = Territory(
                "commune",
                row["code_commune"],
                row["nom"],
                row["code_departement"],
                row["nom_departement"],
                row["code_region"],
                row["nom_region"],
                _population(row["population_municipale"]),
            )
        largest: dict[str, tuple[int, str]] = {}
        for row in _read(self.directory / MEMBERS_FILE):
            pop = _population(row["population_municipale"]) or 0
            if row["code_commune"] in self.communes and pop >= largest.get(row["siren_epci"], (-1, ""))[0]:
                largest[row["siren_epci"]] = (pop, row["code_commune"])
        self.epci: dict[str, Territory] = {}
        for row in _read(self.directory / EPCI_FILE):
            seat = self.communes.get(largest.get(row["siren_epci"], (0, ""))[1])
            where = (seat.dep_code, seat.dep_name, seat.reg_code, seat.reg_name) if seat else ("", "", "", "")
            self.epci[row["siren_epci"]] = Territory(
                "EPCI", row["siren_epci"], row["nom_epci"], *where, _population(row["population_municipale"])
            )

    def lookup(self, code: str) -> Territory | None:
        text = code.strip().upper()
        return self.epci.get(text) if len(text) == 9 and text.isdigit() else self.communes.get(text)

    def communes_from(self, threshold: int) -> list[Territory]:
        """The communes of ``threshold`` inhabitants or more (legal municipal population), by code."""
        return sorted(
            (t for t in self.communes.values() if t.population is not None and t.population >= threshold),
            key=lambda t: t.code,
        )

    def all_epci(self) -> list[Territory]:
        return sorted(self.epci.values(), key=lambda t: t.code)


_READ: files.ByFileState[NationalTerritories] = files.ByFileState(maxsize=1)  # one directory at a time


def national_territories(national_dir: str | os.PathLike[str] | None = None) -> NationalTerritories:
    """:class:`NationalTerritories` of ``national_dir``, read once per process and state of its files.

    The leader of a national batch needs them twice (its plan, then its index); each
    read is 250,000 lines of CSV.
    """
    from ..config import national_data_dir

    directory = national_data_dir(national_dir).resolve()
    paths = [directory / name for name in (COMMUNES_FILE, MEMBERS_FILE, EPCI_FILE)]
    return _READ.get(str(directory), paths, lambda: NationalTerritories(directory))


def _codes_file(path: Path, national: NationalTerritories) -> list[Territory]:
    shown = files.display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise ParameterError(f"--territories : fichier de codes {shown} introuvable") from None
    except UnicodeDecodeError:
        raise ParameterError(f"--territories : {shown} n'est pas un texte UTF-8") from None
    found = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0].strip()
        if not code:
            continue
        territory = national.lookup(code)
        if territory is None:
            where = EPCI_FILE if len(code) == 9 and code.isdigit() else COMMUNES_FILE
            raise ParameterError(
                f"{shown}, ligne {line_no} : code territorial inconnu {code!r} (cherché dans "
                f"{files.display_path(national.directory / where)}) ; attendu un code INSEE de commune "
                "(ex. 59350) ou un SIREN d'EPCI (ex. 200093201), un par ligne"
            )
        found.append(territory)
    if not found:
        raise ParameterError(f"--territories : {shown} ne contient aucun code")
    return found


def expand(spec: str | Iterable[str], national_dir: str | os.PathLike[str] | None = None) -> list[Territory]:
    """The territories of ``spec`` (see the module docstring), each once, in order.

    Raises
    ------
    ParameterError
        An unknown part (neither a named set nor a file), an unknown code in a file, or
        a national file missing.
    """
    parts = [p.strip() for chunk in ([spec] if isinstance(spec, str) else spec) for p in str(chunk).split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise ParameterError(f"--territories : rien à lancer ; attendu {', '.join(NAMED_SETS)} ou un fichier de codes")
    national = national_territories(national_dir)
    chosen: dict[str, Territory] = {}
    for part in parts:
        match = _COMMUNES_SET.match(part)
        if match:
            found = national.communes_from(int(match.group(1)))
        elif part == "epci":
            found = national.all_epci()
        elif Path(part).is_file() or os.sep in part or part.endswith((".txt", ".csv")):
            found = _codes_file(Path(part), national)
        else:
            raise ParameterError(
                f"--territories {part!r} : ni un ensemble connu ({', '.join(NAMED_SETS)}, communes-N pour un "
                "autre seuil de population) ni un fichier de codes existant"
            )
        for territory in found:
            chosen.setdefault(territory.code, territory)
    return list(chosen.values())


# --------------------------------------------------------------------------- the index


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_FILTER_SCRIPT = """
(function () {
  var box = document.getElementById("odas-filtre");
  var count = document.getElementById("odas-filtre-compte");
  var items = Array.prototype.slice.call(document.querySelectorAll("#odas-territoires li[data-cle]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("#odas-territoires details"));
  function fold(text) {
    return text.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase();
  }
  function french(n) {  // as odas_analysis.french.integer: a narrow no-break space between thousands
    return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, "\u202f");
  }
  function apply() {
    var words = fold(box.value).split(/\\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var key = li.getAttribute("data-cle");
      var ok = words.every(function (w) { return key.indexOf(w) !== -1; });
      li.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) {
      var visible = g.querySelector("li[data-cle]:not([hidden])") !== null;
      g.hidden = !visible;
      if (words.length) { g.open = visible; }
    });
    count.textContent = french(shown) + " sur " + french(items.length);
  }
  box.addEventListener("input", apply);
  box.hidden = false;
  count.hidden = false;
  apply();
})();
"""

INDEX_CSS = (
    "#odas-territoires details { margin: 0.2em 0 0.2em 0.6em; } "
    "#odas-territoires summary { cursor: pointer; } "
    "#odas-territoires ul { columns: 2 18em; margin: 0.2em 0 0.4em; } "
    ".odas-filtre { font-size: 1em; padding: 0.3em 0.5em; width: 22em; max-width: 100%; } "
    ".odas-niveau { font-size: 0.8em; color: #566573; margin-left: 0.3em; }"
)
"""Style of the territories' section (added to the index page's ``<style>``)."""


@dataclass(frozen=True)
class IndexEntry:
    """One territory page of the index: its link, its label, where it is."""

    href: str
    label: str
    level: str
    code: str
    dep_code: str
    dep_name: str
    reg_code: str
    reg_name: str
    extra: str = ""  # already escaped HTML after the link (the « données simulées » mark, a failure)


def index_section(entries: Sequence[IndexEntry], heading: str = "Territoires") -> list[str]:
    """HTML lines of the index's territories section: a filter box, then régions, départements, pages.

    Usable with thousands of entries: each région is a ``<details>`` (closed; open when
    there is a single one) holding its départements, each a ``<details>`` holding its
    pages; the filter box (a few lines of script, no server, no network) keeps the
    pages whose name, code, département or région holds every word typed, accents and
    case ignored, opens the groups that keep some and says how many are shown.
    Without script, the groups still open and close; the box stays hidden. The same
    entries give the same bytes (sorted by région, département, then name).
    """
    if not entries:
        return []
    regions: dict[tuple[str, str], dict[tuple[str, str], list[IndexEntry]]] = {}
    for entry in entries:
        region = (entry.reg_name or "Sans région", entry.reg_code)
        department = (entry.dep_code or "—", entry.dep_name or "sans département")
        regions.setdefault(region, {}).setdefault(department, []).append(entry)
    lines = [
        f"<h2>{escape(heading)}</h2>",
        f"<p>{_integer(len(entries))} fiches, par région puis par département (un EPCI est classé dans le "
        "département de sa commune la plus peuplée).</p>",
        '<p><label for="odas-filtre">Filtrer : </label><input type="search" id="odas-filtre" class="odas-filtre" '
        'placeholder="nom, code, département ou région" autocomplete="off" hidden> '
        '<span id="odas-filtre-compte" class="odas-niveau" aria-live="polite" hidden></span></p>',
        '<div id="odas-territoires">',
    ]
    single = len(regions) == 1
    for (reg_name, _reg_code), departments in sorted(regions.items(), key=lambda kv: _sort_key(kv[0][0])):
        count = sum(len(v) for v in departments.values())
        lines.append(f"<details{' open' if single else ''}><summary>{escape(reg_name)} ({_integer(count)})</summary>")
        for (dep_code, dep_name), items in sorted(departments.items()):
            lines.append(
                f"<details><summary>{escape(dep_code)} {escape(dep_name)} ({_integer(len(items))})</summary><ul>"
            )
            for entry in sorted(items, key=lambda e: (_sort_key(e.label), e.code)):
                key = _sort_key(" ".join([entry.label, entry.code, dep_code, dep_name, reg_name, entry.level]))
                lines.append(
                    f'<li data-cle="{escape(key)}"><a href="{escape(entry.href)}">{escape(entry.label)}</a>'
                    f'<span class="odas-niveau">{escape(entry.level)} {escape(entry.code)}</span>{entry.extra}</li>'
                )
            lines.append("</ul></details>")
        lines.append("</details>")
    lines += ["</div>", f"<script>{_FILTER_SCRIPT}</script>"]
    return lines


def _integer(n: int) -> str:
    from .. import french

    return french.integer(n)


def manifest_section(entries: dict[str, dict], heading: str = "Territoires") -> list[str]:
    """The index's territories section for the manifest's ``territoire`` runs whose page exists.

    Each page is placed by its code's département and région in the national files;
    when they cannot be read (no ``ODAS_NATIONAL_DATA``), the pages are listed under
    « Sans région » rather than not at all.
    """
    pages = {
        name: entry
        for name, entry in entries.items()
        if entry.get("kind") == "territoire" and (entry.get("outputs") or {}).get("html_reviewers")
    }
    if not pages:
        return []
    try:
        national: NationalTerritories | None = national_territories()
    except Exception:  # noqa: BLE001 - the index is written whatever the state of the national files
        national = None
    rows = []
    for name, entry in pages.items():
        outputs = entry["outputs"]
        code = str((entry.get("parameters") or {}).get("territory_code") or name.removeprefix("territoire-")).upper()
        found = national.lookup(code) if national is not None else None
        title = entry.get("title", name)
        label = found.name if found else (title.split(" : ", 1)[1] if " : " in title else title)
        extra = ""
        if outputs.get("html_researchers"):
            extra += f' <a class="code" href="researchers/{escape(Path(outputs["html_researchers"]).name)}">(code)</a>'
        if entry.get("simulated"):
            extra += ' <span class="simule">données simulées</span>'
        if entry.get("status") == "failed":
            extra += ' <span class="echec">dernière exécution en échec : page précédente</span>'
        where = (found.dep_code, found.dep_name, found.reg_code, found.reg_name) if found else ("", "", "", "")
        level = found.level if found else ("EPCI" if len(code) == 9 and code.isdigit() else "commune")
        rows.append(
            IndexEntry(f"reviewers/{Path(outputs['html_reviewers']).name}", label, level, code, *where, extra=extra)
        )
    return index_section(rows, heading)
