"""``ccsim compare`` and ``ccsim sweep``: parse, call the experiment API, print, write files.

Both run on local processes by default (every core) or on Dask (``--dask ADDRESS``
or ``--dask local``), show a progress bar on stderr unless ``--quiet``, and end
with exit status 2 and a message naming the problem for bad input: a broken
scenario, a ``--set`` with an unknown key path, a bad range or a value of the
wrong type, an unknown ``--precision`` KPI, an output folder holding other results.
A failed sweep point is reported as it fails (point, values, replication, seed,
error) while the others go on; the command then exits with status 1. Ctrl-C or
SIGTERM stops a sweep with every finished point saved (exit status 130); running
the same command again resumes it.
"""

from __future__ import annotations

import json
import math
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from simulator.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    experiment_errors,
    fail,
    progress_bar,
)
from simulator.cli.tables import fold_columns, kpi_cell, wrapped
from simulator.experiment.backends import BackendError
from simulator.experiment.compare import Comparison, compare
from simulator.experiment.precision import PrecisionTarget, kpi_names, parse_precision
from simulator.experiment.runner import ExperimentProgress
from simulator.experiment.sweep import PointFailure, SweepMismatch, SweepResult, sweep
from simulator.metrics.registry import shown_kpis
from simulator.outputfiles import json_text, save_figure, write_file_set
from simulator.scenario.changes import OverrideError

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "compare_command",
    "experiment_session",
    "fail",
    "precision_targets",
    "progress_callback",
    "register",
    "sweep_command",
    "terminate_as_interrupt",
]


TABLE_KPIS = ("service_level", "abandon_rate", "asa_s", "occupancy", "agent_hours")
"""KPIs in the sweep's terminal table (every KPI is in its files)."""

Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Local processes (default: every core). With --dask local: Dask workers.",
        show_default=False,
    ),
]
Dask = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS",
        help="Run on a Dask scheduler (tcp://host:8786), or 'local' for a LocalCluster.",
        show_default=False,
    ),
]
Precision = Annotated[
    list[str] | None,
    typer.Option(
        "--precision",
        metavar="KPI=HALF_WIDTH",
        help="Add replications until this KPI's 95 % half-width is reached (repeatable).",
        show_default=False,
    ),
]
MaxReplications = Annotated[
    int | None,
    typer.Option(
        "--max-replications",
        min=1,
        help="Cap on replications with --precision (default 1000).",
        show_default=False,
    ),
]
Replications = Annotated[
    int | None,
    typer.Option(
        "--replications",
        "-r",
        min=1,
        help="Replications (default: the scenario's).",
        show_default=False,
    ),
]
Seed = Annotated[
    int | None,
    typer.Option("--seed", min=0, help="Base seed (default: the scenario's).", show_default=False),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]
Force = Annotated[
    bool, typer.Option("--force", help="Overwrite an output folder holding other results.")
]


def precision_targets(specs: Sequence[str] | None) -> list[PrecisionTarget]:
    """``--precision`` options as targets; bad ones end the command with status 2."""
    targets = []
    for spec in specs or []:
        try:
            targets.append(parse_precision(spec))
        except ValueError as error:
            fail(str(error))
    return targets


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while inside, so a killed command stops cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def experiment_session(quiet: bool, label: str) -> Iterator[Callable[[ExperimentProgress], None]]:
    """What a run or comparison runs inside: its errors reported with their exit status,
    SIGTERM treated as Ctrl-C, and a progress bar (yielded as its update function).
    """
    with experiment_errors(), terminate_as_interrupt(), progress_callback(quiet, label) as tick:
        yield tick


@contextmanager
def progress_callback(
    quiet: bool, label: str, points: bool = False
) -> Iterator[Callable[[ExperimentProgress], None]]:
    """A progress bar (replications done of planned, rate, ETA; points for a sweep)."""
    with progress_bar(quiet, label) as bar:
        task = bar.add_task(label, total=None, rate="") if bar is not None else None
        started: list[float] = []
        already: list[int] = []

        def update(state: ExperimentProgress) -> None:
            if bar is None or task is None:
                return
            if not started:
                # Points reused from an earlier run count as done, not as speed.
                started.append(time.perf_counter())
                already.append(state.replications_done)
                bar.reset(task, total=state.replications_planned, completed=already[0])
            elapsed = max(time.perf_counter() - started[0], 1e-9)
            rate = f"{(state.replications_done - already[0]) / elapsed:.1f} rep/s"
            if points:
                rate = f"points {state.groups_done}/{state.groups_total}  {rate}"
            bar.update(
                task,
                completed=state.replications_done,
                total=state.replications_planned,
                rate=rate,
            )

        yield update


def _number(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


# ----------------------------------------------------------------------------- compare


def _comparison_table(comparison: Comparison, frame: pd.DataFrame, kpis: Sequence[str]) -> Table:
    labels = comparison.labels
    table = Table(
        title=(
            f"Paired comparison — {comparison.replications} replications each, common seed "
            f"{comparison.seed}"
        ),
        caption=wrapped(
            "Mean ± 95 % half-width. Differences against the first scenario are paired by "
            "replication (common random numbers); * = the 95 % interval excludes zero; "
            "VR = variance reduction against unpaired runs."
        ),
        box=box.SIMPLE_HEAVY,
    )
    table.add_column("KPI")
    for label in labels:
        table.add_column(escape(label), justify="right")
    for label in labels[1:]:
        table.add_column(escape(f"{label} − {labels[0]}"), justify="right")
        table.add_column("VR", justify="right")
    rows = {(r["kpi"], r["scenario"]): r for r in frame.to_dict(orient="records")}
    for kpi in kpis:
        cells = [kpi_cell(kpi, rows[kpi, s]["mean"], rows[kpi, s]["half_width"]) for s in labels]
        for label in labels[1:]:
            row = rows[kpi, label]
            mark = " *" if row["significant"] else ""
            cells.append(kpi_cell(kpi, row["difference"], row["difference_half_width"]) + mark)
            vr = float(row["variance_reduction"])
            cells.append("-" if math.isnan(vr) else ("∞" if math.isinf(vr) else f"{vr:.1f}x"))
        table.add_row(escape(kpi), *cells)
    return fold_columns(table)


def _comparison_json(
    comparison: Comparison, rows: pd.DataFrame, kpis: Sequence[str]
) -> dict[str, Any]:
    data: dict[str, Any] = {**comparison.metadata(), "kpis": {}}
    for kpi in kpis:
        block: dict[str, Any] = {"scenarios": {}, "differences": {}}
        for _, row in rows[rows["kpi"] == kpi].iterrows():
            block["scenarios"][row["scenario"]] = {
                k: _number(row[k]) for k in ("mean", "half_width", "low", "high")
            }
            if row["scenario"] != comparison.labels[0]:
                block["differences"][row["scenario"]] = {
                    "difference": _number(row["difference"]),
                    "half_width": _number(row["difference_half_width"]),
                    "low": _number(row["difference_low"]),
                    "high": _number(row["difference_high"]),
                    "significant": bool(row["significant"]),
                    "p_value": _number(row["p_value"]),
                    "unpaired_half_width": _number(row["unpaired_half_width"]),
                    "variance_reduction": _number(row["variance_reduction"]),
                }
        data["kpis"][kpi] = block
    return data


def _guard_compare_folder(folder: Path, fingerprints: list[str], force: bool) -> None:
    marker = folder / "comparison.json"
    if force or not folder.exists():
        return
    if not folder.is_dir():
        fail(f"output path {folder} exists and is not a folder")
    if marker.exists():
        try:
            previous = json.loads(marker.read_text()).get("fingerprints")
        except (OSError, ValueError):
            previous = None
        if previous == fingerprints:
            return
        fail(
            f"output folder {folder} holds a comparison of different scenarios; "
            "choose another --out or pass --force to overwrite"
        )
    if any(folder.iterdir()):
        fail(
            f"output folder {folder} is not empty and was not written by ccsim compare; "
            "choose another --out or pass --force"
        )


def compare_command(
    scenario_paths: Annotated[
        list[Path],
        typer.Argument(metavar="A B [C ...]", help="Scenario files; the first is the baseline."),
    ],
    replications: Replications = None,
    seed: Seed = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output folder (default: runs/compare_<A>_vs_<B>...).",
            show_default=False,
        ),
    ] = None,
    workers: Workers = None,
    dask: Dask = None,
    precision: Precision = None,
    max_replications: MaxReplications = None,
    kpi: Annotated[
        list[str] | None,
        typer.Option(
            "--kpi", help="Show and plot only these KPIs (repeatable).", show_default=False
        ),
    ] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    force: Force = False,
) -> None:
    """Compare scenarios with common random numbers: paired differences with 95 % CIs.

    Every scenario runs the same replications with the same seed (the first scenario's,
    or --seed), so each difference against the first is paired by replication.
    """
    from simulator.cli.common import load as _load
    from simulator.cli.common import stdout
    from simulator.report.experiment_figures import difference_plot
    from simulator.report.outputs import scenario_fingerprint

    if len(scenario_paths) < 2:
        fail("compare needs at least two scenario files")
    scenarios = [_load(path) for path in scenario_paths]
    targets = precision_targets(precision)
    known = kpi_names(scenarios[0])
    for name in kpi or []:
        if name not in known:
            fail(f"--kpi: unknown KPI {name!r} (known: {', '.join(known)})")
    stems = [path.stem for path in scenario_paths]
    folder = out if out is not None else Path("runs") / ("compare_" + "_vs_".join(stems))
    fingerprints = [scenario_fingerprint(s) for s in scenarios]
    _guard_compare_folder(folder, fingerprints, force)
    with experiment_session(quiet or as_json, "compare") as tick:
        comparison = compare(
            scenarios,
            replications=replications,
            seed=seed,
            workers=workers,
            labels=stems,
            dask=dask,
            precision=targets,
            max_replications=max_replications,
            progress=tick,
        )
    if kpi:
        kpis = [k for k in kpi if k in comparison.kpis]
    else:  # what any of the scenarios uses, overall figures (the files have every breakdown)
        used = {k for sc in scenarios for k in shown_kpis(sc, comparison.kpis)}
        kpis = [k for k in comparison.kpis if k in used and "[" not in k]
    table, differences = comparison.table(), comparison.differences()
    data = _comparison_json(comparison, table, kpis)
    data["fingerprints"] = fingerprints
    figure = difference_plot(differences, kpis=kpi or None, baseline=stems[0])
    write_file_set(
        folder,
        {
            "comparison.json": json_text(data),
            "comparison.csv": lambda path: table.to_csv(path, index=False),
            "differences.csv": lambda path: differences.to_csv(path, index=False),
            "differences.png": lambda path: figure.savefig(path, dpi=110),
        },
    )
    if as_json:
        typer.echo(json_text(data))
        return
    defined = set(table.dropna(subset=["mean"])["kpi"])
    stdout.print(_comparison_table(comparison, table, [k for k in kpis if k in defined]))
    for target in targets:
        widest = max(comparison.difference(target.kpi, s).half_width for s in range(1, len(stems)))
        verdict = "reached" if widest <= target.half_width else "NOT reached (cap)"
        stdout.print(
            f"precision {target}: widest paired half-width {widest:.4g} after "
            f"{comparison.replications} replications, {verdict}",
            highlight=False,
        )
    stdout.print(
        f"wrote comparison.json, comparison.csv, differences.csv, differences.png to {folder}/",
        highlight=False,
    )


# ----------------------------------------------------------------------------- sweep


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _sweep_table(result: SweepResult) -> Table:
    summary = result.summary()
    kpis = [k for k in TABLE_KPIS if k in set(summary["kpi"])]
    table = Table(
        title=(
            f"{result.metadata['scenario']} — sweep of {result.points} points, "
            f"common seed {result.seed}"
        ),
        caption=wrapped("Mean ± 95 % half-width over each point's replications."),
        box=box.SIMPLE_HEAVY,
    )
    table.add_column("point", justify="right")
    for axis in result.axes:
        table.add_column(escape(axis), justify="right")
    table.add_column("reps", justify="right")
    for kpi in kpis:
        table.add_column(escape(kpi), justify="right")
    rows: dict[int, dict[str, dict[Any, Any]]] = {}
    for record in summary.to_dict(orient="records"):
        rows.setdefault(int(record["point"]), {})[str(record["kpi"])] = record
    for point, by_kpi in sorted(rows.items()):
        first = next(iter(by_kpi.values()))
        table.add_row(
            str(point),
            *(escape(str(first[axis])) for axis in result.axes),
            str(first["replications"]),
            *(kpi_cell(k, by_kpi[k]["mean"], by_kpi[k]["half_width"]) for k in kpis),
        )
    return fold_columns(table)


def _sweep_plots(
    result: SweepResult, folder: Path, kpis: Sequence[str], x: str | None
) -> list[Path]:
    from simulator.report.experiment_figures import sweep_plot

    axis = x if x is not None else result.axes[0]
    summary = result.summary()
    written = []
    for kpi in kpis:
        figure = sweep_plot(summary, x=axis, kpi=kpi, title=result.metadata["scenario"])
        path = folder / f"{_slug(kpi)}_vs_{_slug(axis)}.png"
        written.append(save_figure(figure, path, dpi=110))
    return written


def sweep_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    settings: Annotated[
        list[str],
        typer.Option(
            "--set",
            metavar="KEY=VALUES",
            help=(
                "A swept key path and its values: a range start:stop:step or a comma list, "
                "e.g. agent_groups[0].staffing=20:30:2 or routing.policy=fcfs,"
                "priority_longest_idle (repeatable: the grid is every combination)."
            ),
            show_default=False,
        ),
    ],
    replications: Replications = None,
    seed: Seed = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output folder, resumed if rerun (default: runs/<scenario>_sweep).",
            show_default=False,
        ),
    ] = None,
    workers: Workers = None,
    dask: Dask = None,
    precision: Precision = None,
    max_replications: MaxReplications = None,
    plot: Annotated[
        list[str] | None,
        typer.Option(
            "--plot",
            metavar="KPI",
            help="Plot this KPI against --x (repeatable; default service_level, abandon_rate).",
            show_default=False,
        ),
    ] = None,
    x: Annotated[
        str | None,
        typer.Option(
            "--x",
            metavar="KEY",
            help="Swept key for the plots' x axis (default: the first).",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    force: Force = False,
) -> None:
    """Sweep a grid of scenario changes, every point with the same seeds; resumable.

    Each finished point is saved at once in the output folder; rerunning the same
    command skips the points already there. A folder holding a different sweep
    (scenario, grid, seed or replications changed) is refused unless --force.
    """
    from simulator.cli.common import load as _load
    from simulator.cli.common import stderr, stdout

    scenario = _load(scenario_path)
    targets = precision_targets(precision)
    folder = out if out is not None else Path("runs") / f"{scenario_path.stem}_sweep"

    def report_failure(problem: PointFailure) -> None:
        stderr.print(f"[bold red]failed:[/] {escape(str(problem))}", highlight=False)

    try:
        with (
            terminate_as_interrupt(),
            progress_callback(quiet or as_json, "sweep", points=True) as tick,
        ):
            result = sweep(
                scenario,
                settings,
                replications=replications,
                seed=seed,
                workers=workers,
                out=folder,
                force=force,
                dask=dask,
                precision=targets,
                max_replications=max_replications,
                base_dir=scenario_path.parent,
                progress=tick,
                on_failure=report_failure,
            )
    except (OverrideError, SweepMismatch, BackendError) as error:
        fail(str(error))
    except ValueError as error:
        fail(str(error))
    except KeyboardInterrupt:
        saved = len(list((folder / "points").glob("point-*.parquet"))) if folder.is_dir() else 0
        stderr.print(
            f"[bold red]interrupted[/]: {saved} finished points are saved in {folder}/; "
            "run the same command again to resume",
            highlight=False,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    plots: list[Path] = []
    if result.complete:
        kpis = list(plot) if plot else ["service_level", "abandon_rate"]
        known = set(result.summary()["kpi"])
        for name in kpis:
            if name not in known:
                fail(f"--plot: unknown KPI {name!r} (known: {', '.join(sorted(known))})")
        if x is not None and x not in result.axes:
            fail(f"--x: {x!r} is not a swept key (swept: {', '.join(result.axes)})")
        plots = _sweep_plots(result, folder, kpis, x)
    if as_json:
        summary = result.summary()
        typer.echo(
            json_text(
                {
                    **result.metadata,
                    "computed": result.computed,
                    "reused": result.reused,
                    "failures": [str(f) for f in result.failures],
                    "summary": [
                        {k: _number(v) for k, v in row.items()}
                        for row in summary.to_dict(orient="records")
                    ],
                },
            )
        )
    else:
        if len(result.summary()):
            stdout.print(_sweep_table(result))
        stdout.print(
            f"{result.points} points: {len(result.computed)} computed, {len(result.reused)} "
            f"reused from {folder}/"
            + (
                f"; wrote results.parquet, summary.csv and {len(plots)} plot(s)"
                if result.complete
                else ""
            ),
            highlight=False,
        )
    if result.failures:
        stderr.print(
            f"[bold red]error:[/] {len(result.failures)} point(s) failed (above); the "
            f"{len(result.computed) + len(result.reused)} others are saved in {folder}/. "
            "Run the same command again to retry the failed points.",
            highlight=False,
        )
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``compare`` and ``sweep`` to the ``ccsim`` app."""
    app.command("compare")(compare_command)
    app.command("sweep")(sweep_command)
