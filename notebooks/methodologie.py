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
# # Méthodologie de la recherche-action
#
# Ce carnet rappelle comment l'Odas a mené, avec le CGET, la recherche-action « Les villes
# et le vivre-ensemble » dans onze sites : son calendrier, le volume de son terrain et la
# répartition des sites entre les trois axes de recherche. Tout ce qui suit vient des
# tables de `data/study/`, chacune avec sa source ; rien n'est estimé.

# %% tags=["parameters"]
# Ce carnet n'a pas de paramètre : il porte sur l'ensemble de la recherche-action.

# %%
from IPython.display import Markdown, display

from odas_analysis import export, fieldwork, hypotheses
from odas_analysis.batch import pages
from odas_analysis.figures import methodologie as figures
from odas_analysis.tables import methodologie as tables

# %% [markdown]
# ## Calendrier
#
# L'étude court de septembre 2015 à novembre 2017 selon le rapport (d'octobre 2015 à
# octobre 2017 pour le travail dans les sites, selon le site de l'Odas). Elle se déroule
# en quatre phases ; les dates de la phase 2 (entretiens sur site) ne sont pas publiées.
# Sur les sept séances du comité de pilotage, seule la troisième est datée. Les quatre
# sous-groupes thématiques se sont réunis deux fois chacun.

# %%
export.figure(
    figures.timeline(),
    "calendrier",
    alt="Frise chronologique de la recherche-action, de septembre 2015 à novembre 2017 : les quatre phases, "
    "les comités de pilotage et les réunions des sous-groupes thématiques",
)

# %%
export.table(tables.calendar_table(), "calendrier", caption=tables.calendar_note())

# %% [markdown]
# ## Le terrain en chiffres
#
# Les totaux publiés par le rapport. « Plus de 400 » est une borne inférieure : le
# nombre exact d'acteurs rencontrés n'est pas connu.

# %%
export.table(tables.fieldwork_totals_table(), "totaux-publies", caption=tables.fieldwork_totals_note())

# %% [markdown]
# ## Les sites par axe de recherche
#
# L'annexe 1 du rapport, qui range les onze sites dans trois axes, n'est pas disponible.
# Une page du site de l'Odas nomme les sites de deux axes (relations entre habitants et
# institutions ; observation partagée) et leur sujet local. Chaque site n'ayant qu'un
# axe, les six autres relèvent par élimination de l'axe « coopération » ; leur sujet
# local reste inconnu.

# %%
export.figure(
    figures.sites_by_axis(),
    "sites-par-axe",
    alt="Les onze sites en tuiles rangées par axe de recherche, la couleur disant si l'axe est publié par "
    "l'Odas ou déduit par élimination",
)

# %%
export.table(tables.sites_by_axis_table(), "sites-par-axe", caption=tables.sites_by_axis_note())

# %% [markdown]
# ## Comment les hypothèses sont jugées
#
# Chacune des cinq hypothèses reçoit un verdict : « soutenue », « partiellement
# soutenue », « non confirmée » ou « non testée ». La classe n'est pas laissée à
# l'appréciation : elle découle de la règle suivante, écrite avant de regarder les
# résultats, et que le code applique telle quelle.

# %%
display(Markdown(hypotheses.VERDICT_RULE_FR))

# %% [markdown]
# ### La famille des cinq tests
#
# Cinq hypothèses, cinq tests composites : la correction de Holm garde à 5 % le risque
# qu'au moins un des cinq conclue à tort.

# %%
if fieldwork.data_source()["synthetic"]:
    pages.mark_simulated("grille d'évaluation du jeu de démonstration.")
famille = hypotheses.holm_table_fr()
export.table(famille, "holm-h1-h5", caption=famille.attrs["note_fr"])

# %% [markdown]
# ### Ce que onze sites permettent de voir
#
# Un test qui ne conclut pas ne prouve pas l'absence de lien : avec onze sites, il ne
# conclut que pour un lien fort.

# %%
puissance = hypotheses.power_table_fr()
export.table(puissance, "puissance", caption=puissance.attrs["note_fr"])

# %%
display(Markdown(hypotheses.power_sentence_fr() + " " + hypotheses.POPULATION_FR))

# %% [markdown]
# ### Robustesse
#
# Chaque verdict est accompagné de vérifications : le test composite refait sans chacun
# des sites, la solution de l'analyse qualitative comparée refaite avec d'autres seuils de
# la grille (1, 2, 3), une calibration floue, d'autres seuils de consistance et sans chacun
# des sites, et un placebo (les conditions d'une hypothèse confrontées aux résultats des
# autres). Un verdict qui ne résiste pas le dit. Le taux de fausses alertes de chaque règle
# est mesuré par `bench/bench_verdicts.py` sur des relevés brassés.
