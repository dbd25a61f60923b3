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
# # Synthèse : les onze sites côte à côte
#
# Ce carnet met les onze sites de la recherche-action en regard sur leurs indicateurs
# territoriaux, propose une typologie fondée sur ces seuls indicateurs, puis compare les
# quatre sites déjà étudiés en 2010-2012 aux sept nouveaux. Il ne dit rien du terrain
# (entretiens, ateliers) : ce sont des caractéristiques de territoire, pas des résultats
# de l'étude.

# %% tags=["parameters"]
# Ce carnet n'a pas de paramètre : il porte sur les onze sites ensemble.

# %%
from IPython.display import Markdown, display

from odas_analysis import export
from odas_analysis.figures import synthese as figures
from odas_analysis.tables import synthese as tables

# %% [markdown]
# ## Les sites et leurs indicateurs
#
# Un millésime par indicateur : le plus proche de la période de l'étude (2015-2017) qui
# soit publié pour les onze sites. Filosofi 2016 plutôt que 2015, car Moulins Communauté,
# créée le 1er janvier 2017, n'existe pas dans le fichier 2015 ; le taux de chômage vient
# du recensement de 2018, le plus ancien disponible ici. Les deux communautés
# d'agglomération sont comparées avec des communes : leur valeur est celle de l'EPCI.

# %%
export.table(
    tables.cross_site_table(),
    "sites-indicateurs",
    decimals=tables.cross_site_decimals(),
    caption=tables.indicator_sources(),
)

# %%
export.figure(
    figures.indicator_heatmap(),
    "sites-indicateurs",
    alt="Carte de chaleur : les onze sites en lignes, sept indicateurs en colonnes, la couleur disant l'écart "
    "à la moyenne des sites et chaque case portant la valeur",
)

# %% [markdown]
# ## Une typologie des sites
#
# Méthode : six indicateurs (taille, revenu médian, pauvreté, inégalités, chômage,
# participation électorale), la population en logarithme, tous centrés-réduits sur les
# onze sites ; distances euclidiennes ; classification ascendante hiérarchique de Ward.
# Le nombre de groupes est celui qui maximise la silhouette moyenne (entre 2 et 5
# groupes) ; le plus grand saut des hauteurs de fusion sert de second avis.

# %%
typ = tables.typology()
export.table(typ.selection_table(), "typologie-choix", decimals=3, caption="Choix du nombre de groupes")

# %%
display(Markdown(tables.typology_summary(typ)))

# %%
export.figure(
    figures.typology_dendrogram(typ),
    "typologie-dendrogramme",
    alt=f"Dendrogramme de la classification de Ward des onze sites, coupé en {typ.k} groupes de couleurs différentes",
)

# %%
export.table(
    typ.profile_table(),
    "typologie-profils",
    decimals=typ.profile_decimals(),
    caption="Moyenne des indicateurs par groupe",
)

# %%
export.figure(
    figures.typology_map(typ),
    "typologie-carte",
    alt=f"Nuage de points : les onze sites sur les deux premières composantes principales, colorés selon "
    f"leurs {typ.k} groupes",
)

# %% [markdown]
# Robustesse : la typologie est refaite en retirant un indicateur à la fois. Un indice de
# Rand ajusté de 1 signifie que les groupes restent les mêmes.

# %%
export.table(typ.robustness(), "typologie-robustesse", decimals=3, caption="Typologie sans chacun des indicateurs")

# %% [markdown]
# ## Les quatre sites de l'étude 2010-2012 et les sept nouveaux
#
# Bordeaux, Clichy-sous-Bois, Le Havre et Strasbourg avaient participé à l'étude « Les
# villes et le lien social ». Valenciennes Métropole compte parmi les nouveaux sites :
# l'étude 2010-2012 portait sur la ville de Valenciennes, pas sur l'agglomération.
#
# Pour chaque indicateur, la différence des moyennes est testée par un test exact de
# permutation : les 330 façons de choisir 4 sites parmi 11 sont toutes énumérées, si
# bien qu'aucune p-valeur bilatérale ne peut descendre sous 2/330 ≈ 0,006. Les p-valeurs
# sont ensuite ajustées par la méthode de Holm (sept tests).

# %%
cohorts = tables.earlier_vs_new()
export.table(tables.earlier_vs_new_table(cohorts), "cohortes", caption=tables.indicator_sources())

# %%
display(Markdown(tables.earlier_vs_new_summary(cohorts)))

# %%
export.figure(
    figures.cohorts(),
    "cohortes",
    alt="Sept panneaux de points : pour chaque indicateur, les quatre sites de l'étude 2010-2012 et les sept "
    "nouveaux, avec la moyenne de chaque groupe",
)

# %% [markdown]
# ## Les sites sont-ils représentatifs ?
#
# Chaque site est situé parmi les territoires dont il est issu : les communes de 20 000
# habitants ou plus (la population des enquêtes de l'Odas sur les villes) pour les neuf
# sites communaux, les communautés d'agglomération pour les deux agglomérations. Pour les
# onze ensemble, la statistique est la moyenne de leurs rangs centiles ; le test compare
# cette moyenne à celle de tous les tirages au hasard de même effectif dans chaque univers,
# calculée exactement (ou, si l'énumération est trop grande, par Monte Carlo avec son
# erreur). Les onze sites n'ont pas été tirés au sort : ce qui suit les décrit, sans rien
# généraliser à toutes les villes.

# %%
representativite = tables.representativeness()
export.table(
    tables.representativeness_table(representativite),
    "representativite",
    caption=tables.representativeness_note(representativite),
)

# %%
display(Markdown(tables.representativeness_summary(representativite)))

# %%
export.figure(
    figures.sites_in_universe(representativite),
    "representativite",
    alt="Nuage de points : pour neuf indicateurs, le rang centile de chacun des onze sites dans son univers, "
    "la moyenne des sites et la valeur attendue pour un tirage au hasard, avec la p-valeur du test",
)

# %%
export.table(tables.site_percentile_table(), "representativite-rangs", caption=tables.site_percentile_note())
