"""Limits a scenario must respect before any work is done with it.

A scenario file is input from anywhere: a mistyped rate, a YAML "billion laughs" or a
CSV path pointing at ``/dev/zero`` must end in a clear message, not in a hang or an
exhausted memory. The bounds below are checked before the expensive step they guard:
file sizes before reading, the expanded size of YAML aliases before constructing
values, volumes, agents and days before simulating.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from simulator.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from simulator.scenario.models import Scenario

__all__ = [
    "MAX_AGENTS",
    "MAX_CALLS_PER_REPLICATION",
    "MAX_CSV_BYTES",
    "MAX_DAYS",
    "MAX_REPLICATIONS",
    "MAX_SCENARIO_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "check_yaml_node",
    "read_limited",
    "scenario_limit_problems",
]

MAX_SCENARIO_BYTES = 2_000_000
"""Largest scenario file read (2 MB): ample for a centre with long empirical samples."""
MAX_CSV_BYTES = 1_000_000
"""Largest volume CSV read (1 MB): one day has at most 1,440 one-minute intervals."""
MAX_YAML_NODES = 1_000_000
"""Most values a YAML document may hold once every alias is expanded. Aliases let a few
lines stand for billions of values ("billion laughs"); the expanded count is computed on
the parsed node graph, before any value is built."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of a YAML document (a scenario needs about ten levels)."""
MAX_CALLS_PER_REPLICATION = 5_000_000
"""Most expected calls in one replication, summed over call types and days. The per-contact
log takes about 200 bytes a contact, so this bounds one replication near 1 GB."""
MAX_AGENTS = 50_000
"""Most agents scheduled at once, summed over groups."""
MAX_DAYS = 366
"""Most days one run may simulate (a year)."""
MAX_REPLICATIONS = 100_000
"""Most replications a scenario may ask for."""


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, refusing more than ``limit`` without reading further.

    The size is checked while reading, not from the file system, so a device or a pipe
    that never ends (``/dev/zero``) is refused after ``limit`` bytes.

    Raises
    ------
    ValueError
        When the file holds more than ``limit`` bytes.
    OSError
        When it cannot be read.
    """
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(
            f"{what} {path} is larger than {limit:,} bytes; a file this large is not a {what}"
        )
    return data


def check_yaml_node(root: yaml.Node) -> None:
    """Refuse a YAML node graph whose aliases expand beyond :data:`MAX_YAML_NODES` values,
    that refers to itself, or that nests deeper than :data:`MAX_YAML_DEPTH`.

    The expanded size of a node is one plus that of its children; it is memoised per
    node, so the check costs one visit of each distinct node however often aliases
    repeat it.

    Raises
    ------
    ScenarioError
        Naming the bound that was exceeded (never the values themselves).
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    # Iterative post-order walk: (node, depth, children done?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > MAX_YAML_NODES:
                raise ScenarioError(
                    [
                        Problem(
                            "",
                            f"the YAML holds more than {MAX_YAML_NODES:,} values once its "
                            "aliases are expanded; refused before building them",
                        )
                    ]
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in active:
            raise ScenarioError([Problem("", "the YAML contains an alias that refers to itself")])
        if depth > MAX_YAML_DEPTH:
            raise ScenarioError(
                [Problem("", f"the YAML is nested more than {MAX_YAML_DEPTH} levels deep")]
            )
        active.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def scenario_limit_problems(scenario: Scenario) -> list[Problem]:
    """Days, replications, agents, total volume and warm-up beyond what a run can do."""
    problems: list[Problem] = []
    cal = scenario.calendar
    if cal.days > MAX_DAYS:
        problems.append(
            Problem("calendar.days", f"at most {MAX_DAYS} days in one run, got {cal.days:,}")
        )
    if scenario.replications > MAX_REPLICATIONS:
        problems.append(
            Problem(
                "replications",
                f"at most {MAX_REPLICATIONS:,} replications, got {scenario.replications:,}",
            )
        )
    problems += _agent_problems(scenario)
    problems += _volume_problems(scenario)
    problems += _warmup_problems(scenario)
    problems += _combined_probability_problems(scenario)
    return problems


def _agent_problems(scenario: Scenario) -> list[Problem]:
    cal = scenario.calendar
    peak = 0
    try:
        per_group = [g.scheduled_per_interval(cal) for g in scenario.agent_groups]
    except ValueError:
        return []  # a per_interval of the wrong length: reported by the group checks
    for i in range(cal.intervals_per_day):
        peak = max(peak, sum(int(scheduled[i]) for scheduled in per_group))
    if peak > MAX_AGENTS:
        return [
            Problem(
                "agent_groups",
                f"schedule {peak:,} agents at once; at most {MAX_AGENTS:,} (summed over groups)",
            )
        ]
    return []


def _volume_problems(scenario: Scenario) -> list[Problem]:
    cal = scenario.calendar
    per_day = 0.0
    for call_type in scenario.call_types:
        try:
            per_day += float(call_type.volume.expected_per_interval(cal).sum())
        except ValueError:
            return []  # wrong number of values: reported by the call type checks
    total = per_day * cal.days
    if total > MAX_CALLS_PER_REPLICATION:
        return [
            Problem(
                "call_types",
                f"expect {total:,.0f} calls in a replication ({per_day:,.0f} a day over "
                f"{cal.days:,} day(s), all call types together); at most "
                f"{MAX_CALLS_PER_REPLICATION:,} (is a rate in calls per hour?)",
            )
        ]
    return []


def _warmup_problems(scenario: Scenario) -> list[Problem]:
    cal = scenario.calendar
    last_start_min = (cal.days - 1) * 24 * 60 + (cal.intervals_per_day - 1) * cal.interval_minutes
    if scenario.warmup_minutes > last_start_min:
        return [
            Problem(
                "warmup_minutes",
                f"must leave at least one interval to count: the last interval starts "
                f"{last_start_min:,} min after the first opening, got {scenario.warmup_minutes:g}",
            )
        ]
    return []


def _combined_probability_problems(scenario: Scenario) -> list[Problem]:
    ivr = scenario.ivr
    if ivr is None or ivr.menu is None or ivr.misroute_per_option == 0:
        return []
    widest = 0
    menus = [ivr.menu]
    while menus:
        menu = menus.pop()
        widest = max(widest, len(menu.options))
        menus.extend(o.menu for o in menu.options.values() if o.menu is not None)
    chance = ivr.misroute_per_option * widest
    if widest > 1 and chance > 1:
        return [
            Problem(
                "ivr.misroute_per_option",
                f"{ivr.misroute_per_option:g} per option x {widest} options at the widest "
                f"level is a misroute chance of {chance:g}, more than 1",
            )
        ]
    return []
