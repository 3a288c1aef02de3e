"""The result of a run: replications' tallies turned into KPI tables with confidence intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulator.metrics.kpis import Kpi, interval_estimate, kpi_definitions, level_estimate
from simulator.metrics.kpis import wait_percentile as _percentile
from simulator.metrics.log import contacts_frame, sorted_rows
from simulator.model.replication import ReplicationOutput, counted_from_s, interval_starts_s
from simulator.scenario import Scenario

__all__ = ["RunResult"]

PERCENTILES = {"wait_p50_s": 0.50, "wait_p90_s": 0.90, "wait_p95_s": 0.95}


@dataclass
class RunResult:
    """Replications of one scenario and the tables a user reads from them.

    ``summary()`` — one row per KPI with mean, 95 % half-width and bounds;
    ``intervals()`` — the same per calendar interval; ``groups()`` — per agent group;
    ``contacts()`` — the per-contact log of every replication; ``replications()`` — each
    replication's own KPI values.
    """

    scenario: Scenario
    outputs: list[ReplicationOutput]
    seed: int
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.outputs)

    @property
    def kpis(self) -> list[Kpi]:
        """The KPI definitions used for this scenario."""
        sc = self.scenario
        counting = (
            sc.callback.counts_in_service_level
            if sc.callback is not None
            else "answered_when_connected"
        )
        return kpi_definitions(sc.service_level.definition, sc.costs.telephony_minute, counting)

    @property
    def counted_from_s(self) -> float:
        """Site time (s since day 0 midnight) from which contacts and time are counted."""
        return counted_from_s(self.scenario)

    def _counted_intervals(self) -> np.ndarray:
        return interval_starts_s(self.scenario) >= self.counted_from_s

    def _totals(self, per_interval: bool, groups: list[int] | None = None) -> dict[str, np.ndarray]:
        """Totals stacked by replication, summed over call types, queues and the chosen agent
        groups, and over the counted intervals unless ``per_interval``.
        """
        counted = self._counted_intervals()
        interval_s = self.scenario.calendar.interval_s
        chosen = slice(None) if groups is None else groups

        def reduce(a: np.ndarray) -> np.ndarray:
            return a if per_interval else a[counted].sum(axis=0)

        tallies = [o.tally for o in self.outputs]
        sc_costs = self.scenario.costs
        totals: dict[str, np.ndarray] = {}
        for name in tallies[0].contacts:
            totals[name] = np.stack([reduce(t.contacts[name].sum(axis=1)) for t in tallies])
        for name in tallies[0].groups:
            totals[name] = np.stack(
                [reduce(t.groups[name][:, chosen].sum(axis=1)) for t in tallies]
            )
            after = f"{name.removesuffix('_s')}_after_close_s"
            totals[after] = np.stack(
                [
                    np.zeros(counted.shape)
                    if per_interval
                    else t.after_close[name][:, chosen].sum()
                    for t in tallies
                ]
            )
        rates = np.array([sc_costs.hourly(g.role) for g in self.scenario.agent_groups]) / 3600.0
        totals["labour_cost"] = np.stack(
            [
                reduce((t.groups["paid_s"] * rates)[:, chosen].sum(axis=1))
                + (
                    0.0
                    if per_interval
                    else float((t.after_close["paid_s"] * rates)[:, chosen].sum())
                )
                for t in tallies
            ]
        )
        totals["queue_waiting_s"] = np.stack(
            [reduce(t.queue_waiting_s.sum(axis=1)) for t in tallies]
        )
        window = np.full(counted.shape, interval_s)
        totals["window_s"] = np.stack([reduce(window) for _ in tallies])
        return totals

    def _rows(self, totals: dict[str, np.ndarray]) -> dict[str, tuple[Any, Any, str]]:
        rows: dict[str, tuple[Any, Any, str]] = {}
        for kpi in self.kpis:
            est, hw = interval_estimate(kpi, totals)
            rows[kpi.name] = (est, hw, kpi.description)
        return rows

    def summary(self) -> pd.DataFrame:
        """KPIs over the counted window: mean, 95 % CI half-width and bounds, and definition."""
        if "summary" in self._cache:
            return self._cache["summary"].copy()  # type: ignore[no-any-return]
        rows = self._rows(self._totals(per_interval=False))
        for name, q in PERCENTILES.items():
            values = np.array([_percentile(o.tally.wait_histogram, q) for o in self.outputs])
            est, hw = level_estimate(values)
            rows[name] = (
                est,
                hw,
                f"{round(q * 100)}th percentile of answered waits (s), mean over replications",
            )
        for g, group in enumerate(self.scenario.agent_groups):
            totals = self._totals(per_interval=False, groups=[g])
            occupancy = next(k for k in self.kpis if k.name == "occupancy")
            est, hw = interval_estimate(occupancy, totals)
            rows[f"occupancy[{group.name}]"] = (est, hw, f"occupancy of group {group.name}")
        frame = pd.DataFrame(
            {
                "mean": [float(v[0]) for v in rows.values()],
                "half_width": [float(v[1]) for v in rows.values()],
                "definition": [v[2] for v in rows.values()],
            },
            index=pd.Index(list(rows), name="kpi"),
        )
        frame.insert(2, "low", frame["mean"] - frame["half_width"])
        frame.insert(3, "high", frame["mean"] + frame["half_width"])
        frame.insert(4, "replications", self.n)
        self._cache["summary"] = frame
        return frame.copy()

    def kpi(self, name: str) -> float:
        """The point estimate of one KPI."""
        summary = self.summary()
        return float(summary["mean"].to_numpy()[summary.index.get_loc(name)])

    def intervals(self) -> pd.DataFrame:
        """Per-interval KPIs (by arrival interval): value and 95 % half-width (``_hw``) each."""
        cal = self.scenario.calendar
        totals = self._totals(per_interval=True)
        days, ipd = cal.days, cal.intervals_per_day
        frame = pd.DataFrame(
            {
                "day": np.repeat(np.arange(days), ipd),
                "interval": np.tile(np.arange(ipd), days),
                "start": cal.interval_labels() * days,
                "counted": self._counted_intervals(),
            }
        )
        frame["agents"] = totals["present_s"].mean(axis=0) / cal.interval_s
        frame["agents_paid"] = totals["paid_s"].mean(axis=0) / cal.interval_s
        for name, (est, hw, _) in self._rows(totals).items():
            if name in ("agent_hours", "cost", "after_close_hours", "occupancy_until_last_leaves"):
                continue
            frame[name] = est
            frame[f"{name}_hw"] = hw
        return frame

    def groups(self) -> pd.DataFrame:
        """Occupancy and paid hours per agent group, with 95 % half-widths."""
        records = []
        kpis = {k.name: k for k in self.kpis}
        for g, group in enumerate(self.scenario.agent_groups):
            totals = self._totals(per_interval=False, groups=[g])
            occ, occ_hw = interval_estimate(kpis["occupancy"], totals)
            hours, hours_hw = level_estimate(totals["paid_s"] / 3600.0)
            records.append(
                {
                    "group": group.name,
                    "occupancy": float(occ),
                    "occupancy_hw": float(occ_hw),
                    "agent_hours": float(hours),
                    "agent_hours_hw": float(hours_hw),
                }
            )
        return pd.DataFrame.from_records(records)

    def queues(self) -> pd.DataFrame:
        """Per queue: time-average number waiting during opening hours, with 95 % half-width."""
        counted = self._counted_intervals()
        window_s = counted.sum() * self.scenario.calendar.interval_s
        areas = np.stack([o.tally.queue_waiting_s[counted].sum(axis=0) for o in self.outputs])
        mean, hw = level_estimate(areas / window_s)
        return pd.DataFrame(
            {
                "queue": self.scenario.queue_names,
                "mean_queue_length": mean,
                "mean_queue_length_hw": hw,
            }
        )

    def replications(self) -> pd.DataFrame:
        """Each replication's own KPI values (one row per replication)."""
        records = []
        for output in self.outputs:
            single = RunResult(self.scenario, [output], self.seed)
            values = single.summary()["mean"].to_dict()
            records.append({"replication": output.replication, **values})
        return pd.DataFrame.from_records(records)

    def contacts(self) -> pd.DataFrame:
        """The per-contact log of every replication (empty columns if contacts were not kept)."""
        sc = self.scenario
        frames = []
        for output in self.outputs:
            if output.contact_chunks is None:
                continue
            frame = contacts_frame(
                sorted_rows(output.contact_chunks),
                sc.queue_names,
                [c.name for c in sc.call_types],
                [g.name for g in sc.agent_groups],
            )
            frame.insert(0, "replication", output.replication)
            frames.append(frame)
        if not frames:
            raise ValueError("this run kept no contacts (it was run with keep_contacts=False)")
        return pd.concat(frames, ignore_index=True)

    def metadata(self) -> dict[str, Any]:
        """What a reader needs to interpret the numbers: scenario, seed, definitions."""
        sc = self.scenario
        return {
            "scenario": sc.name,
            "seed": self.seed,
            "replications": self.n,
            "service_level": {
                "threshold_s": sc.service_level.threshold_s,
                "definition": sc.service_level.definition,
                "short_abandon_s": sc.service_level.short_abandon_s,
            },
            "counted_from_s": self.counted_from_s,
            "warmup": f"{sc.warmup_minutes} minutes after the first opening, rounded up to a"
            " whole interval",
            "occupancy_window": "opening hours (occupancy_until_last_leaves: until the last "
            "contact of the day leaves)",
            "rate_estimator": "call-weighted ratio of totals over replications, t-based 95% CI "
            "on the delta-method standard error",
        }
