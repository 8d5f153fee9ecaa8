"""Sampling helpers shared by the demand families: mean-one lognormal factors, the mean of
a censored normal, inversion tables, and counter-based uniforms.

``lognormal_factors``
    Heterogeneity across the SKU population. Per-SKU means are ``mean * exp(sigma * Z -
    sigma**2 / 2)`` with ``sigma**2 = log(1 + mean_spread**2)``: a lognormal whose median is
    shifted so the population average stays ``mean`` (Johnson, Kotz & Balakrishnan 1994,
    Ch. 14).
``censored_normal_mean``
    The mean of normal demand censored at zero (Johnson, Kotz & Balakrishnan 1994, Ch. 13).
``InversionTable``
    Per-SKU inversion with a guide table (Chen & Asau 1974; Devroye 1986, Sec. III.2.4):
    one uniform per draw, so demand is monotone in the random number and common random
    numbers stay tight. The negative binomial samples its stationary demand from one.
``counter_uniforms``
    Counter-based uniforms (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers:
    as easy as 1, 2, 3", SC '11): the uniform of ``(period, SKU)`` is a hash of the run's
    64-bit key, the period and the SKU through the SplitMix64 finaliser (Steele, Lea &
    Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA '14), applied
    twice. A draw is then a pure function of its own period and SKU, so any block of
    periods or SKUs comes out the same whichever call asks for it: the promotion plan
    (:mod:`sim.demand.promotions`) and block-by-block Poisson demand
    (:meth:`sim.demand.DemandModel.sample_block`) rely on it.

Exact Poisson inversion at any mean lives beside this module, in
:mod:`sim.demand.poisson_inversion`.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from forecasters.batch_lm import compiled

__all__ = [
    "TABLE_BUDGET",
    "TABLE_TAIL",
    "InversionTable",
    "censored_normal_mean",
    "counter_uniform",
    "counter_uniforms",
    "lognormal_factors",
    "table_support",
]

#: Largest inversion table (SKUs x support points) built for fast stationary negative
#: binomial sampling; beyond it numpy's sampler is used (Poisson needs none:
#: :mod:`sim.demand.poisson_inversion`).
TABLE_BUDGET = 4_000_000
#: Upper-tail mass left out of an inversion table (below the 2**-53 resolution of a uniform).
TABLE_TAIL = 1e-16
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, SplitMix64's increment
_UNIT = 2.0**-53


# --------------------------------------------------------------------------- population


def lognormal_factors(rng: np.random.Generator, n: int, cv: float) -> np.ndarray:
    """Mean-one lognormal multipliers with coefficient of variation ``cv`` across draws:
    ``exp(sigma Z - sigma**2 / 2)``, ``sigma**2 = log(1 + cv**2)``."""
    if cv == 0:
        return np.ones(n)
    sigma2 = np.log1p(cv * cv)
    return np.exp(np.sqrt(sigma2) * rng.standard_normal(n) - 0.5 * sigma2)


def censored_normal_mean(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """E[max(X, 0)] for X ~ N(mu, sigma) (Johnson, Kotz & Balakrishnan 1994, Ch. 13)."""
    mu = np.asarray(mu, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, mu / sigma, np.inf)
        out = mu * special.ndtr(z) + sigma * stats.norm.pdf(z)
    return np.where(sigma > 0, out, np.maximum(mu, 0.0))


# --------------------------------------------------------------------------- inversion


class InversionTable:
    """Per-SKU inverse-CDF sampler for discrete distributions on ``0..K-1``.

    Built once from a ``(n_skus, K)`` table of log probabilities (the tail beyond ``K`` is
    folded into the last point); draws ``(n_periods, n_skus)`` values with one uniform each.
    A guide table of ``K`` cells per SKU gives the start of the sequential search, so a
    draw costs about two look-ups (Chen & Asau 1974; Devroye 1986, Sec. III.2.4). The
    search compares ``u * K`` against ``K * cdf`` computed once, so the guide is exact.
    """

    def __init__(self, log_pmf: np.ndarray) -> None:
        n, k = log_pmf.shape
        cdf = np.cumsum(np.exp(log_pmf), axis=1)
        np.minimum(cdf, 1.0, out=cdf)
        cdf[:, -1] = 1.0
        scaled = cdf * k  # search key in units of guide cells
        cell = np.minimum(np.ceil(scaled), k).astype(np.int64)
        cell += np.arange(n, dtype=np.int64)[:, None] * (k + 1)
        counts = np.bincount(cell.ravel(), minlength=n * (k + 1)).reshape(n, k + 1)
        guide = np.cumsum(counts, axis=1)  # guide[i, j] = #{x: K cdf_i(x) <= j}, j = 0..K
        np.minimum(guide, k - 1, out=guide)  # j = K only if u * K rounds up to K
        scaled[:, -1] = np.inf  # the search always stops inside the row
        self.n_skus = n
        self.support = k
        self._scaled = scaled.ravel()
        self._guide = guide.astype(np.int32).ravel()
        self._guide_row = np.arange(n, dtype=np.int64) * (k + 1)
        self._row = np.arange(n, dtype=np.int64) * k

    def sample(self, rng: np.random.Generator, n_periods: int) -> np.ndarray:
        v = rng.random((n_periods, self.n_skus))
        v *= self.support
        cell = v.astype(np.int64)
        cell += self._guide_row
        x = self._guide.take(cell).astype(np.int64)
        x += self._row
        x = x.ravel()
        v = v.ravel()
        active = np.flatnonzero(self._scaled.take(x) <= v)
        while active.size:
            x[active] += 1
            active = active[self._scaled.take(x[active]) <= v[active]]
        x = x.reshape(n_periods, self.n_skus)
        x -= self._row
        return x.astype(np.float64)


def table_support(upper: int, n_skus: int) -> int | None:
    """Support size for an inversion table, or None when it would exceed the budget."""
    if not np.isfinite(upper):
        return None
    k = int(upper) + 2
    return k if k * n_skus <= TABLE_BUDGET else None


# --------------------------------------------------------------------------- uniforms


_S30, _S27, _S31, _S11 = (np.uint64(k) for k in (30, 27, 31, 11))
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


@compiled
def _mix(z):  # pragma: no cover - compiled
    """SplitMix64's finaliser of one 64-bit word (arithmetic wraps mod 2**64)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


@compiled
def _mix64(z):  # pragma: no cover - compiled
    """:func:`_mix` of every word of the uint64 array ``z``, in place."""
    for i in range(z.size):
        z[i] = _mix(z[i])
    return z


def _counters(name: str, values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise ValueError(f"{name}(={values!r}) must be a 1-D array of integers")
    return arr.astype(np.int64).view(np.uint64)


@compiled
def _hash_uniforms(row, col, out):  # pragma: no cover - compiled
    """``out[t, j]``: the uniform of ``row[t] ^ col[j]``: its :func:`_mix`, top 53 bits
    times 2**-53, in one pass over ``out``."""
    for t in range(row.size):
        r = row[t]
        for j in range(col.size):
            out[t, j] = float(_mix(r ^ col[j]) >> _S11) * _UNIT


def counter_uniforms(key: int, periods: np.ndarray, skus: np.ndarray) -> np.ndarray:
    """Uniforms on [0, 1), shape ``(len(periods), len(skus))``: a pure function of
    ``(key, period, sku)``, so a SKU's column is the same in any block of SKUs.
    :func:`counter_uniform` is the case ``skus = arange(n_skus)``."""
    if not 0 <= key < 2**64:
        raise ValueError(f"key(={key}) must be in [0, 2**64)")
    row = _mix64(np.uint64(key) + _GOLDEN * _counters("periods", periods))
    col = _GOLDEN * (_counters("skus", skus) + np.uint64(1))
    out = np.empty((row.size, col.size))
    _hash_uniforms(row, col, out)
    return out


def counter_uniform(key: int, periods: np.ndarray, n_skus: int) -> np.ndarray:
    """Uniforms on [0, 1) for every ``(period, SKU)`` of ``n_skus`` SKUs, ``(len(periods),
    n_skus)``: :func:`counter_uniforms` of SKUs ``0 .. n_skus - 1``."""
    return counter_uniforms(
        key, np.asarray(periods, dtype=np.int64), np.arange(n_skus, dtype=np.int64)
    )
