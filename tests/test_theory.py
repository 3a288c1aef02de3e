"""The engine reproduces queueing theory where theory exists.

Each check compares a simulated KPI with the exact Erlang figure, with a
tolerance derived from the replications' confidence interval widened to a
family-wise bound (see ``tests/helpers.py``). Seeds are fixed, so the suite is
deterministic, yet each check would fail for a real bias larger than a few
standard errors. Cases start with a warm-up of several relaxation times
(about 5 / (c·mu·(1 - sqrt(rho))^2), or ten mean patiences) and keep to
loads where waits converge within a day.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import simulator
from helpers import assert_matches_theory, critical_t, single_queue
from simulator.analytic import erlang_a_metrics, erlang_b, erlang_c_metrics

ERLANG_C_CASES = [
    # servers, calls per hour, mean handle (s): small, medium and large centres
    pytest.param(1, 42.0, 60.0, id="c=1 rho=0.70"),
    pytest.param(2, 96.0, 60.0, id="c=2 rho=0.80"),
    pytest.param(10, 102.0, 300.0, id="c=10 rho=0.85"),
    pytest.param(100, 1080.0, 300.0, id="c=100 rho=0.90"),
]


@pytest.mark.parametrize(("servers", "calls_per_hour", "aht"), ERLANG_C_CASES)
def test_mmc_matches_erlang_c(servers: int, calls_per_hour: float, aht: float) -> None:
    scenario = single_queue(servers=servers, calls_per_hour=calls_per_hour, aht=aht)
    result = simulator.run(scenario)
    theory = erlang_c_metrics(servers, calls_per_hour=calls_per_hour, aht_s=aht, threshold_s=20)
    assert_matches_theory(result, "service_level", theory.service_level)
    assert_matches_theory(result, "asa_s", theory.asa_s)
    assert_matches_theory(result, "mean_queue_length", theory.mean_queue_length)
    # P(wait) = share of answered callers who waited at all.
    contacts = result.contacts()
    counted = contacts[contacts["arrival"] >= result.counted_from_s]
    waited = (counted["wait"] > 0).groupby(counted["replication"]).agg(["sum", "count"])
    p_wait = waited["sum"].sum() / waited["count"].sum()
    residual = waited["sum"] - p_wait * waited["count"]
    se = residual.std(ddof=1) / np.sqrt(len(waited)) / waited["count"].mean()
    assert abs(p_wait - theory.p_wait) <= critical_t(len(waited)) * se


ERLANG_A_CASES = [
    # servers, calls per hour, mean handle, mean patience
    pytest.param(2, 100.0, 60.0, 120.0, id="c=2 rho=0.83"),
    pytest.param(20, 216.0, 300.0, 180.0, id="c=20 rho=0.90"),
    pytest.param(100, 1176.0, 300.0, 180.0, id="c=100 rho=0.98"),
    pytest.param(50, 720.0, 300.0, 120.0, id="overloaded c=50 rho=1.2"),
]


@pytest.mark.parametrize(("servers", "calls_per_hour", "aht", "patience"), ERLANG_A_CASES)
def test_mmc_with_abandonment_matches_erlang_a(
    servers: int, calls_per_hour: float, aht: float, patience: float
) -> None:
    scenario = single_queue(
        servers=servers, calls_per_hour=calls_per_hour, aht=aht, patience=patience
    )
    result = simulator.run(scenario)
    theory = erlang_a_metrics(
        servers, calls_per_hour=calls_per_hour, aht_s=aht, patience_s=patience, threshold_s=20
    )
    assert_matches_theory(result, "abandon_rate", theory.p_abandon)
    assert_matches_theory(result, "service_level", theory.service_level)
    assert_matches_theory(result, "asa_s", theory.asa_s)
    assert_matches_theory(result, "occupancy", theory.occupancy)


def test_abandonment_equals_mean_wait_over_mean_patience() -> None:
    """For exponential patience, P(abandon) = E[wait of all callers] / E[patience]."""
    patience = 180.0
    scenario = single_queue(servers=50, calls_per_hour=650, aht=300, patience=patience)
    result = simulator.run(scenario)
    contacts = result.contacts()
    counted = contacts[contacts["arrival"] >= result.counted_from_s]
    per_rep = counted.groupby("replication").agg(
        abandoned=("outcome", lambda s: (s == "abandoned").sum()),
        wait=("wait", "sum"),
        offered=("contact_id", "count"),
    )
    # Paired per replication: abandonments minus total wait / mean patience, per offered call.
    difference = (per_rep["abandoned"] - per_rep["wait"] / patience) / per_rep["offered"]
    se = difference.std(ddof=1) / np.sqrt(len(difference))
    assert abs(difference.mean()) <= critical_t(len(difference)) * se
    assert result.kpi("abandon_rate") > 0.05  # the identity is tested where it has teeth


@pytest.mark.parametrize(
    ("servers", "load"), [pytest.param(10, 7.0, id="c=10"), pytest.param(50, 45.0, id="c=50")]
)
def test_loss_system_matches_erlang_b(servers: int, load: float) -> None:
    """Trunk lines = agents and no queue: blocked share = Erlang B."""
    aht = 180.0
    scenario = single_queue(
        servers=servers,
        calls_per_hour=load / aht * 3600,
        aht=aht,
        lines=servers,
        warmup_minutes=60,
    )
    result = simulator.run(scenario)
    assert_matches_theory(result, "blocked_rate", erlang_b(servers, load))
    assert result.kpi("asa_s") == 0.0  # with lines = agents nobody ever queues


def test_littles_law_on_the_queue() -> None:
    """Time-average queue length = arrival rate x mean wait (L = lambda W)."""
    scenario = single_queue(servers=20, calls_per_hour=216, aht=300, patience=180)
    result = simulator.run(scenario)
    summary = result.summary()
    window_s = (24 * 60 - scenario.warmup_minutes) * 60
    arrival_rate = summary.loc["offered", "mean"] / window_s
    little = arrival_rate * summary.loc["mean_wait_s", "mean"]
    queue_length = summary.loc["mean_queue_length"]
    se = queue_length["half_width"] / stats.t.ppf(0.975, result.n - 1)
    assert abs(queue_length["mean"] - little) <= critical_t(result.n) * se
