"""The answer of a staffing search: tables, a figure and the files a planner keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from simulator.outputfiles import save_figure, write_atomic, write_text
from simulator.scenario import Scenario, scenario_to_dict
from simulator.staffing.cells import CellEstimate
from simulator.staffing.targets import Targets

__all__ = ["StaffingResult"]

_KPIS = ("service_level", "abandon_rate", "asa_s", "occupancy")
_T95 = 1.959963984540054
"""Two-sided 95 % normal quantile: per-queue half-widths are 1.96 standard errors."""


@dataclass
class StaffingResult:
    """Required staffing per group and interval and what it achieves.

    Attributes
    ----------
    scenario : the scenario with the required staffing written in (``per_interval``).
    targets : the targets searched for (per queue).
    groups : the staffed groups, in the order of the rows of ``required``/``analytic``.
    required : scheduled agents found, shape (groups, intervals).
    analytic : the Erlang A/C answer (SIPP), same shape.
    intervals : achieved KPIs of the whole centre per interval (mean and ``_hw``) on the
        check's fresh callers (``check_seed``), or ``None`` for an analytic method.
    cells : achieved KPIs per (interval, queue) (and occupancy per group) on the check's
        fresh callers, or ``None``. No decision of the search has seen those callers,
        so these estimates are unbiased.
    confidence : per (group, interval), the confidence that the decision (this many and
        not one fewer) is right, or ``None``.
    meets : per (interval, queue), the confidence that the cell's *expected* KPIs meet
        its targets, ``Φ(z)`` of its margin on the check's callers (NaN for cells not
        counted, without calls, or of a queue no staffed group serves), or ``None``. The
        share of cells meeting their targets when re-simulated on other fresh callers
        follows from it.
    check_seed : seed of the check on fresh callers, or ``None``.
    simulations : simulated days (replications of candidate staffings) the search ran.
    seconds : wall time of the search.
    replications : replications of the check on fresh callers (the figures' sample).
    caveats : scenario features the Erlang formula ignores.
    method : ``sim``, ``sipp``, ``lag-sipp`` or ``isa``.
    """

    scenario: Scenario
    targets: Targets
    groups: list[str]
    required: np.ndarray
    analytic: np.ndarray
    intervals: pd.DataFrame | None
    simulations: int
    seconds: float
    replications: int
    seed: int
    cells: dict[str, CellEstimate] | None = None
    confidence: np.ndarray | None = None
    caveats: list[str] = field(default_factory=list)
    method: str = "sim"
    meets: np.ndarray | None = None
    check_seed: int | None = None

    def table(self) -> pd.DataFrame:
        """One row per interval: Erlang and required agents and confidence per group, the
        centre's achieved KPIs, and each queue's (``service_level[queue=NAME]`` with ``_hw``,
        and ``meets[queue=NAME]``, the confidence that its targets hold in expectation).
        """
        cal = self.scenario.calendar
        frame = pd.DataFrame({"interval": np.arange(cal.intervals_per_day)})
        frame["start"] = cal.interval_labels()
        for g, name in enumerate(self.groups):
            frame[f"analytic[{name}]"] = self.analytic[g]
            frame[f"required[{name}]"] = self.required[g]
            if self.confidence is not None:
                frame[f"confidence[{name}]"] = np.round(self.confidence[g], 4)
        frame["analytic"] = self.analytic.sum(axis=0)
        frame["required"] = self.required.sum(axis=0)
        if self.intervals is not None:
            day0 = self.intervals[self.intervals["day"] == 0].reset_index(drop=True)
            frame["counted"] = day0["counted"].to_numpy()
            frame["offered"] = day0["offered"].to_numpy()
            for kpi in _KPIS:
                frame[kpi] = day0[kpi].to_numpy()
                frame[f"{kpi}_hw"] = day0[f"{kpi}_hw"].to_numpy()
        if self.cells is not None:
            for q, queue in enumerate(self.scenario.queue_names):
                frame[f"offered[queue={queue}]"] = self.cells["service_level"].offered[:, q]
                for kpi in self.targets.for_queue(queue) or {"service_level": 0.0}:
                    est = self.cells[kpi]
                    frame[f"{kpi}[queue={queue}]"] = est.value[:, q]
                    frame[f"{kpi}[queue={queue}]_hw"] = _T95 * est.se[:, q]
                if self.meets is not None and self.targets.for_queue(queue):
                    frame[f"meets[queue={queue}]"] = np.round(self.meets[:, q], 4)
        return frame

    def queue_targets_met(self) -> pd.DataFrame:
        """Per counted (interval, queue) cell with calls: whether each target's estimate holds."""
        table = self.table()
        rows = []
        for queue in self.scenario.queue_names:
            for kpi, target in self.targets.for_queue(queue).items():
                col = f"{kpi}[queue={queue}]"
                if col not in table:
                    continue
                for _, row in table.iterrows():
                    if not row.get("counted", True) or row[f"offered[queue={queue}]"] <= 0:
                        continue
                    value = float(row[col])
                    met = value >= target if kpi == "service_level" else value <= target
                    rows.append(
                        {
                            "start": row["start"],
                            "queue": queue,
                            "kpi": kpi,
                            "target": target,
                            "value": value,
                            "half_width": float(row[f"{col}_hw"]),
                            "met": bool(met),
                        }
                    )
        return pd.DataFrame.from_records(rows)

    def check_summary(self) -> dict[str, float] | None:
        """Over the counted (interval, queue) cells with calls and targets, on the check's
        fresh callers: how many there are, how many meet on the estimate, and the share
        expected to meet on a re-simulation (the mean of ``meets``); ``None`` without a
        check.
        """
        if self.meets is None:
            return None
        judged = self.meets[~np.isnan(self.meets)]
        met = self.queue_targets_met()
        if len(met):
            served = [q for k, q in enumerate(self.scenario.queue_names)
                      if not np.isnan(self.meets[:, k]).all()]  # fmt: skip
            met = met[met["queue"].isin(served)]
        return {
            "cells": int(judged.size),
            "cells_met": int(met.groupby(["start", "queue"])["met"].all().sum()) if len(met) else 0,
            "expected_share": float(judged.mean()) if judged.size else float("nan"),
        }

    def agent_hours(self) -> float:
        """Scheduled agent-hours of the staffed groups over one day."""
        return float(self.required.sum() * self.scenario.calendar.interval_s / 3600.0)

    def figure(self) -> Figure:
        """Required vs Erlang agents per interval (bars/steps) and achieved service level."""
        table = self.table()
        fig = Figure(figsize=(11, 5.5), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(len(table))
        ax.bar(x, table["required"], color="#4c72b0", alpha=0.8, label="required (simulation)")
        ax.step(x, table["analytic"], where="mid", color="#dd8452", lw=2, label="Erlang A/C")
        ax.set_ylabel("scheduled agents (staffed groups)")
        step = max(1, len(table) // 12)
        ax.set_xticks(x[::step], table["start"].iloc[::step])
        ax.set_xlabel("interval start")
        handles, labels = ax.get_legend_handles_labels()
        queues = [q for q in self.scenario.queue_names if f"service_level[queue={q}]" in table]
        if queues:
            twin = ax.twinx()
            for k, queue in enumerate(queues):
                col = f"service_level[queue={queue}]"
                twin.errorbar(
                    x + (k - (len(queues) - 1) / 2) * 0.15,
                    table[col],
                    yerr=table[f"{col}_hw"],
                    fmt="o",
                    ms=3,
                    label=f"service level {queue} ± 95 %",
                )
            floors = {self.targets.for_queue(q).get("service_level") for q in queues}
            for target in sorted(v for v in floors if v is not None):
                twin.axhline(target, color="#2ca02c", ls="--", lw=1)
            twin.set_ylim(0, 1.05)
            twin.set_ylabel("service level per queue")
            more_h, more_l = twin.get_legend_handles_labels()
            handles, labels = handles + more_h, labels + more_l
        fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize="small")
        ax.set_title(
            f"{self.scenario.name}: staffing for {self.targets.describe()} "
            f"({self.method}, {self.simulations} simulated days)"
        )
        return fig

    def write(self, folder: Path, stem: str) -> list[Path]:
        """Write ``staffing.csv``, ``staffing.png`` and ``<stem>-staffed.yaml`` to ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        csv = folder / "staffing.csv"
        table = self.table()
        write_atomic(csv, lambda tmp: table.to_csv(tmp, index=False))
        png = folder / "staffing.png"
        save_figure(self.figure(), png, dpi=110)
        scenario_file = folder / f"{stem}-staffed.yaml"
        header = (
            f"# Written by `ccsim staff` ({self.method}): {self.targets.describe()}, "
            f"groups {', '.join(self.groups)}, {self.replications} replications, "
            f"seed {self.seed}.\n"
        )
        write_text(
            scenario_file,
            header + yaml.safe_dump(scenario_to_dict(self.scenario), sort_keys=False),
        )
        return [csv, png, scenario_file]
