"""The expected-inventory-level (EIL) approximation of the continuous-review (r, Q) policy.

Hadley & Whitin, *Analysis of Inventory Systems*, 1963, Sec. 4-4; Snyder & Shen,
*Fundamentals of Supply Chain Theory*, 2nd ed., 2019, Sec. 5.3.2 (eqs. 5.16-5.18,
Algorithm 5.1). Lead-time demand is normal, ``N(mu, sigma^2)`` with ``mu = rate E[L]``; the
cost per time unit is approximated by

    g(r, Q) = h (r - mu + Q / 2) + K rate / Q + p rate n(r) / Q,

with ``n(r) = sigma L((r - mu) / sigma)`` the expected shortage per cycle. Holding is
charged on the *expected inventory level* ``r - mu + Q/2`` (net stock, so backorders earn a
holding credit) and ``p`` is charged once per unit short per cycle, not per unit per time
unit as in the exact model of :mod:`policies.optimal.rq`. Its first-order conditions

    Q = sqrt(2 rate (K + p n(r)) / h),      1 - F(r) = Q h / (p rate)

are solved by alternating them from ``Q = EOQ`` until both move less than ``tol``.

Direction of the error. Because ``p`` is a one-off charge per unit short here but a charge
per unit per time unit in the exact model, the two do not share an optimum: on the book's
instances (Example 5.1/5.2, Problems 5.1 and 5.3) EIL's reorder point lies *above* the
exact optimum's (213.97 vs 126.87 in Example 5.2) and its ``Q`` slightly below; its
policy costs more than the exact optimum under the exact cost (``rq_cost_normal``), as any
approximate policy must (92.29 vs 78.07), and its own estimate ``g`` overstates even that
(95.45). These directions are observed on those instances, not proved in general.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from policies.optimal.newsvendor import Number, _check, _check_finite, _out, _per_sku
from policies.optimal.rq import RQSolution, _lead_time_demand

__all__ = ["rq_cost_eil", "rq_eil"]


def _shortage_per_cycle(r: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    """``n(r) = E(D_L - r)+ = sigma L((r - mu) / sigma)``; ``(mu - r)+`` when ``sigma == 0``
    (Snyder & Shen, 2nd ed., App. C)."""
    r, mu, sigma = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (r, mu, sigma)))
    safe = np.where(sigma > 0, sigma, 1.0)
    z = (r - mu) / safe
    smooth = safe * (norm.pdf(z) - z * norm.sf(z))
    return np.where(sigma > 0, smooth, np.maximum(mu - r, 0.0))


def rq_cost_eil(
    r: ArrayLike,
    q: ArrayLike,
    mean_rate: ArrayLike,
    std_rate: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike,
    holding: ArrayLike,
    stockout: ArrayLike,
    order_fixed: ArrayLike,
) -> Number:
    """EIL approximate cost per time unit ``h (r - mu + Q/2) + (K rate + p rate n(r)) / Q``
    (Snyder & Shen, 2nd ed., eq. 5.16; Hadley & Whitin 1963). ``stockout`` (p) is per unit
    short. Lead-time demand as in :func:`policies.optimal.rq.rq_normal_approx`. Vectorised."""
    r_ = _check_finite("r", r)
    q_ = _check("q", q)
    mu, sigma = _lead_time_demand(mean_rate, std_rate, lead_time_mean, lead_time_std)
    h, p = _check("holding", holding), _check("stockout", stockout)
    k = _check("order_fixed", order_fixed, strict=False)
    rate = np.asarray(mean_rate, dtype=float)
    n = _shortage_per_cycle(r_, mu, sigma)
    return _out(h * (r_ - mu + q_ / 2) + (k * rate + p * rate * n) / q_)


def _rq_eil_one(
    rate: float,
    mu: float,
    sigma: float,
    h: float,
    p: float,
    k: float,
    tol: float,
    max_iter: float,
) -> tuple[float, float, float, float]:
    q = np.sqrt(2 * k * rate / h)  # EOQ start (Algorithm 5.1)
    r = r_prev = q_prev = np.inf
    for iteration in range(1, int(max_iter) + 1):
        tail = q * h / (p * rate)
        if tail >= 1:
            raise ValueError(
                f"q(={q!r}) makes Q h / (p rate)(={tail!r}) >= 1: the EIL reorder point "
                "does not exist (stockout too cheap against holding)"
            )
        r = mu + sigma * float(norm.isf(tail))
        q = float(np.sqrt(2 * rate * (k + p * float(_shortage_per_cycle(r, mu, sigma))) / h))
        if abs(q - q_prev) <= tol and abs(r - r_prev) <= tol:
            n = float(_shortage_per_cycle(r, mu, sigma))
            cost = h * (r - mu + q / 2) + (k * rate + p * rate * n) / q
            return r, q, cost, float(iteration)
        r_prev, q_prev = r, q
    raise RuntimeError(f"EIL iteration did not converge in max_iter(={int(max_iter)}) steps")


def rq_eil(
    mean_rate: ArrayLike,
    std_rate: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike,
    holding: ArrayLike,
    stockout: ArrayLike,
    order_fixed: ArrayLike,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
) -> RQSolution:
    """``(r, Q)`` by the EIL approximation and its approximate cost ``g(r, Q)`` (eq. 5.16).

    Algorithm 5.1 of Snyder & Shen (2nd ed.), after Hadley & Whitin (1963): start at
    ``Q = sqrt(2 K rate / h)``, then repeat ``r = F^-1(1 - Q h / (p rate))`` and
    ``Q = sqrt(2 rate (K + p n(r)) / h)`` until ``r`` and ``Q`` both change by at most
    ``tol``. ``stockout`` (p) is a cost per unit short (see the module docstring for how this
    differs from the exact model). Needs ``order_fixed > 0``. Vectorised over SKUs by a loop.
    """
    mu, sigma = _lead_time_demand(mean_rate, std_rate, lead_time_mean, lead_time_std)
    h, p = _check("holding", holding), _check("stockout", stockout)
    k = _check("order_fixed", order_fixed)
    tol_ = float(_check("tol", tol))
    iters = float(_check("max_iter", max_iter, low=1.0, strict=False))
    rate = np.asarray(mean_rate, dtype=float)
    r, q, cost, _ = _per_sku(_rq_eil_one, rate, mu, sigma, h, p, k, tol_, iters)
    return RQSolution(r=_out(r), q=_out(q), cost=_out(cost))
