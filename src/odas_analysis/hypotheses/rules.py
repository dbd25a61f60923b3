"""The written rules of the verdicts: thresholds, and the rule itself in French.

Everything a verdict counts is here, so that the methodology notebook, the report's
method chapter and the code say the same thing (:data:`VERDICT_RULE_FR` is printed by
``notebooks/methodologie.py``).
"""

from __future__ import annotations

#: Level of every test (one-sided, in the expected direction).
ALPHA = 0.05
#: Consistency cut of the QCA truth tables.
INCL_CUT = 0.8
#: Smallest coverage of a QCA solution to count.
COVERAGE_CUT = 0.5
#: Necessity: consistency and relevance (RoN) cuts; skewness: share of sites in a set.
NECESSITY_CUT = 0.9
RON_CUT = 0.5
SKEW_LOW, SKEW_HIGH = 0.2, 0.8
#: Robustness: largest one-sided p of the composite test in each leave-one-site-out subset.
LOO_ALPHA = 0.10
#: Reliability threshold under which codes are read with caution (Krippendorff).
RELIABILITY_THRESHOLD = 0.8
#: GEE reference group: the city and intercommunal actors.
REFERENCE_GROUP = "ville_epci"
#: Smallest number of segments for a group of actors to get its own GEE coefficient.
MIN_GROUP_SEGMENTS = 10
#: Inclusion cuts and crisp cuts of the robustness checks.
INCL_CUTS = (0.75, 0.8, 0.85, 0.9, 1.0)
CRISP_CUTS = (1, 2, 3)
#: Fuzzy calibration of the 0-3 grid (R QCA ``calibrate``, logistic): exclusion, crossover, inclusion.
FUZZY_THRESHOLDS = (0.5, 1.5, 2.5)

VERDICTS = ("soutenue", "partiellement soutenue", "non confirmée", "non testée")

VERDICT_RULE_FR = (
    "**Règle du verdict, fixée avant de regarder les résultats.** Pour chaque hypothèse, un seul test "
    "décide : la corrélation de Spearman entre le résultat et le **score composite** des conditions "
    "(moyenne de leurs niveaux de la grille, de 0 à 3), par test exact de permutation, unilatéral dans le "
    "sens attendu. Ce test est corrigé par la méthode de Holm sur les cinq hypothèses H1 à H5.\n\n"
    "- **non confirmée** : p du test composite ≥ 0,05 ;\n"
    "- **partiellement soutenue** : p < 0,05, mais pas après la correction de Holm sur H1 à H5, ou bien "
    "le résultat ne résiste pas au retrait d'un site, ou aucun autre indice ne le corrobore ;\n"
    "- **soutenue** : p < 0,05 après la correction de Holm sur H1 à H5, le sens et p < 0,10 conservés en "
    "retirant chaque site tour à tour, et au moins un indice concordant : une solution de l'analyse "
    "qualitative comparée (QCA) qui n'emploie que des conditions dans le sens attendu, de consistance "
    "≥ 0,8 et de couverture ≥ 0,5, dont le test de permutation (toutes les répartitions du résultat entre "
    "les sites) donne p < 0,05 et qui résiste à la calibration floue et au retrait de chaque site ; ou bien "
    "la concordance, p < 0,05, entre la part des passages d'entretien qui confirment l'hypothèse et le "
    "résultat jugé par les chercheurs ;\n"
    "- **non testée** : les relevés ne permettent pas le test composite.\n\n"
    "Les autres résultats (corrélations condition par condition ajustées par Holm, conditions nécessaires, "
    "écarts entre groupes d'acteurs dans les entretiens, test F conjoint puis Holm sur les contrastes, "
    "vérifications de robustesse et placebo) sont rapportés et commentés, mais ne changent pas la classe du "
    "verdict. Chaque règle qui mène à une phrase de conclusion a été vérifiée sur des données brassées (le "
    "résultat réparti au hasard entre les sites, les codes répartis au hasard entre les passages) : aucune ne "
    "conclut plus de 5 % du temps, aux fluctuations près, quand il n'y a rien à trouver. Le test F conjoint "
    "des contrastes du modèle GEE, trop permissif avec onze grappes (environ 14 % de fausses alertes), est "
    "donné à titre indicatif : c'est un test de permutation des codes dans chaque site qui décide si les "
    "groupes d'acteurs diffèrent."
)

POPULATION_FR = (
    "Les p-valeurs de permutation décrivent ces onze sites, retenus sur candidature : elles disent si "
    "l'association observée entre eux pourrait venir d'une répartition au hasard, non ce qui vaudrait pour "
    "d'autres territoires."
)

LIMITS_FR = (
    "Limites : onze sites observés sur une seule période (2015-2017), sans groupe de comparaison ; "
    "les niveaux de la grille et les codes des entretiens résultent d'un jugement qualitatif des chercheurs ; "
    "avec onze sites, un test n'a de puissance que pour des associations fortes, et les erreurs types du "
    "modèle par entretien (onze grappes) sont fragiles ; une association n'établit pas un effet."
)

SIMULATED_FR = (
    "Données simulées : ce résultat illustre la méthode sur le jeu de démonstration et ne dit rien des sites réels."
)
