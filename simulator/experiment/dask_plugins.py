"""Dask plugins that end a ``LocalCluster``'s nannies and workers with their parent.

Imported only when ``--dask local`` is used (it imports ``distributed``).
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import NannyPlugin, WorkerPlugin

from simulator.experiment.orphans import watch_parent

__all__ = ["DieWithParentNanny", "DieWithParentWorker"]


class DieWithParentNanny(NannyPlugin):
    """In each nanny (a child of the ccsim process): end when ccsim is gone."""

    name = "ccsim-die-with-parent-nanny"

    def setup(self, nanny: Any) -> None:  # noqa: D102
        watch_parent()


class DieWithParentWorker(WorkerPlugin):
    """In each worker (a child of its nanny): end when the nanny is gone."""

    name = "ccsim-die-with-parent-worker"

    def setup(self, worker: Any) -> None:  # noqa: D102
        watch_parent()
