"""Scenarios derived from the one being staffed: a staffing written in, queue targets read."""

from __future__ import annotations

import numpy as np

from simulator.scenario import Scenario, scenario_from_dict, scenario_to_dict
from simulator.staffing.targets import Targets

__all__ = [
    "scenario_queue_targets",
    "scenario_queue_thresholds",
    "with_staffing",
    "with_thresholds",
]

_NOT_A_TARGET = ("threshold_s",)
"""Keys of a queue's ``target`` that qualify a target rather than set one."""


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


def scenario_queue_thresholds(scenario: Scenario) -> dict[str, float]:
    """The service-level thresholds queues carry in the scenario file, ``{queue: seconds}``."""
    return {
        q.name: q.target.threshold_s
        for q in scenario.queues
        if q.target is not None and q.target.threshold_s is not None
    }


def with_thresholds(scenario: Scenario, targets: Targets) -> Scenario:
    """``scenario`` with the service-level thresholds ``targets`` name written into its
    queues (``queues[].target.threshold_s``), so that its simulations, and the staffed
    scenario a search writes, count each queue's service level at the threshold it is
    staffed for. Unchanged when the targets name no threshold.
    """
    own = [q.target.threshold_s if q.target is not None else None for q in scenario.queues]
    wanted = targets.thresholds_for(scenario.queue_names, own)
    if wanted == own:
        return scenario
    data = scenario_to_dict(scenario)
    for queue, seconds in zip(data["queues"], wanted, strict=True):
        if seconds is not None:
            queue["target"] = {**(queue.get("target") or {}), "threshold_s": float(seconds)}
    return scenario_from_dict(data, source=scenario.name)


def scenario_queue_targets(scenario: Scenario) -> dict[str, dict[str, float]]:
    """The staffing targets queues carry in the scenario file, ``{queue: {kpi: value}}``."""
    out: dict[str, dict[str, float]] = {}
    for queue in scenario.queues:
        if queue.target is not None:
            values = queue.target.model_dump(exclude_none=True, exclude=set(_NOT_A_TARGET))
            if values:
                out[queue.name] = {k: float(v) for k, v in values.items()}
    return out
