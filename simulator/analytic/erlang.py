"""All Erlang formulas and staffing rules from one module (re-exports).

The implementations live in :mod:`~simulator.analytic.erlangb`,
:mod:`~simulator.analytic.erlangc`, :mod:`~simulator.analytic.erlanga` and
:mod:`~simulator.analytic.staffing`; ``from simulator.analytic import ...`` is the
usual spelling.
"""

from simulator.analytic import *  # noqa: F403
from simulator.analytic import __all__ as __all__
