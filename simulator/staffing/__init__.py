"""Staffing: the fewest agents per interval that meet service targets, and shifts.

* :func:`staff` — per interval and group, the fewest agents whose expected KPIs meet
  every queue's targets: paired simulations with common random numbers, more
  replications where a decision is close (``search.py``); or the SIPP, lagged SIPP
  and ISA methods (``methods.py``).
* :func:`analytic_staffing` — the Erlang answer alone (``--analytic``).
* :func:`solve_shifts` — cover a per-interval requirement with shifts at least cost,
  an integer program solved by ``scipy.optimize.milp`` (``shifts.py``).
"""

from simulator.staffing.analytic_start import AnalyticStaffing, analytic_staffing
from simulator.staffing.methods import METHODS, staffing_by_method
from simulator.staffing.result import StaffingResult
from simulator.staffing.scenario_edit import with_staffing
from simulator.staffing.search import DEFAULT_CONFIDENCE, staff
from simulator.staffing.shifts import ShiftPlan, ShiftRules, load_shift_rules, solve_shifts
from simulator.staffing.targets import StaffingInfeasible, Targets, parse_targets

__all__ = [
    "DEFAULT_CONFIDENCE",
    "METHODS",
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
    "staffing_by_method",
    "with_staffing",
]
