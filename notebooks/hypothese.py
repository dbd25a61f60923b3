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
# # Une hypothèse de la recherche-action
#
# Les cinq hypothèses de l'étude viennent des conclusions de l'étude de 2013. Ce carnet
# en examine une (de H1 à H5) : son énoncé, la
# façon de la mesurer, puis ce qu'en disent les onze sites et les entretiens.

# %% tags=["parameters"]
hypothesis_id = "H1"

# %%
from IPython.display import Markdown, display

from odas_analysis import export, fieldwork, hypotheses, study
from odas_analysis.batch import pages
from odas_analysis.figures import hypothese as figures
from odas_analysis.tables import hypothese as tables

hypothesis_id = study.check_hypothesis_id(hypothesis_id)

# %%
display(Markdown(tables.heading(hypothesis_id)))

# %% [markdown]
# ## Comment la mesurer
#
# Les conditions et le résultat sont des niveaux de la grille d'évaluation que les
# chercheurs remplissent pour chaque site (de 0, absent, à 3, pleinement présent) ;
# un indicateur territorial sert de contexte ou de résultat secondaire ; les passages
# d'entretien codés disent si les acteurs rencontrés confirment l'hypothèse.

# %%
export.table(
    tables.operationalisation_table(hypothesis_id),
    "mesure",
    caption=tables.operationalisation_note(hypothesis_id),
)

# %% [markdown]
# ## Les données
#
# Sans relevés de terrain réels, les tests portent sur le jeu de démonstration : ils
# montrent la méthode, pas un résultat sur les sites.

# %%
if fieldwork.data_source()["synthetic"]:
    pages.mark_simulated("grille d'évaluation et entretiens du jeu de démonstration.")
result = hypotheses.test(hypothesis_id)

# %%
export.figure(
    figures.sites(result),
    "sites",
    alt=f"Grille colorée : niveaux de 0 à 3 des onze sites sur les conditions et le résultat de {hypothesis_id}, "
    "avec la part des passages d'entretien qui confirment l'hypothèse",
)

# %% [markdown]
# ## Le test qui décide
#
# Un seul test, fixé d'avance, décide du verdict : la corrélation de rang entre le résultat
# et le score composite des conditions (la moyenne de leurs niveaux dans la grille), par
# permutation exhaustive, dans le sens attendu. Comme cinq hypothèses sont testées, ce test
# est corrigé par la méthode de Holm sur les cinq ; le tableau est le même sur chaque page.

# %%
holm = hypotheses.holm_table_fr(result)
export.table(holm, "holm-h1-h5", caption=holm.attrs["note_fr"])

# %% [markdown]
# Avec onze sites, seul un lien fort peut être vu : le tableau suivant dit à partir de quel
# coefficient le test conclut, et avec quelle probabilité il voit un lien d'intensité moyenne.

# %%
puissance = hypotheses.power_table_fr()
export.table(puissance, "puissance", caption=puissance.attrs["note_fr"])

# %% [markdown]
# ## Les autres tests
#
# Au niveau des sites (n = 11) : corrélations de Spearman condition par condition, ajustées
# par la méthode de Holm ; test exact de Fisher sur les conditions dichotomisées ; analyse
# qualitative comparée (ensembles nets), conditions nécessaires d'abord, puis solutions
# suffisantes, dont seuls comptent les termes qui vont dans le sens attendu, avec un test de
# permutation. Au niveau des passages d'entretien : modèle GEE, les passages étant regroupés
# par site, et un test de permutation des codes dans chaque site. Enfin, l'accord entre
# codeurs. Ces résultats sont commentés ; ils ne changent pas la classe du verdict.

# %%
tests = result.results_fr(families=("site", "entretien", "fidélité"))
export.table(tests, "tests", caption=tests.attrs["note_fr"])

# %%
export.figure(
    figures.testimony(result),
    "temoignages",
    alt=f"Points et intervalles de confiance : part des passages d'entretien qui confirment {hypothesis_id}, "
    "par groupe d'acteurs",
)

# %% [markdown]
# ## Robustesse et placebo
#
# Le test composite refait sans chacun des sites ; la solution de l'analyse qualitative
# comparée refaite avec d'autres seuils (1, 2 ou 3 sur la grille, calibration floue, seuil
# de consistance de 0,75 à 1) et sans chacun des sites ; enfin, les conditions de cette
# hypothèse confrontées aux résultats des quatre autres : les mêmes chercheurs notent
# conditions et résultats, et un effet de halo s'y verrait.

# %%
robustesse = result.results_fr(families=("robustesse",))
export.table(robustesse, "robustesse", caption=robustesse.attrs["note_fr"])

# %% [markdown]
# ## Ce qu'on peut en dire
#
# La classe du verdict suit la règle écrite dans le carnet de méthodologie.

# %%
display(Markdown(result.verdict_fr))
