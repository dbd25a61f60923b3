"""The batch interrupted or doubled, with real processes: Ctrl-C, SIGKILL of the leader, two batches at once.

Every process the batch starts (workers, zygote, kernels) inherits a tag in its
environment; after an interruption no process holding the tag may remain. The manifest
must tell the truth: a run recorded with a cache key has its outputs; every other run
has no key and is executed again by the next batch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks" / "batch"
SITES = "angers,arras,creil,bordeaux"
SLOW = {"ODAS_FIXTURE_SLEEP": "arras=90,bordeaux=90,creil=90"}
"""The pages of these sites sleep: a signal finds their kernels busy (the old batch let them run to the end)."""
pytestmark = [pytest.mark.timeout(600), pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")]


def _start(
    out: Path, tag: str, *args: str, env: dict[str, str] | None = None, notebooks: Path = FIXTURES
) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--notebooks", str(notebooks), *args]
    env = {**os.environ, **(env or {}), "ODAS_TEST_TAG": tag, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )


def _tagged(tag: str) -> list[int]:
    """Pids of the live processes whose environment holds ``tag`` (zombies excluded)."""
    needle = f"ODAS_TEST_TAG={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def _wait_for_line(proc: subprocess.Popen, marker: str, timeout: float = 300) -> list[str]:
    """Read the batch's output until a line holds ``marker``; return the lines read."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"no line with {marker!r} in {lines!r}")


def _no_tagged_process_within(tag: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = _tagged(tag)
        if not alive:
            return []
        time.sleep(0.1)
    return _tagged(tag)


def _assert_manifest_is_true(out: Path) -> dict:
    manifest = json.loads((out / "build" / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["runs"].items():
        if entry["inputs"].get("key"):
            assert entry["status"] in {"done", "skipped"}, (name, entry["status"])
            outputs = entry["outputs"]
            for rel in [outputs["notebook"], outputs["html_reviewers"], *outputs["figures"], *outputs["tables"]]:
                assert (out / rel).is_file(), (name, rel)
        else:
            assert entry["status"] in {"running", "interrupted", "failed"}, (name, entry["status"])
    return manifest


@pytest.mark.parametrize("notebooks", ["batch", "threaded"])  # forked kernels, and kernels launched afresh
def test_ctrl_c_stops_everything_records_what_finished_and_exits_130(tmp_path, notebooks):
    tag = uuid.uuid4().hex
    out = tmp_path / "out"
    proc = _start(out, tag, "--site", SITES, "--jobs", "1", env=SLOW, notebooks=FIXTURES.parent / notebooks)
    try:
        before = _wait_for_line(proc, " fait ")
        assert _tagged(tag), "the batch's processes carry the tag"
        workers = [pid for pid in _tagged(tag) if pid != proc.pid]
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        while any(pid in _tagged(tag) for pid in workers) and time.monotonic() - t0 < 10:
            time.sleep(0.05)
        stopped_in = time.monotonic() - t0
        rest, err = proc.communicate(timeout=30)
        elapsed = time.monotonic() - t0
        left = _no_tagged_process_within(tag, 3.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, (proc.returncode, rest, err)
    assert stopped_in < 2.5, stopped_in  # workers, zygote and kernels: 2 s, and a little for a loaded machine
    assert elapsed < 5, elapsed  # then the manifest, the index and the last line
    assert left == [], f"processes left after Ctrl-C: {left}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = rest.strip().splitlines()[-1]
    assert last.startswith("interrompu : "), rest
    assert sum(1 for ln in rest.splitlines() if ln.startswith("interrompu")) == 1
    manifest = _assert_manifest_is_true(out)
    done = [n for n, e in manifest["runs"].items() if e["status"] == "done"]
    assert "site-angers" in done  # the line read before the signal
    assert any(e["status"] == "interrupted" for e in manifest["runs"].values())
    index = (out / "build" / "html" / "index.html").read_text(encoding="utf-8")
    assert 'href="reviewers/site-angers.html"' in index
    assert manifest["last_batch"]["interrupted"] >= 1
    assert "".join(before).count(" fait ") >= 1


def test_sigkill_of_the_leader_leaves_no_orphan_and_no_false_cache_entry(tmp_path):
    """The issue's scenario: a run under another threshold killed, then the default run must redo it."""
    out = tmp_path / "out"
    first = subprocess.run(
        [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--notebooks", str(FIXTURES)]
        + ["--site", "angers,arras", "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    tag = uuid.uuid4().hex
    env = {"ODAS_DISCLOSURE_THRESHOLD": "5", **SLOW}
    proc = _start(out, tag, "--site", "angers,arras", "--jobs", "2", env=env)
    try:
        _wait_for_line(proc, "[1/2]")  # angers recorded under the other threshold, arras under way (asleep)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        left = _no_tagged_process_within(tag, 4.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert left == [], f"orphans after SIGKILL of the leader: {left}"
    manifest = _assert_manifest_is_true(out)
    statuses = {n: e["status"] for n, e in manifest["runs"].items()}
    assert "running" in statuses.values(), statuses  # the one killed mid-way says so
    again = subprocess.run(
        [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--notebooks", str(FIXTURES)]
        + ["--site", "angers,arras", "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    lines = [ln for ln in again.stdout.splitlines() if ln.startswith("[")]
    # both were last computed under threshold 5 or never finished: neither may be « inchangé »
    assert len(lines) == 2 and all(" fait " in ln for ln in lines), again.stdout
    assert not list((out / "build" / ".staging").glob("*/*")), "staging debris left"


def test_a_second_batch_on_the_same_root_refuses_at_once_naming_the_holder(tmp_path):
    out = tmp_path / "out"
    tag = uuid.uuid4().hex
    holder = _start(out, tag, "--site", "angers,arras", "--jobs", "1", "--force")
    lock = out / "build" / ".batch.lock"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lock.is_file() and lock.read_text()):
            time.sleep(0.05)
        assert lock.read_text(), "the first batch took its lock"
        t0 = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "odas_analysis.cli", "run", "--out", str(out), "--notebooks", str(FIXTURES)]
            + ["--site", "angers", "--force"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        refused_in = time.monotonic() - t0
        assert holder.poll() is None, "the first batch was still running when the second was refused"
        rest, err = holder.communicate(timeout=300)
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "une autre exécution du lot" in second.stderr and f"processus {holder.pid}" in second.stderr
    assert "démarré le " in second.stderr
    assert refused_in < 10  # at once: no waiting for the holder (the rest is the interpreter's start)
    assert second.stdout == ""  # nothing executed, nothing printed
    assert holder.returncode == 0, rest + err
    manifest = _assert_manifest_is_true(out)
    assert {manifest["runs"][n]["status"] for n in ("site-angers", "site-arras")} == {"done"}


def test_sigkill_of_the_leader_also_ends_kernels_launched_afresh(tmp_path):
    """Without the zygote (a template that starts a thread), the workers' own kernels die with them."""
    tag = uuid.uuid4().hex
    notebooks = FIXTURES.parent / "threaded"
    proc = _start(tmp_path / "out", tag, "--site", SITES, "--jobs", "2", env=SLOW, notebooks=notebooks)
    try:
        _wait_for_line(proc, "[1/4]")
        assert len(_tagged(tag)) >= 3  # the leader, its workers and their kernels
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        left = _no_tagged_process_within(tag, 4.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert left == [], f"orphans after SIGKILL of the leader: {left}"
