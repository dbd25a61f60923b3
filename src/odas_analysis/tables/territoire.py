"""Tables of a territory profile: who the territory is, its indicators, its comparable territories.

The same functions serve the ``territoire`` notebook (any commune or EPCI of the
national files, :func:`odas_analysis.national.profile.territory_profile`) and the
territory section of the site notebook (:func:`~odas_analysis.national.profile.site_profile`)::

    from odas_analysis.national import profile
    from odas_analysis.tables import territoire as tables
    p = profile.territory_profile("59350")
    export.table(tables.profile_table(p), "indicateurs", caption=tables.profile_note(p))

Nothing is imputed: a value the source does not publish is a missing number (shown
``n.d.``) and the column ``Remarque`` says why (« secret statistique »...).
"""

from __future__ import annotations

import pandas as pd

from .. import french
from ..indicators import spec as _spec
from ..national.profile import Profile
from .common import source_tag, sources_note

LEVEL_COLUMNS = {"dep_value": "Département", "reg_value": "Région", "france_value": "France"}

POPULATION_FR = {"communes": "communes", "EPCI": "EPCI"}


def identity_table(profile: Profile) -> pd.DataFrame:
    """Who the territory is, as a two-column table (``Rubrique``, ``Valeur``)."""
    t = profile.territory
    items = [
        ("Territoire", t.name),
        ("Nature", t.nature),
        ("Code commune (INSEE)" if t.level == "commune" else "SIREN de l'EPCI", t.code),
        ("Département", f"{t.dep_name} ({t.dep_code})" if t.dep_name else t.dep_code or french.MISSING),
        ("Région", f"{t.reg_name} ({t.reg_code})" if t.reg_name else t.reg_code or french.MISSING),
    ]
    if t.level == "commune" and t.epci_code:
        items.append(("Intercommunalité au 1er janvier 2026", f"{t.epci_name} ({t.epci_code})"))
    if t.n_communes is not None:
        items.append(("Communes membres au 1er janvier 2026", french.integer(t.n_communes)))
    if t.level == "EPCI":
        items.append(("Département et région", "ceux où se trouve la plupart des communes membres (COG 2026)"))
    pop = french.MISSING if t.population is None else f"{french.integer(t.population)} habitants"
    items.append(("Population municipale en vigueur au 1er janvier 2026", pop))
    return pd.DataFrame(items, columns=["Rubrique", "Valeur"])


def identity_note(profile: Profile) -> str:
    """Source note of :func:`identity_table`."""
    return sources_note(["S2"])


def profile_table(profile: Profile) -> pd.DataFrame:
    """Every indicator at every vintage: the territory, its département, région and France, its rank.

    One row per indicator × data year (first value column ``Site`` for a study site,
    ``Territoire`` otherwise): values as numbers (NaN where not available, never
    imputed), the percentile rank among the communes (or the EPCI) of the file and their
    number (``Parmi les``, ``Effectif``), why a value is missing (``Remarque``), the geography and the source.
    ``.attrs["decimals"]`` gives each row its indicator's precision.
    """
    subject = "Site" if profile.territory.site_id else "Territoire"
    levels = {"value": subject, **LEVEL_COLUMNS}
    rows, digits = [], []
    for r in profile.indicators.itertuples(index=False):
        spec = _spec(str(r.indicator), int(r.data_year))
        digits.append(spec.decimals)
        row = {"Indicateur": str(r.label), "Année": int(r.data_year), "Unité": str(r.unit)}
        row.update({label: float(getattr(r, col)) for col, label in levels.items()})
        row["Rang centile"] = float(r.pct_rank)
        n = r.n_in_distribution
        row["Parmi les"] = POPULATION_FR.get(str(r.rank_population), french.MISSING)
        row["Effectif"] = n
        row["Remarque"] = str(r.status) if not pd.isna(r.status) else ""
        row["Géographie"] = str(r.geography)
        row["Source"] = source_tag(r.source_id)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["Effectif"] = out["Effectif"].astype("Int64")
    out.attrs["decimals"] = {**{label: digits for label in levels.values()}, "Rang centile": 1}
    out.attrs["units"] = {"Rang centile": "centile (0 à 100)"}
    return out


def profile_note(profile: Profile) -> str:
    """Sources and caveats of :func:`profile_table`."""
    secret = (profile.indicators["status"] == "secret statistique").any()
    text = (
        "Rang centile : part des communes (ou des EPCI) dont la valeur est inférieure ou égale à celle du "
        "territoire, parmi celles où la valeur est publiée (distribution non pondérée). n.d. : non disponible "
        "dans les fichiers lus, jamais imputé ; la colonne Remarque dit pourquoi. Département, région et France "
        "ne sont donnés que pour les grandeurs qui s'additionnent (population, chômage, participation 2017). "
    )
    if secret:
        text += (
            "Secret statistique : l'INSEE ne diffuse pas les valeurs de Filosofi calculées sur trop peu de "
            "ménages fiscaux. "
        )
    return text + sources_note(profile.indicators["source_id"])


def neighbours_table(profile: Profile) -> pd.DataFrame:
    """The territory and its nearest comparable territories, with the values compared.

    Columns: ``Rang`` (0 for the territory itself), ``Territoire``, ``Code``, ``Distance``
    (Euclidean, over z-scores), then one column per indicator used. Empty (with the same
    columns) when the territory has fewer than two of the indicators.
    """
    near = profile.neighbours
    keys = list(near.attrs.get("indicators", []))
    specs = [_spec(*_split_key(k)) for k in keys]
    out = pd.DataFrame(
        {
            "Rang": list(range(len(near))),
            "Territoire": near["name"].astype(str).to_numpy() if len(near) else [],
            "Code": near["code"].astype(str).to_numpy() if len(near) else [],
            "Distance": near["distance"].astype("float64").to_numpy() if len(near) else [],
        }
    )
    for key, spec in zip(keys, specs, strict=True):
        out[spec.header] = near[key].astype("float64").to_numpy() if len(near) else []
    out.attrs["decimals"] = {"Distance": 2, **{s.header: s.decimals for s in specs}}
    return out


def _split_key(key: str) -> tuple[str, int]:
    indicator, year = key.rsplit("_", 1)
    return indicator, int(year)


def neighbours_note(profile: Profile) -> str:
    """How the comparable territories were found (universe, indicators, those left out)."""
    near = profile.neighbours
    used = [_spec(*_split_key(k)).header for k in near.attrs.get("indicators", [])]
    dropped = [_spec(*_split_key(k)).header for k in near.attrs.get("dropped", [])]
    universe = near.attrs.get("universe", "")
    if not len(near) and near.attrs.get("n_units"):  # the indicators are there, the universe is not
        return (
            f"Aucun territoire comparable calculé : parmi les {universe}, aucun autre que "
            f"{profile.territory.name} n'a une valeur pour chacun des indicateurs de comparaison ({', '.join(used)})."
        )
    if not len(near):
        return (
            f"Aucun territoire comparable calculé : {profile.territory.name} n'a pas au moins deux des indicateurs "
            "de comparaison publiés (" + ", ".join(used + dropped) + ")."
        )
    text = (
        f"Territoires les plus proches parmi les {french.integer(near.attrs.get('n_units', 0))} {universe} qui ont "
        f"une valeur pour chacun des indicateurs utilisés : {', '.join(used)}. Distance euclidienne entre valeurs "
        "centrées-réduites sur ces territoires (population en logarithme) ; rang 0 : le territoire lui-même."
    )
    if dropped:
        text += f" Indicateurs laissés de côté faute de valeur publiée pour {profile.territory.name} : "
        text += ", ".join(dropped) + "."
    return text
