"""The what-if page without a browser: controls → scenario changes, the staged runner with
cancellation, the numbers the page shows, the exports, and ``ccsim app``'s checks.

The browser test (``test_whatif_browser.py``) drives the served page; here the same
pieces are checked directly, against hand-computed values, theory and ``simulator.compare``.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import simulator
from helpers import assert_matches_theory
from simulator.cli import app
from simulator.scenario import scenario_from_dict
from simulator.webapp import apply_controls, controls_for
from simulator.webapp.controls import scale_distribution
from simulator.webapp.export import scenario_yaml
from simulator.webapp.runner import WhatIfRunner, stages
from simulator.webapp.views import cards_html

SCENARIOS = Path(__file__).parent.parent / "scenarios"
cli = CliRunner()

PROFILE = [30, 50, 70, 40]
"""Expected calls per hour-long interval of the small scenario's CSV-driven call type."""
SMALL = """\
name: Small two-queue centre
seed: 5
replications: 6
calendar: {days: 1, open: "08:00", close: "12:00", interval_minutes: 60}
service_level: {threshold_s: 20}
queues: [{name: sales}, {name: support}]
call_types:
  - {name: buy, target: sales, volume: {rate_per_hour: 60},
     handle_time: {dist: exponential, mean: 180}, patience: {dist: exponential, mean: 120}}
  - {name: fix, target: support, volume: {csv: fix_volume.csv},
     handle_time: {dist: lognormal, mean: 300, cv: 0.8},
     patience: {dist: gamma, mean: 200, cv: 0.5}}
agent_groups:
  - {name: sellers, skills: {sales: 1}, staffing: 3}
  - name: fixers
    skills: {support: 1, sales: 2}
    shifts:
      - {start: "08:00", end: "10:00", count: 3}
      - {start: "09:00", end: "12:00", count: 1}
costs: {agent_hour: 30}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A small scenario file with a CSV volume beside it (read relative to the file)."""
    (tmp_path / "fix_volume.csv").write_text("calls\n" + "\n".join(map(str, PROFILE)) + "\n")
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


# ----------------------------------------------------------------------------- controls


def test_controls_offer_what_the_scenario_can_change(small: Path) -> None:
    controls = {c.key: c for c in controls_for(simulator.load(small))}
    assert controls["staffing:sellers"].kind == "agents"
    assert controls["staffing:sellers"].default == 3
    assert controls["staffing:fixers"].kind == "multiplier"  # staffed by shifts
    assert controls["callbacks"].default is False
    assert controls["replications"].default == 6
    # No transfers and no IVR in this scenario: no controls that would change nothing.
    assert "transfers" not in controls and "ivr" not in controls
    ivr = {c.key for c in controls_for(simulator.load(SCENARIOS / "ivr_deep.yaml"))}
    transfers = {c.key for c in controls_for(simulator.load(SCENARIOS / "bank_pingpong.yaml"))}
    assert "ivr" in ivr and "transfers" in transfers


def test_scaling_a_distribution_scales_its_mean_and_keeps_its_shape() -> None:
    assert scale_distribution({"dist": "lognormal", "mean": 300, "cv": 0.8}, 1.1) == {
        "dist": "lognormal",
        "mean": 330.0,
        "cv": 0.8,
    }
    assert scale_distribution({"dist": "erlang", "mean": 100, "k": 3}, 0.5)["k"] == 3
    assert scale_distribution({"dist": "uniform", "low": 10, "high": 30}, 2) == {
        "dist": "uniform",
        "low": 20.0,
        "high": 60.0,
    }
    assert scale_distribution({"dist": "empirical", "values": [1, 2]}, 3)["values"] == [3.0, 6.0]
    assert scale_distribution({"dist": "none"}, 2) == {"dist": "none"}


def test_each_control_becomes_key_path_changes(small: Path) -> None:
    scenario = simulator.load(small)
    applied = apply_controls(
        scenario,
        {
            "staffing:sellers": 5,
            "staffing:fixers": 1.5,  # shifts of 3 and 1: 4.5 -> 5 and 1.5 -> 2 (half up)
            "volume": 2.0,
            "handle_time": 0.5,
            "patience": 1.5,
            "callbacks": True,
            "callback_threshold_s": 90,
            "announcement": "pessimistic",
            "routing": "fcfs",
        },
        small.parent,
    )
    assert applied.errors == {}
    sc = applied.scenario
    assert sc is not None
    assert sc.agent_groups[0].staffing == 5
    assert [s.count for s in sc.agent_groups[1].shifts or []] == [5, 2]
    assert sc.call_types[0].volume.rate_per_hour == 120
    # The CSV volume is carried as its profile, doubled.
    assert sc.call_types[1].volume.profile_per_interval == [2.0 * v for v in PROFILE]
    assert sc.call_types[0].handle_time.mean == 90  # type: ignore[union-attr]
    assert sc.call_types[1].patience.mean == 300  # type: ignore[union-attr]
    assert sc.callback is not None and sc.callback.offer_when_expected_wait_s == 90
    assert sc.announcement.mode == "pessimistic"
    assert sc.routing.policy == "fcfs"
    assert "agent_groups[0].staffing" in applied.changes
    # Nothing changed: no changes, the scenario as loaded.
    same = apply_controls(scenario, {c.key: c.default for c in controls_for(scenario)})
    assert same.changes == {} and same.scenario == scenario


def test_ivr_layouts(tmp_path: Path) -> None:
    deep = simulator.load(SCENARIOS / "ivr_deep.yaml")

    def depth(menu: Any) -> int:
        return 1 + max(
            (depth(o.menu) for o in menu.options.values() if o.menu is not None), default=0
        )

    flat = apply_controls(deep, {"ivr": "flat"}).scenario
    assert flat is not None and flat.ivr is not None and flat.ivr.menu is not None
    assert depth(flat.ivr.menu) == 1
    # One key per destination the scenario's menu leads to.
    assert sorted(o.queue or "" for o in flat.ivr.menu.options.values()) == sorted(
        {"accounts", "cards", "loans", "general"}
    )
    two = apply_controls(deep, {"ivr": "deep"}).scenario
    assert two is not None and two.ivr is not None and two.ivr.menu is not None
    assert depth(two.ivr.menu) == 2 and two.ivr.zero_out is None
    none = apply_controls(deep, {"ivr": "none"}).scenario
    assert none is not None and none.ivr is None


def test_a_bad_value_is_reported_at_its_control_with_the_key_path(small: Path) -> None:
    scenario = simulator.load(small)
    applied = apply_controls(
        scenario,
        {"staffing:sellers": -3, "volume": 1.2, "callbacks": True, "callback_threshold_s": -5},
        small.parent,
    )
    assert applied.scenario is None
    assert set(applied.errors) == {"staffing:sellers", "callback_threshold_s"}
    assert "agent_groups[0].staffing" in applied.errors["staffing:sellers"]
    assert "callback.offer_when_expected_wait_s" in applied.errors["callback_threshold_s"]
    # A negative volume names the first offending key paths, and says how many more.
    volume = apply_controls(scenario, {"volume": -1}, small.parent).errors["volume"]
    assert "call_types[0].volume.rate_per_hour" in volume
    assert len(volume) < 300
    assert (
        "expected a whole number"
        in apply_controls(scenario, {"replications": 2.5}).errors["replications"]
    )
    nan = apply_controls(scenario, {"patience": float("nan")}).errors["patience"]
    assert "finite" in nan


# ----------------------------------------------------------------------------- runner


def test_stages_give_a_quick_result_first() -> None:
    assert stages(20, 5) == [5, 20]
    assert stages(4, 5) == [4]


def test_runner_numbers_are_simulator_compare(small: Path) -> None:
    scenario = simulator.load(small)
    changed = apply_controls(scenario, {"staffing:sellers": 4}, small.parent).scenario
    assert changed is not None
    runner = WhatIfRunner(scenario, quick=2)
    try:
        generation = runner.submit(changed, 6)
        status = runner.wait(generation, timeout=60)
    finally:
        runner.close()
    assert status.state == "done" and status.outcome is not None
    assert status.outcome.stage == "final" and status.outcome.replications == 6
    expected = simulator.compare([scenario, changed], replications=6, workers=1)
    for kpi in ("service_level", "abandon_rate", "asa_s", "occupancy", "cost"):
        got = status.outcome.comparison.difference(kpi)
        want = expected.difference(kpi)
        assert got.difference == want.difference and got.half_width == want.half_width, kpi
    # More agents for the sales queue: its callers wait less — significantly, with pairing.
    assert status.outcome.comparison.difference("asa_s").high < 0


def test_a_newer_request_cancels_the_stale_run(small: Path) -> None:
    scenario = simulator.load(small)
    published: list[int] = []
    runner = WhatIfRunner(scenario, quick=1000, prepare=lambda o: published.append(o.generation))
    try:
        started = time.perf_counter()
        stale = runner.submit(scenario, 1000, changed=False)  # minutes of work if not cancelled
        time.sleep(0.3)
        fresh = runner.submit(scenario, 2, changed=False)
        status = runner.wait(fresh, timeout=60)
        elapsed = time.perf_counter() - started
    finally:
        runner.close()
    assert status.state == "done" and status.outcome is not None
    assert status.outcome.generation == fresh and status.outcome.replications == 2
    assert stale not in published
    assert elapsed < 30, f"the stale run was not stopped ({elapsed:.0f} s)"


def test_volume_and_handle_time_multipliers_against_theory(small: Path) -> None:
    """Offered calls are Poisson with the scaled means; talk time has the scaled mean."""
    scenario = simulator.load(small)
    applied = apply_controls(scenario, {"volume": 1.5, "handle_time": 0.5}, small.parent)
    assert applied.scenario is not None
    result = simulator.run(applied.scenario, replications=20, keep_contacts=False)
    expected_calls = 1.5 * (60 * 4 + sum(PROFILE))  # no redials in this scenario
    assert_matches_theory(result, "offered", expected_calls)


# ----------------------------------------------------------------------------- what is shown


def test_cards_carry_the_comparison_numbers(small: Path) -> None:
    scenario = simulator.load(small)
    changed = apply_controls(scenario, {"staffing:sellers": 2}, small.parent).scenario
    assert changed is not None
    comparison = simulator.compare([scenario, changed], replications=4, workers=1)
    text = cards_html(comparison, changed=True)
    sl = re.search(r'data-kpi="service_level"[^>]*', text)
    assert sl is not None
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', sl.group(0)))
    assert float(attributes["value"]) == comparison.results[1].kpi("service_level")
    assert float(attributes["difference"]) == comparison.difference("service_level").difference
    unchanged = cards_html(
        simulator.compare([scenario, scenario], replications=2, workers=1), False
    )
    assert "baseline" in unchanged and "95 % CI" not in unchanged


def test_exported_yaml_runs_with_ccsim_run_and_gives_the_page_numbers(
    small: Path, tmp_path: Path
) -> None:
    scenario = simulator.load(small)
    applied = apply_controls(scenario, {"volume": 1.2, "staffing:fixers": 2.0}, small.parent)
    assert applied.scenario is not None
    runner = WhatIfRunner(scenario, quick=3)
    try:
        status = runner.wait(runner.submit(applied.scenario, 3), timeout=60)
    finally:
        runner.close()
    assert status.outcome is not None
    text = scenario_yaml(status.outcome.what_if.scenario, applied.changes, 3, 5, small.name)
    assert "csv" not in text.split("\n# ", 1)[-1].split("\n", 1)[-1]  # profile written out
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    exported = elsewhere / "what_if.yaml"  # away from the CSV file: it must not need it
    exported.write_text(text)
    result = cli.invoke(app, ["run", str(exported), "--json", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    kpis = json.loads(result.stdout)["kpis"]
    page = status.outcome.what_if.summary()
    for kpi in ("service_level", "abandon_rate", "asa_s", "occupancy", "cost"):
        assert kpis[kpi]["mean"] == pytest.approx(page.loc[kpi, "mean"], rel=1e-12), kpi


def test_whatif_builds_the_page_in_process(small: Path) -> None:
    pytest.importorskip("panel")
    from simulator.webapp.page import WhatIfPage

    page = WhatIfPage.create(small, replications=2)
    try:
        page.runner.wait(timeout=60)
        page._poll()
        assert 'data-kpi="service_level"' in page.cards.object
        page.widgets["staffing:sellers"].value = -1
        assert page.errors["staffing:sellers"].visible
        assert "agent_groups[0].staffing" in page.errors["staffing:sellers"].object
        assert 'data-state="invalid"' in page.status.object
        page.widgets["staffing:sellers"].value = 4
        assert not page.errors["staffing:sellers"].visible
        status = page.runner.wait(timeout=60)
        page._poll()
        assert status.outcome is not None and status.outcome.changed
        assert "agent_groups[0].staffing" in page.changes.object
        assert "what-if" in page._yaml_file().getvalue()
        # The HTML report download: self-contained, with the paired differences.
        report = page._report_file().getvalue()
        assert report.startswith("<!DOCTYPE html>")
        assert "Paired differences against baseline" in report
        assert not re.search(r'(src|href)="https?://', report)
    finally:
        page.close()


# ----------------------------------------------------------------------------- ccsim app


def test_app_rejects_a_bad_scenario_with_its_key_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("staffing: 3", "staffing: -3"))
    result = cli.invoke(app, ["app", str(bad), "--no-browser"])
    assert result.exit_code == 2
    assert "agent_groups[0].staffing" in result.output
    assert "Traceback" not in result.output


def test_app_without_panel_says_how_to_install_it(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "panel", None)  # import panel raises ImportError
    result = cli.invoke(app, ["app", str(small), "--no-browser"])
    assert result.exit_code == 2
    assert "pip install 'ccsim[app]'" in result.output


def test_app_refuses_a_port_in_use_and_a_bad_port(small: Path) -> None:
    pytest.importorskip("panel")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli.invoke(app, ["app", str(small), "--no-browser", "--port", str(port)])
    assert result.exit_code == 2 and "already in use" in result.output
    result = cli.invoke(app, ["app", str(small), "--port", "0"])
    assert result.exit_code == 2


def test_scenario_from_the_exported_dict_round_trips(small: Path) -> None:
    """The export is plain data the scenario model reads back unchanged (apart from the
    name, the seed and the replications the page sets)."""
    import yaml

    scenario = simulator.load(small)
    data = yaml.safe_load(scenario_yaml(scenario, {}, 6, 5, "small.yaml"))
    again = scenario_from_dict(data)
    assert again.agent_groups == scenario.agent_groups
    assert again.call_types[1].volume.values_per_interval() == tuple(float(v) for v in PROFILE)


def test_a_scenario_with_a_csv_volume_needs_its_file_only_when_loaded(
    small: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The page reads the files a scenario references once, when it is loaded: changes
    are validated without them, wherever the page runs from."""
    scenario = simulator.load(small)
    (small.parent / "fix_volume.csv").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    applied = apply_controls(scenario, {"staffing:sellers": 4, "patience": 2.0})
    assert applied.errors == {} and applied.scenario is not None
    assert applied.scenario.call_types[1].volume.values_per_interval() == tuple(
        float(v) for v in PROFILE
    )
