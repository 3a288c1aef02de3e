"""Erlang B: blocking probability of the M/M/c/c loss system.

An arrival stream of offered load ``a = λ / μ`` Erlangs meets ``c`` servers and no
waiting room; a call finding all servers busy is lost. The blocking probability is

    B(c, a) = (a^c / c!) / Σ_{k=0}^{c} a^k / k!

(Erlang 1917; it holds for any service-time distribution with that mean, the
insensitivity property). It is evaluated with the textbook recursion

    B(0, a) = 1,    B(k, a) = a·B(k−1, a) / (k + a·B(k−1, a)),

whose every term lies in [0, 1], so it neither overflows nor loses precision for
thousands of servers (e.g. Cooper, *Introduction to Queueing Theory*, 2nd ed., §3.3;
Jagerman 1974, "Some properties of the Erlang loss function").
"""

from __future__ import annotations

from simulator.analytic._checks import check_load, check_servers

__all__ = ["erlang_b"]


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability B(c, a) of an Erlang loss system (M/M/c/c).

    Parameters
    ----------
    servers : int
        Number of servers (agents or trunk lines) ``c >= 0``.
    load : float
        Offered load ``a = λ·E[S]`` in Erlangs, ``>= 0``.

    Returns
    -------
    float
        The share of arrivals that find every server busy and are lost. ``B(0, a) = 1``
        (with no servers every call is refused; by the recursion's convention also for
        ``a = 0``), and ``B(c, 0) = 0`` for ``c >= 1``.

    Raises
    ------
    ValueError
        If ``servers`` is negative or not an integer, or ``load`` is negative or not finite.

    Notes
    -----
    Recursion ``B(k) = a·B(k−1) / (k + a·B(k−1))`` from ``B(0) = 1`` (module docstring);
    it costs O(c) and is exact to rounding.

    Examples
    --------
    >>> round(erlang_b(10, 5.0), 5)
    0.01838
    """
    c = check_servers(servers, allow_zero=True)
    a = check_load(load)
    b = 1.0
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return b
