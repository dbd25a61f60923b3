"""One kernel of the batch: started ahead of need, handed to papermill, discarded after one notebook.

The kernel manager remembers the clients it makes (nbclient leaves its own connected),
hands papermill a client connected while the kernel warmed, and that client is ready as
soon as the kernel has answered, without jupyter_client's 0.2 s of silence.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from typing import Any

from . import lifetime
from .zygote import KERNEL_ARGS, ZygoteClient, fork_provisioner


def tracked_kernel_manager(**kwargs: Any):
    """An ``AsyncKernelManager`` that remembers the clients it makes (``.clients``).

    nbclient, given a kernel manager it does not own (ours, forked from the zygote),
    leaves the client it made for the notebook connected when it returns: its four
    zmq sockets open and its heartbeat thread polling a kernel that is gone. A worker
    accumulated one such thread per notebook, and its CPU time per page grew with them
    (from 0.28 s to 0.45 s over 200 territory pages). :meth:`WarmKernel.discard`
    closes them all.
    """
    return _tracked_manager_class()(**kwargs)


READY_WAIT = 1.0
"""Seconds a notebook's client waits for the kernel's answer before asking the library's way."""

READY_AGAIN = 0.05
"""Seconds without the kernel's "idle" after which ``kernel_info`` is asked again."""


def _is_idle_for(msg: dict[str, Any], msg_ids: set[str]) -> bool:
    """Whether ``msg`` is the kernel's "idle" status for one of the requests ``msg_ids``."""
    return (
        msg.get("msg_type") == "status"
        and msg.get("parent_header", {}).get("msg_id") in msg_ids
        and msg.get("content", {}).get("execution_state") == "idle"
    )


@functools.cache
def _ready_client_class():
    """The client class of :func:`tracked_kernel_manager`, made once (jupyter_client is imported late)."""
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            """Ready once the kernel has answered ``kernel_info`` and published "idle" for it.

            jupyter_client's own wait ends by reading IOPub until it has been silent
            for 0.2 s, on every notebook. The kernel's "idle" status for one of our
            requests says the same (the kernel answered, and IOPub reaches us) without
            the wait. A status published before our subscription reached the kernel is
            lost, so the request is sent again every :data:`READY_AGAIN` seconds; with
            no answer within :data:`READY_WAIT`, the library's way.
            """
            deadline = time.monotonic() + READY_WAIT
            sent: set[str] = set()
            reply = None
            try:
                while time.monotonic() < deadline:
                    sent.add(self.kernel_info())
                    if reply is None:
                        reply = await self._reply_to(sent, deadline)
                    if await self._idle_for(sent, min(deadline, time.monotonic() + READY_AGAIN)):
                        self._handle_kernel_info_reply(reply)
                        return
            except Empty:
                pass
            await super().wait_for_ready(timeout)

        async def _reply_to(self, sent: set[str], deadline: float) -> dict[str, Any]:
            """The first reply on the shell channel to one of ``sent`` (Empty at ``deadline``)."""
            while True:
                msg = await self.shell_channel.get_msg(timeout=max(0.0, deadline - time.monotonic()))
                if msg["parent_header"].get("msg_id") in sent:
                    return msg

        async def _idle_for(self, sent: set[str], until: float) -> bool:
            """Whether the kernel says "idle" on IOPub for one of ``sent`` before ``until``."""
            try:
                while True:
                    msg = await self.iopub_channel.get_msg(timeout=max(0.0, until - time.monotonic()))
                    if _is_idle_for(msg, sent):
                        return True
            except Empty:
                return False

    return ReadyClient


@functools.cache
def _tracked_manager_class():
    """The class of :func:`tracked_kernel_manager`, made once (jupyter_client is imported late)."""
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        def __init__(self, **manager_kwargs: Any):
            super().__init__(**manager_kwargs)
            self.client_factory = _ready_client_class()
            self.clients: list[Any] = []
            self._connected: Any = None

        def connect_ahead(self) -> None:
            """Make the client the next :meth:`client` call returns, its sockets connected now.

            nbclient makes its client when the notebook starts and waits until it is
            ready (:meth:`ReadyClient.wait_for_ready`: the kernel's "idle" on IOPub for
            a ``kernel_info`` request). A subscriber that has just connected misses what
            the kernel publishes until its subscription reaches the kernel (ZeroMQ's
            "slow joiner"), that status included. Connected while the kernel warms, the
            client is subscribed long before it is used. The heartbeat is left to
            nbclient (a thread, started once).
            """
            kc = self.client()
            for channel in ("shell_channel", "iopub_channel", "stdin_channel", "control_channel"):
                getattr(kc, channel)  # created and connected on first access; no thread
            self._connected = kc

        def client(self, **client_kwargs: Any):
            if self._connected is not None and not client_kwargs:
                kc, self._connected = self._connected, None
                return kc
            kc = super().client(**client_kwargs)
            self.clients.append(kc)
            return kc

    return TrackedKernelManager


class WarmKernel:
    """A kernel started ahead of need, its preload request possibly still running.

    With a :class:`ZygoteClient` the kernel is forked from a process whose imports are done;
    without, it is launched as usual and imports the preload list itself.
    """

    def __init__(
        self, kernel_name: str, cwd: str, ipc_dir: str, serial: int, preload: str, zygote: ZygoteClient | None = None
    ):
        from jupyter_core.utils import run_sync

        # IPC transport: a socket file per channel in a private directory, no TCP port to race for.
        self.km = tracked_kernel_manager(
            kernel_name=kernel_name, transport="ipc", ip=os.path.join(ipc_dir, f"k{serial}")
        )
        if zygote is not None:
            import uuid

            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = fork_provisioner(self.km, zygote)
        run_sync(self.km.start_kernel)(
            cwd=cwd, stdout=subprocess_devnull(), stderr=subprocess_devnull(), extra_arguments=list(KERNEL_ARGS)
        )
        provisioner = self.km.provisioner
        self.pgid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if self.pgid:
            lifetime.KERNELS.add(self.pgid)  # killed with the worker if it is stopped
        self.km.connect_ahead()  # the client papermill will use (see connect_ahead)
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.preload_id = self.kc.execute("pass" if zygote is not None else preload, silent=True, store_history=False)

    def _wait(self, msg_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def handover(self, setup: str, timeout: float = 120) -> None:
        """Wait for the preload, run ``setup`` silently, release the client channels."""
        self._wait(self.preload_id, timeout)
        reply = self._wait(self.kc.execute(setup, silent=True, store_history=False), timeout)
        self.kc.stop_channels()
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue', '')}")

    def discard(self, wait: bool = True) -> None:
        """Kill the kernel (it ran its one notebook, or is no longer needed)."""
        from jupyter_core.utils import run_sync

        for kc in [self.kc, *self.km.clients]:  # ours, and the one papermill's nbclient left connected
            with contextlib.suppress(Exception):  # already stopped
                kc.stop_channels()
        lifetime.KERNELS.discard(self.pgid)
        if not wait and self.pgid:
            # at the end of the batch: kill the process group, leave the reaping to its parent
            import signal

            try:
                os.killpg(self.pgid, signal.SIGKILL)
                return
            except OSError:
                pass
        with contextlib.suppress(Exception):  # a dead kernel is fine to discard
            run_sync(self.km.shutdown_kernel)(now=True)


def subprocess_devnull() -> int:
    import subprocess

    return subprocess.DEVNULL
