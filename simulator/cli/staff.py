"""``ccsim staff``: the fewest agents per interval meeting service targets, and shifts.

Parses the options, calls :func:`simulator.staffing.staff` (and
:func:`simulator.staffing.solve_shifts` with ``--shifts``), prints a table and
writes ``staffing.csv``, ``staffing.png`` and ``<stem>-staffed.yaml`` (plus
``shifts.csv`` with ``--shifts``). Infeasible targets exit with status 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from simulator.cli.common import fail, load, stderr, stdout
from simulator.outputfiles import write_atomic
from simulator.staffing import (
    StaffingInfeasible,
    StaffingResult,
    load_shift_rules,
    solve_shifts,
    staff,
    with_staffing,
)

__all__ = ["staff_command"]


def _pm(value: float, hw: float, percent: bool) -> str:
    if math.isnan(value):
        return "-"
    if percent:
        return f"{value * 100:.1f} ± {hw * 100:.1f} %"
    return f"{value:.1f} ± {hw:.1f}"


def _table(result: StaffingResult, title: str) -> Table:
    frame = result.table()
    table = Table(title=title, box=box.SIMPLE_HEAVY)
    table.add_column("start")
    for name in result.groups:
        table.add_column(f"Erlang {name}", justify="right")
        table.add_column(f"required {name}", justify="right")
    simulated = result.intervals is not None
    shown = [k for k in ("service_level", "abandon_rate", "asa_s", "occupancy")]
    if simulated:
        table.add_column("offered", justify="right")
        for kpi in shown:
            table.add_column(kpi, justify="right")
    for _, row in frame.iterrows():
        cells = [str(row["start"])]
        for name in result.groups:
            cells += [str(row[f"analytic[{name}]"]), str(row[f"required[{name}]"])]
        if simulated:
            cells.append(f"{row['offered']:.1f}" + ("*" if row["bound_on_mean"] else ""))
            for kpi in shown:
                cells.append(_pm(row[kpi], row[f"{kpi}_hw"], kpi != "asa_s"))
        table.add_row(*cells)
    return table


def staff_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    target: Annotated[
        list[str],
        typer.Option(
            "--target", "-t", help="KPI=VALUE: service_level, abandon_rate or asa_s (repeatable)."
        ),
    ],
    max_occupancy: Annotated[
        float | None, typer.Option("--max-occupancy", help="Upper bound on interval occupancy.")
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option("--group", "-g", help="Agent group to staff (repeatable; default all)."),
    ] = None,
    shifts: Annotated[
        Path | None, typer.Option("--shifts", help="Shift rules YAML: cover the result by shifts.")
    ] = None,
    analytic: Annotated[
        bool, typer.Option("--analytic", help="Erlang A/C answer only, no simulation.")
    ] = False,
    replications: Annotated[
        int | None, typer.Option("--replications", "-r", min=2, help="Replications per candidate.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Base seed (CRN).")] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Local processes per simulation.")
    ] = 1,
    min_calls: Annotated[
        float,
        typer.Option("--min-calls", min=0, help="Fewer calls per interval: judged on the mean."),
    ] = 10.0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default runs/<stem>-staffing)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Find the fewest agents per interval whose simulated KPIs meet every target."""
    scenario = load(scenario_path)
    folder = out if out is not None else Path("runs") / f"{scenario_path.stem}-staffing"
    rules = None
    if shifts is not None:
        try:
            rules = load_shift_rules(shifts)
        except ValueError as error:
            fail(str(error))

    def say(line: str) -> None:
        if not quiet:
            stderr.print(line, highlight=False)

    try:
        result = staff(
            scenario,
            target,
            groups=group or None,
            max_occupancy=max_occupancy,
            replications=replications,
            seed=seed,
            workers=workers,
            min_calls=min_calls,
            analytic_only=analytic,
            progress=say,
        )
    except (StaffingInfeasible, ValueError) as error:
        fail(str(error))
    if analytic and result.caveats:
        for note in result.caveats:
            stderr.print(f"[yellow]warning:[/] the Erlang formula ignores: {escape(note)}")
    title = f"{scenario.name}: {result.targets.describe()} — " + (
        "Erlang A/C only"
        if analytic
        else f"{result.replications} replications, seed {result.seed}, 95 % bounds"
    )
    stdout.print(_table(result, title))
    written = result.write(folder, scenario_path.stem)
    stdout.print(
        f"{result.method}: {result.simulations} simulated days "
        f"({result.simulations * result.replications} replications) in {result.seconds:.1f} s; "
        f"{result.agent_hours():.1f} scheduled agent-hours for {', '.join(result.groups)}"
        + ("" if analytic else "; * = judged on the mean (fewer than --min-calls calls)"),
        highlight=False,
    )
    if rules is not None:
        written += _shift_outputs(result, rules, folder, replications, seed, workers)
    stdout.print(f"wrote {len(written)} files to {folder}/", highlight=False)


SHIFT_REPAIR_ROUNDS = 5
"""Times the shifts are re-solved with one more agent where the re-simulation missed."""


def _shift_outputs(
    result: StaffingResult,
    rules: object,
    folder: Path,
    replications: int | None,
    seed: int | None,
    workers: int,
) -> list[Path]:
    """Cover each staffed group's requirement by shifts; re-simulate; write shifts.csv."""
    from simulator.experiment import run
    from simulator.staffing import ShiftRules

    assert isinstance(rules, ShiftRules)
    scenario = result.scenario
    cal = scenario.calendar
    required = [
        np.asarray(result.required[g], dtype=np.int64).copy() for g in range(len(result.groups))
    ]
    held: np.ndarray | None = None
    for attempt in range(SHIFT_REPAIR_ROUNDS + 1):
        try:
            plans = [
                solve_shifts(required[g], rules, cal, name) for g, name in enumerate(result.groups)
            ]
        except StaffingInfeasible as error:
            fail(str(error))
        shifted = with_staffing(scenario, {p.group: p.coverage for p in plans})
        if result.intervals is None:
            break
        check = run(
            shifted,
            replications=result.replications if replications is None else replications,
            seed=result.seed if seed is None else seed,
            workers=workers,
            keep_contacts=False,
        ).intervals(wide=True)
        miss = result.targets.shortfall(check)
        held = ~(miss.drop(columns="bound_on_mean").max(axis=1) > 0).to_numpy()[: len(required[0])]
        if held.all() or attempt == SHIFT_REPAIR_ROUNDS:
            break
        # Shifts move agents between intervals (and breaks leave gaps): where the targets
        # slipped, ask the shifts for one more agent in every staffed group, and re-solve.
        for g in range(len(required)):
            required[g][~held] += 1
        stdout.print(
            f"re-simulated with the shifts: targets fail in {int((~held).sum())} interval(s); "
            "adding one agent there and re-solving",
            highlight=False,
        )
    over = pd.DataFrame({"start": cal.interval_labels()})
    for p, g in zip(plans, range(len(plans)), strict=True):
        over[f"required[{p.group}]"] = result.required[g]
        over[f"scheduled[{p.group}]"] = p.coverage
        over[f"over[{p.group}]"] = p.coverage - np.asarray(result.required[g], dtype=np.int64)
    shifts_csv = folder / "shifts.csv"
    shifts = pd.concat([p.shifts for p in plans], ignore_index=True)
    write_atomic(shifts_csv, lambda tmp: shifts.to_csv(tmp, index=False))
    over_csv = folder / "over_staffing.csv"
    written = [shifts_csv, over_csv]
    if held is not None:
        over["targets_hold"] = held
        status = (
            "hold in every interval" if held.all() else f"fail in {int((~held).sum())} interval(s)"
        )
        stdout.print(f"re-simulated with the shifts: targets {status}", highlight=False)
    write_atomic(over_csv, lambda tmp: over.to_csv(tmp, index=False))
    total = sum(p.cost for p in plans)
    extra = int(sum((p.coverage - result.required[g]).sum() for g, p in enumerate(plans)))
    stdout.print(
        f"shifts: {int(sum(p.shifts['count'].sum() for p in plans))} agents on shifts, cost "
        f"{total:.1f}, over-staffing {extra} agent-intervals "
        f"(max {int(max((p.coverage - result.required[g]).max() for g, p in enumerate(plans)))}"
        " in one interval)",
        highlight=False,
    )
    return written
