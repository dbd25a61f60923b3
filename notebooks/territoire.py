# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,odas,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (odas-analysis)
#     language: python
#     name: odas-analysis
# ---

# %% [markdown]
# # Fiche de territoire
#
# La fiche d'une commune ou d'une intercommunalité quelconque de France, pour préparer une
# nouvelle recherche-action ou situer un douzième site : tous les indicateurs publics du
# projet à chacun de leurs millésimes, les références du département, de la région et de
# la France, le rang du territoire dans la distribution nationale et les territoires qui
# lui ressemblent le plus. Toute commune (code INSEE à 5 caractères) ou intercommunalité
# (SIREN à 9 chiffres) des fichiers nationaux peut avoir la sienne. Tout vient de la
# statistique publique, lue dans les fichiers nationaux ; aucun relevé de terrain.

# %% tags=["parameters"]
territory_code = "59350"

# %%
from odas_analysis import export
from odas_analysis.figures import territoire as figures
from odas_analysis.national import profile
from odas_analysis.tables import territoire as tables

territory_code = profile.check_territory_code(territory_code)

# %%
from IPython.display import Markdown, display

territoire = profile.territory_profile(territory_code)
display(Markdown(f"## {territoire.territory.name} ({territoire.territory.code_label})"))

# %% [markdown]
# ## Le territoire
#
# Nature, rattachement administratif et population légale, d'après le code officiel
# géographique et la liste des EPCI au 1er janvier 2026.

# %%
export.table(tables.identity_table(territoire), "fiche", caption=tables.identity_note(territoire))

# %% [markdown]
# ## Ses indicateurs
#
# Chaque indicateur est donné à chacun des millésimes disponibles, avec sa géographie :
# les contours des communes et des EPCI changent d'un fichier à l'autre. Le département,
# la région et la France ne sont renseignés que pour les grandeurs qui s'additionnent
# (population, chômage, participation à la présidentielle). Une valeur que la source ne
# publie pas reste « n.d. », avec sa raison : l'INSEE tait les revenus et la pauvreté des
# territoires où les ménages sont trop peu nombreux (secret statistique).

# %%
export.table(tables.profile_table(territoire), "indicateurs", caption=tables.profile_note(territoire))

# %%
export.figure(
    figures.references(territoire),
    "references",
    alt=f"Points : {territoire.territory.name} face à son département, sa région et la France pour le chômage, "
    "la participation aux deux tours de la présidentielle 2017 et le taux de pauvreté",
)

# %%
export.figure(
    figures.distribution(territoire),
    "distribution",
    alt=f"Six courbes de distribution nationale et le rang centile de {territoire.territory.name} pour la "
    "population, le revenu, la pauvreté, le rapport D9/D1, le chômage et la participation",
)

# %% [markdown]
# ## Les territoires qui lui ressemblent
#
# Les cinq territoires les plus proches sur la taille, le revenu médian, la pauvreté, le
# chômage et la participation électorale, parmi les communes de France (ou les EPCI de
# même nature, la Métropole de Lyon étant comparée aux métropoles) : chaque indicateur
# est centré-réduit, la population prise en logarithme.
# Un indicateur dont la valeur n'est pas publiée pour le territoire est laissé de côté, et
# la note le dit.

# %%
export.table(tables.neighbours_table(territoire), "voisins", caption=tables.neighbours_note(territoire))
