"""``ccsim erlang {b,c,a}``: Erlang calculators in planner units.

Each command takes calls per hour (or, for Erlang B, a load in Erlangs) and a mean
handle time in seconds, then either evaluates a given number of agents
(``--agents``) or finds the fewest agents meeting every target given
(``--target-sl`` with ``--threshold``, ``--target-asa``, ``--target-abandon``,
``--target-blocking``). It prints the figures for that agent count and a table of
the staffing around it, or the same as JSON with ``--json``. The commands only
parse, call :mod:`simulator.analytic` and format; bad input ends as for every other
command (``simulator.cli.common.fail``): a message on stderr and exit status 2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from simulator.analytic import (
    agents_for_abandon_rate,
    agents_for_asa,
    agents_for_blocking,
    agents_for_service_level,
    erlang_a_metrics,
    erlang_b,
    erlang_c_metrics,
    staffing_rows,
)
from simulator.cli.common import fail

__all__ = ["erlang_app"]

erlang_app = typer.Typer(
    help=(
        "Erlang B, C and A calculators: the figures for a number of agents, "
        "or the fewest agents meeting a target."
    ),
    no_args_is_help=True,
)

#: Seconds per hour, to turn a load in Erlangs into calls per hour of one-hour contacts.
SECONDS_PER_HOUR = 3600.0
#: Service-level target used when neither agents nor any target is given.
DEFAULT_TARGET_SL = 0.8
#: Blocking target used by ``erlang b`` when neither agents nor a target is given.
DEFAULT_TARGET_BLOCKING = 0.01

Model = Literal["b", "c", "a"]

CallsPerHour = Annotated[
    float | None,
    typer.Option("--calls-per-hour", help="Offered calls per hour.", show_default=False),
]
Aht = Annotated[
    float | None,
    typer.Option("--aht", help="Mean handle time in seconds.", show_default=False),
]
Agents = Annotated[
    int | None,
    typer.Option(
        "--agents", help="Evaluate this many agents instead of searching.", show_default=False
    ),
]
Threshold = Annotated[
    float, typer.Option("--threshold", help="Service-level threshold in seconds.")
]
TargetSl = Annotated[
    float | None,
    typer.Option(
        "--target-sl",
        help=f"Service level to reach within --threshold (default {DEFAULT_TARGET_SL} "
        "when no other target or --agents is given).",
        show_default=False,
    ),
]
TargetAsa = Annotated[
    float | None,
    typer.Option("--target-asa", help="Largest acceptable ASA in seconds.", show_default=False),
]
Width = Annotated[int, typer.Option("--width", help="Table rows on each side of the answer.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@dataclass(frozen=True)
class _Target:
    """One staffing target: what it bounds, its value and the agents it needs."""

    kpi: str
    label: str
    value: float
    solve: Callable[[], int]
    met: Callable[[dict[str, Any]], bool]


def _require(name: str, value: float | None) -> float:
    """Return a required option's value, or fail naming it."""
    if value is None:
        fail(f"{name} is required")
    return value


def _rate(calls_per_hour: float | None, aht: float | None) -> tuple[float, float]:
    """Calls per hour and handle time in seconds from the planner's options (checked)."""
    cph = _require("--calls-per-hour", calls_per_hour)
    mean_service = _require("--aht", aht)
    if not math.isfinite(cph) or cph < 0:
        fail(f"--calls-per-hour must be a number >= 0, got {cph}")
    if not math.isfinite(mean_service) or mean_service <= 0:
        fail(f"--aht must be a number of seconds > 0, got {mean_service}")
    return cph, mean_service


def _percent(x: float) -> str:
    return f"{100.0 * x:.2f}%"


def _seconds(x: float) -> str:
    return f"{x:.2f} s"


#: How each figure is shown in the summary: label and formatter.
_FORMATS: dict[str, tuple[str, Callable[[float], str]]] = {
    "agents": ("agents", lambda x: f"{int(x)}"),
    "load": ("load (Erlangs)", lambda x: f"{x:.3f}"),
    "threshold_s": ("threshold", lambda x: f"{x:g} s"),
    "blocking": ("blocking", _percent),
    "carried_load": ("carried load (Erlangs)", lambda x: f"{x:.3f}"),
    "occupancy": ("occupancy", _percent),
    "p_wait": ("P(wait)", _percent),
    "p_abandon": ("abandon rate", _percent),
    "asa_s": ("ASA", _seconds),
    "mean_wait_s": ("mean wait (all callers)", _seconds),
    "service_level": ("service level", _percent),
    "service_level_answered": ("service level (of answered)", _percent),
    "mean_queue_length": ("mean queue", lambda x: f"{x:.3f}"),
}

#: Compact headers and formatters for the staffing table, so it fits 80 columns.
_COLUMNS: dict[str, tuple[str, Callable[[float], str]]] = {
    "agents": ("agents", lambda x: f"{int(x)}"),
    "blocking": ("blocked", lambda x: f"{100.0 * x:.2f}%"),
    "carried_load": ("carried", lambda x: f"{x:.3f}"),
    "occupancy": ("occ.", lambda x: f"{100.0 * x:.1f}%"),
    "p_wait": ("P(wait)", lambda x: f"{100.0 * x:.1f}%"),
    "p_abandon": ("abandon", lambda x: f"{100.0 * x:.2f}%"),
    "asa_s": ("ASA s", lambda x: f"{x:.1f}"),
    "mean_wait_s": ("wait s", lambda x: f"{x:.1f}"),
    "service_level": ("SL", lambda x: f"{100.0 * x:.1f}%"),
    "service_level_answered": ("SL|ans", lambda x: f"{100.0 * x:.1f}%"),
    "mean_queue_length": ("queue", lambda x: f"{x:.2f}"),
}


def _figures(
    model: Model, agents: int, cph: float, es: float, t: float, patience: float | None
) -> dict[str, Any]:
    """Evaluate ``agents`` agents into a flat dict of figures (ValueError on bad input)."""
    load = cph * (es / SECONDS_PER_HOUR)
    if model == "b":
        blocking = erlang_b(agents, load)
        carried = load * (1.0 - blocking)
        return {
            "agents": agents,
            "load": load,
            "blocking": blocking,
            "carried_load": carried,
            "occupancy": carried / agents if agents else 0.0,
        }
    if model == "c":
        figures = asdict(erlang_c_metrics(agents, calls_per_hour=cph, aht_s=es, threshold_s=t))
    else:
        assert patience is not None  # the "a" command requires it
        figures = asdict(
            erlang_a_metrics(
                agents, calls_per_hour=cph, aht_s=es, patience_s=patience, threshold_s=t
            )
        )
    figures["agents"] = figures.pop("servers")
    return {"agents": agents} | figures


def _render(
    model: Model,
    title: str,
    agents: int,
    source: str,
    figures: dict[str, Any],
    targets: list[dict[str, Any]],
    table: list[dict[str, Any]],
) -> None:
    """Print the figures, the targets and the staffing table with rich."""
    console = Console(highlight=False)
    console.print(f"[bold]{title}[/bold]")
    summary = Table(show_header=False, box=None, padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    for key, value in figures.items():
        if key in _FORMATS:
            label, fmt = _FORMATS[key]
            summary.add_row(label, fmt(value))
    console.print(summary)
    for target in targets:
        verdict = "[green]met[/green]" if target["met"] else "[red]not met[/red]"
        console.print(
            f"target {target['label']}: {verdict} "
            f"(fewest agents meeting it: {target['agents_needed']})"
        )
    how = "given" if source == "given" else "fewest meeting the targets"
    grid = Table(
        title=f"Staffing around {agents} agents ({how})", box=box.SIMPLE_HEAD, padding=(0, 1)
    )
    columns = [c for c in table[0] if c in _COLUMNS]
    for column in columns:
        grid.add_column(_COLUMNS[column][0], justify="right", no_wrap=True)
    for values in table:
        cells = [_COLUMNS[c][1](values[c]) for c in columns]
        grid.add_row(*cells, style="bold reverse" if values["agents"] == agents else None)
    console.print(grid)


def _run(
    model: Model,
    title: str,
    inputs: dict[str, Any],
    cph: float,
    es: float,
    threshold: float,
    patience: float | None,
    agents: int | None,
    targets: list[_Target],
    width: int,
    as_json: bool,
) -> None:
    """Shared body of the three commands: solve or evaluate, then print."""
    try:
        if agents is not None and agents < 1:
            raise ValueError(f"--agents must be at least 1, got {agents}")
        if width < 0:
            raise ValueError(f"--width must be >= 0, got {width}")
        needed = [(target, target.solve()) for target in targets]
        if agents is None:
            # With no calls every target is met by 0 agents; show one agent's figures.
            answer, source = max(1, *(n for _, n in needed)), "target"
        else:
            answer, source = agents, "given"
        figures = _figures(model, answer, cph, es, threshold, patience)
        table = staffing_rows(
            model,
            calls_per_hour=cph,
            aht_s=es,
            threshold_s=threshold,
            patience_s=patience,
            around=answer,
            width=width,
        )
    except ValueError as exc:
        fail(str(exc))
    target_rows = [
        {
            "kpi": target.kpi,
            "label": target.label,
            "target": target.value,
            "agents_needed": n,
            "met": target.met(figures),
        }
        for target, n in needed
    ]
    if as_json:
        payload = {
            "model": model,
            "inputs": inputs,
            "agents": answer,
            "agents_source": source,
            "targets": target_rows,
            "figures": figures,
            "staffing": table,
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        _render(model, title, answer, source, figures, target_rows, table)


def _sl_target(value: float, threshold: float, solve: Callable[[], int]) -> _Target:
    return _Target(
        "service_level",
        f"service level {_percent(value)} within {threshold:g} s",
        value,
        solve,
        lambda f: bool(f["service_level"] >= value),
    )


def _asa_target(value: float, solve: Callable[[], int]) -> _Target:
    return _Target(
        "asa_s", f"ASA <= {value:g} s", value, solve, lambda f: bool(f["asa_s"] <= value)
    )


@erlang_app.command("b")
def erlang_b_command(
    load: Annotated[
        float | None,
        typer.Option(
            "--load", help="Offered load in Erlangs (or give --calls-per-hour and --aht)."
        ),
    ] = None,
    calls_per_hour: CallsPerHour = None,
    aht: Aht = None,
    agents: Annotated[
        int | None,
        typer.Option(
            "--agents", help="Evaluate this many servers (agents or lines).", show_default=False
        ),
    ] = None,
    target_blocking: Annotated[
        float | None,
        typer.Option(
            "--target-blocking",
            help=f"Largest acceptable blocking (default {DEFAULT_TARGET_BLOCKING} "
            "when --agents is not given).",
            show_default=False,
        ),
    ] = None,
    width: Width = 5,
    as_json: JsonFlag = False,
) -> None:
    """Erlang B (M/M/c/c): blocking when callers finding every server busy are lost."""
    if load is not None and (calls_per_hour is not None or aht is not None):
        fail("give either --load or --calls-per-hour with --aht, not both")
    if load is None:
        cph, es = _rate(calls_per_hour, aht)
        erlangs = cph * es / SECONDS_PER_HOUR
    else:
        if not math.isfinite(load) or load < 0:
            fail(f"--load must be a number of Erlangs >= 0, got {load}")
        erlangs = load
        cph, es = load, SECONDS_PER_HOUR  # one-hour contacts: the load is the calls per hour
    if target_blocking is None and agents is None:
        target_blocking = DEFAULT_TARGET_BLOCKING
    targets: list[_Target] = []
    if target_blocking is not None:
        goal = target_blocking
        targets.append(
            _Target(
                "blocking",
                f"blocking <= {_percent(goal)}",
                goal,
                lambda: agents_for_blocking(erlangs, goal),
                lambda f: bool(f["blocking"] <= goal),
            )
        )
    inputs = {"load_erlangs": erlangs, "calls_per_hour": calls_per_hour, "aht_s": aht}
    _run(
        "b",
        f"Erlang B: offered load {erlangs:.3f} Erlangs",
        inputs,
        cph,
        es,
        0.0,
        None,
        agents,
        targets,
        width,
        as_json,
    )


@erlang_app.command("c")
def erlang_c_command(
    calls_per_hour: CallsPerHour = None,
    aht: Aht = None,
    agents: Agents = None,
    threshold: Threshold = 20.0,
    target_sl: TargetSl = None,
    target_asa: TargetAsa = None,
    width: Width = 5,
    as_json: JsonFlag = False,
) -> None:
    """Erlang C (M/M/c): waiting time when callers wait as long as it takes."""
    cph, es = _rate(calls_per_hour, aht)
    if agents is None and target_sl is None and target_asa is None:
        target_sl = DEFAULT_TARGET_SL
    targets: list[_Target] = []
    if target_sl is not None:
        sl = target_sl
        targets.append(
            _sl_target(
                sl,
                threshold,
                lambda: agents_for_service_level(
                    calls_per_hour=cph, aht_s=es, threshold_s=threshold, target=sl
                ),
            )
        )
    if target_asa is not None:
        asa = target_asa
        targets.append(
            _asa_target(asa, lambda: agents_for_asa(calls_per_hour=cph, aht_s=es, target_asa_s=asa))
        )
    load = cph * es / SECONDS_PER_HOUR
    inputs = {
        "calls_per_hour": calls_per_hour,
        "aht_s": es,
        "threshold_s": threshold,
        "load_erlangs": load,
    }
    _run(
        "c",
        f"Erlang C: {cph:g} calls/h, AHT {es:g} s, load {load:.3f} Erlangs",
        inputs,
        cph,
        es,
        threshold,
        None,
        agents,
        targets,
        width,
        as_json,
    )


@erlang_app.command("a")
def erlang_a_command(
    calls_per_hour: CallsPerHour = None,
    aht: Aht = None,
    patience: Annotated[
        float | None,
        typer.Option(
            "--patience", help="Mean patience in seconds (exponential).", show_default=False
        ),
    ] = None,
    agents: Agents = None,
    threshold: Threshold = 20.0,
    target_sl: TargetSl = None,
    target_asa: TargetAsa = None,
    target_abandon: Annotated[
        float | None,
        typer.Option(
            "--target-abandon", help="Largest acceptable abandon rate.", show_default=False
        ),
    ] = None,
    width: Width = 5,
    as_json: JsonFlag = False,
) -> None:
    """Erlang A (M/M/n+M): waiting and abandonment when callers hang up after a patience."""
    cph, es = _rate(calls_per_hour, aht)
    mean_patience = _require("--patience", patience)
    if not mean_patience > 0:
        fail(f"--patience must be a number of seconds > 0, got {mean_patience}")
    if agents is None and target_sl is None and target_asa is None and target_abandon is None:
        target_sl = DEFAULT_TARGET_SL
    targets: list[_Target] = []
    if target_sl is not None:
        sl = target_sl
        targets.append(
            _sl_target(
                sl,
                threshold,
                lambda: agents_for_service_level(
                    calls_per_hour=cph,
                    aht_s=es,
                    threshold_s=threshold,
                    target=sl,
                    patience_s=mean_patience,
                ),
            )
        )
    if target_asa is not None:
        asa = target_asa
        targets.append(
            _asa_target(
                asa,
                lambda: agents_for_asa(
                    calls_per_hour=cph, aht_s=es, target_asa_s=asa, patience_s=mean_patience
                ),
            )
        )
    if target_abandon is not None:
        ab = target_abandon
        targets.append(
            _Target(
                "p_abandon",
                f"abandon rate <= {_percent(ab)}",
                ab,
                lambda: agents_for_abandon_rate(
                    calls_per_hour=cph, aht_s=es, patience_s=mean_patience, target=ab
                ),
                lambda f: bool(f["p_abandon"] <= ab),
            )
        )
    load = cph * es / SECONDS_PER_HOUR
    inputs = {
        "calls_per_hour": calls_per_hour,
        "aht_s": es,
        "patience_s": mean_patience,
        "threshold_s": threshold,
        "load_erlangs": load,
    }
    _run(
        "a",
        f"Erlang A: {cph:g} calls/h, AHT {es:g} s, patience {mean_patience:g} s, "
        f"load {load:.3f} Erlangs",
        inputs,
        cph,
        es,
        threshold,
        mean_patience,
        agents,
        targets,
        width,
        as_json,
    )
