"""Benchmark: QCA minimisation at the study's scale (eleven sites).

Times ``odas_analysis.stats.qca.minimize`` (truth table, conservative, parsimonious and
intermediate solutions) on random fuzzy data for eleven sites and 4 to 12 conditions,
then on crisp random data for 30 cases and 8 to 12 conditions.
Usage: ``.venv/bin/python bench/bench_qca.py``. Nothing is asserted about time.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from odas_analysis import french
from odas_analysis.errors import ParameterError
from odas_analysis.stats import qca


def main() -> None:
    rng = np.random.default_rng(2019)
    print(f"{'conditions':>10} {'secondes':>8}  solutions (conservatrices / parcimonieuses / intermédiaires)")
    for k in (4, 6, 8, 10, 12):  # and 30 cases below
        names = [f"C{i}" for i in range(k)]
        data = pd.DataFrame(np.round(rng.uniform(size=(11, k + 1)), 2), columns=names + ["Y"])
        data["Y"] = np.round(np.clip(data[names[:2]].max(axis=1) + rng.normal(0, 0.1, 11), 0, 1), 2)
        t0 = time.perf_counter()
        try:
            sol = qca.minimize(data, "Y", names, incl_cut=0.8, dir_exp={c: 1 for c in names})
        except ParameterError as exc:
            print(f"{k:>10} {french.number(time.perf_counter() - t0, 3):>8}  {exc}")
            continue
        elapsed = time.perf_counter() - t0
        print(
            f"{k:>10} {french.number(elapsed, 3):>8}  {len(sol.conservative)} / {len(sol.parsimonious)} / {len(sol.intermediate)}"
        )


def main_crisp() -> None:
    """Crisp random data, 30 cases: the chart of prime implicants gets large (issue 10)."""
    rng = np.random.default_rng(3)
    print(f"\n{'conditions':>10} {'cas':>4} {'secondes':>8}  résultat")
    for k in (8, 10, 12):
        names = [f"C{i}" for i in range(k)]
        data = pd.DataFrame(rng.integers(0, 2, size=(30, k + 1)), columns=names + ["Y"])
        t0 = time.perf_counter()
        try:
            sol = qca.minimize(data, "Y", names, incl_cut=0.8, dir_exp={c: 1 for c in names})
            result = f"{len(sol.conservative)} / {len(sol.parsimonious)} / {len(sol.intermediate)}"
        except ParameterError as exc:
            result = str(exc)[:70]
        print(f"{k:>10} {30:>4} {french.number(time.perf_counter() - t0, 3):>8}  {result}")


if __name__ == "__main__":
    main()
    main_crisp()
