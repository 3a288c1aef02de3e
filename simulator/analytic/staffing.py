"""Staffing rules: the fewest agents meeting a target, square-root staffing, staffing tables.

The solvers use the exact Erlang B, C and A formulas of this package. Each target
is monotone in the number of agents (more agents never lower the service level or
raise the wait, abandonment or blocking), so the search starts from the
square-root-staffing guess, gallops (steps 1, 2, 4, ...) until the target flips,
then bisects: a handful of evaluations instead of a scan from one agent.

Square-root staffing (Halfin & Whitt 1981, "Heavy-traffic limits for queues with
many exponential servers", *Operations Research* 29(3); Borst, Mandelbaum & Reiman
2004, "Dimensioning large call centers", *Operations Research* 52(1)) staffs
``n = a + β·√a`` agents for an offered load of ``a`` Erlangs. In the Halfin–Whitt
(QED) regime the Erlang C probability of waiting tends to

    P(wait) → 1 / (1 + β·Φ(β)/φ(β)),

with Φ and φ the standard normal distribution and density functions, which
:func:`halfin_whitt_beta` inverts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

from simulator.analytic._checks import (
    MAX_AGENTS,
    check_fraction,
    check_load,
    check_nonnegative,
    check_positive,
    patience_rate,
    per_second,
)
from simulator.analytic.erlanga import erlang_a_per_second
from simulator.analytic.erlangb import erlang_b
from simulator.analytic.erlangc import erlang_c_per_second

__all__ = [
    "agents_for_abandon_rate",
    "agents_for_asa",
    "agents_for_blocking",
    "agents_for_service_level",
    "halfin_whitt_beta",
    "square_root_staffing",
    "staffing_rows",
    "staffing_table",
]

#: Most rows on each side of a staffing table's centre (each row is one Erlang evaluation).
MAX_TABLE_WIDTH = 50
#: Square-root staffing guess used to start a search when no better one is known.
_DEFAULT_BETA = 0.5
#: Relative rounding slack when taking the ceiling of a + β√a.
_CEIL_SLACK = 1e-12


def square_root_staffing(load: float, beta: float) -> int:
    """Square-root staffing rule ``n = ⌈a + β·√a⌉`` (Halfin & Whitt 1981).

    Parameters
    ----------
    load : float
        Offered load ``a`` in Erlangs, ``>= 0``.
    beta : float
        Quality-of-service parameter β (safety staffing in units of √a); may be
        negative for systems with abandonment.

    Returns
    -------
    int
        The agent count, never below 0. Values within 1e-12 (relative) above an
        integer are treated as that integer, so rounding noise in ``a + β√a`` does
        not add an agent.

    Raises
    ------
    ValueError
        If ``load`` is negative or not finite, or ``beta`` is not finite.

    Examples
    --------
    >>> square_root_staffing(100.0, 1.0)
    110
    """
    a = check_load(load)
    if not math.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta!r}")
    x = a + beta * math.sqrt(a)
    return max(0, math.ceil(x - _CEIL_SLACK * max(1.0, abs(x))))


def halfin_whitt_beta(target_p_wait: float) -> float:
    """β whose Halfin–Whitt limit probability of waiting equals the target.

    Solves ``1 / (1 + β·Φ(β)/φ(β)) = target_p_wait`` for ``β > 0`` (Halfin & Whitt
    1981, Theorem 4; Borst, Mandelbaum & Reiman 2004, eq. 11). The equation is solved
    in log space, ``log β + log Φ(β) − log φ(β) = log(1/p − 1)``, so targets down to
    1e-300 work.

    Parameters
    ----------
    target_p_wait : float
        Target probability of waiting, strictly between 0 and 1.

    Returns
    -------
    float
        β > 0. Staffing ``square_root_staffing(a, β)`` agents gives ``P(wait) ≈ target``
        for large loads.

    Raises
    ------
    ValueError
        If the target is not strictly between 0 and 1.

    Examples
    --------
    >>> round(halfin_whitt_beta(0.5), 4)
    0.5061
    """
    p = check_fraction("target_p_wait", target_p_wait)
    goal = math.log1p(-p) - math.log(p)  # log(1/p − 1)

    def excess(beta: float) -> float:
        # log(beta) + log Phi(beta) - log phi(beta), with Phi by erfc (accurate for beta > 0)
        log_cdf = math.log(0.5 * math.erfc(-beta / math.sqrt(2.0)))
        log_pdf = -0.5 * beta * beta - 0.5 * math.log(2.0 * math.pi)
        return math.log(beta) + log_cdf - log_pdf - goal

    low, high = 1e-300, 1.0
    while excess(high) < 0.0:
        high *= 2.0
    # excess is increasing in beta: bisect to the precision of a double.
    while high - low > 1e-14 * max(1.0, high):
        mid = 0.5 * (low + high)
        if excess(mid) < 0.0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def _fewest(meets: Callable[[int], bool], guess: int, least: int) -> int:
    """Smallest ``n >= least`` with ``meets(n)``, for a predicate monotone in ``n``.

    Parameters
    ----------
    meets : callable
        ``meets(n)`` is False below the answer and True from it on.
    guess : int
        Starting point (e.g. the square-root-staffing guess).
    least : int
        Smallest admissible agent count.

    Returns
    -------
    int
        The answer.

    Raises
    ------
    ValueError
        If no count up to ``MAX_AGENTS`` meets the target.
    """
    n = min(max(guess, least), MAX_AGENTS)
    if meets(n):
        high, step = n, 1
        while True:
            probe = max(high - step, least)
            if probe == high:
                return high
            if not meets(probe):
                low = probe
                break
            high, step = probe, 2 * step
    else:
        low, step = n, 1
        while True:
            probe = low + step
            if probe > MAX_AGENTS:
                raise ValueError(f"no staffing up to {MAX_AGENTS} agents meets the target")
            if meets(probe):
                high = probe
                break
            low, step = probe, 2 * step
    while high - low > 1:
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    return high


def _stable_least(load: float) -> int:
    """Fewest agents that keep an Erlang C queue stable: the smallest integer above ``load``."""
    return math.floor(load) + 1


def _guess(load: float, p_wait: float) -> int:
    """Square-root-staffing starting point for a target probability of waiting."""
    return square_root_staffing(load, halfin_whitt_beta(min(max(p_wait, 1e-12), 0.99)))


def agents_for_service_level(
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    target: float,
    patience_s: float | None = None,
) -> int:
    """Fewest agents answering a share ``target`` of calls within ``threshold_s`` seconds.

    Parameters
    ----------
    calls_per_hour : float
        Offered calls per hour, ``>= 0``.
    aht_s : float
        Average handle time in seconds, ``> 0``.
    threshold_s : float
        Service-level threshold in seconds, ``>= 0``.
    target : float
        Required service level, strictly between 0 and 1.
    patience_s : float or None
        Mean exponential patience in seconds: Erlang A. ``None`` or ``inf``: Erlang C,
        where the service level is ``P(W <= t)``; with Erlang A it is the "offered"
        definition ``P(answered and W <= t)``.

    Returns
    -------
    int
        The fewest agents whose service level is at least ``target`` (0 with no calls).
        With Erlang C the answer always exceeds the load (a stable queue).

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    lam = per_second(calls_per_hour)
    es = check_positive("aht_s", aht_s)
    t = check_nonnegative("threshold_s", threshold_s)
    goal = check_fraction("target", target)
    return _fewest_for_service_level(lam, es, t, goal, patience_s)


def _fewest_for_service_level(
    lam: float, es: float, t: float, goal: float, patience_s: float | None
) -> int:
    """:func:`agents_for_service_level` on checked arguments, λ in calls per second."""
    theta = patience_rate(patience_s)
    if lam == 0.0:
        return 0
    load = check_load(lam * es)
    guess = _guess(load, 1.0 - goal)
    if theta == 0.0:
        return _fewest(
            lambda n: erlang_c_per_second(n, lam, es, t).service_level >= goal,
            guess,
            _stable_least(load),
        )
    patience = 1.0 / theta
    return _fewest(
        lambda n: erlang_a_per_second(n, lam, es, patience, t).service_level >= goal, guess, 1
    )


def agents_for_asa(
    *,
    calls_per_hour: float,
    aht_s: float,
    target_asa_s: float,
    patience_s: float | None = None,
) -> int:
    """Fewest agents whose average speed of answer is at most ``target_asa_s`` seconds.

    Parameters
    ----------
    calls_per_hour : float
        Offered calls per hour, ``>= 0``.
    aht_s : float
        Average handle time in seconds, ``> 0``.
    target_asa_s : float
        Largest acceptable mean wait of answered callers, seconds, ``> 0``.
    patience_s : float or None
        Mean exponential patience (Erlang A); ``None`` or ``inf`` for Erlang C.

    Returns
    -------
    int
        The fewest agents meeting the target (0 with no calls).

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    lam = per_second(calls_per_hour)
    es = check_positive("aht_s", aht_s)
    goal = check_positive("target_asa_s", target_asa_s)
    theta = patience_rate(patience_s)
    if lam == 0.0:
        return 0
    load = check_load(lam * es)
    guess = square_root_staffing(load, _DEFAULT_BETA)
    if theta == 0.0:
        return _fewest(
            lambda n: erlang_c_per_second(n, lam, es, 0.0).asa_s <= goal,
            guess,
            _stable_least(load),
        )
    patience = 1.0 / theta
    return _fewest(lambda n: erlang_a_per_second(n, lam, es, patience, 0.0).asa_s <= goal, guess, 1)


def agents_for_abandon_rate(
    *, calls_per_hour: float, aht_s: float, patience_s: float, target: float
) -> int:
    """Fewest agents keeping the Erlang A abandonment probability at most ``target``.

    Parameters
    ----------
    calls_per_hour : float
        Offered calls per hour, ``>= 0``.
    aht_s : float
        Average handle time in seconds, ``> 0``.
    patience_s : float
        Mean exponential patience in seconds, finite and ``> 0``.
    target : float
        Largest acceptable share of callers abandoning, strictly between 0 and 1.

    Returns
    -------
    int
        The fewest agents meeting the target (0 with no calls).

    Raises
    ------
    ValueError
        If an argument is out of range (an infinite patience has no abandonment to target).
    """
    lam = per_second(calls_per_hour)
    es = check_positive("aht_s", aht_s)
    patience = check_positive("patience_s", patience_s)
    goal = check_fraction("target", target)
    if lam == 0.0:
        return 0
    guess = square_root_staffing(lam * es, 0.0)
    return _fewest(
        lambda n: erlang_a_per_second(n, lam, es, patience, 0.0).p_abandon <= goal, guess, 1
    )


def agents_for_blocking(load: float, target: float) -> int:
    """Fewest servers (agents or trunk lines) with Erlang B blocking at most ``target``.

    Parameters
    ----------
    load : float
        Offered load in Erlangs, ``>= 0``.
    target : float
        Largest acceptable blocking probability, strictly between 0 and 1.

    Returns
    -------
    int
        The fewest servers meeting the target (0 when the load is 0).

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    Runs the Erlang B recursion ``B(k) = a·B(k−1)/(k + a·B(k−1))`` upwards and stops at
    the first ``k`` with ``B(k) <= target``: the cost of one Erlang B evaluation.

    Examples
    --------
    >>> agents_for_blocking(5.0, 0.02)
    10
    """
    a = check_load(load)
    goal = check_fraction("target", target)
    if a == 0.0:
        return 0
    b, k = 1.0, 0
    while b > goal:
        k += 1
        if k > MAX_AGENTS:
            raise ValueError(f"no staffing up to {MAX_AGENTS} servers meets the target")
        b = a * b / (k + a * b)
    return k


def _table_rows(
    model: Literal["b", "c", "a"],
    agents: range,
    lam: float,
    es: float,
    t: float,
    mean_patience: float | None,
) -> list[dict[str, float | int]]:
    """One dict of figures per agent count for :func:`staffing_table`."""
    load = check_load(lam * es)
    rows: list[dict[str, float | int]] = []
    for n in agents:
        if model == "b":
            blocking = erlang_b(n, load)
            carried = load * (1.0 - blocking)
            rows.append(
                {
                    "agents": n,
                    "load": load,
                    "blocking": blocking,
                    "carried_load": carried,
                    "occupancy": carried / n if n else 0.0,
                }
            )
        elif model == "c":
            c = erlang_c_per_second(n, lam, es, t)
            rows.append(
                {
                    "agents": n,
                    "load": load,
                    "occupancy": c.occupancy,
                    "p_wait": c.p_wait,
                    "asa_s": c.asa_s,
                    "service_level": c.service_level,
                    "mean_queue_length": c.mean_queue_length,
                }
            )
        else:
            assert mean_patience is not None  # checked by staffing_table
            r = erlang_a_per_second(n, lam, es, mean_patience, t)
            rows.append(
                {
                    "agents": n,
                    "load": load,
                    "occupancy": r.occupancy,
                    "p_wait": r.p_wait,
                    "p_abandon": r.p_abandon,
                    "asa_s": r.asa_s,
                    "mean_wait_s": r.mean_wait_s,
                    "service_level": r.service_level,
                    "service_level_answered": r.service_level_answered,
                    "mean_queue_length": r.mean_queue_length,
                }
            )
    return rows


def staffing_table(
    model: Literal["b", "c", "a"],
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    patience_s: float | None = None,
    around: int | None = None,
    width: int = 5,
    target: float | None = None,
) -> pd.DataFrame:
    """Erlang figures for a range of agent counts around an answer.

    Parameters
    ----------
    model : {"b", "c", "a"}
        Erlang B (loss), C (delay) or A (delay with exponential abandonment).
    calls_per_hour : float
        Offered calls per hour, ``>= 0``.
    aht_s : float
        Average handle time in seconds, ``> 0``.
    threshold_s : float
        Service-level threshold in seconds (unused by Erlang B).
    patience_s : float or None
        Mean patience in seconds; required (finite) for model ``"a"``.
    around : int or None
        Centre the table on this agent count. By default the centre is the fewest
        agents meeting ``target``.
    width : int
        Rows on each side of the centre (fewer where the agent count would drop
        below 1, or for Erlang C below the smallest stable count).
    target : float or None
        Target defining the default centre: the service level for ``"c"`` and ``"a"``
        (default 0.8), the blocking probability for ``"b"`` (default 0.01).

    Returns
    -------
    pandas.DataFrame
        One row per agent count, ascending. Columns: ``agents``, ``load`` and
        ``blocking``, ``carried_load``, ``occupancy`` (B); ``occupancy``, ``p_wait``,
        ``asa_s``, ``service_level``, ``mean_queue_length`` (C); and for A also
        ``p_abandon``, ``mean_wait_s`` and ``service_level_answered``.
        ``df.attrs`` records ``model``, ``centre`` and ``target``.

    Raises
    ------
    ValueError
        If an argument is out of range or ``model`` is unknown.
    """
    import pandas as pd

    rows, centre, goal = _staffing_rows(
        model, per_second(calls_per_hour), aht_s, threshold_s, patience_s, around, width, target
    )
    frame = pd.DataFrame(rows)
    frame.attrs.update({"model": model, "centre": centre, "target": goal})
    return frame


def staffing_rows(
    model: Literal["b", "c", "a"],
    *,
    calls_per_hour: float,
    aht_s: float,
    threshold_s: float,
    patience_s: float | None = None,
    around: int | None = None,
    width: int = 5,
    target: float | None = None,
) -> list[dict[str, float | int]]:
    """The rows of :func:`staffing_table` as plain dicts (same arguments), without pandas."""
    return _staffing_rows(
        model, per_second(calls_per_hour), aht_s, threshold_s, patience_s, around, width, target
    )[0]


def _staffing_rows(
    model: Literal["b", "c", "a"],
    lam: float,
    mean_service: float,
    threshold_s: float,
    mean_patience: float | None,
    around: int | None,
    width: int,
    target: float | None,
) -> tuple[list[dict[str, float | int]], int, float]:
    """Rows, centre and target of a staffing table; ``lam`` in calls per second (checked)."""
    if model not in ("b", "c", "a"):
        raise ValueError(f"model must be 'b', 'c' or 'a', got {model!r}")
    es = check_positive("aht_s", mean_service)
    t = check_nonnegative("threshold_s", threshold_s)
    if not 0 <= width <= MAX_TABLE_WIDTH:
        raise ValueError(f"width must be between 0 and {MAX_TABLE_WIDTH}, got {width}")
    if model == "a":
        check_positive("patience_s", mean_patience if mean_patience is not None else -1.0)
    load = check_load(lam * es)
    least = _stable_least(load) if model == "c" else 1
    if around is None:
        if model == "b":
            goal = 0.01 if target is None else target
            centre = agents_for_blocking(load, goal)
        else:
            goal = check_fraction("target", 0.8 if target is None else target)
            centre = _fewest_for_service_level(lam, es, t, goal, mean_patience)
    else:
        goal = target if target is not None else math.nan
        centre = around
    centre = max(centre, least)
    agents = range(max(least, centre - width), centre + width + 1)
    return _table_rows(model, agents, lam, es, t, mean_patience), centre, goal
