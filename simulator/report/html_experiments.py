"""The report's sections for a ``ccsim compare`` or ``ccsim sweep`` folder.

A comparison shows each scenario's means with their intervals, the paired
differences against the baseline (common random numbers) and which of them
exclude zero; a sweep shows its curves and a table per point. Both read only the
files those commands write.
"""

from __future__ import annotations

import pandas as pd

from simulator.report.figures import STAT_COLUMNS, scenario_comparison, sweep_curve
from simulator.report.formatting import format_half_width, format_value, kpi_label, kpi_unit
from simulator.report.html_parts import (
    _chosen_kpis,
    _e,
    _figure_block,
    _Folder,
    _number,
    _png,
    _raw_table,
    _section,
    _tidy,
)


def _experiment_facts(data: _Folder) -> list[tuple[str, str]]:
    """What a comparison or a sweep was: scenarios, baseline, grid, seed, replications."""
    facts: list[tuple[str, str]] = []
    meta = data.compare_meta
    if meta is not None and data.summary is None:
        scenarios = meta.get("scenarios", [])
        facts.append(
            (
                "Scenarios",
                "; ".join(f"{s.get('label', '?')}: {s.get('name', '?')}" for s in scenarios),
            )
        )
        facts.append(("Baseline", str(meta.get("baseline", "?"))))
        facts.append(("Seed", str(meta.get("seed", "?"))))
        facts.append(("Replications", str(meta.get("replications", "?"))))
        if meta.get("common_random_numbers"):
            facts.append(("Common random numbers", str(meta["common_random_numbers"])))
    sweep = data.sweep_meta
    if sweep is not None and data.summary is None:
        facts.append(("Scenario", str(sweep.get("scenario", "?"))))
        facts.append(("Swept", ", ".join(str(a) for a in sweep.get("axes", []))))
        facts.append(("Points", str(sweep.get("points", "?"))))
        facts.append(("Seed", str(sweep.get("seed", "?"))))
        if "complete" in sweep:
            facts.append(("Complete", "yes" if sweep["complete"] else "no"))
    return facts


def _difference(name: str, value: float | None) -> str:
    """A paired difference: signed, rates in percentage points."""
    if value is None:
        return "–"
    text = format_value(name, abs(value), unit=False)
    unit = "pp" if kpi_unit(name) == "%" else kpi_unit(name)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{text} {unit}".rstrip()


def _differences_table(frame: pd.DataFrame) -> str:
    needed = {"kpi", "scenario", "difference", "difference_low", "difference_high"}
    if not needed <= set(frame.columns):
        return _raw_table(frame)
    defined = frame[frame["difference"].notna()]
    headline = set(_chosen_kpis(defined["kpi"]))
    main: list[str] = []
    rest: list[str] = []
    for _, r in defined.iterrows():
        kpi = str(r["kpi"])
        low, high = _number(r["difference_low"]), _number(r["difference_high"])
        significant = bool(r.get("significant", False))
        p_value = _number(r.get("p_value"))
        row = (
            f'<tr class="{"significant" if significant else ""}"><th scope="row">'
            f"{_e(kpi_label(kpi))}</th><td>{_e(r['scenario'])}</td>"
            f'<td class="num">{_e(_difference(kpi, _number(r["difference"])))}</td>'
            f'<td class="num ci">{_e(_difference(kpi, low))} to {_e(_difference(kpi, high))}</td>'
            f'<td class="num">{"yes" if significant else "no"}'
            + (f' <span class="hw">p = {p_value:.3g}</span>' if p_value is not None else "")
            + "</td></tr>"
        )
        (main if kpi in headline or significant else rest).append(row)
    head = (
        "<thead><tr><th>KPI</th><th>scenario</th><th>difference</th><th>95 % interval</th>"
        "<th>significant</th></tr></thead>"
    )
    baseline = str(frame["baseline"].iloc[0]) if "baseline" in frame and len(frame) else "?"
    more = (
        f"<details><summary>Show the other {len(rest)} differences</summary>"
        f'<table class="differences">{head}<tbody>{"".join(rest)}</tbody></table></details>'
        if rest
        else ""
    )
    return (
        f"<h3>Paired differences against {_e(baseline)}</h3>"
        f'<table class="differences">{head}<tbody>{"".join(main)}</tbody></table>{more}'
    )


def _comparison_section(data: _Folder, used: set[str]) -> str:
    frame = data.comparison
    if frame is None:
        return ""
    parts: list[str] = []
    if _tidy(frame) and "scenario" in frame:
        fig = scenario_comparison(frame, _chosen_kpis(frame["kpi"]))
        parts.append(
            _figure_block(
                _png(fig), "scenario comparison", "Each scenario's mean with its 95 % interval."
            )
        )
    if "differences" in data.pngs:
        used.add("differences")
        parts.append(
            _figure_block(
                data.pngs["differences"].read_bytes(),
                "paired differences",
                "Each scenario minus the baseline, paired by replication (common random "
                "numbers), with its 95 % interval; red intervals exclude zero.",
            )
        )
    if data.differences is not None:
        parts.append(_differences_table(data.differences))
    if _tidy(frame) and "scenario" in frame:
        shown = frame[frame["kpi"].isin(_chosen_kpis(frame["kpi"]))]
        parts.append("<h3>Means</h3>" + _comparison_pivot(shown))
    parts.append(f"<details><summary>Show comparison.csv</summary>{_raw_table(frame)}</details>")
    estimator = (data.compare_meta or {}).get("estimator")
    return _section(
        "comparison",
        "Comparison",
        "".join(parts),
        _e(f"Differences: {estimator}.") if estimator else "",
    )


def _sweep_section(data: _Folder, used: set[str]) -> str:
    sweep = data.sweep
    if sweep is None:
        return ""
    axes = [str(a) for a in (data.sweep_meta or {}).get("axes", []) if str(a) in sweep.columns]
    if not axes:
        axes = [
            c for c in sweep.columns if c not in STAT_COLUMNS and c not in ("point", "scenario")
        ]
    parts: list[str] = []
    plots = [stem for stem in data.pngs if "_vs_" in stem]
    for stem in plots:
        used.add(stem)
        parts.append(
            _figure_block(data.pngs[stem].read_bytes(), stem, _e(stem.replace("_vs_", " against ")))
        )
    if not plots and _tidy(sweep) and axes:
        numeric = [a for a in axes if pd.api.types.is_numeric_dtype(sweep[a])]
        x = numeric[0] if numeric else axes[0]
        others = [a for a in axes if a != x]
        fig = sweep_curve(sweep, x, _chosen_kpis(sweep["kpi"]), by=others)
        parts.append(
            _figure_block(
                _png(fig),
                "sweep curves",
                f"KPIs against {_e(x)} with 95 % confidence bands"
                + (f", one line per {_e(', '.join(others))}." if others else "."),
            )
        )
    if _tidy(sweep) and axes:
        parts.append(_sweep_pivot(sweep, axes))
    parts.append(f"<details><summary>Show the sweep table</summary>{_raw_table(sweep)}</details>")
    return _section("sweep", "Sweep", "".join(parts))


def _sweep_pivot(sweep: pd.DataFrame, axes: list[str]) -> str:
    kpis = _chosen_kpis(sweep["kpi"])
    key = ["point", *axes] if "point" in sweep else axes
    head = "".join(f"<th>{_e(c)}</th>" for c in key) + "".join(
        f"<th>{_e(kpi_label(k))}</th>" for k in kpis
    )
    rows = []
    for values, group in sweep.groupby(key, sort=True, dropna=False):
        by_kpi = group.set_index("kpi")
        cells = "".join(
            f"<td>{_e(v)}</td>" for v in (values if isinstance(values, tuple) else (values,))
        )
        for k in kpis:
            if k in by_kpi.index:
                mean = _number(by_kpi.loc[k, "mean"])
                hw = _number(by_kpi.loc[k, "half_width"])
                cells += (
                    f'<td class="num">{_e(format_value(k, mean))} '
                    f'<span class="hw">{_e(format_half_width(k, hw))}</span></td>'
                )
            else:
                cells += "<td>–</td>"
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="pivot"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _comparison_pivot(frame: pd.DataFrame) -> str:
    scenarios = list(dict.fromkeys(frame["scenario"].astype(str)))
    kpis = list(dict.fromkeys(frame["kpi"].astype(str)))
    cells = {
        (str(r["scenario"]), str(r["kpi"])): (_number(r["mean"]), _number(r["half_width"]))
        for _, r in frame.iterrows()
    }
    head = "".join(f"<th>{_e(s)}</th>" for s in scenarios)
    rows = []
    for kpi in kpis:
        tds = []
        for s in scenarios:
            mean, hw = cells.get((s, kpi), (None, None))
            hw_text = f' <span class="hw">{_e(format_half_width(kpi, hw))}</span>' if hw else ""
            tds.append(f'<td class="num">{_e(format_value(kpi, mean))}{hw_text}</td>')
        rows.append(f"<tr><th scope='row'>{_e(kpi_label(kpi))}</th>{''.join(tds)}</tr>")
    return (
        f'<table class="pivot"><thead><tr><th>KPI</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
