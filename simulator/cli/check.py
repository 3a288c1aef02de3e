"""``ccsim check``: validate a scenario file without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import load, stdout

__all__ = ["check_command"]


def check_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
) -> None:
    """Validate a scenario file without running it."""
    scenario = load(scenario_path)
    cal = scenario.calendar
    stdout.print(
        f"[green]ok[/] {scenario_path}: '{scenario.name}' — {len(scenario.queues)} queues, "
        f"{len(scenario.call_types)} call types, {len(scenario.agent_groups)} agent groups, "
        f"{cal.days} day(s) of {cal.intervals_per_day} intervals ({cal.open}–{cal.close}).",
        highlight=False,
    )
