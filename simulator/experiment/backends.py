"""Where replications run: in this process, on local worker processes, or on Dask.

Every backend does the same small job: take tasks — a module-level function and its
arguments, under a key chosen by the caller — and hand back ``(key, result)`` pairs
as tasks finish, in whatever order they finish. A task's result depends only on its
arguments (a replication is a pure function of scenario, seed and number), and the
callers put results in replication order, so the backend and the number of workers
change when a number arrives, never what it is.

A task that cannot deliver its result comes back as a :class:`TaskFailure` (the
error's type, message and traceback text), not as a raised exception, so one bad
sweep point does not stop the others. That covers a worker process that dies
(killed, out of memory): the process backend restarts its pool and reruns the
tasks that were in flight, one at a time, to find the one that kills its worker;
Dask does the same itself and gives up on a task after a few worker deaths
(``KilledWorker``).

Backends: :class:`SerialBackend` (this process), :class:`ProcessBackend`
(``concurrent.futures`` processes, forked where the platform allows, so workers
start at once and need no importable main module), :class:`DaskBackend` (an
existing ``distributed`` scheduler by address or ``Client``, or a ``LocalCluster``
started for the run with ``"local"``). :func:`make_backend` picks one from the
``workers`` and ``dask`` options of the API and the command line.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from simulator.experiment.orphans import watch_parent

__all__ = [
    "Backend",
    "BackendError",
    "DaskBackend",
    "ProcessBackend",
    "SerialBackend",
    "TaskFailure",
    "backend_for",
    "default_workers",
    "make_backend",
]

START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
"""Fork where the platform has it: workers start at once and scripts need no main guard."""

DASK_CONNECT_TIMEOUT = "10s"
"""How long to wait for a Dask scheduler given by address before giving up."""

LOCAL_SCHEDULER_OPTIONS = {"dashboard_address": "127.0.0.1:0"}
"""A ``LocalCluster``'s scheduler serves HTTP (metrics, health) even without a dashboard, on
port 8787 by default: when that port is taken (another cluster, another user) it moves and
warns. A free loopback port, chosen by the system, avoids both the clash and the warning."""

WORKER_DIED = "WorkerDied"
"""``TaskFailure.error_type`` of a task whose worker process died under it."""


class BackendError(RuntimeError):
    """A backend could not be started: Dask missing, a scheduler unreachable, bad options."""


@dataclass(frozen=True)
class TaskFailure:
    """A task that delivered no result: what went wrong, as text that travels anywhere.

    ``replication`` is the replication that raised, when the task knows it.
    """

    error_type: str
    message: str
    traceback: str = ""
    replication: int | None = None

    def __str__(self) -> str:
        return f"{self.error_type}: {self.message}"

    @classmethod
    def from_exception(cls, error: BaseException, replication: int | None = None) -> TaskFailure:
        """Describe ``error`` (with the current traceback, when called in an ``except``)."""
        return cls(
            type(error).__name__,
            str(error) or repr(error),
            "".join(traceback.format_exception(error)),
            replication,
        )


Task = tuple[Hashable, Callable[..., Any], tuple[Any, ...]]


def default_workers() -> int:
    """All the machine's cores."""
    return os.cpu_count() or 1


class Backend(ABC):
    """Runs tasks and hands back ``(key, result or TaskFailure)`` as they finish."""

    name: str = "backend"
    workers: int = 1

    @abstractmethod
    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)``; its result comes back from :meth:`next_done` under ``key``."""

    @abstractmethod
    def next_done(self) -> tuple[Hashable, Any]:
        """Wait for the next finished task; its result, or a :class:`TaskFailure`."""

    @property
    @abstractmethod
    def pending(self) -> int:
        """Tasks submitted whose results have not been handed back yet."""

    @abstractmethod
    def cancel(self) -> None:
        """Abandon every pending task; the backend stays usable."""

    def close(self) -> None:
        """Stop: abandon what is still pending and release workers started for this run."""
        self.cancel()

    def describe(self) -> dict[str, Any]:
        """What ran the tasks, for the metadata of every output."""
        return {"backend": self.name, "workers": self.workers}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        return fn(*args)
    except Exception as error:
        return TaskFailure.from_exception(error)


class SerialBackend(Backend):
    """Runs each task in this process when its result is asked for, in submission order."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1
        self._queue: deque[Task] = deque()

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Queue the task (it runs in :meth:`next_done`)."""
        self._queue.append((key, fn, args))

    def next_done(self) -> tuple[Hashable, Any]:
        """Run the oldest queued task."""
        key, fn, args = self._queue.popleft()
        return key, _call(fn, args)

    @property
    def pending(self) -> int:
        """Tasks queued."""
        return len(self._queue)

    def cancel(self) -> None:
        """Forget queued tasks."""
        self._queue.clear()


def _worker_init() -> None:
    """In a worker: leave Ctrl-C to the parent (it stops the pool), die on SIGTERM, and
    end when the parent is gone (even killed with SIGKILL).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    watch_parent()


class ProcessBackend(Backend):
    """Local worker processes (``concurrent.futures``), forked where possible.

    At most ``workers`` tasks are in the pool at once, so when a worker process dies
    the tasks it may have been running are known: the pool is replaced and those
    tasks rerun one at a time; the one that kills its worker again comes back as a
    :class:`TaskFailure` (``WorkerDied``) and the rest carry on.
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise BackendError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._context = multiprocessing.get_context(START_METHOD)
        self._pool: ProcessPoolExecutor | None = None
        self._queue: deque[Task] = deque()
        self._suspects: deque[Task] = deque()
        self._running: dict[Future[Any], tuple[Task, bool]] = {}
        self._done: deque[tuple[Hashable, Any]] = deque()

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=self._context, initializer=_worker_init
            )
        return self._pool

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Queue the task; it enters the pool when a worker is free."""
        self._queue.append((key, fn, args))
        self._fill()

    def _send(self, task: Task, alone: bool) -> None:
        future = self._ensure_pool().submit(_call, task[1], task[2])
        self._running[future] = (task, alone)

    def _fill(self) -> None:
        if any(alone for _, alone in self._running.values()):
            return
        if self._suspects:
            if not self._running:
                self._send(self._suspects.popleft(), alone=True)
            return
        while self._queue and len(self._running) < self.workers:
            self._send(self._queue.popleft(), alone=False)

    def _replace_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def next_done(self) -> tuple[Hashable, Any]:
        """Wait for a task in the pool to finish (handling a pool broken by a dead worker)."""
        while not self._done:
            self._fill()
            if not self._running:
                raise RuntimeError("next_done() called with no task pending")
            finished, _ = wait(list(self._running), return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                task, alone = self._running.pop(future)
                try:
                    self._done.append((task[0], future.result()))
                except BrokenProcessPool:
                    broken = True
                    self._crashed(task, alone)
                except Exception as error:  # e.g. a result that cannot be pickled
                    self._done.append((task[0], TaskFailure.from_exception(error)))
            if broken:
                for task, alone in list(self._running.values()):
                    self._crashed(task, alone)
                self._running.clear()
                self._replace_pool()
        return self._done.popleft()

    def _crashed(self, task: Task, alone: bool) -> None:
        if alone:
            failure = TaskFailure(
                WORKER_DIED,
                "the worker process running this task died (killed by a signal, or out of "
                "memory?); it died again when the task was rerun on its own",
            )
            self._done.append((task[0], failure))
        else:
            self._suspects.append(task)

    @property
    def pending(self) -> int:
        """Tasks queued, in the pool, or finished and not yet handed back."""
        return len(self._queue) + len(self._suspects) + len(self._running) + len(self._done)

    def cancel(self) -> None:
        """Stop the pool; workers still busy (after Ctrl-C or a failure) are terminated.

        The next task starts a new pool.
        """
        self._queue.clear()
        self._suspects.clear()
        pool, busy = self._pool, bool(self._running)
        self._running.clear()
        self._done.clear()
        self._pool = None
        if pool is None:
            return
        if busy:
            processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
            for process in list(processes.values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend(Backend):
    """Tasks on a Dask ``distributed`` cluster.

    ``address`` is a scheduler address (``tcp://host:8786``), an existing
    ``distributed.Client``, or ``"local"`` to start a ``LocalCluster`` of ``workers``
    single-threaded worker processes on this machine for the run (closed with the
    backend). Workers need the same ccsim installed (they import
    :mod:`simulator` to run the tasks). Results travel back to this process, which
    alone writes files, so workers need no shared file system.
    """

    name = "dask"

    def __init__(self, address: Any, workers: int | None = None) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError as error:  # pragma: no cover - dask is a declared extra
            raise BackendError(
                "--dask needs dask.distributed: pip install 'ccsim[dask]'"
            ) from error
        client_type, cluster_type = distributed.Client, distributed.LocalCluster
        self._cluster: Any = None
        self._own_client = True
        if isinstance(address, client_type):
            self._client: Any = address
            self._own_client = False
        elif address == "local":
            n = workers or default_workers()
            self._cluster = cluster_type(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                scheduler_kwargs=LOCAL_SCHEDULER_OPTIONS,
                silence_logs=logging.ERROR,
            )
            self._client = client_type(self._cluster)
            from simulator.experiment.dask_plugins import DieWithParentNanny, DieWithParentWorker

            self._client.register_plugin(DieWithParentNanny())
            self._client.register_plugin(DieWithParentWorker())
        else:
            try:
                self._client = client_type(str(address), timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as error:
                raise BackendError(
                    f"cannot reach the Dask scheduler at {address}: {error}"
                ) from None
        self.address = str(self._client.scheduler.address)
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._completed: Any = distributed.as_completed()
        self._pending: dict[str, tuple[Any, Hashable]] = {}

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Send the task to the scheduler."""
        future = self._client.submit(_call, fn, args, pure=False)
        self._pending[future.key] = (future, key)
        self._completed.add(future)

    def next_done(self) -> tuple[Hashable, Any]:
        """Wait for a task to finish anywhere on the cluster."""
        if not self._pending:
            raise RuntimeError("next_done() called with no task pending")
        future = next(self._completed)
        _, key = self._pending.pop(future.key)
        try:
            result = future.result()
        except Exception as error:  # KilledWorker, a lost scheduler, ...
            result = TaskFailure.from_exception(error)
            if type(error).__name__ == "KilledWorker":
                result = TaskFailure(WORKER_DIED, str(error), result.traceback)
        future.release()
        return key, result

    @property
    def pending(self) -> int:
        """Tasks sent whose results have not been handed back."""
        return len(self._pending)

    def describe(self) -> dict[str, Any]:
        """Backend, scheduler address (or ``local``) and worker threads."""
        where = "local" if self._cluster is not None else self.address
        return {"backend": self.name, "workers": self.workers, "scheduler": where}

    def cancel(self) -> None:
        """Cancel the tasks sent and not yet handed back."""
        if self._pending:
            self._client.cancel([future for future, _ in self._pending.values()])
        self._completed.clear()
        self._pending.clear()

    def close(self) -> None:
        """Cancel what is pending; close the client and cluster if this backend made them."""
        self.cancel()
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


@contextmanager
def backend_for(
    backend: Backend | None, workers: int | None, dask: Any, tasks: int | None
) -> Iterator[Backend]:
    """``backend`` if given — left open for its owner's next run, its pending tasks
    cancelled if this one fails — or a new one from ``make_backend``, closed after.
    """
    if backend is None:
        with make_backend(workers, dask, tasks) as made:
            yield made
        return
    try:
        yield backend
    except BaseException:
        backend.cancel()
        raise


def make_backend(workers: int | None = None, dask: Any = None, tasks: int | None = None) -> Backend:
    """The backend for the ``workers`` / ``dask`` options.

    ``dask``: ``None`` for local execution, ``"local"`` for a ``LocalCluster`` of
    ``workers`` processes, a scheduler address, or a ``distributed.Client``.
    Otherwise ``workers`` local processes (``None``: every core), never more than
    ``tasks`` (the work to do); one worker runs in this process.
    """
    if workers is not None and workers < 1:
        raise BackendError(f"workers must be at least 1, got {workers}")
    if dask is not None:
        return DaskBackend(dask, workers)
    n = workers if workers is not None else default_workers()
    if tasks is not None:
        n = min(n, max(tasks, 1))
    return SerialBackend() if n == 1 else ProcessBackend(n)
