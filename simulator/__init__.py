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
    simulator.whatif(scenario)  # the what-if page inline (needs Panel: ccsim[app])

Importing the package does nothing else: no simulation, no plotting.
"""

from simulator.experiment import (
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
from simulator.whatif import whatif

load = load_scenario
"""Load a scenario file (YAML or TOML); raises ``ScenarioError`` with every problem found."""

__all__ = [
    "Comparison",
    "ReplicationFailed",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "compare",
    "load",
    "load_scenario",
    "run",
    "scenario_from_dict",
    "staff",
    "sweep",
    "whatif",
]
__version__ = "0.1.0"
