"""Writing a fit's folder: ``scenario.yaml``, ``fit.json`` and ``fit.html``.

Everything is rendered in memory first, then written as one set
(:func:`simulator.outputfiles.write_file_set`), so an error or an interruption never
leaves a half-written file or a scenario without its report.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from simulator.calibration.arrivals import WEEKDAYS
from simulator.calibration.result import FitResult
from simulator.calibration.scenario_writer import header
from simulator.outputfiles import write_file_set

__all__ = ["FIT_FILES", "FitFolderConflict", "render_fit_outputs", "write_fit_outputs"]

FIT_FILES = ("scenario.yaml", "fit.json", "fit.html")
"""The files every fit writes (weekday profiles go into ``scenario.yaml`` itself)."""


class FitFolderConflict(ValueError):
    """The output folder holds something other than a fit's files."""


def render_fit_outputs(result: FitResult) -> dict[str, str]:
    """File name -> content of every output file."""
    from simulator.calibration.report import render_fit_report

    return {
        "scenario.yaml": header(result)
        + yaml.safe_dump(result.scenario_data, sort_keys=False, allow_unicode=True),
        "fit.json": json.dumps(result.to_json(), indent=2, allow_nan=False),
        "fit.html": render_fit_report(result),
    }


def write_fit_outputs(result: FitResult, out: Path, force: bool = False) -> list[Path]:
    """Write the fit's files into ``out`` (created if needed) and return their paths.

    Raises
    ------
    FitFolderConflict
        When ``out`` is a file, or a non-empty folder not written by a fit (unless
        ``force``).
    """
    if out.exists() and not out.is_dir():
        raise FitFolderConflict(f"output path {out} exists and is not a folder")
    if out.exists() and not force and not (out / "fit.json").exists() and any(out.iterdir()):
        raise FitFolderConflict(
            f"output folder {out} is not empty and holds no fit; choose another --out or "
            "pass --force"
        )
    # Earlier versions wrote one scenario per weekday: a refit leaves none of them behind.
    earlier = [f"scenario_{day}.yaml" for day in WEEKDAYS]
    return write_file_set(out, render_fit_outputs(result), stale=earlier)
