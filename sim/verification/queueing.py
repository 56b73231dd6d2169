"""Closed-form results of queueing theory, for checking the simulation against them.

Only what the theory tests need: the M/M/c queue (Poisson arrivals at rate ``lam``,
``c`` servers, exponential service at rate ``mu`` each), whose probability of waiting is
Erlang's C formula.
"""
from __future__ import annotations


def erlang_c(c: int, lam: float, mu: float) -> tuple[float, float]:
    """Probability that an arrival waits, and the mean wait in queue, of an M/M/c queue.

    Parameters
    ----------
    c : int
        Number of servers, >= 1.
    lam, mu : float
        Arrival rate and service rate of one server (per the same time unit), > 0, with
        ``lam < c * mu`` (otherwise the queue grows without bound).

    Returns
    -------
    (float, float)
        ``P(wait > 0)`` and the mean wait ``Wq = P(wait) / (c mu - lam)``, in the time
        unit of the rates.
    """
    if c < 1 or lam <= 0 or mu <= 0:
        raise ValueError("need c >= 1 and positive rates")
    if lam >= c * mu:
        raise ValueError(f"unstable queue: lam={lam} >= c*mu={c * mu}")
    a = lam / mu  # offered load in Erlangs
    # Erlang B by its recursion B(k) = a B(k-1) / (k + a B(k-1)), which never overflows
    # (the textbook sum of a^k / k! does for large c); then C from B.
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1 - b))
    return p_wait, p_wait / (c * mu - lam)
