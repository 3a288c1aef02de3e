"""What the what-if page lets a planner take away: the changed scenario and a report.

:func:`scenario_yaml` writes the changed scenario as a file that ``ccsim run`` runs
anywhere and that gives the page's numbers: it carries the page's seed and
replications, and a volume read from a CSV file is written out as its profile (so the
file needs no other file). :func:`report_html` is the self-contained HTML report of the
what-if — the changed scenario's run, with the paired comparison against the baseline —
written by the same code as ``ccsim report`` from a temporary output folder.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from simulator.experiment import Comparison
from simulator.scenario import Scenario, scenario_to_dict
from simulator.webapp.controls import inline_volumes

__all__ = ["report_html", "scenario_yaml"]

_SHOWN_VALUE_CHARS = 70
"""Longer values (profiles, menus) are shortened in the file's header comment."""


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


def scenario_yaml(
    scenario: Scenario,
    changes: Mapping[str, Any],
    replications: int,
    seed: int,
    source: str,
) -> str:
    """The changed scenario as YAML text, headed by what was changed and from which file.

    ``ccsim run`` of it gives the page's what-if numbers: same seed, same replications.
    """
    data = inline_volumes(scenario, scenario_to_dict(scenario))
    data["seed"] = seed
    data["replications"] = replications
    if changes:
        data["name"] = f"{scenario.name} (what-if)"
    lines = [
        f"# What-if of {source}, written by the ccsim what-if page.",
        f"# `ccsim run` of this file gives the page's figures (seed {seed}, "
        f"{replications} replications).",
    ]
    if changes:
        lines.append("# Changed against the original:")
        lines.extend(f"#   {path} = {_shown(value)}" for path, value in changes.items())
    else:
        lines.append("# Nothing changed against the original.")
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def report_html(comparison: Comparison, service_level_target: float | None = None) -> str:
    """The HTML report of the what-if (the comparison's second scenario) with the paired
    differences against the first, as one self-contained document.
    """
    from simulator.report import render_report, write_run_outputs
    from simulator.report.experiment_figures import difference_plot

    with tempfile.TemporaryDirectory(prefix="ccsim-whatif-") as folder:
        out = Path(folder) / "what-if"
        write_run_outputs(comparison.results[1], out)
        differences = comparison.differences()
        (out / "comparison.json").write_text(json.dumps(comparison.metadata(), indent=2))
        comparison.table().to_csv(out / "comparison.csv", index=False)
        differences.to_csv(out / "differences.csv", index=False)
        figure = difference_plot(differences, baseline=comparison.labels[0])
        figure.savefig(out / "differences.png", dpi=96)
        return render_report(out, service_level_target)
