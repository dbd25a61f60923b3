"""The batch's kernels (``batch/pool.py``, ``batch/zygote.py``): what they wait for, and what not.

Real kernels forked from a real zygote. Nothing here measures time: each test checks
which path was taken (the library's waits are replaced by spies that fail the test),
and that the kernel then answers.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from jupyter_core.utils import run_sync

from odas_analysis.batch import pool
from odas_analysis.batch.cache import Layout
from odas_analysis.batch.plan import plan
from odas_analysis.batch.zygote import Zygote, ZygoteClient

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "batch"
pytestmark = pytest.mark.timeout(300)
_SERIALS = itertools.count()


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    ipc = tmp_path_factory.mktemp("ipc")
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    cfg = pool.worker_config(runs, Layout(tmp_path_factory.mktemp("out")), "python3", 120)
    started = Zygote.start(cfg, str(ipc))
    assert started is not None, "the python3 kernel of this interpreter can be forked"
    client = ZygoteClient(started.socket_path)
    try:
        yield cfg, str(ipc), client
    finally:
        client.close()
        started.close()


@pytest.fixture
def kernel(zygote):
    cfg, ipc, client = zygote
    serial = next(_SERIALS)  # a short socket name: IPC paths are limited to about 100 bytes
    warm = pool._WarmKernel(cfg["kernel_name"], cfg["cwd"], ipc, serial, cfg["preload"], client)
    warm.handover("x = 41")
    try:
        yield warm
    finally:
        warm.discard()


def test_a_killed_kernel_is_reaped_when_kill_returns(kernel):
    provisioner = kernel.km.provisioner
    pid = provisioner.pid
    run_sync(provisioner.kill)()
    assert provisioner.process.poll() is not None, "the zygote had not collected the kernel yet"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
