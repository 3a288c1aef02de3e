"""The ``ccsim run`` KPI table at 80 columns: breakdowns as indented sub-rows, so long
queue, call-type and group names are printed whole on one line."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

import simulator
from helpers import assert_fits_80_columns
from simulator.cli import app
from simulator.cli.tables import KpiRow, kpi_rows

CALL_TYPES = ("mortgage_and_remortgage_enquiries", "card_fraud_and_disputes_urgent")
QUEUES = ("mortgages_and_savings_desk", "fraud_and_disputes_desk")
GROUPS = ("mortgage_specialists_team", "fraud_investigators_team")


def test_breakdowns_become_sub_rows_of_their_kpi() -> None:
    names = [
        "offered",
        "service_level",
        "offered[queue=a]",
        "offered[queue=b]",
        "service_level[call_type=x]",
        "occupancy[group=g]",
    ]
    assert kpi_rows(names) == [
        KpiRow("offered", "offered"),
        KpiRow("  by queue", None),
        KpiRow("    a", "offered[queue=a]"),
        KpiRow("    b", "offered[queue=b]"),
        KpiRow("service_level", "service_level"),
        KpiRow("  by call_type", None),
        KpiRow("    x", "service_level[call_type=x]"),
        KpiRow("occupancy", None),  # its overall figure is not listed: a heading only
        KpiRow("  by group", None),
        KpiRow("    g", "occupancy[group=g]"),
    ]


def _long_names_scenario(folder: Path) -> Path:
    data = {
        "name": "long names",
        "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 30},
        "queues": [{"name": q} for q in QUEUES],
        "call_types": [
            {
                "name": name,
                "target": queue,
                "volume": {"rate_per_hour": 40},
                "handle_time": {"dist": "exponential", "mean": 120},
                "patience": {"dist": "exponential", "mean": 120},
            }
            for name, queue in zip(CALL_TYPES, QUEUES, strict=True)
        ],
        "agent_groups": [
            {"name": group, "skills": {queue: 1}, "staffing": 2}
            for group, queue in zip(GROUPS, QUEUES, strict=True)
        ],
    }
    path = folder / "long.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_run_table_keeps_long_breakdown_names_whole_at_80_columns(tmp_path: Path) -> None:
    path = _long_names_scenario(tmp_path)
    runner = CliRunner()
    for extra in ([], ["--all"]):
        out = tmp_path / f"out{len(extra)}"
        result = runner.invoke(
            app, ["run", str(path), "-r", "2", "-w", "1", "-q", "-o", str(out), *extra]
        )
        assert result.exit_code == 0, result.output
        assert_fits_80_columns(result.output, out)
        lines = result.output.splitlines()
        assert not any("[call_type=" in line or "[queue=" in line for line in lines)
        # One call type per queue: its figures are its queue's, listed once (--all
        # lists both).
        apart = bool(extra)
        assert any(line.strip() == "by call_type" for line in lines) == apart
        assert ("see by queue" in " ".join(lines)) != apart
        for heading in ("by queue", "by group"):
            assert any(line.strip() == heading for line in lines), heading
        for member in (*(CALL_TYPES if apart else ()), *QUEUES, *GROUPS):
            # The whole name on an indented line that also carries the numbers.
            rows = [line for line in lines if line.strip().startswith(member)]
            assert rows, member
            assert all(line.startswith("    ") for line in rows), rows
            assert all(len(line.split()) >= 4 for line in rows), rows


def test_call_types_sharing_a_queue_are_listed_apart(tmp_path: Path) -> None:
    data = yaml.safe_load(_long_names_scenario(tmp_path).read_text())
    data["call_types"][1]["target"] = data["call_types"][0]["target"]  # two types, one queue
    result = simulator.run(simulator.scenario_from_dict(data), replications=2, workers=1)
    assert not result.call_types_are_queues()
    assert any("[call_type=" in name for name in result.shown())
