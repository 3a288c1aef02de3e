"""The what-if page: change a centre with a few controls and see the effect, with its confidence.

``ccsim app SCENARIO`` serves it in the browser; :func:`whatif` shows the same page
inline in Jupyter. The page turns its controls into key-path changes of the scenario
(:mod:`simulator.webapp.controls`), runs the baseline and the changed scenario with
common random numbers in a background thread that drops a stale run as soon as a
control moves (:mod:`simulator.webapp.runner`), and shows the API's own numbers —
``simulator.run`` results paired into a :class:`~simulator.Comparison` — as cards,
charts and downloads (:mod:`simulator.webapp.views`, :mod:`simulator.webapp.page`).
Panel is needed only for the page itself (``pip install 'ccsim[app]'``).
"""

from pathlib import Path
from typing import Any

from simulator.scenario import Scenario
from simulator.webapp.controls import Applied, Control, apply_controls, controls_for

__all__ = ["Applied", "Control", "apply_controls", "controls_for", "whatif"]


def whatif(scenario: Scenario | str | Path, replications: int | None = None) -> Any:
    """The what-if page for ``scenario`` (a :class:`~simulator.Scenario` or a file path),
    as a Panel layout that displays itself inline in Jupyter.

    Raises
    ------
    ImportError
        When Panel is not installed (``pip install 'ccsim[app]'``).
    """
    from simulator.webapp.page import WhatIfPage

    return WhatIfPage.create(scenario, replications=replications).layout
