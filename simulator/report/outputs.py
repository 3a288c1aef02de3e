"""Writing a run's output folder: summary.json, intervals.csv, contacts, the scenario, figures.

A folder records the fingerprint of the scenario that filled it (``run.json``); a
run of a different scenario refuses to overwrite it unless forced, so a planner
never loses results by reusing a folder name.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.experiment import RunResult
from simulator.experiment.result import wait_grid
from simulator.metrics.registry import DIMENSIONS, Dimension, kpi_info
from simulator.outputfiles import (
    FileContent,
    finite_json,
    json_text,
    write_file_set,
)
from simulator.scenario import Scenario, scenario_to_dict

__all__ = [
    "RUN_FILES",
    "OutputFolderConflict",
    "check_run_folder",
    "interval_table",
    "scenario_fingerprint",
    "summary_json",
    "write_run_outputs",
]

MARKER = "run.json"
FIGURE_DPI = 110
"""Resolution of the figures in a run folder."""
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


def _number(x: float) -> float:
    return float(x)  # NaN and infinities become null with a reason in summary_json


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
    return finite_json({**result.metadata(), "headline": result.shown(), "kpis": kpis})  # type: ignore[no-any-return]


def interval_table(result: RunResult) -> pd.DataFrame:
    """What ``intervals.csv`` holds: the long per-interval table, overall and broken down
    along every dimension with more than one member (queues, call types, agent groups).
    """
    dimensions: list[Dimension | None] = [None]
    dimensions += [d for d in DIMENSIONS if len(result.members(d)) > 1]
    return result.intervals(by=dimensions)


RUN_FILES = (
    MARKER,
    "summary.json",
    "intervals.csv",
    "service_level_curve.csv",
    "scenario.yaml",
    "intervals.png",
    "contacts.parquet",
    "contacts.csv",
    "wait_distribution.png",
    "report.html",
)
"""Files a run folder may hold from an earlier run (removed when not written again)."""


def check_run_folder(out: Path, scenario: Scenario, force: bool = False) -> None:
    """Refuse ``out`` before any work when it holds another scenario's results or files
    ccsim did not write (unless ``force``).

    Raises
    ------
    OutputFolderConflict
        Saying which, and what to do.
    """
    _check_folder(out, scenario_fingerprint(scenario), force)


def _check_folder(out: Path, fingerprint: str, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputFolderConflict(f"output path {out} exists and is not a folder")
    marker = out / MARKER
    if force or not out.exists():
        return
    if marker.exists():
        try:
            previous = json.loads(marker.read_text()).get("fingerprint")
        except (OSError, ValueError, AttributeError):
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


def _previous_files(out: Path) -> set[str]:
    """Names of the files an earlier run left in ``out`` (as its marker lists them)."""
    names = set(RUN_FILES)
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        names |= {str(n) for n in json.loads((out / MARKER).read_text()).get("files", [])}
    return {n for n in names if "/" not in n and n not in ("", ".", "..")}


def write_run_outputs(result: RunResult, out: Path, force: bool = False) -> list[Path]:
    """Write the run's files into ``out`` and return their paths.

    The files are written as one set (:func:`~simulator.outputfiles.write_file_set`):
    only when all of them are complete do they replace the earlier run's files, whose
    leftovers (e.g. ``contacts.parquet`` of a run kept with contacts) are removed, and
    ``run.json`` is put in place last. A failure leaves the earlier run as it was.
    """
    fingerprint = scenario_fingerprint(result.scenario)
    _check_folder(out, fingerprint, force)
    files = _run_files(result)
    marker = {"scenario": result.scenario.name, "fingerprint": fingerprint, "files": list(files)}
    files[MARKER] = json_text(marker)
    stale = _previous_files(out) if out.is_dir() else set()
    written = write_file_set(out, files, stale=stale)
    return [written[-1], *written[:-1]]


def _parquet_available() -> bool:
    """Whether pandas can write Parquet here (it needs pyarrow or fastparquet)."""
    return any(importlib.util.find_spec(engine) for engine in ("pyarrow", "fastparquet"))


def _run_files(result: RunResult) -> dict[str, FileContent]:
    """Every file of a run: name -> its content or the function writing it."""
    table = interval_table(result)
    sl = result.scenario.service_level
    curve = result.service_level_curve(wait_grid(sl.threshold_s, 600.0))
    files: dict[str, FileContent] = {
        "summary.json": json_text(summary_json(result)),
        "intervals.csv": lambda path: table.to_csv(path, index=False),
        "service_level_curve.csv": lambda path: curve.to_csv(path, index=False),
        "scenario.yaml": SCENARIO_HEADER
        + yaml.safe_dump(scenario_to_dict(result.scenario), sort_keys=False),
        "intervals.png": lambda path: result.plot_intervals().savefig(path, dpi=FIGURE_DPI),
    }
    if all(o.contact_chunks is not None for o in result.outputs):
        contacts = result.contacts()
        if _parquet_available():
            files["contacts.parquet"] = lambda path: contacts.to_parquet(path, index=False)
        else:
            files["contacts.csv"] = lambda path: contacts.to_csv(path, index=False)
        files["wait_distribution.png"] = lambda path: result.plot_waits().savefig(
            path, dpi=FIGURE_DPI
        )
    return files
