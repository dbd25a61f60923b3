"""nbval over notebooks whose outputs are committed for their default parameters.

Each notebook of NBVAL_NOTEBOOKS is re-executed by nbval in a fresh kernel and its
outputs compared with the committed ones (text outputs; nbval leaves PNG out of the
comparison by default, and our PNGs are byte-stable anyway). Only memory addresses are
sanitised (``tests/fixtures/notebooks/nbval/sanitize.cfg``): nothing else in our
outputs varies between runs (no dates, no timings, French numbers formatted by us).

The fixture notebook checks the plumbing itself; the project's notebooks
(``notebooks/*.ipynb``, outputs committed for their default parameters) are the real
subject. Exports go to a temporary directory (``ODAS_EXPORT_DIR``), not into the tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "nbval"
SANITIZE = FIXTURES / "sanitize.cfg"

NBVAL_NOTEBOOKS: list[Path] = [FIXTURES / "exemple.ipynb"]
NBVAL_NOTEBOOKS += sorted((ROOT / "notebooks").glob("*.ipynb"))  # the project's notebooks

pytestmark = pytest.mark.timeout(900)


#: Notebooks that read the national files at run time (ODAS_NATIONAL_DATA), not only data/.
NEEDS_NATIONAL_DATA = {"territoire.ipynb"}


@pytest.mark.parametrize("notebook", NBVAL_NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_reproduced(notebook, tmp_path):
    if notebook.name in NEEDS_NATIONAL_DATA and not os.environ.get("ODAS_NATIONAL_DATA"):
        pytest.skip(f"{notebook.name} reads the national files: ODAS_NATIONAL_DATA is not set")
    env = {**os.environ, "ODAS_EXPORT_DIR": str(tmp_path / "exports")}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--nbval",
        str(notebook),
        "--nbval-sanitize-with",
        str(SANITIZE),
        "--nbval-kernel-name",
        "python3",
        "--rootdir",
        str(notebook.parent),
        "-o",
        "addopts=",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=notebook.parent, env=env, timeout=880)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
