"""Worker processes that die with their parent.

A worker blocked on a pipe outlives a parent killed with SIGKILL (no clean-up runs in
the parent, and nothing tells the worker). Each worker process therefore watches its
own parent: a daemon thread checks every :data:`PARENT_POLL_S` seconds that the
process's parent is still the one it started under, and ends the process when it is
not (the orphan has been re-parented to init or a sub-reaper). This works for the
local process pool and, through plugins, for a Dask ``LocalCluster``'s nannies and
workers; it needs no platform-specific call.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["PARENT_POLL_S", "watch_parent"]

PARENT_POLL_S = 0.5
"""Seconds between two checks of the parent: an orphan ends within about this long."""

ORPHAN_EXIT_STATUS = 70
"""Exit status of a worker that ended because its parent died."""


def watch_parent(parent_pid: int | None = None) -> threading.Thread:
    """End this process (``os._exit``) as soon as its parent is no longer ``parent_pid``.

    Parameters
    ----------
    parent_pid
        The parent to outlive no longer than :data:`PARENT_POLL_S`; by default the
        current parent.

    Returns
    -------
    threading.Thread
        The daemon thread doing the watching.
    """
    expected = os.getppid() if parent_pid is None else parent_pid

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != expected:
                os._exit(ORPHAN_EXIT_STATUS)

    thread = threading.Thread(target=watch, name="ccsim-parent-watch", daemon=True)
    thread.start()
    return thread
