"""What the what-if page shows, drawn from a comparison: cards, charts and tables.

Nothing here computes a KPI: every number is read from the
:class:`~simulator.Comparison` (``summary()`` of each run, ``difference()`` of the
pair) or from the runs' tables, and formatted by :mod:`simulator.report.formatting`.
The HTML snippets carry each figure as data attributes too (``data-kpi``,
``data-value``, ``data-difference``, ...) so a test or a script reading the page gets
the exact numbers, not their rounded text.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.experiment import Comparison, RunResult
from simulator.report.formatting import format_value, is_percent, kpi_label, kpi_unit

__all__ = [
    "CARD_KPIS",
    "CHART_HEIGHT",
    "CHART_WIDTH",
    "Figures",
    "Views",
    "cards_html",
    "changes_html",
    "differences_html",
    "draw_figures",
    "interval_chart",
    "interval_service_levels",
    "prepare_views",
]

CARD_KPIS: tuple[tuple[str, int], ...] = (
    ("service_level", +1),
    ("abandon_rate", -1),
    ("asa_s", -1),
    ("occupancy", 0),
    ("cost", -1),
)
"""The headline cards and which way is better (+1 up, -1 down, 0 neither)."""
TABLE_KPIS = (
    "offered",
    "service_level",
    "abandon_rate",
    "asa_s",
    "mean_wait_s",
    "wait_p90_s",
    "aht_s",
    "occupancy",
    "agent_hours",
    "cost",
    "transfers_per_contact",
    "repeat_explanations_per_contact",
    "ping_pong_rate",
    "fcr",
    "ivr_time_s",
    "ivr_abandon_rate",
    "misroute_rate",
    "callback_offered_rate",
    "callback_success_rate",
    "callback_delay_s",
    "announce_error_s",
    "disappointed_rate",
)
"""KPIs of the full table, in this order, when the scenario uses their feature."""
TABLE_BREAKDOWNS = ("service_level[queue=", "abandon_rate[queue=", "occupancy[group=")
"""Breakdowns listed after them: each queue's service level and abandonment, each group's
occupancy (when there are several queues or groups)."""
GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#455a64"
FIGURE_DPI = 80
"""Resolution of the page's figures: sharp on screen, quick to send."""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _signed(kpi: str, value: float) -> str:
    """A difference as text: signed, shares in percentage points."""
    if math.isnan(value):
        return "–"
    unit = "pp" if is_percent(kpi) else kpi_unit(kpi)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{format_value(kpi, abs(value), unit=False)} {unit}".rstrip()


def _number(value: float) -> str:
    """Full precision for a data attribute (``nan`` when undefined)."""
    return repr(float(value))


def _estimate(result: RunResult, kpi: str) -> tuple[float, float]:
    summary = result.summary()
    if kpi not in summary.index:
        return math.nan, math.nan
    at = summary.index.get_loc(kpi)
    return float(summary["mean"].to_numpy()[at]), float(summary["half_width"].to_numpy()[at])


def _card(comparison: Comparison, kpi: str, better: int, changed: bool) -> str:
    base, _ = _estimate(comparison.results[0], kpi)
    value, half_width = _estimate(comparison.results[1], kpi)
    d = comparison.difference(kpi)
    colour = NEUTRAL
    verdict = "no change"
    if changed:
        if d.significant:
            sign = 1 if d.difference > 0 else -1
            colour = NEUTRAL if better == 0 else GOOD if sign == better else BAD
            verdict = "significant"
        else:
            verdict = "within the noise"
    if changed:
        delta = (
            f'<div class="delta" style="color:{colour}">{_e(_signed(kpi, d.difference))}</div>'
            f'<div class="ci">95 % CI {_e(_signed(kpi, d.low))} to {_e(_signed(kpi, d.high))}'
            f" · {_e(verdict)}</div>"
        )
    else:
        delta = (
            '<div class="delta" style="color:#90a4ae">baseline</div><div class="ci">&nbsp;</div>'
        )
    return (
        f'<div class="wi-card" data-kpi="{_e(kpi)}" data-value="{_number(value)}" '
        f'data-half-width="{_number(half_width)}" data-baseline="{_number(base)}" '
        f'data-difference="{_number(d.difference)}" data-difference-low="{_number(d.low)}" '
        f'data-difference-high="{_number(d.high)}" data-significant="{str(d.significant).lower()}">'
        f'<div class="label">{_e(kpi_label(kpi))}</div>'
        f'<div class="value">{_e(format_value(kpi, value))}</div>'
        f'<div class="hw">± {_e(format_value(kpi, half_width))} · baseline '
        f"{_e(format_value(kpi, base))}</div>{delta}</div>"
    )


def cards_html(comparison: Comparison, changed: bool) -> str:
    """The headline cards: the what-if's value with its 95 % half-width, the baseline, and
    the paired difference with its 95 % interval (green better, red worse, when significant).
    """
    kpis = [(k, b) for k, b in CARD_KPIS if k in comparison.kpis]
    cards = "".join(_card(comparison, k, b, changed) for k, b in kpis)
    return f'<div class="wi-cards">{cards}</div>'


def changes_html(changes: Mapping[str, Any], labels: Sequence[str]) -> str:
    """What differs from the scenario as loaded, as the planner set it and as key paths."""
    if not changes:
        return '<div class="wi-changes">Nothing changed yet: this is the scenario as loaded.</div>'
    items = "".join(f"<li>{_e(label)}</li>" for label in labels)
    paths = ", ".join(f"<code>{_e(p)}</code>" for p in changes)
    return (
        f'<div class="wi-changes"><b>Changed:</b><ul>{items}</ul>'
        f'<div class="paths">key paths: {paths}</div></div>'
    )


def differences_html(comparison: Comparison) -> str:
    """The KPIs the scenario uses, then per queue and per group: baseline, what-if, paired
    difference and its interval (a row in bold when the interval excludes zero).
    """
    shown = set(comparison.results[0].shown()) | set(comparison.results[1].shown())
    names = [k for k in TABLE_KPIS if k in shown]
    names += [
        k for p in TABLE_BREAKDOWNS for k in comparison.kpis if k.startswith(p) and k in shown
    ]
    rows = []
    for kpi in (k for k in names if k in comparison.kpis):
        base, _ = _estimate(comparison.results[0], kpi)
        value, half_width = _estimate(comparison.results[1], kpi)
        if math.isnan(base) and math.isnan(value):
            continue
        d = comparison.difference(kpi)
        mark = ' class="significant"' if d.significant else ""
        rows.append(
            f"<tr{mark}><th>{_e(kpi_label(kpi))}</th><td>{_e(format_value(kpi, base))}</td>"
            f"<td>{_e(format_value(kpi, value))} <small>± "
            f"{_e(format_value(kpi, half_width))}</small></td>"
            f"<td>{_e(_signed(kpi, d.difference))}</td>"
            f"<td>{_e(_signed(kpi, d.low))} to {_e(_signed(kpi, d.high))}</td></tr>"
        )
    return (
        '<table class="wi-table"><thead><tr><th>KPI</th><th>baseline</th><th>what-if</th>'
        "<th>difference</th><th>95 % interval (paired)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# ----------------------------------------------------------------------------- charts


def interval_service_levels(result: RunResult) -> pd.DataFrame:
    """Service level per interval — per queue when the scenario has several — with its 95 %
    half-width, from ``result.intervals()``: columns ``x`` (interval number), ``label``
    (its start), ``queue``, ``mean``, ``half_width``.
    """
    several = len(result.scenario.queues) > 1
    frame = result.intervals(by="queue" if several else None)
    frame = frame[frame["kpi"] == "service_level"].reset_index(drop=True)
    intervals_per_day = result.scenario.calendar.intervals_per_day
    multi_day = result.scenario.calendar.days > 1
    labels = [
        f"d{d} {s:%H:%M}" if multi_day else f"{s:%H:%M}"
        for d, s in zip(frame["day"], frame["start"], strict=True)
    ]
    queues = frame["breakdown"].str.removeprefix("queue=") if several else pd.Series("all calls")
    return pd.DataFrame(
        {
            "x": (frame["day"] * intervals_per_day + frame["interval"]).astype(int),
            "label": labels,
            "queue": queues.to_numpy() if several else "all calls",
            "mean": frame["mean"].astype(float),
            "half_width": frame["half_width"].astype(float).fillna(0.0),
        }
    )


CHART_WIDTH = 940
CHART_HEIGHT = 300
"""The chart's size in pixels: fixed, because a chart that stretches is laid out again at
each new result and can come back squeezed."""
QUEUE_COLOURS = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f")


def interval_chart(
    what_if: pd.DataFrame, baseline: pd.DataFrame, target: float | None, threshold_s: float
) -> Any:
    """A Bokeh figure: the what-if's service level per interval and queue with its 95 %
    band, the baseline dashed, and the target as a red line (the frames are
    :func:`interval_service_levels` of each run).
    """
    from bokeh.models import ColumnDataSource, HoverTool, Range1d
    from bokeh.models.annotations import Span
    from bokeh.plotting import figure

    plot = figure(
        height=CHART_HEIGHT,
        width=CHART_WIDTH,
        y_range=Range1d(start=0, end=102),
        toolbar_location=None,
        title=f"Service level per interval (% answered within {threshold_s:g} s)",
    )
    for i, queue in enumerate(dict.fromkeys(what_if["queue"])):
        colour = QUEUE_COLOURS[i % len(QUEUE_COLOURS)]
        mine = what_if[what_if["queue"] == queue]
        theirs = baseline[baseline["queue"] == queue]
        source = ColumnDataSource(
            {
                "x": mine["x"].to_numpy(),
                "label": mine["label"].to_numpy(),
                "sl": mine["mean"].to_numpy() * 100,
                "low": (mine["mean"] - mine["half_width"]).clip(lower=0).to_numpy() * 100,
                "high": (mine["mean"] + mine["half_width"]).clip(upper=1).to_numpy() * 100,
                "base": theirs["mean"].to_numpy() * 100,
            }
        )
        plot.varea(x="x", y1="low", y2="high", source=source, fill_color=colour, fill_alpha=0.12)
        line = plot.line(
            x="x", y="sl", source=source, color=colour, line_width=2, legend_label=f"{queue}"
        )
        plot.line(
            x="x",
            y="base",
            source=source,
            color=colour,
            line_dash="dashed",
            line_alpha=0.6,
            legend_label=f"{queue}, baseline",
        )
        plot.add_tools(
            HoverTool(
                renderers=[line],
                tooltips=[
                    ("interval", "@label"),
                    ("what-if", "@sl{0.0} %"),
                    ("95 % CI", "@low{0.0} – @high{0.0} %"),
                    ("baseline", "@base{0.0} %"),
                ],
            )
        )
    if target is not None:
        plot.add_layout(
            Span(location=target * 100, dimension="width", line_color=BAD, line_dash="dotted")
        )
    step = max(1, len(what_if["x"].unique()) // 12)
    ticks = what_if.drop_duplicates("x")
    plot.xaxis.ticker = ticks["x"].to_list()[::step]
    plot.xaxis.major_label_overrides = {
        int(x): str(label) for x, label in zip(ticks["x"], ticks["label"], strict=True)
    }
    plot.yaxis.axis_label = "service level (%)"
    legend = plot.legend[0]
    legend.label_text_font_size = "9pt"
    legend.click_policy = "hide"
    plot.add_layout(legend, "right")
    return plot


@dataclass(frozen=True)
class Views:
    """What the page shows of one outcome, made in the worker thread (reading the
    results' tables takes a moment; building the page from these does not).
    """

    cards: str
    changes: str
    table: str
    what_if_levels: pd.DataFrame
    baseline_levels: pd.DataFrame


def prepare_views(
    comparison: Comparison, changed: bool, applied: Any, labels: Sequence[str]
) -> Views:
    """The cards, the list of changes, the full table and the per-interval service levels."""
    return Views(
        cards=cards_html(comparison, changed),
        changes=changes_html(applied.changes if applied is not None else {}, labels),
        table=differences_html(comparison),
        what_if_levels=interval_service_levels(comparison.results[1]),
        baseline_levels=interval_service_levels(comparison.results[0]),
    )


@dataclass(frozen=True)
class Figures:
    """The page's matplotlib figures as PNG bytes (drawn in the worker thread) and the
    request they belong to.
    """

    waits: bytes
    journeys: bytes
    generation: int = 0


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


def draw_figures(result: RunResult, target: float | None, generation: int = 0) -> Figures:
    """The wait distribution and the caller-journey diagram of ``result`` (its own plots)."""
    return Figures(_png(result.plot_waits(target)), _png(result.plot_journeys()), generation)
