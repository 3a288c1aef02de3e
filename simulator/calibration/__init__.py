"""Calibration: a scenario fitted from a contact log, with a back-test on held-out days.

Typical use::

    import simulator
    result = simulator.fit("scenarios/logs/sample_centre.csv", holdout_days=5, out="fitted")
    result.scenario            # the fitted scenario, ready for simulator.run
    result.backtest.verdict()  # does it reproduce the held-out days?

The modules, one job each: :mod:`~simulator.calibration.reading` (read and validate the log),
:mod:`~simulator.calibration.contacts` (legs to contacts), :mod:`~simulator.calibration.arrivals`,
:mod:`~simulator.calibration.durations` (ML fits, AIC, goodness of fit),
:mod:`~simulator.calibration.patience` (censored waits), :mod:`~simulator.calibration.journeys`
(redials, recontacts, transfers, IVR), :mod:`~simulator.calibration.staffing`,
:mod:`~simulator.calibration.backtest`, :mod:`~simulator.calibration.scenario_writer`,
:mod:`~simulator.calibration.report` (``fit.html``) and :mod:`~simulator.calibration.outputs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.calibration.reading import ContactLog, LogError, parse_column_map, read_log

if TYPE_CHECKING:
    from simulator.calibration.result import FitResult

__all__ = ["ContactLog", "FitResult", "LogError", "fit", "parse_column_map", "read_log"]


def __getattr__(name: str) -> Any:
    """``FitResult`` on first use (it pulls in scipy, which ``import simulator`` should not)."""
    if name == "FitResult":
        from simulator.calibration.result import FitResult

        return FitResult
    raise AttributeError(name)


def fit(
    log: Path | str | ContactLog,
    *,
    staffing: Path | str | None = None,
    interval_minutes: int = 30,
    by_weekday: bool = False,
    holdout_days: int = 0,
    columns: Mapping[str, str] | str | None = None,
    service_level_s: float = 20.0,
    redial_window_minutes: float = 120.0,
    recontact_window_days: float = 7.0,
    backtest_replications: int = 20,
    seed: int = 1,
    workers: int | None = None,
    out: Path | str | None = None,
    force: bool = False,
) -> FitResult:
    """Fit a scenario from a contact log and, with ``out``, write ``scenario.yaml``,
    ``fit.json`` and ``fit.html`` there (all or nothing).

    Parameters
    ----------
    log
        CSV or Parquet file, one row per leg (or ccsim's ``contacts.parquet``).
    staffing
        CSV ``interval_start, agent_group, agents``; without it staffing is the lower
        bound read off the log (with a warning).
    interval_minutes
        Planning interval (must divide a day).
    by_weekday
        Also fit one volume profile per weekday: the scenario then simulates one week
        from a Monday, its volumes carrying the profiles as ``by_weekday``.
    holdout_days
        Keep the last days of the log out of the fit and back-test on them.
    columns
        Log column -> the file's column name, as a mapping or ``"arrived_at=Start,..."``.
    service_level_s
        Threshold of the service level in the scenario and the back-test.
    redial_window_minutes, recontact_window_days
        How soon after an unanswered (answered) contact the same customer's next
        contact counts as a redial (recontact).
    backtest_replications, seed, workers
        Replications of the back-test simulation, its seed and worker processes.
    out, force
        Output folder; ``force`` overwrites fit outputs of another log there.

    Raises
    ------
    LogError
        Naming the file, the line and the column of what cannot be used.
    """
    from simulator.calibration.calibrate import fit_log

    mapping = parse_column_map(columns) if isinstance(columns, str) else columns
    result = fit_log(
        log,
        staffing=staffing,
        interval_minutes=interval_minutes,
        by_weekday=by_weekday,
        holdout_days=holdout_days,
        columns=mapping,
        service_level_s=service_level_s,
        redial_window_minutes=redial_window_minutes,
        recontact_window_days=recontact_window_days,
        backtest_replications=backtest_replications,
        seed=seed,
        workers=workers,
    )
    if out is not None:
        from simulator.calibration.outputs import write_fit_outputs

        write_fit_outputs(result, Path(out), force=force)
    return result
