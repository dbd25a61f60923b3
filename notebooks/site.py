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
# # Fiche de site
#
# Une fiche par site de la recherche-action : qui est le site, ce que disent de son
# territoire les indicateurs de la statistique publique, puis son terrain et sa position
# sur chacune des cinq hypothèses.

# %% tags=["parameters"]
site_id = "angers"

# %%
from IPython.display import Markdown, display

from odas_analysis import export, fieldwork, study
from odas_analysis.batch import pages
from odas_analysis.figures import site as figures
from odas_analysis.tables import site as tables

site_id = study.check_site_id(site_id)

# %%
display(Markdown(f"## {study.site(site_id)['name']}"))

# %% [markdown]
# ## Le site
#
# Nature, rattachement administratif, axe de recherche et sujet local. Le sujet local
# n'est connu que pour les sites des axes nommés par l'Odas ; pour les autres, il est
# indiqué « non publié ».

# %%
export.table(tables.card(site_id), "fiche", caption=tables.card_sources(site_id))

# %% [markdown]
# ## Le territoire
#
# Chaque indicateur est donné à chacun des millésimes disponibles, avec sa géographie
# (les contours des communes et des EPCI changent d'un fichier à l'autre). Le
# département, la région et la France ne sont renseignés que pour les grandeurs qui
# s'additionnent (population, chômage, participation) : les médianes et les taux de
# pauvreté de Filosofi ne le sont pas dans les fichiers lus. Pour une communauté
# d'agglomération, le rang centile la situe parmi les EPCI, non parmi les communes.

# %%
export.table(tables.territory_table(site_id), "territoire", caption=tables.territory_note(site_id))

# %%
export.figure(
    figures.references(site_id),
    "territoire-references",
    alt=f"Points : {study.site(site_id)['name']} face à son département, sa région et la France "
    "pour le chômage, la participation aux deux tours de la présidentielle 2017 et le taux de pauvreté",
)

# %%
export.figure(
    figures.distribution(site_id),
    "territoire-distribution",
    alt=f"Six courbes de distribution nationale (communes ou EPCI) et le rang centile de {study.site(site_id)['name']}"
    " pour la population, le revenu, la pauvreté, le rapport D9/D1, le chômage et la participation",
)

# %% [markdown]
# Les territoires les plus proches du site, parmi ceux dont il a été tiré : les communes
# de 20 000 habitants ou plus, ou pour une agglomération les communautés
# d'agglomération ; même calcul que sur la fiche de n'importe quel territoire.

# %%
export.table(tables.neighbours_table(site_id), "territoire-voisins", caption=tables.neighbours_note(site_id))

# %% [markdown]
# ## Le terrain
#
# Les tableaux suivants viennent des relevés de terrain (entretiens, participants,
# codage, grille d'évaluation). Sans relevés réels, le projet utilise un jeu de
# démonstration : tout ce qui en sort est alors signalé comme données simulées.

# %%
if fieldwork.data_source()["synthetic"]:
    pages.mark_simulated("les relevés de terrain de cette fiche sont ceux du jeu de démonstration.")

# %%
terrain = tables.fieldwork_table(site_id)
export.table(terrain, "terrain", caption=terrain.attrs["note_fr"] + " " + fieldwork.source_note_fr())

# %%
participants = tables.participants_table(site_id)
export.table(participants, "participants", caption=participants.attrs["note_fr"] + " " + fieldwork.source_note_fr())

# %% [markdown]
# ## Position du site sur les cinq hypothèses
#
# Pour chaque hypothèse : les niveaux du site dans la grille d'évaluation (de 0 à 3)
# pour les conditions et le résultat, l'indicateur territorial retenu comme contexte ou
# comme résultat secondaire, et la part des passages d'entretien qui confirment
# l'hypothèse ; la médiane des onze sites sert de repère.

# %%
export.table(tables.hypotheses_table(site_id), "hypotheses", caption=fieldwork.source_note_fr())
