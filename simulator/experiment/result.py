"""The result of a run: replications' tallies turned into KPI tables with confidence intervals.

Every number comes from the KPI registry (:mod:`simulator.metrics.registry`) applied to
the replications' tallies: ``summary()``, ``intervals()``, ``groups()``, ``queues()``,
``replications()`` and the figures are views of the same estimates.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.experiment.parts import KpiParts
from simulator.metrics.kpis import (
    clip_bounds,
    interval_estimate,
    ratio_estimate,
    wait_percentile,
)
from simulator.metrics.log import contacts_frame, sorted_rows
from simulator.metrics.registry import (
    DIMENSIONS,
    Dimension,
    Kpi,
    breakdown_name,
    registry_for,
    shown_kpis,
)
from simulator.metrics.tally import HISTOGRAM_BIN_S
from simulator.model.replication import ReplicationOutput, counted_from_s, interval_starts_s
from simulator.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["RunResult"]

_BREAKDOWN_TEXT = {
    "queue": "contacts counted in queue {} (the queue first joined, else the one meant for)",
    "call_type": "contacts of call type {}",
    "group": "agent group {} only (contacts: those whose last serving agent was in it)",
}
ALL = "all"
"""The ``breakdown`` of the overall figures in ``intervals()``."""


@dataclass
class RunResult:
    """Replications of one scenario and the tables a user reads from them.

    ``summary()`` — one row per KPI and breakdown (``service_level[queue=cards]``) with
    mean, 95 % half-width and bounds; ``intervals()`` — the same per calendar interval,
    as a long table; ``groups()`` — per agent group; ``queues()`` — per queue;
    ``contacts()`` — the per-contact log of every replication; ``replications()`` — each
    replication's own KPI values. ``plot_intervals()``, ``plot_waits()`` and
    ``plot_groups()`` draw them.
    """

    scenario: Scenario
    outputs: list[ReplicationOutput]
    seed: int
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        sc = self.scenario
        text = f"RunResult({sc.name!r}, {self.n} replications, seed {self.seed}"
        if self.n:
            summary = self.summary()
            for name in ("service_level", "abandon_rate", "asa_s", "occupancy"):
                mean, hw = summary.at[name, "mean"], summary.at[name, "half_width"]
                text += f", {name} {self._text(name, mean)} ± {self._text(name, hw, False)}"
        return text + ")"

    def _repr_html_(self) -> str:
        """The shown KPIs as an HTML table, for Jupyter."""
        from html import escape

        from simulator.report.formatting import format_half_width, format_value, kpi_label

        sc = self.scenario
        rows = []
        if self.n:
            summary = self.summary()
            for name in shown_kpis(sc, list(summary.index)):
                mean = _cell(summary, name, "mean")
                half_width = _cell(summary, name, "half_width")
                rows.append(
                    f"<tr><th style='text-align:left'>{escape(kpi_label(name))}</th>"
                    f"<td>{escape(format_value(name, mean))}</td>"
                    f"<td>{escape(format_half_width(name, half_width))}</td></tr>"
                )
        return (
            f"<p><b>{escape(sc.name)}</b>: {self.n} replications, seed {self.seed} "
            "(± is the 95 % confidence half-width)</p>"
            f"<table><thead><tr><th>KPI</th><th>mean</th><th>± 95 %</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    @staticmethod
    def _text(name: str, value: Any, unit: bool = True) -> str:
        from simulator.report.formatting import format_value

        return format_value(name, float(value), unit=unit)

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.outputs)

    @property
    def kpis(self) -> tuple[Kpi, ...]:
        """The KPI registry with this scenario's definitions."""
        return registry_for(self.scenario)

    @property
    def counted_from_s(self) -> float:
        """Site time (s since day 0 midnight) from which contacts and time are counted."""
        return counted_from_s(self.scenario)

    def members(self, dimension: Dimension) -> list[str]:
        """The names along a breakdown dimension (queues, call types or agent groups)."""
        sc = self.scenario
        if dimension == "queue":
            return list(sc.queue_names)
        if dimension == "call_type":
            return [c.name for c in sc.call_types]
        return [g.name for g in sc.agent_groups]

    def _counted_intervals(self) -> np.ndarray:
        return interval_starts_s(self.scenario) >= self.counted_from_s

    def _totals(self, per_interval: bool, by: Dimension | None = None) -> dict[str, np.ndarray]:
        """Totals stacked by replication: summed over the counted intervals unless
        ``per_interval``, and over the members of every dimension but ``by``.

        Shapes: ``(replications,)``, plus an interval axis when ``per_interval``, plus a
        member axis when ``by`` is given. Only the totals meaningful along ``by`` are
        present (contact totals per queue or call type, agent time and the contacts its
        agents served per group, answered-wait histograms per queue or call type).
        """
        counted = self._counted_intervals()
        n_intervals = len(counted)
        interval_s = float(self.scenario.calendar.interval_s)

        def reduce(a: np.ndarray) -> np.ndarray:
            """``a`` is (intervals, members): keep or sum the members, then the intervals."""
            kept = a if by is not None else a.sum(axis=1)
            return kept if per_interval else kept[counted].sum(axis=0)

        tallies = [o.tally for o in self.outputs]
        totals: dict[str, np.ndarray] = {}

        def stack(values: list[np.ndarray]) -> np.ndarray:
            return np.stack(values) if values else np.zeros((0,))

        if by in (None, "queue", "call_type"):
            for name in tallies[0].contacts if tallies else ():
                source = [t.by_queue[name] if by == "queue" else t.contacts[name] for t in tallies]
                totals[name] = stack([reduce(a) for a in source])
        if by == "group":
            for name in tallies[0].by_group if tallies else ():
                totals[name] = stack([reduce(t.by_group[name]) for t in tallies])
        if by in (None, "queue"):
            totals["queue_waiting_s"] = stack([reduce(t.queue_waiting_s) for t in tallies])
            if tallies and tallies[0].email_waiting_s is not None:
                totals["email_waiting_s"] = stack(
                    [reduce(t.email_waiting_s) for t in tallies if t.email_waiting_s is not None]
                )
        if by in (None, "group"):
            hourly = [self.scenario.costs.hourly(g.role) for g in self.scenario.agent_groups]
            per_second = np.array(hourly) / 3600.0
            sources: dict[str, tuple[str, float | np.ndarray, str | None]] = {
                "busy_s": ("busy_s", 1.0, "busy_after_close_s"),
                "present_s": ("present_s", 1.0, "present_after_close_s"),
                "paid_s": ("paid_s", 1.0, "paid_after_close_s"),
                "chat_slots_s": ("chat_slots_s", 1.0, "chat_slots_after_close_s"),
                "chatting_s": ("chatting_s", 1.0, "chatting_after_close_s"),
                "labour_cost": ("paid_s", per_second, None),
            }
            for name, (area, scale, after_name) in sources.items():
                during = stack([reduce(t.groups[area] * scale) for t in tallies])
                after = []
                for t in tallies:
                    late = t.after_close[area] * scale
                    late = late if by is not None else late.sum(axis=1)
                    after.append(
                        np.zeros((n_intervals, *late.shape[1:])) if per_interval else late.sum(0)
                    )
                if after_name is None:  # the cost of a day includes its overtime after close
                    totals[name] = during + stack(after)
                else:
                    totals[name] = during
                    totals[after_name] = stack(after)
        width = len(self.members(by)) if by is not None else 1
        window = np.full((n_intervals, width), interval_s)
        totals["window_s"] = stack([reduce(window) for _ in tallies])
        if not per_interval and by in (None, "queue", "call_type"):
            histograms: list[np.ndarray]
            if by == "queue":
                histograms = [t.wait_histogram_by_queue for t in tallies]
            elif by == "call_type":
                histograms = [t.wait_histogram_by_call_type for t in tallies]
            else:
                histograms = [t.wait_histogram for t in tallies]
            totals["wait_histogram"] = stack(histograms)
        return totals

    def _estimated(self, kpi: Kpi, by: Dimension | None, per_interval: bool) -> bool:
        if per_interval and not kpi.per_interval:
            return False
        if by is not None:
            return by in kpi.dims
        return kpi.kind != "percentile" or not per_interval

    # --- parts and summary -----------------------------------------------------------

    def kpi_names(self) -> list[str]:
        """Every KPI and breakdown this result estimates, in the order of ``summary()``."""
        names = [k.name for k in self.kpis]
        for dimension in DIMENSIONS:
            members = self.members(dimension)
            for kpi in self.kpis:
                if dimension in kpi.dims:
                    names += [breakdown_name(kpi.name, dimension, m) for m in members]
        return names

    def _definitions(self) -> dict[str, tuple[Kpi, str]]:
        out: dict[str, tuple[Kpi, str]] = {k.name: (k, k.description) for k in self.kpis}
        for dimension in DIMENSIONS:
            for kpi in self.kpis:
                if dimension in kpi.dims:
                    for m in self.members(dimension):
                        text = f"{kpi.description}; {_BREAKDOWN_TEXT[dimension].format(m)}"
                        out[breakdown_name(kpi.name, dimension, m)] = (kpi, text)
        return out

    def parts(self) -> KpiParts:
        """Per-replication numerator and denominator of every KPI and breakdown."""
        if "parts" in self._cache:
            return self._cache["parts"]  # type: ignore[no-any-return]
        n = self.n
        names: list[str] = []
        rates: list[bool] = []
        lower: list[float] = []
        upper: list[float] = []
        numerators: list[np.ndarray] = []
        denominators: list[np.ndarray] = []
        nan = np.full((n, 1), np.nan)

        def add(kpi: Kpi, totals: dict[str, np.ndarray], labels: list[str]) -> None:
            num = np.asarray(kpi.numerator(totals), dtype=float).reshape(n, len(labels))
            den = (
                nan
                if kpi.denominator is None
                else np.asarray(kpi.denominator(totals), dtype=float).reshape(n, len(labels))
            )
            names.extend(labels)
            rates.extend([kpi.is_rate] * len(labels))
            lower.extend([kpi.lower] * len(labels))
            upper.extend([kpi.upper] * len(labels))
            numerators.append(num)
            denominators.append(np.broadcast_to(den, num.shape))

        if n:
            overall = self._totals(per_interval=False)
            for kpi in self.kpis:
                add(kpi, overall, [kpi.name])
            for dimension in DIMENSIONS:
                members = self.members(dimension)
                totals = self._totals(per_interval=False, by=dimension)
                for kpi in self.kpis:
                    if dimension in kpi.dims:
                        add(kpi, totals, [breakdown_name(kpi.name, dimension, m) for m in members])
        else:
            names = self.kpi_names()
        width = len(names)
        parts = KpiParts(
            names=tuple(names),
            is_rate=tuple(rates) if n else (False,) * width,
            replications=np.array([o.replication for o in self.outputs], dtype=np.int64),
            numerator=np.column_stack(numerators) if n else np.empty((0, width)),
            denominator=np.column_stack(denominators) if n else np.empty((0, width)),
            lower=tuple(lower) if n else (),
            upper=tuple(upper) if n else (),
        )
        self._cache["parts"] = parts
        return parts

    def summary(self) -> pd.DataFrame:
        """Every KPI and breakdown over the counted window: mean, 95 % CI half-width,
        bounds (clipped to the KPI's range: a share within [0, 1], counts and durations
        at least 0; ``clipped`` says where), replications and definition.
        """
        if "summary" in self._cache:
            return self._cache["summary"].copy()  # type: ignore[no-any-return]
        frame = self.parts().summary()
        definitions = self._definitions()
        frame["definition"] = [definitions[str(name)][1] for name in frame.index]
        self._cache["summary"] = frame
        return frame.copy()

    def shown(self) -> list[str]:
        """The KPIs and breakdowns worth showing for this scenario (features it uses,
        dimensions with several members; call types not apart from queues when they are
        the same figures, see ``call_types_are_queues``); ``summary()`` has them all.
        """
        names = shown_kpis(self.scenario, list(self.summary().index))
        if self.call_types_are_queues():
            names = [name for name in names if "[call_type=" not in name]
        return names

    def call_types_are_queues(self) -> bool:
        """Whether each call type's breakdown repeats its queue's: one call type per
        queue, and every figure broken down both ways the same (as when every caller of
        a type first joins that type's queue).
        """
        sc = self.scenario
        targets = [ct.target for ct in sc.call_types]
        if len(targets) < 2 or sorted(targets) != sorted(sc.queue_names):
            return False
        summary = self.summary()
        names = set(summary.index)
        for name in names:
            if "[call_type=" not in name:
                continue
            base, member = name[:-1].split("[call_type=")
            target = targets[[ct.name for ct in sc.call_types].index(member)]
            twin = f"{base}[queue={target}]"
            if twin not in names:
                continue
            a = summary.loc[name, ["mean", "half_width"]].to_numpy(dtype=float)
            b = summary.loc[twin, ["mean", "half_width"]].to_numpy(dtype=float)
            if not np.allclose(a, b, rtol=1e-9, atol=0.0, equal_nan=True):
                return False
        return True

    def kpi(self, name: str) -> float:
        """The point estimate of one KPI (or breakdown, ``service_level[queue=cards]``)."""
        summary = self.summary()
        if name not in summary.index:
            raise KeyError(f"unknown KPI {name!r} (see result.summary().index)")
        return float(summary["mean"].to_numpy()[summary.index.get_loc(name)])

    # --- intervals -------------------------------------------------------------------

    def _interval_frame(self, by: Dimension | None) -> pd.DataFrame:
        """One row per interval (and member of ``by``): day, interval, start, counted,
        breakdown.
        """
        cal = self.scenario.calendar
        days, ipd = cal.days, cal.intervals_per_day
        members = [ALL] if by is None else [f"{by}={m}" for m in self.members(by)]
        starts = [
            datetime.time(int(s // 3600) % 24, int(s % 3600 // 60))
            for s in interval_starts_s(self.scenario)[:ipd] - 0.0
        ]
        m = len(members)
        return pd.DataFrame(
            {
                "day": np.repeat(np.arange(days), ipd * m),
                "interval": np.repeat(np.tile(np.arange(ipd), days), m),
                "start": np.repeat(np.array(starts * days, dtype=object), m),
                "counted": np.repeat(self._counted_intervals(), m),
                "breakdown": members * (days * ipd),
            }
        )

    def _interval_estimates(
        self, by: Dimension | None
    ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Per KPI: (numerators, denominators or None, estimate, half-width), each
        flattened in the row order of ``_interval_frame``.
        """
        totals = self._totals(per_interval=True, by=by)
        n = self.n
        out = {}
        for kpi in self.kpis:
            if not self._estimated(kpi, by, per_interval=True):
                continue
            est, hw = interval_estimate(kpi, totals)
            num = np.asarray(kpi.numerator(totals), dtype=float).reshape(n, -1)
            den = (
                np.full_like(num, np.nan)
                if kpi.denominator is None
                else np.asarray(kpi.denominator(totals), dtype=float).reshape(n, -1)
            )
            out[kpi.name] = (num, den, np.ravel(est), np.ravel(hw))
        return out

    def intervals(
        self,
        by: Dimension | Sequence[Dimension | None] | None = None,
        replications: bool = False,
        wide: bool = False,
    ) -> pd.DataFrame:
        """Per-interval KPIs as a tidy long table.

        One row per interval, breakdown and KPI: ``day``, ``interval`` (index within the
        day), ``start`` (the interval's start, a ``datetime.time`` on the site clock),
        ``counted`` (false in the warm-up), ``breakdown`` (``all``, or ``queue=cards``
        with ``by="queue"``), ``kpi``, ``mean``, ``half_width`` (95 %), ``low``, ``high``
        (clipped to the KPI's range). Contact KPIs count contacts by the interval they
        arrived in; time-weighted ones (occupancy, agents, queue length) the time within
        the interval.

        Parameters
        ----------
        by : ``"queue"``, ``"call_type"``, ``"group"``, or a list of them (``None`` in
            the list for the overall rows); ``None`` for the overall figures only. Only
            KPIs that break down along ``by`` are listed.
        replications : one row per replication instead (``replication``, ``value``).
        wide : one row per interval and breakdown, one column per KPI and ``<kpi>_hw``
            for its half-width (the layout the figures use).
        """
        if by is None or isinstance(by, str):
            dimensions: list[Dimension | None] = [by]
        else:
            dimensions = list(by)
        frames = [self._intervals_by(d, replications, wide) for d in dimensions]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def _intervals_by(self, by: Dimension | None, replications: bool, wide: bool) -> pd.DataFrame:
        if by is not None and by not in DIMENSIONS:
            raise ValueError(f"by={by!r}: choose one of {', '.join(DIMENSIONS)}")
        key = f"intervals:{by}:{replications}:{wide}"
        if key in self._cache:
            return self._cache[key].copy()  # type: ignore[no-any-return]
        base = self._interval_frame(by)
        estimates = self._interval_estimates(by)
        kpis = {k.name: k for k in self.kpis}
        if wide:
            columns: dict[str, Any] = {}
            for name, (_, _, est, hw) in estimates.items():
                columns[name] = est
                columns[f"{name}_hw"] = hw
            for name, values in columns.items():  # align as column assignment would
                if isinstance(values, pd.Series):
                    columns[name] = values.reindex(base.index)
            added = pd.DataFrame(columns, index=base.index)
            frame = pd.concat([base.drop(columns=list(columns), errors="ignore"), added], axis=1)
        elif replications:
            pieces = []
            reps = np.array([o.replication for o in self.outputs])
            for name, (num, den, _, _) in estimates.items():
                with np.errstate(invalid="ignore", divide="ignore"):
                    value = num if not kpis[name].is_rate else np.where(den > 0, num / den, np.nan)
                piece = base.loc[base.index.repeat(self.n)].reset_index(drop=True)
                piece["kpi"] = name
                piece["replication"] = np.tile(reps, len(base))
                piece["value"] = value.T.ravel()
                pieces.append(piece)
            frame = pd.concat(pieces, ignore_index=True)
        else:
            pieces = []
            for name, (_, _, est, hw) in estimates.items():
                kpi = kpis[name]
                low, high, _ = clip_bounds(est, hw, kpi.lower, kpi.upper)
                piece = base.copy()
                piece["kpi"] = name
                piece["mean"], piece["half_width"] = est, hw
                piece["low"], piece["high"] = low, high
                pieces.append(piece)
            frame = pd.concat(pieces, ignore_index=True)
        self._cache[key] = frame
        return frame.copy()

    # --- views -----------------------------------------------------------------------

    def service_level_curve(
        self, thresholds_s: Sequence[float] | np.ndarray | None = None
    ) -> pd.DataFrame:
        """The service level each threshold would give, with 95 % half-widths.

        ``thresholds_s`` defaults to a grid from 0 to the longer of three times the
        scenario's threshold and the 99th percentile of answered waits.

        The scenario's own service-level KPI with its threshold moved: its numerator
        less the answered within the scenario's threshold plus those answered within
        ``t``, over the same denominator; so at the scenario's threshold it is exactly
        ``summary()``'s ``service_level``. Answered waits come from the tally's
        histogram (1-second bins, linear inside a bin). When queues have thresholds of
        their own (``queues[].target.threshold_s``), every queue's threshold moves by the
        same number of seconds: at ``t`` a queue is held to its own threshold plus ``t``
        minus the scenario's (answered waits per queue first joined), so at the
        scenario's threshold the curve is again exactly the summary's figure.
        """
        totals = self._totals(per_interval=False)
        kpi = next(k for k in self.kpis if k.name == "service_level")
        assert kpi.denominator is not None
        histograms = totals["wait_histogram"]
        threshold = self.scenario.service_level.threshold_s
        if thresholds_s is None:
            longest = wait_percentile(histograms.sum(axis=0), 0.99)
            thresholds_s = wait_grid(threshold, max(3.0 * threshold, 60.0, np.nan_to_num(longest)))
        t = np.asarray(thresholds_s, dtype=float)
        own = self.scenario.queue_thresholds_s
        if all(v == threshold for v in own):
            answered = _answered_within(histograms, np.append(t, threshold))
            within_now, within_t = answered[:, -1:], answered[:, :-1]
        else:
            by_queue = np.stack([o.tally.wait_histogram_by_queue for o in self.outputs])
            within_now = np.zeros((len(self.outputs), 1))
            within_t = np.zeros((len(self.outputs), len(t)))
            for q, own_s in enumerate(own):
                shifted = np.append(t - threshold + own_s, own_s)
                answered = _answered_within(by_queue[:, q], shifted)
                within_now += answered[:, -1:]
                within_t += answered[:, :-1]
        numerator = kpi.numerator(totals)[:, None] - within_now + within_t
        denominator = np.broadcast_to(kpi.denominator(totals)[:, None], numerator.shape)
        est, hw = ratio_estimate(numerator, np.ascontiguousarray(denominator))
        return pd.DataFrame({"threshold_s": t, "service_level": est, "half_width": hw})

    def groups(self) -> pd.DataFrame:
        """Per agent group: occupancy, agents present and paid hours, with 95 % half-widths
        (the ``[group=…]`` rows of ``summary()``).
        """
        return self._view("group", ("occupancy", "agents_present", "agent_hours", "agent_cost"))

    def queues(self) -> pd.DataFrame:
        """Per queue: contacts offered, service level, abandonment, ASA and time-average
        number waiting, with 95 % half-widths (the ``[queue=…]`` rows of ``summary()``).
        """
        return self._view(
            "queue", ("offered", "service_level", "abandon_rate", "asa_s", "mean_queue_length")
        )

    def _view(self, dimension: Dimension, names: tuple[str, ...]) -> pd.DataFrame:
        summary = self.summary()
        records = []
        for member in self.members(dimension):
            record: dict[str, Any] = {dimension: member}
            for name in names:
                key = breakdown_name(name, dimension, member)
                record[name] = _cell(summary, key, "mean")
                record[f"{name}_hw"] = _cell(summary, key, "half_width")
            records.append(record)
        return pd.DataFrame.from_records(records)

    def replications(self) -> pd.DataFrame:
        """Each replication's own KPI values (one row per replication)."""
        return self.parts().values()

    # --- figures -----------------------------------------------------------------------

    def plot_intervals(self, service_level_target: float | None = None) -> Figure:
        """The per-interval panel (offered, agents, service level — per queue when there
        are several — ASA, abandonment).
        """
        from simulator.report.figures import interval_panel

        by_queue = self.intervals(by="queue", wide=True) if len(self.scenario.queues) > 1 else None
        return interval_panel(
            self.intervals(wide=True),
            self.scenario.name,
            self.scenario.service_level.threshold_s,
            service_level_target,
            by_queue=by_queue,
        )

    def plot_waits(self, service_level_target: float | None = None) -> Figure:
        """How long callers waited and the service level at every threshold."""
        from simulator.report.figures import wait_distribution

        return wait_distribution(
            self.contacts(),
            self.scenario.service_level.threshold_s,
            self.service_level_curve(),
            counted_from_s=self.counted_from_s,
            service_level_target=service_level_target,
            title=self.scenario.name,
        )

    def plot_groups(self) -> Figure:
        """Occupancy per agent group with 95 % intervals."""
        from simulator.report.figures import group_occupancy

        return group_occupancy(self.groups(), title=self.scenario.name)

    def plot_journeys(self) -> Figure:
        """Where contacts went: entry, queues visited, outcome."""
        from simulator.report.figures import journey_diagram

        return journey_diagram(
            self.contacts(),
            counted_from_s=self.counted_from_s,
            title=self.scenario.name,
            ping_pong_rate=self.kpi("ping_pong_rate"),
        )

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
        own = sc.queue_thresholds_s
        return {
            "scenario": sc.name,
            "seed": self.seed,
            "replications": self.n,
            "service_level": {
                "threshold_s": sc.service_level.threshold_s,
                "definition": sc.service_level.definition,
                "short_abandon_s": sc.service_level.short_abandon_s,
                **(
                    {"queue_threshold_s": dict(zip(sc.queue_names, own, strict=True))}
                    if any(v != sc.service_level.threshold_s for v in own)
                    else {}
                ),
            },
            "counted_from_s": self.counted_from_s,
            "warmup": f"{sc.warmup_minutes} minutes after the first opening, rounded up to a"
            " whole interval",
            "occupancy_window": "opening hours (occupancy_until_last_leaves: until the last "
            "contact of the day leaves)",
            "rate_estimator": "call-weighted ratio of totals over replications, t-based 95% CI "
            "on the delta-method standard error",
            "confidence_bounds": "low and high are mean -/+ half_width cut at the KPI's range"
            " (a share within [0, 1], counts, durations and money at least 0); 'clipped'"
            " marks a cut bound",
            "interval_attribution": "contact KPIs count contacts by the interval they arrived"
            " in; occupancy, agents and queue length count the time within the interval",
            "breakdowns": "kpi[queue=q]: contacts in the queue they first joined (else the one"
            " their call type is meant for); kpi[call_type=c]; kpi[group=g]: agent group g",
            "costs": {
                "currency": sc.costs.currency,
                "agent_hour": sc.costs.agent_hour,
                "telephony_minute": sc.costs.telephony_minute,
            },
        }


def wide_intervals(long: pd.DataFrame, breakdown: str = ALL) -> pd.DataFrame:
    """A long per-interval table (``intervals()``, ``intervals.csv``) as one row per
    interval and breakdown, a column per KPI and ``<kpi>_hw`` for its half-width.

    ``breakdown`` keeps the overall rows (``all``) or a dimension's (``queue``: every
    ``queue=…`` row).
    """
    keys = ["day", "interval", "start", "counted", "breakdown"]
    if breakdown == ALL:
        rows = long[long["breakdown"] == ALL]
    else:
        rows = long[long["breakdown"].astype(str).str.startswith(f"{breakdown}=")]
    if rows.empty:
        return pd.DataFrame(columns=keys)
    order = list(dict.fromkeys(rows["kpi"]))
    table = rows.pivot(index=keys, columns="kpi", values=["mean", "half_width"])
    means = pd.DataFrame(table["mean"])[order]
    widths = pd.DataFrame(table["half_width"])[order].add_suffix("_hw")
    interleaved = [c for name in order for c in (name, f"{name}_hw")]
    frame = pd.concat([means, widths], axis=1)[interleaved].reset_index()
    frame.columns.name = None
    return frame.sort_values(["breakdown", "day", "interval"], kind="stable", ignore_index=True)


def _cell(frame: pd.DataFrame, row: str, column: str) -> float:
    """One number of a KPI table."""
    return float(frame[column].to_numpy(dtype=float)[frame.index.get_loc(row)])


def wait_grid(threshold_s: float, max_wait_s: float | None = None) -> np.ndarray:
    """Thresholds for a service-level curve: 0 to ``max_wait_s`` (default three times the
    threshold, at least 60 s) in 240 steps, with the threshold itself.
    """
    top = max_wait_s if max_wait_s is not None else max(3.0 * threshold_s, 60.0)
    return np.unique(np.concatenate([np.linspace(0.0, top, 241), [threshold_s]]))


def _answered_within(histograms: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Answered contacts with a wait of at most each threshold, per replication, from the
    tally's wait histograms (bin 0: no wait; bin ``k``: ``(k - 1, k]`` seconds), linear
    inside a bin.
    """
    cumulative = np.cumsum(histograms, axis=1)
    position = np.maximum(thresholds, 0.0) / HISTOGRAM_BIN_S
    last = histograms.shape[1] - 1
    whole = np.minimum(np.floor(position).astype(np.int64), last)
    nxt = np.minimum(whole + 1, last)
    fraction = np.where(whole < last, position - np.floor(position), 0.0)
    # Up to bin ``whole`` (waits <= whole seconds), plus a share of the next bin.
    within: np.ndarray = cumulative[:, whole] + fraction * histograms[:, nxt]
    return within
