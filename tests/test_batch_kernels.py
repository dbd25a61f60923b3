"""The batch's kernels (``batch/kernels.py``, ``batch/zygote.py``, the zygote started early in ``batch/pool.py``).

Real kernels forked from a real zygote. Nothing here measures time: each test checks
which path was taken (the library's waits are replaced by spies that fail the test),
and that the kernel then answers.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import run_sync

from odas_analysis.batch import kernels, pool
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
    warm = kernels.WarmKernel(cfg["kernel_name"], cfg["cwd"], ipc, serial, cfg["preload"], client)
    warm.handover("x = 41")
    try:
        yield warm
    finally:
        warm.discard()


def _answer(kc, code: str = "x + 1") -> dict:
    """Run ``code`` through the async client ``kc``; return the execute_result's data.

    The client waits until the kernel is ready first: a subscriber that has just connected
    misses what the kernel publishes until its subscription reaches it (ZeroMQ's "slow
    joiner"), and on a loaded machine the result was lost with it.
    """

    async def go():
        if not kc.channels_running:
            kc.start_channels()
        await kc.wait_for_ready(timeout=30)
        msg_id = kc.execute(code)
        while True:
            msg = await kc.iopub_channel.get_msg(timeout=30)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_result":
                return msg["content"]["data"]

    return run_sync(go)()


def _value(kernel, code: str) -> str:
    """The plain-text value of ``code`` in ``kernel``, asked through the client papermill would use."""
    return _answer(kernel.km.client(), code)["text/plain"]


def test_a_forked_kernel_collects_garbage_and_leaves_the_zygotes_objects_frozen(kernel):
    # the zygote imports with the collector off (its start is shorter by a sixth), then
    # freezes what it holds: its kernels must get the collector back, as a fresh kernel has it
    assert _value(kernel, "import gc as _gc; (_gc.isenabled(), _gc.get_freeze_count() > 100_000)") == "(True, True)"


def test_a_forked_kernel_finds_the_power_of_the_composite_test_computed(kernel):
    # every verdict states it (20,000 draws and an exact distribution): once, in the zygote
    code = (
        "from odas_analysis import hypotheses as _h; _c = (_h.critical_rho.cache_info().currsize, "
        "_h.power.cache_info().currsize); _h.power_table_fr(); _h.power_sentence_fr(); "
        "_c + (_h.critical_rho.cache_info().misses, _h.power.cache_info().misses)"
    )
    # filled before the kernel's first call, and its calls (the notebooks' own) only hit
    assert _value(kernel, code) == "(2, 2, 2, 2)"


def test_a_forked_kernel_finds_the_national_index_read_and_its_lookups_built(kernel, national_dir):
    # a territory page looks its territory up in the index of every measure: pandas builds
    # each index's hash table on the first lookup, in the zygote rather than in every kernel
    # (pandas keeps an index's hash table as "_engine" in its private ``_cache``: should a
    # pandas release rename it, this test fails on the name, not on the warm-up)
    code = (
        "from odas_analysis.national import profile as _p; _i = next(iter(_p._CACHE.values()))[1]; "
        "_f = [f for m in _i.measures for f in (m.communes, m.epci) if not f.empty] + list(_i.matrices.values()); "
        "(len(_f) > 2, all('_engine' in f.index._cache for f in _f))"
    )
    assert _value(kernel, code) == "(True, True)"


def test_the_notebooks_client_is_connected_ahead_and_made_once(kernel):
    first = kernel.km.client()
    assert first is kernel.km.clients[0], "the client connected while the kernel warmed"
    assert first._iopub_channel is not None and first._shell_channel is not None
    second = kernel.km.client()
    assert second is not first and second in kernel.km.clients  # later calls: new clients, tracked


@pytest.fixture
def no_library_wait(monkeypatch):
    """jupyter_client's own wait (0.2 s of IOPub silence) fails the test if it is used."""

    async def library_wait(self, timeout=None):
        raise AssertionError("the library's wait (0.2 s of IOPub silence) was used")

    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", library_wait)


def test_a_notebooks_client_is_ready_without_the_librarys_silent_wait(kernel, no_library_wait):
    kc = kernel.km.client()
    kc.start_channels()
    run_sync(kc.wait_for_ready)(timeout=30)
    assert _answer(kc) == {"text/plain": "42"}


def test_a_kernel_that_does_not_answer_in_time_is_waited_for_the_librarys_way(kernel, monkeypatch):
    called = []
    library_wait = AsyncKernelClient.wait_for_ready

    async def spy(self, timeout=None):
        called.append(timeout)
        await library_wait(self, timeout)

    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", spy)
    monkeypatch.setattr(kernels, "READY_WAIT", 0.0)  # no answer can come in no time
    kc = kernel.km.client()
    kc.start_channels()
    run_sync(kc.wait_for_ready)(timeout=30)
    assert called == [30]
    assert _answer(kc) == {"text/plain": "42"}


def test_a_lost_idle_status_is_asked_for_again(kernel, no_library_wait, monkeypatch):
    """The first request's "idle" is missed (as when IOPub subscribed late): a second request is sent."""
    kc = kernel.km.client()
    kc.start_channels()
    requests = []
    ask, look = type(kc).kernel_info, type(kc)._idle_for

    def counted(self, *a, **k):
        requests.append(ask(self, *a, **k))
        return requests[-1]

    async def first_missed(self, sent, until):
        if len(requests) == 1:
            await look(self, sent, until)  # swallowed, as if published before we listened
            return False
        return await look(self, sent, until)

    monkeypatch.setattr(type(kc), "kernel_info", counted)
    monkeypatch.setattr(type(kc), "_idle_for", first_missed)
    run_sync(kc.wait_for_ready)(timeout=30)
    assert len(requests) >= 2
    assert _answer(kc) == {"text/plain": "42"}


def test_idle_status_is_recognised_only_for_our_requests():
    idle = {"msg_type": "status", "parent_header": {"msg_id": "a"}, "content": {"execution_state": "idle"}}
    assert kernels._is_idle_for(idle, {"a"})
    assert kernels._is_idle_for(idle, {"b", "a"})
    assert not kernels._is_idle_for(idle, {"b"})
    assert not kernels._is_idle_for({**idle, "content": {"execution_state": "busy"}}, {"a"})
    assert not kernels._is_idle_for({**idle, "msg_type": "stream"}, {"a"})
    assert not kernels._is_idle_for({"msg_type": "status"}, {"a"})


def test_a_killed_kernel_is_reaped_when_kill_returns(kernel):
    provisioner = kernel.km.provisioner
    pid = provisioner.pid
    run_sync(provisioner.kill)()
    assert provisioner.process.poll() is not None, "the zygote had not collected the kernel yet"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# --------------------------------------------------------------------------- zygote started early


def _early_zygote():
    return pool._EARLY.get("zygote")


@pytest.fixture(autouse=True)
def _no_zygote_left_early():
    yield
    pool.stop_zygote_early()  # a failed test leaves no zygote to the next ones


def test_the_pool_takes_the_zygote_started_early(tmp_path):
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    pool.start_zygote_early(FIXTURES)
    early = _early_zygote()
    assert early is not None
    batch = pool._Pool(runs, Layout(tmp_path), 1, "python3", 120, True)
    try:
        assert batch.zygote is early and pool._EARLY == {}
        assert batch.ipc_dir and early.socket_path.startswith(batch.ipc_dir)
    finally:
        batch.close()
    assert early.proc.poll() is not None


@pytest.mark.parametrize(
    "change",
    [{"kernel_name": "autre"}, {"cwd": "/ailleurs"}, {"preload_modules": ["un_module_de_plus"]}],
    ids=["kernel", "directory", "modules"],
)
def test_a_zygote_started_early_for_something_else_is_stopped(change):
    pool.start_zygote_early(FIXTURES)
    early = _early_zygote()
    ipc_dir = pool._EARLY["ipc_dir"]
    cfg = {**pool._EARLY["cfg"], **change}
    assert pool._take_early_zygote(cfg) is None
    assert pool._EARLY == {}
    assert early.proc.wait(timeout=10) is not None
    assert not Path(ipc_dir).exists()


def test_a_zygote_started_early_is_not_taken_after_the_code_changed(monkeypatch):
    """Its kernels would run the code it imported, while the batch's key says the new code."""
    pool.start_zygote_early(FIXTURES)
    early = _early_zygote()
    cfg = dict(pool._EARLY["cfg"])
    monkeypatch.setattr(pool, "source_digest", lambda: "the code was edited since")
    assert pool._take_early_zygote(cfg) is None
    assert early.proc.wait(timeout=10) is not None


def test_a_zygote_started_early_that_died_is_not_taken():
    pool.start_zygote_early(FIXTURES)
    early = _early_zygote()
    early.proc.kill()
    early.proc.wait(timeout=10)
    assert pool._take_early_zygote(dict(pool._EARLY["cfg"])) is None
    assert pool._EARLY == {}


def test_a_zygote_that_cannot_start_early_leaves_nothing_and_does_not_stop_the_command(tmp_path, monkeypatch):
    """A process that cannot be started (EAGAIN) at the head start: the pool starts its own."""
    import tempfile

    from odas_analysis import cli

    spawn = pool.Zygote.spawn.__func__
    calls = []

    def first_fails(cls, cfg, ipc_dir):
        calls.append(ipc_dir)
        if len(calls) == 1:
            raise OSError(11, "Resource temporarily unavailable")
        return spawn(cls, cfg, ipc_dir)

    monkeypatch.setattr(pool.Zygote, "spawn", classmethod(first_fails))
    before = set(Path(tempfile.gettempdir()).glob("odas-z-*"))
    args = ["run", "--out", str(tmp_path), "--notebooks", str(FIXTURES), "--site", "angers", "--jobs", "1"]
    assert cli.main(args) == 0
    assert len(calls) == 2, "the head start failed, then the pool started its own zygote"
    assert not Path(calls[0]).exists()
    assert set(Path(tempfile.gettempdir()).glob("odas-z-*")) == before
    assert pool._EARLY == {}


def test_a_zygote_started_early_for_a_kernel_that_cannot_be_forked_is_stopped(monkeypatch):
    pool.start_zygote_early(FIXTURES)
    early = _early_zygote()
    monkeypatch.setattr(pool, "zygote_supported", lambda name: False)
    assert pool._take_early_zygote(dict(pool._EARLY["cfg"])) is None
    assert early.proc.wait(timeout=10) is not None


def test_a_command_with_nothing_to_execute_stops_the_zygote_it_started(tmp_path, monkeypatch):
    """The second run skips everything: the zygote it started is stopped before it returns."""
    import subprocess
    import sys

    from odas_analysis import cli

    args = ["run", "--out", str(tmp_path), "--notebooks", str(FIXTURES), "--site", "angers", "--jobs", "1"]
    first = subprocess.run([sys.executable, "-m", "odas_analysis.cli", *args], capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr
    started = []
    start = pool.start_zygote_early

    def spy(*a, **k):
        start(*a, **k)
        started.append(_early_zygote())

    monkeypatch.setattr(pool, "start_zygote_early", spy)
    assert cli.main(args) == 0
    assert len(started) == 1 and started[0] is not None
    assert started[0].proc.poll() is not None, "the zygote of a command that executed nothing is still running"
    assert pool._EARLY == {}


def test_nothing_started_early_without_templates(tmp_path):
    pool.start_zygote_early(tmp_path)
    assert pool._EARLY == {}
