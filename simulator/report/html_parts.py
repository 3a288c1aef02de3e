"""Building blocks of the HTML report: what an output folder holds, and small HTML helpers.

Shared by :mod:`simulator.report.html` (the page of a run) and
:mod:`simulator.report.html_experiments` (the sections of a comparison or a sweep).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from simulator.report.formatting import kpi_label

MAX_TABLE_ROWS = 500
"""Longest raw table (comparison, sweep) shown in full."""


HEADLINE = ("service_level", "abandon_rate", "asa_s", "occupancy", "offered", "cost")
"""KPIs shown as large cards at the top, in this order, when the run has them."""


DPI = 96
"""Resolution of embedded figures: sharp on screen and in print, small enough to mail."""


@dataclass
class _Folder:
    """What an output folder holds (every part but the path is optional)."""

    path: Path
    summary: dict[str, Any] | None = None
    run: dict[str, Any] = field(default_factory=dict)
    scenario: dict[str, Any] | None = None
    intervals: pd.DataFrame | None = None
    """Per interval, overall: one row per interval, a column per KPI (and ``_hw``)."""
    intervals_by_queue: pd.DataFrame | None = None
    """The same per queue (rows per interval and queue), when the run has several queues."""
    curve: pd.DataFrame | None = None
    """The service level at each threshold (``service_level_curve.csv``)."""
    contacts: pd.DataFrame | None = None
    compare_meta: dict[str, Any] | None = None
    comparison: pd.DataFrame | None = None
    differences: pd.DataFrame | None = None
    sweep_meta: dict[str, Any] | None = None
    sweep: pd.DataFrame | None = None
    pngs: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.summary is not None and self.summary.get("scenario"):
            return str(self.summary["scenario"])
        if self.run.get("scenario"):
            return str(self.run["scenario"])
        if self.compare_meta is not None:
            names = [str(s.get("label", "?")) for s in self.compare_meta.get("scenarios", [])]
            if names:
                return "Comparison: " + " vs ".join(names)
        if self.sweep_meta is not None and self.sweep_meta.get("scenario"):
            return f"Sweep: {self.sweep_meta['scenario']}"
        return self.path.resolve().name

    @property
    def kind(self) -> str:
        if self.summary is not None:
            return "simulation report"
        return "sweep report" if self.sweep is not None else "comparison report"

    def threshold_s(self) -> float:
        if self.summary is None:
            return 20.0
        return float(self.summary.get("service_level", {}).get("threshold_s", 20.0))

    def shown(self) -> set[str]:
        """The KPIs worth showing (features the scenario uses): the summary's ``headline``
        list, or every KPI of an older summary without one.
        """
        if self.summary is None:
            return set()
        headline = self.summary.get("headline")
        return set(headline) if isinstance(headline, list) else set(self.kpis())

    def currency(self) -> str:
        """What money is counted in, as the scenario names it (empty if it does not)."""
        costs = (self.summary or {}).get("costs")
        return str(costs.get("currency") or "") if isinstance(costs, dict) else ""

    def kpis(self) -> dict[str, dict[str, Any]]:
        if self.summary is None:
            return {}
        kpis = self.summary.get("kpis", {})
        return kpis if isinstance(kpis, dict) else {}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _figure_block(png: bytes, alt: str, caption: str) -> str:
    return f"<figure>{_img(png, alt)}<figcaption>{caption}</figcaption></figure>"


def _section(anchor: str, title: str, body: str, intro: str = "") -> str:
    lead = f'<p class="intro">{intro}</p>' if intro else ""
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{lead}{body}</section>'


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _label(name: str) -> str:
    return kpi_label(name)


# --- sections ------------------------------------------------------------------------------


def _raw_table(frame: pd.DataFrame) -> str:
    shown = frame.head(MAX_TABLE_ROWS)
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():
        cells = []
        for c in shown.columns:
            value = row[c]
            number = _number(value) if not isinstance(value, str | bool) else None
            if number is not None:
                text = f"{number:,.4g}" if abs(number) < 1e5 else f"{number:,.0f}"
                cells.append(f'<td class="num">{_e(text)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    more = (
        f"<p class='small'>First {MAX_TABLE_ROWS} of {len(frame)} rows.</p>"
        if len(frame) > MAX_TABLE_ROWS
        else ""
    )
    return (
        f'<table class="raw"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        f"</table>{more}"
    )


def _tidy(frame: pd.DataFrame) -> bool:
    return {"kpi", "mean", "half_width"} <= set(frame.columns)


def _chosen_kpis(names: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(str(n) for n in names))
    headline = [k for k in (*HEADLINE, "ping_pong_rate", "agent_hours") if k in present]
    return headline or present[:6]
