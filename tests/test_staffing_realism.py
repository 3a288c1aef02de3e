"""Staffing respects the scenario's realism: handle-time and patience multipliers by
interval, shrinkage by interval and absenteeism, volumes by weekday, busy days.

Each expected figure is computed here from the exact Erlang formulas of
``simulator.analytic`` (and, for busy days, a numerical integral over the gamma day
factor), not read from the program; the simulation search is checked against the
Erlang figure of a doubled handle time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import integrate, stats

import simulator
from simulator.analytic import agents_for_service_level, erlang_a_metrics

HANDLE_S = 240.0
PATIENCE_S = 180.0
THRESHOLD_S = 20.0
RATE = 300.0
"""Calls an hour."""


def _day(hours: int = 4, **call_type: Any) -> dict[str, Any]:
    """One queue and group, Erlang A (exponential handle time and patience), hour intervals."""
    return {
        "name": "realism",
        "seed": 21,
        "replications": 10,
        "calendar": {
            "days": 1,
            "open": "00:00",
            "close": f"{hours:02d}:00",
            "interval_minutes": 60,
        },
        "warmup_minutes": 60,
        "service_level": {"threshold_s": THRESHOLD_S, "definition": "offered"},
        "queues": [{"name": "q"}],
        "call_types": [
            {
                "name": "c",
                "target": "q",
                "volume": {"rate_per_hour": RATE},
                "handle_time": {"dist": "exponential", "mean": HANDLE_S},
                "patience": {"dist": "exponential", "mean": PATIENCE_S},
                **call_type,
            }
        ],
        "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": 1}],
    }


def _erlang(rate: float = RATE, handle: float = HANDLE_S, patience: float = PATIENCE_S) -> int:
    return agents_for_service_level(
        calls_per_hour=rate, aht_s=handle, threshold_s=THRESHOLD_S, target=0.8, patience_s=patience
    )


def _sipp(data: dict[str, Any]) -> np.ndarray:
    sc = simulator.scenario_from_dict(data)
    return simulator.staff(sc, {"service_level": 0.8}, method="sipp").required[0]


def test_multipliers_shrinkage_and_absence_enter_the_erlang_requirement() -> None:
    plain, doubled = _erlang(), _erlang(handle=2 * HANDLE_S)
    assert doubled > plain + 10
    found = _sipp(_day(handle_time_multiplier=[1.0, 1.0, 2.0, 1.0]))
    np.testing.assert_array_equal(found, [plain, plain, doubled, plain])
    # Patience halved in one hour: Erlang A with the shorter patience there.
    found = _sipp(_day(patience_multiplier={"00:00": 1.0, "01:00": 0.5, "02:00": 1.0}))
    np.testing.assert_array_equal(found, [plain, _erlang(patience=PATIENCE_S / 2), plain, plain])
    # Shrinkage by interval and absenteeism: scheduled heads for the agents on the phones.
    data = _day()
    data["agent_groups"][0].update(shrinkage=[0.0, 0.1, 0.3, 0.1], absenteeism=0.05)
    expected = [math.ceil(plain / ((1 - s) * 0.95)) for s in (0.0, 0.1, 0.3, 0.1)]
    np.testing.assert_array_equal(_sipp(data), expected)


def test_the_busiest_weekday_decides_the_requirement() -> None:
    data = _day(
        hours=3, volume={"rate_per_hour": RATE, "by_weekday": {"sat": {"rate_per_hour": 2 * RATE}}}
    )
    data["calendar"].update(days=2, start_weekday="fri")
    found = _sipp(data)
    assert np.all(found == _erlang(rate=2 * RATE))
    # The search judges every day: the Saturday is what the staffing must hold.
    sc = simulator.scenario_from_dict(data)
    result = simulator.staff(sc, {"service_level": 0.8}, replications=4, max_replications=8)
    counted = result.table()["counted"].to_numpy(dtype=bool)
    assert np.all(np.abs(result.required[0, counted] - _erlang(rate=2 * RATE)) <= 2)


def _day_averaged_sl(agents: int, cv: float) -> float:
    """E[F·SL(λF)] / E[F] for a gamma day factor F (mean 1, CV ``cv``), by quadrature."""
    shape = 1.0 / cv**2
    factor = stats.gamma(shape, scale=1.0 / shape)

    def integrand(f: float) -> float:
        m = erlang_a_metrics(
            agents,
            calls_per_hour=RATE * f,
            aht_s=HANDLE_S,
            patience_s=PATIENCE_S,
            threshold_s=THRESHOLD_S,
        )
        return float(f * m.service_level * factor.pdf(f))

    value, _ = integrate.quad(integrand, 0.0, factor.ppf(1 - 1e-10), limit=200)
    return float(value)


def test_busy_days_raise_the_requirement_to_the_day_averaged_erlang_figure() -> None:
    cv = 0.25
    expected = next(c for c in range(_erlang(), 3 * _erlang()) if _day_averaged_sl(c, cv) >= 0.8)
    assert expected > _erlang()
    assert np.all(_sipp(_day(day_to_day_cv=cv)) == expected)
    # The busyness factor shared by every call type counts the same.
    data = _day()
    data["busyness"] = {"day_to_day_cv": cv}
    assert np.all(_sipp(data) == expected)


def test_the_search_staffs_a_doubled_handle_time_to_its_erlang_figure() -> None:
    sc = simulator.scenario_from_dict(_day(hours=4, handle_time_multiplier=[1.0, 2.0, 2.0, 2.0]))
    result = simulator.staff(sc, {"service_level": 0.8}, replications=8, max_replications=16)
    required = result.required[0]
    # Once the doubled handle time has held for an hour (the queue has settled), each hour
    # needs the Erlang figure for it, within one agent; the first doubled hour is already
    # far above the plain figure.
    assert np.all(np.abs(required[2:] - _erlang(handle=2 * HANDLE_S)) <= 1), required
    assert required[1] > _erlang() + 10, required
