"""Benchmark: QCA minimisation at the study's scale (eleven sites).

Times ``odas_analysis.stats.qca.minimize`` (truth table, conservative, parsimonious and
intermediate solutions) on random fuzzy data for eleven sites and 4 to 12 conditions.
Usage: ``.venv/bin/python bench/bench_qca.py``. Nothing is asserted about time.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from odas_analysis.errors import ParameterError
from odas_analysis.stats import qca


def main() -> None:
    rng = np.random.default_rng(2019)
    print(f"{'conditions':>10} {'seconds':>8}  solutions (conservative / parsimonious / intermediate)")
    for k in (4, 6, 8, 10, 12):
        names = [f"C{i}" for i in range(k)]
        data = pd.DataFrame(np.round(rng.uniform(size=(11, k + 1)), 2), columns=names + ["Y"])
        data["Y"] = np.round(np.clip(data[names[:2]].max(axis=1) + rng.normal(0, 0.1, 11), 0, 1), 2)
        t0 = time.perf_counter()
        try:
            sol = qca.minimize(data, "Y", names, incl_cut=0.8, dir_exp={c: 1 for c in names})
        except ParameterError as exc:
            print(f"{k:>10} {time.perf_counter() - t0:>8.3f}  {exc}")
            continue
        elapsed = time.perf_counter() - t0
        print(f"{k:>10} {elapsed:>8.3f}  {len(sol.conservative)} / {len(sol.parsimonious)} / {len(sol.intermediate)}")


if __name__ == "__main__":
    main()
