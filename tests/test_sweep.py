"""Sweeps: grids of ``--set`` changes with common seeds, resumable and lossless output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure
from test_compare import centre, write
from typer.testing import CliRunner

import simulator
from helpers import assert_fits_80_columns
from simulator.cli import app
from simulator.experiment import runner as runner_module
from simulator.experiment.sweep import SweepMismatch
from simulator.model.replication import simulate_replication
from simulator.report.experiment_figures import sweep_plot
from simulator.scenario import Scenario
from simulator.scenario.changes import OverrideError

cli = CliRunner()
ROOT = Path(__file__).resolve().parent.parent

GRID = {"agent_groups[a_team].staffing": "5:7:1", "routing.policy": "fcfs,priority_longest_idle"}
SETS = [f"--set={key}={values}" for key, values in GRID.items()]


def _invoke(*args: Any) -> Any:
    return cli.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _sweep(out: Path | None = None, **options: Any) -> simulator.SweepResult:
    options.setdefault("replications", 3)
    options.setdefault("workers", 1)
    return simulator.sweep(centre(), GRID, out=out, **options)


def _failing_at(staffing: int, error: type[BaseException]) -> Any:
    """``simulate_replication`` that raises ``error`` for scenarios with that a_team staffing."""

    def simulate(scenario: Scenario, replication: int, **kwargs: Any) -> Any:
        if scenario.agent_groups[0].staffing == staffing:
            raise error("boom")
        return simulate_replication(scenario, replication, **kwargs)

    return simulate


def test_grid_gives_one_tidy_row_per_point_and_replication(tmp_path: Path) -> None:
    result = _sweep(tmp_path / "s")
    table = result.replications()
    assert result.complete and result.points == 6 and len(table) == 6 * 3
    keys = list(GRID)
    assert list(table.columns[:5]) == ["point", *keys, "replication", "seed"]
    assert {"service_level", "abandon_rate", "occupancy[group=flex]"} <= set(table.columns)
    # The first key varies slowest; every point has replications 0, 1, 2 of seed 3.
    points = table.drop_duplicates("point")
    assert list(points[keys[0]]) == [5, 5, 6, 6, 7, 7]
    assert list(points[keys[1]]) == ["fcfs", "priority_longest_idle"] * 3
    assert (table.groupby("point")["replication"].apply(list) == [[0, 1, 2]] * 6).all()
    assert (table["seed"] == 3).all()
    saved = pd.read_parquet(tmp_path / "s" / "results.parquet")
    pd.testing.assert_frame_equal(saved, table)
    summary = result.summary()
    assert len(summary) == 6 * len(set(summary["kpi"]))
    known = summary.dropna(subset=["mean", "half_width"])
    assert len(known) > len(summary) / 2
    assert (known["low"] <= known["mean"]).all() and (known["mean"] <= known["high"]).all()
    assert (tmp_path / "s" / "summary.csv").stat().st_size > 0


def test_every_point_is_the_run_of_its_scenario_with_the_common_seed() -> None:
    result = _sweep()
    table = result.replications()
    # Common random numbers: the first calls do not depend on staffing or routing.
    offered = table.pivot(index="replication", columns="point", values="offered_first")
    assert (offered.nunique(axis=1) == 1).all()
    # And each point is exactly what ``run`` gives for that scenario.
    changed = simulator.sweep(centre(), {"agent_groups[0].staffing": [7]}, 3, workers=1)
    data = simulator.scenario.scenario_to_dict(centre())
    data["agent_groups"][0]["staffing"] = 7
    alone = simulator.run(simulator.scenario_from_dict(data), 3, keep_contacts=False)
    expected = alone.replications()
    got = changed.replications().drop(columns=["point", "agent_groups[0].staffing", "seed"])
    pd.testing.assert_frame_equal(got[expected.columns], expected)


def test_grid_forms_are_equivalent() -> None:
    as_strings = _sweep().replications()
    as_lists = simulator.sweep(
        centre(),
        {
            "agent_groups[a_team].staffing": [5, 6, 7],
            "routing.policy": ["fcfs", "priority_longest_idle"],
        },
        3,
        workers=1,
    ).replications()
    as_specs = simulator.sweep(
        centre(), [f"{k}={v}" for k, v in GRID.items()], 3, workers=1
    ).replications()
    pd.testing.assert_frame_equal(as_strings, as_lists)
    pd.testing.assert_frame_equal(as_strings, as_specs)


def test_every_output_records_scenario_seed_version_and_backend(tmp_path: Path) -> None:
    _sweep(tmp_path / "s", workers=2)
    meta = json.loads((tmp_path / "s" / "sweep.json").read_text())
    assert meta["scenario"] == centre().name and meta["seed"] == 3
    assert meta["ccsim_version"] == simulator.__version__
    assert meta["sessions"][-1]["backend"] == {"backend": "processes", "workers": 2}
    assert meta["complete"] is True
    for path in [
        *sorted((tmp_path / "s" / "points").iterdir()),
        tmp_path / "s" / "results.parquet",
    ]:
        info = json.loads(pq.read_schema(path).metadata[b"ccsim.sweep"])
        assert info["scenario"] == centre().name and info["seed"] == 3, path
        assert info["ccsim_version"] == simulator.__version__
        assert "backend" in json.dumps(info)


def test_a_failed_point_keeps_the_others_and_a_rerun_computes_only_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _sweep(tmp_path / "ref").replications()
    out = tmp_path / "s"
    with monkeypatch.context() as patch:
        patch.setattr(runner_module, "simulate_replication", _failing_at(6, ValueError))
        broken = _sweep(out, workers=2)
    assert not broken.complete
    assert sorted(f.point for f in broken.failures) == [2, 3]
    message = str(next(f for f in broken.failures if f.point == 2))
    assert "point 2" in message and "agent_groups[a_team].staffing=6" in message
    assert "replication 0" in message and "seed 3" in message and "ValueError: boom" in message
    assert sorted(broken.computed) == [0, 1, 4, 5]
    assert len(list((out / "points").glob("point-*.parquet"))) == 4
    assert not (out / "results.parquet").exists()
    again = _sweep(out, workers=2)
    assert again.computed == [2, 3] and again.reused == [0, 1, 4, 5]
    pd.testing.assert_frame_equal(again.replications(), reference)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)


def test_an_interrupted_sweep_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _sweep(tmp_path / "ref").replications()
    out = tmp_path / "s"
    with monkeypatch.context() as patch:
        patch.setattr(runner_module, "simulate_replication", _failing_at(6, KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            _sweep(out)
    assert sorted(p.name for p in (out / "points").iterdir()) == [
        "point-00000.parquet",
        "point-00001.parquet",
    ]
    again = _sweep(out)
    assert again.reused == [0, 1] and again.computed == [2, 3, 4, 5]
    pd.testing.assert_frame_equal(again.replications(), reference)


def _cli_subprocess(*args: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    return subprocess.Popen(
        [sys.executable, "-c", "from simulator.cli import app; app()", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("sig", "workers"), [(signal.SIGTERM, 2), (signal.SIGKILL, 1)], ids=["SIGTERM", "SIGKILL"]
)
def test_a_killed_sweep_loses_no_finished_point(
    tmp_path: Path, sig: signal.Signals, workers: int
) -> None:
    scenario = write(centre(hours=8, replications=12), tmp_path / "day.yaml")
    sets = ["--set", "agent_groups[a_team].staffing=5:16:1"]
    reference = tmp_path / "ref"
    assert _invoke("sweep", scenario, *sets, "-w", "1", "-q", "-o", reference).exit_code == 0
    out = tmp_path / "s"
    process = _cli_subprocess("sweep", scenario, *sets, "-w", workers, "-q", "-o", out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("points/point-*.parquet"))) < 2:
        time.sleep(0.02)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    if sig == signal.SIGTERM:
        assert process.returncode == 130, stderr.decode()
        assert b"run the same command again to resume" in stderr
        assert not list(out.rglob(".*.tmp"))
    saved = sorted(out.glob("points/point-*.parquet"))
    assert 2 <= len(saved) < 12
    for path in saved:
        pq.read_table(path)  # complete, readable files only
    again = _invoke("sweep", scenario, *sets, "-w", "2", "-q", "-o", out)
    assert again.exit_code == 0, again.output
    assert f"{len(saved)} reused" in again.output
    assert not list(out.rglob(".*.tmp"))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "results.parquet"), pd.read_parquet(reference / "results.parquet")
    )


def test_a_changed_scenario_or_grid_is_refused_not_mixed(tmp_path: Path) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    out = tmp_path / "s"
    assert _invoke("sweep", path, *SETS, "-r", "2", "-w", "1", "-q", "-o", out).exit_code == 0
    before = (out / "results.parquet").read_bytes()
    path.write_text(path.read_text().replace("mean: 300", "mean: 320"))
    edited = _invoke("sweep", path, *SETS, "-r", "2", "-w", "1", "-q", "-o", out)
    assert edited.exit_code == 2
    assert "different sweep" in edited.output and "scenario's content changed" in edited.output
    assert "--force" in edited.output
    assert (out / "results.parquet").read_bytes() == before
    regrid = _invoke(
        "sweep", path, "--set", "routing.policy=fcfs", "-r", "2", "-w", "1", "-q", "-o", out
    )
    assert regrid.exit_code == 2
    assert "--set agent_groups[a_team].staffing is no longer swept" in regrid.output
    assert "--set routing.policy changed" in " ".join(regrid.output.split())
    more = _invoke("sweep", path, *SETS, "-r", "3", "-w", "1", "-q", "-o", out)
    assert more.exit_code == 2 and "replications per point changed (2 -> 3)" in more.output
    forced = _invoke("sweep", path, *SETS, "-r", "2", "-w", "1", "-q", "-o", out, "--force")
    assert forced.exit_code == 0 and "6 computed, 0 reused" in forced.output
    with pytest.raises(SweepMismatch, match="different sweep"):
        _sweep(out)


def test_a_folder_of_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(SweepMismatch, match="not empty"):
        _sweep(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("routing.polcy=fcfs", ["routing.polcy", "unknown key 'polcy'", "did you mean 'policy'"]),
        ("agent_groups[7].staffing=5", ["agent_groups[7]", "out of range", "2 item(s)"]),
        ("agent_groups[nobody].staffing=5", ["agent_groups[nobody]", "no item named 'nobody'"]),
        ("agent_groups[0].staffing=7:5:1", ["agent_groups[0].staffing", "bad range '7:5:1'"]),
        ("agent_groups[0].staffing=5:7:0", ["agent_groups[0].staffing", "step must not be 0"]),
        ("agent_groups[0].staffing=5:7:x", ["agent_groups[0].staffing", "bad range '5:7:x'"]),
        ("agent_groups[0].staffing=many", ["agent_groups[0].staffing", "whole number", "'many'"]),
        ("agent_groups[0].staffing=5.5", ["agent_groups[0].staffing", "whole number", "5.5"]),
        ("routing.policy=random", ["routing.policy", "'random'"]),
        ("routing.policy.x=1", ["routing.policy.x", "is a value"]),
        ("agent_groups[0].staffing", ["agent_groups[0].staffing", "KEY=VALUES"]),
        ("agent_groups[0].staffing=5,5", ["agent_groups[0].staffing", "given twice"]),
    ],
)
def test_bad_set_expressions_exit_2_naming_the_key_path(
    tmp_path: Path, setting: str, words: list[str]
) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    result = _invoke("sweep", path, "--set", setting, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    for word in words:
        assert word in text, (word, text)
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_bad_values_raise_override_errors_in_python() -> None:
    with pytest.raises(OverrideError, match=r"agent_groups\[0\]\.staffing") as caught:
        simulator.sweep(centre(), {"agent_groups[0].staffing": "a:b:c"})
    assert caught.value.path == "agent_groups[0].staffing"


def test_cli_sweep_prints_points_and_writes_plots(tmp_path: Path) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    out = tmp_path / "s"
    result = _invoke(
        "sweep", path, *SETS, "-r", "2", "-w", "1", "-q", "-o", out,
        "--plot", "abandon_rate", "--plot", "occupancy[group=flex]", "--x", "routing.policy",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "6 points: 6 computed, 0 reused" in result.output
    assert_fits_80_columns(result.output, out)
    for name in (
        "abandon_rate_vs_routing_policy.png",
        "occupancy_group_flex_vs_routing_policy.png",
    ):
        assert (out / name).stat().st_size > 0
    figure = sweep_plot(_sweep().summary(), x="agent_groups[a_team].staffing", kpi="asa_s")
    assert isinstance(figure, Figure) and figure.axes
    data = json.loads(
        _invoke("sweep", path, *SETS, "-r", "2", "-w", "1", "-q", "-o", out, "--json").stdout
    )
    assert data["reused"] == list(range(6)) and data["computed"] == []
    bad = _invoke("sweep", path, *SETS, "-r", "2", "-w", "1", "-q", "-o", out, "--plot", "nope")
    assert bad.exit_code == 2 and "nope" in bad.output


def test_a_clipped_bound_does_not_split_the_curve() -> None:
    """``clipped`` is a fact about a point's bounds, not a swept key: one line, not two."""
    summary = pd.DataFrame(
        {
            "point": [0, 1, 2],
            "agents": [4, 5, 6],
            "kpi": ["service_level"] * 3,
            "mean": [0.2, 0.7, 1.0],
            "half_width": [0.01, 0.05, 0.0],
            "low": [0.19, 0.65, 1.0],
            "high": [0.21, 0.75, 1.0],
            "clipped": [False, False, True],
            "replications": [3, 3, 3],
        }
    )
    figure = sweep_plot(summary, x="agents", kpi="service_level")
    lines = [line for line in figure.axes[0].get_lines() if len(line.get_xdata()) > 1]
    assert len(lines) == 1 and list(lines[0].get_xdata()) == [4, 5, 6]
