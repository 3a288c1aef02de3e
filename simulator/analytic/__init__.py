"""Closed-form queueing results for contact centres: Erlang B, C and A, and staffing.

No simulation here: these are the textbook formulas (exact, numerically stable for
thousands of agents) that the simulator is validated against and that planners use
for a first staffing estimate.

* :func:`erlang_b` — blocking in the loss system M/M/c/c.
* :func:`erlang_c`, :func:`erlang_c_metrics` — the delay system M/M/c.
* :func:`erlang_a_metrics` — the delay system with exponential abandonment M/M/n+M.
* staffing: :func:`agents_for_service_level`, :func:`agents_for_asa`,
  :func:`agents_for_abandon_rate`, :func:`agents_for_blocking`,
  :func:`square_root_staffing`, :func:`halfin_whitt_beta`, :func:`staffing_table`.

The public functions speak the units of ``ccsim erlang``: keyword arguments
``calls_per_hour``, ``aht_s``, ``patience_s``, ``threshold_s`` (seconds), keyword-only so that
a rate in another unit cannot be passed by position. Erlang B takes the offered load in
Erlangs (calls per hour × AHT in seconds / 3600).
"""

from simulator.analytic.erlanga import ErlangAResult, erlang_a_metrics
from simulator.analytic.erlangb import erlang_b
from simulator.analytic.erlangc import ErlangCResult, erlang_c, erlang_c_metrics
from simulator.analytic.staffing import (
    agents_for_abandon_rate,
    agents_for_asa,
    agents_for_blocking,
    agents_for_service_level,
    halfin_whitt_beta,
    square_root_staffing,
    staffing_rows,
    staffing_table,
)

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "agents_for_abandon_rate",
    "agents_for_asa",
    "agents_for_blocking",
    "agents_for_service_level",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "halfin_whitt_beta",
    "square_root_staffing",
    "staffing_rows",
    "staffing_table",
]
