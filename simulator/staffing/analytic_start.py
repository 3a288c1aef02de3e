"""The Erlang answer per interval: the search's starting point and the ``--analytic`` mode.

For each queue and interval the offered load is taken as stationary (the
"stationary independent period-by-period" approximation, Green, Kolesar & Whitt
2007, "Coping with time-varying demand when setting staffing requirements for a
service system", *POMS* 16(1)): arrival rate λ = expected calls in the interval /
interval length on each calendar day (its weekday's or date's profile; the busiest
day decides, since the staffing holds every day), mean service = handle time × the
interval's multiplier + wrap-up, exponential patience with the patience
distribution's mean × the interval's multiplier (Erlang A, Garnett, Mandelbaum &
Reiman 2002); callers who never abandon give Erlang C; with busy days (a gamma day
factor) the targets hold on the call-weighted KPIs over days
(:mod:`simulator.staffing.loads`). Each queue's service level is taken at its own
threshold. The fewest *available* agents meeting every target come from
:mod:`simulator.analytic`; the *scheduled* figure divides by the share of scheduled
agents on the phones, ``(1 - shrinkage) (1 - absenteeism)``, interval by interval,
and rounds up.

Several groups or skills: each queue's requirement, less what groups that are not
being staffed already supply (their available agents spread evenly over their
first-priority queues), is split over the staffed groups that serve it at their
first priority, a group with k first-priority queues counting 1/k. This ignores the
pooling gain of cross-skilled agents and every journey feature the formula does not
know; :func:`formula_caveats` lists those so that the caller can warn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulator.analytic import (
    agents_for_abandon_rate,
    agents_for_asa,
    agents_for_service_level,
    erlang_a_metrics,
    erlang_c_metrics,
)
from simulator.scenario import AgentGroup, Calendar, Scenario
from simulator.staffing.loads import day_factor_nodes, queue_loads
from simulator.staffing.targets import StaffingInfeasible, Targets

__all__ = [
    "AnalyticStaffing",
    "agents_for",
    "analytic_staffing",
    "formula_caveats",
    "present_share",
]

_ROUND_SLACK = 1e-9
"""Tolerance when rounding scheduled agents up (so 10.0000000001 stays 10)."""


@dataclass
class AnalyticStaffing:
    """The Erlang figures of a day.

    Attributes
    ----------
    groups : names of the staffed groups.
    scheduled : scheduled agents, shape (groups, intervals) (int64).
    queue_agents : available agents each queue needs by formula, shape (queues, intervals).
    load : offered load in Erlangs per queue, shape (queues, intervals).
    caveats : features of the scenario the formula ignores.
    """

    groups: list[str]
    scheduled: np.ndarray
    queue_agents: np.ndarray
    load: np.ndarray
    caveats: list[str] = field(default_factory=list)


def agents_for(
    lam: float,
    es: float,
    patience: float | None,
    threshold_s: float,
    targets: dict[str, float],
    max_occupancy: float | None = None,
    day_cv: float = 0.0,
) -> int:
    """Fewest available agents meeting every target in one stationary interval (Erlang A,
    or Erlang C when ``patience`` is None or infinite).

    With ``day_cv > 0`` the arrival rate is ``λF`` for a gamma day factor ``F`` (mean 1)
    and the targets must hold for the call-weighted KPIs over days, ``E[F·KPI(λF)]``
    (:func:`simulator.staffing.loads.day_factor_nodes`); occupancy stays at the mean day.
    """
    if lam <= 0.0:
        return 0
    if patience is not None and not math.isfinite(patience):
        patience = None
    need = 0
    cph = lam * 3600.0  # the Erlang functions take calls per hour
    if (sl := targets.get("service_level")) is not None:
        need = max(
            need,
            agents_for_service_level(
                calls_per_hour=cph,
                aht_s=es,
                threshold_s=threshold_s,
                target=sl,
                patience_s=patience,
            ),
        )
    if (asa := targets.get("asa_s")) is not None:
        need = max(
            need,
            agents_for_asa(calls_per_hour=cph, aht_s=es, target_asa_s=asa, patience_s=patience),
        )
    if (ab := targets.get("abandon_rate")) is not None and patience is not None:
        need = max(
            need,
            agents_for_abandon_rate(calls_per_hour=cph, aht_s=es, patience_s=patience, target=ab),
        )
    if max_occupancy is not None:
        need = max(need, math.ceil(lam * es / max_occupancy - _ROUND_SLACK))
    if day_cv > 0.0:
        factors, weights = day_factor_nodes(day_cv)
        while not _meets_over_days(
            need, lam * factors, weights, es, patience, threshold_s, targets
        ):
            need += 1
    return need


def _kpis(
    servers: int, lam: float, es: float, patience: float | None, threshold_s: float
) -> tuple[float, float, float]:
    """(service level, abandonment rate, ASA) of one stationary interval by Erlang A/C;
    an Erlang C queue at or over capacity answers nobody in time.
    """
    if servers <= 0:
        return 0.0, 1.0 if patience is not None else 0.0, math.inf
    if patience is None:
        if lam * es >= servers:
            return 0.0, 0.0, math.inf
        c = erlang_c_metrics(
            servers, calls_per_hour=lam * 3600.0, aht_s=es, threshold_s=threshold_s
        )
        return c.service_level, 0.0, c.asa_s
    a = erlang_a_metrics(
        servers,
        calls_per_hour=lam * 3600.0,
        aht_s=es,
        patience_s=patience,
        threshold_s=threshold_s,
    )
    return a.service_level, a.p_abandon, a.asa_s


def _meets_over_days(
    servers: int,
    lams: np.ndarray,
    weights: np.ndarray,
    es: float,
    patience: float | None,
    threshold_s: float,
    targets: dict[str, float],
) -> bool:
    """Whether ``servers`` agents meet ``targets`` on call-weighted KPIs over day factors
    (arrival rates ``lams`` with probabilities ``weights``).
    """
    figures = np.array([_kpis(servers, float(x), es, patience, threshold_s) for x in lams])
    calls = weights * lams
    sl = float(calls @ figures[:, 0] / calls.sum())
    abandon = float(calls @ figures[:, 1] / calls.sum())
    answered = calls * (1.0 - figures[:, 1])
    with np.errstate(invalid="ignore"):
        asa = float(answered @ figures[:, 2] / answered.sum()) if answered.sum() > 0 else math.inf
    return (
        sl >= targets.get("service_level", -math.inf)
        and abandon <= targets.get("abandon_rate", math.inf)
        and asa <= targets.get("asa_s", math.inf)
    )


def present_share(group: AgentGroup, calendar: Calendar) -> np.ndarray:
    """Per interval, the expected share of a group's scheduled agents on the phones:
    ``(1 - shrinkage) (1 - absenteeism)`` (each scheduled agent is absent for the day
    with probability ``absenteeism``; shrinkage takes its share of those present).
    """
    return (1.0 - group.shrinkage_per_interval(calendar)) * (1.0 - group.absenteeism)


def formula_caveats(scenario: Scenario, staffed: list[str]) -> list[str]:
    """Features of ``scenario`` that the interval-by-interval Erlang formula ignores."""
    notes = []
    multi = len(scenario.agent_groups) > 1 or any(len(g.skills) > 1 for g in scenario.agent_groups)
    if multi or len(scenario.queues) > 1:
        notes.append(
            "multi-skill: queues' requirements are split over groups by first-priority "
            "skill, without pooling or overflow"
        )
    if scenario.routing.overflow:
        notes.append("overflow between queues is ignored")
    if scenario.transfers.matrix:
        notes.append("transfers (a second service per transferred call) are ignored")
    if scenario.callback is not None:
        notes.append("callbacks are ignored")
    if scenario.voicemail is not None:
        notes.append("voicemail is ignored")
    if scenario.ivr is not None:
        notes.append("the IVR (its abandonment and misroutes) is ignored")
    if scenario.callers.redial is not None and scenario.callers.redial.probability > 0:
        notes.append("redials of abandoned callers are ignored")
    if scenario.callers.recontact is not None:
        notes.append("recontacts are ignored")
    if scenario.lines is not None:
        notes.append("the trunk-line limit is ignored")
    cal = scenario.calendar
    profiles = [ct.volume.expected_per_interval(cal) for ct in scenario.call_types]
    if any(np.ptp(p) > 0 for p in profiles):
        notes.append(
            "time-varying load: each interval is treated as stationary, so the backlog "
            "carried over from a busier interval is ignored"
        )
    if any(ct.patience.dist not in ("exponential", "none") for ct in scenario.call_types):
        notes.append("non-exponential patience is approximated by an exponential of its mean")
    if any(g.handle_time_factor != 1.0 for g in scenario.agent_groups if g.name in staffed):
        notes.append("group handle-time factors are ignored")
    return notes


def analytic_staffing(
    scenario: Scenario,
    targets: Targets,
    groups: list[str] | None = None,
    arrival_rate: np.ndarray | None = None,
    queue_agents: np.ndarray | None = None,
) -> AnalyticStaffing:
    """Scheduled agents per staffed group and interval by the Erlang A/C formula.

    Parameters
    ----------
    scenario : the scenario; its volumes, handle times, patience and shrinkage are read.
    targets : the targets (each queue's service level at its own threshold,
        ``Scenario.queue_thresholds_s``).
    groups : names of the groups to staff (default: every group).
    arrival_rate : per (queue, interval), or per (calendar day, queue, interval), arrival
        rates (1/s) to use instead of the scenario's (lag-SIPP passes lagged rates).
    queue_agents : per (queue, interval) available agents each queue needs, when another
        method (ISA) has found them; the formula is then skipped.

    Raises
    ------
    StaffingInfeasible
        When a staffed group's name is unknown, or a queue has calls but no group serves it.
    """
    names = [g.name for g in scenario.agent_groups]
    staffed = list(names) if not groups else list(groups)
    unknown = [g for g in staffed if g not in names]
    if unknown:
        raise StaffingInfeasible(
            f"unknown agent group(s) {', '.join(unknown)}; the scenario has {', '.join(names)}"
        )
    cal = scenario.calendar
    ni = cal.intervals_per_day
    loads = queue_loads(scenario)
    rate = loads.rate if arrival_rate is None else np.asarray(arrival_rate)
    rate = np.broadcast_to(rate, (cal.days, *loads.service.shape)) if rate.ndim == 2 else rate
    thresholds = scenario.queue_thresholds_s
    nq = len(scenario.queues)
    need_q = queue_agents
    queue_agents = np.zeros((nq, ni), dtype=np.int64)
    memo: dict[tuple[float, ...], int] = {}
    for q in range(nq if need_q is None else 0):
        wanted = targets.for_queue(scenario.queue_names[q])
        for i in range(ni):
            # A per-interval staffing holds on every day: the busiest day decides.
            for lam in np.unique(rate[:, q, i]):
                inputs = (float(lam), float(loads.service[q, i]), float(loads.patience[q, i]))
                key = (*inputs, float(q))
                if key not in memo:
                    memo[key] = agents_for(
                        *inputs,
                        thresholds[q],
                        wanted,
                        targets.max_occupancy,
                        float(loads.day_cv[q]),
                    )
                queue_agents[q, i] = max(queue_agents[q, i], memo[key])
    if need_q is not None:
        queue_agents = np.asarray(need_q, dtype=np.int64)
    load = rate.mean(axis=0) * loads.service

    index = {q: k for k, q in enumerate(scenario.queue_names)}
    fixed_supply = np.zeros((nq, ni))
    weights = np.zeros((len(staffed), nq))
    for group in scenario.agent_groups:
        top = min(group.skills.values())
        first = [index[q] for q, p in group.skills.items() if p == top]
        if group.name in staffed:
            for q in first:
                weights[staffed.index(group.name), q] = 1.0 / len(first)
        else:
            available = group.scheduled_per_interval(cal) * present_share(group, cal)
            for q in first:
                fixed_supply[q] += available / len(first)
    # Queues no staffed group serves first: fall back to staffed groups with the skill.
    for q, queue in enumerate(scenario.queue_names):
        if weights[:, q].sum() == 0:
            for g, name in enumerate(staffed):
                if queue in scenario.agent_groups[names.index(name)].skills:
                    weights[g, q] = 1.0
    need = np.maximum(queue_agents - fixed_supply, 0.0)
    unserved = [
        scenario.queue_names[q]
        for q in range(nq)
        if weights[:, q].sum() == 0 and fixed_supply[q].sum() == 0 and rate[q].sum() > 0
    ]
    if unserved:
        raise StaffingInfeasible(f"no agent group serves queue(s) {', '.join(unserved)}")
    share = np.divide(
        weights,
        weights.sum(axis=0, keepdims=True),
        out=np.zeros_like(weights),
        where=weights.sum(axis=0, keepdims=True) > 0,
    )
    available = share @ need
    scheduled = np.zeros((len(staffed), ni), dtype=np.int64)
    for g, name in enumerate(staffed):
        share = present_share(scenario.agent_groups[names.index(name)], cal)
        scheduled[g] = np.ceil(available[g] / share - _ROUND_SLACK).astype(np.int64)
    return AnalyticStaffing(
        staffed, scheduled, queue_agents, load, formula_caveats(scenario, staffed)
    )
