"""``ccsim staff``: the fewest agents per interval meeting every queue's targets, rosters
that run, and staffing methods side by side.

Parses the options, calls :mod:`simulator.staffing`, prints a table and writes
``staffing.csv``, ``staffing.png``, ``staffing.json`` and ``<stem>-staffed.yaml``;
with ``--shifts`` also ``shifts.csv``, ``roster.csv`` and ``<stem>-roster.yaml`` (the
roster as a runnable scenario); with ``--compare-methods`` ``methods.csv``; with
``--days-quantile`` ``days.csv``. Bad input and infeasible targets exit with status 2
and write nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from simulator.cli.common import fail, load, stderr, stdout
from simulator.cli.tables import TABLE_WIDTH, fold_columns, kpi_cell, share_cell, wrapped

if TYPE_CHECKING:
    from simulator.staffing import StaffingResult

__all__ = ["staff_command"]

_SHORT = {"service_level": "service", "abandon_rate": "abandon", "asa_s": "ASA"}
"""Column headers of the per-queue figures (the KPI name, shortened, over the queue)."""


T = TypeVar("T")

GROUPS_PER_TABLE = 2
"""Groups side by side in one staffing table (Erlang, required and confidence each), so
that every table fits 80 columns however many groups are staffed."""
QUEUES_PER_TABLE = 4
"""Queues side by side in one table of achieved figures."""


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _tables(result: StaffingResult, title: str) -> list[Table]:
    """The staffing per interval (a table per two groups), then each queue's achieved
    figure per interval (a table per four queues): each fits 80 columns.
    """
    frame = result.table()
    tables: list[Table] = []
    for groups in _chunks(list(result.groups), GROUPS_PER_TABLE):
        table = Table(
            title=wrapped(title) if not tables else None, box=box.SIMPLE_HEAVY, pad_edge=False
        )
        table.add_column("start")
        for name in groups:
            table.add_column(f"Erlang\n{name}", justify="right")
            table.add_column(f"required\n{name}", justify="right")
            if result.confidence is not None:
                table.add_column("conf.", justify="right")
        for _, row in frame.iterrows():
            cells = [str(row["start"])]
            for name in groups:
                cells += [str(row[f"analytic[{name}]"]), str(row[f"required[{name}]"])]
                if result.confidence is not None:
                    cells.append(share_cell(row[f"confidence[{name}]"]))
            table.add_row(*cells)
        tables.append(fold_columns(table))
    shown = [
        (queue, kpi)
        for queue in result.scenario.queue_names
        for kpi in result.targets.for_queue(queue)
        if f"{kpi}[queue={queue}]" in frame
    ]
    for part in _chunks(shown, QUEUES_PER_TABLE):
        table = Table(title="achieved per queue", box=box.SIMPLE_HEAVY, pad_edge=False)
        table.add_column("start")
        for queue, kpi in part:
            table.add_column(f"{_SHORT.get(kpi, kpi)}\n{queue}", justify="right")
        for _, row in frame.iterrows():
            cells = [str(row["start"])]
            for queue, kpi in part:
                col = f"{kpi}[queue={queue}]"
                cells.append(kpi_cell(kpi, row[col], row[f"{col}_hw"]))
            table.add_row(*cells)
        tables.append(fold_columns(table))
    return tables


def staff_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="KPI=VALUE for every queue (service_level, abandon_rate, asa_s), or "
            "KPI[queue=NAME]=VALUE for one (repeatable; queues may carry targets in the scenario).",
        ),
    ] = None,
    max_occupancy: Annotated[
        float | None, typer.Option("--max-occupancy", help="Ceiling on a group's occupancy.")
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option("--group", "-g", help="Agent group to staff (repeatable; default all)."),
    ] = None,
    method: Annotated[
        str,
        typer.Option("--method", "-m", help="sim (simulation search), sipp, lag-sipp or isa."),
    ] = "sim",
    analytic: Annotated[
        bool, typer.Option("--analytic", help="Same as --method sipp (Erlang A/C per interval).")
    ] = False,
    compare_methods: Annotated[
        bool,
        typer.Option(
            "--compare-methods",
            help="Staff by every method and simulate each on the same callers.",
        ),
    ] = False,
    days_quantile: Annotated[
        float | None,
        typer.Option(
            "--days-quantile",
            min=0.5,
            max=0.999,
            help="Staff so that the targets hold on this share of days (day_to_day_cv).",
        ),
    ] = None,
    shifts: Annotated[
        Path | None,
        typer.Option("--shifts", help="Shift rules YAML: write the roster and re-simulate it."),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option("--replications", "-r", min=2, help="Paired replications to start with."),
    ] = None,
    max_replications: Annotated[
        int | None,
        typer.Option("--max-replications", min=2, help="Cap where a decision is close."),
    ] = None,
    confidence: Annotated[
        float,
        typer.Option(
            "--confidence", min=0.5, max=0.999, help="Decisions less sure get more replications."
        ),
    ] = 0.95,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Base seed (CRN).")] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Local processes per simulation.")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default runs/<stem>-staffing)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Find the fewest agents per interval whose expected KPIs meet every queue's targets."""
    from simulator.staffing import (
        METHODS,
        StaffingInfeasible,
        load_shift_rules,
        parse_targets,
        staff,
    )
    from simulator.staffing.outputs import StaffingRun

    scenario = load(scenario_path)
    if analytic:
        method = "sipp"
    if method not in METHODS:
        fail(f"--method {method!r}: choose from {', '.join(METHODS)}")
    folder = out if out is not None else Path("runs") / f"{scenario_path.stem}-staffing"
    rules = None
    if shifts is not None:
        try:
            rules = load_shift_rules(shifts)
        except ValueError as error:
            fail(str(error))

    def say(line: str) -> None:
        if not quiet:
            stderr.print(line, highlight=False, markup=False)

    try:
        targets = parse_targets(target or [], max_occupancy=max_occupancy)
    except ValueError as error:
        fail(str(error))
    job = StaffingRun(
        scenario=scenario,
        stem=scenario_path.stem,
        folder=folder,
        groups=group or None,
        replications=replications,
        max_replications=max_replications,
        confidence=confidence,
        seed=seed,
        workers=workers,
        progress=say,
    )
    try:
        result = job.search(targets, method, days_quantile=days_quantile, staff_function=staff)
        comparison = job.compare(targets, days_quantile, result) if compare_methods else None
        roster = job.roster(result, rules) if rules is not None else None
        wants_risk = days_quantile is not None or (job.has_day_factor() and method == "sim")
        risk = job.days(result) if wants_risk else None
    except (StaffingInfeasible, ValueError) as error:
        fail(str(error))
    if result.method in ("sipp", "lag-sipp") and result.caveats:
        for note in result.caveats:
            text = wrapped(f"the Erlang formula ignores: {note}", TABLE_WIDTH - 11)
            stderr.print(f"[yellow]warning:[/] {escape(text)}")
    title = f"{scenario.name}: {result.targets.describe()} — method {result.method}" + (
        f", seed {result.seed}; figures on {result.replications} replications of fresh callers"
        if result.method == "sim"
        else ""
    )
    for table in _tables(result, escape(title)):
        stdout.print(table)
    stdout.print(
        wrapped(
            f"{result.method}: {result.simulations} simulated days in {result.seconds:.1f} s; "
            f"{result.agent_hours():.1f} scheduled agent-hours for {', '.join(result.groups)}"
        ),
        highlight=False,
    )
    for line in job.report_lines(result, comparison, roster, risk):
        stdout.print(wrapped(line) or line, highlight=False, markup=False)
    written = job.write(result, comparison, roster, risk)
    stdout.print(f"wrote {len(written)} files to {folder}/", highlight=False, markup=False)
