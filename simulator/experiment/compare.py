"""Paired comparison of scenarios with common random numbers.

Every scenario runs replications ``0 .. n - 1`` with the *same* base seed, so
replication ``r`` of each faces the same callers (arrival times, patience,
handle-time draws). The difference of a KPI between two scenarios is
then estimated from per-replication differences, which cancel most of the
day-to-day noise the scenarios share: the paired interval is much narrower than
the interval of two independent runs.

Estimator. A difference is taken between the estimators ``summary()`` reports,
so it equals the difference of the two means shown beside it. For a *level* KPI
(agent hours, cost, a wait percentile) that is the mean of the per-replication
differences with a paired-t interval. For a *rate* KPI the call-weighted ratio
``R = sum(Y) / sum(X)`` is used, and the difference ``R_B - R_A`` gets
its standard error from the delta method applied per replication: with the
linearised values ``u_r = (Y_r - R X_r) / mean(X)`` of each scenario, the paired
differences ``z_r = u_B,r - u_A,r`` give ``se = sd(z) / sqrt(n)`` and a t interval
on ``n - 1`` degrees of freedom (the paired version of the ratio-estimator
variance in Law, *Simulation Modeling and Analysis*, 5th ed., §9.4 and §10.2.1).
The unpaired half-width — what two independent runs of the same length would
give — uses ``sqrt(se_A^2 + se_B^2)`` with Welch's degrees of freedom, and
``variance_reduction`` is the ratio of the unpaired to the paired variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.experiment.backends import Backend, backend_for
from simulator.experiment.precision import KpiParts, PrecisionTarget, kpi_parts
from simulator.experiment.result import RunResult
from simulator.experiment.runner import (
    ExperimentProgress,
    precision_decider,
    precision_plan,
    replicate,
)
from simulator.metrics.registry import kpi_bounds
from simulator.scenario import Scenario

__all__ = ["Comparison", "PairedDifference", "ccsim_version", "compare", "paired_difference"]

ESTIMATOR = (
    "difference of the estimators summary() reports (call-weighted ratio of totals for a "
    "rate, mean over replications for a level), paired by replication (common random "
    "numbers); 95% t interval on n-1 degrees of freedom, delta-method standard error for "
    "a rate"
)
"""What the difference columns mean, for the metadata of every comparison."""


def ccsim_version() -> str:
    """The version of ccsim that produced a result (recorded in every output)."""
    from simulator import __version__

    return str(__version__)


@dataclass(frozen=True)
class PairedDifference:
    """``other - base`` for one KPI: the estimate, its paired 95 % interval, and what an
    unpaired interval (two independent runs) would have been.
    """

    kpi: str
    difference: float
    se: float
    half_width: float
    p_value: float
    unpaired_se: float
    unpaired_half_width: float
    replications: int

    @property
    def low(self) -> float:
        """Lower end of the paired 95 % interval."""
        return self.difference - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the paired 95 % interval."""
        return self.difference + self.half_width

    @property
    def significant(self) -> bool:
        """The paired 95 % interval excludes zero."""
        return bool(self.low > 0 or self.high < 0)

    @property
    def variance_reduction(self) -> float:
        """Unpaired over paired variance of the difference: how much pairing saved."""
        if math.isnan(self.se) or math.isnan(self.unpaired_se):
            return math.nan
        if self.se == 0:
            return math.inf if self.unpaired_se > 0 else math.nan
        return (self.unpaired_se / self.se) ** 2


def _t(df: float) -> float:
    return float(stats.t.ppf(0.975, df)) if df > 0 else math.nan


def _linearised(parts: KpiParts, name: str) -> tuple[float, np.ndarray]:
    """The estimate of ``name`` and each replication's linearised contribution to it."""
    numerator, denominator = parts.column(name)
    estimate = parts.estimate(name)[0]
    if denominator is None:
        return estimate, numerator
    mean_den = denominator.mean()
    if not mean_den > 0:
        return math.nan, np.full_like(numerator, np.nan)
    return estimate, (numerator - estimate * denominator) / mean_den


def paired_difference(base: KpiParts, other: KpiParts, name: str) -> PairedDifference:
    """The paired difference ``other - base`` of KPI ``name`` (see the module docstring)."""
    if not np.array_equal(base.replications, other.replications):
        raise ValueError("paired scenarios must have the same replications")
    n = base.n
    mean_a, u_a = _linearised(base, name)
    mean_b, u_b = _linearised(other, name)
    difference = mean_b - mean_a
    if n < 2 or math.isnan(difference):
        nan = math.nan
        return PairedDifference(name, difference, nan, nan, nan, nan, nan, n)
    z = u_b - u_a
    se = float(z.std(ddof=1)) / math.sqrt(n)
    if se > 0:
        p_value = float(2 * stats.t.sf(abs(difference) / se, n - 1))
    else:
        p_value = 1.0 if difference == 0 else 0.0
    var_a = float(u_a.var(ddof=1)) / n
    var_b = float(u_b.var(ddof=1)) / n
    unpaired_se = math.sqrt(var_a + var_b)
    spread = (var_a**2 + var_b**2) / (n - 1)
    welch_df = (var_a + var_b) ** 2 / spread if spread > 0 else float(2 * n - 2)
    return PairedDifference(
        kpi=name,
        difference=difference,
        se=se,
        half_width=_t(n - 1) * se,
        p_value=p_value,
        unpaired_se=unpaired_se,
        unpaired_half_width=_t(welch_df) * unpaired_se,
        replications=n,
    )


def _unique(labels: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


@dataclass
class Comparison:
    """Scenarios replicated with common random numbers, each against the first.

    ``table()`` — per KPI and scenario: mean with its 95 % CI and, for every scenario
    after the first, the paired difference against the first with its CI, p-value,
    significance, the unpaired half-width and the variance reduction;
    ``differences()`` — the difference rows only (draw them with
    ``simulator.report.experiment_figures.difference_plot``); ``results`` — each
    scenario's :class:`RunResult`.
    """

    labels: list[str]
    results: list[RunResult]
    seed: int
    backend: dict[str, Any]
    _parts: list[KpiParts] = field(default_factory=list, repr=False)

    @property
    def replications(self) -> int:
        """Replications of every scenario (the same for all: they are paired)."""
        return self.results[0].n

    @property
    def parts(self) -> list[KpiParts]:
        """Each scenario's per-replication KPI parts."""
        if not self._parts:
            self._parts = [kpi_parts(r) for r in self.results]
        return self._parts

    @property
    def kpis(self) -> list[str]:
        """KPIs every scenario estimates, in the first scenario's order."""
        names = list(self.parts[0].names)
        return [k for k in names if all(k in p.names for p in self.parts[1:])]

    def difference(self, kpi: str, scenario: int | str = 1) -> PairedDifference:
        """The paired difference of ``kpi`` between a scenario (index or label) and the first."""
        index = self.labels.index(scenario) if isinstance(scenario, str) else scenario
        if index == 0:
            raise ValueError("the first scenario is the baseline; pick a later one")
        return paired_difference(self.parts[0], self.parts[index], kpi)

    def table(self) -> pd.DataFrame:
        """One row per (KPI, scenario): mean and CI, and the paired difference to the first."""
        records = []
        for kpi in self.kpis:
            for s, label in enumerate(self.labels):
                mean, half_width = self.parts[s].estimate(kpi)
                row: dict[str, Any] = {
                    "kpi": kpi,
                    "scenario": label,
                    "mean": mean,
                    "half_width": half_width,
                    **kpi_bounds(kpi, mean, half_width),
                    "replications": self.parts[s].n,
                }
                if s == 0:
                    row.update(dict.fromkeys(_DIFFERENCE_COLUMNS, math.nan))
                    row["significant"] = False
                else:
                    row.update(_difference_row(self.difference(kpi, s)))
                records.append(row)
        return pd.DataFrame.from_records(records)

    def differences(self) -> pd.DataFrame:
        """The paired differences only: each later scenario minus the first, per KPI."""
        records = []
        for kpi in self.kpis:
            for s in range(1, len(self.labels)):
                records.append(
                    {
                        "kpi": kpi,
                        "scenario": self.labels[s],
                        "baseline": self.labels[0],
                        **_difference_row(self.difference(kpi, s)),
                    }
                )
        return pd.DataFrame.from_records(records)

    def metadata(self) -> dict[str, Any]:
        """Scenarios, seed, replications, ccsim version, backend and the estimator used."""
        return {
            "scenarios": [
                {"label": label, "name": r.scenario.name}
                for label, r in zip(self.labels, self.results, strict=True)
            ],
            "baseline": self.labels[0],
            "seed": self.seed,
            "replications": self.replications,
            "ccsim_version": ccsim_version(),
            "backend": self.backend,
            "common_random_numbers": "every scenario runs replications 0..n-1 with the same seed",
            "estimator": ESTIMATOR,
        }


_DIFFERENCE_COLUMNS = (
    "difference",
    "difference_half_width",
    "difference_low",
    "difference_high",
    "p_value",
    "unpaired_half_width",
    "variance_reduction",
)


def _difference_row(d: PairedDifference) -> dict[str, Any]:
    return {
        "difference": d.difference,
        "difference_half_width": d.half_width,
        "difference_low": d.low,
        "difference_high": d.high,
        "significant": d.significant,
        "p_value": d.p_value,
        "unpaired_half_width": d.unpaired_half_width,
        "variance_reduction": d.variance_reduction,
    }


def compare(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    labels: Sequence[str] | None = None,
    dask: Any = None,
    precision: Mapping[str, float] | Sequence[PrecisionTarget] | None = None,
    max_replications: int | None = None,
    keep_contacts: bool = False,
    progress: Callable[[ExperimentProgress], None] | None = None,
    backend: Backend | None = None,
) -> Comparison:
    """Run scenarios with common random numbers and compare each with the first.

    Parameters
    ----------
    scenarios : two or more scenarios; the first is the baseline.
    replications : per scenario (default: the first scenario's ``replications``).
    seed : base seed for *all* of them (default: the first scenario's ``seed``; the
        others' own seeds are ignored, which is what pairs them).
    workers : local processes; 1 (the default, as for ``run``, ``compare`` and ``sweep``)
        runs in this process, ``None`` uses every core (the command line's default).
    labels : names for the scenarios (default: their ``name``, made unique).
    dask : a scheduler address, a ``distributed.Client`` or ``"local"``.
    precision : ``{kpi: half_width}``: add replications (to every scenario alike)
        until the paired difference of each KPI against the first has at most that
        95 % half-width, or ``max_replications``.
    keep_contacts : keep each run's contact log (off by default: a comparison needs
        only aggregates).
    progress : optional callback receiving an :class:`ExperimentProgress`.
    backend : a backend to reuse (``workers`` and ``dask`` are then ignored).

    Raises
    ------
    ReplicationFailed
        When a replication raises (which scenario, replication and seed).
    """
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    first = scenarios[0]
    n = first.replications if replications is None else replications
    base_seed = first.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    names = _unique(list(labels) if labels is not None else [s.name for s in scenarios])
    if len(names) != len(scenarios):
        raise ValueError("give one label per scenario")
    targets, start, cap = precision_plan(first, n, precision, max_replications)
    for scenario in scenarios[1:]:
        precision_plan(scenario, n, targets, cap)

    def difference_half_widths(_: int, merged: list[Any]) -> dict[str, float]:
        parts = [
            kpi_parts(RunResult(sc, outputs, base_seed))
            for sc, outputs in zip(scenarios, merged, strict=True)
        ]
        return {
            t.kpi: max(paired_difference(parts[0], p, t.kpi).half_width for p in parts[1:])
            for t in targets
        }

    decide = precision_decider(targets, cap, difference_half_widths) if targets else None
    collected: list[list[Any]] = []
    with backend_for(backend, workers, dask, tasks=start * len(scenarios)) as running:
        replicate(
            [list(scenarios)],
            [start],
            base_seed,
            running,
            lambda _, merged: collected.extend(merged),
            keep_contacts=keep_contacts,
            decide=decide,
            progress=progress,
        )
        described = running.describe()
    results = [
        RunResult(scenario=sc, outputs=outputs, seed=base_seed)
        for sc, outputs in zip(scenarios, collected, strict=True)
    ]
    return Comparison(labels=names, results=results, seed=base_seed, backend=described)
