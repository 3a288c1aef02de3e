"""Reusable matplotlib figures drawn from result tables (never from the model).

Every function takes DataFrames a run already produced — ``result.intervals()``,
``result.contacts()``, ``result.groups()``, a comparison or sweep table — and
returns a :class:`matplotlib.figure.Figure`. The figures are built without
``pyplot``: nothing is registered globally, nothing needs closing, and they work
the same in a script, a worker process, the HTML report or a notebook (where a
returned figure displays itself). Save one with ``fig.savefig("name.png")``.

* :func:`interval_panel` — offered, agents, service level, ASA, abandonment per interval.
* :func:`wait_distribution` — waits with the service-level threshold, and the
  service level every other threshold would give (``result.service_level_curve``).
* :func:`scenario_comparison` — KPIs of several scenarios with 95 % CI bars.
* :func:`sweep_curve` — a KPI against a swept value with its CI band, one line per
  value of the other factors.
* :func:`journey_diagram` (data: :func:`journey_flows`) — where contacts went:
  entry, each queue visited, outcome; returns to a queue already visited (ping-pong)
  stand out.
* :func:`group_occupancy` — occupancy per agent group with CIs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from simulator.report.formatting import format_value, kpi_label, kpi_unit, percent_scale

__all__ = [
    "group_occupancy",
    "interval_panel",
    "journey_diagram",
    "journey_flows",
    "scenario_comparison",
    "sweep_curve",
    "wait_distribution",
]

STAT_COLUMNS = frozenset(
    {"kpi", "mean", "half_width", "low", "high", "clipped", "replications", "definition", "se", "n"}
)
"""Columns of a tidy result table that are statistics, not factors."""

RESOLVED = "answered, resolved"
UNRESOLVED = "answered, unresolved"
MORE = "more queues"
NO_QUEUE = "no queue"
IVR_NODE = "IVR"
OUTCOME_COLOURS = {
    "answered": "#2e7d32",
    RESOLVED: "#2e7d32",
    UNRESOLVED: "#f9a825",
    "self_served": "#00897b",
    "abandoned": "#d84315",
    "ivr_abandoned": "#ef6c00",
    "blocked": "#424242",
    "balked": "#8e24aa",
    "disconnected": "#6d4c41",
}
"""Outcome colours, in the order outcomes are stacked in the journey diagram."""
IVR_COLOUR = "#6a1b9a"
OUTCOME_LABELS = {"ivr_abandoned": "abandoned in IVR", "self_served": "self-served in IVR"}
"""How some outcomes read in the diagram (the flows table keeps the log's names)."""
PING_PONG_COLOUR = "#c62828"
QUEUE_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#17becf",
    "#9467bd",
    "#bcbd22",
    "#e377c2",
    "#8c564b",
    "#7f7f7f",
)
ENTRY_COLOUR = "#546e7a"
INBOUND_ORIGINS = ("first", "redial", "recontact")
"""Origins of contacts that called in (the others are the centre calling out)."""
_Flow = tuple[int, str, int, str, float, bool]
"""source stage, source, target stage, target, contacts, ping-pong"""
ORDINALS = ("queue joined", "2nd queue", "3rd queue")


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _band(
    ax: Axes,
    x: pd.Series,
    frame: pd.DataFrame,
    column: str,
    scale: float = 1.0,
    upper: float | None = None,
    label: str | None = None,
) -> None:
    """A line with its 95 % band, the band kept within the quantity's range [0, upper]."""
    mean = frame[column] * scale
    hw = frame[f"{column}_hw"].fillna(0) * scale
    ax.plot(x, mean, marker="o", markersize=2.5, linewidth=1.2, label=label)
    ax.fill_between(
        x, (mean - hw).clip(lower=0), (mean + hw).clip(upper=upper), alpha=0.25, linewidth=0
    )


def interval_panel(
    intervals: pd.DataFrame,
    title: str,
    threshold_s: float,
    service_level_target: float | None = None,
    by_queue: pd.DataFrame | None = None,
) -> Figure:
    """Per-interval picture of a day (or days): offered, agents, service level, ASA, abandonment.

    ``intervals`` is ``result.intervals(wide=True)`` (or a run folder's
    ``intervals.csv`` pivoted); ``by_queue``, ``result.intervals(by="queue", wide=True)``,
    adds one service-level line per queue. Bands are the 95 % confidence intervals of
    the replications (kept within the quantity's range: no negative waits); the x axis is the
    interval's start (day-prefixed when the calendar spans several days); intervals
    in the warm-up are shaded grey.
    """
    frame = intervals.reset_index(drop=True)
    multi_day = frame["day"].nunique() > 1
    labels = (
        [f"d{d} {s}" for d, s in zip(frame["day"], frame["start"], strict=True)]
        if multi_day
        else list(frame["start"])
    )
    x = pd.Series(range(len(frame)))
    fig = _figure(11, 12)
    axes = fig.subplots(5, 1, sharex=True)
    ax_offered, ax_agents, ax_sl, ax_asa, ax_abandon = axes
    _band(ax_offered, x, frame, "offered")
    ax_offered.set_ylabel("offered\n(contacts)")
    ax_agents.step(x, frame["agents_present"], where="mid", label="present (time-average)")
    ax_agents.step(x, frame["agents_paid"], where="mid", linestyle="--", label="paid")
    ax_agents.set_ylabel("agents")
    ax_agents.legend(loc="upper right", fontsize=8)
    _band(ax_sl, x, frame, "service_level", 100.0, upper=100.0, label="all queues")
    if by_queue is not None:
        for k, (name, rows) in enumerate(by_queue.groupby("breakdown", sort=False)):
            values = rows["service_level"].to_numpy(dtype=float) * 100
            colour = QUEUE_COLOURS[(k + 1) % len(QUEUE_COLOURS)]
            label = str(name).partition("=")[2]
            ax_sl.plot(x, values, linewidth=1.0, color=colour, label=label, linestyle="--")
        ax_sl.legend(loc="lower right", fontsize=8, ncols=2)
    if service_level_target is not None:
        ax_sl.axhline(service_level_target * 100, color="tab:red", linestyle=":", label="target")
        ax_sl.legend(loc="lower right", fontsize=8, ncols=2)
    ax_sl.set_ylabel(f"service level\n(% within {threshold_s:g} s)")
    ax_sl.set_ylim(-2, 102)
    _band(ax_asa, x, frame, "asa_s")
    ax_asa.set_ylabel("ASA (s)")
    _band(ax_abandon, x, frame, "abandon_rate", 100.0, upper=100.0)
    ax_abandon.set_ylabel("abandoned (%)")
    step = max(1, len(labels) // 16)
    ax_abandon.set_xticks(list(x[::step]))
    ax_abandon.set_xticklabels(labels[::step], rotation=45, ha="right")
    for ax in axes:
        ax.grid(alpha=0.3)
        if "counted" in frame and not frame["counted"].all():
            warm = x[~frame["counted"].astype(bool)]
            ax.axvspan(warm.min() - 0.5, warm.max() + 0.5, color="grey", alpha=0.12)
    fig.suptitle(title)
    return fig


# --- waits -----------------------------------------------------------------------------


def _counted(contacts: pd.DataFrame, counted_from_s: float | None) -> pd.DataFrame:
    if counted_from_s is None:
        return contacts
    return contacts[contacts["arrival"] >= counted_from_s]


def _replications(contacts: pd.DataFrame) -> int:
    return max(1, int(contacts["replication"].nunique())) if "replication" in contacts else 1


def wait_distribution(
    contacts: pd.DataFrame,
    threshold_s: float,
    curve: pd.DataFrame,
    counted_from_s: float | None = None,
    service_level_target: float | None = None,
    title: str | None = None,
    max_wait_s: float | None = None,
) -> Figure:
    """How long callers waited, with the service-level threshold.

    Left: the waits of contacts that had to wait (answered and abandoned stacked, per
    replication; the share answered at once is written on it). Right: the service
    level every threshold would give, ``curve`` (``result.service_level_curve()`` or a
    run folder's ``service_level_curve.csv``: columns ``threshold_s``, ``service_level``
    and optionally ``half_width``), with the scenario's threshold marked — the curve's
    value there is the summary's ``service_level``; nothing is recomputed here.
    ``contacts`` is ``result.contacts()`` (or ``contacts.parquet``); callbacks and
    voicemail returns (the centre calling out) are left out of the waits.
    """
    frame = _counted(contacts, counted_from_s)
    if "origin" in frame:
        frame = frame[frame["origin"].isin(INBOUND_ORIGINS)]
    n_rep = _replications(frame)
    queued = frame[frame["wait"].notna()]
    answered = queued["outcome"] == "answered"
    waits = queued["wait"].to_numpy(dtype=float)
    waited = waits > 0
    if max_wait_s is None:
        high = float(np.quantile(waits[waited], 0.99)) if waited.any() else 0.0
        max_wait_s = max(3.0 * threshold_s, high, 1.0)
    bins = np.linspace(0.0, max_wait_s, 41)
    fig = _figure(11, 4.2)
    ax_hist, ax_curve = fig.subplots(1, 2, width_ratios=[1.25, 1])
    clipped = np.minimum(waits, max_wait_s)
    groups = [
        ("answered", waited & answered.to_numpy(), OUTCOME_COLOURS["answered"]),
        ("abandoned or cut off", waited & ~answered.to_numpy(), OUTCOME_COLOURS["abandoned"]),
    ]
    ax_hist.hist(
        [clipped[mask] for _, mask, _ in groups],
        bins=bins,
        stacked=True,
        weights=[np.full(int(mask.sum()), 1.0 / n_rep) for _, mask, _ in groups],
        color=[colour for _, _, colour in groups],
        label=[label for label, _, _ in groups],
        alpha=0.85,
    )
    ax_hist.axvline(threshold_s, color="black", linestyle="--", linewidth=1.2)
    ax_hist.annotate(
        f"threshold {threshold_s:g} s",
        (threshold_s, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -14),
        textcoords="offset points",
        fontsize=9,
    )
    at_once = float((answered & ~pd.Series(waited, index=queued.index)).sum()) / max(len(queued), 1)
    ax_hist.text(
        0.98,
        0.80,
        f"{at_once:.0%} of queued contacts answered at once (not shown)\n"
        f"waits over {max_wait_s:.0f} s are counted in the last bar",
        transform=ax_hist.transAxes,
        ha="right",
        va="top",
        fontsize=8.5,
        color="#444444",
    )
    ax_hist.set_xlabel("wait (s)")
    ax_hist.set_ylabel("contacts per replication")
    ax_hist.set_title("Waits of contacts that had to wait", fontsize=10)
    ax_hist.legend(loc="upper right", fontsize=8, frameon=False)
    shown = curve[curve["threshold_s"] <= max_wait_s]
    percent = shown["service_level"].to_numpy(dtype=float) * 100
    ax_curve.plot(
        shown["threshold_s"],
        percent,
        color="#1f77b4",
        linewidth=1.6,
        drawstyle="steps-post",
        label="service level",
    )
    if "half_width" in shown:
        hw = shown["half_width"].fillna(0).to_numpy(dtype=float) * 100
        ax_curve.fill_between(
            shown["threshold_s"],
            np.maximum(percent - hw, 0),
            np.minimum(percent + hw, 100),
            step="post",
            alpha=0.2,
            linewidth=0,
        )
    exact = curve.loc[np.isclose(curve["threshold_s"], threshold_s), "service_level"]
    at_threshold = float(exact.iloc[0]) if len(exact) else float("nan")
    ax_curve.plot([threshold_s], [at_threshold * 100], "o", color="black", zorder=3)
    ax_curve.annotate(
        f"{at_threshold:.1%} within {threshold_s:g} s",
        (threshold_s, at_threshold * 100),
        xytext=(8, -16),
        textcoords="offset points",
        fontsize=9,
    )
    ax_curve.axvline(threshold_s, color="black", linestyle="--", linewidth=1.0)
    if service_level_target is not None:
        ax_curve.axhline(service_level_target * 100, color="tab:red", linestyle=":", label="target")
        ax_curve.legend(loc="lower right", fontsize=8, frameon=False)
    ax_curve.set_ylim(0, 102)
    ax_curve.set_xlim(0, max_wait_s)
    ax_curve.set_xlabel("threshold (s)")
    ax_curve.set_ylabel("service level (%)")
    ax_curve.set_title("Service level at each threshold", fontsize=10)
    for ax in (ax_hist, ax_curve):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


# --- comparisons and sweeps ----------------------------------------------------------------


def _kpi_label(kpi: str) -> str:
    unit = kpi_unit(kpi)
    return f"{kpi_label(kpi)} ({unit})" if unit else kpi_label(kpi)


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(needed)}; missing {', '.join(missing)}")


def _grid(n: int, width: float, height: float, cols: int = 3) -> tuple[Figure, list[Axes]]:
    ncols = min(cols, max(n, 1))
    nrows = -(-max(n, 1) // ncols)
    fig = _figure(width * ncols, height * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def scenario_comparison(
    frame: pd.DataFrame,
    kpis: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """KPIs of several scenarios side by side, each with its 95 % confidence interval.

    ``frame`` is tidy: one row per (``scenario``, ``kpi``) with ``mean`` and
    ``half_width``. One panel per KPI (in the order given, or of first appearance);
    rates are shown in percent.
    """
    _check_columns(frame, ("scenario", "kpi", "mean", "half_width"), "scenario_comparison")
    names = list(dict.fromkeys(frame["kpi"])) if kpis is None else list(kpis)
    scenarios = list(dict.fromkeys(frame["scenario"]))
    fig, axes = _grid(len(names), 4.2, 0.9 + 0.38 * len(scenarios))
    y = np.arange(len(scenarios))
    colours = [QUEUE_COLOURS[i % len(QUEUE_COLOURS)] for i in range(len(scenarios))]
    for ax, kpi in zip(axes, names, strict=True):
        rows = frame[frame["kpi"] == kpi].set_index("scenario").reindex(scenarios)
        scale = percent_scale(kpi)
        means = rows["mean"].to_numpy(dtype=float) * scale
        errors = rows["half_width"].fillna(0).to_numpy(dtype=float) * scale
        ax.barh(y, means, color=colours, alpha=0.35, height=0.6)
        ax.errorbar(means, y, xerr=errors, fmt="o", color="black", capsize=4, markersize=4)
        ax.set_yticks(y)
        ax.set_yticklabels(scenarios if ax is axes[0] or len(names) == 1 else [], fontsize=9)
        ax.invert_yaxis()
        ax.set_title(_kpi_label(kpi), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for i, ax in enumerate(axes):
        if i % 3 == 0:
            ax.set_yticklabels(scenarios, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def sweep_curve(
    frame: pd.DataFrame,
    x: str,
    kpi: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """A KPI against a swept value, with its 95 % confidence band.

    ``frame`` is tidy: the swept column ``x``, a ``kpi`` column, ``mean`` and
    ``half_width``, and any other factors. One line per combination of the other
    factors (``by``; by default every column that is not ``x`` or a statistic).
    Several KPIs give one panel each.
    """
    _check_columns(frame, (x, "kpi", "mean", "half_width"), "sweep_curve")
    names = [kpi] if isinstance(kpi, str) else list(kpi)
    if by is None:
        factors = [c for c in frame.columns if c != x and c not in STAT_COLUMNS]
    else:
        factors = [by] if isinstance(by, str) else list(by)
    fig, axes = _grid(len(names), 5.0, 3.6, cols=2)
    for ax, name in zip(axes, names, strict=True):
        rows = frame[frame["kpi"] == name]
        scale = percent_scale(name)
        groups: list[tuple[Any, pd.DataFrame]] = (
            list(rows.groupby(factors, sort=False)) if factors else [((), rows)]
        )
        for i, (key, group) in enumerate(groups):
            group = group.sort_values(x)
            keys = key if isinstance(key, tuple) else (key,)
            label = (
                str(keys[0])
                if len(factors) == 1
                else ", ".join(f"{f}={v}" for f, v in zip(factors, keys, strict=True)) or None
            )
            colour = QUEUE_COLOURS[i % len(QUEUE_COLOURS)]
            mean = group["mean"].to_numpy(dtype=float) * scale
            hw = group["half_width"].fillna(0).to_numpy(dtype=float) * scale
            ax.plot(group[x], mean, marker="o", markersize=3.5, color=colour, label=label)
            ax.fill_between(group[x], mean - hw, mean + hw, color=colour, alpha=0.2, linewidth=0)
        ax.set_xlabel(x)
        ax.set_ylabel(_kpi_label(name))
        ax.grid(alpha=0.3)
        if factors:
            ax.legend(fontsize=8, frameon=False, title=factors[0] if len(factors) == 1 else None)
    if title:
        fig.suptitle(title)
    return fig


def group_occupancy(groups: pd.DataFrame, title: str | None = None) -> Figure:
    """Occupancy per agent group with its 95 % interval (``result.groups()``)."""
    _check_columns(groups, ("group", "occupancy", "occupancy_hw"), "group_occupancy")
    fig = _figure(7, 0.9 + 0.45 * len(groups))
    ax = fig.subplots()
    y = np.arange(len(groups))
    occ = groups["occupancy"].to_numpy(dtype=float) * 100
    hw = groups["occupancy_hw"].fillna(0).to_numpy(dtype=float) * 100
    ax.barh(y, occ, color="#1f77b4", alpha=0.55, height=0.6)
    ax.errorbar(occ, y, xerr=hw, fmt="none", color="black", capsize=4)
    for yi, value in zip(y, occ, strict=True):
        ax.text(min(value, 100) + 1.5, float(yi), f"{value:.1f} %", va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels(list(groups["group"]))
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("occupancy (%): busy / present")
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


# --- caller journeys -----------------------------------------------------------------------


def _names(column: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) or v == "" else str(v) for v in column.astype(object)]


def _paths(frame: pd.DataFrame, path_column: str, separator: str) -> list[tuple[list[str], int]]:
    """Queues each contact visited, in order, and how many of them it was sent to.

    The visits are the log's ``path`` (queues joined, transfers included) when it has
    one, else the queue first joined. A contact answered from another queue's agents
    (overflow) gets that queue as a last hop: it is where the contact went, though not a
    queue it was sent back to, so it never counts as ping-pong.
    """
    if path_column in frame.columns:
        visited = [
            [hop.strip() for hop in p.split(separator) if hop.strip()] if p else []
            for p in _names(frame[path_column])
        ]
    elif "queue" in frame.columns:
        visited = [[q] if q else [] for q in _names(frame["queue"])]
    else:
        visited = [[] for _ in range(len(frame))]
    served = _names(frame["served_queue"]) if "served_queue" in frame.columns else []
    answered = (frame["outcome"].astype(str) == "answered").tolist()
    paths = []
    for i, hops in enumerate(visited):
        sent = len(hops)
        last = served[i] if served and answered[i] else None
        if last is not None and hops and last != hops[-1]:
            hops = [*hops, last]
        paths.append((hops, sent))
    return paths


def _outcomes(frame: pd.DataFrame, resolved_column: str) -> list[str]:
    """Outcome labels; answered split by resolution when the log says some were not."""
    outcomes = frame["outcome"].astype(str)
    if resolved_column not in frame.columns:
        return outcomes.tolist()
    answered = outcomes == "answered"
    resolved = frame[resolved_column].fillna(False).astype(bool)
    if bool(resolved[answered].all()):
        return outcomes.tolist()
    return [
        (RESOLVED if r else UNRESOLVED) if a else o
        for o, a, r in zip(outcomes, answered, resolved, strict=True)
    ]


def _ordered(values: Sequence[str], categories: Sequence[str]) -> list[str]:
    known = [c for c in categories if c in values]
    return known + sorted(v for v in values if v not in known)


def journey_flows(
    contacts: pd.DataFrame,
    path_column: str = "path",
    entry_column: str | None = "call_type",
    counted_from_s: float | None = None,
    max_hops: int = 4,
    separator: str = ">",
    ivr_column: str = "ivr",
    resolved_column: str = "resolved",
) -> pd.DataFrame:
    """The flows of the caller-journey diagram: from entry through each queue to the outcome.

    Each contact is a sequence of stages: its entry (``entry_column``, e.g. the call
    type); ``IVR`` when the log's ``ivr_column`` says it went through the menu; the
    queues it visited; its outcome. The queues come from ``path_column`` when the log
    has it (queue names joined by ``separator``, e.g. ``"general>cards>general"``),
    otherwise from ``queue`` (the queue first joined); a contact answered from another
    queue (overflow) gets that queue as a last hop. Paths longer than ``max_hops`` keep
    their first ``max_hops - 1`` queues and a ``more`` node. Answered contacts are split
    into resolved and unresolved when ``resolved_column`` shows some were not resolved.

    Returns one row per flow: ``source_stage``, ``source``, ``target_stage``, ``target``,
    ``contacts`` (per replication), ``ping_pong`` (a transfer back to a queue this contact
    had already visited). The last stage is the outcome; a contact with fewer stages
    skips straight to it. Only callers' own calls are drawn (callbacks and voicemail
    returns, the centre calling out, are left out), so the entries add up to ``offered``.
    """
    if max_hops < 1:
        raise ValueError(f"max_hops must be at least 1, got {max_hops}")
    frame = _counted(contacts, counted_from_s)
    if "origin" in frame:
        frame = frame[frame["origin"].isin(INBOUND_ORIGINS)]
    n_rep = _replications(frame)
    paths = []
    for hops, sent in _paths(frame, path_column, separator):
        if len(hops) > max_hops:
            hops, sent = [*hops[: max_hops - 1], MORE], min(sent, max_hops - 1)
        paths.append((hops, sent))
    if entry_column is None:
        paths = [(hops or [NO_QUEUE], sent) for hops, sent in paths]
    ivr = (
        frame[ivr_column].fillna(False).astype(bool).tolist()
        if ivr_column in frame.columns and bool(frame[ivr_column].fillna(False).any())
        else None
    )
    depth = max((len(hops) for hops, _ in paths), default=0)
    first_hop = (1 if entry_column is not None else 0) + (1 if ivr is not None else 0)
    outcome_stage = first_hop + depth
    entries = frame[entry_column].astype(str).tolist() if entry_column is not None else []
    counts: Counter[tuple[int, str, int, str, bool]] = Counter()
    for i, ((hops, sent), outcome) in enumerate(
        zip(paths, _outcomes(frame, resolved_column), strict=True)
    ):
        stages: list[tuple[int, str]] = [(0, entries[i])] if entry_column is not None else []
        if ivr is not None and ivr[i]:
            stages.append((first_hop - 1, IVR_NODE))
        stages += [(first_hop + k, hop) for k, hop in enumerate(hops)]
        stages.append((outcome_stage, outcome))
        for (s0, a), (s1, b) in pairwise(stages):
            hop = s1 - first_hop  # the target's index among the hops
            ping = 0 < hop < sent and b in hops[:hop] and b != MORE
            counts[(s0, a, s1, b, ping)] += 1
    records = [
        {
            "source_stage": s0,
            "source": a,
            "target_stage": s1,
            "target": b,
            "contacts": n / n_rep,
            "ping_pong": ping,
        }
        for (s0, a, s1, b, ping), n in counts.items()
    ]
    columns = ["source_stage", "source", "target_stage", "target", "contacts", "ping_pong"]
    flows = pd.DataFrame.from_records(records, columns=columns)
    return flows.sort_values(["source_stage", "source", "target_stage", "target"]).reset_index(
        drop=True
    )


def _stage_names(n_stages: int, entry: bool, entry_label: str, ivr: bool) -> list[str]:
    names = ([entry_label] if entry else []) + (["IVR"] if ivr else [])
    hops = n_stages - len(names) - 1
    names += [ORDINALS[i] if i < len(ORDINALS) else f"{i + 1}th queue" for i in range(hops)]
    return [*names, "outcome"]


def _ribbon(x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float]) -> MplPath:
    xm = (x0 + x1) / 2
    vertices = [
        (x0, y0[0]),
        (xm, y0[0]),
        (xm, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (xm, y1[1]),
        (xm, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [
        MplPath.MOVETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.LINETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CLOSEPOLY,
    ]
    return MplPath(vertices, codes)


def _spread(centres: list[float], gap: float) -> list[float]:
    """Label positions at least ``gap`` apart, as near their nodes as possible."""
    placed: list[float] = []
    for c in centres:
        placed.append(max(c, placed[-1] + gap) if placed else c)
    overflow = placed[-1] - 1.0 if placed else 0.0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    return placed


def journey_diagram(
    contacts: pd.DataFrame,
    path_column: str = "path",
    entry_column: str | None = "call_type",
    counted_from_s: float | None = None,
    max_hops: int = 4,
    title: str | None = None,
    separator: str = ">",
    ivr_column: str = "ivr",
    resolved_column: str = "resolved",
    ping_pong_rate: float | None = None,
) -> Figure:
    """Where contacts went, as a flow (Sankey-style) diagram.

    ``ping_pong_rate``, the summary's KPI (``result.kpi("ping_pong_rate")``), is written
    beside the red bands when given; the figure does not compute it.

    Columns: the entry (call type), the IVR when contacts went through one, the
    first queue joined, each further queue visited (transfers, overflow), and the
    outcome. Band widths are contacts per replication; a band drawn in red is a
    transfer back to a queue the contact had already visited — ping-pong at a
    glance. The numbers come from :func:`journey_flows` (same arguments).
    """
    flows = journey_flows(
        contacts,
        path_column,
        entry_column,
        counted_from_s,
        max_hops,
        separator,
        ivr_column,
        resolved_column,
    )
    records: list[_Flow] = [
        (int(s0), str(a), int(s1), str(b), float(n), bool(ping))
        for s0, a, s1, b, n, ping in flows.itertuples(index=False, name=None)
    ]
    n_stages = max((r[2] for r in records), default=0) + 1
    outflow: dict[tuple[int, str], float] = {}
    inflow: dict[tuple[int, str], float] = {}
    for s0, a, s1, b, n, _ in records:
        outflow[(s0, a)] = outflow.get((s0, a), 0.0) + n
        inflow[(s1, b)] = inflow.get((s1, b), 0.0) + n
    node_values = {k: max(outflow.get(k, 0.0), inflow.get(k, 0.0)) for k in {*outflow, *inflow}}
    total = sum(v for (s, _), v in node_values.items() if s == n_stages - 1) or 1.0

    def categories(column: str | None) -> list[str]:
        if column is None or column not in contacts:
            return []
        dtype = contacts[column].dtype
        return [str(c) for c in dtype.categories] if isinstance(dtype, pd.CategoricalDtype) else []

    entry = entry_column is not None
    ivr_stage = (1 if entry else 0) if any(n == IVR_NODE for _, n in node_values) else None
    first_hop = (1 if entry else 0) + (ivr_stage is not None)
    queue_names = sorted(
        {name for (s, name) in node_values if first_hop <= s < n_stages - 1},
        key=lambda q: -sum(v for (_, n), v in node_values.items() if n == q),
    )
    queue_order = _ordered(queue_names, categories("queue"))
    colours = {q: QUEUE_COLOURS[i % len(QUEUE_COLOURS)] for i, q in enumerate(queue_order)}

    def colour(stage: int, name: str) -> str:
        if stage == n_stages - 1:
            return OUTCOME_COLOURS.get(name, "#607d8b")
        if entry and stage == 0:
            return ENTRY_COLOUR
        if stage == ivr_stage:
            return IVR_COLOUR
        return colours.get(name, "#9e9e9e")

    gap = 0.02
    per_stage: dict[int, list[str]] = {}
    for s in range(n_stages):
        names = [n for (st, n), v in node_values.items() if st == s and v > 0]
        if s == n_stages - 1:
            order = list(OUTCOME_COLOURS)
        elif entry and s == 0:
            order = categories(entry_column)
        else:
            order = queue_order
        per_stage[s] = _ordered(names, order)
    most = max((len(v) for v in per_stage.values()), default=1)
    scale = (1.0 - gap * (most - 1)) / total
    positions: dict[tuple[int, str], tuple[float, float]] = {}
    for s, names in per_stage.items():
        y = 0.0
        for name in names:
            height = node_values[(s, name)] * scale
            positions[(s, name)] = (y, y + height)
            y += height + gap

    width = 0.08
    fig = _figure(min(11.0, 2.0 + 2.3 * n_stages), 6.0)
    ax = fig.subplots()
    # Bands leave a node in the order of their targets and enter in the order of their
    # sources, so they do not cross needlessly.
    cursor = {k: v[0] for k, v in positions.items()}
    starts: dict[int, tuple[float, float]] = {}
    by_target = sorted(
        range(len(records)),
        key=lambda i: (
            records[i][0],
            positions[records[i][:2]][0],
            records[i][2],
            positions[(records[i][2], records[i][3])][0],
        ),
    )
    for i in by_target:
        key, h = (records[i][0], records[i][1]), records[i][4] * scale
        starts[i] = (cursor[key], cursor[key] + h)
        cursor[key] += h
    cursor = {k: v[0] for k, v in positions.items()}
    by_source = sorted(
        range(len(records)),
        key=lambda i: (
            records[i][2],
            positions[(records[i][2], records[i][3])][0],
            records[i][0],
            positions[records[i][:2]][0],
        ),
    )
    for i in by_source:
        s0, a, s1, b, n, ping = records[i]
        key, h = (s1, b), n * scale
        end = (cursor[key], cursor[key] + h)
        cursor[key] += h
        ax.add_patch(
            PathPatch(
                _ribbon(s0 + width / 2, starts[i], s1 - width / 2, end),
                facecolor=PING_PONG_COLOUR
                if ping
                else colour(s1, b)
                if entry and s0 == 0
                else colour(s0, a),
                alpha=0.65 if ping else 0.3,
                edgecolor="none",
                zorder=2 if ping else 1,
            )
        )
    for s, names in per_stage.items():
        centres = [sum(positions[(s, n)]) / 2 for n in names]
        label_y = _spread(centres, 0.045)
        for name, y_label in zip(names, label_y, strict=True):
            top, bottom = positions[(s, name)]
            ax.add_patch(
                Rectangle(
                    (s - width / 2, top),
                    width,
                    max(bottom - top, 0.002),
                    facecolor=colour(s, name),
                    edgecolor="white",
                    linewidth=0.5,
                )
            )
            value = node_values[(s, name)]
            left = entry and s == 0
            ax.text(
                s - width / 2 - 0.04 if left else s + width / 2 + 0.04,
                y_label,
                f"{OUTCOME_LABELS.get(name, name)}  "
                + (f"{value:,.0f}" if value >= 10 else f"{value:.2g}")
                + f" ({value / total:.1%})",
                ha="right" if left else "left",
                va="center",
                fontsize=9.5,
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.0},
            )
    entry_label = (entry_column or "").replace("_", " ")
    for s, label in enumerate(_stage_names(n_stages, entry, entry_label, ivr_stage is not None)):
        ax.text(s, -0.04, label, ha="center", va="bottom", fontsize=10.5, fontweight="bold")
    ax.set_xlim(-0.9 if entry else -0.3, n_stages - 1 + 0.95)
    ax.set_ylim(1.03, -0.1)
    ax.axis("off")
    if flows["ping_pong"].any():
        share = (
            ""
            if ping_pong_rate is None
            else f": {format_value('ping_pong_rate', ping_pong_rate)} of contacts that "
            "reached an agent"
        )
        ax.text(
            n_stages - 1 + 0.95,
            1.03,
            f"red: transferred back to a queue already visited (ping-pong){share}",
            ha="right",
            va="bottom",
            fontsize=8.5,
            color=PING_PONG_COLOUR,
        )
    ax.set_title(
        (f"{title}\n" if title else "")
        + f"Caller journeys — {format_value('offered', total)} contacts per replication",
        fontsize=11,
    )
    return fig
