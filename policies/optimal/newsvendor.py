"""The newsvendor and the single-stage base-stock level.

One period, or one protection interval, of uncertain demand ``D``. Stock ``S`` is set
before demand is seen; every unit left over costs ``holding`` (h) and every unit short costs
``shortage`` (p). The expected cost is ``g(S) = h E(S - D)+ + p E(D - S)+`` and the best
level is the critical fractile ``F(S) >= p / (p + h)`` (Snyder & Shen, *Fundamentals of
Supply Chain Theory*, 2nd ed., Sec. 4.3). Under periodic review with backorders the same
level is the optimal base-stock level when ``D`` is the demand over the protection interval
(lead time plus one review period).

This module also holds the loss functions and argument checks that the other optimisers
share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, poisson

__all__ = [
    "NewsvendorSolution",
    "BaseStockMeasures",
    "normal_loss",
    "poisson_loss",
    "expected_cost_normal",
    "expected_cost_poisson",
    "newsvendor_normal",
    "newsvendor_poisson",
    "base_stock_poisson_measures",
]

Number = float | np.ndarray


def _out(x: ArrayLike) -> Number:
    """A 0-d result as a Python float, an array result as an array."""
    arr = np.asarray(x)
    return float(arr) if arr.ndim == 0 else arr


def _out_int(x: ArrayLike) -> int | np.ndarray:
    arr = np.asarray(x).astype(np.int64)
    return int(arr) if arr.ndim == 0 else arr


def _first(arr: np.ndarray, bad: np.ndarray) -> float:
    """The first element of ``arr`` (broadcast against ``bad``) where ``bad`` holds."""
    arr, bad = np.broadcast_arrays(arr, bad)
    return float(arr.reshape(-1)[np.argmax(bad.reshape(-1))])


def _check(name: str, value: ArrayLike, *, low: float = 0.0, strict: bool = True) -> np.ndarray:
    """``value`` as a float array, every element finite and ``> low`` (``>= low`` if not
    ``strict``); else a ``ValueError`` naming the key and the first bad value."""
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | ((arr <= low) if strict else (arr < low))
    if np.any(bad):
        op = ">" if strict else ">="
        raise ValueError(f"{name}(={_first(arr, bad)!r}) must be {op} {low:g}")
    return arr


def _check_finite(name: str, value: ArrayLike) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}(={_first(arr, ~np.isfinite(arr))!r}) must be finite")
    return arr


def _check_fraction(name: str, value: ArrayLike, *, closed: bool) -> np.ndarray:
    """``value`` in ``[0, 1]`` (``closed``) or ``(0, 1)``."""
    arr = np.asarray(value, dtype=float)
    inside = ((arr >= 0) & (arr <= 1)) if closed else ((arr > 0) & (arr < 1))
    if not np.all(inside):
        interval = "[0, 1]" if closed else "(0, 1)"
        raise ValueError(f"{name}(={_first(arr, ~inside)!r}) must be in {interval}")
    return arr


def _per_sku(fn: Callable[..., tuple], *args: ArrayLike) -> list[np.ndarray]:
    """Run the scalar solver ``fn`` once per SKU over broadcast ``args``; one array per
    returned field, each shaped like the broadcast arguments."""
    cols = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
    if cols[0].size == 0:
        raise ValueError("no SKUs given: the arguments broadcast to an empty array")
    rows = [fn(*(float(c.flat[i]) for c in cols)) for i in range(cols[0].size)]
    return [np.array(field).reshape(cols[0].shape) for field in zip(*rows, strict=True)]


def normal_loss(z: ArrayLike) -> Number:
    """Standard normal first-order loss function ``L(z) = E(Z - z)+ = phi(z) - z (1 - Phi(z))``
    (Snyder & Shen, 2nd ed., App. C)."""
    z = np.asarray(z, dtype=float)
    return _out(norm.pdf(z) - z * norm.sf(z))


def poisson_loss(level: ArrayLike, mean: ArrayLike) -> Number:
    """Poisson loss function ``E(D - S)+ = (mu - S)(1 - F(S)) + mu f(S)`` for integer ``S``
    (Snyder & Shen, 2nd ed., App. C); exact, and ``mu - S`` for ``S < 0``."""
    s = np.floor(_check_finite("level", level))
    mu = _check("mean", mean, strict=False)
    return _out((mu - s) * poisson.sf(s, mu) + mu * poisson.pmf(s, mu))


def expected_cost_normal(
    level: ArrayLike, mean: ArrayLike, std: ArrayLike, holding: ArrayLike, shortage: ArrayLike
) -> Number:
    """``h E(S - D)+ + p E(D - S)+`` for ``D ~ N(mean, std^2)``, through the standard normal
    loss function: ``h (S - mu) + (h + p) sigma L((S - mu) / sigma)`` (Snyder & Shen, 2nd ed.,
    Sec. 4.3). ``std == 0`` is deterministic demand."""
    s = _check_finite("level", level)
    mu = _check_finite("mean", mean)
    sigma = _check("std", std, strict=False)
    h, p = _check("holding", holding), _check("shortage", shortage)
    safe = np.where(sigma > 0, sigma, 1.0)
    smooth = h * (s - mu) + (h + p) * safe * np.asarray(normal_loss((s - mu) / safe))
    sharp = h * np.maximum(s - mu, 0.0) + p * np.maximum(mu - s, 0.0)
    return _out(np.where(sigma > 0, smooth, sharp))


def expected_cost_poisson(
    level: ArrayLike, mean: ArrayLike, holding: ArrayLike, shortage: ArrayLike
) -> Number:
    """``h E(S - D)+ + p E(D - S)+`` for ``D ~ Poisson(mean)`` and integer ``S``, exact
    (Snyder & Shen, 2nd ed., Sec. 4.3)."""
    s = np.floor(_check_finite("level", level))
    mu = _check("mean", mean, strict=False)
    h, p = _check("holding", holding), _check("shortage", shortage)
    short = np.asarray(poisson_loss(s, mu))
    return _out(h * (s - mu + short) + p * short)


@dataclass(frozen=True, slots=True)
class NewsvendorSolution:
    """Optimal stock level and its expected cost per period (arrays when given arrays)."""

    level: Number
    cost: Number


def newsvendor_normal(
    mean: ArrayLike, std: ArrayLike, holding: ArrayLike, shortage: ArrayLike
) -> NewsvendorSolution:
    """Optimal level for normal demand: ``S* = mu + z sigma``, ``z = Phi^-1(p / (p + h))``,
    with cost ``(h + p) sigma phi(z)`` (Snyder & Shen, 2nd ed., Sec. 4.3).
    Vectorised over SKUs; ``std == 0`` gives ``S* = mean`` at zero cost."""
    mu = _check_finite("mean", mean)
    sigma = _check("std", std, strict=False)
    h, p = _check("holding", holding), _check("shortage", shortage)
    z = norm.ppf(p / (p + h))
    level, cost = np.broadcast_arrays(mu + z * sigma, (h + p) * sigma * norm.pdf(z))
    return NewsvendorSolution(level=_out(level), cost=_out(cost))


def newsvendor_poisson(
    mean: ArrayLike, holding: ArrayLike, shortage: ArrayLike
) -> NewsvendorSolution:
    """Exact optimal integer level for Poisson demand: the smallest ``S`` with
    ``F(S) >= p / (p + h)``, and its expected cost (Snyder & Shen, 2nd ed., Sec. 4.3).
    Vectorised over SKUs."""
    mu = _check("mean", mean, strict=False)
    h, p = _check("holding", holding), _check("shortage", shortage)
    ratio = p / (p + h)
    s = poisson.ppf(ratio, mu)
    # ppf may land one step off where F(S) sits on the fractile to rounding: settle exactly.
    s = np.where(poisson.cdf(s - 1, mu) >= ratio, s - 1, s)
    s = np.where(poisson.cdf(s, mu) < ratio, s + 1, s)
    return NewsvendorSolution(level=_out_int(s), cost=expected_cost_poisson(s, mu, h, p))


@dataclass(frozen=True, slots=True)
class BaseStockMeasures:
    """Steady-state measures of a base-stock level under Poisson demand, per period.

    ``on_hand`` and ``backorders`` are expected end-of-period levels; ``fill_rate`` is the
    expected fraction of demand met from stock; ``no_stockout_probability`` is the chance
    that a period ends without backorders (the cycle service level).
    """

    on_hand: Number
    backorders: Number
    fill_rate: Number
    no_stockout_probability: Number

    def cost(self, holding: ArrayLike, backorder: ArrayLike) -> Number:
        """Expected holding plus backorder cost per period."""
        h, p = _check("holding", holding), _check("backorder", backorder)
        return _out(h * np.asarray(self.on_hand) + p * np.asarray(self.backorders))


def base_stock_poisson_measures(
    level: ArrayLike, protection_mean: ArrayLike, period_mean: ArrayLike
) -> BaseStockMeasures:
    """Exact measures of base-stock level ``S`` with backorders and Poisson demand.

    With ``D_P ~ Poisson(protection_mean)`` the demand over the protection interval and
    ``D_{P-1} ~ Poisson(protection_mean - period_mean)`` that interval less its last period:
    ``E[on hand] = E(S - D_P)+``, ``E[backorders] = E(D_P - S)+``,
    ``fill rate = 1 - (E(D_P - S)+ - E(D_{P-1} - S)+) / period_mean`` (the units of the last
    period's demand that are backordered) and ``P(no stockout) = P(D_P <= S)``
    (Zipkin, *Foundations of Inventory Management*, 2000, Ch. 6; Axsäter, *Inventory
    Control*, Ch. 5). Vectorised over SKUs.
    """
    s = np.floor(_check_finite("level", level))
    mu_p = _check("protection_mean", protection_mean, strict=False)
    mu_1 = _check("period_mean", period_mean)
    if np.any(mu_p < mu_1):
        raise ValueError(
            f"protection_mean(={_first(mu_p, mu_p < mu_1)!r}) must be >= "
            f"period_mean(={_first(mu_1, mu_p < mu_1)!r})"
        )
    back = np.asarray(poisson_loss(s, mu_p))
    back_before = np.asarray(poisson_loss(s, mu_p - mu_1))
    return BaseStockMeasures(
        on_hand=_out(s - mu_p + back),
        backorders=_out(back),
        fill_rate=_out(1.0 - (back - back_before) / mu_1),
        no_stockout_probability=_out(poisson.cdf(s, mu_p)),
    )
