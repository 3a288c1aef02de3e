"""The scenario file: pydantic models, loading (YAML, TOML, CSV) and precise errors.

Pure data: nothing here imports SimPy or plotting code, and loading a scenario
has no side effects. The README's "Scenario format" section describes the file;
each model field's description is its reference documentation.
"""

from simulator.scenario.demand import Busyness, DayVolume
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.loading import load_scenario, scenario_from_dict, scenario_to_dict
from simulator.scenario.models import (
    AgentGroup,
    Calendar,
    Callers,
    CallType,
    Costs,
    Overflow,
    QueueSpec,
    Redial,
    Routing,
    Scenario,
    ServiceLevel,
    Shift,
    Volume,
)
from simulator.scenario.supply import Break

__all__ = [
    "AgentGroup",
    "Break",
    "Busyness",
    "Calendar",
    "CallType",
    "Callers",
    "Costs",
    "DayVolume",
    "Overflow",
    "Problem",
    "QueueSpec",
    "Redial",
    "Routing",
    "Scenario",
    "ScenarioError",
    "ServiceLevel",
    "Shift",
    "Volume",
    "load_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
]
