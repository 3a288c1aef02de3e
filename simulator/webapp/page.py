"""The what-if page in Panel: controls on the left, the effect of the change on the right.

One :class:`WhatIfPage` per browser session (or notebook cell). A control that moves
turns the page's values into a changed scenario (:func:`apply_controls`); a bad value
shows the scenario layer's key-path message under its control and nothing runs. A good
one goes to the :class:`WhatIfRunner`, which cancels the run in hand; a periodic
callback on the page's own event loop reads the runner's status and updates the
progress bar, the cards, the charts and the downloads. Every callback catches what it
raises and shows it on the page: input never brings the server down.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import panel as pn

from simulator.scenario import Scenario, load_scenario
from simulator.webapp.controls import Applied, Control, apply_controls, controls_for
from simulator.webapp.export import report_html, scenario_yaml
from simulator.webapp.runner import QUICK_REPLICATIONS, Outcome, Status, WhatIfRunner
from simulator.webapp.views import (
    CHART_HEIGHT,
    CHART_WIDTH,
    Figures,
    Views,
    changes_html,
    draw_figures,
    interval_chart,
    prepare_views,
)

__all__ = ["DEFAULT_TARGET", "POLL_MS", "WhatIfPage", "serve"]

POLL_MS = 250
"""How often the page reads the runner's status (milliseconds)."""
DEFAULT_TARGET = 0.8
"""The service-level target drawn on the charts until the planner sets another."""
SIDEBAR_WIDTH = 330

_log = logging.getLogger(__name__)

CSS = """
.wi-cards { display: flex; gap: 12px; flex-wrap: wrap; }
.wi-card { flex: 1 1 170px; border: 1px solid #cfd8dc; border-radius: 8px; padding: 10px 12px;
  background: #fafafa; font-family: system-ui, sans-serif; }
.wi-card .label { font-size: 13px; color: #546e7a; text-transform: uppercase;
  letter-spacing: .04em; }
.wi-card .value { font-size: 28px; font-weight: 600; color: #263238; }
.wi-card .hw, .wi-card .ci { font-size: 12px; color: #607d8b; }
.wi-card .delta { font-size: 18px; font-weight: 600; margin-top: 4px; }
.wi-changes { font-family: system-ui, sans-serif; font-size: 13px; color: #37474f; }
.wi-changes ul { margin: 2px 0 2px 18px; padding: 0; }
.wi-changes .paths { color: #78909c; font-size: 11px; }
.wi-status { font-family: system-ui, sans-serif; font-size: 13px; color: #37474f; }
.wi-status.failed, .wi-error { color: #c62828; }
.wi-error { font-family: system-ui, sans-serif; font-size: 12px; margin: -4px 0 6px 0; }
.wi-table { border-collapse: collapse; font-family: system-ui, sans-serif; font-size: 13px; }
.wi-table th, .wi-table td { padding: 3px 10px; border-bottom: 1px solid #eceff1;
  text-align: right; }
.wi-table th:first-child { text-align: left; }
.wi-table tr.significant td { font-weight: 600; }
.wi-note { font-family: system-ui, sans-serif; font-size: 12px; color: #607d8b; }
"""


def _html(text: str = "", **kwargs: Any) -> pn.pane.HTML:
    return pn.pane.HTML(text, stylesheets=[CSS], **kwargs)


def _widget(control: Control) -> pn.widgets.Widget:
    """The input for a control. Numbers have no bounds here on purpose: every value goes to
    the scenario model, whose message (with its key path) is what the planner sees.
    """
    common: dict[str, Any] = {"label": control.label, "width": SIDEBAR_WIDTH - 40}
    if control.kind in ("agents", "count"):
        return pn.widgets.IntInput(value=int(control.default), step=1, **common)
    if control.kind in ("multiplier", "seconds"):
        step = 0.05 if control.kind == "multiplier" else 10.0
        return pn.widgets.FloatInput(value=float(control.default), step=step, **common)
    if control.kind == "choice":
        return pn.widgets.Select(options=list(control.options), value=control.default, **common)
    return pn.widgets.Checkbox(value=bool(control.default), **common)


def _download(callback: Any, filename: str, label: str) -> pn.widgets.FileDownload:
    """A download button, off until there is a result to take away."""
    return pn.widgets.FileDownload(
        callback=callback, filename=filename, label=label, disabled=True, embed=False
    )


class WhatIfPage:
    """The what-if page over one scenario.

    Parameters
    ----------
    scenario : the scenario as loaded (the baseline).
    base_dir : the folder its CSV files are read from (the scenario file's folder).
    source : the scenario file's name, for the exported file's header.
    replications : replications to start with (default: the scenario's).
    quick : replications of the quick first stage.
    """

    def __init__(
        self,
        scenario: Scenario,
        base_dir: Path | None = None,
        source: str = "the scenario",
        replications: int | None = None,
        quick: int = QUICK_REPLICATIONS,
    ) -> None:
        self.scenario = scenario
        self.base_dir = base_dir
        self.source = source
        self.controls = controls_for(scenario)
        self.widgets: dict[str, pn.widgets.Widget] = {c.key: _widget(c) for c in self.controls}
        if replications is not None:
            self.widgets["replications"].value = replications
        self.errors = {c.key: _html("", visible=False) for c in self.controls}
        self.target = pn.widgets.FloatInput(
            label="Service-level target (%)",
            value=DEFAULT_TARGET * 100,
            step=5,
            width=SIDEBAR_WIDTH - 40,
        )
        self.reset = pn.widgets.Button(
            label="Back to the scenario as loaded", width=SIDEBAR_WIDTH - 40
        )
        self.page_error = _html("", visible=False)
        self.status = _html('<div class="wi-status" data-state="idle">Starting…</div>')
        self.progress = pn.indicators.Progress(
            value=0, max=100, width=260, height=14, visible=False
        )
        self.cards = _html("")
        self.changes = _html(changes_html({}, []))
        self.chart = pn.pane.Bokeh(height=CHART_HEIGHT + 10, width=CHART_WIDTH + 10)
        self.waits = pn.pane.PNG(None, sizing_mode="scale_width", max_width=900)
        self.journeys = pn.pane.PNG(None, sizing_mode="scale_width", max_width=900)
        self.figure_notes = (_html(""), _html(""))
        self.table = _html("")
        stem = Path(source).stem or "scenario"
        self.yaml_download = _download(
            self._yaml_file, f"{stem}_whatif.yaml", "Download the changed scenario (YAML)"
        )
        self.report_download = _download(
            self._report_file, f"{stem}_whatif_report.html", "Download the HTML report"
        )
        self._applied: dict[int, tuple[Applied, list[str]]] = {}
        self._outcome: Outcome | None = None
        self._drawn_outcome: Outcome | None = None
        self._drawn_figures: Any = None
        self._seen: tuple[int, str, int] = (-1, "", -1)
        self._redraw = False
        self.runner = WhatIfRunner(scenario, quick, prepare=self._prepare, draw=self._figures)
        for widget in self.widgets.values():
            widget.param.watch(self._changed, "value")
        self.target.param.watch(self._target_changed, "value")
        self.reset.on_click(self._reset)
        self.layout = self._layout()
        self._changed()
        self._poller = pn.state.add_periodic_callback(self._poll, period=POLL_MS)

    # ------------------------------------------------------------------ building

    @classmethod
    def create(cls, scenario: Scenario | str | Path, replications: int | None = None) -> WhatIfPage:
        """A page for a scenario object or file (in a notebook: load Panel's extension)."""
        pn.extension()
        if isinstance(scenario, Scenario):
            return cls(scenario, replications=replications)
        path = Path(scenario)
        return cls(load_scenario(path), path.parent, path.name, replications)

    def _group(self, title: str, keys: Sequence[str]) -> pn.Column:
        items: list[Any] = [_html(f"<b>{title}</b>", margin=(8, 5, 0, 5))]
        for key in keys:
            control = next(c for c in self.controls if c.key == key)
            items.append(self.widgets[key])
            if control.help:
                items.append(
                    _html(f'<div class="wi-note">{control.help}</div>', margin=(-8, 10, 0, 12))
                )
            items.append(self.errors[key])
        return pn.Column(*items)

    def _layout(self) -> pn.Row:
        keys = [c.key for c in self.controls]
        staffing = [k for k in keys if k.startswith("staffing:")]
        demand = [k for k in ("volume", "handle_time", "patience") if k in keys]
        policies = [
            k
            for k in (
                "routing",
                "transfers",
                "ivr",
                "callbacks",
                "callback_threshold_s",
                "announcement",
            )
            if k in keys
        ]
        sidebar = pn.Column(
            _html(
                "<h3 style='margin:4px 0'>What if…</h3>"
                f"<div class='wi-note'>{_escape(self.scenario.name)}</div>"
            ),
            self._group("Agents", staffing),
            self._group("Demand", demand),
            self._group("How calls are handled", policies),
            self._group("Run", ["replications"]),
            self.target,
            self.reset,
            self.page_error,
            width=SIDEBAR_WIDTH,
            styles={"background": "#f5f7f8", "border-right": "1px solid #cfd8dc"},
            scroll=True,
        )
        tabs = pn.Tabs(
            ("Service level per interval", self.chart),
            ("Waits", pn.Column(self.figure_notes[0], self.waits)),
            ("Caller journeys", pn.Column(self.figure_notes[1], self.journeys)),
            ("All figures", self.table),
            dynamic=True,
        )
        main = pn.Column(
            pn.Row(self.status, self.progress),
            self.cards,
            self.changes,
            tabs,
            pn.Row(self.yaml_download, self.report_download),
            _html(
                "<div class='wi-note'>Each figure is the what-if's mean with its 95 % half-width; "
                "the difference against the baseline is paired by replication (both face the "
                "same callers: common random numbers), with its 95 % interval. Green or red: "
                "the interval excludes zero.</div>"
            ),
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")

    # ------------------------------------------------------------------ reacting

    def values(self) -> dict[str, Any]:
        """The controls' current values, by control key."""
        return {key: widget.value for key, widget in self.widgets.items()}

    def _labels(self, values: Mapping[str, Any]) -> list[str]:
        labels = []
        for control in self.controls:
            value = values.get(control.key)
            if control.key != "replications" and value != control.default:
                labels.append(f"{control.label}: {control.default} → {value}")
        return labels

    def _changed(self, *_: Any) -> None:
        try:
            values = self.values()
            applied = apply_controls(self.scenario, values, self.base_dir)
            for key, pane in self.errors.items():
                _show_error(pane, key, applied.errors.get(key, ""))
            _show_error(self.page_error, "", applied.errors.get("", ""))
            if applied.scenario is None:
                self.status.object = (
                    '<div class="wi-status failed" data-state="invalid">A value is not valid: '
                    "see the message under it. The figures below are for the last valid values."
                    "</div>"
                )
                self.progress.visible = False
                return
            generation = self.runner.submit(
                applied.scenario, applied.scenario.replications, applied.changed
            )
            self._applied = {generation: (applied, self._labels(values))} | {
                g: a for g, a in self._applied.items() if g >= generation - 2
            }
        except Exception as error:  # never let input bring the page down
            _log.exception("what-if: could not apply the controls")
            self._show_page_error(str(error))

    def _target_changed(self, *_: Any) -> None:
        self._redraw = True  # the chart's target line

    def _reset(self, *_: Any) -> None:
        for control in self.controls:
            if control.key != "replications":
                self.widgets[control.key].value = control.default

    def target_share(self) -> float | None:
        """The service-level target as a share, or None when it is not a number in 0..100."""
        value = self.target.value
        if value is None or not math.isfinite(value) or not 0 <= value <= 100:
            return None
        return float(value) / 100

    def _prepare(self, outcome: Outcome) -> Views:
        applied, labels = self._applied.get(outcome.generation, (None, []))
        return prepare_views(outcome.comparison, outcome.changed, applied, labels)

    def _figures(self, outcome: Outcome) -> Figures:
        return draw_figures(outcome.what_if, self.target_share(), outcome.generation)

    # ------------------------------------------------------------------ drawing

    def _poll(self) -> None:
        try:
            status = self.runner.status()
            new_outcome = status.outcome is not self._drawn_outcome
            new_figures = status.figures is not self._drawn_figures
            seen = (status.generation, status.state, status.done)
            if not (new_outcome or new_figures or self._redraw or seen != self._seen):
                return
            if (new_outcome or self._redraw) and isinstance(status.views, Views):
                assert status.outcome is not None
                self._draw(status.outcome, status.views)
            if new_figures and isinstance(status.figures, Figures):
                self.waits.object = status.figures.waits
                self.journeys.object = status.figures.journeys
            self._note_figures(status)
            # The status goes last: when it says done, everything above is drawn.
            self.status.object = self._status_html(status)
            self.progress.visible = status.state == "running"
            self.progress.value = round(status.fraction * 100)
            self._drawn_outcome, self._drawn_figures = status.outcome, status.figures
            self._seen, self._redraw = seen, False
        except Exception as error:
            _log.exception("what-if: could not draw the result")
            self._show_page_error(str(error))

    def _note_figures(self, status: Status) -> None:
        """Say whose figures are shown: the current values', or the last ones while the
        current values' are still being drawn.
        """
        drawn = status.figures.generation if isinstance(status.figures, Figures) else None
        if drawn is None:
            text = "Drawing…"
        elif drawn == status.generation:
            text = "The what-if with the current values (final result)."
        else:
            text = "Of the previous values; the figures of the current ones are on their way…"
        for note in self.figure_notes:
            note.object = f'<div class="wi-note">{_escape(text)}</div>'

    def _show_page_error(self, message: str) -> None:
        _show_error(self.page_error, "", message)

    def _status_html(self, status: Status) -> str:
        outcome = status.outcome
        stage = (
            outcome.stage if outcome is not None and outcome.generation == status.generation else ""
        )
        reps = outcome.replications if outcome is not None else 0
        if status.state == "failed":
            text = f"The run failed: {status.error}"
        elif status.state == "running" and stage == "quick":
            text = (
                f"Quick result from {reps} replications shown; refining "
                f"({status.done} of {status.total} replications)…"
            )
        elif status.state == "running":
            text = f"Running… {status.done} of {status.total} replications"
        elif status.state == "done" and outcome is not None:
            text = (
                f"{reps} replications of each, seed {outcome.comparison.seed}, paired with the "
                "baseline (common random numbers)."
            )
        else:
            text = "Waiting…"
        css = "wi-status failed" if status.state == "failed" else "wi-status"
        return (
            f'<div class="{css}" data-state="{status.state}" data-generation="{status.generation}" '
            f'data-stage="{stage}" data-replications="{reps}">{_escape(text)}</div>'
        )

    def _draw(self, outcome: Outcome, views: Views) -> None:
        self._outcome = outcome
        self.cards.object = views.cards
        self.changes.object = views.changes
        self.table.object = views.table
        self.chart.object = interval_chart(
            views.what_if_levels,
            views.baseline_levels,
            self.target_share(),
            self.scenario.service_level.threshold_s,
        )
        self.yaml_download.disabled = False
        self.report_download.disabled = False

    # ------------------------------------------------------------------ downloads

    def _yaml_file(self) -> io.StringIO:
        outcome = self._outcome
        if outcome is None:
            return io.StringIO("# no result yet\n")
        applied, _ = self._applied.get(outcome.generation, (None, []))
        text = scenario_yaml(
            outcome.what_if.scenario,
            applied.changes if applied else {},
            outcome.replications,
            outcome.comparison.seed,
            self.source,
        )
        return io.StringIO(text)

    def _report_file(self) -> io.StringIO:
        outcome = self._outcome
        if outcome is None:
            return io.StringIO("<p>No result yet.</p>")
        return io.StringIO(report_html(outcome.comparison, self.target_share()))

    def close(self) -> None:
        """Stop polling and the runner's thread."""
        self._poller.stop()
        self.runner.close()


def _show_error(pane: pn.pane.HTML, key: str, message: str) -> None:
    """Show ``message`` in ``pane`` (the error line under control ``key``), or hide it."""
    pane.object = (
        f'<div class="wi-error" data-control="{_escape(key)}">{_escape(message)}</div>'
        if message
        else ""
    )
    pane.visible = bool(message)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def serve(
    path: Path, port: int, host: str, show: bool, quiet: bool
) -> None:  # pragma: no cover - exercised through the CLI in a subprocess
    """Serve the page for the scenario file ``path`` until interrupted."""
    scenario = load_scenario(path)

    def session() -> pn.viewable.Viewable:
        page = WhatIfPage(scenario, path.parent, path.name)
        pn.state.on_session_destroyed(lambda _: page.close())
        return page.layout

    # The browser's page must come from an address the server was asked to answer on;
    # listening on every interface (0.0.0.0, ::) means any name of this machine.
    everywhere = host in ("0.0.0.0", "::")
    origins = ["*"] if everywhere else [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    pn.serve(
        {"/": session},
        port=port,
        address=host,
        websocket_origin=origins,
        show=show,
        title=f"ccsim what-if — {scenario.name}",
        verbose=not quiet,
        threaded=False,
    )
