"""Arrivals: expected first calls per interval per call type, and the day-to-day variation.

The simulator draws a day's calls as Poisson counts whose means are the profile times a
gamma day factor of mean 1 and CV ``c`` (one factor per call type and day). Then a
day's total ``N`` has mean ``m`` and variance ``m + c^2 m^2`` (a Poisson–gamma mixture,
i.e. negative binomial), so the method of moments gives ``c^2 = (s^2 - m) / m^2`` from
the daily totals' mean ``m`` and variance ``s^2``, clipped at zero when the counts are
no more variable than Poisson. The dispersion test is the classical index of dispersion
``D = sum (N_d - m)^2 / m``, chi-square with ``days - 1`` degrees of freedom under a
Poisson model (Cox & Lewis, *The Statistical Analysis of Series of Events*, 1966);
with a weekday profile, ``m`` is each weekday's own mean and the degrees of freedom drop
by the number of weekdays.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["WEEKDAYS", "ArrivalFit", "fit_arrivals"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as used in outputs (``datetime.date.weekday()`` order)."""


@dataclass(frozen=True)
class ArrivalFit:
    """Arrivals of one call type.

    Attributes
    ----------
    call_type
        The call type.
    profile
        Expected first calls in each interval of the day (mean over the fitted days).
    by_weekday
        The same per weekday (only weekdays present in the log), when asked for.
    daily_totals
        First calls per fitted day (index: day number).
    day_cv
        Method-of-moments CV of the gamma day factor (0 when the counts look Poisson).
    dispersion, dispersion_df, dispersion_p
        Index-of-dispersion statistic, its degrees of freedom and the upper-tail p-value
        under Poisson day totals (NaN with fewer than 2 days).
    """

    call_type: str
    profile: list[float]
    by_weekday: dict[str, list[float]]
    daily_totals: pd.Series
    day_cv: float
    dispersion: float
    dispersion_df: int
    dispersion_p: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""

        def num(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "profile_per_interval": self.profile,
            "by_weekday": self.by_weekday or None,
            "daily_totals": {str(k): int(v) for k, v in self.daily_totals.items()},
            "mean_per_day": float(self.daily_totals.mean()),
            "day_to_day_cv": self.day_cv,
            "dispersion_test": {
                "statistic": num(self.dispersion),
                "df": self.dispersion_df,
                "p_value": num(self.dispersion_p),
                "reading": self.reading(),
            },
        }

    def reading(self) -> str:
        """The test's verdict in words."""
        if math.isnan(self.dispersion_p):
            return "one day only: the day-to-day variation cannot be estimated"
        if self.dispersion_p < 0.05:
            return (
                f"daily totals vary more than Poisson (p = {self.dispersion_p:.3g}): "
                f"day factor CV {self.day_cv:.3f}"
            )
        return f"consistent with Poisson day totals (p = {self.dispersion_p:.3g})"


def weekday_of(first_date: datetime.date, days: np.ndarray) -> np.ndarray:
    """Weekday index (Monday 0) of each day number counted from ``first_date``."""
    return (first_date.weekday() + np.asarray(days)) % 7


def fit_arrivals(
    first_calls: pd.DataFrame,
    call_types: list[str],
    fit_days: np.ndarray,
    open_s: float,
    interval_s: float,
    intervals: int,
    first_date: datetime.date,
    by_weekday: bool,
) -> list[ArrivalFit]:
    """Profiles and day factors per call type from the first calls of the fitted days.

    Parameters
    ----------
    first_calls
        Contacts that are first calls (not redials or recontacts): ``call_type``,
        ``day``, ``seconds`` (time of day).
    fit_days
        Day numbers fitted on (days without a call count as zero-call days).
    """
    fit_days = np.asarray(sorted(fit_days))
    weekdays = weekday_of(first_date, fit_days)
    fits = []
    for call_type in call_types:
        rows = first_calls[first_calls["call_type"] == call_type]
        k = np.floor((rows["seconds"].to_numpy() - open_s) / interval_s).astype(int)
        k = np.clip(k, 0, intervals - 1)
        counts = np.zeros((len(fit_days), intervals))
        position = {int(d): i for i, d in enumerate(fit_days)}
        day_index = np.array([position.get(int(d), -1) for d in rows["day"]], dtype=int)
        ok = day_index >= 0
        np.add.at(counts, (day_index[ok], k[ok]), 1)
        totals = counts.sum(axis=1)
        profile = counts.mean(axis=0)
        weekday_profiles: dict[str, list[float]] = {}
        if by_weekday:
            expected = np.zeros(len(fit_days))
            for w in sorted(set(weekdays.tolist())):
                mask = weekdays == w
                weekday_profiles[WEEKDAYS[w]] = [round(float(x), 3) for x in counts[mask].mean(0)]
                expected[mask] = totals[mask].mean()
            groups = len(weekday_profiles)
        else:
            expected = np.full(len(fit_days), totals.mean())
            groups = 1
        df = len(fit_days) - groups
        mean = float(totals.mean())
        if df >= 1 and mean > 0:
            dispersion = float(((totals - expected) ** 2 / np.maximum(expected, 1e-12)).sum())
            p = float(stats.chi2.sf(dispersion, df))
            # E[(N - e)^2 / e^2] = (1/e + c^2) (n_w - 1) / n_w for a day among n_w alike.
            alike = np.array(
                [np.sum(weekdays == w) if by_weekday else len(fit_days) for w in weekdays]
            )
            e = np.maximum(expected, 1e-12)
            c2 = max(0.0, float(((totals - e) ** 2 / e**2 - (alike - 1) / alike / e).sum() / df))
            day_cv = math.sqrt(c2)
        else:
            dispersion, p, day_cv = math.nan, math.nan, 0.0
        fits.append(
            ArrivalFit(
                call_type=call_type,
                profile=[round(float(x), 3) for x in profile],
                by_weekday=weekday_profiles,
                daily_totals=pd.Series(totals.astype(int), index=fit_days),
                day_cv=day_cv,
                dispersion=dispersion,
                dispersion_df=max(df, 0),
                dispersion_p=p,
            )
        )
    return fits
