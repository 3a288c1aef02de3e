"""The report of a ``ccsim staff`` output folder: requirement, Erlang, roster and current
staffing per group, each queue's achieved KPIs, methods compared and the daily risk.

It reads the folder's files (``staffing.json``, ``staffing.csv`` and, when present,
``shifts.csv``, ``roster.csv``, ``methods.csv``, ``days_summary.csv``); it re-runs
nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.report.html_assets import SCRIPT, STYLE
from simulator.report.html_parts import _e, _figure_block, _png, _raw_table, _section

__all__ = ["STAFFING_META", "is_staffing_folder", "render_staffing_report"]

STAFFING_META = "staffing.json"
"""The file that marks a staffing folder (``kind: staffing``)."""


def is_staffing_folder(folder: Path) -> bool:
    """Whether ``folder`` was written by ``ccsim staff``."""
    meta = folder / STAFFING_META
    if not meta.is_file():
        return False
    try:
        return bool(json.loads(meta.read_text()).get("kind") == "staffing")
    except (OSError, ValueError, AttributeError):
        return False


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / name
    return pd.read_csv(path) if path.is_file() else None


def _group_figure(table: pd.DataFrame, group: str) -> Figure:
    """Required bars, with the Erlang answer, the roster and the current staffing as steps."""
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(table))
    ax.bar(x, table[f"required[{group}]"], color="#4c72b0", alpha=0.75, label="requirement")
    lines = [
        (f"analytic[{group}]", "Erlang (SIPP)", "#dd8452", "-"),
        (f"roster[{group}]", "roster on the phones", "#2ca02c", "-"),
        (f"current[{group}]", "scenario's current staffing", "#555555", "--"),
    ]
    for col, label, colour, style in lines:
        if col in table:
            ax.step(x, table[col], where="mid", color=colour, ls=style, lw=2, label=label)
    step = max(1, len(table) // 12)
    ax.set_xticks(x[::step], table["start"].iloc[::step])
    ax.set_ylabel("agents")
    ax.set_title(f"group {group}")
    ax.legend(fontsize="small", loc="upper right")
    return fig


def _queue_figure(table: pd.DataFrame, queues: list[str], targets: dict[str, Any]) -> Figure:
    """Each queue's achieved service level per interval, ± 95 %, with its target."""
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(table))
    for k, queue in enumerate(queues):
        col = f"service_level[queue={queue}]"
        if col not in table:
            continue
        shift = (k - (len(queues) - 1) / 2) * 0.12
        line = ax.errorbar(
            x + shift, table[col], yerr=table[f"{col}_hw"], fmt="o", ms=3, label=queue
        )
        target = targets.get(queue, {}).get("service_level")
        if target is not None:
            ax.axhline(target, color=line[0].get_color(), ls="--", lw=1)
    step = max(1, len(table) // 12)
    ax.set_xticks(x[::step], table["start"].iloc[::step])
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("service level")
    ax.set_title("achieved service level per queue (dashed: its target)")
    ax.legend(fontsize="small", loc="lower right")
    return fig


def _facts(meta: dict[str, Any]) -> str:
    items = [
        ("targets", meta.get("targets_text", "")),
        ("method", meta.get("method", "")),
        ("groups staffed", ", ".join(meta.get("groups", []))),
        ("paired replications", meta.get("replications", "")),
        ("seed", meta.get("seed", "")),
        ("simulated days", meta.get("simulated_days", "")),
        ("agent-hours required", f"{float(meta.get('agent_hours', 0)):.1f}"),
    ]
    if meta.get("days_quantile") is not None:
        items.append(("staffed for the quantile day", meta["days_quantile"]))
    roster = meta.get("roster")
    if roster:
        items += [
            ("roster heads", roster["heads"]),
            ("roster cost", f"{roster['cost']:,.0f}"),
            ("roster cells meeting target", f"{roster['cells_met'] * 100:.0f} %"),
        ]
    cells = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in items)
    return f'<dl class="facts">{cells}</dl>'


def _per_queue_table(table: pd.DataFrame, queues: list[str], targets: dict[str, Any]) -> str:
    columns = ["start"]
    for queue in queues:
        for kpi in targets.get(queue, {}) or {"service_level": None}:
            col = f"{kpi}[queue={queue}]"
            if col in table:
                columns += [col, f"{col}_hw"]
    return _raw_table(table[columns])


def render_staffing_report(folder: Path) -> str:
    """The report of a staffing output folder as one self-contained HTML document."""
    from simulator import __version__

    meta = json.loads((folder / STAFFING_META).read_text())
    table = pd.read_csv(folder / "staffing.csv")
    queues = list(meta.get("queues", []))
    targets = meta.get("targets", {})
    sections = [
        "<header><p class='kicker'>ccsim staffing report</p>"
        f"<h1>{_e(meta.get('scenario', folder.name))}</h1>{_facts(meta)}</header>"
    ]
    figures = "".join(
        _figure_block(
            _png(_group_figure(table, group)),
            f"staffing of group {group}",
            "Bars: the fewest agents whose expected KPIs meet every queue's target. Steps: "
            "the Erlang answer per interval, the roster's agents on the phones (breaks "
            "taken off) and what the scenario schedules today.",
        )
        for group in meta.get("groups", [])
    )
    sections.append(_section("groups", "Requirement, Erlang, roster and current staffing", figures))
    if queues:
        body = _figure_block(
            _png(_queue_figure(table, queues, targets)),
            "service level per queue",
            "Each queue's service level in the final simulation, with 95 % intervals.",
        ) + _per_queue_table(table, queues, targets)
        sections.append(_section("queues", "Each queue's achieved figures", body))
    shifts = _read(folder, "shifts.csv")
    if shifts is not None:
        sections.append(
            _section(
                "roster",
                "Roster",
                _raw_table(shifts),
                f"The runnable roster scenario is <code>{_e(meta['roster']['file'])}</code>; "
                "<code>ccsim run</code> on it reproduces these figures."
                if meta.get("roster")
                else "",
            )
        )
    methods = _read(folder, "methods.csv")
    if methods is not None:
        sections.append(
            _section(
                "methods",
                "Methods side by side",
                _raw_table(methods),
                "Every method's staffing simulated on the same fresh callers: cells_met is the "
                "share of interval×queue cells whose estimate meets the target; a clear miss "
                "is more than three standard errors below it.",
            )
        )
    days = _read(folder, "days_summary.csv")
    if days is not None:
        sections.append(
            _section(
                "days",
                "Day to day",
                _raw_table(days),
                "Each simulated day's figure per queue (with the day-to-day volume factor): "
                "percentiles and the share of days meeting the target.",
            )
        )
    sections.append(_section("intervals", "Interval table", _raw_table(table)))
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    footer = (
        f"<footer>Written by ccsim {_e(__version__)} on {_e(now)} from the staffing folder "
        f"<code>{_e(folder)}</code>; nothing was re-run.</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(meta.get('scenario', ''))} — ccsim staffing report</title>"
        f"<style>{STYLE}</style></head><body><main>{''.join(sections)}{footer}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
