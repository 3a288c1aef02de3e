"""``ccsim run``: simulate a scenario, print the KPI table and write the output folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from simulator.cli.common import experiment_errors, fail, load, stdout
from simulator.cli.experiments import (
    Dask,
    MaxReplications,
    Precision,
    Workers,
    precision_targets,
    progress_callback,
    terminate_as_interrupt,
)
from simulator.experiment import RunResult, run
from simulator.experiment.precision import target_status
from simulator.experiment.runner import ExperimentProgress

__all__ = ["run_command"]


PERCENT_KPIS = {
    "abandon_rate",
    "blocked_rate",
    "balk_rate",
    "disconnect_rate",
    "service_level",
    "overflow_rate",
    "ping_pong_rate",
    "occupancy",
    "occupancy_until_last_leaves",
    "escalation_reach",
    "fcr",
}


def _format(name: str, value: float) -> str:
    if math.isnan(value):
        return "-"
    if name in PERCENT_KPIS or name.endswith("_rate") or name.startswith("occupancy["):
        return f"{value * 100:.2f} %"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def _kpi_table(result: RunResult) -> Table:
    summary = result.summary()
    sl = result.scenario.service_level
    table = Table(
        title=f"{result.scenario.name} — {result.n} replications, seed {result.seed}",
        caption=(
            f"95 % confidence intervals over replications. Service level: within "
            f"{sl.threshold_s:g} s, definition '{sl.definition}'. KPIs undefined for this "
            "scenario are left out; summary.json has every definition."
        ),
        box=box.SIMPLE_HEAVY,
    )
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("± 95 %", justify="right")
    table.add_column("range", justify="right")
    for name, row in summary.iterrows():
        kpi = str(name)
        hw = row["half_width"]
        if math.isnan(row["mean"]):
            continue  # undefined here (e.g. IVR KPIs without an IVR): see summary.json
        table.add_row(
            escape(kpi),
            _format(kpi, row["mean"]),
            _format(kpi, hw),
            f"{_format(kpi, row['low'])} – {_format(kpi, row['high'])}"
            if not math.isnan(hw)
            else "-",
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
    with (
        experiment_errors(),
        terminate_as_interrupt(),
        progress_callback(quiet or as_json, "replications") as bar,
    ):
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
    stdout.print(_kpi_table(result))
    half_widths = {str(k): float(v) for k, v in result.summary()["half_width"].items()}
    for status in target_status(half_widths, targets, result.n):
        stdout.print(f"precision {status}", highlight=False)
    stdout.print(f"wrote {len(written)} files to {folder}/", highlight=False)
