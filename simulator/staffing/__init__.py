"""Staffing: the fewest agents per interval that meet service targets, and shifts.

* :func:`staff` — Erlang A/C start per interval, corrected by simulation with common
  random numbers, targets checked on 95 % confidence bounds (``search.py``).
* :func:`analytic_staffing` — the Erlang answer alone (``--analytic``).
* :func:`solve_shifts` — cover a per-interval requirement with shifts at least cost,
  an integer program solved by ``scipy.optimize.milp`` (``shifts.py``).
"""

from simulator.staffing.analytic_start import AnalyticStaffing, analytic_staffing
from simulator.staffing.result import StaffingResult
from simulator.staffing.search import staff, with_staffing
from simulator.staffing.shifts import ShiftPlan, ShiftRules, load_shift_rules, solve_shifts
from simulator.staffing.targets import StaffingInfeasible, Targets, parse_targets

__all__ = [
    "AnalyticStaffing",
    "ShiftPlan",
    "ShiftRules",
    "StaffingInfeasible",
    "StaffingResult",
    "Targets",
    "analytic_staffing",
    "load_shift_rules",
    "parse_targets",
    "solve_shifts",
    "staff",
    "with_staffing",
]
