"""Hostile input and failing disks: every case ends in exit 0 (a valid result) or exit 2
with a message, within a CPU-time and memory bound enforced on a subprocess; output files
are complete or absent; workers die with their parent.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import simulator
from simulator.cli import app
from simulator.outputfiles import NULL_REASONS_KEY, finite_json, json_text

CPU_LIMIT_S = 30
"""CPU seconds a hostile case may use (a hang or a billion-laughs expansion exceeds it)."""
MEMORY_LIMIT = 3 * 1024**3
"""Address space a hostile case may use (a memory blow-up exceeds it)."""

BASE: dict[str, Any] = {
    "name": "tiny",
    "seed": 3,
    "replications": 2,
    "calendar": {"days": 1, "open": "08:00", "close": "10:00", "interval_minutes": 30},
    "queues": [{"name": "general"}],
    "call_types": [
        {
            "name": "calls",
            "target": "general",
            "volume": {"rate_per_hour": 40},
            "handle_time": {"dist": "exponential", "mean": 180},
            "patience": {"dist": "exponential", "mean": 120},
        }
    ],
    "agent_groups": [{"name": "front", "skills": {"general": 1}, "staffing": 3}],
}


def _scenario(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    data.update(changes)
    return data


def _call_type(**changes: Any) -> dict[str, Any]:
    return {**BASE["call_types"][0], **changes}


def _limits(fsize: int | None = None) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return apply


def ccsim(*args: str, cwd: Path, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ccsim ARGS`` in a subprocess under CPU, memory (and file-size) limits."""
    return subprocess.run(
        [sys.executable, "-c", "from simulator.cli import app; app()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=_limits(fsize),
        timeout=10 * CPU_LIMIT_S,
        check=False,
    )


def assert_clean_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, a message on stderr naming what is wrong, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert "error" in result.stderr.lower()
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def _write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def _laughs(levels: int = 9, width: int = 10) -> str:
    """A YAML "billion laughs": ``width ** levels`` values from a few lines of aliases."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- scenario files

SCENARIO_CASES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "billion laughs": (_laughs() + "name: *l8\n", ("aliases",)),
    "laughs inside empirical values": (
        _laughs()
        + yaml.safe_dump(
            _scenario(call_types=[_call_type(handle_time={"dist": "empirical", "values": []})])
        ).replace("values: []", "values: *l8"),
        ("aliases",),
    ),
    "alias to itself": ("a: &a [*a]\nname: x\n", ("itself",)),
    "csv from /dev/zero": (
        _scenario(call_types=[_call_type(volume={"csv": "/dev/zero"})]),
        ("call_types[0].volume.csv", "larger than"),
    ),
    "a billion agents": (
        _scenario(agent_groups=[{"name": "front", "skills": {"general": 1}, "staffing": 10**9}]),
        ("agent_groups", "at most"),
    ),
    "200 call types at 800,000 an hour": (
        _scenario(
            call_types=[
                _call_type(name=f"c{i}", volume={"rate_per_hour": 800_000}) for i in range(200)
            ]
        ),
        ("call_types", "calls in a replication"),
    ),
    "volume summed over days": (
        _scenario(
            calendar={**BASE["calendar"], "days": 300},
            call_types=[_call_type(volume={"rate_per_hour": 10_000})],
        ),
        ("call_types", "300 day(s)"),
    ),
    "10,000 days": (_scenario(calendar={**BASE["calendar"], "days": 10_000}), ("calendar.days",)),
    "warm-up longer than the calendar": (_scenario(warmup_minutes=600), ("warmup_minutes",)),
    "handle time none": (
        _scenario(call_types=[_call_type(handle_time={"dist": "none"})]),
        ("call_types[0].handle_time", "finite mean"),
    ),
    "handle time mean 1e308": (
        "\n".join(
            yaml.safe_dump(
                _scenario(call_types=[_call_type(handle_time={"dist": "exponential", "mean": 1})])
            ).splitlines()
        ).replace("mean: 1\n", "mean: 1e308\n", 1)
        + "\n",
        ("call_types[0].handle_time.mean",),
    ),
    "handle_time_factor 1e308": (
        _scenario(
            agent_groups=[
                {
                    "name": "front",
                    "skills": {"general": 1},
                    "staffing": 3,
                    "handle_time_factor": 1e308,
                }
            ]
        ),
        ("agent_groups[0].handle_time_factor",),
    ),
    "lognormal cv 1e200": (
        _scenario(
            call_types=[_call_type(handle_time={"dist": "lognormal", "mean": 9, "cv": 1e200})]
        ),
        ("call_types[0].handle_time.cv",),
    ),
    "wrap-up none": (
        _scenario(call_types=[_call_type(wrap_up={"dist": "none"})]),
        ("call_types[0].wrap_up",),
    ),
    "explain time none": (
        _scenario(callers={"explain_time": {"dist": "none"}}),
        ("callers.explain_time",),
    ),
    "true as a number": (
        _scenario(agent_groups=[{"name": "front", "skills": {"general": 1}, "staffing": True}]),
        ("agent_groups[0].staffing", "whole number"),
    ),
    "a string as a number": (
        _scenario(call_types=[_call_type(volume={"rate_per_hour": "50"})]),
        ("call_types[0].volume.rate_per_hour", "must be a number"),
    ),
    "transfer to an unserved queue": (
        _scenario(
            queues=[{"name": "general"}, {"name": "back"}],
            transfers={"matrix": {"general": {"back": 0.3}}},
        ),
        ("transfers.matrix.general.back", "no agent group serves"),
    ),
    "IVR option, zero-out and self-service to an unserved queue": (
        _scenario(
            queues=[{"name": "general"}, {"name": "back"}],
            ivr={
                "zero_out": {"queue": "back", "probability": 0.1},
                "menu": {
                    "options": {
                        "1": {"queue": "general"},
                        "2": {"queue": "back"},
                        "3": {
                            "self_service": {
                                "queue": "back",
                                "resolve_probability": 0.5,
                                "time": {"dist": "exponential", "mean": 60},
                            }
                        },
                    }
                },
            },
        ),
        ("ivr.zero_out.queue", "ivr.menu.options['2'].queue", "self_service.queue"),
    ),
    "misroute chance above 1": (
        _scenario(
            ivr={
                "misroute_per_option": 0.4,
                "menu": {
                    "options": {
                        "1": {"queue": "general"},
                        "2": {"queue": "general"},
                        "3": {"queue": "general"},
                    }
                },
            }
        ),
        ("ivr.misroute_per_option", "more than 1"),
    ),
    "a 3 MB scenario file": (
        yaml.safe_dump(
            _scenario(
                call_types=[
                    _call_type(handle_time={"dist": "empirical", "values": [60.5] * 500_000})
                ]
            )
        ),
        ("larger than",),
    ),
}


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_hostile_scenario_is_refused_cleanly(tmp_path: Path, case: str) -> None:
    content, words = SCENARIO_CASES[case]
    path = _write(tmp_path, "scenario.yaml", content)
    result = ccsim("check", str(path), cwd=tmp_path)
    assert_clean_refusal(result, "scenario.yaml", *words)


def test_the_base_scenario_runs(tmp_path: Path) -> None:
    """The cases above differ from a scenario that is accepted and runs (exit 0)."""
    path = _write(tmp_path, "scenario.yaml", _scenario())
    result = ccsim("run", str(path), "--out", "out", "-q", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["kpis"]["offered"]["mean"] > 0


def test_numbers_in_exponent_form_are_numbers(tmp_path: Path) -> None:
    """YAML 1.1 reads ``1e3`` as a string; a scenario reads it as the number 1000."""
    text = yaml.safe_dump(_scenario()).replace("mean: 180", "mean: 1.8e2")
    assert "1.8e2" in text
    loaded = simulator.load(_write(tmp_path, "s.yaml", text))
    assert loaded.call_types[0].handle_time.mean == 180


# --------------------------------------------------------------------------- command lines

COMMAND_CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "erlang c with 1e12 calls an hour": (
        ["erlang", "c", "--calls-per-hour", "1e12", "--aht", "180"],
        ("Erlangs",),
    ),
    "erlang c with 1e8 agents": (
        ["erlang", "c", "--calls-per-hour", "100", "--aht", "180", "--agents", "100000000"],
        ("at most",),
    ),
    "erlang b with a table a million rows wide": (
        ["erlang", "b", "--calls-per-hour", "100", "--aht", "180", "--width", "1000000"],
        ("width",),
    ),
}


@pytest.mark.parametrize("case", sorted(COMMAND_CASES))
def test_hostile_command_line_is_refused_cleanly(tmp_path: Path, case: str) -> None:
    args, words = COMMAND_CASES[case]
    assert_clean_refusal(ccsim(*args, cwd=tmp_path), *words)


def test_a_huge_sweep_grid_is_refused_before_it_is_built(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    result = ccsim(
        "sweep",
        str(path),
        "--set",
        "agent_groups[0].staffing=1:10000:1",
        "--set",
        "calendar.interval_minutes=1:10000:1",
        "--out",
        "sweep",
        cwd=tmp_path,
    )
    assert_clean_refusal(result, "100,000,000 points")
    assert not (tmp_path / "sweep").exists()


# --------------------------------------------------------------------------- Hypothesis

_HUGE = st.sampled_from([10**30, 1e300, -1e300, 2**63, 1e-320])
_WRONG = st.sampled_from([True, False, "50", "1e3", None, [], {}, "none", [1, [2, [3]]]])
_LEAF = st.one_of(_HUGE, _WRONG, st.integers(-5, 5), st.floats(allow_nan=False, width=32))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


@st.composite
def hostile_yaml(draw: st.DrawFn) -> str:
    """The base scenario with one value replaced by something hostile, sometimes nested
    deeply, and sometimes preceded by an alias bomb it refers to."""
    paths = _paths(BASE)
    path = draw(st.sampled_from(paths))
    leaf = draw(_LEAF)
    depth = draw(st.integers(0, 3))
    value: Any = leaf
    for _ in range(depth * 40):
        value = [value]
    text = yaml.safe_dump(_replace(BASE, path, value), sort_keys=False, width=10**6)
    if draw(st.booleans()):
        levels = draw(st.integers(2, 8))
        bomb = _laughs(levels=levels, width=12)
        # Put the bomb where the hostile value was (a mapping key at the top level).
        text = bomb + text.replace("name: tiny", f"name: *l{levels - 1}", 1)
    return text


@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_yaml())
def test_generated_hostile_yaml_ends_cleanly(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, "generated.yaml", text)
    result = ccsim("check", str(path), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    if result.returncode == 0:
        assert result.stdout.startswith("ok"), result.stdout
    else:
        assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
        assert "generated.yaml" in result.stderr


# --------------------------------------------------------------------------- failing disks


def test_disk_full_exits_2_and_leaves_no_partial_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    result = ccsim("run", str(path), "--out", "out", "-q", cwd=tmp_path, fsize=20_000)
    assert_clean_refusal(result, "out/", "File too large")
    assert not (tmp_path / "out").exists()  # created by this run: removed as a whole


def test_disk_full_on_a_rerun_keeps_the_earlier_run(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    assert ccsim("run", str(path), "--out", "out", "-q", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    result = ccsim(
        "run", str(path), "--out", "out", "-q", "--seed", "9", cwd=tmp_path, fsize=20_000
    )
    assert_clean_refusal(result, "File too large")
    after = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert after == before  # nothing half-written, no staging folder left


def test_read_only_output_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    if os.geteuid() == 0:  # root writes through permissions: use a read-only file system
        target = Path("/sys/ccsim-test-output")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        target = locked / "out"
    result = ccsim("run", str(path), "--out", str(target), "-q", cwd=tmp_path)
    assert_clean_refusal(result, str(target))
    assert not target.exists()


def test_report_to_an_unwritable_place_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    assert ccsim("run", str(path), "--out", "out", "-q", cwd=tmp_path).returncode == 0
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = ccsim("report", "out", "--output", "blocker/report.html", cwd=tmp_path)
    assert_clean_refusal(result, "blocker")


# --------------------------------------------------------------------------- run folders

runner = CliRunner()


def test_rerun_replaces_the_earlier_files_as_a_set(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    out = tmp_path / "out"
    first = runner.invoke(app, ["run", str(path), "--out", str(out), "-q"])
    assert first.exit_code == 0, first.output
    assert (out / "contacts.parquet").exists() and (out / "wait_distribution.png").exists()
    second = runner.invoke(app, ["run", str(path), "--out", str(out), "-q", "--no-contacts"])
    assert second.exit_code == 0, second.output
    assert not (out / "contacts.parquet").exists()
    assert not (out / "wait_distribution.png").exists()
    listed = json.loads((out / "run.json").read_text())["files"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*listed, "run.json"])


def test_another_scenarios_folder_is_refused_before_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _write(tmp_path, "a.yaml", _scenario())
    other = _write(tmp_path, "b.yaml", _scenario(name="other"))
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(first), "--out", str(out), "-q"]).exit_code == 0

    def must_not_simulate(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("simulated before checking the folder")

    monkeypatch.setattr("simulator.cli.run.run", must_not_simulate)
    result = runner.invoke(app, ["run", str(other), "--out", str(out), "-q"])
    assert result.exit_code == 2
    assert "different scenario" in result.output


def test_report_refuses_a_foreign_summary(tmp_path: Path) -> None:
    folder = tmp_path / "foreign"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"total": 3}))
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert "not written by ccsim run" in result.output
    assert not (folder / "report.html").exists()


# --------------------------------------------------------------------------- JSON


def test_json_never_holds_nan_or_infinity() -> None:
    data = {"a": math.nan, "b": [1.0, math.inf], "c": {"d": -math.inf, "e": 2}, "f": True}
    cleaned = finite_json(data)
    assert cleaned["a"] is None and cleaned["b"] == [1.0, None] and cleaned["c"]["d"] is None
    assert cleaned[NULL_REASONS_KEY]["a"].startswith("undefined")
    assert cleaned["c"][NULL_REASONS_KEY] == {"d": "minus infinite"}
    assert cleaned["f"] is True and cleaned["c"]["e"] == 2

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    json.loads(json_text(data), parse_constant=refuse)


def test_summary_json_is_strict_json_with_reasons_for_nulls(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out), "-q", "--no-contacts"])
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    summary = json.loads((out / "summary.json").read_text(), parse_constant=refuse)
    nulls = [
        (name, key)
        for name, entry in summary["kpis"].items()
        for key, value in entry.items()
        if value is None and key in ("mean", "half_width", "low", "high")
    ]
    for name, key in nulls:
        assert key in summary["kpis"][name][NULL_REASONS_KEY], name


# --------------------------------------------------------------------------- start-up


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["erlang", "c", "--calls-per-hour", "360", "--aht", "180"],
        ["check", "SCENARIO"],
    ],
    ids=["help", "version", "erlang", "check"],
)
def test_light_commands_do_not_import_the_model(tmp_path: Path, args: list[str]) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    args = [str(path) if a == "SCENARIO" else a for a in args]
    script = textwrap.dedent(
        f"""
        import sys
        from simulator.cli import app
        sys.argv = ["ccsim", *{args!r}]
        try:
            app()
        except SystemExit as exit:
            assert exit.code in (0, None), exit.code
        names = ("pandas", "matplotlib", "simpy", "simulator.model")
        heavy = [m for m in names if m in sys.modules]
        print("HEAVY", heavy)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout[-500:]


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"ccsim {version('ccsim')}"
    assert simulator.__version__ == version("ccsim")


def test_help_lists_each_command_with_its_own_help() -> None:
    """The help shown without importing a command is the command's own first line."""
    from simulator.cli.app import COMMANDS, load_command

    for name, spec in COMMANDS.items():
        command = load_command(name)
        assert command is not None, name
        assert command.get_short_help_str(limit=200) == spec.help, name


# --------------------------------------------------------------------------- orphans


def _children(pid: int) -> list[int]:
    result = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(x) for x in result.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_workers_die_with_a_killed_sweep(tmp_path: Path) -> None:
    path = _write(tmp_path, "scenario.yaml", _scenario())
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from simulator.cli import app; app()",
            "sweep",
            str(path),
            "--set",
            "agent_groups[0].staffing=3:200:1",
            "--set",
            "calendar.days=1:40:1",
            "--workers",
            "2",
            "--out",
            "sweep",
            "-q",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(_children(process.pid)) < 2:
            time.sleep(0.1)
        workers = _children(process.pid)
        assert len(workers) >= 2, "the sweep did not start two workers"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    time.sleep(5)
    assert [pid for pid in workers if _alive(pid)] == []


# --------------------------------------------------------------------------- after the last day


def test_work_due_after_the_last_day_is_dropped_alike() -> None:
    """Callbacks and recontacts due after the last closing are both left out: neither is
    simulated, so the callback success rate is undefined rather than 0 %."""
    data = _scenario(
        replications=2,
        callers={
            "recontact": {"probability": 1.0, "delay": {"dist": "deterministic", "value": 90_000}}
        },
        agent_groups=[
            {
                "name": "front",
                "skills": {"general": 1},
                "staffing": 1,
                "resolve_probability": {"general": 0.5},
            }
        ],
        callback={
            "offer_when_expected_wait_s": 0,
            "accept_probability": 1.0,
            "mode": "scheduled",
            "scheduled_after_s": 90_000,
        },
    )
    result = simulator.run(simulator.scenario_from_dict(data), workers=1)
    contacts = result.contacts()
    origins = set(contacts["origin"].astype(str))
    assert {"callback", "recontact"}.isdisjoint(origins), origins
    assert (contacts["outcome"].astype(str) == "callback_accepted").any()
    assert math.isnan(float(result.summary().loc["callback_success_rate", "mean"]))
