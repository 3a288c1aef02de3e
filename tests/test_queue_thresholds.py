"""Each queue's service level at its own threshold: a hand-made log, Erlang C for two
queues with different thresholds, and the staffing search and CLI honouring them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from test_registry import HAND_LOG, _scenario
from typer.testing import CliRunner

import simulator
from simulator.analytic import agents_for_service_level, erlang_c_metrics
from simulator.cli import app
from simulator.experiment import RunResult
from simulator.metrics.log import CONTACT_DTYPE
from simulator.metrics.tally import Tally
from simulator.model.replication import ReplicationOutput, counted_from_s
from simulator.staffing import parse_targets

MULTIPLE_CHECKS_Z = 3.5
"""|z| bound across the handful of checks of one test (fixed seeds)."""


def test_each_queue_counts_within_its_own_threshold_on_a_hand_made_log() -> None:
    # q0 answers within 5 s, q1 within 45 s (the scenario's 20 s is nobody's now).
    sc = _scenario(
        queues=[
            {"name": "q0", "target": {"threshold_s": 5}},
            {"name": "q1", "target": {"threshold_s": 45}},
        ]
    )
    assert sc.queue_thresholds_s == [5.0, 45.0]
    tally = Tally(1, 2, 2, 2, sc.queue_thresholds_s, 5.0, counted_from_s(sc), 1)
    tally.add_contacts(np.array(HAND_LOG, dtype=CONTACT_DTYPE))
    summary = RunResult(sc, [ReplicationOutput(0, 1, tally, None, 9 * 3600.0)], 1).summary()
    # q0 holds A (waited 10 s), C (abandoned), F (callback, connected), G (waited 25 s):
    # at 5 s only F's connected callback counts within. q1 holds B (waited 40 s) and D
    # (blocked): B is within 45 s.
    assert summary.loc["service_level[queue=q0]", "mean"] == pytest.approx(1 / 4)
    assert summary.loc["service_level[queue=q1]", "mean"] == pytest.approx(1 / 2)
    # The overall figure is still the offered-weighted mean of the queues' (F and B of 6).
    assert summary.loc["service_level", "mean"] == pytest.approx(2 / 6)
    # By call type, each contact keeps the threshold of the queue it is counted in.
    assert summary.loc["service_level[call_type=c1]", "mean"] == pytest.approx(1 / 2)


HANDLE_S = 240.0
RATES = {"fast": 300.0, "slow": 90.0}
THRESHOLDS = {"fast": 10.0, "slow": 60.0}


def _two_queues(agents: dict[str, int], thresholds: dict[str, float]) -> dict[str, Any]:
    """Two dedicated Erlang C queues (exponential handle time, nobody abandons), hour
    intervals, a one-hour warm-up.
    """
    return {
        "name": "two thresholds",
        "seed": 5,
        "replications": 12,
        "calendar": {"days": 1, "open": "00:00", "close": "04:00", "interval_minutes": 60},
        "warmup_minutes": 60,
        "service_level": {"threshold_s": 20, "definition": "offered"},
        "queues": [{"name": q, "target": {"threshold_s": thresholds[q]}} for q in RATES],
        "call_types": [
            {
                "name": f"c_{q}",
                "target": q,
                "volume": {"rate_per_hour": rate},
                "handle_time": {"dist": "exponential", "mean": HANDLE_S},
            }
            for q, rate in RATES.items()
        ],
        "agent_groups": [
            {"name": f"g_{q}", "skills": {q: 1}, "staffing": n} for q, n in agents.items()
        ],
    }


def test_two_queues_with_different_thresholds_match_erlang_c() -> None:
    agents = {"fast": 24, "slow": 8}
    own = simulator.scenario_from_dict(_two_queues(agents, THRESHOLDS))
    summary = simulator.run(own).summary()
    theory = {}
    for queue, rate in RATES.items():
        at = {t: erlang_c_metrics(agents[queue], calls_per_hour=rate, aht_s=HANDLE_S,
                                  threshold_s=t).service_level
              for t in (THRESHOLDS[queue], 20.0)}  # fmt: skip
        theory[queue] = at
        row = summary.loc[f"service_level[queue={queue}]"]
        z = (row["mean"] - at[THRESHOLDS[queue]]) / (row["half_width"] / 1.96)
        assert abs(z) < MULTIPLE_CHECKS_Z, (queue, row["mean"], at)
    # On the same callers with the scenario's common 20 s, each queue's service level
    # moves by what Erlang C says the threshold is worth (paired: a sharp check that
    # the thresholds, and nothing else, are what changed).
    common = simulator.scenario_from_dict(_two_queues(agents, {"fast": 20.0, "slow": 20.0}))
    paired = simulator.compare([common, own])
    for queue in RATES:
        diff = paired.difference(f"service_level[queue={queue}]")
        expected = theory[queue][THRESHOLDS[queue]] - theory[queue][20.0]
        assert abs(expected) > 4 * diff.se, (queue, expected, diff.se)
        assert abs(diff.difference - expected) < MULTIPLE_CHECKS_Z * diff.se, (queue, diff)


def test_staffing_meets_each_queue_at_its_own_threshold(tmp_path: Path) -> None:
    # The scenario gives fast its 10 s; the command line gives slow 60 s.
    data = _two_queues({"fast": 1, "slow": 1}, {"fast": 10.0, "slow": 20.0})
    data["queues"][1].pop("target")
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    target = ["-t", "service_level=0.8", "-t", "service_level[queue=slow,threshold_s=60]=0.8"]
    got = CliRunner().invoke(app, ["staff", str(path), *target, "-m", "sipp", "-o", str(out)])
    assert got.exit_code == 0, got.output
    assert "within 60 s" in " ".join(got.output.split())  # the title may wrap
    staffed = simulator.load(out / "two-staffed.yaml")
    assert staffed.queue_thresholds_s == [10.0, 60.0]
    per_interval = {g.name: g.per_interval for g in staffed.agent_groups}
    for queue, rate in RATES.items():
        need = agents_for_service_level(
            calls_per_hour=rate, aht_s=HANDLE_S, threshold_s=THRESHOLDS[queue], target=0.8
        )
        assert set(per_interval[f"g_{queue}"] or []) == {need}, queue
    # Thresholds in target strings: checked, with the key path of the mistake.
    targets = parse_targets(["service_level[threshold_s=30]=0.8"])
    assert targets.threshold_s == 30.0 and "within 30 s" in targets.describe()
    for bad, message in [
        ("service_level[queue=slow,threshold_s=-1]=0.8", "positive number of seconds"),
        ("abandon_rate[threshold_s=10]=0.1", "only service_level"),
        ("service_level[queue=slow,wait=3]=0.8", "inside the brackets"),
    ]:
        got = CliRunner().invoke(app, ["staff", str(path), "-t", bad, "-o", str(tmp_path / "x")])
        assert got.exit_code == 2 and message in got.output, got.output
        assert "Traceback" not in got.output and not (tmp_path / "x").exists()
