"""``ccsim fit`` on a small hand-made leg log: what it reads, and every way a log can be wrong.

A bad log, staffing file or option ends with exit status 2 and a message naming the
file, the line (the header is line 1) and the column; no traceback, and nothing is
written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli.app import app

HEADER = (
    "contact_id,customer_id,call_type,queue,arrived_at,answered_at,ended_at,outcome,"
    "agent_group,agent_id,wrap_up_s,ivr_s"
)
ROWS = [
    # line 2-3: a contact transferred from general to cards, after 12 s in the IVR
    "c1,A,card,general,2026-03-02T09:00:00,2026-03-02T09:00:10,2026-03-02T09:03:10,transferred,front,f1,0,12",
    "c1,A,card,cards,2026-03-02T09:03:10,2026-03-02T09:03:40,2026-03-02T09:08:40,answered,back,b1,30,",
    # line 4-5: B abandons after 60 s, redials 14 minutes later and is answered
    "c2,B,card,general,2026-03-02T09:05:00,,2026-03-02T09:06:00,abandoned,,,,8",
    "c3,B,card,general,2026-03-02T09:20:00,2026-03-02T09:20:05,2026-03-02T09:25:05,answered,front,f2,10,",
    # line 6: C hangs up in the IVR
    "c4,C,card,general,2026-03-02T09:30:00,,2026-03-02T09:30:20,ivr_abandoned,,,,20",
    # line 7-8: D is answered, calls again 6 minutes later (a recontact) and abandons
    "c5,D,card,general,2026-03-02T09:40:00,2026-03-02T09:40:00,2026-03-02T09:44:00,answered,front,f1,5,",
    "c6,D,card,general,2026-03-02T09:50:00,,2026-03-02T09:51:30,abandoned,,,,",
]


def write(folder: Path, header: str = HEADER, rows: list[str] | None = None) -> Path:
    path = folder / "log.csv"
    lines = [header, *(ROWS if rows is None else rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_small_leg_log_is_read_as_hand_computed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["fit", str(write(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "fit.json").read_text())
    assert data["contacts"] == {"total": 6, "first": 4, "redial": 1, "recontact": 1}
    # general: 3 answered legs (c1, c3, c5), one passed to cards, one followed by a recontact.
    assert data["transfers"]["matrix"] == {"general": {"cards": pytest.approx(1 / 3)}}
    assert data["transfers"]["recontacts_after_answer_in"] == {"general": 1}
    # c2 abandoned and redialled 14 minutes after hanging up.
    assert data["redial"]["followed"] == 1
    assert data["redial"]["delay"] == []  # too few delays to fit a family
    # IVR: 3 contacts, one hung up there; those who went through spent (12 + 8) / 2 s.
    assert data["ivr"]["contacts"] == 3
    assert data["ivr"]["ivr_abandon_rate"] == pytest.approx(1 / 3)
    assert data["ivr"]["mean_time_s"] == pytest.approx(10.0)
    scenario = data["scenario"]
    assert scenario["calendar"]["open"] == "09:00" and scenario["calendar"]["close"] == "10:00"
    groups = {g["name"]: g for g in scenario["agent_groups"]}
    assert groups["back"]["skills"] == {"cards": 1} and groups["front"]["skills"] == {"general": 1}
    # Too few talk times for a family: their mean, (180 + 300 + 300 + 240) / 4 s.
    assert scenario["call_types"][0]["handle_time"] == {"dist": "exponential", "mean": 255.0}
    # Unresolved in general: transferred (1/3) or recontacting (1/3); every unresolved
    # caller is assumed to call again, so half the unresolved are transferred.
    assert groups["front"]["resolve_probability"] == {"general": pytest.approx(1 / 3, abs=1e-4)}
    assert scenario["transfers"]["matrix"] == {"general": {"cards": 0.5}}
    assert scenario["callers"]["recontact"]["probability"] == 1.0
    assert "lower bound" in result.output


def edit(line: int, column: str, value: str) -> Callable[[list[str]], list[str]]:
    """Set ``column`` of the row on ``line`` (header = line 1)."""
    names = HEADER.split(",")

    def change(rows: list[str]) -> list[str]:
        cells = rows[line - 2].split(",")
        cells[names.index(column)] = value
        return [*rows[: line - 2], ",".join(cells), *rows[line - 1 :]]

    return change


BAD_LOGS: dict[str, tuple[Callable[[list[str]], list[str]], str, list[str]]] = {
    "unparseable time": (
        edit(3, "arrived_at", "2026-13-45 9am"),
        "ISO 8601",
        ["line 3", "arrived_at"],
    ),
    "empty required time": (edit(5, "ended_at", ""), "empty", ["line 5", "ended_at"]),
    "end before arrival": (
        edit(7, "ended_at", "2026-03-02T09:39:00"),
        "ends before",
        ["line 7", "ended_at"],
    ),
    "negative wait": (
        edit(5, "answered_at", "2026-03-02T09:19:00"),
        "negative wait",
        ["line 5", "answered_at"],
    ),
    "answered after the end": (
        edit(7, "answered_at", "2026-03-02T09:45:00"),
        "after it ended",
        ["line 7", "answered_at"],
    ),
    "unknown outcome": (edit(6, "outcome", "hung_up"), "unknown outcome", ["line 6", "outcome"]),
    "answered without answer time": (
        edit(7, "answered_at", ""),
        "outcome says an agent answered",
        ["line 7", "answered_at"],
    ),
    "abandoned with an answer time": (
        edit(4, "answered_at", "2026-03-02T09:05:30"),
        "no agent answered",
        ["line 4", "answered_at"],
    ),
    "empty contact id": (edit(6, "contact_id", ""), "empty", ["line 6", "contact_id"]),
    "negative wrap-up": (edit(7, "wrap_up_s", "-5"), "non-negative", ["line 7", "wrap_up_s"]),
    "text as wrap-up": (edit(5, "wrap_up_s", "ten"), "non-negative", ["line 5", "wrap_up_s"]),
    "leg after an answered leg": (
        edit(2, "outcome", "answered"),
        "was not 'transferred'",
        ["line 3", "contact_id"],
    ),
    "transfer on the last leg": (
        edit(7, "outcome", "transferred"),
        "last leg",
        ["line 7", "outcome"],
    ),
    "header only": (lambda rows: [], "no rows", []),
}


@pytest.mark.parametrize("case", list(BAD_LOGS), ids=lambda c: c.replace(" ", "-"))
def test_malformed_log_exits_2_naming_line_and_column(case: str, tmp_path: Path) -> None:
    change, what, where = BAD_LOGS[case]
    path = write(tmp_path, rows=change(list(ROWS)))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["fit", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "log.csv" in result.output and what in result.output, result.output
    for part in where:
        assert part in result.output, result.output
    assert not out.exists()


def run_fit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fit", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_missing_required_column(tmp_path: Path) -> None:
    header = HEADER.replace(",outcome,", ",result,")
    code, output = run_fit(str(write(tmp_path, header=header)), "--out", str(tmp_path / "o"))
    assert code == 2 and "line 1" in output and "missing required column(s) outcome" in output
    assert "--columns" in output and not (tmp_path / "o").exists()
    # ... which --columns then maps.
    code, output = run_fit(
        str(tmp_path / "log.csv"), "--columns", "outcome=result", "--out", str(tmp_path / "o")
    )
    assert code == 0, output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty"),
        (HEADER.replace("queue", "contact_id") + "\n", "duplicate column"),
        ('a,b\n"unclosed,1\n', "cannot be read as CSV"),
    ],
    ids=["empty-file", "duplicate-column", "not-a-log"],
)
def test_unreadable_files(content: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(content)
    code, output = run_fit(str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and "log.csv" in output and expected in output, output


def test_bad_files_and_options(tmp_path: Path) -> None:
    log = write(tmp_path)
    out = str(tmp_path / "o")
    cases = [
        ([str(tmp_path / "nowhere.csv")], "no such file"),
        ([str(tmp_path / "log.xlsx")], "unsupported file type"),
        ([str(log), "--columns", "arrived_at"], "NAME=COLUMN"),
        ([str(log), "--columns", "arrival=Start"], "not a log column"),
        ([str(log), "--columns", "arrived_at=Start"], "not a column of the file"),
        ([str(log), "--holdout-days", "1"], "at least one must remain"),
        ([str(log), "--interval-minutes", "7"], "must divide a day"),
    ]
    (tmp_path / "log.xlsx").write_text("x")
    for args, expected in cases:
        code, output = run_fit(*args, "--out", out)
        assert code == 2 and expected in output, (args, output)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["09:00,front,two"], ["line 2", "'agents'", "whole number"]),
        (["09:00,nobody,3"], ["line 2", "'agent_group'", "not a group"]),
        (["09:00,front,3", "09:10,front,3"], ["line 3", "'interval_start'", "interval grid"]),
        (["Monday,front,3"], ["line 2", "'interval_start'", "HH:MM"]),
    ],
    ids=["agents-not-a-number", "unknown-group", "off-the-grid", "bad-time"],
)
def test_bad_staffing_file(rows: list[str], expected: list[str], tmp_path: Path) -> None:
    staffing = tmp_path / "staff.csv"
    staffing.write_text("interval_start,agent_group,agents\n" + "\n".join(rows) + "\n")
    code, output = run_fit(
        str(write(tmp_path)), "--staffing", str(staffing), "--out", str(tmp_path / "o")
    )
    assert code == 2 and "staff.csv" in output, output
    for part in expected:
        assert part in output, output
    assert not (tmp_path / "o").exists()


def test_output_folder_of_something_else_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, output = run_fit(str(write(tmp_path)), "--out", str(out))
    assert code == 2 and "--force" in output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_staffing_by_timestamp_and_offsets_in_times(tmp_path: Path) -> None:
    """A staffing file with one row per day and interval; times with mixed UTC offsets (an
    export across a daylight-saving change) read as the site's wall clock.
    """
    rows = [row.replace("T09:00:00,", "T09:00:00+01:00,", 1) for row in ROWS]
    rows[-1] = rows[-1].replace("T09:50:00,", "T09:50:00+02:00,")
    staffing = tmp_path / "staff.csv"
    staffing.write_text(
        "interval_start,agent_group,agents\n"
        "2026-03-02T08:30:00,front,2\n"  # before the first call: left out
        "2026-03-02T09:00:00,front,3\n2026-03-02T09:30:00,front,4\n"
    )
    out = tmp_path / "out"
    code, output = run_fit(
        str(write(tmp_path, rows=rows)), "--staffing", str(staffing), "--out", str(out)
    )
    assert code == 0, output
    data = json.loads((out / "fit.json").read_text())
    assert data["calendar"]["open"] == "09:00" and data["calendar"]["close"] == "10:00"
    groups = {g["name"]: g for g in data["scenario"]["agent_groups"]}
    assert groups["front"]["per_interval"] == [3, 4]
    # No rows for "back": its lower bound from the log (one agent busy at 09:03-09:09).
    assert groups["back"]["per_interval"] == [1, 0]
    assert data["staffing"]["source"] == "file and lower bound"
    assert "no rows for group(s) back" in output


def test_warm_transfer_legs_may_overlap(tmp_path: Path) -> None:
    """In a warm transfer the first agent stays on until the next answers: the second leg
    arrives before the first ends, and that is a valid log.
    """
    rows = list(ROWS)
    rows[0] = rows[0].replace("2026-03-02T09:03:10,transferred", "2026-03-02T09:03:40,transferred")
    code, output = run_fit(str(write(tmp_path, rows=rows)), "--out", str(tmp_path / "o"))
    assert code == 0, output
