"""One rule for "this file changed" (``files.file_state``), and the caches keyed by it.

A cache keyed by file states keeps nothing for a file that is absent or was written in
the last two seconds (its time may not have moved yet: git's "racy" files).
"""

from __future__ import annotations

import os
import time

from odas_analysis import files

HOUR_NS = 3_600_000_000_000


def _age(path, hours: int = 1) -> None:
    past = time.time_ns() - hours * HOUR_NS
    os.utime(path, ns=(past, past))


def test_state_absent_recent_and_settled(tmp_path):
    path = tmp_path / "t.csv"
    assert files.file_state(path) is None
    path.write_text("a\n1\n", encoding="utf-8")
    assert files.file_state(path) is None  # just written: not trusted
    _age(path)
    settled = files.file_state(path)
    assert settled is not None and settled == files.file_state(path)
    path.write_text("a\n2\n", encoding="utf-8")  # same size
    _age(path, hours=2)
    assert files.file_state(path) not in (None, settled)
