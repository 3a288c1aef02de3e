"""Figures of experiments: paired differences of a comparison, KPI curves of a sweep.

Both draw from the tables the experiment API returns — ``Comparison.differences()``
and ``SweepResult.summary()`` — never from the model, and return a
:class:`matplotlib.figure.Figure` built without ``pyplot`` (nothing to close).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.report.figures import sweep_curve
from simulator.report.formatting import is_percent, kpi_label, kpi_unit, percent_scale

__all__ = ["DEFAULT_KPIS", "difference_plot", "sweep_plot"]

DEFAULT_KPIS = (
    "service_level",
    "abandon_rate",
    "asa_s",
    "occupancy",
    "agent_hours",
    "cost",
)
"""KPIs drawn when none are named: what callers feel and what the business pays."""

SIGNIFICANT = "#c62828"
NOT_SIGNIFICANT = "#546e7a"


def _chosen(available: Sequence[str], kpis: Sequence[str] | None) -> list[str]:
    if kpis is None:
        return [k for k in DEFAULT_KPIS if k in available] or list(available)[:6]
    missing = [k for k in kpis if k not in available]
    if missing:
        raise ValueError(f"no such KPI in the table: {', '.join(missing)}")
    return list(kpis)


def difference_plot(
    differences: pd.DataFrame,
    kpis: Sequence[str] | None = None,
    baseline: str | None = None,
    title: str | None = None,
) -> Figure:
    """Each scenario's paired difference against the baseline, with its 95 % CI.

    ``differences`` is ``Comparison.differences()`` (columns ``kpi``, ``scenario``,
    ``difference``, ``difference_low``, ``difference_high``, ``significant``). One
    panel per KPI (rates in percentage points); a red interval excludes zero.
    """
    needed = ("kpi", "scenario", "difference", "difference_low", "difference_high", "significant")
    missing = [c for c in needed if c not in differences.columns]
    if missing:
        raise ValueError(f"difference_plot needs the columns {', '.join(missing)}")
    names = _chosen(list(dict.fromkeys(differences["kpi"])), kpis)
    scenarios = list(dict.fromkeys(differences["scenario"]))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(
        figsize=(4.4 * cols, (1.1 + 0.45 * len(scenarios)) * rows + 0.6), layout="constrained"
    )
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    y = np.arange(len(scenarios))
    for ax, kpi in zip(axes, names, strict=False):
        frame = differences[differences["kpi"] == kpi].set_index("scenario").reindex(scenarios)
        scale = percent_scale(kpi)
        mid = frame["difference"].to_numpy(dtype=float) * scale
        low = frame["difference_low"].to_numpy(dtype=float) * scale
        high = frame["difference_high"].to_numpy(dtype=float) * scale
        significant = frame["significant"].fillna(False).to_numpy(dtype=bool)
        ax.axvline(0.0, color="black", linewidth=0.8)
        for i in range(len(scenarios)):
            colour = SIGNIFICANT if significant[i] else NOT_SIGNIFICANT
            ax.plot([low[i], high[i]], [y[i], y[i]], color=colour, linewidth=2.2)
            ax.plot(
                mid[i],
                y[i],
                "o",
                color=colour,
                markerfacecolor=colour if significant[i] else "white",
            )
        ax.set_yticks(y)
        ax.set_yticklabels(scenarios, fontsize=9)
        ax.set_ylim(len(scenarios) - 0.5, -0.5)
        unit = "percentage points" if is_percent(kpi) else kpi_unit(kpi)
        ax.set_title(kpi_label(kpi), fontsize=10)
        ax.set_xlabel(f"difference{f' ({unit})' if unit else ''}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    against = f" − {baseline}" if baseline else " − baseline"
    fig.suptitle(
        title or f"Paired differences (scenario{against}), 95 % CI; red: excludes zero",
        fontsize=11,
    )
    return fig


def sweep_plot(
    summary: pd.DataFrame,
    x: str,
    kpi: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """A KPI (or several) against a swept key, one line per value of the other keys.

    ``summary`` is ``SweepResult.summary()``; ``by`` defaults to every other swept
    key. Bands are the 95 % intervals of each point.
    """
    if x not in summary.columns:
        raise ValueError(f"{x!r} is not a swept key of this table")
    frame = summary.drop(columns=["point"], errors="ignore")
    if by is None:
        stats = {"kpi", "mean", "half_width", "low", "high", "clipped", "replications"}
        by = [c for c in frame.columns if c != x and c not in stats]
    return sweep_curve(frame, x=x, kpi=kpi, by=by or None, title=title)
