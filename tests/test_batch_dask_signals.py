"""Ctrl-C during a batch on Dask (a LocalCluster): futures cancelled, kernels killed, exit 130, a true manifest."""

from __future__ import annotations

import signal
import sys
import uuid

import pytest
from test_runner_signals import (
    _assert_manifest_is_true,
    _no_tagged_process_within,
    _start,
    _tagged,
    _wait_for_line,
)

pytestmark = [pytest.mark.timeout(600), pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")]


def test_ctrl_c_cancels_the_futures_and_exits_130(tmp_path):
    import os

    tag = uuid.uuid4().hex
    out = tmp_path / "out"
    slow = {"ODAS_FIXTURE_SLEEP": "arras=300,creil=300"}
    proc = _start(out, tag, "--site", "angers,arras,creil", "--jobs", "2", "--executor", "dask", env=slow)
    try:
        _wait_for_line(proc, " fait ")  # angers done; arras and creil asleep in their kernels
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        rest, err = proc.communicate(timeout=120)
        left = _no_tagged_process_within(tag, 30.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in _tagged(tag):
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130, (proc.returncode, rest, err)
    assert left == [], f"processes left after Ctrl-C: {left}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert rest.strip().splitlines()[-1].startswith("interrompu : "), rest
    manifest = _assert_manifest_is_true(out)
    status = {name: entry["status"] for name, entry in manifest["runs"].items()}
    assert status["site-angers"] == "done"
    assert status["site-arras"] == status["site-creil"] == "interrupted"
