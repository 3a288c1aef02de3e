"""ccsim: a contact-centre simulator on SimPy.

Typical use in a notebook::

    import simulator
    scenario = simulator.load("scenarios/retail_bank_day.yaml")
    result = simulator.run(scenario, replications=30)
    result.summary()      # KPIs with 95 % confidence intervals
    result.intervals()    # the same per interval
    result.contacts()     # one row per contact

Importing the package does nothing else: no simulation, no plotting.
"""

from simulator.experiment import ReplicationFailed, RunResult, run
from simulator.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

load = load_scenario
"""Load a scenario file (YAML or TOML); raises ``ScenarioError`` with every problem found."""

__all__ = [
    "ReplicationFailed",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load",
    "load_scenario",
    "run",
    "scenario_from_dict",
]
__version__ = "0.1.0"
