"""The HTML report: one self-contained file a planner can open, print or forward.

:func:`write_report` reads an output folder written by ``ccsim run`` — ``summary.json``,
``intervals.csv``, ``contacts.parquet`` (or ``.csv``), ``run.json``, ``scenario.yaml``
and the PNG figures — and writes ``report.html`` beside them. Nothing is re-run:
figures are drawn from the tables in the folder (or taken from its PNGs) and
embedded as base64 PNG, so the file needs no network and no other file. Every
input except the summary is optional. A folder written by ``ccsim compare``
(``comparison.json``, ``comparison.csv``, ``differences.csv``, ``differences.png``) gets
a comparison section, one written by ``ccsim sweep`` (``sweep.json``, ``summary.parquet``
or ``summary.csv``, its plots) a sweep section; neither needs a run summary of its own.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.experiment.result import wide_intervals
from simulator.metrics.registry import SECTIONS, kpi_info
from simulator.outputfiles import write_text
from simulator.report.figures import (
    interval_panel,
    journey_diagram,
    wait_distribution,
)
from simulator.report.formatting import format_half_width, format_interval, format_value
from simulator.report.html_assets import SCRIPT, STYLE
from simulator.report.html_experiments import (
    _comparison_section,
    _experiment_facts,
    _sweep_section,
)
from simulator.report.html_parts import (
    HEADLINE,
    _e,
    _figure_block,
    _Folder,
    _label,
    _number,
    _png,
    _section,
)

__all__ = ["REPORT_NAME", "ReportError", "render_report", "write_report"]

REPORT_NAME = "report.html"
INTERVAL_COLUMNS = (
    "offered",
    "agents_present",
    "agents_paid",
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "mean_queue_length",
)


class ReportError(ValueError):
    """The folder cannot be reported on (missing, or not written by ccsim)."""


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return data


def _read_table(folder: Path, stem: str, notes: list[str]) -> pd.DataFrame | None:
    for suffix in (".parquet", ".csv"):
        path = folder / f"{stem}{suffix}"
        if not path.exists():
            continue
        try:
            return pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
        except (OSError, ValueError, ImportError) as error:
            notes.append(f"{path.name} could not be read ({error}); left out.")
            return None
    return None


def _load_folder(folder: Path) -> _Folder:
    if not folder.exists():
        raise ReportError(f"output folder {folder} does not exist")
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder")
    data = _Folder(folder)
    data.summary = _read_json(folder / "summary.json")
    if data.summary is not None and not isinstance(data.summary.get("kpis"), dict):
        raise ReportError(
            f"{folder / 'summary.json'} was not written by ccsim run (it has no 'kpis'); "
            "nothing to report"
        )
    data.run = _read_json(folder / "run.json") or {}
    scenario_file = folder / "scenario.yaml"
    if scenario_file.exists():
        try:
            loaded = yaml.safe_load(scenario_file.read_text())
            data.scenario = loaded if isinstance(loaded, dict) else None
        except (OSError, yaml.YAMLError):
            data.notes.append("scenario.yaml could not be read; the scenario section is short.")
    long = _read_table(folder, "intervals", data.notes)
    if long is not None and {"kpi", "mean", "half_width", "breakdown"} <= set(long):
        data.intervals = wide_intervals(long)
        by_queue = wide_intervals(long, "queue")
        data.intervals_by_queue = by_queue if len(by_queue) else None
    elif long is not None:
        data.notes.append("intervals.csv is not a ccsim interval table; left out.")
    data.curve = _read_table(folder, "service_level_curve", data.notes)
    data.contacts = _read_table(folder, "contacts", data.notes)
    data.compare_meta = _read_json(folder / "comparison.json")
    data.comparison = _read_table(folder, "comparison", data.notes)
    data.differences = _read_table(folder, "differences", data.notes)
    data.sweep_meta = _read_json(folder / "sweep.json")
    if data.sweep_meta is not None:
        data.sweep = _read_table(folder, "summary", data.notes)
        if data.sweep is None:
            data.notes.append("The sweep is not complete yet: it has no summary table.")
    data.pngs = {p.stem: p for p in sorted(folder.glob("*.png"))}
    if data.summary is None and data.comparison is None and data.sweep is None:
        raise ReportError(
            f"{folder} holds no summary.json, comparison or sweep: "
            "not an output folder of ccsim run, compare or sweep"
        )
    return data


# --- small HTML helpers ------------------------------------------------------------------


def _when(path: Path) -> str:
    stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    return stamp.strftime("%Y-%m-%d %H:%M %Z").strip()


def _sl_definition(data: _Folder) -> str:
    summary = data.summary or {}
    sl = summary.get("service_level", {})
    threshold = _number(sl.get("threshold_s"))
    definition = data.kpis().get("service_level", {}).get("definition")
    text = str(definition) if definition else f"definition '{sl.get('definition', '?')}'"
    text = text.replace("the threshold", f"{threshold:g} s" if threshold is not None else "?")
    if sl.get("definition") == "exclude_short_abandons":
        text += f" (short: under {sl.get('short_abandon_s')} s)"
    return text


def _title_block(data: _Folder) -> str:
    summary = data.summary or {}
    facts: list[tuple[str, str]] = []
    if data.summary is not None:
        facts.append(("Simulated", _when(data.path / "summary.json")))
        facts.append(("Replications", str(summary.get("replications", "?"))))
        facts.append(("Seed", str(summary.get("seed", "?"))))
        facts.append(("Service level", _sl_definition(data)))
    calendar = (data.scenario or {}).get("calendar")
    if isinstance(calendar, dict):
        days = calendar.get("days", 1)
        facts.append(
            (
                "Calendar",
                f"{days} day{'s' if days != 1 else ''}, {calendar.get('open', '?')}–"
                f"{calendar.get('close', '?')}, {calendar.get('interval_minutes', '?')}-minute "
                f"intervals, at close: {calendar.get('at_close', 'finish')}",
            )
        )
    warmup = (data.scenario or {}).get("warmup_minutes")
    if warmup is not None and float(warmup) == 0:
        facts.append(("Warm-up", "none: every contact from the opening is counted"))
    elif summary.get("warmup"):
        facts.append(("Warm-up", str(summary["warmup"])))
    if data.run.get("fingerprint"):
        facts.append(("Scenario fingerprint", f"<code>{_e(data.run['fingerprint'])}</code>"))
    facts += _experiment_facts(data)
    rows = "".join(
        f"<div><dt>{_e(k)}</dt><dd>{v if k == 'Scenario fingerprint' else _e(v)}</dd></div>"
        for k, v in facts
    )
    return (
        f'<header><p class="kicker">ccsim {data.kind}</p><h1>{_e(data.title)}</h1>'
        f'<dl class="facts">{rows}</dl></header>'
    )


def _cards(data: _Folder) -> str:
    kpis = data.kpis()
    shown = data.shown()
    currency = data.currency()
    cards = []
    for name in HEADLINE:
        if name not in kpis or name not in shown:
            continue  # e.g. no cost card when the scenario sets no costs
        k = kpis[name]
        hw_text = format_half_width(name, _number(k.get("half_width")), currency)
        value = format_value(name, _number(k.get("mean")), currency=currency)
        cards.append(
            f'<div class="card" data-kpi="{_e(name)}"><div class="card-label">{_e(_label(name))}'
            f'</div><div class="card-value">{_e(value)}'
            f'</div><div class="card-ci">{_e(hw_text)}'
            f" <span>95 % CI</span></div></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>' if cards else ""


def _in_brief(data: _Folder, service_level_target: float | None) -> str:
    """A few sentences a manager can read without the tables."""
    kpis = data.kpis()

    def value(name: str) -> float | None:
        return _number(kpis.get(name, {}).get("mean"))

    offered, sl, abandon = value("offered"), value("service_level"), value("abandon_rate")
    if offered is None or sl is None:
        return ""
    days = (data.scenario or {}).get("calendar", {}).get("days", 1)
    per = "per replication" if days != 1 else "a day"
    sentences = [
        f"Of {format_value('offered', offered)} contacts offered {per}, "
        f"{format_value('service_level', sl)} were answered within {data.threshold_s():g} s"
        + (
            f" and {format_value('abandon_rate', abandon)} abandoned."
            if abandon is not None
            else "."
        )
    ]
    occupancy, asa = value("occupancy"), value("asa_s")
    if occupancy is not None and asa is not None:
        sentences.append(
            f"Answered callers waited {format_value('asa_s', asa)} on average; agents were busy "
            f"{format_value('occupancy', occupancy)} of the time they were present."
        )
    transfers, ping_pong = value("transfers_per_contact"), value("ping_pong_rate")
    repeats = value("repeat_explanations_per_contact")
    if transfers and ping_pong is not None and repeats is not None:
        sentences.append(
            f"Callers who reached an agent were transferred {transfers:.2f} times on average, "
            f"{format_value('ping_pong_rate', ping_pong)} were sent back to a queue they had "
            f"already been in, and they told their story again {repeats:.2f} times per contact."
        )
    frame = data.intervals
    if frame is not None and {"service_level", "start"} <= set(frame):
        counted = frame[frame["counted"].astype(bool)] if "counted" in frame else frame
        counted = counted[counted["service_level"].notna()]
        if len(counted) > 1:
            worst = counted.iloc[int(counted["service_level"].to_numpy().argmin())]
            when = (
                f"day {worst['day']} {worst['start']}"
                if "day" in frame and frame["day"].nunique() > 1
                else str(worst["start"])
            )
            text = (
                f"The weakest interval was {when}, at "
                f"{format_value('service_level', _number(worst['service_level']))}"
            )
            if service_level_target is not None:
                below = int((counted["service_level"] < service_level_target).sum())
                text += (
                    f"; {below} of {len(counted)} intervals fell short of the "
                    f"{service_level_target:.0%} target"
                )
            sentences.append(text + ".")
    return f'<p class="brief">{_e(" ".join(sentences))}</p>'


def _kpi_group(name: str) -> str:
    info = kpi_info(name)
    return info.section if info is not None else "Other"


def _kpi_table(data: _Folder) -> str:
    kpis = data.kpis()
    if not kpis:
        return ""
    sections: dict[str, list[str]] = {g: [] for g in SECTIONS}
    sections["Other"] = []
    undefined = []
    shown = data.shown()
    currency = data.currency()
    clipped = False
    for name, k in kpis.items():
        if name not in shown:
            continue
        mean, hw = _number(k.get("mean")), _number(k.get("half_width"))
        low, high = _number(k.get("low")), _number(k.get("high"))
        if mean is None:
            undefined.append(name)
            continue
        ci = format_interval(name, low, high, currency) if hw is not None else "–"
        if k.get("clipped"):
            ci += "*"
            clipped = True
        sections[_kpi_group(name)].append(
            f'<tr data-kpi="{_e(name)}"><th scope="row">{_e(_label(name))}'
            f"<code>{_e(name)}</code></th>"
            f'<td class="num">{_e(format_value(name, mean, currency=currency))}</td>'
            f'<td class="num hw">{_e(format_half_width(name, hw, currency))}</td>'
            f'<td class="num ci">{_e(ci)}</td>'
            f'<td class="def">{_e(k.get("definition", ""))}</td></tr>'
        )
    body = "".join(
        f'<tbody><tr class="group"><th colspan="5">{_e(group)}</th></tr>{"".join(rows)}</tbody>'
        for group, rows in sections.items()
        if rows
    )
    summary = data.summary or {}
    note = (
        f"Means over {summary.get('replications', '?')} replications with 95 % confidence "
        f"intervals. Rates: {summary.get('rate_estimator', 'call-weighted')}. "
        f"Occupancy window: {summary.get('occupancy_window', 'opening hours')}."
    )
    if clipped:
        note += " * A bound cut at the KPI's range (a share within 0–100 %, no negative values)."
    note += (
        " KPIs of features this scenario does not use are left out (summary.json has every"
        " KPI and every breakdown)."
    )
    if undefined:
        note += (
            f" Left out as undefined for this scenario: {', '.join(undefined)} "
            "(summary.json has every definition)."
        )
    return _section(
        "kpis",
        "Key figures",
        '<table class="kpis"><thead><tr><th>KPI</th><th>mean</th><th>± 95 %</th>'
        f"<th>95 % interval</th><th>definition</th></tr></thead>{body}</table>",
        _e(note),
    )


def _scenario_section(data: _Folder) -> str:
    sc = data.scenario
    if sc is None:
        return ""
    parts: list[str] = []
    call_types = sc.get("call_types") or []
    if call_types:
        rows = []
        for ct in call_types:
            volume = ct.get("volume") or {}
            if "rate_per_hour" in volume:
                vol = f"{volume['rate_per_hour']:g} per hour"
            elif "profile_per_interval" in volume:
                profile = [float(v) for v in volume["profile_per_interval"]]
                vol = f"{sum(profile):,.0f} per day (profile, peak {max(profile):g} per interval)"
            elif "csv" in volume:
                vol = f"from {volume['csv']}"
            else:
                vol = "–"
            rows.append(
                f"<tr><td>{_e(ct.get('name', '?'))}</td><td>{_e(ct.get('target', '?'))}</td>"
                f"<td>{_e(vol)}</td><td>{_e(_dist(ct.get('handle_time')))}</td>"
                f"<td>{_e(_dist(ct.get('patience')))}</td></tr>"
            )
        parts.append(
            "<h3>Demand</h3><table><thead><tr><th>call type</th><th>queue</th><th>volume</th>"
            "<th>handle time (s)</th><th>patience (s)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    groups = sc.get("agent_groups") or []
    if groups:
        rows = []
        for g in groups:
            skills = ", ".join(
                f"{q} ({p})"
                for q, p in sorted((g.get("skills") or {}).items(), key=lambda kv: kv[1])
            )
            rows.append(
                f"<tr><td>{_e(g.get('name', '?'))}</td><td>{_e(skills)}</td>"
                f"<td>{_e(_staffing(g))}</td>"
                f"<td class='num'>{float(g.get('shrinkage') or 0):.0%}</td></tr>"
            )
        parts.append(
            "<h3>Supply</h3><table><thead><tr><th>agent group</th><th>skills (priority)</th>"
            "<th>staffing</th><th>shrinkage</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    extras = []
    if sc.get("lines"):
        extras.append(f"{sc['lines']} trunk lines")
    routing = sc.get("routing") or {}
    if routing.get("policy"):
        extras.append(f"routing: {routing['policy']}")
    for rule in routing.get("overflow") or []:
        extras.append(
            f"overflow {rule.get('from')} → {rule.get('to')} after {rule.get('after_s')} s"
        )
    redial = (sc.get("callers") or {}).get("redial")
    if isinstance(redial, dict) and redial.get("probability"):
        extras.append(f"{float(redial['probability']):.0%} of callers who hang up redial")
    if extras:
        parts.append(f'<p class="small">{_e("; ".join(extras))}.</p>')
    features = _feature_settings(sc)
    if features:
        items = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in features)
        parts.append(f"<h3>Caller journeys</h3><ul class='small'>{items}</ul>")
    return _section("scenario", "Scenario", "".join(parts)) if parts else ""


def _feature_settings(sc: dict[str, Any]) -> list[tuple[str, str]]:
    """The IVR, callback, voicemail, announcement and cost settings, one line each."""
    out: list[tuple[str, str]] = []
    ivr = sc.get("ivr")
    if isinstance(ivr, dict):
        menu = ivr.get("menu") or {}
        options = ", ".join((menu.get("options") or {}).keys())
        text = (
            f"greeting {float(ivr.get('greeting_s') or 0):g} s, "
            f"{float(ivr.get('seconds_per_option') or 0):g} s per option heard, "
            f"{float(ivr.get('misroute_per_option') or 0):.1%} misroute chance per option"
        )
        if options:
            text += f"; top menu: {options}"
        zero = ivr.get("zero_out")
        if isinstance(zero, dict) and zero.get("allowed", True):
            text += f"; 0 for a person goes to {zero.get('queue')}"
        text += f"; patience in the IVR: {_dist(ivr.get('patience'))}"
        out.append(("IVR", text))
    callback = sc.get("callback")
    if isinstance(callback, dict):
        out.append(
            (
                "Callbacks",
                f"offered when the expected wait exceeds "
                f"{float(callback.get('offer_when_expected_wait_s') or 0):g} s, accepted by "
                f"{float(callback.get('accept_probability') or 0):.0%}, mode "
                f"{callback.get('mode', 'virtual_hold')}, up to "
                f"{callback.get('max_attempts', 3)} attempts, calling hours "
                f"{'–'.join(callback.get('calling_hours_local') or [])} "
                f"({callback.get('clock', 'caller_local')} clock); counted in the service "
                f"level: {callback.get('counts_in_service_level', 'answered_when_connected')}",
            )
        )
    voicemail = sc.get("voicemail")
    if isinstance(voicemail, dict):
        over = voicemail.get("when_expected_wait_s_over")
        out.append(
            (
                "Voicemail",
                (f"offered when the expected wait exceeds {float(over):g} s" if over else "on")
                + f", up to {voicemail.get('max_attempts', 3)} return attempts, calling hours "
                f"{'–'.join(voicemail.get('calling_hours_local') or [])}",
            )
        )
    announcement = sc.get("announcement")
    if isinstance(announcement, dict) and announcement.get("mode", "none") != "none":
        # The mode's own parameters, as the scenario states them (each mode has its own).
        parameters = ", ".join(
            f"{key} {value:g}" if isinstance(value, int | float) else f"{key} {value}"
            for key, value in announcement.items()
            if key != "mode"
        )
        out.append(
            (
                "Delay announcement",
                f"{announcement.get('mode')} ({parameters})"
                if parameters
                else announcement["mode"],
            )
        )
    costs = sc.get("costs")
    if isinstance(costs, dict) and any(
        costs.get(k) for k in ("agent_hour", "telephony_minute", "supervisor_hour")
    ):
        currency = str(costs.get("currency") or "")
        unit = f" {currency}" if currency else ""
        out.append(
            (
                "Costs",
                f"{float(costs.get('agent_hour') or 0):g}{unit} per agent hour, "
                f"{float(costs.get('telephony_minute') or 0):g}{unit} per line minute",
            )
        )
    return out


def _dist(spec: Any) -> str:
    if not isinstance(spec, dict):
        return "–"
    kind = spec.get("dist", "?")
    if kind == "none":
        return "never abandons"
    if "mean" in spec:
        cv = f", CV {spec['cv']:g}" if "cv" in spec else ""
        return f"{kind}, mean {spec['mean']:g}{cv}"
    if "value" in spec:
        return f"{kind} {spec['value']:g}"
    return str(kind)


def _staffing(group: dict[str, Any]) -> str:
    if group.get("staffing") is not None:
        return f"{group['staffing']} agents all day"
    if group.get("shifts"):
        return "; ".join(
            f"{s.get('count')} × {s.get('start')}–{s.get('end')}" for s in group["shifts"]
        )
    if group.get("per_interval"):
        values = [float(v) for v in group["per_interval"]]
        return f"per interval, {min(values):g}–{max(values):g} agents"
    return "–"


def _figures_section(data: _Folder, service_level_target: float | None) -> tuple[str, set[str]]:
    """Figures drawn from the folder's tables (or its PNGs) and the PNG names they replace."""
    used: set[str] = set()
    blocks: list[str] = []
    summary = data.summary or {}
    threshold = data.threshold_s()
    counted_from = _number(summary.get("counted_from_s"))
    if data.intervals is not None and {"offered", "service_level_hw"} <= set(data.intervals):
        fig = interval_panel(
            data.intervals,
            data.title,
            threshold,
            service_level_target,
            by_queue=data.intervals_by_queue,
        )
        blocks.append(
            _figure_block(
                _png(fig),
                "per-interval panel",
                "Per interval (contacts by the interval they arrived in, agents by the time "
                "within it): offered contacts, agents present and paid, service level"
                + (", overall and per queue" if data.intervals_by_queue is not None else "")
                + ", average speed of answer and abandonment. "
                "Bands are 95 % confidence intervals over replications"
                + ("; the red line is the service-level target." if service_level_target else "."),
            )
        )
        used.add("intervals")
    elif "intervals" in data.pngs:
        blocks.append(_figure_block(data.pngs["intervals"].read_bytes(), "per-interval panel", ""))
        used.add("intervals")
    if (
        data.contacts is not None
        and {"wait", "outcome"} <= set(data.contacts)
        and data.curve is not None
        and {"threshold_s", "service_level"} <= set(data.curve)
    ):
        fig = wait_distribution(
            data.contacts,
            threshold,
            data.curve,
            counted_from_s=counted_from,
            service_level_target=service_level_target,
        )
        blocks.append(
            _figure_block(
                _png(fig),
                "wait distribution",
                f"How long callers waited. The dashed line is the {threshold:g}-second "
                "threshold; on the right, the service level any other threshold would give.",
            )
        )
        used.add("wait_distribution")
    elif "wait_distribution" in data.pngs:
        png = data.pngs["wait_distribution"].read_bytes()
        blocks.append(_figure_block(png, "wait distribution", "How long callers waited."))
        used.add("wait_distribution")
    if data.contacts is not None and "outcome" in data.contacts:
        fig = journey_diagram(
            data.contacts,
            counted_from_s=counted_from,
            ping_pong_rate=_number(data.kpis().get("ping_pong_rate", {}).get("mean")),
        )
        blocks.append(
            _figure_block(
                _png(fig),
                "caller journeys",
                "Where contacts went: call type, the queue joined, any further queue (overflow "
                "or transfer) and the outcome. Band widths are contacts per replication; red "
                "bands return to a queue already visited (ping-pong).",
            )
        )
        used.add("journey")
    elif "journey" in data.pngs:
        blocks.append(_figure_block(data.pngs["journey"].read_bytes(), "caller journeys", ""))
        used.add("journey")
    if data.contacts is None and data.summary is not None:
        data.notes.append(
            "This run kept no contact log (--no-contacts): the wait distribution and the "
            "caller journeys need it."
        )
    if not blocks:
        return "", used
    return _section("figures", "The day in pictures", "".join(blocks)), used


def _occupancy_section(data: _Folder) -> str:
    rows = []
    for name, k in data.kpis().items():
        if not name.startswith("occupancy[group="):
            continue
        group = name[len("occupancy[group=") : -1]
        mean = _number(k.get("mean"))
        width = 0.0 if mean is None else max(0.0, min(mean, 1.0)) * 100
        rows.append(
            f'<tr data-group="{_e(group)}"><th scope="row">{_e(group)}</th>'
            f'<td class="bar"><div style="width:{width:.1f}%"></div></td>'
            f'<td class="num">{_e(format_value(name, mean))}</td>'
            f'<td class="num hw">{_e(format_half_width(name, _number(k.get("half_width"))))}'
            "</td></tr>"
        )
    if not rows:
        return ""
    overall = data.kpis().get("occupancy", {})
    if overall:
        rows.append(
            '<tr class="total"><th scope="row">all agents</th><td class="bar"><div style="width:'
            f'{max(0.0, min(_number(overall.get("mean")) or 0.0, 1.0)) * 100:.1f}%"></div></td>'
            f'<td class="num">{_e(format_value("occupancy", _number(overall.get("mean"))))}</td>'
            f'<td class="num hw">'
            f"{_e(format_half_width('occupancy', _number(overall.get('half_width'))))}</td></tr>"
        )
    return _section(
        "groups",
        "Occupancy by agent group",
        '<table class="occupancy"><thead><tr><th>group</th><th></th><th>occupancy</th>'
        f"<th>± 95 %</th></tr></thead><tbody>{''.join(rows)}</tbody></table>",
        "Busy time (talk and after-call work) over time present, during opening hours.",
    )


def _interval_table(data: _Folder, service_level_target: float | None) -> str:
    frame = data.intervals
    if frame is None or "start" not in frame:
        return ""
    columns = [c for c in INTERVAL_COLUMNS if c in frame]
    multi_day = "day" in frame and frame["day"].nunique() > 1
    head = "".join(f"<th>{_e(_label(c))}</th>" for c in columns)
    per_queue: dict[tuple[Any, Any], dict[str, float | None]] = {}
    queues: list[str] = []
    if data.intervals_by_queue is not None and "service_level" in data.intervals_by_queue:
        for _, row in data.intervals_by_queue.iterrows():
            queue = str(row["breakdown"]).partition("=")[2]
            if queue not in queues:
                queues.append(queue)
            per_queue.setdefault((row["day"], row["interval"]), {})[queue] = _number(
                row["service_level"]
            )
        head += "".join(f"<th>{_e(_label('service_level'))} — {_e(q)}</th>" for q in queues)
    body = []
    for _, row in frame.iterrows():
        start = f"day {row['day']} {row['start']}" if multi_day else str(row["start"])
        counted = bool(row.get("counted", True))
        cells = []
        for c in columns:
            value = _number(row[c])
            hw = _number(row.get(f"{c}_hw"))
            text = format_value(c, value)
            if hw is not None and hw > 0:
                text += f' <span class="hw">{_e(format_half_width(c, hw))}</span>'
            below = (
                c == "service_level"
                and service_level_target is not None
                and value is not None
                and value < service_level_target
            )
            cells.append(f'<td class="num{" below" if below else ""}">{text}</td>')
        for queue in queues:
            value = per_queue.get((row["day"], row["interval"]), {}).get(queue)
            below = (
                service_level_target is not None
                and value is not None
                and value < service_level_target
            )
            text = _e(format_value("service_level", value))
            cells.append(f'<td class="num{" below" if below else ""}">{text}</td>')
        cls = "" if counted else ' class="warmup"'
        body.append(f"<tr{cls}><th scope='row'>{_e(start)}</th>{''.join(cells)}</tr>")
    below_note = (
        f" Service levels under the {service_level_target:.0%} target are marked."
        if service_level_target is not None
        else ""
    )
    warm_note = " Grey rows are warm-up, not counted." if "counted" in frame else ""
    return _section(
        "intervals",
        "Interval by interval",
        f"<details><summary>Show the table of {len(frame)} intervals</summary>"
        f'<table class="intervals"><thead><tr><th>interval</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></details>",
        _e(
            "Contacts by the interval they arrived in (in the queue they first joined), agents"
            " and queue length by the time within the interval; ± is the 95 % half-width."
            + below_note
        )
        + _e(warm_note),
    )


def _other_figures(data: _Folder, used: set[str]) -> str:
    blocks = [
        _figure_block(path.read_bytes(), stem, _e(path.name))
        for stem, path in data.pngs.items()
        if stem not in used
    ]
    return _section("more", "More figures", "".join(blocks)) if blocks else ""


def _notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return f'<aside class="notes"><ul>{items}</ul></aside>'


def render_report(folder: Path, service_level_target: float | None = None) -> str:
    """The report of an output folder as one self-contained HTML document.

    ``service_level_target`` (a share, e.g. 0.8) draws a target line on the
    service-level figures and marks the intervals below it.
    """
    from simulator import __version__
    from simulator.report.html_staffing import is_staffing_folder, render_staffing_report

    if is_staffing_folder(Path(folder)):  # written by ccsim staff
        return render_staffing_report(Path(folder))
    data = _load_folder(Path(folder))
    figures, used = _figures_section(data, service_level_target)
    sections = [
        _title_block(data),
        _cards(data),
        _in_brief(data, service_level_target),
        _comparison_section(data, used),
        _sweep_section(data, used),
        figures,
        _occupancy_section(data),
        _kpi_table(data),
        _scenario_section(data),
        _interval_table(data, service_level_target),
        _other_figures(data, used),
    ]
    notes = _notes(data.notes)
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    footer = (
        f"<footer>Written by ccsim {_e(__version__)} on {_e(now)} from the output folder "
        f"<code>{_e(data.path)}</code>; nothing was re-run. Figures are drawn from the "
        "folder's tables.</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="ccsim {_e(__version__)}">'
        f"<title>{_e(data.title)} — ccsim report</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(sections)}{notes}{footer}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def write_report(
    folder: Path, output: Path | None = None, service_level_target: float | None = None
) -> Path:
    """Write ``report.html`` (or ``output``) for an output folder and return its path."""
    folder = Path(folder)
    target = output if output is not None else folder / REPORT_NAME
    text = render_report(folder, service_level_target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text(target, text)
