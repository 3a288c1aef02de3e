"""Demand over a calendar: a call type's volume, its profiles by weekday and by date, and
the day-to-day busyness shared by every call type.

A volume gives the expected calls of an ordinary day (a flat rate, a per-interval
profile or a CSV file). On multi-day calendars it may give another day's shape:
``by_weekday: {sat: {...}, sun: {...}}`` for a weekday (the calendar then states its
``start_weekday`` or ``start_date``) and ``by_date: {2026-12-24: {...}}`` for a date (the
calendar states its ``start_date``). A date's volume wins over its weekday's, which wins
over the ordinary day's.

Day-to-day variation is a gamma multiplier with mean 1 on a whole day's volume. It
can be *common* — one factor a day shared by all call types (``busyness``: real days
are busy for every call type at once, the "busyness factor" of L'Ecuyer's
ContactCenters) — and *specific* — each call type's own ``day_to_day_cv``. Both
multiply: a call type's day volume is ``B_d F_jd m_j`` with ``B`` and ``F`` independent,
so its daily count ``N`` has ``Var N = m + m^2 ((1 + c_B^2)(1 + c_j^2) - 1)`` and two
call types' counts correlate through ``B`` alone (``Cov = m_i m_j c_B^2``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

import numpy as np
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from simulator.scenario.base import Date, NonNegative, StrictModel
from simulator.scenario.csvfile import BASE_DIR_CONTEXT_KEY, read_volume_csv
from simulator.scenario.errors import Problem, ScenarioError, key_segment

if TYPE_CHECKING:
    from simulator.scenario.models import Calendar, Scenario

__all__ = [
    "MAX_CALLS_PER_DAY",
    "WEEKDAYS",
    "Busyness",
    "DayVolume",
    "Volume",
    "Weekday",
    "demand_problems",
]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in the order of ``datetime.date.weekday()`` (Monday is 0)."""

_VOLUME_FORMS = ("rate_per_hour", "profile_per_interval", "csv")

MAX_CALLS_PER_DAY = 10_000_000
"""Upper bound on one call type's expected calls a day: a guard against a mistyped volume
(a rate of 1e9 would otherwise try to draw a billion calls and exhaust memory)."""


class DayVolume(StrictModel):
    """Expected calls of one kind of day: exactly one of a flat rate, a per-interval profile
    or a CSV file.

    The CSV file is read when the scenario is validated (relative to the
    scenario file's folder) and its values kept on the model, so the engine
    never touches files. Its format: a header row with a ``calls`` column (other
    columns ignored) or a single column of numbers, one row per interval.
    """

    rate_per_hour: float | None = Field(
        default=None, ge=0, description="Constant expected calls per hour while open."
    )
    profile_per_interval: list[NonNegative] | None = Field(
        default=None,
        description="Expected calls in each interval of the day (one value per interval).",
    )
    csv: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "CSV file relative to the scenario file: a `calls` column (with header) or a "
            "single column of numbers, one row per interval."
        ),
    )

    _csv_values: tuple[float, ...] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_form(self, info: ValidationInfo) -> Self:
        given = [form for form in _VOLUME_FORMS if getattr(self, form) is not None]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(
                f"give exactly one of rate_per_hour, profile_per_interval or csv; {found}"
            )
        if self.csv is not None:
            context = info.context if isinstance(info.context, Mapping) else {}
            base = context.get(BASE_DIR_CONTEXT_KEY)
            base_dir = Path(base) if base is not None else Path.cwd()
            try:
                self._csv_values = read_volume_csv(base_dir / self.csv)
            except ValueError as exc:
                raise ScenarioError([Problem("csv", str(exc))]) from None
        return self

    def values_per_interval(self) -> tuple[float, ...] | None:
        """Return the explicit per-interval values (profile or CSV), or ``None`` for a rate."""
        if self.profile_per_interval is not None:
            return tuple(self.profile_per_interval)
        return self._csv_values

    def expected_per_interval(self, calendar: Calendar) -> np.ndarray:
        """Return expected calls in each interval of a day (float64, one per interval).

        A flat rate gives ``rate_per_hour * interval_minutes / 60`` in every interval.
        """
        n = calendar.intervals_per_day
        if self.rate_per_hour is not None:
            return np.full(n, self.rate_per_hour * calendar.interval_minutes / 60.0)
        values = self.values_per_interval()
        if values is None or len(values) != n:
            count = "no" if values is None else len(values)
            raise ValueError(f"volume has {count} values but {calendar.describe()}")
        return np.asarray(values, dtype=np.float64)

    def length_problem(self, calendar: Calendar) -> tuple[str, str] | None:
        """(form key, message) when the profile or CSV does not fit the calendar's day."""
        values = self.values_per_interval()
        n = calendar.intervals_per_day
        if values is None or len(values) == n:
            return None
        form = "csv" if self.csv is not None else "profile_per_interval"
        return form, (
            f"has {len(values)} values but needs {n}: the calendar has {calendar.describe()}"
        )


class Volume(DayVolume):
    """Expected call volume of an ordinary day, and of particular weekdays and dates."""

    by_weekday: dict[Weekday, DayVolume] = Field(
        default_factory=dict,
        description=(
            "Volume on given weekdays (mon ... sun), each a rate, profile or CSV; the "
            "calendar needs `start_weekday` or `start_date`."
        ),
    )
    by_date: dict[Date, DayVolume] = Field(
        default_factory=dict,
        description=(
            "Volume on given dates (YYYY-MM-DD), each a rate, profile or CSV; wins over "
            "`by_weekday`; the calendar needs `start_date`."
        ),
    )

    def for_day(self, calendar: Calendar, day: int) -> DayVolume:
        """The volume that holds on calendar day ``day`` (date, else weekday, else ordinary)."""
        date = calendar.date_of(day)
        if date is not None and date in self.by_date:
            return self.by_date[date]
        weekday = calendar.weekday_of(day)
        if weekday is not None and weekday in self.by_weekday:
            return self.by_weekday[weekday]
        return self

    def expected_on_day(self, calendar: Calendar, day: int) -> np.ndarray:
        """Expected calls in each interval of calendar day ``day`` (before day factors)."""
        return self.for_day(calendar, day).expected_per_interval(calendar)


class Busyness(StrictModel):
    """A day factor shared by every call type: busy days are busy for all of them."""

    day_to_day_cv: float = Field(
        ge=0,
        description=(
            "CV of a gamma multiplier (mean 1) drawn per day and applied to every call "
            "type's volume, on top of each call type's own `day_to_day_cv`."
        ),
    )


def demand_problems(scenario: Scenario) -> list[Problem]:
    """Weekday and date volumes that the calendar cannot place or whose length is wrong."""
    calendar = scenario.calendar
    problems: list[Problem] = []
    first = calendar.date_of(0)
    last = calendar.date_of(calendar.days - 1)
    for i, call_type in enumerate(scenario.call_types):
        path = f"call_types[{i}].volume"
        volume = call_type.volume
        if volume.by_weekday and calendar.weekday_of(0) is None:
            problems.append(
                Problem(
                    f"{path}.by_weekday",
                    "needs to know the weekday of the first day: give calendar.start_date "
                    "or calendar.start_weekday",
                )
            )
        if volume.by_date and first is None:
            problems.append(
                Problem(
                    f"{path}.by_date",
                    "needs to know the date of the first day: give calendar.start_date",
                )
            )
        overrides: list[tuple[str, DayVolume]] = [
            (f"{path}.by_weekday{key_segment(day)}", v) for day, v in volume.by_weekday.items()
        ]
        for date, day_volume in volume.by_date.items():
            where = f"{path}.by_date{key_segment(date.isoformat())}"
            if first is not None and last is not None and not first <= date <= last:
                problems.append(
                    Problem(
                        where,
                        f"{date.isoformat()} is not a day of the calendar "
                        f"({first.isoformat()} to {last.isoformat()})",
                    )
                )
            overrides.append((where, day_volume))
        for where, day_volume in overrides:
            wrong = day_volume.length_problem(calendar)
            if wrong is not None:
                problems.append(Problem(f"{where}.{wrong[0]}", wrong[1]))
            elif (per_day := float(day_volume.expected_per_interval(calendar).sum())) > (
                MAX_CALLS_PER_DAY
            ):
                problems.append(
                    Problem(
                        where,
                        f"expects {per_day:,.0f} calls a day; one call type may expect at most "
                        f"{MAX_CALLS_PER_DAY:,} (is the rate in calls per hour?)",
                    )
                )
    return problems
