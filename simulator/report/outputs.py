"""Writing a run's output folder: summary.json, intervals.csv, contacts, the scenario, figures.

A folder records the fingerprint of the scenario that filled it (``run.json``); a
run of a different scenario refuses to overwrite it unless forced, so a planner
never loses results by reusing a folder name.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.experiment import RunResult
from simulator.experiment.result import wait_grid
from simulator.metrics.registry import DIMENSIONS, Dimension, kpi_info
from simulator.scenario import Scenario, scenario_to_dict

__all__ = [
    "OutputFolderConflict",
    "interval_table",
    "scenario_fingerprint",
    "summary_json",
    "write_run_outputs",
]

MARKER = "run.json"
SCENARIO_HEADER = (
    "# The scenario as run, written by ccsim (CSV paths are relative to the original file).\n"
)


class OutputFolderConflict(ValueError):
    """The output folder holds the results of a different scenario."""


def scenario_fingerprint(scenario: Scenario) -> str:
    """A short hash of the scenario's content (not its seed or replication count)."""
    data = scenario_to_dict(scenario)
    data.pop("seed", None)
    data.pop("replications", None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _number(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def summary_json(result: RunResult) -> dict[str, Any]:
    """The summary as JSON-ready data: metadata, the KPIs worth showing for this scenario
    (``headline``), and every KPI's and breakdown's mean, half-width, bounds (clipped to
    the KPI's range, ``clipped`` saying so), unit and definition.
    """
    summary = result.summary()
    kpis: dict[str, Any] = {}
    for name, row in summary.iterrows():
        info = kpi_info(str(name))
        kpis[str(name)] = {
            "mean": _number(row["mean"]),
            "half_width": _number(row["half_width"]),
            "low": _number(row["low"]),
            "high": _number(row["high"]),
            "clipped": bool(row["clipped"]),
            "unit": None if info is None else info.unit,
            "definition": row["definition"],
        }
    return {**result.metadata(), "headline": result.shown(), "kpis": kpis}


def interval_table(result: RunResult) -> pd.DataFrame:
    """What ``intervals.csv`` holds: the long per-interval table, overall and broken down
    along every dimension with more than one member (queues, call types, agent groups).
    """
    dimensions: list[Dimension | None] = [None]
    dimensions += [d for d in DIMENSIONS if len(result.members(d)) > 1]
    return result.intervals(by=dimensions)


def _check_folder(out: Path, fingerprint: str, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputFolderConflict(f"output path {out} exists and is not a folder")
    marker = out / MARKER
    if force or not out.exists():
        return
    if marker.exists():
        try:
            previous = json.loads(marker.read_text()).get("fingerprint")
        except (OSError, ValueError):
            previous = None
        if previous == fingerprint:
            return
        raise OutputFolderConflict(
            f"output folder {out} holds results of a different scenario; "
            "choose another --out or pass --force to overwrite"
        )
    if any(out.iterdir()):
        raise OutputFolderConflict(
            f"output folder {out} is not empty and was not written by ccsim; "
            "choose another --out or pass --force"
        )


def write_run_outputs(result: RunResult, out: Path, force: bool = False) -> list[Path]:
    """Write the run's files into ``out`` and return their paths."""
    fingerprint = scenario_fingerprint(result.scenario)
    _check_folder(out, fingerprint, force)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def keep(path: Path) -> Path:
        written.append(path)
        return path

    keep(out / MARKER).write_text(
        json.dumps({"scenario": result.scenario.name, "fingerprint": fingerprint}, indent=2)
    )
    keep(out / "summary.json").write_text(json.dumps(summary_json(result), indent=2))
    interval_table(result).to_csv(keep(out / "intervals.csv"), index=False)
    sl = result.scenario.service_level
    curve = result.service_level_curve(wait_grid(sl.threshold_s, 600.0))
    curve.to_csv(keep(out / "service_level_curve.csv"), index=False)
    keep(out / "scenario.yaml").write_text(
        SCENARIO_HEADER + yaml.safe_dump(scenario_to_dict(result.scenario), sort_keys=False)
    )
    result.plot_intervals().savefig(keep(out / "intervals.png"), dpi=110)
    if all(o.contact_chunks is not None for o in result.outputs):
        contacts = result.contacts()
        try:
            contacts.to_parquet(out / "contacts.parquet", index=False)
            written.append(out / "contacts.parquet")
        except ImportError:
            contacts.to_csv(keep(out / "contacts.csv"), index=False)
        result.plot_waits().savefig(keep(out / "wait_distribution.png"), dpi=110)
    return written
