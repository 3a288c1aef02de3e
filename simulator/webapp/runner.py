"""Running what-ifs in the background: a quick result first, then refined; stale runs dropped.

The page hands every new set of values to :meth:`WhatIfRunner.submit`; one worker
thread runs the latest request only. A request runs in two stages — a few
replications for a first answer within seconds, then the replications asked for —
and each stage publishes an :class:`Outcome`. A newer request cancels the one running:
the progress callback of ``simulator.run`` raises as soon as the request is stale, so a
run stops after the replication in hand (the page never waits for a result nobody wants).

The numbers are the API's. The baseline is run once per replication count with
``simulator.run`` and kept; the changed scenario is run with the same seed and
replications, so replication ``r`` of both faces the same callers (common random
numbers), and the two results are paired into a :class:`~simulator.Comparison` —
exactly what ``simulator.compare([baseline, changed])`` returns, without running the
baseline again for every change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from simulator.experiment import Comparison, RunResult, run
from simulator.scenario import Scenario

__all__ = [
    "BASELINE",
    "QUICK_REPLICATIONS",
    "WHAT_IF",
    "Cancelled",
    "Outcome",
    "Status",
    "WhatIfRunner",
    "stages",
]

QUICK_REPLICATIONS = 5
"""Replications of the first, quick stage (the flagship runs them in about a second)."""
BASELINE = "baseline"
"""Label of the scenario as loaded."""
WHAT_IF = "what-if"
"""Label of the changed scenario."""

State = Literal["idle", "running", "done", "failed"]
Stage = Literal["quick", "final"]


class Cancelled(Exception):
    """A run stopped because a newer request replaced it."""


def stages(replications: int, quick: int = QUICK_REPLICATIONS) -> list[int]:
    """Replications of each stage: ``[quick, replications]``, or just ``[replications]``
    when that is already no more than the quick stage.
    """
    return [quick, replications] if replications > quick else [replications]


@dataclass(frozen=True)
class Outcome:
    """One finished stage of one request: the two runs and their paired comparison."""

    generation: int
    stage: Stage
    comparison: Comparison
    changed: bool

    @property
    def baseline(self) -> RunResult:
        """The scenario as loaded."""
        return self.comparison.results[0]

    @property
    def what_if(self) -> RunResult:
        """The scenario as the controls make it."""
        return self.comparison.results[1]

    @property
    def replications(self) -> int:
        """Replications of each run in this stage."""
        return self.comparison.replications


@dataclass(frozen=True)
class Status:
    """Where the runner is: the latest request (``generation``), its state and progress
    (replications done of planned, over both runs and all stages), the latest outcome
    (possibly of an older request while a new one runs) with what ``prepare`` made of it
    (``views``), the latest ``figures`` (drawn for final outcomes), and the error of a
    failed run.
    """

    generation: int = 0
    state: State = "idle"
    done: int = 0
    total: int = 0
    outcome: Outcome | None = None
    error: str = ""
    views: Any = None
    figures: Any = None

    @property
    def fraction(self) -> float:
        """Share of the planned replications done, in [0, 1]."""
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass(frozen=True)
class _Request:
    generation: int
    scenario: Scenario
    replications: int
    changed: bool


Prepare = Callable[[Outcome], Any]
"""Work done in the worker thread on an outcome; ``prepare`` runs before the outcome is
published (its result is the status's ``views``), ``draw`` after a final one (``figures``)."""


class WhatIfRunner:
    """Runs the latest what-if of ``baseline`` in a background thread.

    Parameters
    ----------
    baseline : the scenario as loaded; its ``seed`` is the seed of every run.
    quick : replications of the first stage.
    prepare : optional quick work on each outcome in the worker thread (the tables the
        page shows), published with it.
    draw : optional slow work on each final outcome (figures), published when done; the
        request is ``done`` only then.
    """

    def __init__(
        self,
        baseline: Scenario,
        quick: int = QUICK_REPLICATIONS,
        prepare: Prepare | None = None,
        draw: Prepare | None = None,
    ) -> None:
        self.baseline = baseline
        self.quick = quick
        self._prepare = prepare
        self._draw = draw
        self._baseline_runs: dict[int, RunResult] = {}
        self._lock = threading.Condition()
        self._request: _Request | None = None
        self._status = Status()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="ccsim-whatif", daemon=True)
        self._thread.start()

    # -------------------------------------------------------------- the page's side

    def submit(self, scenario: Scenario, replications: int, changed: bool = True) -> int:
        """Ask for ``scenario`` (``changed``: it differs from the baseline) with
        ``replications``; a run in progress is cancelled. Returns the request's generation.
        """
        if replications < 1:
            raise ValueError(f"replications must be at least 1, got {replications}")
        with self._lock:
            generation = self._status.generation + 1
            self._request = _Request(generation, scenario, replications, changed)
            total = self._planned(replications, changed)
            self._status = replace(
                self._status, generation=generation, state="running", done=0, total=total, error=""
            )
            self._lock.notify_all()
        return generation

    def status(self) -> Status:
        """The current status (a snapshot: safe to read from any thread)."""
        with self._lock:
            return self._status

    def wait(self, generation: int | None = None, timeout: float = 60.0) -> Status:
        """Block until request ``generation`` (default: the latest) is done or failed.

        Raises
        ------
        TimeoutError
            When it is not done within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            wanted = self._status.generation if generation is None else generation
            while not (self._status.generation > wanted or self._finished(wanted)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the what-if run {wanted} did not finish in {timeout} s")
                self._lock.wait(left)
            return self._status

    def close(self) -> None:
        """Stop the worker thread (the run in hand stops at its next replication)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout=30)

    # -------------------------------------------------------------- the worker's side

    def _finished(self, generation: int) -> bool:
        status = self._status
        return status.generation == generation and status.state in ("done", "failed")

    def _planned(self, replications: int, changed: bool) -> int:
        runs = 2 if changed else 1
        per_stage = [
            n * (runs if n not in self._baseline_runs else runs - 1)
            for n in stages(replications, self.quick)
        ]
        return max(1, sum(per_stage))

    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._request is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                request, self._request = self._request, None
            assert request is not None
            try:
                self._serve(request)
            except Cancelled:
                continue
            except Exception as error:  # a failed run is shown on the page, never raised
                self._publish(request.generation, state="failed", error=str(error))

    def _check(self, generation: int) -> None:
        with self._lock:
            if self._closed or self._status.generation != generation:
                raise Cancelled

    def _serve(self, request: _Request) -> None:
        done = 0

        def progress(finished: int, _: int) -> None:
            self._check(request.generation)
            self._publish(request.generation, done=done + finished)

        seed = self.baseline.seed
        plan = stages(request.replications, self.quick)
        for number, n in enumerate(plan):
            self._check(request.generation)
            base = self._baseline_runs.get(n)
            if base is None:
                base = run(self.baseline, n, seed=seed, workers=1, progress=progress)
                self._baseline_runs[n] = base
                done += n
            if request.changed:
                other = run(request.scenario, n, seed=seed, workers=1, progress=progress)
                done += n
            else:
                other = base
            comparison = Comparison(
                labels=[BASELINE, WHAT_IF],
                results=[base, other],
                seed=seed,
                backend={"backend": "serial", "workers": 1},
            )
            stage: Stage = "final" if number == len(plan) - 1 else "quick"
            outcome = Outcome(request.generation, stage, comparison, request.changed)
            views = self._prepare(outcome) if self._prepare is not None else None
            self._check(request.generation)
            self._publish(request.generation, done=done, outcome=outcome, views=views)
        if self._draw is not None:
            figures = self._draw(outcome)
            self._check(request.generation)
            self._publish(request.generation, figures=figures)
        self._publish(request.generation, state="done")

    def _publish(self, generation: int, **changes: Any) -> None:
        with self._lock:
            if self._status.generation != generation:
                return
            self._status = replace(self._status, **changes)
            self._lock.notify_all()
