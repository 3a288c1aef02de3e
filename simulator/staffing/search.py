"""The simulation search: per interval and group, the fewest scheduled agents whose
*expected* KPIs meet every queue's targets.

Method (rounds of paired whole-day simulations with common random numbers):

1. Start from lagged SIPP, the Erlang A/C answer per interval with the arrival rate
   lagged by the mean service time (:mod:`simulator.staffing.methods`).
2. Each round simulates two days with the same callers (common random numbers):
   the current staffing ``x``, and ``x`` with one agent fewer in every interval still
   open to lowering. From each (interval, queue) cell's estimate and standard error
   (:mod:`simulator.staffing.judge`) every (group, interval) gets a decision:
   *raise* where a queue the group answers for misses its target at ``x``; *lower*
   where every queue the group serves still meets its targets with one agent fewer;
   otherwise ``x`` is the fewest — ``c`` meets, ``c - 1`` does not. Each decision's
   confidence is ``Φ(|z|)`` of the margins it rests on (for a kept ``c``: the smaller
   of the confidence that ``c`` meets and that ``c - 1`` misses).
3. The first rounds use the starting replications and move an interval only on clear
   evidence (one standard error); when they move (almost) nothing, close decisions
   get more paired replications — doubling while a decision is less sure than
   ``confidence``, up to ``max_replications`` — for one more round, whose moves are
   taken. At the cap, decisions follow the estimates and keep their stated confidence.
4. Apply the moves and start another round. An interval raised again after being
   lowered is locked, and never goes back below a staffing seen to miss. Backlog
   carried from a peak shows up in the next interval's cells, so the search staffs
   after peaks where SIPP does not. Replications are kept per staffing: replication
   ``r`` uses the same streams whatever the staffing, so a staffing met again (this
   round's is often last round's "one fewer") costs nothing new.

5. Check the answer on fresh callers (a seed the search never used): where a queue
   clearly misses there, add an agent and check again. The search keeps the fewest
   agents whose estimate clears the target *on its own callers*, so those estimates
   are biased upwards (the optimiser's curse: on the flagship's morning 88 % of the
   general queue's cells met 80 % on the search's callers, 62 % on fresh ones). The
   result reports the check's estimates and, per cell, the confidence that its
   expected KPIs meet the targets: what a re-simulation on other callers will show.

Because the decision is on the expected value, more replications converge to the
exact requirement (on a stationary Erlang A day: the Erlang A figure), instead of
drifting above it by the width of a confidence interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.experiment import RunResult
from simulator.experiment.backends import Backend, TaskFailure, backend_for
from simulator.experiment.runner import ReplicationFailed
from simulator.model.replication import ReplicationOutput, simulate_replication
from simulator.scenario import Scenario
from simulator.staffing.analytic_start import AnalyticStaffing, analytic_staffing
from simulator.staffing.cells import cell_estimates, counted_intervals
from simulator.staffing.judge import Verdict, verdict_of
from simulator.staffing.methods import staffing_by_method
from simulator.staffing.result import StaffingResult
from simulator.staffing.scenario_edit import (
    scenario_queue_targets,
    scenario_queue_thresholds,
    with_staffing,
    with_thresholds,
)
from simulator.staffing.targets import StaffingInfeasible, Targets, parse_targets

__all__ = ["DEFAULT_CONFIDENCE", "staff"]

DEFAULT_CONFIDENCE = 0.95
"""Decisions less sure than this get more replications (up to the cap)."""
MAX_ROUNDS = 30
"""Give up (``StaffingInfeasible``) when the search has not settled after this many rounds."""
FINE_ROUNDS = 1
"""Rounds with more replications after the coarse rounds have settled; the last one's
moves are taken without another round (the check on fresh callers follows)."""
COARSE_CLEAR_Z = 1.0
"""Coarse rounds move an interval only on evidence at least this many standard errors
clear; closer calls wait for the rounds with more replications."""
COARSE_FEW = 0.1
"""The coarse rounds end when they move at most this share of the (group, interval)s."""
DEFAULT_REPLICATIONS = 10
"""Paired replications each round starts with, unless given."""
DEFAULT_MAX_FACTOR = 3
"""Unless given, close decisions get up to this many times the starting replications."""
CHECK_SEED_OFFSET = 2_000_029
"""The check on fresh callers uses the search's seed plus this (callers it never saw)."""
CHECK_ROUNDS = 2
"""At most this many times the check adds agents where a queue clearly misses."""
_STEP_PER_SHORTFALL = 0.1
"""One extra agent per this much shortfall (a share of the target) when raising."""
_STEP_PER_SLACK = 0.05
"""One more agent removed per this much slack left with one fewer (a floor after a miss
and the lock after a raise undo an overshoot)."""
_MAX_STEP_SHARE = 0.25
"""At most this share of an interval's agents is added in one step."""


def _group_for_queue(scenario: Scenario, staffed: list[str]) -> dict[int, int]:
    """Queue index -> the staffed group that gets an agent when that queue falls short."""
    groups = {g.name: g for g in scenario.agent_groups}
    choice = {}
    for q, queue in enumerate(scenario.queue_names):
        able = [g for g in staffed if queue in groups[g].skills]
        if able:
            best = min(
                able,
                key=lambda g: (
                    groups[g].skills[queue],
                    scenario.costs.hourly(groups[g].role),
                    len(groups[g].skills),
                ),
            )
            choice[q] = staffed.index(best)
    return choice


def _lowering_checks(scenario: Scenario, staffed: list[str]) -> list[list[int]]:
    """Per staffed group, the queues that must still meet their targets when it loses an
    agent: every queue it serves (a group with a lower-priority skill still helps there).
    """
    groups = {g.name: g for g in scenario.agent_groups}
    index = {q: k for k, q in enumerate(scenario.queue_names)}
    return [sorted(index[q] for q in groups[name].skills) for name in staffed]


@dataclass
class _Decision:
    """What one round of paired simulations says about every (group, interval)."""

    raise_by: np.ndarray
    lower_by: np.ndarray
    confidence: np.ndarray
    sure_less: np.ndarray
    """Confidence that one agent fewer misses (carried where it was not tested)."""
    sure_now: np.ndarray
    """Confidence in the verdict on the current staffing alone."""

    @property
    def moves(self) -> bool:
        return bool(self.raise_by.any() or self.lower_by.any())


def _step(
    shortfall: np.ndarray, agents: np.ndarray, per: float = _STEP_PER_SHORTFALL
) -> np.ndarray:
    """Agents to add (or remove) for a relative shortfall (or slack): one, plus one per
    ``per``, at most ``_MAX_STEP_SHARE`` of the interval's agents.
    """
    extra = np.floor(np.nan_to_num(shortfall, posinf=0.0) / per)
    cap = np.maximum(1, np.ceil(_MAX_STEP_SHARE * agents))
    return np.asarray(np.minimum(1 + np.maximum(extra, 0), cap), dtype=np.int64)


def _chunk(
    scenario: Scenario, seed: int, first: int, stop: int
) -> list[ReplicationOutput] | TaskFailure:
    """Replications ``first .. stop - 1`` without contact logs, or the failure that stopped
    them (a task for any backend).
    """
    outputs = []
    for r in range(first, stop):
        try:
            outputs.append(simulate_replication(scenario, r, keep_contacts=False, seed=seed))
        except Exception as error:
            return TaskFailure.from_exception(error, replication=r)
    return outputs


class _Search:
    """One staffing search: the scenario, who is staffed, its simulations and decisions.

    Simulated replications are kept per staffing (the last two rounds' staffings), so a
    staffing met again — this round's staffing is often last round's "one fewer" — and
    a round that asks for more replications only simulate what is missing. Replication
    ``r`` of every staffing uses the same streams: common random numbers.
    """

    def __init__(
        self,
        scenario: Scenario,
        targets: Targets,
        staffed: list[str],
        confidence: float,
        seed: int,
        backend: Backend,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.scenario = scenario
        self.targets = targets
        self.staffed = staffed
        self.level = confidence
        self.seed = seed
        self.backend = backend
        self.progress = progress
        self.route = _group_for_queue(scenario, staffed)
        self.checks = _lowering_checks(scenario, staffed)
        group_index = [g.name for g in scenario.agent_groups]
        self.group_cols = [group_index.index(name) for name in staffed]
        self.counted = counted_intervals(scenario)
        self.kpis = RunResult(scenario=scenario, outputs=[], seed=0).kpis
        self.simulated_days = 0
        self.prior_miss = np.ones((len(staffed), scenario.calendar.intervals_per_day))
        """Confidence that one agent fewer misses, carried for intervals not re-tested."""
        self.cache: dict[bytes, list[ReplicationOutput]] = {}
        self.recent: list[set[bytes]] = [set()]

    def outputs(self, x: np.ndarray, n: int, seed: int | None = None) -> list[ReplicationOutput]:
        """Replications ``0 .. n - 1`` of the scenario staffed with ``x`` (with the search's
        seed, or ``seed``).
        """
        seed = self.seed if seed is None else seed
        key = np.ascontiguousarray(x, dtype=np.int64).tobytes() + seed.to_bytes(8, "little")
        self.recent[-1].add(key)
        have = self.cache.setdefault(key, [])
        if len(have) < n:
            scenario = with_staffing(self.scenario, dict(zip(self.staffed, x, strict=True)))
            first, workers = len(have), max(1, self.backend.workers)
            size = max(1, -(-(n - first) // workers))
            for lo in range(first, n, size):
                self.backend.submit(lo, _chunk, scenario, seed, lo, min(lo + size, n))
            pieces: dict[int, list[ReplicationOutput]] = {}
            while self.backend.pending:
                task, result = self.backend.next_done()
                begin = int(str(task))
                if isinstance(result, TaskFailure):
                    rep = result.replication if result.replication is not None else begin
                    raise ReplicationFailed(rep, seed, result, scenario.name)
                pieces[begin] = result
            for lo in sorted(pieces):
                have.extend(pieces[lo])
            self.simulated_days += n - first
        return have[:n]

    def next_round(self) -> None:
        """Forget the staffings of rounds before the last (bounded memory)."""
        self.recent = [*self.recent[-1:], set()]
        keep = set().union(*self.recent)
        self.cache = {k: v for k, v in self.cache.items() if k in keep}

    def verdict(self, outputs: list[ReplicationOutput]) -> Verdict:
        """Standardised margins of every cell from ``outputs``."""
        return verdict_of(outputs, self.scenario, self.kpis, self.targets)

    def decide(
        self,
        x: np.ndarray,
        tested: np.ndarray,
        at_x: Verdict,
        at_less: Verdict,
        clear_z: float = 0.0,
    ) -> _Decision:
        """Raise where a queue misses at ``x``; lower where every queue the group serves
        still meets with one agent fewer (by more when the margin is wide); keep the
        rest, each with its confidence. Moves need ``|z| >= clear_z`` (coarse rounds
        act only on clear evidence and leave close calls to the rounds with more
        replications).
        """
        n_groups, ipd = x.shape
        raise_by = np.zeros(x.shape, dtype=np.int64)
        lower_by = np.zeros(x.shape, dtype=np.int64)
        conf = np.ones(x.shape)
        less_conf = np.ones(x.shape)
        now_conf = np.ones(x.shape)
        for g in range(n_groups):
            own = [q for q, r in self.route.items() if r == g]
            col = self.group_cols[g]
            z_now = np.minimum(
                at_x.queue_z[:, own].min(axis=1) if own else np.inf, at_x.group_z[:, col]
            )
            gap = at_x.queue_gap[:, own].max(axis=1) if own else np.zeros(ipd)
            z_less = np.minimum(
                at_less.queue_z[:, self.checks[g]].min(axis=1), at_less.group_z[:, col]
            )
            slack = at_less.queue_slack[:, self.checks[g]].min(axis=1)
            short = (z_now < -clear_z) & self.counted
            raise_by[g] = np.where(short, _step(gap, x[g]), 0)
            lower = (z_now >= 0) & tested[g] & (z_less >= clear_z)
            # One fewer meets: remove it, and more where the margin is wide (never below 0).
            lower_by[g] = np.where(lower, np.minimum(_step(slack, x[g], _STEP_PER_SLACK), x[g]), 0)
            sure_now = stats.norm.cdf(np.abs(z_now))
            sure_less = np.where(tested[g], stats.norm.cdf(np.abs(z_less)), self.prior_miss[g])
            conf[g] = np.where(z_now < 0, sure_now, np.minimum(sure_now, sure_less))
            conf[g, ~self.counted] = 1.0
            less_conf[g] = sure_less
            now_conf[g] = np.where(self.counted, sure_now, 1.0)
        return _Decision(raise_by, lower_by, conf, less_conf, now_conf)

    def pair(
        self,
        x: np.ndarray,
        tested: np.ndarray,
        active: np.ndarray,
        replications: int,
        max_replications: int,
        clear_z: float = 0.0,
    ) -> tuple[list[ReplicationOutput], _Decision, Verdict]:
        """Judge ``x`` and ``x`` less the ``tested`` agents on the same callers, doubling
        the replications while an ``active`` decision is less sure than the confidence
        level (up to ``max_replications``; decisions settled earlier do not ask for more).
        """
        n = replications
        while True:
            now = self.outputs(x, n)
            at_x = self.verdict(now)
            at_less = self.verdict(self.outputs(x - tested, n)) if tested.any() else at_x
            decision = self.decide(x, tested, at_x, at_less, clear_z)
            # More replications of this round sharpen only what it simulates.
            sharpened = np.where(tested, decision.confidence, decision.sure_now)
            if not (sharpened[active] < self.level).any() or n >= max_replications:
                break
            n = min(2 * n, max_replications)
        if self.progress is not None:
            self.progress(
                f"round: {int(x.sum())} agent-intervals, {n} paired replications, "
                f"{int((decision.raise_by > 0).sum())} to raise, "
                f"{int((decision.lower_by > 0).sum())} to lower"
            )
        self.next_round()
        return now, decision, at_x

    def own_z(self, verdict: Verdict) -> np.ndarray:
        """Per (group, interval): the smallest margin of the queues the group answers for
        and of its occupancy.
        """
        out = np.empty((len(self.staffed), len(verdict.queue_z)))
        for g in range(len(self.staffed)):
            own = [q for q, r in self.route.items() if r == g]
            z = verdict.group_z[:, self.group_cols[g]]
            out[g] = np.minimum(z, verdict.queue_z[:, own].min(axis=1)) if own else z
        return out

    def check(
        self, x: np.ndarray, replications: int, cap: np.ndarray
    ) -> tuple[np.ndarray, list[ReplicationOutput], Verdict, np.ndarray]:
        """Simulate ``x`` on fresh callers (a seed the search never used) and add an agent
        where a queue *clearly* misses there (its margin more than ``Φ⁻¹(confidence)``
        standard errors below the target), up to ``CHECK_ROUNDS`` times.

        The search keeps the fewest agents whose estimate clears the target on its own
        callers, so its estimates of what it kept are biased upwards (the optimiser's
        curse: an interval whose callers happened to be easy is kept one agent short).
        Estimates from callers no decision has seen are unbiased; they are what the
        result reports, with each cell's confidence that its target holds. Returns the
        staffing, the check's replications, their verdict and where agents were added.
        """
        seed = self.seed + CHECK_SEED_OFFSET
        clear = float(stats.norm.ppf(self.level))
        added = np.zeros(x.shape, dtype=bool)
        for attempt in range(CHECK_ROUNDS + 1):
            outputs = self.outputs(x, replications, seed)
            verdict = self.verdict(outputs)
            raise_by = np.zeros(x.shape, dtype=np.int64)
            z = self.own_z(verdict)
            for g in range(x.shape[0]):
                own = [q for q, r in self.route.items() if r == g]
                gap = verdict.queue_gap[:, own].max(axis=1) if own else np.zeros(x.shape[1])
                raise_by[g] = np.where((z[g] < -clear) & self.counted, _step(gap, x[g]), 0)
            if self.progress is not None:
                self.progress(
                    f"check on fresh callers: {replications} replications, "
                    f"{int((raise_by > 0).sum())} intervals clearly short"
                )
            if not raise_by.any() or attempt == CHECK_ROUNDS:
                break
            raise_by = np.minimum(x + raise_by, cap) - x
            if not raise_by.any():
                break
            added |= raise_by > 0
            x = x + raise_by
        return x, outputs, verdict, added


def staff(
    scenario: Scenario,
    targets: Targets | dict[str, float] | list[str],
    *,
    groups: list[str] | None = None,
    max_occupancy: float | None = None,
    replications: int | None = None,
    max_replications: int | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int | None = None,
    workers: int | None = 1,
    max_agents: int | None = None,
    method: str = "sim",
    progress: Callable[[str], None] | None = None,
) -> StaffingResult:
    """Find, per interval and group, the fewest scheduled agents whose expected KPIs meet
    every queue's targets.

    Parameters
    ----------
    scenario : the scenario to staff (its other groups keep their schedule).
    targets : ``Targets``, or ``{"service_level": 0.8}``, or CLI strings (per queue:
        ``"service_level[queue=fraud]=0.9"``); queues' own targets in the scenario apply
        under these.
    groups : names of the agent groups to staff (default: every group).
    max_occupancy : optional ceiling on each staffed group's occupancy per interval.
    replications : paired replications each round starts with (default 10).
    max_replications : at most this many where a decision is close (default 3 x start).
    confidence : a decision less sure than this gets more replications (until the cap).
    seed : base seed of every simulation (default: the scenario's): every candidate
        faces the same callers (common random numbers).
    workers : local processes (1: in this process).
    max_agents : cap per group and interval (default: ten times the start plus ten).
    method : ``sim`` (this search, started from lag-SIPP), or an analytic method
        ``sipp``, ``lag-sipp`` or ``isa`` (see :mod:`simulator.staffing.methods`).
    progress : optional callback receiving one line per round.

    Returns
    -------
    StaffingResult
        Required and Erlang staffing per group and interval, each decision's confidence,
        each queue's achieved KPIs on fresh callers with the confidence that they meet
        their targets (``meets``), the staffed scenario (with the thresholds staffed
        for), wall time and simulated days.

    Raises
    ------
    StaffingInfeasible
        For impossible targets, or when no staffing under the cap meets them.
    """
    started = time.perf_counter()
    if not isinstance(targets, Targets):
        targets = parse_targets(targets, max_occupancy=max_occupancy)
    targets = targets.with_queue_defaults(
        scenario_queue_targets(scenario), scenario_queue_thresholds(scenario)
    )
    unknown = targets.unknown_queues(scenario.queue_names)
    if unknown:
        raise StaffingInfeasible(
            f"target for unknown queue(s) {', '.join(unknown)}; the scenario has "
            f"{', '.join(scenario.queue_names)}"
        )
    email = [queue.name for queue in scenario.queues if queue.channel == "email"]
    if email:
        raise StaffingInfeasible(
            f"{', '.join(email)}: e-mail queues are not staffed by this search (it meets "
            "targets of calls and chats interval by interval; e-mail is a backlog judged in "
            "working hours): compare staffings with `ccsim sweep` on email_service_level"
        )
    scenario = with_thresholds(scenario, targets)
    if not 0.5 <= confidence < 1.0:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence:g}")
    reps = DEFAULT_REPLICATIONS if replications is None else replications
    cap_reps = DEFAULT_MAX_FACTOR * reps if max_replications is None else max_replications
    base_seed = scenario.seed if seed is None else seed
    erlang = analytic_staffing(scenario, targets, groups)
    staffed = erlang.groups
    if method != "sim":
        start = staffing_by_method(method, scenario, targets, staffed, seed=base_seed)
        return _result(
            scenario, targets, staffed, start, erlang, None, None, 0, started, 0, base_seed, method
        )
    if reps < 2:
        raise ValueError("the search needs at least 2 replications for standard errors")
    if cap_reps < reps:
        raise ValueError(f"max_replications ({cap_reps}) is below replications ({reps})")
    start = staffing_by_method("lag-sipp", scenario, targets, staffed)
    cap = (
        np.full(start.shape, max_agents, dtype=np.int64)
        if max_agents is not None
        else 10 * np.maximum(start, 1) + 10
    )
    start = np.minimum(start, cap)
    x = start.copy()
    locked = np.broadcast_to(~counted_intervals(scenario), x.shape).copy()
    lowered_before = np.zeros(x.shape, dtype=bool)
    counted = ~locked
    settled = np.zeros(x.shape, dtype=bool)
    just_raised = np.zeros(x.shape, dtype=bool)
    fine_rounds = 0
    floor = np.zeros(x.shape, dtype=np.int64)
    last_moves = np.zeros(x.shape, dtype=bool)
    with backend_for(None, workers, None, tasks=workers or 1) as backend:
        search = _Search(scenario, targets, staffed, confidence, base_seed, backend, progress)
        for _ in range(MAX_ROUNDS):
            # Not tested again: an interval raised by one last round (it was seen to miss
            # with one agent fewer on these same callers), and an interval whose decision
            # was kept while nothing before it moved.
            tested = (x > 0) & ~locked & ~just_raised & ~settled
            outputs, decision, verdict = search.pair(
                x,
                tested,
                counted & ~settled,
                reps,
                cap_reps if fine_rounds else reps,
                0.0 if fine_rounds or cap_reps == reps else COARSE_CLEAR_Z,
            )
            search.prior_miss = decision.sure_less
            if not decision.moves and (fine_rounds or cap_reps == reps):
                break
            if not decision.moves:
                # Coarse rounds (the first replications only) have converged: settle the
                # close decisions with more replications where they need them.
                fine_rounds = 1
                settled = np.zeros(x.shape, dtype=bool)
                just_raised = np.zeros(x.shape, dtype=bool)
                continue
            _check_cap(x, decision.raise_by, cap, targets, scenario, staffed)
            if fine_rounds >= FINE_ROUNDS:
                # The last round allowed: take its moves and stop. They rest on the most
                # replications the search runs; the check on fresh callers that follows
                # adds an agent wherever one of them left a queue clearly short.
                last_moves = (decision.raise_by > 0) | (decision.lower_by > 0)
                floor = np.where(decision.raise_by > 0, x + 1, floor)
                x = np.minimum(x + decision.raise_by, cap)
                x = np.maximum(x - decision.lower_by, np.minimum(floor, x))
                break
            fine_rounds += 1 if fine_rounds else 0
            just_raised = decision.raise_by == 1
            search.prior_miss = np.where(just_raised, decision.confidence, search.prior_miss)
            changed = (decision.raise_by > 0) | (decision.lower_by > 0)
            moved = np.asarray(changed.any(axis=0), dtype=bool)
            near = moved.copy()  # a change carries over into the next interval only
            near[1:] |= moved[:-1]
            settled = ~changed & ~near[None, :]
            locked |= (decision.raise_by > 0) & lowered_before
            lowered_before |= decision.lower_by > 0
            # Where a queue missed, that many agents are too few: never go back below.
            floor = np.where(decision.raise_by > 0, x + 1, floor)
            x = np.minimum(x + decision.raise_by, cap)
            x = np.maximum(x - decision.lower_by, np.minimum(floor, x))
            coarse = not fine_rounds and cap_reps != reps
            if coarse and changed.sum() <= COARSE_FEW * counted.sum():
                # The coarse rounds have all but converged: another one would simulate
                # a whole day twice for a move or two that the finer rounds re-test.
                fine_rounds = 1
                settled[:] = False
                just_raised[:] = False
        else:
            raise StaffingInfeasible(
                f"the search did not settle within {MAX_ROUNDS} rounds; the targets "
                f"({targets.describe()}) are too close to what the scenario allows"
            )
        x, outputs, verdict, added = search.check(x, min(len(outputs), 2 * reps), cap)
        # Where the check added an agent, one fewer missed clearly on fresh callers: the
        # decision is as sure as that, and as the check's estimate that this many meet.
        meets_now = np.where(search.counted, stats.norm.cdf(search.own_z(verdict)), 1.0)
        decided = np.where(added, np.minimum(meets_now, confidence), decision.confidence)
        # A move of the last round: as sure as the evidence for it (one agent fewer missed,
        # or met) and as the check's estimate that the new staffing meets.
        evidence = np.where(decision.raise_by > 0, decision.sure_now, decision.sure_less)
        moved_only = last_moves & ~added
        decided = np.where(moved_only, np.minimum(evidence, meets_now), decided)
    return _result(
        scenario,
        targets,
        staffed,
        x,
        erlang,
        decided,
        (outputs, verdict),
        search.simulated_days,
        started,
        len(outputs),
        base_seed,
        "sim",
    )


def _check_cap(
    x: np.ndarray,
    raise_by: np.ndarray,
    cap: np.ndarray,
    targets: Targets,
    scenario: Scenario,
    staffed: list[str],
) -> None:
    """``StaffingInfeasible`` when an interval at its cap still misses."""
    over = (x >= cap) & (raise_by > 0)
    if over.any():
        g, i = np.argwhere(over)[0]
        raise StaffingInfeasible(
            f"the targets ({targets.describe()}) are not met in the interval starting "
            f"{scenario.calendar.interval_labels()[i]} even with {int(cap[g, i])} agents in "
            f"group {staffed[g]} (the cap)"
        )


def _result(
    scenario: Scenario,
    targets: Targets,
    staffed: list[str],
    x: np.ndarray,
    erlang: AnalyticStaffing,
    confidence: np.ndarray | None,
    simulated: tuple[list[ReplicationOutput], Verdict] | None,
    simulated_days: int,
    started: float,
    replications: int,
    seed: int,
    method: str,
) -> StaffingResult:
    """The answer, with each queue's achieved KPIs when it was simulated."""
    staffed_scenario = with_staffing(scenario, dict(zip(staffed, x, strict=True)))
    intervals = cells = meets = None
    check_seed = seed + CHECK_SEED_OFFSET
    if simulated is not None:
        outputs, verdict = simulated
        intervals = RunResult(staffed_scenario, outputs, check_seed).intervals(wide=True)
        kpis = RunResult(staffed_scenario, [], check_seed).kpis
        cells = cell_estimates(outputs, staffed_scenario, kpis)
        # Cells of queues a staffed group serves: the ones the search answers for.
        served = np.array(
            [
                any(q in g.skills for g in scenario.agent_groups if g.name in staffed)
                for q in scenario.queue_names
            ]
        )
        judged = (
            counted_intervals(scenario)[:, None]
            & (cells["service_level"].offered > 0)
            & served[None, :]
        )
        meets = np.where(judged, stats.norm.cdf(verdict.queue_z), np.nan)
    return StaffingResult(
        scenario=staffed_scenario,
        targets=targets,
        groups=staffed,
        required=np.asarray(x, dtype=np.int64),
        analytic=erlang.scheduled,
        intervals=intervals,
        cells=cells,
        confidence=confidence,
        simulations=simulated_days,
        seconds=time.perf_counter() - started,
        replications=replications,
        seed=seed,
        caveats=erlang.caveats,
        method=method,
        meets=meets,
        check_seed=check_seed if simulated is not None else None,
    )
