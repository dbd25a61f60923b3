"""The manifest as a batch goes: what was skipped, is running, finished, failed or was interrupted.

A run's cache key is recorded only once its outputs are in place: before any worker
starts, every run about to execute is written ``"running"`` with no key, so a batch
killed at any moment leaves a manifest that tells the truth and never lets the next
batch skip a run whose outputs are half replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from .. import files
from ..errors import OdasError
from .cache import (
    MANIFEST_VERSION,
    DataHasher,
    Layout,
    environment_digest,
    input_hashes,
    outputs_exist,
    read_manifest,
    source_digest,
    tool_versions,
    write_manifest,
)
from .names import NameMask
from .plan import Run
from .pool import RunResult


class Ledger:
    """The manifest of one batch, kept true after every event and written with names masked."""

    def __init__(
        self, layout: Layout, runs: Sequence[Run], data: DataHasher, say: Callable[[str], None], mask: NameMask
    ):
        self.layout = layout
        self.runs = list(runs)
        self.say = say
        self.mask = mask
        self.source = source_digest()
        env = environment_digest()
        self.manifest = read_manifest(layout)
        self.entries: dict[str, Any] = self.manifest["runs"]
        self.tools = tool_versions()
        self.hashes = {r.name: input_hashes(r, data, self.source, env) for r in runs}
        self.results: dict[str, RunResult] = {}

    def announce(self, res: RunResult, line: Callable[[int, int, RunResult], str]) -> None:
        self.results[res.name] = res
        self.say(line(len(self.results), len(self.runs), res))

    def skip_fresh(self, force: bool, line) -> list[Run]:
        """Mark as skipped the runs whose inputs and outputs are as recorded; return the others."""
        todo: list[Run] = []
        for run in self.runs:
            entry = self.entries.get(run.name)
            fresh = (
                not force
                and entry is not None
                and entry.get("status") in {"done", "skipped"}
                and entry.get("inputs", {}).get("key") == self.hashes[run.name]["key"]
                and outputs_exist(self.layout, entry)
            )
            if not fresh:
                todo.append(run)
                continue
            outputs = entry.get("outputs", {})
            res = RunResult(run.name, "skipped", 0.0, outputs=outputs, simulated=bool(entry.get("simulated")))
            self.announce(res, line)
            entry["status"] = "skipped"
            entry["seconds"] = 0.0
        return todo

    def _describe(self, run: Run, status: str) -> dict[str, Any]:
        entry = dict(self.entries.get(run.name) or {})
        entry.update(
            {
                "kind": run.kind,
                "title": run.title,
                "template": files.display_path(run.template),
                "parameters": run.parameters,
                "status": status,
                "tools": self.tools,
            }
        )
        return entry

    def mark_running(self, runs: Iterable[Run]) -> None:
        """Before execution: these runs lose their key (their outputs are about to change), then save."""
        for run in runs:
            entry = self._describe(run, "running")
            entry["inputs"] = {**self.hashes[run.name], "key": None}
            self.entries[run.name] = entry
        self.manifest["tools"] = self.tools
        self.save()

    def record(self, run: Run, res: RunResult, line) -> None:
        """Record an executed run: its new key and outputs, or its failure (and no key)."""
        res = replace(res, error=self.mask.text(res.error)) if self.mask else res
        self.announce(res, line)
        entry = self._describe(run, res.status)
        entry["seconds"] = round(res.seconds, 2)
        if res.status == "done":
            entry.update(
                {
                    "inputs": self.hashes[run.name],
                    "outputs": res.outputs,
                    "simulated": res.simulated,
                    "executed_seconds": round(res.seconds, 2),
                    "error": "",
                }
            )
            entry.pop("failed_notebook", None)
        else:
            # keep the previous outputs (still valid pages) but never their cache key
            entry["inputs"] = {**self.hashes[run.name], "key": None}
            entry["error"] = res.error
            entry["failed_notebook"] = self.layout.rel(self.layout.failed_notebook(run.name))
        self.entries[run.name] = entry

    def mark_interrupted(self) -> list[str]:
        """The runs that did not finish: recorded ``interrupted`` (no key); return their names."""
        names = []
        for run in self.runs:
            if run.name in self.results:
                continue
            entry = self._describe(run, "interrupted")
            entry["inputs"] = {**self.hashes[run.name], "key": None}
            self.entries[run.name] = entry
            self.results[run.name] = RunResult(run.name, "interrupted", 0.0)
            names.append(run.name)
        return names

    def forget_keys(self, names: Iterable[str]) -> None:
        for name in names:
            if name in self.entries and self.entries[name].get("inputs"):
                self.entries[name]["inputs"]["key"] = None

    def save(self) -> None:
        """Write the manifest (names masked); a full disk is a clear error, with no debris left."""
        self.manifest.update({"version": MANIFEST_VERSION, "runs": self.entries})
        self.manifest.setdefault("tools", self.tools)
        try:
            write_manifest(self.layout, self.manifest, mask=self._mask_errors if self.mask else None)
        except OSError as exc:
            raise OdasError(
                f"écriture impossible de {files.display_path(self.layout.manifest)} : {exc.strerror or exc}"
            ) from None

    def _mask_errors(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """The manifest with its free text (the runs' error messages) names masked.

        Run names, titles and paths come from the public study tables and are kept: a
        participant whose family name is also a site's name belongs in the names check's
        allow list (``disclosure_allow.txt``), not in a manifest whose keys are mangled.
        """
        runs = {name: {**e, "error": self.mask.text(e.get("error") or "")} for name, e in manifest["runs"].items()}
        return {**manifest, "runs": runs}

    def last_batch(self, counts: dict[str, int], seconds: float) -> None:
        self.manifest["last_batch"] = {"runs": [r.name for r in self.runs], **counts, "seconds": round(seconds, 2)}
