"""A whole ``ccsim staff`` job: search, methods compared, roster, daily risk, and files.

:class:`StaffingRun` holds the options shared by every step; the CLI calls its
methods in turn and writes what they return. Files written to the output folder:

* ``staffing.csv`` — per interval: Erlang (SIPP), required and current agents per
  group, each decision's confidence, each queue's achieved KPIs with half-widths;
* ``staffing.json`` — what the report needs to read the folder (groups, targets,
  method, replications, seed, scenario name);
* ``staffing.png`` and ``<stem>-staffed.yaml`` (the requirement as ``per_interval``);
* with shift rules: ``shifts.csv`` (the chosen shifts), ``roster.csv`` (requirement,
  roster coverage and each queue's re-simulated KPI per interval) and
  ``<stem>-roster.yaml``, the roster as a runnable scenario (shifts with breaks);
* with ``--compare-methods``: ``methods.csv`` and ``methods_cells.csv``;
* with a day factor: ``days.csv`` (each simulated day) and ``days_summary.csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulator.outputfiles import (
    FileContent,
    json_text,
    write_file_set,
)
from simulator.scenario import Scenario, scenario_from_dict, scenario_to_dict
from simulator.staffing.compare import (
    CLEAR_MISS_Z,
    EVALUATION_SEED_OFFSET,
    MethodComparison,
    compare_methods,
    evaluate_staffing,
)
from simulator.staffing.judge import Verdict
from simulator.staffing.result import StaffingResult
from simulator.staffing.risk import DailyFigures, daily_figures, quantile_day_scenario
from simulator.staffing.shifts import ShiftPlan, ShiftRules, solve_shifts
from simulator.staffing.targets import Targets

__all__ = ["Roster", "StaffingRun", "shifts_support_breaks"]

ROSTER_REPAIR_ROUNDS = 5
"""Times the roster is re-solved with one more agent where its re-simulation clearly missed."""
FOLDER_KIND = "staffing"
"""``kind`` in ``staffing.json``: how the report recognises a staffing folder."""


def shifts_support_breaks() -> bool:
    """Whether scenario shifts accept ``breaks`` (the engine then takes agents off the phones)."""
    from simulator.scenario.models import Shift

    return "breaks" in Shift.model_fields


def _roster_scenario(
    scenario: Scenario, plans: list[ShiftPlan], seed: int, replications: int
) -> Scenario:
    """``scenario`` with each planned group working its roster: shifts with breaks when the
    scenario format has them, else the agents on the phones per interval (the same figures).
    """
    data = scenario_to_dict(scenario)
    data["seed"], data["replications"] = seed, replications
    cal = scenario.calendar
    for ct_data, ct in zip(data["call_types"], scenario.call_types, strict=True):
        if "csv" in ct_data["volume"]:
            ct_data["volume"] = {
                "profile_per_interval": [float(v) for v in ct.volume.expected_per_interval(cal)]
            }
    by_name = {p.group: p for p in plans}
    with_breaks = shifts_support_breaks()
    for group in data["agent_groups"]:
        plan = by_name.get(group["name"])
        if plan is None:
            continue
        for key in ("staffing", "shifts", "per_interval"):
            group.pop(key, None)
        has_breaks = any(shift.breaks for shift, _ in plan.roster)
        if plan.roster and (with_breaks or not has_breaks):
            group["shifts"] = plan.scenario_shifts()
        else:
            group["per_interval"] = [int(v) for v in plan.coverage]
    return scenario_from_dict(data, source=f"{scenario.name} (roster)")


@dataclass
class Roster:
    """Shifts for every staffed group, the scenario that runs them, and its re-simulation."""

    plans: list[ShiftPlan]
    scenario: Scenario
    verdict: Verdict
    counted: np.ndarray
    table: pd.DataFrame
    served: np.ndarray
    """Queues the staffed groups serve: the cells the roster answers for."""

    @property
    def cost(self) -> float:
        """Cost of the roster's paid hours."""
        return sum(p.cost for p in self.plans)

    @property
    def heads(self) -> int:
        """People on shift."""
        return sum(p.heads for p in self.plans)

    @property
    def clear_misses(self) -> int:
        """Counted (interval, queue) cells the re-simulation shows clearly below target."""
        z = self.verdict.queue_z[self.counted][:, self.served]
        return int((z < -CLEAR_MISS_Z).sum())

    @property
    def cells_met(self) -> float:
        """Share of counted cells meeting their targets on the re-simulation's estimate."""
        z = self.verdict.queue_z[self.counted][:, self.served]
        return float(np.mean(z >= 0)) if z.size else float("nan")


@dataclass
class StaffingRun:
    """The options of one staffing job (see the module docstring for its files)."""

    scenario: Scenario
    stem: str
    folder: Path
    groups: list[str] | None = None
    replications: int | None = None
    max_replications: int | None = None
    confidence: float = 0.95
    seed: int | None = None
    workers: int | None = 1
    progress: Callable[[str], None] | None = None
    days_quantile: float | None = None

    @property
    def base_seed(self) -> int:
        """The seed of the search (the scenario's unless given)."""
        return self.scenario.seed if self.seed is None else self.seed

    @property
    def reps(self) -> int:
        """Replications of each evaluation."""
        return self.scenario.replications if self.replications is None else self.replications

    def has_day_factor(self) -> bool:
        """Whether a call type's volume varies from day to day."""
        return any(ct.day_to_day_cv > 0 for ct in self.scenario.call_types)

    def search(
        self,
        targets: Targets,
        method: str,
        *,
        days_quantile: float | None = None,
        staff_function: Callable[..., StaffingResult] | None = None,
    ) -> StaffingResult:
        """Staff the scenario (for its ``days_quantile`` day when given) by ``method``."""
        from simulator.staffing.search import staff

        run = staff_function or staff
        self.days_quantile = days_quantile
        if days_quantile is not None and not self.has_day_factor():
            raise ValueError(
                "--days-quantile needs day-to-day variation: give a call type day_to_day_cv > 0"
            )
        scenario = (
            quantile_day_scenario(self.scenario, days_quantile)
            if days_quantile is not None
            else self.scenario
        )
        result = run(
            scenario,
            targets,
            groups=self.groups,
            replications=self.replications,
            max_replications=self.max_replications,
            confidence=self.confidence,
            seed=self.seed,
            workers=self.workers,
            method=method,
            progress=self.progress,
        )
        if days_quantile is not None:  # the staffed scenario keeps the real day factor
            from simulator.staffing.scenario_edit import with_staffing

            result.scenario = with_staffing(
                self.scenario, dict(zip(result.groups, result.required, strict=True))
            )
        return result

    def compare(
        self,
        targets: Targets,
        days_quantile: float | None = None,
        found: StaffingResult | None = None,
    ) -> MethodComparison:
        """Every method's staffing and its figures on the same fresh callers (``found``:
        a result already in hand, reused for its method).
        """
        return compare_methods(
            self.scenario,
            lambda method: (
                found
                if found is not None and found.method == method
                else self.search(targets, method, days_quantile=days_quantile)
            ),
            replications=self.reps,
            seed=self.base_seed,
            workers=self.workers,
        )

    def roster(self, result: StaffingResult, rules: ShiftRules) -> Roster:
        """Cover the requirement by shifts, write the roster into the scenario and re-simulate
        it on fresh callers; where a queue clearly misses, ask for one more agent and re-solve.
        """
        cal = self.scenario.calendar
        roles = {g.name: g.role for g in self.scenario.agent_groups}
        required = [np.asarray(r, dtype=np.int64).copy() for r in result.required]
        skills = {g.name: g.skills for g in self.scenario.agent_groups}
        served = np.array(
            [any(q in skills[g] for g in result.groups) for q in self.scenario.queue_names]
        )
        for _ in range(ROSTER_REPAIR_ROUNDS + 1):
            plans = [
                solve_shifts(required[g], rules, cal, name, self.scenario.costs.hourly(roles[name]))
                for g, name in enumerate(result.groups)
            ]
            scenario = _roster_scenario(
                self.scenario, plans, self.base_seed + EVALUATION_SEED_OFFSET, self.reps
            )
            verdict, check = evaluate_staffing(
                scenario, result.targets, {}, self.reps, scenario.seed, self.workers
            )
            counted = np.asarray(
                check.intervals(wide=True)["counted"].to_numpy()[: cal.intervals_per_day]
            )
            # Only queues the staffed groups serve: more agents cannot help the others.
            missing = (verdict.queue_z[:, served] < -CLEAR_MISS_Z).any(axis=1) & counted
            if not missing.any():
                break
            if self.progress is not None:
                self.progress(
                    f"roster re-simulated: {int(missing.sum())} interval(s) clearly below "
                    "target; one more agent there and re-solving"
                )
            for g in range(len(required)):
                required[g][missing] += 1
        table = pd.DataFrame({"start": cal.interval_labels()})
        for g, plan in enumerate(plans):
            table[f"required[{plan.group}]"] = result.required[g]
            table[f"roster[{plan.group}]"] = plan.coverage
        estimates = check.intervals(wide=True)
        table["service_level"] = estimates["service_level"].to_numpy()[: cal.intervals_per_day]
        for q, queue in enumerate(self.scenario.queue_names):
            table[f"z[queue={queue}]"] = verdict.queue_z[:, q]
        return Roster(plans, scenario, verdict, counted, table, served)

    def days(self, result: StaffingResult) -> DailyFigures:
        """The daily distribution of each queue's KPIs with the found staffing."""
        return daily_figures(
            result.scenario,
            result.targets,
            self.base_seed + EVALUATION_SEED_OFFSET,
            workers=self.workers,
        )

    def report_lines(
        self,
        result: StaffingResult,
        comparison: MethodComparison | None,
        roster: Roster | None,
        risk: DailyFigures | None,
    ) -> list[str]:
        """Plain lines summarising the comparison, the roster and the daily risk."""
        lines = []
        if result.confidence is not None:
            conf = result.confidence
            lines.append(
                f"decisions: median confidence {np.median(conf) * 100:.0f} %, lowest "
                f"{conf.min() * 100:.0f} % ({int((conf < self.confidence).sum())} below "
                f"{self.confidence:g}: close calls at the replication cap)"
            )
        if (check := result.check_summary()) is not None:
            lines.append(
                f"checked on fresh callers (seed {result.check_seed}, {result.replications} "
                f"replications): {check['cells_met']} of {check['cells']} interval×queue "
                f"cells meet their targets on the estimate; a re-simulation on other callers "
                f"should show about {check['expected_share'] * 100:.0f} % (mean confidence "
                "that a cell's expected figures meet, meets[queue=...] in staffing.csv)"
            )
        if comparison is not None:
            lines.append("methods on the same callers (fresh seed):")
            for _, row in comparison.summary.iterrows():
                lines.append(
                    f"  {row['method']:>8}: {row['agent_hours']:.1f} agent-hours, cost "
                    f"{row['cost']:.0f}, {row['cells_met'] * 100:.0f} % of {row['cells']} "
                    f"interval×queue cells meet the target, {row['clear_misses']} clear misses"
                )
        if roster is not None:
            parts = [
                f"{p.group}: {p.heads} people on {len(p.roster)} shift types" for p in roster.plans
            ]
            lines.append(
                f"roster: {'; '.join(parts)}; cost {roster.cost:.0f}; re-simulated: "
                f"{roster.cells_met * 100:.0f} % of cells meet the target on the estimate, "
                f"{roster.clear_misses} clear misses"
                + ("" if shifts_support_breaks() else " (breaks written as agents per interval)")
            )
        if risk is not None:
            for _, row in risk.summary.iterrows():
                lines.append(
                    f"daily {row['kpi']} {row['queue']}: p10 {row['p10']:.3f}, median "
                    f"{row['p50']:.3f}, p90 {row['p90']:.3f}; target met on "
                    f"{row['share_met'] * 100:.0f} % of {row['days']} simulated days"
                )
        return lines

    def write(
        self,
        result: StaffingResult,
        comparison: MethodComparison | None,
        roster: Roster | None,
        risk: DailyFigures | None,
    ) -> list[Path]:
        """Write every file of the job to the output folder, all of them or none
        (``staffing.json``, which names the folder a staffing folder, last); return their
        paths.
        """
        table = result.table()
        cal = self.scenario.calendar
        for group in self.scenario.agent_groups:
            if group.name in result.groups:
                table[f"current[{group.name}]"] = group.scheduled_per_interval(cal)
        if roster is not None:
            for plan in roster.plans:
                table[f"roster[{plan.group}]"] = plan.coverage
        figure = result.figure()
        files: dict[str, FileContent] = {
            "staffing.csv": lambda path: table.to_csv(path, index=False),
            "staffing.png": lambda path: figure.savefig(path, dpi=110),
        }
        meta: dict[str, Any] = {
            "kind": FOLDER_KIND,
            "scenario": self.scenario.name,
            "method": result.method,
            "groups": result.groups,
            "queues": self.scenario.queue_names,
            "targets": {q: result.targets.for_queue(q) for q in self.scenario.queue_names},
            "targets_text": result.targets.describe(),
            "replications": result.replications,
            "seed": result.seed,
            "simulated_days": result.simulations,
            "seconds": round(result.seconds, 2),
            "agent_hours": result.agent_hours(),
            "days_quantile": self.days_quantile,
        }
        if (check := result.check_summary()) is not None:
            meta["check"] = {"seed": result.check_seed, **check}
        header = (
            f"# Written by `ccsim staff` ({result.method}): {result.targets.describe()}, "
            f"groups {', '.join(result.groups)}, seed {result.seed}.\n"
        )
        files[f"{self.stem}-staffed.yaml"] = header + yaml.safe_dump(
            scenario_to_dict(result.scenario), sort_keys=False
        )
        if comparison is not None:
            methods, cells = comparison.summary, comparison.cells()
            files["methods.csv"] = lambda path: methods.to_csv(path, index=False)
            files["methods_cells.csv"] = lambda path: cells.to_csv(path, index=False)
        if roster is not None:
            shifts = pd.concat([p.shifts for p in roster.plans], ignore_index=True)
            roster_table = roster.table
            files["shifts.csv"] = lambda path: shifts.to_csv(path, index=False)
            files["roster.csv"] = lambda path: roster_table.to_csv(path, index=False)
            roster_name = f"{self.stem}-roster.yaml"
            files[roster_name] = (
                "# Written by `ccsim staff --shifts`: the roster covering "
                f"{result.targets.describe()}.\n"
                + yaml.safe_dump(scenario_to_dict(roster.scenario), sort_keys=False)
            )
            meta["roster"] = {
                "cost": roster.cost,
                "heads": roster.heads,
                "cells_met": roster.cells_met,
                "clear_misses": roster.clear_misses,
                "file": roster_name,
            }
        if risk is not None:
            days, days_summary = risk.days, risk.summary
            files["days.csv"] = lambda path: days.to_csv(path, index=False)
            files["days_summary.csv"] = lambda path: days_summary.to_csv(path, index=False)
        files["staffing.json"] = json_text(meta)
        return write_file_set(self.folder, files)
