"""Running replications on any backend, with identical results.

Replication ``r`` of a scenario with base seed ``s`` is
``simulate_replication(scenario, r, seed=s)``, a pure function, so where it runs
changes nothing: tasks carry chunks of replication numbers to a backend
(:mod:`simulator.experiment.backends`) and the results are put back in replication
order. The same engine, :func:`replicate`, serves a run, a paired comparison (a
group of scenarios replicated with the same seeds) and each point of a sweep; it
also grows a group's replications stage by stage when a precision is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from simulator.experiment.backends import Backend, TaskFailure, backend_for
from simulator.experiment.precision import (
    DEFAULT_MAX_REPLICATIONS,
    MIN_REPLICATIONS,
    KpiParts,
    PrecisionTarget,
    check_known,
    kpi_names,
    kpi_parts,
    next_replication_count,
    target_status,
    targets_from,
)
from simulator.experiment.result import RunResult
from simulator.model.replication import ReplicationOutput, simulate_replication
from simulator.scenario import Scenario

__all__ = [
    "ExperimentProgress",
    "ReplicationFailed",
    "replicate",
    "run",
]

CHUNKS_PER_WORKER = 4
"""Tasks per worker a batch of replications is cut into: enough to balance the load,
few enough that the per-task overhead stays small beside the replications' run time."""

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each finished batch of replications."""

Kind = Literal["outputs", "parts"]


class ReplicationFailed(RuntimeError):
    """A replication raised: which one, with which seed (and of which scenario), and why."""

    def __init__(
        self,
        replication: int,
        seed: int,
        error: BaseException | TaskFailure,
        scenario: str | None = None,
    ) -> None:
        where = f"scenario {scenario!r}, " if scenario is not None else ""
        super().__init__(f"{where}replication {replication} (seed {seed}) failed: {error}")
        self.replication = replication
        self.seed = seed
        self.error = error
        self.scenario = scenario
        self.traceback = error.traceback if isinstance(error, TaskFailure) else ""


@dataclass(frozen=True)
class ExperimentProgress:
    """How far an experiment is: groups (runs, sweep points) and replications done."""

    groups_done: int
    groups_total: int
    replications_done: int
    replications_planned: int


def _replications(
    scenario: Scenario, seed: int, first: int, stop: int, keep_contacts: bool
) -> list[ReplicationOutput] | TaskFailure:
    """Replications ``first .. stop - 1``, or the failure of the first that raises."""
    outputs = []
    for r in range(first, stop):
        try:
            outputs.append(
                simulate_replication(scenario, r, keep_contacts=keep_contacts, seed=seed)
            )
        except Exception as error:
            return TaskFailure.from_exception(error, replication=r)
    return outputs


def _parts(
    scenario: Scenario, seed: int, first: int, stop: int, estimate: bool
) -> KpiParts | TaskFailure:
    """The KPI parts of replications ``first .. stop - 1`` (a few floats each, not tallies),
    with the KPI estimates too when ``estimate`` (the chunk is all its group will get).
    """
    outputs = _replications(scenario, seed, first, stop, False)
    if isinstance(outputs, TaskFailure):
        return outputs
    parts = kpi_parts(RunResult(scenario=scenario, outputs=outputs, seed=seed))
    return parts.with_estimates() if estimate else parts


@dataclass
class _Group:
    scenarios: Sequence[Scenario]
    planned: int
    pieces: list[list[Any]] = field(default_factory=list)
    in_flight: int = 0
    failed: bool = False

    def merged(self, kind: Kind) -> list[Any]:
        if kind == "parts":
            return [KpiParts.concat(p) for p in self.pieces]
        return [sorted((o for c in p for o in c), key=lambda o: o.replication) for p in self.pieces]


Decide = Callable[[int, list[Any]], int]
"""``decide(group, merged)``: the replications group ``group`` should have, given its results
so far (one entry per scenario: sorted outputs, or parts)."""
Done = Callable[[int, list[Any]], None]
Failed = Callable[[int, int, range, TaskFailure], None]
"""``failed(group, scenario, replications, failure)``: a chunk of a group failed."""


def replicate(
    groups: Sequence[Sequence[Scenario]],
    initial: Sequence[int],
    seed: int,
    backend: Backend,
    on_done: Done,
    *,
    kind: Kind = "outputs",
    keep_contacts: bool = False,
    decide: Decide | None = None,
    on_failure: Failed | None = None,
    progress: Callable[[ExperimentProgress], None] | None = None,
) -> None:
    """Replicate each group of scenarios on ``backend`` with common random numbers.

    Every scenario of group ``g`` runs replications ``0 .. n - 1`` with ``seed``,
    ``n`` starting at ``initial[g]``; when they are all back, ``decide`` (if given) may
    ask for more, and otherwise ``on_done(g, merged)`` receives them (per scenario:
    outputs sorted by replication, or the :class:`KpiParts` with ``kind="parts"``).
    A failed task calls ``on_failure`` and abandons its group; without ``on_failure``
    it raises :class:`ReplicationFailed` (the backend's ``close`` stops the rest).
    """
    states = [
        _Group(scenarios, n, [[] for _ in scenarios])
        for scenarios, n in zip(groups, initial, strict=True)
    ]
    total = sum(len(s.scenarios) * s.planned for s in states)
    size = (
        1
        if backend.workers == 1
        else max(1, math.ceil(total / (CHUNKS_PER_WORKER * backend.workers)))
    )
    done_groups = 0
    done_reps = 0

    def report() -> None:
        if progress is not None:
            planned = sum(len(s.scenarios) * s.planned for s in states)
            progress(ExperimentProgress(done_groups, len(states), done_reps, planned))

    def submit(g: int, first: int, stop: int) -> None:
        state = states[g]
        for i, scenario in enumerate(state.scenarios):
            for lo in range(first, stop, size):
                hi = min(lo + size, stop)
                key = (g, i, lo, hi)
                if kind == "parts":
                    whole = decide is None and lo == 0 and hi == stop
                    backend.submit(key, _parts, scenario, seed, lo, hi, whole)
                else:
                    backend.submit(key, _replications, scenario, seed, lo, hi, keep_contacts)
                state.in_flight += 1

    for g, state in enumerate(states):
        submit(g, 0, state.planned)
    report()
    while backend.pending:
        key, result = backend.next_done()
        g, i, lo, hi = cast(tuple[int, int, int, int], key)
        state = states[g]
        state.in_flight -= 1
        if state.failed:
            continue
        if isinstance(result, TaskFailure):
            state.failed = True
            if on_failure is None:
                replication = lo if result.replication is None else result.replication
                name = state.scenarios[i].name if len(state.scenarios) > 1 else None
                raise ReplicationFailed(replication, seed, result, name)
            on_failure(g, i, range(lo, hi), result)
            done_groups += 1
            report()
            continue
        state.pieces[i].append(result)
        done_reps += hi - lo
        if state.in_flight:
            report()
            continue
        merged = state.merged(kind)
        wanted = state.planned if decide is None else decide(g, merged)
        if wanted > state.planned:
            first, state.planned = state.planned, wanted
            submit(g, first, wanted)
        else:
            on_done(g, merged)
            done_groups += 1
        report()


def precision_decider(
    targets: Sequence[PrecisionTarget],
    cap: int,
    half_widths: Callable[[int, list[Any]], Mapping[str, float]],
) -> Decide:
    """A ``decide`` for :func:`replicate` that samples until every target is met or ``cap``."""

    def decide(g: int, merged: list[Any]) -> int:
        done = _count(merged[0])
        statuses = target_status(half_widths(g, merged), targets, done)
        return next_replication_count(statuses, done, cap)

    return decide


def _count(merged: Any) -> int:
    return merged.n if isinstance(merged, KpiParts) else len(merged)


def precision_plan(
    scenario: Scenario,
    replications: int,
    precision: Mapping[str, float] | Sequence[PrecisionTarget] | None,
    max_replications: int | None,
) -> tuple[list[PrecisionTarget], int, int]:
    """Targets, the replications to start with, and the cap; ``ValueError`` if inconsistent."""
    targets = targets_from(precision)
    if not targets:
        return [], replications, replications
    check_known(targets, kpi_names(scenario))
    start = max(replications, MIN_REPLICATIONS)
    cap = DEFAULT_MAX_REPLICATIONS if max_replications is None else max_replications
    if cap < start:
        raise ValueError(
            f"max_replications ({cap}) is below the replications to start with ({start})"
        )
    return targets, start, cap


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    keep_contacts: bool = True,
    progress: Progress | None = None,
    *,
    dask: Any = None,
    precision: Mapping[str, float] | Sequence[PrecisionTarget] | None = None,
    max_replications: int | None = None,
    backend: Backend | None = None,
) -> RunResult:
    """Simulate ``replications`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario : the scenario (see ``simulator.load``).
    replications : how many (default: the scenario's ``replications``); with
        ``precision``, how many to start with (at least ``MIN_REPLICATIONS``).
    seed : the base seed (default: the scenario's ``seed``); replication ``r`` uses
        streams spawned from ``(seed, r)``.
    workers : local processes; 1 (the default, as for ``run``, ``compare`` and ``sweep``)
        runs in this process, ``None`` uses every core (the command line's default). With
        ``dask="local"``, the number of Dask workers. Results are identical.
    keep_contacts : keep the per-contact log (``False`` keeps only aggregates).
    progress : optional ``progress(done, total)`` callback.
    dask : run on Dask: a scheduler address, a ``distributed.Client``, or ``"local"``
        for a ``LocalCluster`` started for this run.
    precision : ``{kpi: half_width}``: add replications until every KPI's 95 %
        half-width (call-weighted, as in ``summary()``) is at most its target, or
        ``max_replications`` (default ``DEFAULT_MAX_REPLICATIONS``) is reached.
    backend : a backend to reuse across runs (``make_backend(...)``, e.g. one Dask
        ``LocalCluster`` for a whole search); ``workers`` and ``dask`` are then ignored.

    Raises
    ------
    ReplicationFailed
        When a replication raises (which one, its seed, and the error).
    """
    n = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    targets, start, cap = precision_plan(scenario, n, precision, max_replications)
    decide = None
    if targets:
        decide = precision_decider(
            targets,
            cap,
            lambda _, merged: kpi_parts(RunResult(scenario, merged[0], base_seed)).half_widths(),
        )
    collected: list[ReplicationOutput] = []

    def done(_: int, merged: list[Any]) -> None:
        collected.extend(merged[0])

    def tick(state: ExperimentProgress) -> None:
        if progress is not None:
            progress(state.replications_done, state.replications_planned)

    with backend_for(backend, workers, dask, tasks=start) as running:
        replicate(
            [[scenario]],
            [start],
            base_seed,
            running,
            done,
            keep_contacts=keep_contacts,
            decide=decide,
            progress=tick,
        )
    return RunResult(scenario=scenario, outputs=collected, seed=base_seed)
