"""``odas-analysis run --executor dask``: the same pages as the local pool, on a real Dask cluster.

* the fixture batch with the local pool and on a LocalCluster: pages, index, figures and
  tables identical byte for byte;
* a real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (free ports
  chosen by the scheduler, read from its scheduler file; bounded waits; always stopped):
  a small batch through ``--scheduler``, identical to the local pool's; then a worker
  killed (SIGKILL) during one run: that run fails, the others are done;
* outputs sent back by a worker are refused when they are not the run's own, and a
  worker whose code or data differ from the leader's fails its runs with a message.

No timing is asserted: the benchmark (``bench/bench_dask.py``) prints the ratios.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "batch"
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.timeout(600)

RUNS = "site-angers,site-arras,hypothese-H1,synthese"
#: The run the killed worker was executing sleeps this long (ODAS_FIXTURE_SLEEP, see fixture_work.pause).
HANG = "creil=300"


def run_cli(out: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--notebooks", str(FIXTURES), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=540, **kw)


def published(root: Path) -> dict[str, bytes]:
    """Every page, figure and table of an output root (the executed notebooks hold timings: left out)."""
    found = {}
    for sub in ("build/html", "figures", "tables"):
        for path in sorted((root / sub).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def local_pool(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    result = run_cli(out, "--only", RUNS, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def assert_same_outputs(local: Path, other: Path) -> None:
    a, b = published(local), published(other)
    assert sorted(a) == sorted(b)
    assert len([p for p in a if p.endswith(".svg")]) >= 4  # figures were compared, not only pages
    different = [p for p in a if a[p] != b[p]]
    assert not different, f"different bytes: {different}"


def test_local_cluster_gives_the_local_pools_bytes(local_pool, tmp_path):
    result = run_cli(tmp_path, "--only", RUNS, "--jobs", "2", "--executor", "dask")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 faite(s)" in result.stdout
    assert_same_outputs(local_pool, tmp_path)
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["status"] for e in manifest["runs"].values()} == {"done"}
    assert not list((tmp_path / "build").glob(".staging/*/*")), "nothing staged on the leader"
    again = run_cli(tmp_path, "--only", RUNS, "--executor", "dask")  # the cache works the same way
    assert again.returncode == 0 and "4 inchangée(s)" in again.stdout, again.stdout + again.stderr


# --------------------------------------------------------------------------- a real cluster


class Cluster:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, stopped whatever happens."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.procs: list[subprocess.Popen] = []
        self.directory = directory
        self.env = env
        self.file = directory / "scheduler.json"
        self.address = ""

    def start(self, workers: int = 2, timeout: float = 120) -> None:
        self._spawn(
            "scheduler",
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
            + ["--scheduler-file", str(self.file)],
        )
        deadline = time.monotonic() + timeout
        while not self.file.is_file() or not self.file.read_text().strip():
            self._check_alive(deadline)
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        for i in range(workers):
            self._spawn(
                f"worker-{i}",
                [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--host", "127.0.0.1"]
                + ["--no-dashboard", "--memory-limit", "0", "--local-directory", str(self.directory / f"w{i}")],
            )
        with self.client() as client:
            client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = open(self.directory / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.directory))
        log.close()

    def _check_alive(self, deadline: float) -> None:
        if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
            raise RuntimeError(f"the Dask cluster did not start: {self.logs()}")

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.directory.glob("*.log")))

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "ODAS_FIXTURE_SLEEP": HANG}
    found = Cluster(directory, env)
    try:
        found.start()
        yield found
    finally:
        found.stop()


def test_a_small_batch_on_a_real_scheduler_and_two_workers(cluster, local_pool, tmp_path):
    result = run_cli(tmp_path, "--only", RUNS, "--scheduler", cluster.address)
    assert result.returncode == 0, result.stdout + result.stderr + cluster.logs()
    assert "4 faite(s)" in result.stdout
    assert_same_outputs(local_pool, tmp_path)


def _worker_running(client, key_part: str, timeout: float = 240) -> str:
    """The address of the worker processing the task whose key holds ``key_part``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if any(key_part in str(key) for key in keys):
                # processing also lists tasks only queued on the worker: wait until the run started
                started = client.get_metadata(["odas-analysis"], default={})
                # a worker's address while the run executes ({"ended_on": ...} once it ended)
                if any(isinstance(runs.get(key_part.removeprefix("-")), str) for runs in started.values()):
                    return address
        time.sleep(0.5)
    raise AssertionError(f"no worker ran {key_part} in time")


def test_a_worker_killed_during_a_run_fails_only_that_run(cluster, tmp_path):
    cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(tmp_path), "--notebooks", str(FIXTURES)]
    cmd += ["--only", "site-angers,site-creil,site-arras", "--scheduler", cluster.address]
    leader = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with cluster.client() as client:
            address = _worker_running(client, "-site-creil")
            pid = client.run(os.getpid, workers=[address])[address]
        os.kill(pid, signal.SIGKILL)
        stdout, stderr = leader.communicate(timeout=300)
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()
    assert leader.returncode == 1, stdout + stderr
    assert "2 faite(s)" in stdout and "1 en échec" in stdout, stdout + stderr
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text(encoding="utf-8"))
    status = {name: entry["status"] for name, entry in manifest["runs"].items()}
    assert status == {"site-angers": "done", "site-arras": "done", "site-creil": "failed"}
    assert "travailleur Dask" in manifest["runs"]["site-creil"]["error"]
    assert (tmp_path / "build" / "html" / "reviewers" / "site-arras.html").is_file()
    assert not (tmp_path / "build" / "html" / "reviewers" / "site-creil.html").exists()


# --------------------------------------------------------------------------- without a cluster


def test_only_a_worker_lost_during_a_run_fails_it():
    from odas_analysis.batch.dask_pool import died_during

    assert died_during(None) == ""  # a first attempt
    assert "tcp://10.0.0.2:4000" in died_during("tcp://10.0.0.2:4000")  # the worker died during the run
    # the run had ended on a worker that died before its result was fetched: computed again
    assert died_during({"ended_on": "tcp://10.0.0.2:4000"}) == ""


def test_install_refuses_a_file_that_is_not_the_runs_own(tmp_path):
    from odas_analysis.batch.cache import Layout
    from odas_analysis.batch.dask_pool import install
    from odas_analysis.errors import OdasError

    layout = Layout(tmp_path)
    for rel in ("figures/site-arras/x.svg", "build/manifest.json", "figures/site-angers/../../evil.txt"):
        with pytest.raises((OdasError, Exception)) as caught:
            install(layout, "site-angers", "done", {rel: b"x"})
        assert caught.type.__name__ in {"OdasError", "ParameterError"}
    assert not (tmp_path / "build" / "manifest.json").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_install_writes_a_done_run_and_replaces_its_folders(tmp_path):
    from odas_analysis.batch.cache import Layout
    from odas_analysis.batch.dask_pool import install

    layout = Layout(tmp_path)
    old = tmp_path / "figures" / "site-angers" / "ancienne.svg"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old")
    failed = layout.failed_notebook("site-angers")
    failed.parent.mkdir(parents=True)
    failed.write_bytes(b"{}")
    install(
        layout,
        "site-angers",
        "done",
        {
            "build/notebooks/site-angers.ipynb": b"{}",
            "build/html/reviewers/site-angers.html": b"<p>r</p>",
            "build/html/researchers/site-angers.html": b"<p>c</p>",
            "figures/site-angers/nouvelle.svg": b"<svg/>",
        },
    )
    assert sorted(p.name for p in (tmp_path / "figures" / "site-angers").iterdir()) == ["nouvelle.svg"]
    assert (tmp_path / "build" / "html" / "reviewers" / "site-angers.html").read_bytes() == b"<p>r</p>"
    assert not failed.exists()
    assert not (tmp_path / "tables" / "site-angers").exists()


def test_a_worker_with_other_inputs_refuses_the_runs(tmp_path):
    from odas_analysis.batch.cache import Layout
    from odas_analysis.batch.dask_pool import KernelPlugin, env_settings, inputs_digest
    from odas_analysis.batch.plan import plan
    from odas_analysis.batch.pool import worker_config

    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    cfg = worker_config(runs, Layout(tmp_path), "python3", 60)
    expected = {**inputs_digest(), "data": "0" * 64}
    plugin = KernelPlugin("p", cfg, {0: {}}, fork=False, expected=expected, settings=env_settings())
    worker = SimpleNamespace(local_directory=str(tmp_path), address="tcp://127.0.0.1:1")
    plugin.setup(worker)
    try:
        job = {**runs[0].to_job(), "template_dir": 0}
        answer = plugin.run(job)
    finally:
        plugin.teardown(worker)
    assert answer["files"] == {}
    assert answer["result"]["status"] == "failed"
    assert "tcp://127.0.0.1:1" in answer["result"]["error"] and "les données" in answer["result"]["error"]


def test_the_kernels_do_not_inherit_the_nannys_malloc_setting(tmp_path, monkeypatch):
    """The nanny sets MALLOC_TRIM_THRESHOLD_ for its worker; the zygote (and so every kernel) has the leader's."""
    from odas_analysis.batch.cache import Layout
    from odas_analysis.batch.dask_pool import KernelPlugin, env_settings, inputs_digest, template_files
    from odas_analysis.batch.plan import plan
    from odas_analysis.batch.pool import worker_config

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    settings = env_settings()  # on the leader: unset
    assert settings.get("MALLOC_TRIM_THRESHOLD_") is None
    runs = plan(sites=["angers"], notebooks_dir=FIXTURES)
    cfg = worker_config(runs, Layout(tmp_path), "python3", 60)
    plugin = KernelPlugin(
        "p", cfg, {0: template_files(FIXTURES)}, fork=True, expected=inputs_digest(), settings=settings
    )
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # what distributed.nanny.pre-spawn-environ does
    worker = SimpleNamespace(local_directory=str(tmp_path), address="tcp://127.0.0.1:1")
    plugin.setup(worker)
    try:
        zygote = plugin._state["zygote"]
        assert zygote is not None
        environ = Path(f"/proc/{zygote.proc.pid}/environ").read_bytes().split(b"\0")
    finally:
        plugin.teardown(worker)
    assert not [v for v in environ if v.startswith(b"MALLOC_TRIM_THRESHOLD_=")]
    assert any(v.startswith(b"MPLBACKEND=") for v in environ)  # the zygote's own environment was read
