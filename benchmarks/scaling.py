"""Scaling of a sweep: serial vs local processes vs a Dask LocalCluster on this machine.

A 40-point sweep of the flagship scenario (cards team 3..7 agents x universal group
2..5 agents x two routing policies), every point with the same seeds, written to an
output folder as ``ccsim sweep`` does. Each backend runs the same sweep; the script
checks that their tables are bit-identical and prints wall time, speed-up over
serial, and the overhead: the worker time spent beyond the serial run's compute,
per task (one sweep point) and per replication. It also times a stream of empty
tasks on each backend: what the backend itself adds to every task, whatever the load.

    python benchmarks/scaling.py                 # 40 points x 10 replications, 3 repeats
    python benchmarks/scaling.py --quick         # 1 repeat, 4 replications per point
    python benchmarks/scaling.py --replications 20 --repeats 5

Other work on the machine slows every backend; the load average is printed before
and after. The repeats alternate the backends, and the median is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from distributed import Client, LocalCluster

import simulator
from simulator.experiment.backends import (
    LOCAL_SCHEDULER_OPTIONS,
    Backend,
    DaskBackend,
    ProcessBackend,
)

ROOT = Path(__file__).resolve().parent.parent
GRID = [
    "agent_groups[cards_team].staffing=3:7:1",
    "agent_groups[universal].staffing=2:5:1",
    "routing.policy=fcfs,priority_longest_idle",
]


EMPTY_TASKS = 400
"""Tasks that do nothing, to time what a backend adds to each task by itself."""


def _echo(x: int) -> int:
    return x


def _dispatch_ms(backend: Backend) -> float:
    """Milliseconds per task of a stream of empty tasks (the backend's own cost)."""
    with backend:
        for x in range(20):  # warm up the workers
            backend.submit(x, _echo, x)
        while backend.pending:
            backend.next_done()
        started = time.perf_counter()
        for x in range(EMPTY_TASKS):
            backend.submit(x, _echo, x)
        while backend.pending:
            backend.next_done()
        return (time.perf_counter() - started) / EMPTY_TASKS * 1e3


def _timed(sweep: Callable[[Path], simulator.SweepResult]) -> tuple[float, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = sweep(Path(folder) / "sweep")
        wall = time.perf_counter() - started
    assert result.complete
    return wall, result.replications()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10, help="per point")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 repeat, 4 replications")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.replications = 1, 4
    scenario_path = ROOT / "scenarios" / "retail_bank_day.yaml"
    scenario = simulator.load(scenario_path)
    workers = args.workers

    def run(**options: Any) -> Callable[[Path], simulator.SweepResult]:
        return lambda out: simulator.sweep(
            scenario, GRID, args.replications, out=out, base_dir=scenario_path.parent, **options
        )

    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs=LOCAL_SCHEDULER_OPTIONS,
    )
    client = Client(cluster)
    cluster_start = time.perf_counter() - started
    backends = {
        "serial": run(workers=1),
        f"processes ({workers})": run(workers=workers),
        f"dask LocalCluster ({workers})": run(dask=client),
    }
    walls: dict[str, list[float]] = {name: [] for name in backends}
    tables: dict[str, pd.DataFrame] = {}
    try:
        dispatch = {
            f"processes ({workers})": _dispatch_ms(ProcessBackend(workers)),
            f"dask LocalCluster ({workers})": _dispatch_ms(DaskBackend(client)),
        }
        _timed(backends[f"dask LocalCluster ({workers})"])  # warm the workers' imports
        names = list(backends)
        for repeat in range(args.repeats):
            order = names[repeat % len(names) :] + names[: repeat % len(names)]
            for name in order:
                wall, table = _timed(backends[name])
                walls[name].append(wall)
                tables[name] = table
    finally:
        client.close()
        cluster.close()
    reference = tables["serial"]
    for table in tables.values():
        pd.testing.assert_frame_equal(table, reference, check_exact=True)
    points = reference["point"].nunique()
    replications = len(reference)
    serial = statistics.median(walls["serial"])
    print(
        f"sweep: {points} points x {args.replications} replications = {replications} "
        f"replications of {scenario.name!r}; median of {args.repeats} repeat(s)"
    )
    per_replication = serial / replications * 1e3
    print(f"one replication (serial, with its KPIs and the writing): {per_replication:.1f} ms")
    print(
        f"Dask LocalCluster start-up ({workers} workers): {cluster_start:.2f} s (not timed below)"
    )
    print()
    print(
        f"{'backend':<24} {'wall (s)':>9} {'speed-up':>9} "
        f"{'overhead/task (ms)':>19} {'overhead/rep (ms)':>18}"
    )
    for name, times in walls.items():
        wall = statistics.median(times)
        n = 1 if name == "serial" else workers
        overhead = max(wall * n - serial, 0.0)
        print(
            f"{name:<24} {wall:>9.2f} {serial / wall:>8.2f}x "
            f"{overhead / points * 1e3:>19.1f} {overhead / replications * 1e3:>18.2f}"
        )
    print()
    print(f"the backend's own cost per task ({EMPTY_TASKS} empty tasks):")
    for name, ms in dispatch.items():
        print(
            f"  {name:<24} {ms:.2f} ms per task = {ms / per_replication * 100:.1f} % of one "
            f"replication, {ms / (per_replication * args.replications) * 100:.2f} % of a point"
        )
    print()
    print("results bit-identical across backends: yes")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
