"""CPU time of short ``ccsim`` commands against an empty Python start.

Each command runs in a fresh process; its CPU time (user + system, of the child) is
the median of several runs. ``ccsim --help``, ``erlang`` and ``check`` should each stay
under 0.5 s of CPU: they import neither pandas, matplotlib nor the model.

Usage: ``python benchmarks/cli_startup.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "erlang_a_textbook.yaml"
_SCRIPT = Path(sys.executable).parent / "ccsim"  # the installed console script
CCSIM = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from simulator.cli import app; app()"]
)
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "ccsim --help": [*CCSIM, "--help"],
    "ccsim --version": [*CCSIM, "--version"],
    "ccsim erlang c ...": [*CCSIM, "erlang", "c", "--calls-per-hour", "360", "--aht", "180"],
    "ccsim check ...": [*CCSIM, "check", str(SCENARIO)],
}
TARGET_S = 0.5


def cpu_seconds(command: list[str]) -> float:
    """CPU time (user + system) of one run of ``command`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=os.environ.copy())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args()
    print(f"{'command':<22} {'CPU s (median)':>15} {'vs python':>10}")
    baseline = None
    for name, command in COMMANDS.items():
        seconds = statistics.median(cpu_seconds(command) for _ in range(args.repeat))
        baseline = seconds if baseline is None else baseline
        verdict = (
            ""
            if name.startswith("python")
            else ("ok" if seconds < TARGET_S else f"over {TARGET_S} s")
        )
        print(f"{name:<22} {seconds:>15.3f} {seconds - baseline:>+10.3f}  {verdict}")


if __name__ == "__main__":
    main()
