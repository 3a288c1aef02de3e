"""Reusable matplotlib figures drawn from result tables (never from the model)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["interval_panel"]


def _band(ax: Axes, x: pd.Series, frame: pd.DataFrame, column: str, scale: float = 1.0) -> None:
    mean = frame[column] * scale
    hw = frame[f"{column}_hw"].fillna(0) * scale
    ax.plot(x, mean, marker="o", markersize=2.5, linewidth=1.2)
    ax.fill_between(x, mean - hw, mean + hw, alpha=0.25, linewidth=0)


def interval_panel(
    intervals: pd.DataFrame,
    title: str,
    threshold_s: float,
    service_level_target: float | None = None,
) -> Figure:
    """Per-interval picture of a day (or days): offered, agents, service level, ASA, abandonment.

    Bands are the 95 % confidence intervals of the replications; the x axis is the
    interval's start (day-prefixed when the calendar spans several days).
    """
    frame = intervals.reset_index(drop=True)
    multi_day = frame["day"].nunique() > 1
    labels = (
        [f"d{d} {s}" for d, s in zip(frame["day"], frame["start"], strict=True)]
        if multi_day
        else list(frame["start"])
    )
    x = pd.Series(range(len(frame)))
    fig, axes = plt.subplots(5, 1, figsize=(11, 12), sharex=True, constrained_layout=True)
    ax_offered, ax_agents, ax_sl, ax_asa, ax_abandon = axes
    _band(ax_offered, x, frame, "offered")
    ax_offered.set_ylabel("offered\n(contacts)")
    ax_agents.step(x, frame["agents"], where="mid", label="present (time-average)")
    ax_agents.step(x, frame["agents_paid"], where="mid", linestyle="--", label="paid")
    ax_agents.set_ylabel("agents")
    ax_agents.legend(loc="upper right", fontsize=8)
    _band(ax_sl, x, frame, "service_level", 100.0)
    if service_level_target is not None:
        ax_sl.axhline(service_level_target * 100, color="tab:red", linestyle="--", label="target")
        ax_sl.legend(loc="lower right", fontsize=8)
    ax_sl.set_ylabel(f"service level\n(% within {threshold_s:g} s)")
    ax_sl.set_ylim(-2, 102)
    _band(ax_asa, x, frame, "asa_s")
    ax_asa.set_ylabel("ASA (s)")
    _band(ax_abandon, x, frame, "abandon_rate", 100.0)
    ax_abandon.set_ylabel("abandoned (%)")
    step = max(1, len(labels) // 16)
    ax_abandon.set_xticks(list(x[::step]))
    ax_abandon.set_xticklabels(labels[::step], rotation=45, ha="right")
    for ax in axes:
        ax.grid(alpha=0.3)
        if "counted" in frame and not frame["counted"].all():
            warm = x[~frame["counted"]]
            ax.axvspan(warm.min() - 0.5, warm.max() + 0.5, color="grey", alpha=0.12)
    fig.suptitle(title)
    return fig
