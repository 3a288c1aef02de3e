"""Running replications: serially or on local worker processes, with identical results.

Each replication is ``simulate_replication(scenario, r, seed=seed)``, a pure
function, so where it runs changes nothing: results are gathered and ordered by
replication number.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from simulator.experiment.result import RunResult
from simulator.model.replication import ReplicationOutput, simulate_replication
from simulator.scenario import Scenario

__all__ = ["ReplicationFailed", "run"]

_START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
"""Fork where the platform has it: workers start at once and scripts need no main guard."""

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each finished replication."""


class ReplicationFailed(RuntimeError):
    """A replication raised: which one, with which seed, and why."""

    def __init__(self, replication: int, seed: int, error: BaseException) -> None:
        super().__init__(f"replication {replication} (seed {seed}) failed: {error!r}")
        self.replication = replication
        self.seed = seed
        self.error = error


def _one(scenario: Scenario, replication: int, seed: int, keep: bool) -> ReplicationOutput:
    return simulate_replication(scenario, replication, keep_contacts=keep, seed=seed)


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    keep_contacts: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Simulate ``replications`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario : the scenario (see ``simulator.load``).
    replications : how many (default: the scenario's ``replications``).
    seed : the base seed (default: the scenario's ``seed``); replication ``r`` uses
        streams spawned from ``(seed, r)``.
    workers : local processes to use; 1 runs in this process. Results are identical.
    keep_contacts : keep the per-contact log (``False`` keeps only aggregates).
    progress : optional ``progress(done, total)`` callback.
    """
    n = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    outputs: list[ReplicationOutput] = []
    if workers == 1 or n == 1:
        for r in range(n):
            try:
                outputs.append(_one(scenario, r, base_seed, keep_contacts))
            except Exception as error:
                raise ReplicationFailed(r, base_seed, error) from error
            if progress is not None:
                progress(r + 1, n)
    else:
        context = multiprocessing.get_context(_START_METHOD)
        with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=context) as pool:
            futures = {
                pool.submit(_one, scenario, r, base_seed, keep_contacts): r for r in range(n)
            }
            for future in as_completed(futures):
                r = futures[future]
                try:
                    outputs.append(future.result())
                except Exception as error:
                    raise ReplicationFailed(r, base_seed, error) from error
                if progress is not None:
                    progress(len(outputs), n)
    outputs.sort(key=lambda o: o.replication)
    return RunResult(scenario=scenario, outputs=outputs, seed=base_seed)
