"""Write ``environment.yml`` from ``requirements.lock`` so that conda users get the same pins.

Run as ``python -m odas_analysis.envfile`` (``make lock`` does it after recompiling the
lock). Every package of the lock is pinned exactly, under conda's ``pip:`` section:
conda-forge names and builds differ from PyPI's, so asking pip for the locked versions
is the only way to get the very same environment. A test checks the committed file is
the output of this function.
"""

from __future__ import annotations

import re
import sys

from .config import PROJECT_ROOT

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def locked_pins(lock_text: str) -> list[tuple[str, str]]:
    """``(name, version)`` of every package pinned in a pip lock file, in file order."""
    pins = []
    for line in lock_text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins.append((match.group(1), match.group(3)))
    return pins


def environment_yml(lock_text: str, python: str = "3.11") -> str:
    """The text of ``environment.yml`` for the given lock."""
    lines = [
        "# Generated from requirements.lock by `python -m odas_analysis.envfile` (make lock): do not edit.",
        "# Same pins as the lock; packages come from PyPI through pip, the package itself in editable mode.",
        "name: odas-analysis",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, version in locked_pins(lock_text)]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main() -> int:
    lock = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")
    target = PROJECT_ROOT / "environment.yml"
    target.write_text(environment_yml(lock), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
