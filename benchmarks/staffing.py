"""Time the staffing search on the flagship day: wall time and simulated days.

Run: ``python benchmarks/staffing.py [GROUP ...]`` (default: every group).
"""

from __future__ import annotations

import sys

import simulator


def main() -> None:
    """Staff ``scenarios/retail_bank_day.yaml`` for an 80 % service level and report."""
    scenario = simulator.load("scenarios/retail_bank_day.yaml")
    groups = sys.argv[1:] or None
    result = simulator.staff(scenario, {"service_level": 0.8}, groups=groups)
    sys.stdout.write(
        f"groups {', '.join(result.groups)}: {result.seconds:.1f} s, "
        f"{result.simulations} simulated days x {result.replications} replications, "
        f"{result.agent_hours():.1f} agent-hours\n"
    )


if __name__ == "__main__":
    main()
