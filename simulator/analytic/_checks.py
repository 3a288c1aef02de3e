"""Argument checks shared by the analytic formulas; each error names the argument."""

from __future__ import annotations

import math
import operator

MAX_AGENTS = 100_000
"""Most agents (servers, lines) a calculator handles, and so the largest load in Erlangs.
Erlang B's recursion costs one step per agent and every solver a logarithmic number of
evaluations, so this bounds any calculation to about a second."""


def check_servers(servers: int, *, allow_zero: bool = False) -> int:
    """Return ``servers`` as an ``int`` after checking it is a whole number of agents.

    Parameters
    ----------
    servers : int
        Number of agents (servers, trunks).
    allow_zero : bool
        Whether zero agents is meaningful for the caller (Erlang B/C functions accept it).

    Returns
    -------
    int
        The agent count.

    Raises
    ------
    ValueError
        If ``servers`` is not an integer, is negative, or is zero when that is not allowed.
    """
    if isinstance(servers, bool):
        raise ValueError(f"servers must be a whole number of agents, got {servers!r}")
    try:
        n = operator.index(servers)
    except TypeError:
        raise ValueError(f"servers must be a whole number of agents, got {servers!r}") from None
    least = 0 if allow_zero else 1
    if n < least:
        raise ValueError(f"servers must be at least {least}, got {n}")
    if n > MAX_AGENTS:
        raise ValueError(f"servers must be at most {MAX_AGENTS:,}, got {n:,}")
    return n


def check_load(load: float) -> float:
    """Return ``load`` (Erlangs) after checking it is finite, ``>= 0`` and at most
    :data:`MAX_AGENTS` (no staffing within the calculators' bound could carry more).

    Raises
    ------
    ValueError
        Naming the load and the bound.
    """
    a = check_nonnegative("load", load)
    if a > MAX_AGENTS:
        raise ValueError(
            f"the load is {a:,.0f} Erlangs (calls per hour x handle time / 3600); the "
            f"calculators handle at most {MAX_AGENTS:,}"
        )
    return a


def check_nonnegative(name: str, value: float) -> float:
    """Return ``value`` as a float after checking it is finite and >= 0.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    value : float
        The value to check.

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        If the value is negative, NaN or infinite.
    """
    x = float(value)
    if not math.isfinite(x) or x < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x


def check_positive(name: str, value: float) -> float:
    """Return ``value`` as a float after checking it is finite and > 0.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    value : float
        The value to check.

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        If the value is not strictly positive, or is NaN or infinite.
    """
    x = float(value)
    if not math.isfinite(x) or x <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def check_fraction(name: str, value: float) -> float:
    """Return ``value`` after checking it lies strictly between 0 and 1.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    value : float
        The value to check (a probability target).

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        If the value is not in the open interval (0, 1).
    """
    x = float(value)
    if not 0.0 < x < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return x


SECONDS_PER_HOUR = 3600.0
"""Calls per hour over calls per second: the public functions take planner units (per hour)
and the formulas work in rates per second."""


def per_second(calls_per_hour: float) -> float:
    """Arrival rate λ in calls per second from ``calls_per_hour`` (checked finite, ``>= 0``).

    Raises
    ------
    ValueError
        Naming ``calls_per_hour`` if it is negative, NaN or infinite.
    """
    return check_nonnegative("calls_per_hour", calls_per_hour) / SECONDS_PER_HOUR


def patience_rate(mean_patience: float | None) -> float:
    """Abandonment rate θ = 1 / mean patience; 0 for ``None`` or infinite patience.

    Parameters
    ----------
    mean_patience : float or None
        Mean of the exponential patience in seconds; ``None`` or ``inf`` means nobody abandons.

    Returns
    -------
    float
        θ in 1/s.

    Raises
    ------
    ValueError
        If the patience is not positive.
    """
    if mean_patience is None:
        return 0.0
    x = float(mean_patience)
    if math.isnan(x) or x <= 0.0:
        raise ValueError(f"patience_s must be > 0 (or None/inf for no abandonment), got {x!r}")
    return 0.0 if math.isinf(x) else 1.0 / x
