"""``--set KEY=VALUES`` and sweep grids: kept here for existing imports; the code lives in
:mod:`simulator.scenario.overrides` (changing a scenario by key path is scenario data
work, and ``Scenario.with_changes`` uses it without loading the experiment layer).
"""

from simulator.scenario.overrides import (
    MAX_VALUES,
    Axis,
    OverrideError,
    apply_overrides,
    grid_points,
    parse_axes,
    parse_path,
    parse_values,
    with_changes,
)

__all__ = [
    "MAX_VALUES",
    "Axis",
    "OverrideError",
    "apply_overrides",
    "grid_points",
    "parse_axes",
    "parse_path",
    "parse_values",
    "with_changes",
]
