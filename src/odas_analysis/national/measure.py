"""One indicator x data year ready to be written: :class:`Measure` and the helpers that build one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..indicators import IndicatorSpec

NOTE_NOT_ADDITIVE = (
    "références départementale, régionale et France non disponibles dans les fichiers "
    "nationaux lus (médianes, taux de pauvreté et rapports interdéciles ne s'additionnent pas)"
)


@dataclass
class Measure:
    """Everything needed to write the rows of one indicator x data year.

    ``communes`` is indexed by commune code (arrondissements removed) with a ``value``
    column; additive measures also carry ``num`` and ``den`` (``den`` absent for plain
    counts) and a ``dep`` column. ``epci`` holds the EPCI values used for EPCI sites and
    the EPCI distribution (index: SIREN; columns ``value`` and ``note``; ``in_dist``
    flags the EPCI kept in the distribution).
    """

    spec: IndicatorSpec
    communes: pd.DataFrame
    epci: pd.DataFrame
    additive: bool
    scale: float = 1.0
    france_scope: str = ""
    commune_note: str = ""
    epci_dist_note: str = ""
    refs: dict[str, dict[str, float]] = field(default_factory=dict)  # published refs: dep/reg/france
    refs_scope: str = ""
    refs_note: str = NOTE_NOT_ADDITIVE  # why there are no references (neither additive nor published)
    coverage: str = ""  # when set, a commune absent from the file is written empty with this coverage

    @property
    def cog_vintage(self) -> str:
        """The COG of the measure's geography, ``"2026"`` or ``"2019"`` (keys of :meth:`NationalData.dep_to_reg`)."""
        return "2026" if self.spec.geography == "COG 2026" else "2019"


def ratio_value(num: pd.Series, den: pd.Series | None, scale: float) -> pd.Series:
    if den is None:
        return num.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den * scale
    return out.where(den > 0)


def epci_sums(
    members: pd.DataFrame,
    communes: pd.DataFrame,
    den: bool,
    scale: float,
    perimeter: str,
    what: str,
) -> pd.DataFrame:
    """EPCI values as sums of member communes (index SIREN, columns value/note/in_dist)."""
    joined = members[["siren_epci", "code_commune"]].merge(
        communes[["num"] + (["den"] if den else [])], left_on="code_commune", right_index=True, how="left"
    )
    joined["found"] = joined["num"].notna()
    grouped = joined.groupby("siren_epci", sort=True)
    total = grouped.size()
    found = grouped["found"].sum()
    num = grouped["num"].sum(min_count=1)
    value = ratio_value(num, grouped["den"].sum(min_count=1) if den else None, scale)
    notes = [
        f"somme sur les {int(found[s])}/{int(total[s])} communes membres (périmètre {perimeter}) trouvées dans {what}"
        for s in total.index
    ]
    return pd.DataFrame(
        {"value": value, "note": notes, "in_dist": (found == total) & value.notna()},
        index=total.index,
    )


def epci_published(frame: pd.DataFrame, key: str, col: str) -> pd.DataFrame:
    values = frame.set_index(key)[col]
    return pd.DataFrame({"value": values, "note": "", "in_dist": values.notna()})


def scope_missing(communes: pd.DataFrame, dep_names: dict[str, str]) -> str:
    """French phrase naming départements whose communes all lack a value."""
    by_dep = communes.groupby("dep")["num"].apply(lambda s: s.isna().all())
    empty = sorted(d for d, all_missing in by_dep.items() if all_missing)
    if not empty:
        return ""
    names = ", ".join(dep_names.get(d, d) for d in empty)
    return f" hors {names} (valeurs absentes du fichier)"


def check_unique_index(measure: Measure, national_dir: Path) -> None:
    dup = measure.communes.index.duplicated()
    if dup.any():
        raise DataValidationError(
            f"fichiers nationaux de {national_dir} : le code {measure.communes.index[dup][0]} figure deux fois "
            f"pour {measure.spec.indicator} {measure.spec.data_year} ({measure.spec.source_id}) ; "
            "une ligne par commune est attendue"
        )


@dataclass(frozen=True)
class NationalData:
    """The national files read once (``files``: name -> frame, ``None`` for an absent optional file)."""

    files: dict[str, pd.DataFrame | None]

    def __getitem__(self, name: str) -> pd.DataFrame | None:
        return self.files[name]

    @property
    def dep_names(self) -> dict[str, str]:
        """Département code -> name (COG 2019), empty when the file has no names."""
        c19 = self.files["communes_2019"]
        if "nom_departement" not in c19.columns:
            return {}
        return dict(zip(c19["code_departement"], c19["nom_departement"], strict=True))

    def dep_to_reg(self, vintage: str) -> dict[str, str]:
        """Département code -> région code in the COG of ``vintage`` ("2019" or "2026")."""
        communes = self.files[f"communes_{vintage}"]
        return dict(zip(communes["code_departement"], communes["code_region"], strict=True))


MeasureKey = tuple[str, int]
