"""Time the staffing search on the flagship day, as a ratio to one ``ccsim run`` of it.

Run: ``python benchmarks/staffing.py [--workers N] [GROUP ...]``. It times, on the
same machine and load:

1. ``ccsim run scenarios/retail_bank_day.yaml`` (its 20 replications, files written);
2. the search for 80 % service level in every queue and interval, for the first
   named group (default ``front``) and then for every group.

and prints each search's wall time, its ratio to the run, and the simulated days it
needed (replications of candidate staffings). The ratio is what to compare between
machines; a shared or busy machine slows both sides alike.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

import simulator
from simulator.cli import app

FLAGSHIP = Path("scenarios/retail_bank_day.yaml")


def _time_run(workers: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        got = CliRunner().invoke(
            app, ["run", str(FLAGSHIP), "-o", folder, "-q", "--force", "--workers", str(workers)]
        )
        seconds = time.perf_counter() - started
    if got.exit_code != 0:
        raise SystemExit(got.output)
    return seconds


def main() -> None:
    """Print the run time, then each search's time, ratio and simulated days."""
    args = sys.argv[1:]
    workers = 1
    if "--workers" in args:
        k = args.index("--workers")
        workers = int(args[k + 1])
        del args[k : k + 2]
    scenario = simulator.load(FLAGSHIP)
    run_s = _time_run(workers)
    out = sys.stdout
    out.write(f"ccsim run of the flagship ({scenario.replications} replications): {run_s:.1f} s\n")
    for groups in ([args[0] if args else "front"], None):
        result = simulator.staff(scenario, {"service_level": 0.8}, groups=groups, workers=workers)
        label = ", ".join(result.groups)
        out.write(
            f"search for {label}: {result.seconds:.1f} s = {result.seconds / run_s:.2f} x the run; "
            f"{result.simulations} simulated days ({result.simulations / scenario.replications:.1f}"
            f" runs' worth), {result.replications} replications of fresh callers in the check, "
            f"{result.agent_hours():.1f} agent-hours\n"
        )


if __name__ == "__main__":
    main()
