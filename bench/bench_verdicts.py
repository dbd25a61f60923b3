"""Benchmark: false-positive rate of every verdict rule on shuffled records.

Two shuffles leave nothing to find: the outcome levels of each hypothesis permuted across
the eleven sites (the five outcomes together, so that the verdict's rate includes the
Holm adjustment across H1-H5), and the codes of each hypothesis's coded segments permuted
across its segments. For each rule the script prints the share of shuffles in which it
claims support, by hypothesis and pooled, then the time taken. A calibrated rule is at or
below 5 %; the two « ancienne règle » lines show the rules used before issue 10.

Usage::

    .venv/bin/python bench/bench_verdicts.py            # 200 shuffles of each kind
    .venv/bin/python bench/bench_verdicts.py 500        # more

Runs on the demonstration set (« données simulées »), or on ODAS_PRIVATE_DATA when set.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from odas_analysis import fieldwork, french
from odas_analysis.hypotheses import calibration


def show(rates: pd.DataFrame, title: str) -> None:
    print(f"\n{title} ({int(rates['n'].iloc[0])} brassages par hypothèse)")
    table = rates.pivot(index="rule_fr", columns="hypothesis_id", values="rate")
    pooled = rates.groupby("rule_fr")[["hits", "n"]].sum()
    table["ensemble"] = pooled["hits"] / pooled["n"]
    width = max(len(i) for i in table.index)
    print(" " * width + "".join(f"{c:>10}" for c in table.columns))
    for rule, values in table.iterrows():
        print(rule.ljust(width) + "".join(f"{french.percent(v, 1):>10}" for v in values))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    records = fieldwork.load_records()
    print(f"Données : {'simulées (jeu de démonstration)' if records.source.synthetic else 'relevés d’enquête'}")
    t0 = time.perf_counter()
    site = calibration.outcome_shuffles(records, n)
    t1 = time.perf_counter()
    show(site, "Résultat réparti au hasard entre les sites")
    print(f"durée : {french.duration(t1 - t0)}")
    codes = calibration.code_shuffles(records, n)
    t2 = time.perf_counter()
    show(codes, "Codes répartis au hasard entre les passages")
    print(f"durée : {french.duration(t2 - t1)} ; en tout {french.duration(t2 - t0)}")


if __name__ == "__main__":
    main()
