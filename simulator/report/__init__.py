"""Figures and output folders (matplotlib; imported only by the interfaces)."""

from simulator.report.figures import interval_panel
from simulator.report.outputs import OutputFolderConflict, write_run_outputs

__all__ = ["OutputFolderConflict", "interval_panel", "write_run_outputs"]
