"""ccsim: a contact-centre simulator on SimPy.

Typical use in a notebook::

    import simulator
    scenario = simulator.load("scenarios/retail_bank_day.yaml")
    result = simulator.run(scenario, replications=30)
    result.summary()      # KPIs with 95 % confidence intervals
    result.intervals()    # the same per interval
    result.contacts()     # one row per contact
    simulator.compare([scenario, other])                  # paired, common random numbers
    simulator.sweep(scenario, ["agent_groups[0].staffing=20:30:2"], out="runs/sweep")
    simulator.fit("contacts.csv", holdout_days=5, out="fitted")   # a scenario from a log
    simulator.whatif(scenario)  # the what-if page inline (needs Panel: ccsim[app])

Importing the package does nothing else: no simulation, no plotting; the names above
are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.calibration import fit
    from simulator.experiment import (  # type: ignore[no-redef]
        Comparison,
        ReplicationFailed,
        RunResult,
        SweepResult,
        compare,
        run,
        sweep,
    )
    from simulator.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
    from simulator.staffing import staff
    from simulator.webapp import whatif

    load = load_scenario

_HOMES = {
    "Comparison": "simulator.experiment",
    "ReplicationFailed": "simulator.experiment",
    "RunResult": "simulator.experiment",
    "SweepResult": "simulator.experiment",
    "compare": "simulator.experiment",
    "run": "simulator.experiment",
    "sweep": "simulator.experiment",
    "Scenario": "simulator.scenario",
    "ScenarioError": "simulator.scenario",
    "load_scenario": "simulator.scenario",
    "scenario_from_dict": "simulator.scenario",
    "staff": "simulator.staffing",
    "fit": "simulator.calibration",
    "whatif": "simulator.webapp",
}
"""Where each public name lives: imported on first use, so ``import simulator`` (and the
``ccsim`` commands that need only scenarios) do not load pandas, matplotlib or SimPy."""


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use (PEP 562)."""
    if name == "load":
        name = "load_scenario"
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    if name == "__version__":
        from importlib.metadata import version

        return version("ccsim")
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "ReplicationFailed",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "compare",
    "fit",
    "load",
    "load_scenario",
    "run",
    "scenario_from_dict",
    "staff",
    "sweep",
    "whatif",
]
