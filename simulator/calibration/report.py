"""The fit report ``fit.html``: one self-contained page, figures inline as base64 PNG.

Sections: what was read, the warnings, arrivals (profile with each day's counts, the
day-factor CV and the dispersion test), handle times (family table and Q–Q plots),
patience (Kaplan–Meier curve with the fitted one and the naive estimate stated),
redials, recontacts, transfers, IVR, staffing, and the back-test with its verdict.
The page shell, stylesheet and figure embedding are the run report's.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from simulator.calibration.backtest import KPIS, LABELS
from simulator.calibration.durations import FamilyFit, best, frozen_spec
from simulator.calibration.result import FitResult
from simulator.report.html_assets import SCRIPT, STYLE
from simulator.report.html_parts import _e, _figure_block, _png, _section

__all__ = [
    "arrivals_figure",
    "backtest_figure",
    "patience_figure",
    "qq_figure",
    "render_fit_report",
]

QQ_POINTS = 400
"""Quantiles drawn in a Q–Q plot."""


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def arrivals_figure(result: FitResult) -> Figure:
    """Expected first calls per interval per call type, with each fitted day's counts."""
    labels = result.interval_labels()
    x = np.arange(len(labels))
    fig = _figure(9, 3.2)
    ax = fig.add_subplot()
    for arrivals in result.arrivals:
        ax.plot(x, arrivals.profile, marker="o", markersize=3, label=arrivals.call_type)
        for name, profile in arrivals.by_weekday.items():
            ax.plot(x, profile, linewidth=0.8, alpha=0.6, label=f"{arrivals.call_type} ({name})")
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], labels[::step])
    ax.set_xlabel("interval start")
    ax.set_ylabel("first calls per interval")
    ax.set_title("Expected first calls per interval (mean over the fitted days)")
    ax.legend(fontsize=8, ncols=2)
    ax.grid(alpha=0.3)
    return fig


def qq_figure(title: str, values: np.ndarray, fits: Sequence[FamilyFit]) -> Figure:
    """Observed quantiles against each fitted family's (the chosen family in bold)."""
    values = np.sort(values[~np.isnan(values)])
    p = (np.arange(1, QQ_POINTS + 1) - 0.5) / QQ_POINTS
    observed = np.quantile(values, p)
    fig = _figure(4.2, 3.8)
    ax = fig.add_subplot()
    for i, fitted in enumerate(fits):
        theoretical = frozen_spec(fitted.family, fitted.mean, fitted.cv).ppf(p)
        ax.plot(
            theoretical,
            observed,
            ".",
            markersize=3 if i else 4,
            alpha=1.0 if i == 0 else 0.45,
            label=f"{fitted.family} (AIC {fitted.aic:,.0f})",
        )
    top = float(observed[-1])
    ax.plot([0, top], [0, top], color="grey", linewidth=0.8)
    ax.set_xlabel("fitted quantile (s)")
    ax.set_ylabel("observed quantile (s)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return fig


def patience_figure(result: FitResult, call_type: str) -> Figure:
    """Kaplan–Meier survival of patience with its 95 % band, and the fitted families."""
    patience = result.patience[call_type]
    km = patience.kaplan_meier()
    fig = _figure(5.2, 3.8)
    ax = fig.add_subplot()
    ax.step(km["t"], km["sf"], where="post", color="black", label="Kaplan–Meier")
    ax.fill_between(km["t"], km["low"], km["high"], step="post", color="grey", alpha=0.25)
    t = np.linspace(0, float(km["t"].max()) if len(km) else 1.0, 200)
    for i, fitted in enumerate(patience.fits):
        sf = frozen_spec(fitted.family, fitted.mean, fitted.cv).sf(t)
        ax.plot(
            t,
            sf,
            linewidth=2 if i == 0 else 1,
            alpha=1 if i == 0 else 0.6,
            label=f"{fitted.family}, mean {fitted.mean:,.0f} s",
        )
    if not math.isnan(patience.naive_mean):
        ax.axvline(
            patience.naive_mean,
            color="#c62828",
            linestyle="--",
            linewidth=1,
            label=f"naive mean {patience.naive_mean:,.0f} s",
        )
    ax.set_xlabel("wait (s)")
    ax.set_ylabel("share still willing to wait")
    ax.set_ylim(min(0.0, float(km["low"].min()) if len(km) else 0.0), 1.02)
    ax.set_title(f"Patience: {call_type}", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return fig


def backtest_figure(result: FitResult) -> Figure:
    """Per interval: the held-out log's KPI against the simulated 95 % band."""
    assert result.backtest is not None
    table = result.backtest.table
    fig = _figure(9, 7)
    axes = fig.subplots(len(KPIS), 1, sharex=True)
    labels = result.interval_labels()
    for ax, kpi in zip(axes, KPIS, strict=True):
        rows = table[(table["kpi"] == kpi) & (table["interval"] >= 0)].sort_values("interval")
        scale = 1.0 if kpi == "asa_s" else 100.0
        x = rows["interval"].to_numpy()
        ax.fill_between(
            x, rows["low"] * scale, rows["high"] * scale, alpha=0.25, label="simulated 95 % band"
        )
        ax.plot(x, rows["sim_mean"] * scale, linewidth=1, label="simulated mean")
        inside = rows["inside"].to_numpy()
        ax.plot(
            x[inside],
            rows["log"].to_numpy()[inside] * scale,
            "o",
            color="black",
            markersize=4,
            label="held-out log",
        )
        ax.plot(
            x[~inside],
            rows["log"].to_numpy()[~inside] * scale,
            "x",
            color="#c62828",
            markersize=7,
            label="outside the band",
        )
        ax.set_ylabel(f"{LABELS[kpi]} ({'s' if kpi == 'asa_s' else '%'})")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, ncols=4)
    step = max(1, len(labels) // 12)
    axes[-1].set_xticks(np.arange(len(labels))[::step], labels[::step])
    axes[-1].set_xlabel("interval start")
    return fig


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def _fit_table(fits: Sequence[FamilyFit], censored: bool) -> str:
    head = "<tr><th>family</th><th>mean (s)</th><th>± SE</th><th>CV</th><th>± SE</th>"
    head += "<th>AIC</th><th>ΔAIC</th><th>KS distance</th>"
    head += "" if censored else "<th>KS p</th>"
    head += "</tr>"
    rows = []
    low = fits[0].aic if fits else 0.0
    for i, f in enumerate(fits):
        strong = ' style="font-weight:600"' if i == 0 else ""
        cells = [
            f.family + (" (chosen)" if i == 0 else ""),
            _fmt(f.mean, 4),
            _fmt(f.mean_se, 2),
            _fmt(f.cv, 3),
            _fmt(f.cv_se, 2) if f.family != "exponential" else "fixed",
            f"{f.aic:,.1f}",
            f"{f.aic - low:,.1f}",
            f"{f.ks:.4f}",
        ]
        if not censored:
            cells.append(_fmt(f.ks_p, 2))
        rows.append(f"<tr{strong}>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def _overview(result: FitResult) -> str:
    data = result.to_json()
    counts = data["contacts"]
    first = result.first_date
    span = [
        (first + datetime.timedelta(days=d)).isoformat()
        for d in (min(result.fit_days), max(result.fit_days))
    ]
    facts = [
        ("Log", result.source),
        ("Fitted days", f"{len(result.fit_days)} ({span[0]} to {span[1]})"),
        ("Held out", f"{len(result.holdout_days)} days" if result.holdout_days else "none"),
        (
            "Opening hours",
            f"{data['calendar']['open']}–{data['calendar']['close']}, "
            f"{result.interval_minutes}-minute intervals",
        ),
        (
            "Contacts",
            f"{counts['total']:,} ({counts['first']:,} first calls, "
            f"{counts['redial']:,} redials, {counts['recontact']:,} recontacts)",
        ),
        ("Staffing", result.staffing_source),
    ]
    body = (
        "<dl class='facts'>"
        + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts)
        + "</dl>"
    )
    if result.warnings:
        body += "<h3>Warnings</h3>" + _list(result.warnings)
    return body


def _arrivals(result: FitResult) -> str:
    rows = []
    for a in result.arrivals:
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{_e(c)}</td>"
                for c in (
                    a.call_type,
                    f"{a.daily_totals.mean():,.1f}",
                    f"{a.day_cv:.3f}",
                    _fmt(a.dispersion, 4),
                    str(a.dispersion_df),
                    _fmt(a.dispersion_p, 3),
                    a.reading(),
                )
            )
            + "</tr>"
        )
    table = (
        "<table><thead><tr><th>call type</th><th>first calls / day</th><th>day factor CV</th>"
        "<th>dispersion D</th><th>df</th><th>p</th><th>reading</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    figure = _figure_block(
        _png(arrivals_figure(result)),
        "arrivals profile",
        "First calls only: redials and recontacts are generated by the scenario's callers.",
    )
    return table + figure


def _durations(result: FitResult) -> str:
    parts = []
    for name, fits in result.handle.items():
        parts.append(f"<h3>Handle time: {_e(name)}</h3>" + _fit_table(fits, censored=False))
    figures = []
    for name, fits in result.handle.items():
        values = result_values(result, name)
        if len(values):
            figures.append(
                _figure_block(
                    _png(qq_figure(f"Handle time Q–Q: {name}", values, fits)),
                    f"Q-Q plot {name}",
                    f"Q–Q plot, {_e(name)}",
                )
            )
    parts.append("<div class='grid2'>" + "".join(figures) + "</div>")
    for name, fits in result.wrap.items():
        parts.append(f"<h3>Wrap-up: {_e(name)}</h3>" + _fit_table(fits, censored=False))
    for name, fits in result.handle_by_group.items():
        factor = result.handle_factor.get(name)
        note = f" — handle_time_factor {factor:.3f}" if factor is not None else ""
        parts.append(
            f"<h3>Handle time, group {_e(name)}{_e(note)}</h3>" + _fit_table(fits, censored=False)
        )
    return "".join(parts)


def result_values(result: FitResult, call_type: str) -> np.ndarray:
    """The talk times the handle-time fit of ``call_type`` used."""
    values = result.talk_times.get(call_type)
    return np.asarray(values if values is not None else [], dtype=float)


def _patience(result: FitResult) -> str:
    parts = []
    for name, patience in result.patience.items():
        chosen = best(patience.fits)
        naive = patience.naive_mean
        if chosen is not None:
            lead = (
                f"{int(patience.abandoned.sum()):,} of {len(patience.waits):,} callers who "
                f"queued abandoned ({100 * patience.abandon_share:.1f} %). Censored maximum "
                f"likelihood chooses <b>{_e(chosen.family)}</b> with mean patience "
                f"<b>{chosen.mean:,.0f} s</b> (± {1.96 * chosen.mean_se:,.0f} s, 95 %). "
                f"The naive mean of the abandoners' waits would have said "
                f"<b>{_fmt(naive, 4)} s</b>: it ignores the answered callers, who would have "
                "waited longer."
            )
        else:
            lead = "Too few abandons to fit patience; the scenario keeps callers waiting."
        parts.append(f"<h3>{_e(name)}</h3><p>{lead}</p>")
        if patience.fits:
            parts.append(_fit_table(patience.fits, censored=True))
            parts.append(
                _figure_block(
                    _png(patience_figure(result, name)),
                    f"patience {name}",
                    "Kaplan–Meier estimate (grey: 95 % band) with the fitted "
                    "families; dashed: the naive mean of abandoners' waits.",
                )
            )
    return "".join(parts)


def _journeys(result: FitResult) -> str:
    parts = []
    for fit in (result.redial, result.recontact):
        if fit is None:
            continue
        delay = best(fit.delay_fits)
        text = (
            f"{fit.followed:,} of {fit.eligible:,} eligible contacts were followed by a "
            f"{fit.kind} within {fit.window_s / 60:,.0f} min"
            if fit.kind == "redial"
            else f"{fit.followed:,} of {fit.eligible:,} answered contacts were followed by a "
            f"recontact within {fit.window_s / 86400:,.1f} days"
        )
        if fit.eligible:
            text += f" ({100 * fit.probability:.1f} % ± {196 * fit.probability_se:.1f} %)"
        if delay is not None:
            text += f"; delay {delay.family}, mean {delay.mean:,.0f} s, CV {delay.cv:.2f}"
        parts.append(f"<p><b>{fit.kind.capitalize()}s</b>: {_e(text)}.</p>")
    if result.redial is None:
        parts.append(
            "<p>No <code>customer_id</code>: redials and recontacts cannot be told "
            "from first calls; every contact counts as a first call.</p>"
        )
    if result.transfers is not None and result.transfers.counts:
        rows = []
        for source, row in result.transfers.matrix().items():
            for target, share in row.items():
                rows.append(
                    f"<tr><td>{_e(source)}</td><td>{_e(target)}</td><td>"
                    f"{result.transfers.counts[source][target]:,}</td><td>{100 * share:.1f} %"
                    "</td></tr>"
                )
        parts.append(
            "<h3>Transfers (share of legs answered in the queue)</h3><table><thead><tr>"
            "<th>from</th><th>to</th><th>legs</th><th>share</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    if result.ivr is not None:
        ivr = result.ivr.as_dict()
        chosen = best(result.ivr.patience_fits)
        parts.append(
            f"<h3>IVR</h3><p>{ivr['contacts']:,} contacts went through the IVR; "
            f"{100 * ivr['ivr_abandon_rate']:.1f} % hung up there, "
            f"{100 * ivr['self_service_rate']:.1f} % were served by it; mean time of those "
            f"who passed {_fmt(ivr['mean_time_s'], 4)} s"
            + (f"; IVR patience {chosen.family}, mean {chosen.mean:,.0f} s" if chosen else "")
            + ".</p>"
        )
    return "".join(parts) or "<p>Nothing to show.</p>"


def _staffing(result: FitResult) -> str:
    labels = result.interval_labels()
    head = "<tr><th>group</th><th>skills</th>" + "".join(f"<th>{_e(x)}</th>" for x in labels)
    rows = []
    for group, staff in result.staffing.items():
        skills = ", ".join(result.skills.get(group, []))
        rows.append(
            f"<tr><td>{_e(group)}</td><td>{_e(skills)}</td>"
            + "".join(f"<td class='num'>{n}</td>" for n in staff)
            + "</tr>"
        )
    note = (
        "<p>From the staffing file.</p>"
        if result.staffing_source == "file"
        else "<p><b>Lower bound</b>: the most agents seen busy at once in each interval. "
        "Give <code>--staffing</code> for the agents actually staffed.</p>"
    )
    return (
        note
        + f"<div style='overflow-x:auto'><table><thead>{head}</thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _backtest(result: FitResult) -> str:
    backtest = result.backtest
    if backtest is None:
        return "<p>No days were held out (<code>--holdout-days N</code> runs a back-test).</p>"
    colour = "var(--good)" if backtest.passed else "var(--bad)"
    verdict = f"<p style='font-size:16px;color:{colour}'><b>{_e(backtest.verdict())}</b></p>"
    rows = []
    for _, row in backtest.overall.iterrows():
        kpi = str(row["kpi"])
        scale, unit = (1.0, " s") if kpi == "asa_s" else (100.0, " %")
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{_e(c)}</td>"
                for c in (
                    LABELS[kpi],
                    f"{row['log'] * scale:.2f}{unit}",
                    f"{row['sim_mean'] * scale:.2f}{unit}",
                    f"{row['low'] * scale:.2f} – {row['high'] * scale:.2f}{unit}",
                    "yes" if row["inside"] else "NO",
                )
            )
            + "</tr>"
        )
    table = (
        "<table><thead><tr><th>KPI (held-out days)</th><th>log</th><th>simulated mean</th>"
        "<th>95 % band</th><th>inside</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    figure = _figure_block(
        _png(backtest_figure(result)),
        "back-test per interval",
        f"{backtest.replications} simulated replications of the {backtest.days} held-out "
        "day(s); band: where 95 % of such periods fall (a prediction interval).",
    )
    return verdict + table + figure


def render_fit_report(result: FitResult) -> str:
    """The whole ``fit.html`` page as a string."""
    from simulator import __version__

    sections = [
        f"<header><p class='kicker'>ccsim fit report</p><h1>{_e(result.source)}</h1></header>",
        _section("overview", "What was read", _overview(result)),
        _section("backtest", "Back-test on held-out days", _backtest(result)),
        _section(
            "arrivals",
            "Arrivals",
            _arrivals(result),
            "Expected first calls per interval; the day factor's CV by the method of "
            "moments on daily totals, with the index-of-dispersion test against Poisson.",
        ),
        _section(
            "handle",
            "Handle and wrap-up times",
            _durations(result),
            "Maximum likelihood per family, chosen by AIC; KS p-values are approximate "
            "(parameters estimated from the same data).",
        ),
        _section(
            "patience",
            "Patience",
            _patience(result),
            "From censored waits: an answered caller's wait is a lower bound on their patience.",
        ),
        _section("journeys", "Redials, recontacts, transfers, IVR", _journeys(result)),
        _section("staffing", "Staffing", _staffing(result)),
    ]
    footer = (
        f"<footer>Written by ccsim {_e(__version__)} <code>fit</code>. The fitted scenario is "
        "scenario.yaml beside this file; every number here is in fit.json.</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(result.source)} — ccsim fit report</title><style>{STYLE}"
        ".grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px}"
        f"</style></head><body><main>{''.join(sections)}{footer}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
