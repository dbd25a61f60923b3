"""``bench/bench_account.py`` still finds what it wraps, and accounts for every run.

The script wraps functions of the pool and of the kernels by name: a renaming would
break it unnoticed until the next measure. Run here on the test notebooks' site pages; no
time is asserted (the script prints the account).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks" / "batch"


@pytest.mark.timeout(300)
def test_every_run_is_accounted_for(tmp_path):
    results = tmp_path / "account.json"
    script = ROOT / "bench" / "bench_account.py"
    args = ["--notebooks", str(FIXTURES), "--only", "site", "--results", str(results)]
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(results.read_text())
    assert found["kernels"] == 11  # one kernel a site, each measured at its start and at its end
    assert list(found["by_kind"]) == ["site"] and found["by_kind"]["site"]["kernels"] == 11
    assert "par page site (11)" in proc.stdout
    assert found["kernels_notebook_s"] > 0 and found["kernels_start_s"] > 0
    assert len(found["workers_s"]) >= 1 and all(cpu > 0 for cpu in found["workers_s"])
    assert found["rest_s"] > 0 and found["limit_s"] > 0
    assert "fois la limite" in proc.stdout
