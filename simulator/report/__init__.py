"""Figures, output folders and the HTML report (matplotlib; imported only by the interfaces).

Figures (:mod:`simulator.report.figures`) read result tables and return matplotlib
figures; :func:`write_run_outputs` fills a run's output folder; :func:`write_report`
turns an output folder into one self-contained ``report.html``.
"""

from simulator.report.figures import (
    group_occupancy,
    interval_panel,
    journey_diagram,
    journey_flows,
    scenario_comparison,
    sweep_curve,
    wait_distribution,
)
from simulator.report.html import ReportError, render_report, write_report
from simulator.report.outputs import OutputFolderConflict, write_run_outputs

__all__ = [
    "OutputFolderConflict",
    "ReportError",
    "group_occupancy",
    "interval_panel",
    "journey_diagram",
    "journey_flows",
    "render_report",
    "scenario_comparison",
    "sweep_curve",
    "wait_distribution",
    "write_report",
    "write_run_outputs",
]
