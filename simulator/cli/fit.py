"""``ccsim fit``: fit a scenario from a contact log, with an optional back-test."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from simulator.cli.common import experiment_errors, fail, stderr, stdout

__all__ = ["fit_command"]


def fit_command(
    log: Annotated[
        Path, typer.Argument(metavar="LOG", help="Contact log: CSV or Parquet, one row per leg.")
    ],
    staffing: Annotated[
        Path | None,
        typer.Option(
            "--staffing", help="CSV with interval_start, agent_group, agents (else a lower bound)."
        ),
    ] = None,
    interval_minutes: Annotated[
        int, typer.Option("--interval-minutes", min=1, help="Planning interval in minutes.")
    ] = 30,
    by_weekday: Annotated[
        bool,
        typer.Option(
            "--by-weekday", help="One volume profile per weekday (the scenario simulates a week)."
        ),
    ] = False,
    holdout_days: Annotated[
        int,
        typer.Option("--holdout-days", min=0, help="Back-test on the log's last N days."),
    ] = 0,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help="Map column names: arrived_at=StartTime,ended_at=End,..."),
    ] = None,
    service_level_s: Annotated[
        float, typer.Option("--service-level-s", min=0.001, help="Service-level threshold (s).")
    ] = 20.0,
    redial_window_minutes: Annotated[
        float,
        typer.Option("--redial-window-minutes", min=0, help="Redial: same customer within this."),
    ] = 120.0,
    recontact_window_days: Annotated[
        float,
        typer.Option("--recontact-window-days", min=0, help="Recontact: within this many days."),
    ] = 7.0,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=2, help="Back-test replications.")
    ] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Back-test seed.")] = 1,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes for the back-test.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("fitted"),
    force: Annotated[
        bool, typer.Option("--force", help="Write into a non-empty folder that holds no fit.")
    ] = False,
) -> None:
    """Fit a scenario from a contact log: writes OUT/scenario.yaml, fit.json and fit.html."""
    from simulator.calibration import LogError, fit
    from simulator.calibration.durations import best
    from simulator.calibration.outputs import FitFolderConflict

    try:
        with experiment_errors():
            result = fit(
                log,
                staffing=staffing,
                interval_minutes=interval_minutes,
                by_weekday=by_weekday,
                holdout_days=holdout_days,
                columns=columns,
                service_level_s=service_level_s,
                redial_window_minutes=redial_window_minutes,
                recontact_window_days=recontact_window_days,
                backtest_replications=replications,
                seed=seed,
                workers=workers,
                out=out,
                force=force,
            )
    except (LogError, FitFolderConflict) as error:
        fail(str(error))
    table = Table(title=f"Fitted from {result.source}", box=box.SIMPLE_HEAVY)
    for column in ("call type", "first calls/day", "day CV", "handle time", "patience", "naive"):
        table.add_column(column)
    for arrivals in result.arrivals:
        name = arrivals.call_type
        handle = best(result.handle.get(name, []))
        patience = result.patience[name]
        chosen = best(patience.fits)
        naive = patience.naive_mean
        table.add_row(
            escape(name),
            f"{arrivals.daily_totals.mean():,.1f}",
            f"{arrivals.day_cv:.3f}",
            f"{handle.family} {handle.mean:,.0f} s, CV {handle.cv:.2f}" if handle else "-",
            f"{chosen.family} {chosen.mean:,.0f} s ± {1.96 * chosen.mean_se:,.0f}"
            if chosen
            else "none",
            "-" if math.isnan(naive) else f"{naive:,.0f} s",
        )
    stdout.print(table)
    stdout.print(
        "naive: the mean wait of callers who abandoned — what ignoring the answered callers' "
        "waits would give.",
        highlight=False,
    )
    for warning in result.warnings:
        stderr.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)
    if result.backtest is not None:
        colour = "green" if result.backtest.passed else "red"
        stdout.print(f"[bold {colour}]{escape(result.backtest.verdict())}[/]", highlight=False)
    stdout.print(f"wrote scenario.yaml, fit.json and fit.html to {out}/", highlight=False)
