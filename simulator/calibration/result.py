"""What a fit found: every estimate, the fitted scenario and the back-test, JSON-ready."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calibration.arrivals import ArrivalFit
from simulator.calibration.durations import FamilyFit, best
from simulator.calibration.journeys import CallAgainFit, IvrFit, TransferFit
from simulator.calibration.patience import PatienceFit

if TYPE_CHECKING:
    import pandas as pd

    from simulator.calibration.backtest import Backtest
    from simulator.scenario import Scenario

__all__ = ["FitResult"]


def _fits(fits: list[FamilyFit]) -> dict[str, Any]:
    chosen = best(fits)
    return {"chosen": chosen.family if chosen else None, "fits": [f.as_dict() for f in fits]}


@dataclass
class FitResult:
    """A scenario fitted from a contact log, with every estimate behind it.

    ``scenario`` is the fitted scenario (validated); ``scenario_data`` the same as plain
    data, as written to ``scenario.yaml`` (with ``by_weekday``, one week whose volumes
    carry the weekday profiles); ``backtest`` the comparison with held-out days (or None).
    """

    source: str
    first_date: datetime.date
    open_s: float
    close_s: float
    interval_minutes: int
    service_level_s: float
    fit_days: list[int]
    holdout_days: list[int]
    queues: list[str]
    targets: dict[str, str]
    arrivals: list[ArrivalFit]
    handle: dict[str, list[FamilyFit]]
    handle_by_group: dict[str, list[FamilyFit]]
    handle_factor: dict[str, float]
    wrap: dict[str, list[FamilyFit]]
    patience: dict[str, PatienceFit]
    balk: dict[str, float]
    redial: CallAgainFit | None
    recontact: CallAgainFit | None
    transfers: TransferFit | None
    ivr: IvrFit | None
    skills: dict[str, list[str]]
    staffing: dict[str, list[int]]
    staffing_source: str
    contacts: pd.DataFrame
    origins: pd.Series
    talk_times: dict[str, np.ndarray] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    scenario_data: dict[str, Any] = field(default_factory=dict)
    backtest: Backtest | None = None

    @property
    def scenario(self) -> Scenario:
        """The fitted scenario, validated."""
        from simulator.scenario import scenario_from_dict

        return scenario_from_dict(self.scenario_data, source="fitted scenario")

    def interval_labels(self) -> list[str]:
        """``HH:MM`` start of each interval of the day."""
        from simulator.calibration.scenario_writer import clock

        step = self.interval_minutes * 60
        n = round((self.close_s - self.open_s) / step)
        return [clock(self.open_s + k * step) for k in range(n)]

    def to_json(self) -> dict[str, Any]:
        """Everything estimated, JSON-ready (what ``fit.json`` holds)."""

        def date(day: int) -> str:
            return (self.first_date + datetime.timedelta(days=day)).isoformat()

        origins = self.origins.value_counts()
        data: dict[str, Any] = {
            "source": self.source,
            "days": {
                "fitted": [date(d) for d in self.fit_days],
                "held_out": [date(d) for d in self.holdout_days],
            },
            "calendar": {
                "open": self.scenario_data["calendar"]["open"],
                "close": self.scenario_data["calendar"]["close"],
                "interval_minutes": self.interval_minutes,
                "intervals": self.interval_labels(),
            },
            "contacts": {
                "total": len(self.contacts),
                "first": int(origins.get("first", 0)),
                "redial": int(origins.get("redial", 0)),
                "recontact": int(origins.get("recontact", 0)),
            },
            "arrivals": {a.call_type: a.as_dict() for a in self.arrivals},
            "handle_time": {k: _fits(v) for k, v in self.handle.items()},
            "handle_time_by_group": {k: _fits(v) for k, v in self.handle_by_group.items()},
            "handle_time_factor": self.handle_factor,
            "wrap_up": {k: _fits(v) for k, v in self.wrap.items()},
            "patience": {k: v.as_dict() for k, v in self.patience.items()},
            "balk_probability": self.balk,
            "redial": self.redial.as_dict() if self.redial else None,
            "recontact": self.recontact.as_dict() if self.recontact else None,
            "transfers": self.transfers.as_dict() if self.transfers else None,
            "ivr": self.ivr.as_dict() if self.ivr else None,
            "staffing": {"source": self.staffing_source, "per_interval": self.staffing},
            "warnings": self.warnings,
            "scenario": self.scenario_data,
            "backtest": self.backtest.as_dict() if self.backtest else None,
        }
        cleaned: dict[str, Any] = _clean(data)
        return cleaned


def _clean(value: Any) -> Any:
    """NaN and infinities as None, so the JSON is standard."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return _clean(value.item())
    return value
