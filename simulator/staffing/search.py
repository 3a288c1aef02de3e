"""The simulation search: the fewest scheduled agents per interval meeting every target.

Method (whole-day iteration with common random numbers):

1. Start from the Erlang answer per interval (:mod:`simulator.staffing.analytic_start`).
2. Simulate the whole day, ``replications`` times with one fixed base seed, so that
   every candidate staffing faces the same callers (common random numbers: the
   comparison between candidates is sharp and the search stable).
3. **Raise**: every interval whose targets fail on their confidence bound gets more
   agents (one, or more when it is far off) in the staffed group that serves the
   queue doing worst there (first priority, then cheapest, then fewest skills).
   Re-simulate; repeat until every interval passes. An interval after a peak fails
   when the peak's backlog carries over, and is raised: the search sees carry-over.
4. **Lower**: when all pass, remove one agent, in one batch, from every interval of
   one staffed group (round robin over groups) that is not locked; re-simulate. A
   failing interval has its own and its two predecessors' removals undone and locked
   (carry-over again); re-simulate to confirm. Repeat until no removal is left.
5. The answer is the last staffing whose simulation passed: the reported KPIs are
   that simulation's.

Every step adjusts the whole day's staffing vector from one simulation of the day, so
a 48-interval day needs tens of simulated days, not thousands. A cap (default ten
times the Erlang answer plus ten) turns an unreachable target into
:class:`StaffingInfeasible` rather than a silent best effort.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from simulator.experiment import RunResult, run
from simulator.scenario import Scenario, scenario_from_dict, scenario_to_dict
from simulator.staffing.analytic_start import analytic_staffing
from simulator.staffing.result import StaffingResult
from simulator.staffing.targets import MIN_CALLS, StaffingInfeasible, Targets, parse_targets

__all__ = ["staff", "with_staffing"]

MAX_SIMULATIONS = 200
"""Give up (``StaffingInfeasible``) after this many simulated candidate days."""
_LOOKBACK = 2
"""Intervals before a failing one whose removal is undone with it (carry-over)."""
_STEP_PER_SHORTFALL = 0.1
"""One extra agent per this much shortfall on the confidence bound (a share of target)."""
_MAX_STEP_SHARE = 0.25
"""At most this share of an interval's agents is added in one step."""


def with_staffing(scenario: Scenario, staffing: dict[str, np.ndarray]) -> Scenario:
    """``scenario`` with the named groups scheduled ``per_interval`` (other forms removed).

    Volumes read from CSV files are written in as ``profile_per_interval`` so the
    scenario can be saved anywhere.
    """
    data = scenario_to_dict(scenario)
    cal = scenario.calendar
    for ct_data, ct in zip(data["call_types"], scenario.call_types, strict=True):
        if "csv" in ct_data["volume"]:
            ct_data["volume"] = {
                "profile_per_interval": [float(v) for v in ct.volume.expected_per_interval(cal)]
            }
    for group in data["agent_groups"]:
        if group["name"] in staffing:
            for key in ("staffing", "shifts"):
                group.pop(key, None)
            group["per_interval"] = [int(v) for v in staffing[group["name"]]]
    return scenario_from_dict(data, source=f"{scenario.name} (staffed)")


def _queue_scores(result: RunResult, targets: Targets) -> np.ndarray:
    """Per (interval, queue): how badly the queue misses the targets (point estimates)."""
    sc = result.scenario
    index = {q: k for k, q in enumerate(sc.queue_names)}
    target_of = np.array([index[ct.target] for ct in sc.call_types])
    nq = len(sc.queues)

    def by_queue(name: str) -> np.ndarray:
        per_type = np.sum([o.tally.contacts[name] for o in result.outputs], axis=0)
        out = np.zeros((per_type.shape[0], nq))
        for t, q in enumerate(target_of):
            out[:, q] += per_type[:, t]
        return out

    offered = by_queue("offered")
    answered = by_queue("answered")
    score = np.zeros_like(offered)
    with np.errstate(invalid="ignore", divide="ignore"):
        if targets.service_level is not None:
            score += targets.service_level - by_queue("answered_within") / offered
        if targets.abandon_rate is not None:
            score += by_queue("abandoned") / offered - targets.abandon_rate
        if targets.asa_s is not None:
            score += (by_queue("wait_answered_s") / answered - targets.asa_s) / targets.asa_s
    score = np.nan_to_num(score, nan=-np.inf)
    if targets.max_occupancy is not None:  # occupancy: the busiest queue by offered calls
        score = np.where(np.isfinite(score), score, 0.0) + offered * 1e-9
    return score


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


class _Search:
    """State of one staffing search (the simulations it ran and its staffing vector)."""

    def __init__(
        self,
        scenario: Scenario,
        targets: Targets,
        staffed: list[str],
        replications: int,
        seed: int,
        workers: int | None,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.scenario = scenario
        self.targets = targets
        self.staffed = staffed
        self.replications = replications
        self.seed = seed
        self.workers = workers
        self.progress = progress
        self.simulations = 0
        self.counted = np.zeros(0, dtype=bool)

    def simulate(self, x: np.ndarray) -> tuple[RunResult, pd.DataFrame, np.ndarray]:
        """Run one candidate: result, per-interval shortfall (max over days), pass flags."""
        if self.simulations >= MAX_SIMULATIONS:
            raise StaffingInfeasible(
                f"no staffing found within {MAX_SIMULATIONS} simulated days; the targets "
                f"({self.targets.describe()}) are too close to what the scenario allows"
            )
        candidate = with_staffing(self.scenario, dict(zip(self.staffed, x, strict=True)))
        result = run(
            candidate,
            replications=self.replications,
            seed=self.seed,
            workers=self.workers,
            keep_contacts=False,
        )
        self.simulations += 1
        frame = result.intervals(wide=True)
        miss = self.targets.shortfall(frame)
        miss = miss[frame["counted"].to_numpy()]
        per_interval = miss.astype(float).groupby(frame.loc[miss.index, "interval"]).max()
        ipd = self.scenario.calendar.intervals_per_day
        per_interval = per_interval.reindex(range(ipd), fill_value=0.0)
        worst = per_interval.drop(columns="bound_on_mean").max(axis=1).to_numpy(dtype=float)
        if self.progress is not None:
            failing = int((worst > 0).sum())
            self.progress(
                f"simulation {self.simulations}: {int(x.sum())} agent-intervals, "
                f"{failing} interval(s) failing"
            )
        return result, per_interval, worst


def _raise(
    search: _Search,
    x: np.ndarray,
    result: RunResult,
    worst: np.ndarray,
    cap: np.ndarray,
    route: dict[int, int],
) -> np.ndarray:
    """Add agents to every failing interval; ``StaffingInfeasible`` beyond the cap."""
    scores = _queue_scores(result, search.targets)
    ipd = search.scenario.calendar.intervals_per_day
    x = x.copy()
    for i in np.flatnonzero(worst > 0):
        per_day = scores.reshape(-1, ipd, scores.shape[-1]).max(axis=0)[i]
        order = [q for q in np.argsort(-per_day) if int(q) in route]
        g = route[int(order[0])] if order else 0
        step = 1 + int(worst[i] / _STEP_PER_SHORTFALL)
        step = min(step, max(1, math.ceil(_MAX_STEP_SHARE * x[g, i])))
        if x[g, i] + step > cap[g, i]:
            if x[g, i] >= cap[g, i]:
                start = search.scenario.calendar.interval_labels()[i]
                raise StaffingInfeasible(
                    f"the targets ({search.targets.describe()}) are not met in the interval "
                    f"starting {start} even with {int(cap[g, i])} agents in group "
                    f"{search.staffed[g]} (the cap: ten times the Erlang answer plus ten)"
                )
            step = int(cap[g, i] - x[g, i])
        x[g, i] += step
    return x


def staff(
    scenario: Scenario,
    targets: Targets | dict[str, float] | list[str],
    *,
    groups: list[str] | None = None,
    max_occupancy: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    min_calls: float = MIN_CALLS,
    max_agents: int | None = None,
    analytic_only: bool = False,
    progress: Callable[[str], None] | None = None,
) -> StaffingResult:
    """Find, interval by interval, the fewest scheduled agents meeting every target.

    Parameters
    ----------
    scenario : the scenario to staff (its other groups keep their schedule).
    targets : ``Targets``, or ``{"service_level": 0.8, "asa_s": 30}``, or CLI strings.
    groups : names of the agent groups to staff (default: every group).
    max_occupancy : optional upper bound on each interval's occupancy.
    replications, seed : of every candidate simulation (default: the scenario's); the
        same for all candidates (common random numbers).
    workers : local processes per simulation (1: in this process).
    min_calls : intervals with fewer offered calls per replication are judged on the
        mean instead of the confidence bound.
    max_agents : cap per group and interval (default: ten times the Erlang answer + 10).
    analytic_only : return the Erlang answer without simulating.
    progress : optional callback receiving one line per simulation.

    Returns
    -------
    StaffingResult
        Required and Erlang staffing per group and interval, the achieved KPIs with
        95 % half-widths, the staffed scenario, wall time and number of simulations.

    Raises
    ------
    StaffingInfeasible
        For impossible targets, or when no staffing under the cap meets them.
    """
    started = time.perf_counter()
    if not isinstance(targets, Targets):
        targets = parse_targets(targets, max_occupancy=max_occupancy, min_calls=min_calls)
    analytic = analytic_staffing(scenario, targets, groups)
    staffed = analytic.groups
    reps = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    start = analytic.scheduled
    if analytic_only:
        staffed_scenario = with_staffing(scenario, dict(zip(staffed, start, strict=True)))
        return StaffingResult(
            scenario=staffed_scenario,
            targets=targets,
            groups=staffed,
            required=start.copy(),
            analytic=start.copy(),
            intervals=None,
            simulations=0,
            seconds=time.perf_counter() - started,
            replications=0,
            seed=base_seed,
            caveats=analytic.caveats,
            method="analytic",
        )
    if reps < 2:
        raise ValueError("the search needs at least 2 replications for confidence intervals")
    cap = (
        np.full(start.shape, max_agents, dtype=np.int64)
        if max_agents is not None
        else 10 * np.maximum(start, 1) + 10
    )
    too_many = np.argwhere(start > cap)
    if too_many.size:
        g, i = too_many[0]
        raise StaffingInfeasible(
            f"the Erlang answer alone needs {int(start[g, i])} agents in group {staffed[g]} "
            f"at {scenario.calendar.interval_labels()[i]}, above the cap of {int(cap[g, i])}"
        )
    search = _Search(scenario, targets, staffed, reps, base_seed, workers, progress)
    route = _group_for_queue(scenario, staffed)
    x = start.copy()
    locked = np.zeros(x.shape, dtype=bool)
    best: tuple[np.ndarray, RunResult, pd.DataFrame] | None = None
    turn = 0
    pending_lower: tuple[int, np.ndarray] | None = None
    while True:
        result, miss, worst = search.simulate(x)
        if search.simulations == 1:  # warm-up intervals carry no target: keep their Erlang figure
            frame = result.intervals(wide=True)
            counted = frame.groupby("interval")["counted"].any().to_numpy(dtype=bool)
            locked[:, ~counted] = True
        if (worst > 0).any():
            if pending_lower is not None:  # undo the removals that broke an interval
                g, lowered = pending_lower
                for i in np.flatnonzero(worst > 0):
                    for j in range(max(0, int(i) - _LOOKBACK), int(i) + 1):
                        if lowered[j]:
                            x[g, j] += 1
                            lowered[j] = False
                            locked[g, j] = True
                pending_lower = None
                if best is not None and np.array_equal(x, best[0]):
                    result, miss = best[1], best[2]
                    worst = np.zeros_like(worst)
                else:
                    continue
            else:
                raised = _raise(search, x, result, worst, cap, route)
                if best is not None:  # once lowering began, raised intervals stay raised
                    locked |= raised > x
                x = raised
                continue
        pending_lower = None
        best = (x.copy(), result, miss)
        candidates = [(g, (~locked[g]) & (x[g] > 0)) for g in range(len(staffed))]
        open_groups = [(g, m) for g, m in candidates if m.any()]
        if not open_groups:
            break
        g, lowered = open_groups[turn % len(open_groups)]
        turn += 1
        x = x.copy()
        x[g, lowered] -= 1
        pending_lower = (g, lowered.copy())
    final_x, final_result, final_miss = best
    return StaffingResult(
        scenario=with_staffing(scenario, dict(zip(staffed, final_x, strict=True))),
        targets=targets,
        groups=staffed,
        required=final_x,
        analytic=start,
        intervals=_achieved(final_result, final_miss),
        simulations=search.simulations,
        seconds=time.perf_counter() - started,
        replications=reps,
        seed=base_seed,
        caveats=analytic.caveats,
        method="simulation",
    )


def _achieved(result: RunResult, miss: pd.DataFrame) -> pd.DataFrame:
    """The achieved KPIs per interval of the accepted staffing (first day if several)."""
    frame = result.intervals(wide=True)
    keep = ["interval", "start", "counted", "offered"]
    for kpi in ("service_level", "abandon_rate", "asa_s", "occupancy"):
        keep += [kpi, f"{kpi}_hw"]
    out: Any = frame.loc[frame["day"] == 0, keep].reset_index(drop=True)
    out["bound_on_mean"] = miss["bound_on_mean"].to_numpy(dtype=bool)
    return out  # type: ignore[no-any-return]
