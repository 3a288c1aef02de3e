"""Engine throughput of ccsim on the canonical Erlang-A workload, beside SimPy and Ciw.

The workload (M/M/n+M): 100 agents, 98 Erlangs offered (arrival rate 98/300 per
second), exponential handle times of mean 300 s and exponential patience of mean
180 s; ``--calls`` measured calls after a warm-up of about 5,000 calls. It runs

* through ccsim's public API (``simulator.run`` on a 24-hour calendar chained over
  several days, state carried over midnight);
* through a minimal idiomatic SimPy model written here: one ``simpy.Resource`` of
  100 agents, one process per caller that waits for ``request | timeout(patience)``;
* through Ciw (``ciw.create_network`` with exponential reneging),

alternating the three in every repeat (rotated order) so that load from other work
on the machine falls on all of them alike. Each implementation's abandonment, ASA
and service level (offered definition) are compared with the exact Erlang-A values;
the tolerance comes from the run's own standard error (batch means, delta method,
t quantile with a Bonferroni bound over all checks). An implementation outside it
is flagged, since then its speed is not comparable.

Usage::

    python benchmarks/engine_throughput.py [--calls N] [--repeats K] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import math
import time
import tracemalloc
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import ciw
import numpy as np
import simpy
from scipy import stats

import simulator
from simulator.analytic import ErlangAResult, erlang_a_metrics
from simulator.scenario import Scenario, scenario_from_dict

AGENTS = 100
LOAD_ERLANGS = 98.0
MEAN_HANDLE_S = 300.0
MEAN_PATIENCE_S = 180.0
THRESHOLD_S = 20.0
ARRIVAL_RATE = LOAD_ERLANGS / MEAN_HANDLE_S
"""Calls per second."""
RATE_PER_HOUR = ARRIVAL_RATE * 3600.0
WARMUP_CALLS = 5_000
INTERVAL_MINUTES = 60
"""ccsim's planning interval; its warm-up is rounded up to whole intervals (see below)."""
CIW_TAIL_CALLS = 1_000
"""Ciw stops at a number of arrivals; these extra arrivals (~50 simulated minutes, over
30 mean patiences) let every measured call finish before it stops."""
BATCHES = 20
"""Batches per run for the batch-means standard errors."""
FAMILY_ALPHA = 0.05
"""Family-wise error rate of all agreement checks together (Bonferroni)."""
DEFAULT_CALLS = 200_000
DEFAULT_REPEATS = 3
QUICK_CALLS = 20_000
SMOKE_CALLS = 2_000
"""Calls of the untimed first pass that warms caches and imports."""
BYTES_PER_MIB = 2.0**20
PER_MILLION = 1e6
KPIS = ("p_abandon", "asa_s", "service_level")
KPI_LABELS = {"p_abandon": "abandonment", "asa_s": "ASA (s)", "service_level": "SL 20 s"}


T = TypeVar("T")

# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcomes:
    """Measured calls in arrival order: answered or abandoned, and the wait if answered."""

    answered: np.ndarray
    abandoned: np.ndarray
    wait: np.ndarray
    """Wait until answered (s); ignored for calls not answered."""

    def __len__(self) -> int:
        return len(self.answered)

    def ratios(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each KPI as a ratio: per-call numerator and denominator values."""
        ones = np.ones(len(self))
        answered = self.answered.astype(float)
        waited = np.where(self.answered, self.wait, 0.0)
        within = (self.answered & (waited <= THRESHOLD_S)).astype(float)
        return {
            "p_abandon": (self.abandoned.astype(float), ones),
            "asa_s": (waited, answered),
            "service_level": (within, ones),
        }


@dataclass(frozen=True)
class Run:
    """One timed run of one implementation."""

    name: str
    simulated: int
    """Every call simulated, warm-up (and Ciw's tail) included."""
    wall_s: float
    cpu_s: float
    outcomes: Outcomes

    @property
    def calls_per_s(self) -> float:
        return self.simulated / self.wall_s

    @property
    def calls_per_cpu_s(self) -> float:
        return self.simulated / self.cpu_s


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``work`` after a full collection; return its value, wall and CPU seconds."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    value = work()
    return value, time.perf_counter() - wall, time.process_time() - cpu


# --------------------------------------------------------------------------- ccsim


def ccsim_scenario(calls: int, seed: int) -> Scenario:
    """The workload as a ccsim scenario: 24-hour days chained, ~``calls`` after warm-up.

    The calendar has whole days, so the day count is rounded and the number of calls
    is only about ``WARMUP_CALLS + calls``. The warm-up is rounded up to a whole
    interval, because ccsim's KPI tables count whole intervals only.
    """
    hours = (WARMUP_CALLS + calls) / RATE_PER_HOUR
    days = max(1, round(hours / 24.0))
    warmup_minutes = WARMUP_CALLS / RATE_PER_HOUR * 60.0
    warmup_minutes = math.ceil(warmup_minutes / INTERVAL_MINUTES) * INTERVAL_MINUTES
    return scenario_from_dict(
        {
            "name": "erlang-a benchmark",
            "seed": seed,
            "replications": 1,
            "warmup_minutes": warmup_minutes,
            "calendar": {
                "days": days,
                "open": "00:00",
                "close": "24:00",
                "interval_minutes": INTERVAL_MINUTES,
            },
            "service_level": {"threshold_s": THRESHOLD_S, "definition": "offered"},
            "queues": [{"name": "q"}],
            "call_types": [
                {
                    "name": "c",
                    "target": "q",
                    "volume": {"rate_per_hour": RATE_PER_HOUR},
                    "handle_time": {"dist": "exponential", "mean": MEAN_HANDLE_S},
                    "patience": {"dist": "exponential", "mean": MEAN_PATIENCE_S},
                }
            ],
            "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": AGENTS}],
        }
    )


@dataclass(frozen=True)
class CcsimRun:
    """A timed ccsim run and what its own summary table says."""

    run: Run
    summary: dict[str, float]


def run_ccsim(calls: int, seed: int) -> CcsimRun:
    """Time ``simulator.run`` (contact log kept) and read the measured calls from the log."""
    scenario = ccsim_scenario(calls, seed)
    result, wall, cpu = timed(lambda: simulator.run(scenario, replications=1, keep_contacts=True))
    contacts = result.contacts().sort_values("arrival", kind="stable")
    cut = scenario.calendar.open_s + scenario.warmup_minutes * 60.0
    measured = contacts[contacts["arrival"] >= cut]
    answered = (measured["outcome"] == "answered").to_numpy()
    outcomes = Outcomes(
        answered=answered,
        abandoned=(measured["outcome"] == "abandoned").to_numpy(),
        wait=measured["wait"].to_numpy(dtype=float),
    )
    s = result.summary()["mean"]
    summary = {
        "offered": float(s["offered"]),
        "p_abandon": float(s["abandon_rate"]),
        "asa_s": float(s["asa_s"]),
        "service_level": float(s["service_level"]),
    }
    return CcsimRun(Run("ccsim", len(contacts), wall, cpu, outcomes), summary)


def ccsim_memory(calls: int, seed: int, keep_contacts: bool) -> tuple[float, int, dict[str, float]]:
    """Peak traced memory of ``simulator.run`` in MiB per million contacts, contacts, KPIs.

    Contacts are counted from a run that kept its log; the same seed gives the same
    contacts whether the log is kept or not.
    """
    scenario = ccsim_scenario(calls, seed)
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = simulator.run(scenario, replications=1, keep_contacts=keep_contacts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    s = result.summary()["mean"]
    kpis = {k: float(s[k]) for k in ("offered", "abandon_rate", "asa_s", "service_level")}
    chunks = result.outputs[0].contact_chunks
    n = sum(len(c) for c in chunks) if chunks is not None else -1
    return peak / BYTES_PER_MIB, n, kpis


# --------------------------------------------------------------------------- SimPy


class SimPyCentre:
    """The workload as plain SimPy: one resource of agents, one process per caller."""

    def __init__(self, env: simpy.Environment, calls: int, rng: np.random.Generator) -> None:
        self.env = env
        self.agents = simpy.Resource(env, capacity=AGENTS)
        self.gaps = rng.exponential(1.0 / ARRIVAL_RATE, calls).tolist()
        self.patience = rng.exponential(MEAN_PATIENCE_S, calls).tolist()
        self.handle = rng.exponential(MEAN_HANDLE_S, calls).tolist()
        self.answered = [False] * calls
        self.wait = [math.nan] * calls

    def source(self) -> Generator[simpy.Event, None, None]:
        """Callers arrive with exponential gaps, then no more."""
        for k, gap in enumerate(self.gaps):
            yield self.env.timeout(gap)
            self.env.process(self.caller(k))

    def caller(self, k: int) -> Generator[simpy.Event, object, None]:
        """Wait for an agent or run out of patience; if answered, talk."""
        env = self.env
        arrived = env.now
        with self.agents.request() as request:
            result = yield request | env.timeout(self.patience[k])
            if request in result:  # type: ignore[operator]
                self.answered[k] = True
                self.wait[k] = env.now - arrived
                yield env.timeout(self.handle[k])


def run_simpy(calls: int, seed: int) -> Run:
    """Time the SimPy model on ``WARMUP_CALLS + calls`` arrivals, run until empty."""
    total = WARMUP_CALLS + calls

    def work() -> SimPyCentre:
        env = simpy.Environment()
        centre = SimPyCentre(env, total, np.random.default_rng(seed))
        env.process(centre.source())
        env.run()
        return centre

    centre, wall, cpu = timed(work)
    answered = np.array(centre.answered[WARMUP_CALLS:])
    outcomes = Outcomes(answered, ~answered, np.array(centre.wait[WARMUP_CALLS:]))
    return Run("SimPy", total, wall, cpu, outcomes)


# --------------------------------------------------------------------------- Ciw


def run_ciw(calls: int, seed: int) -> Run:
    """Time Ciw on ``WARMUP_CALLS + calls + CIW_TAIL_CALLS`` arrivals.

    Outcomes come from the records of callers ``WARMUP_CALLS + 1 ..`` (Ciw numbers
    them in arrival order from 1): a service record is an answered call, a renege
    record an abandoned one.
    """
    total = WARMUP_CALLS + calls + CIW_TAIL_CALLS

    def work() -> list[Any]:
        ciw.seed(seed)
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(ARRIVAL_RATE)],
            service_distributions=[ciw.dists.Exponential(1.0 / MEAN_HANDLE_S)],
            number_of_servers=[AGENTS],
            reneging_time_distributions=[ciw.dists.Exponential(1.0 / MEAN_PATIENCE_S)],
        )
        sim = ciw.Simulation(network)
        sim.simulate_until_max_customers(total, method="Arrive")
        records: list[Any] = sim.get_all_records(only=["service", "renege"])
        return records

    records, wall, cpu = timed(work)
    answered = np.zeros(calls, dtype=bool)
    abandoned = np.zeros(calls, dtype=bool)
    wait = np.full(calls, math.nan)
    for record in records:
        k = record.id_number - WARMUP_CALLS - 1
        if 0 <= k < calls:
            if record.record_type == "service":
                answered[k] = True
                wait[k] = record.waiting_time
            else:
                abandoned[k] = True
    unresolved = calls - int(answered.sum() + abandoned.sum())
    if unresolved:
        raise RuntimeError(f"Ciw left {unresolved} measured calls without an outcome")
    return Run("Ciw", total, wall, cpu, Outcomes(answered, abandoned, wait))


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Estimate:
    """A ratio estimate over batches: value, standard error and degrees of freedom."""

    value: float
    se: float
    df: int


def batch_estimate(runs: list[Run], kpi: str) -> Estimate:
    """Ratio of totals over all runs; SE from ``BATCHES`` batches per run (delta method).

    Each run's measured calls are cut into consecutive batches; with batch totals
    ``(Y_b, X_b)`` and ``R = ΣY/ΣX``, ``SE(R) = sd(Y_b − R·X_b) / (√B · mean X_b)``.
    """
    ys, xs = [], []
    for run in runs:
        y, x = run.outcomes.ratios()[kpi]
        for part in np.array_split(np.arange(len(y)), BATCHES):
            ys.append(y[part].sum())
            xs.append(x[part].sum())
    y_b, x_b = np.array(ys), np.array(xs)
    r = float(y_b.sum() / x_b.sum())
    b = len(y_b)
    se = float(np.std(y_b - r * x_b, ddof=1) / (math.sqrt(b) * x_b.mean()))
    return Estimate(r, se, b - 1)


def paired_ratios(runs: list[Run], baseline: list[Run], rate: str) -> list[float]:
    """``rate`` of each run over that of the baseline run of the same repeat."""
    return [float(getattr(a, rate) / getattr(b, rate)) for a, b in zip(runs, baseline, strict=True)]


def exact_value(exact: ErlangAResult, kpi: str) -> float:
    return float(getattr(exact, kpi))


# --------------------------------------------------------------------------- output


def header(calls: int, repeats: int, exact: ErlangAResult) -> None:
    print("ccsim engine throughput — Erlang-A workload (M/M/n+M)")
    print(
        f"  {AGENTS} agents, {LOAD_ERLANGS:g} Erlangs offered "
        f"({RATE_PER_HOUR:g} calls/h), handle Exp(mean {MEAN_HANDLE_S:g} s), "
        f"patience Exp(mean {MEAN_PATIENCE_S:g} s)"
    )
    print(
        f"  {calls:,} measured calls after a ~{WARMUP_CALLS:,}-call warm-up; "
        f"{repeats} repeat(s), order rotated each repeat (ABC, BCA, CAB, ...)"
    )
    scenario = ccsim_scenario(calls, seed=1)
    days = scenario.calendar.days
    print(
        f"  ccsim: simulator.run over {days} whole 24 h day(s) chained "
        f"(~{days * 24 * RATE_PER_HOUR:,.0f} Poisson arrivals), warm-up "
        f"{scenario.warmup_minutes:g} min (rounded up to a whole {INTERVAL_MINUTES}-min interval)"
    )
    print("  SimPy: Resource(100) + one process per caller, `yield request | timeout(patience)`")
    print(
        f"  Ciw {ciw.__version__}: Exponential arrivals/service/reneging, "
        f"+{CIW_TAIL_CALLS:,} tail arrivals so every measured call finishes"
    )
    print("  calls/s = all calls simulated (warm-up included) / wall time of the run")
    print(
        f"  Erlang A (exact): abandonment {exact.p_abandon:.5f}, ASA {exact.asa_s:.3f} s, "
        f"SL(20 s, offered) {exact.service_level:.5f}"
    )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=DEFAULT_CALLS, help="measured calls")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="timed repeats")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_CALLS:,} calls, 1 repeat"
    )
    args = parser.parse_args()
    calls, repeats = (QUICK_CALLS, 1) if args.quick else (args.calls, args.repeats)
    if calls < BATCHES * 10 or repeats < 1:
        parser.error(f"need --calls >= {BATCHES * 10} and --repeats >= 1")

    exact = erlang_a_metrics(
        AGENTS,
        calls_per_hour=RATE_PER_HOUR,
        aht_s=MEAN_HANDLE_S,
        patience_s=MEAN_PATIENCE_S,
        threshold_s=THRESHOLD_S,
    )
    header(calls, repeats, exact)

    names = ("ccsim", "SimPy", "Ciw")
    runners: dict[str, Callable[[int, int], Run]] = {
        "ccsim": lambda n, seed: run_ccsim(n, seed).run,
        "SimPy": run_simpy,
        "Ciw": run_ciw,
    }
    for name in names:  # untimed first pass: imports, caches, allocator
        runners[name](SMOKE_CALLS, 0)

    runs: dict[str, list[Run]] = {name: [] for name in names}
    ccsim_runs: list[CcsimRun] = []
    for r in range(repeats):
        seed = 1 + r
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            if name == "ccsim":
                cc = run_ccsim(calls, seed)
                ccsim_runs.append(cc)
                run = cc.run
            else:
                run = runners[name](calls, seed)
            runs[name].append(run)
            print(
                f"  repeat {r + 1}/{repeats}  {name:<6} {run.simulated:>9,} calls "
                f"{run.wall_s:7.2f} s wall {run.cpu_s:7.2f} s CPU  "
                f"{run.calls_per_s:>9,.0f} calls/s"
            )
    print()

    # Throughput: medians and paired ratios (same repeat, adjacent in time).
    print("Throughput (median over repeats; ratios paired within a repeat, [min-max])")
    print(
        f"  {'':<6} {'calls/s wall':>13} {'calls/s CPU':>12} {'/SimPy wall':>24} {'/SimPy CPU':>24}"
    )
    for name in names:
        wall = float(np.median([run.calls_per_s for run in runs[name]]))
        cpu = float(np.median([run.calls_per_cpu_s for run in runs[name]]))
        cells = []
        for rate in ("calls_per_s", "calls_per_cpu_s"):
            ratios = paired_ratios(runs[name], runs["SimPy"], rate)
            span = f"[{min(ratios):.2f}-{max(ratios):.2f}]" if len(ratios) > 1 else ""
            cells.append(f"{np.median(ratios):>10.2f}x {span:>12}")
        print(f"  {name:<6} {wall:>13,.0f} {cpu:>12,.0f} {cells[0]:>24} {cells[1]:>24}")
    print()

    # Memory of ccsim's run (tracemalloc slows it; untimed, separate runs, same seed).
    print("ccsim peak traced memory during simulator.run (tracemalloc, seed 1)")
    kept_mib, contacts, kept_kpis = ccsim_memory(calls, 1, keep_contacts=True)
    lean_mib, _, lean_kpis = ccsim_memory(calls, 1, keep_contacts=False)
    for label, mib in (("contact log kept", kept_mib), ("keep_contacts=False", lean_mib)):
        per_million = mib / contacts * PER_MILLION
        print(
            f"  {label:<20} {mib:8.1f} MiB peak for {contacts:,} contacts "
            f"= {per_million:8.1f} MiB per million contacts"
            f" ({mib * BYTES_PER_MIB / contacts:,.0f} bytes per contact)"
        )
    same = all(math.isclose(kept_kpis[k], lean_kpis[k], rel_tol=1e-12) for k in kept_kpis)
    print(f"  same KPIs with and without the log: {'yes' if same else 'NO (suspicious)'}")
    print()

    # ccsim's own summary() against the contact log over the same window.
    print("ccsim summary() against its own contact log (same window)")
    consistent = True
    for cc in ccsim_runs:
        outcomes = cc.run.outcomes
        from_log = {k: batch_estimate([cc.run], k).value for k in KPIS}
        gaps = {k: abs(cc.summary[k] - from_log[k]) for k in KPIS}
        offered_ok = int(cc.summary["offered"]) == len(outcomes)
        ok = offered_ok and all(g <= 1e-9 * max(1.0, abs(from_log[k])) for k, g in gaps.items())
        consistent &= ok
        print(
            f"  offered {cc.summary['offered']:,.0f} (log {len(outcomes):,}), "
            f"abandonment {cc.summary['p_abandon']:.5f}, ASA {cc.summary['asa_s']:.3f} s, "
            f"SL {cc.summary['service_level']:.5f}: {'agree' if ok else 'DISAGREE'}"
        )
    print()

    # Agreement with Erlang A, pooled over repeats, tolerance from batch means.
    checks = len(names) * len(KPIS)
    print(
        f"Against exact Erlang A: {BATCHES} batch means per run, pooled over repeats; "
        f"tolerance = t(1 - {FAMILY_ALPHA:g}/(2·{checks}), B-1) x SE (Bonferroni over "
        f"{checks} checks)"
    )
    print(
        f"  {'':<6} {'measured':>9} {'KPI':<12} {'simulated':>10} {'± tol':>9} "
        f"{'Erlang A':>9} {'z':>6}  verdict"
    )
    void: list[str] = []
    for name in names:
        measured = sum(len(run.outcomes) for run in runs[name])
        for kpi in KPIS:
            est = batch_estimate(runs[name], kpi)
            t_crit = float(stats.t.ppf(1.0 - FAMILY_ALPHA / (2 * checks), est.df))
            target = exact_value(exact, kpi)
            z = (est.value - target) / est.se if est.se > 0 else math.inf
            bad = abs(z) > t_crit
            if bad and name not in void:
                void.append(name)
            digits = 3 if kpi == "asa_s" else 5
            print(
                f"  {name:<6} {measured:>9,} {KPI_LABELS[kpi]:<12} "
                f"{est.value:>10.{digits}f} {t_crit * est.se:>9.{digits}f} "
                f"{target:>9.{digits}f} {z:>6.2f}  {'DISAGREES' if bad else 'ok'}"
            )
    print()

    # Final table.
    print("Summary")
    print(
        f"  {'impl':<6} {'calls/s':>9} {'/SimPy':>7} {'abandon':>8} {'ASA s':>7} "
        f"{'SL 20s':>7}  Erlang A"
    )
    for name in names:
        wall = float(np.median([run.calls_per_s for run in runs[name]]))
        ratio = float(np.median(paired_ratios(runs[name], runs["SimPy"], "calls_per_s")))
        values = {kpi: batch_estimate(runs[name], kpi).value for kpi in KPIS}
        verdict = "DISAGREES: comparison void" if name in void else "agrees"
        print(
            f"  {name:<6} {wall:>9,.0f} {ratio:>6.2f}x {values['p_abandon']:>8.5f} "
            f"{values['asa_s']:>7.3f} {values['service_level']:>7.5f}  {verdict}"
        )
    print(
        f"  {'exact':<6} {'':>9} {'':>7} {exact.p_abandon:>8.5f} {exact.asa_s:>7.3f} "
        f"{exact.service_level:>7.5f}"
    )
    print(
        f"  ccsim peak memory per million contacts: {kept_mib / contacts * PER_MILLION:,.0f} MiB "
        f"with the contact log, {lean_mib / contacts * PER_MILLION:,.0f} MiB without"
    )
    if void:
        print(f"  flagged (figures disagree with Erlang A): {', '.join(void)}")
    if not consistent:
        print("  flagged: ccsim summary() disagrees with its own contact log")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
