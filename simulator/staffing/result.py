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
from simulator.staffing.targets import Targets

__all__ = ["StaffingResult"]

_KPIS = ("service_level", "abandon_rate", "asa_s", "occupancy")


@dataclass
class StaffingResult:
    """Required staffing per group and interval and what it achieves.

    Attributes
    ----------
    scenario : the scenario with the required staffing written in (``per_interval``).
    targets : the targets searched for.
    groups : the staffed groups, in the order of the rows of ``required``/``analytic``.
    required : scheduled agents found, shape (groups, intervals).
    analytic : the Erlang A/C starting point, same shape.
    intervals : achieved KPIs (mean and ``_hw``) per interval of the accepted
        simulation, or ``None`` in analytic mode.
    simulations : simulated candidate days (each of ``replications`` replications).
    seconds : wall time of the search.
    caveats : scenario features the Erlang formula ignores.
    method : ``"simulation"`` or ``"analytic"``.
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
    caveats: list[str] = field(default_factory=list)
    method: str = "simulation"

    def table(self) -> pd.DataFrame:
        """One row per interval: Erlang and required agents per group, achieved KPIs."""
        cal = self.scenario.calendar
        frame = pd.DataFrame({"interval": np.arange(cal.intervals_per_day)})
        frame["start"] = cal.interval_labels()
        for g, name in enumerate(self.groups):
            frame[f"analytic[{name}]"] = self.analytic[g]
            frame[f"required[{name}]"] = self.required[g]
        frame["analytic"] = self.analytic.sum(axis=0)
        frame["required"] = self.required.sum(axis=0)
        if self.intervals is not None:
            iv = self.intervals
            frame["offered"] = iv["offered"].to_numpy()
            for kpi in _KPIS:
                frame[kpi] = iv[kpi].to_numpy()
                frame[f"{kpi}_hw"] = iv[f"{kpi}_hw"].to_numpy()
            frame["bound_on_mean"] = iv["bound_on_mean"].to_numpy()
        return frame

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
        if "service_level" in table and self.method == "simulation":
            twin = ax.twinx()
            sl, hw = table["service_level"], table["service_level_hw"]
            twin.errorbar(
                x,
                sl,
                yerr=hw,
                fmt="o",
                ms=3,
                color="#2ca02c",
                label="achieved service level ± 95 %",
            )
            if self.targets.service_level is not None:
                twin.axhline(self.targets.service_level, color="#2ca02c", ls="--", lw=1)
            twin.set_ylim(0, 1.05)
            twin.set_ylabel("service level")
            more_h, more_l = twin.get_legend_handles_labels()
            handles, labels = handles + more_h, labels + more_l
        ax.legend(handles, labels, loc="upper right", fontsize="small")
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
