"""Backends: serial, local processes and Dask give bit-identical results; failures are reported."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from test_compare import centre, write
from typer.testing import CliRunner

import simulator
from simulator.cli import app
from simulator.experiment import backends
from simulator.experiment import runner as runner_module
from simulator.experiment.backends import (
    LOCAL_SCHEDULER_OPTIONS,
    WORKER_DIED,
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    TaskFailure,
    make_backend,
)
from simulator.model.replication import simulate_replication
from simulator.scenario import Scenario

cli = CliRunner()
GRID = {
    "agent_groups[a_team].staffing": [5, 7],
    "routing.policy": ["fcfs", "priority_longest_idle"],
}


@pytest.fixture(scope="module")
def clusters() -> Iterator[dict[int, str]]:
    """Two LocalClusters on loopback, of one and of two single-threaded worker processes."""
    started: dict[int, tuple[LocalCluster, Client]] = {}
    try:
        for n in (1, 2):
            # A task whose worker dies twice is given up (Dask's default is after four
            # deaths): the dying-worker test then waits for two worker restarts, not four.
            with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
                cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # Its HTTP server (metrics) on a free loopback port, not 8787: two
                    # clusters here, or anyone else's on this machine, would otherwise warn.
                    scheduler_kwargs=LOCAL_SCHEDULER_OPTIONS,
                )
            started[n] = (cluster, Client(cluster))
        yield {n: cluster.scheduler_address for n, (cluster, _) in started.items()}
    finally:
        for cluster, client in started.values():
            client.close()
            cluster.close()


def _invoke(*args: Any) -> Any:
    return cli.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_run_is_bit_identical_on_every_backend_and_worker_count(
    clusters: dict[int, str],
) -> None:
    scenario = centre()
    serial = simulator.run(scenario, 5, workers=1)
    others = [
        simulator.run(scenario, 5, workers=2),
        simulator.run(scenario, 5, dask=clusters[1]),
        simulator.run(scenario, 5, dask=clusters[2]),
    ]
    for other in others:
        pd.testing.assert_frame_equal(other.summary(), serial.summary(), check_exact=True)
        pd.testing.assert_frame_equal(other.replications(), serial.replications(), check_exact=True)
        pd.testing.assert_frame_equal(other.intervals(), serial.intervals(), check_exact=True)
        pd.testing.assert_frame_equal(other.contacts(), serial.contacts(), check_exact=True)


def test_sweep_and_compare_are_bit_identical_on_every_backend(
    clusters: dict[int, str], tmp_path: Path
) -> None:
    scenario = centre()
    serial = simulator.sweep(scenario, GRID, 4, workers=1)
    for i, options in enumerate(
        [{"workers": 2}, {"dask": clusters[1]}, {"dask": clusters[2]}, {"dask": clusters[2]}]
    ):
        out = tmp_path / str(i) if i == 3 else None
        other = simulator.sweep(scenario, GRID, 4, out=out, **options)
        pd.testing.assert_frame_equal(other.replications(), serial.replications(), check_exact=True)
        pd.testing.assert_frame_equal(other.summary(), serial.summary(), check_exact=True)
    meta = json.loads((tmp_path / "3" / "sweep.json").read_text())
    assert meta["sessions"][-1]["backend"]["backend"] == "dask"
    assert meta["sessions"][-1]["backend"]["workers"] == 2
    pair = [centre(6), centre(7)]
    local = simulator.compare(pair, 6, workers=1).table()
    remote = simulator.compare(pair, 6, dask=clusters[2]).table()
    pd.testing.assert_frame_equal(remote, local, check_exact=True)


def test_cli_sweep_on_a_dask_scheduler_matches_a_serial_sweep(
    clusters: dict[int, str], tmp_path: Path
) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    sets = ["--set", "agent_groups[0].staffing=5:6:1", "--set", "routing.policy=fcfs"]
    serial = _invoke("sweep", path, *sets, "-r", "3", "-w", "1", "-q", "-o", tmp_path / "a")
    assert serial.exit_code == 0, serial.output
    dask = _invoke(
        "sweep", path, *sets, "-r", "3", "--dask", clusters[2], "-q", "-o", tmp_path / "b"
    )
    assert dask.exit_code == 0, dask.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "b" / "results.parquet"),
        pd.read_parquet(tmp_path / "a" / "results.parquet"),
        check_exact=True,
    )
    assert clusters[2] in (tmp_path / "b" / "sweep.json").read_text()


def test_dask_local_starts_a_cluster_for_the_run_and_closes_it(tmp_path: Path) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    args = ("run", path, "-r", "3", "--json", "--no-contacts")
    serial = json.loads(_invoke(*args, "-w", "1", "-o", tmp_path / "a").stdout)
    local = _invoke(*args, "--dask", "local", "-w", "2", "-o", tmp_path / "b")
    assert local.exit_code == 0, local.output
    assert json.loads(local.stdout)["kpis"] == serial["kpis"]


def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backends, "DASK_CONNECT_TIMEOUT", "1s")
    path = write(centre(), tmp_path / "c.yaml")
    result = _invoke(
        "run", path, "-r", "2", "-q", "--dask", "tcp://127.0.0.1:9", "-o", tmp_path / "out"
    )
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    # A sweep that could not start leaves a folder the same sweep resumes on another backend.
    sets = ["--set", "routing.policy=fcfs", "-r", "2", "-q", "-o", tmp_path / "s"]
    refused = _invoke("sweep", path, *sets, "--dask", "tcp://127.0.0.1:9")
    assert refused.exit_code == 2 and "cannot reach" in refused.output
    assert _invoke("sweep", path, *sets, "-w", "1").exit_code == 0


def _square_or_die(x: int) -> int:
    if x == 3:
        os._exit(1)  # the worker process dies, as when killed or out of memory
    return x * x


def _square_or_raise(x: int) -> int:
    if x == 2:
        raise ValueError("two is not allowed")
    return x * x


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_a_raising_task_comes_back_as_a_failure_and_the_others_finish(backend: str) -> None:
    with SerialBackend() if backend == "serial" else ProcessBackend(2) as runner:
        for x in range(6):
            runner.submit(x, _square_or_raise, x)
        results = dict(runner.next_done() for _ in range(6))
    failure = results.pop(2)
    assert isinstance(failure, TaskFailure)
    assert str(failure) == "ValueError: two is not allowed"
    assert "_square_or_raise" in failure.traceback
    assert results == {x: x * x for x in (0, 1, 3, 4, 5)}


def test_a_dying_worker_process_fails_only_its_own_task() -> None:
    with ProcessBackend(2) as runner:
        for x in range(8):
            runner.submit(x, _square_or_die, x)
        results = dict(runner.next_done() for _ in range(8))
        assert runner.pending == 0
    failure = results.pop(3)
    assert isinstance(failure, TaskFailure) and failure.error_type == WORKER_DIED
    assert results == {x: x * x for x in (0, 1, 2, 4, 5, 6, 7)}


def test_a_dying_dask_worker_is_reported_and_the_others_finish(clusters: dict[int, str]) -> None:
    """Dask retries a task whose worker died on other workers and gives up after a few deaths
    (``KilledWorker``). A task queued on the same worker each time may share that fate (Dask
    cannot tell them apart); the rest finish.
    """
    with DaskBackend(clusters[2]) as runner:
        for x in range(6):
            runner.submit(x, _square_or_die, x)
        results = dict(runner.next_done() for _ in range(6))
    failure = results.pop(3)
    assert isinstance(failure, TaskFailure) and failure.error_type == WORKER_DIED
    finished = {x: r for x, r in results.items() if not isinstance(r, TaskFailure)}
    assert len(finished) >= 3
    assert finished == {x: x * x for x in finished}
    assert all(r.error_type == WORKER_DIED for r in results.values() if isinstance(r, TaskFailure))


def _boom_at_staffing_7(scenario: Scenario, replication: int, **kwargs: Any) -> Any:
    if scenario.agent_groups[0].staffing == 7 and replication == 1:
        raise ValueError("boom")
    return simulate_replication(scenario, replication, **kwargs)


def test_cli_reports_a_failed_point_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    monkeypatch.setattr(runner_module, "simulate_replication", _boom_at_staffing_7)
    out = tmp_path / "s"
    result = _invoke(
        "sweep", path, "--set", "agent_groups[a_team].staffing=5:7:1", "-r", "3", "-w", "2",
        "-q", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "point 2 (agent_groups[a_team].staffing=7), replication 1, seed 3" in text
    assert "ValueError: boom" in text
    assert "1 point(s) failed" in text and "2 others are saved" in text
    assert len(list((out / "points").glob("point-*.parquet"))) == 2


def test_cli_run_reports_the_failing_replication(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(centre(7), tmp_path / "c.yaml")
    monkeypatch.setattr(runner_module, "simulate_replication", _boom_at_staffing_7)
    result = _invoke("run", path, "-r", "3", "-w", "2", "-q", "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert "replication 1 (seed 3) failed: ValueError: boom" in " ".join(result.output.split())


def test_default_workers_are_all_cores_and_one_task_runs_here() -> None:
    assert isinstance(make_backend(1), SerialBackend)
    assert isinstance(make_backend(None, tasks=1), SerialBackend)
    default = make_backend(None, tasks=100)
    expected = os.cpu_count() or 1
    assert default.workers == expected
    assert isinstance(default, ProcessBackend if expected > 1 else SerialBackend)
    default.close()
    assert make_backend(4, tasks=2).workers == 2


def test_one_backend_serves_many_runs_even_after_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A search runs many scenarios: it may keep one pool (or cluster) for all of them."""
    expected = simulator.run(centre(6), 4, workers=1).summary()
    with ProcessBackend(2) as shared:
        with monkeypatch.context() as patch:
            patch.setattr(runner_module, "simulate_replication", _boom_at_staffing_7)
            with pytest.raises(simulator.ReplicationFailed, match="replication 1"):
                simulator.run(centre(7), 4, backend=shared)
        assert shared.pending == 0
        for _ in range(2):
            again = simulator.run(centre(6), 4, backend=shared)
            pd.testing.assert_frame_equal(again.summary(), expected, check_exact=True)
        sweep = simulator.sweep(centre(), GRID, 2, backend=shared)
        assert sweep.metadata["sessions"][-1]["backend"] == {"backend": "processes", "workers": 2}
