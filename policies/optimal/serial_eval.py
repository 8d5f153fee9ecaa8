"""Expected cost of *given* echelon base-stock levels in a serial system, and the
Shang-Song (2003) newsvendor heuristic for those levels.

Conventions are those of :mod:`policies.optimal.serial`: stage 1 faces demand, stage N is
fed by an ample supplier, ``L_j`` is the lead time into stage j, holding costs are echelon
costs ``h_j`` (local ``h'_j = h_j + ... + h_N``), and backorders at stage 1 cost ``p``.
Write ``D_j`` for the demand over ``L_j`` and ``IL_j`` for stage j's echelon inventory level
in steady state. Under echelon base-stock levels ``S_1..S_N`` (Snyder & Shen, *Fundamentals
of Supply Chain Theory*, 2nd ed., Sec. 6.2; Chen & Zheng 1994)

    IL_N = S_N - D_N,      IL_j = min(S_j, IL_{j+1}) - D_j   (j < N),

with the ``D_j`` independent, and the expected cost per period is

    C(S) = sum_j h_j E[IL_j] + (p + h'_1) E[(IL_1)^-],

the value ``C~_N(S_N)`` of the Chen-Zheng recursion with the given ``S_j`` in place of the
minimisers, so at the optimal levels it is the optimal cost of ``clark_scarf_*``. The
distributions of ``IL_j`` are carried forward exactly on their (finite) supports, which also
gives the stage measures: expected backorders ``E[(IL_1)^-]``, on-hand stock at stage 1
``E[(IL_1)^+]`` and at stage j > 1 ``E[(IL_j - S_{j-1})^+]`` (what stage j holds beyond
stage j-1's request). With these, ``C = sum_j h'_j on_hand_j + sum_{j>1} h'_j E[D_{j-1}] +
p E[backorders]``: stock in transit into stage j < N is charged at the shipper's local rate,
and into stage N at nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, poisson

from policies.optimal import distribution
from policies.optimal.newsvendor import _check, _check_finite, _check_fraction
from policies.optimal.serial import _check_serial

__all__ = [
    "SerialEvaluation",
    "ShangSongLevels",
    "serial_cost_pmf",
    "serial_cost_poisson",
    "serial_cost_normal",
    "shang_song_pmf",
    "shang_song_poisson",
    "shang_song_normal",
]

Kernel = tuple[np.ndarray, np.ndarray]  # (points, probabilities) of a demand distribution


@dataclass(frozen=True, slots=True)
class SerialEvaluation:
    """Expected cost per period of given echelon levels, stage 1 first, with its parts:
    ``holding_cost = cost - p * backorders``; ``on_hand[j]`` is stage j+1's expected local
    on-hand stock; ``echelon_level[j]`` is ``E[IL_{j+1}]``."""

    levels: np.ndarray
    cost: float
    holding_cost: float
    backorders: float
    on_hand: np.ndarray
    echelon_level: np.ndarray


@dataclass(frozen=True, slots=True)
class ShangSongLevels:
    """Heuristic echelon levels ``weight * lower + (1 - weight) * upper`` (rounded if asked),
    with the newsvendor levels they average, stage 1 first."""

    levels: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


# --------------------------------------------------------------------------- kernels


def _merge(points: np.ndarray, probs: np.ndarray) -> Kernel:
    """Add up the mass on equal points (equal to 1e-9, against rounding)."""
    keys = np.round(points, 9)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse.reshape(-1), weights=probs, minlength=unique.size)


def _check_pmf(pmf: ArrayLike, first: int) -> Kernel:
    mass = _check("pmf", pmf, strict=False).reshape(-1)
    if mass.size == 0 or abs(mass.sum() - 1.0) > 1e-9:
        raise ValueError(f"pmf(sum={float(mass.sum())!r}) must sum to 1")
    if int(first) != first or first < 0:
        raise ValueError(f"first(={first!r}) must be a whole number >= 0")
    return first + np.arange(mass.size, dtype=float), mass


def _pmf_power(points: np.ndarray, mass: np.ndarray, periods: float) -> Kernel:
    """The pmf of demand over ``periods`` (whole) periods: ``periods``-fold convolution."""
    if periods != round(periods):
        raise ValueError(f"lead_times(={periods!r}) must be whole periods for a pmf")
    out_points, out_mass = np.zeros(1), np.ones(1)
    for _ in range(int(round(periods))):
        out_mass = np.convolve(out_mass, mass)
        out_points = out_points[0] + points[0] + np.arange(out_mass.size, dtype=float)
    return out_points, out_mass


def _poisson_kernel(mean: float) -> Kernel:
    """Poisson(mean) cut where the tails fall below 1e-15, as the optimisers cut it
    (:func:`policies.optimal.distribution._poisson_kernel`), with its support points."""
    if mean == 0:
        return np.zeros(1), np.ones(1)
    mass, first = distribution._poisson_kernel(mean)
    return np.arange(first, first + mass.size, dtype=float), mass


def _normal_kernel(mean: float, std: float, step: float, tail: float) -> Kernel:
    """N(mean, std^2) as masses on multiples of ``step`` (each point takes the mass within
    half a step of it; cut at ``tail`` std), as the optimisers discretise it
    (:func:`policies.optimal.distribution._normal_kernel`), with its points."""
    if std == 0:
        return np.array([mean]), np.ones(1)
    mass, first = distribution._normal_kernel(mean, std, step, tail)
    return np.arange(first, first + mass.size) * step, mass


# --------------------------------------------------------------------------- evaluation


def _evaluate(
    levels: np.ndarray, kernels: list[Kernel], echelon: np.ndarray, backorder: float
) -> SerialEvaluation:
    """Carry the distribution of ``IL_j`` from stage N down to stage 1."""
    n_stages = levels.size
    points, probs = np.array([levels[-1]]), np.ones(1)
    means, on_hand = np.zeros(n_stages), np.zeros(n_stages)
    for j in range(n_stages - 1, -1, -1):
        if j < n_stages - 1:
            points, probs = _merge(np.minimum(points, levels[j]), probs)
        d_points, d_probs = kernels[j]
        points, probs = _merge(
            (points[:, None] - d_points[None, :]).ravel(), np.outer(probs, d_probs).ravel()
        )
        means[j] = probs @ points
        if j > 0:
            on_hand[j] = probs @ np.maximum(points - levels[j - 1], 0.0)
    backorders = float(probs @ np.maximum(-points, 0.0))
    on_hand[0] = float(probs @ np.maximum(points, 0.0))
    local_1 = float(echelon.sum())
    cost = float(echelon @ means + (backorder + local_1) * backorders)
    return SerialEvaluation(
        levels=levels,
        cost=cost,
        holding_cost=cost - backorder * backorders,
        backorders=backorders,
        on_hand=on_hand,
        echelon_level=means,
    )


def _check_levels(levels: ArrayLike, n_stages: int) -> np.ndarray:
    s = _check_finite("levels", levels).reshape(-1)
    if s.size != n_stages:
        raise ValueError(f"levels(={s.tolist()!r}) must have one entry per stage ({n_stages})")
    return s


def serial_cost_pmf(
    levels: ArrayLike,
    pmf: ArrayLike,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
    *,
    first: int = 0,
) -> SerialEvaluation:
    """Expected cost per period of echelon levels ``levels`` (stage 1 first) when demand per
    period takes ``first + i`` with probability ``pmf[i]`` (Poisson, uniform, any table);
    whole-period lead times. Exact for any real levels (Chen & Zheng 1994; Snyder & Shen,
    2nd ed., Sec. 6.2)."""
    h, lead, p = _check_serial(echelon_holding, lead_times, backorder)
    s = _check_levels(levels, h.size)
    points, mass = _check_pmf(pmf, first)
    kernels = [_pmf_power(points, mass, float(lead_j)) for lead_j in lead]
    return _evaluate(s, kernels, h, p)


def serial_cost_poisson(
    levels: ArrayLike,
    mean: float,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
) -> SerialEvaluation:
    """Expected cost per period (per time unit) of echelon levels ``levels`` with Poisson
    demand of ``mean`` per period; ``D_j ~ Poisson(L_j mean)``, so lead times may be
    fractional (continuous review with one-for-one ordering, as in Shang & Song 2003).
    Exact up to the 1e-15 Poisson tails."""
    mu = float(_check("mean", mean, strict=False))
    h, lead, p = _check_serial(echelon_holding, lead_times, backorder)
    s = _check_levels(levels, h.size)
    return _evaluate(s, [_poisson_kernel(lead_j * mu) for lead_j in lead], h, p)


def serial_cost_normal(
    levels: ArrayLike,
    mean: float,
    std: float,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
    grid_step: float | None = None,
    *,
    tail: float = 8.0,
) -> SerialEvaluation:
    """Expected cost per period of echelon levels ``levels`` with iid ``N(mean, std^2)``
    demand per period: each ``D_j ~ N(L_j mean, L_j std^2)`` is discretised on multiples of
    ``grid_step`` (default ``std / 50``) and cut at ``tail`` std; the levels are used as
    given. The error is of order a step squared."""
    mu = float(_check("mean", mean, strict=False))
    sigma = float(_check("std", std, strict=False))
    h, lead, p = _check_serial(echelon_holding, lead_times, backorder)
    s = _check_levels(levels, h.size)
    tail = float(_check("tail", tail))
    if grid_step is None:
        step = sigma / 50 if sigma > 0 else 1.0
    else:
        step = float(_check("grid_step", grid_step))
    kernels = [
        _normal_kernel(lead_j * mu, float(np.sqrt(lead_j)) * sigma, step, tail) for lead_j in lead
    ]
    return _evaluate(s, kernels, h, p)


# --------------------------------------------------------------------------- Shang-Song


def _shang_song(
    quantile: Callable[[float, float], float],
    echelon: np.ndarray,
    lead: np.ndarray,
    backorder: float,
    weight: float,
    rounding: Callable[[np.ndarray], np.ndarray] | None,
) -> ShangSongLevels:
    """Shang & Song (2003), Sec. 4 (Snyder & Shen, 2nd ed., eq. 6.32): stage j solves two
    newsvendor problems for the demand over ``L_1 + ... + L_j`` with shortage cost
    ``p + h_{j+1} + ... + h_N`` and holding cost ``h_1 + ... + h_j`` (lower level) or ``h_j``
    (upper level), and takes their weighted average."""
    total_lead = np.cumsum(lead)
    tail_sum = np.append(np.cumsum(echelon[::-1])[::-1][1:], 0.0)  # h_{j+1} + ... + h_N
    lower, upper = np.zeros(echelon.size), np.zeros(echelon.size)
    for j in range(echelon.size):
        shortage = backorder + tail_sum[j]
        lower[j] = quantile(float(total_lead[j]), shortage / (shortage + echelon[: j + 1].sum()))
        upper[j] = quantile(float(total_lead[j]), shortage / (shortage + echelon[j]))
    levels = weight * lower + (1 - weight) * upper
    if rounding is not None:
        levels = np.asarray(rounding(levels), dtype=float)
    return ShangSongLevels(levels=levels, lower=lower, upper=upper)


def _check_heuristic(
    echelon_holding: ArrayLike, lead_times: ArrayLike, backorder: float, weight: float
) -> tuple[np.ndarray, np.ndarray, float, float]:
    h, lead, p = _check_serial(echelon_holding, lead_times, backorder)
    if np.any(h <= 0):
        raise ValueError(f"echelon_holding(={float(h[h <= 0][0])!r}) must be > 0")
    return h, lead, p, float(_check_fraction("weight", weight, closed=True))


def shang_song_normal(
    mean: float,
    std: float,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
    *,
    weight: float = 0.5,
    rounding: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ShangSongLevels:
    """Shang-Song heuristic echelon levels for ``N(mean, std^2)`` demand per period.

    Shang & Song, "Newsvendor bounds and heuristic for optimal policies in serial supply
    chains", *Management Science* 49(5), 2003: ``S_j = weight F_j^-1((p + h_{j+1} + ... +
    h_N) / (p + h_1 + ... + h_N)) + (1 - weight) F_j^-1((p + h_{j+1} + ... + h_N) / (p +
    h_j + ... + h_N))`` with ``F_j`` the demand over ``L_1 + ... + L_j``. ``rounding``
    (e.g. ``np.ceil``, ``np.floor``, ``np.rint``) is applied to the average, as in their
    p. 625 and stockpyl's ``round_type``."""
    mu = float(_check("mean", mean, strict=False))
    sigma = float(_check("std", std, strict=False))
    h, lead, p, w = _check_heuristic(echelon_holding, lead_times, backorder, weight)

    def quantile(total_lead: float, fractile: float) -> float:
        return total_lead * mu + np.sqrt(total_lead) * sigma * float(norm.ppf(fractile))

    return _shang_song(quantile, h, lead, p, w, rounding)


def shang_song_poisson(
    mean: float,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
    *,
    weight: float = 0.5,
    rounding: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ShangSongLevels:
    """Shang-Song heuristic (see :func:`shang_song_normal`) for Poisson demand of ``mean``
    per period; each newsvendor level is the least integer with ``F >= fractile``, and lead
    times may be fractional."""
    mu = float(_check("mean", mean, strict=False))
    h, lead, p, w = _check_heuristic(echelon_holding, lead_times, backorder, weight)

    def quantile(total_lead: float, fractile: float) -> float:
        return float(poisson.ppf(fractile, total_lead * mu))

    return _shang_song(quantile, h, lead, p, w, rounding)


def shang_song_pmf(
    pmf: ArrayLike,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
    *,
    first: int = 0,
    weight: float = 0.5,
    rounding: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ShangSongLevels:
    """Shang-Song heuristic (see :func:`shang_song_normal`) for demand per period taking
    ``first + i`` with probability ``pmf[i]``; whole-period lead times; each newsvendor
    level is the least value with ``F >= fractile``."""
    h, lead, p, w = _check_heuristic(echelon_holding, lead_times, backorder, weight)
    points, mass = _check_pmf(pmf, first)

    def quantile(total_lead: float, fractile: float) -> float:
        d_points, d_mass = _pmf_power(points, mass, total_lead)
        index = np.searchsorted(np.cumsum(d_mass), fractile - 1e-12, side="left")
        return float(d_points[min(int(index), d_points.size - 1)])

    return _shang_song(quantile, h, lead, p, w, rounding)
