"""The verdict of one hypothesis: its class by the written rule (:data:`~.rules.VERDICT_RULE_FR`), and its text."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import french
from .power import power_sentence_fr
from .rules import ALPHA, LIMITS_FR, POPULATION_FR, RELIABILITY_THRESHOLD, SIMULATED_FR


@dataclass(frozen=True)
class Evidence:
    """What the rule reads, each piece already computed and calibrated."""

    composite_rho: float
    composite_p: float
    composite_p_holm: float  # Holm across H1-H5
    loo_survives: bool
    qca_passes: bool
    qca_p: float
    qca_survives: bool
    testimony_p: float

    @property
    def testable(self) -> bool:
        return pd.notna(self.composite_p)

    @property
    def qca_corroborates(self) -> bool:
        return self.qca_passes and pd.notna(self.qca_p) and self.qca_p < ALPHA and self.qca_survives

    @property
    def testimony_corroborates(self) -> bool:
        return pd.notna(self.testimony_p) and self.testimony_p < ALPHA


def classify(ev: Evidence) -> tuple[str, str]:
    """The class and, in French, the clause of the rule that chose it."""
    if not ev.testable:
        return "non testée", "le test composite n'a pas pu être calculé"
    if ev.composite_p >= ALPHA:
        return "non confirmée", "le test composite ne montre pas d'association au seuil de 5 %"
    if pd.isna(ev.composite_p_holm) or ev.composite_p_holm >= ALPHA:
        return (
            "partiellement soutenue",
            "le test composite conclut à 5 %, mais plus après la correction de Holm sur H1 à H5",
        )
    if not ev.loo_survives:
        return (
            "partiellement soutenue",
            "le test composite conclut après Holm, mais ne résiste pas au retrait d'un site",
        )
    if not (ev.qca_corroborates or ev.testimony_corroborates):
        return "partiellement soutenue", "le test composite conclut après Holm, mais aucun autre indice ne le corrobore"
    return (
        "soutenue",
        "le test composite conclut après Holm, résiste au retrait de chaque site et un autre indice concorde",
    )


def _rows(results: pd.DataFrame, test: str) -> pd.DataFrame:
    return results[results["test"] == test]


def composite_sentence(hyp: str, results: pd.DataFrame, ev: Evidence) -> str:
    comp = _rows(results, "composite").iloc[0]
    return (
        f"Test décisif, fixé d'avance : le score composite des conditions et le résultat, rho = "
        f"{french.number(ev.composite_rho, 3)} ({french.p_value(ev.composite_p)}, unilatéral, n = {int(comp['n'])}) ; "
        f"après la correction de Holm sur les cinq hypothèses, {french.p_value(ev.composite_p_holm)}."
    )


def qca_sentence(results: pd.DataFrame, ev: Evidence) -> str:
    perm = _rows(results, "qca_permutation")
    if not len(perm):
        return "L'analyse qualitative comparée ne trouve aucune configuration suffisante."
    r = perm.iloc[0]
    if not ev.qca_passes:
        return (
            "L'analyse qualitative comparée ne trouve pas de solution qui, n'employant que des conditions dans le "
            "sens attendu, soit à la fois consistante (≥ 0,8) et couvrante (≥ 0,5) dans tous les modèles à égalité."
        )
    robust = _rows(results, "robustesse_qca")
    text = (
        f"L'analyse qualitative comparée retient, dans le sens attendu : {r['variables']} (couverture "
        f"{french.number(r['statistic'], 3)} ; {' ; '.join(r['note'].split(' ; ')[1:3])}) ; "
        f"test de permutation {french.p_value(r['p_value'])}"
    )
    text += ", au-dessus de 5 % : ce pourrait être le hasard." if r["p_value"] >= ALPHA else "."
    if len(robust):
        text += " Robustesse : " + robust.iloc[0]["note"] + ("." if ev.qca_survives else " ; elle ne résiste donc pas.")
    return text


def interview_sentences(hyp: str, results: pd.DataFrame) -> list[str]:
    parts = []
    share = _rows(results, "gee_share")
    if len(share) and pd.notna(share["statistic"].iloc[0]):
        s = share.iloc[0]
        parts.append(
            f"Dans les entretiens, {french.percent(s['statistic'], 0)} des passages codés sur {hyp} la confirment "
            f"(IC 95 % {french.percent(s['ci_low'], 0)} à {french.percent(s['ci_high'], 0)}) ; ce constat est "
            "descriptif et ne compte pas dans le verdict."
        )
    joint = _rows(results, "gee_joint")
    perm = _rows(results, "gee_permutation")
    if len(perm) and pd.notna(perm["p_value"].iloc[0]):
        pr = perm.iloc[0]
        gee = _rows(results, "gee")
        diff = gee[gee["p_holm"] < ALPHA]
        head = f"test de permutation dans les sites, {french.p_value(pr['p_value'])}"
        if len(joint) and pd.notna(joint["statistic"].iloc[0]):
            j = joint.iloc[0]
            head += f" ; test de Wald conjoint {j['statistic_name']} = {french.number(j['statistic'], 2)}, {french.p_value(j['p_value'])}"
        if pr["p_value"] < ALPHA:
            named = "; ".join(
                f"{r['variables']}, rapport de cotes {french.number(r['statistic'], 2)} ({french.p_value(r['p_holm'])} après Holm)"
                for _, r in diff.sort_values("p_holm").iterrows()
            )
            parts.append(
                f"Les groupes d'acteurs diffèrent ({head})"
                + (f" : {named}." if named else ", sans qu'un contraste ne résiste seul à la correction de Holm.")
            )
        else:
            parts.append(f"Les données ne montrent pas d'écart entre groupes d'acteurs ({head}).")
    return parts


def other_sentences(results: pd.DataFrame) -> list[str]:
    parts = []
    spear = results[(results["test"] == "spearman") & results["p_holm"].notna()]
    if len(spear):
        k = int((spear["p_holm"] < ALPHA).sum())
        parts.append(
            f"Condition par condition, {k} des {len(spear)} corrélations conclut au seuil de 5 % après la correction de Holm."
            if k <= 1
            else f"Condition par condition, {k} des {len(spear)} corrélations concluent au seuil de 5 % après la correction de Holm."
        )
    nec = _rows(results, "qca_necessity")
    necessary = nec[nec["note"].str.contains("nécessaire selon la règle")]
    if len(nec):
        parts.append(
            "Aucune condition n'apparaît nécessaire (consistance ≥ 0,9, pertinence ≥ 0,5, répartition équilibrée, p < 0,05)."
            if not len(necessary)
            else "Condition nécessaire selon la règle : " + " ; ".join(necessary["variables"]) + "."
        )
    testimony = _rows(results, "spearman_testimony")
    if len(testimony) and pd.notna(testimony["p_value"].iloc[0]):
        t = testimony.iloc[0]
        agree = "concordent" if t["p_value"] < ALPHA else "ne concordent pas nettement"
        parts.append(
            f"La part des passages qui confirment et le jugement des chercheurs {agree} d'un site à l'autre "
            f"(rho = {french.number(t['statistic'], 3)}, {french.p_value(t['p_value'])})."
        )
    placebo = _rows(results, "placebo")
    if len(placebo):
        hits = int((placebo["p_value"] < ALPHA).sum())
        parts.append(
            f"Placebo : les conditions sont aussi associées à {hits} des {len(placebo)} résultats des autres hypothèses"
            + (
                " ; un effet de halo (les mêmes chercheurs notent conditions et résultats) est possible."
                if hits
                else "."
            )
            if hits
            else f"Placebo : les conditions ne sont associées à aucun des {len(placebo)} résultats des autres hypothèses."
        )
    return parts


def reliability_sentences(results: pd.DataFrame) -> list[str]:
    parts = []
    nested = results[(results["test"] == "gee_nested") & results["statistic"].notna()]
    if len(nested) and nested["statistic"].iloc[0] > 20:
        parts.append(
            "Attention : tenir compte de l'emboîtement des entretiens dans les sites déplace un rapport de cotes "
            f"de {french.number(nested['statistic'].iloc[0], 0)} % ; les écarts entre groupes sont fragiles."
        )
    alpha = _rows(results, "krippendorff_alpha")
    if len(alpha) and pd.notna(alpha["statistic"].iloc[0]):
        a = float(alpha["statistic"].iloc[0])
        parts.append(
            f"Accord entre codeurs : alpha de Krippendorff = {french.number(a, 3)}"
            + (
                f" (au-dessus du seuil usuel de {french.number(RELIABILITY_THRESHOLD, 3)})."
                if a >= RELIABILITY_THRESHOLD
                else f" (en deçà du seuil usuel de {french.number(RELIABILITY_THRESHOLD, 3)} : les codes sont à lire avec prudence)."
            )
        )
    return parts


def write(
    hyp: str, label: str, results: pd.DataFrame, ev: Evidence, synthetic: bool, notes: list[str]
) -> tuple[str, str]:
    """``(class, text)`` of the verdict."""
    verdict_class, why = classify(ev)
    parts = [SIMULATED_FR] if synthetic else []
    if not ev.testable:
        parts.append(
            f"{hyp} ({label}) : hypothèse non testée, les relevés sont trop peu nombreux "
            "(il faut au moins trois sites évalués et des passages codés dans plusieurs sites)."
        )
    else:
        parts.append(f"{hyp} ({label}) : hypothèse {verdict_class} par ces données, car {why}.")
        parts.append(composite_sentence(hyp, results, ev))
        loo = _rows(results, "robustesse_loo")
        if len(loo):
            parts.append("Retrait d'un site : le test composite " + loo.iloc[0]["note"] + ".")
        parts.append(qca_sentence(results, ev))
    parts += other_sentences(results) + interview_sentences(hyp, results) + reliability_sentences(results)
    if notes:
        parts.append("Non disponible : " + " ; ".join(notes) + ".")
    parts += [power_sentence_fr(), POPULATION_FR, LIMITS_FR]
    return verdict_class, " ".join(parts)
