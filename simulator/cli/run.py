"""``ccsim run``: simulate a scenario, print the KPI table and write the output folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from simulator.cli.common import fail, load, stdout
from simulator.cli.experiments import (
    Dask,
    MaxReplications,
    Precision,
    Workers,
    experiment_session,
    precision_targets,
)
from simulator.cli.tables import fold_columns, kpi_rows, wrapped
from simulator.experiment import RunResult, run
from simulator.experiment.precision import target_status
from simulator.experiment.runner import ExperimentProgress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run_command"]


def _kpi_table(result: RunResult, every: bool) -> Table:
    """The KPIs a reader of this scenario needs (``every``: all of them, breakdowns too),
    with their 95 % half-widths and confidence intervals, in at most 80 columns: each
    breakdown is an indented sub-row of its KPI, under a ``by <dimension>`` line.
    """
    from simulator.report.formatting import format_half_width, format_interval, format_value

    summary = result.summary()
    sc = result.scenario
    sl = sc.service_level
    currency = sc.costs.currency
    names = list(summary.index) if every else result.shown()
    table = Table(
        title=wrapped(f"{sc.name} — {result.n} replications, seed {result.seed}"),
        caption=wrapped(
            "Mean, 95 % half-width and 95 % confidence interval over replications"
            + (" (* cut at the KPI's range)" if bool(summary["clipped"].any()) else "")
            + f". Service level: within {sl.threshold_s:g} s, definition '{sl.definition}'. "
            + (
                "Every KPI is listed."
                if every
                else "KPIs of features this scenario does not use are left out (--all "
                "lists them, summary.json has them all)."
                + (
                    " Each call type has its own queue and the same figures: see by queue."
                    if result.call_types_are_queues()
                    else ""
                )
            )
        ),
        box=box.SIMPLE_HEAVY,
        pad_edge=False,  # two more characters for long breakdown names
    )
    table.add_column("KPI", overflow="fold", ratio=1)
    table.add_column("mean", justify="right", no_wrap=True)
    table.add_column("± 95 %", justify="right", no_wrap=True)
    table.add_column("95 % CI", justify="right", no_wrap=True)
    if not every:  # undefined here (no contact reached it): see summary.json
        names = [name for name in names if not math.isnan(_cell(summary, name, "mean"))]
    for row in kpi_rows(names):
        name = row.name
        if name is None:
            table.add_row(escape(row.label), style="dim" if row.label.startswith(" ") else None)
            continue
        mean = _cell(summary, name, "mean")
        low, high = _cell(summary, name, "low"), _cell(summary, name, "high")
        cut = bool(summary["clipped"].to_numpy()[summary.index.get_loc(name)])
        table.add_row(
            escape(row.label),
            format_value(name, mean, currency=currency),
            format_half_width(name, _cell(summary, name, "half_width"), currency=currency),
            format_interval(name, low, high, currency=currency) + ("*" if cut else ""),
        )
    return table


def _cell(frame: pd.DataFrame, row: str, column: str) -> float:
    return float(frame[column].to_numpy(dtype=float)[frame.index.get_loc(row)])


def _queue_table(result: RunResult) -> Table | None:
    """Service level per queue and interval (counted intervals), for several queues."""
    from simulator.report.formatting import format_value

    # E-mail queues have their own service level (email_service_level), in working hours.
    queues = [q.name for q in result.scenario.queues if q.channel != "email"]
    if len(queues) < 2:
        return None
    frame = result.intervals(by="queue")
    frame = frame[(frame["kpi"] == "service_level") & frame["counted"]]
    multi_day = result.scenario.calendar.days > 1
    table = Table(
        title="Service level by queue and interval",
        caption=wrapped(
            "Contacts by the interval they arrived in, in the queue they first joined."
        ),
        box=box.SIMPLE_HEAVY,
    )
    table.add_column("interval", no_wrap=True)
    for queue in queues:
        table.add_column(escape(queue), justify="right", overflow="fold")
    fold_columns(table)
    for (day, start), rows in frame.groupby(["day", "start"], sort=True):
        by_queue = dict(zip(rows["breakdown"], rows["mean"], strict=True))
        label = f"d{day} {start:%H:%M}" if multi_day else f"{start:%H:%M}"
        table.add_row(
            label,
            *(format_value("service_level", by_queue.get(f"queue={q}")) for q in queues),
        )
    return table


def run_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    replications: Annotated[
        int | None, typer.Option("--replications", "-r", min=1, help="Replications to run.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Base seed.")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default: runs/<scenario file name>)."),
    ] = None,
    workers: Workers = None,
    dask: Dask = None,
    precision: Precision = None,
    max_replications: MaxReplications = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    no_contacts: Annotated[
        bool, typer.Option("--no-contacts", help="Keep aggregates only (long runs).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an output folder of another scenario.")
    ] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write OUTDIR/report.html (ccsim report).")
    ] = False,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="List every KPI and breakdown, also of features the scenario lacks."
        ),
    ] = False,
) -> None:
    """Simulate a scenario: print the KPI table and write the output folder."""
    from simulator.outputfiles import json_text
    from simulator.report import OutputFolderConflict, write_run_outputs
    from simulator.report.outputs import check_run_folder, summary_json

    scenario = load(scenario_path)
    targets = precision_targets(precision)
    folder = out if out is not None else Path("runs") / scenario_path.stem
    try:  # before simulating: never spend an hour to then refuse the folder
        check_run_folder(folder, scenario, force=force)
    except OutputFolderConflict as error:
        fail(str(error))
    with experiment_session(quiet or as_json, "replications") as bar:
        result = run(
            scenario,
            replications=replications,
            seed=seed,
            workers=workers,
            keep_contacts=not no_contacts,
            progress=lambda done, total: bar(ExperimentProgress(0, 1, done, total)),
            dask=dask,
            precision=targets,
            max_replications=max_replications,
        )
    try:
        written = write_run_outputs(result, folder, force=force)
    except OutputFolderConflict as error:
        fail(str(error))
    if report:
        from simulator.report import write_report

        written.append(write_report(folder))
    if as_json:
        typer.echo(json_text(summary_json(result)))
        return
    stdout.print(_kpi_table(result, every))
    queue_table = _queue_table(result)
    if queue_table is not None:
        stdout.print(queue_table)
    half_widths = {str(k): float(v) for k, v in result.summary()["half_width"].items()}
    for status in target_status(half_widths, targets, result.n):
        stdout.print(f"precision {status}", highlight=False)
    stdout.print(f"wrote {len(written)} files to {folder}/", highlight=False)
