"""Echelon base-stock levels for a serial supply chain (Clark & Scarf 1960).

Stage 1 faces customer demand, stage 2 supplies stage 1, ..., and stage N is supplied by an
external source that never runs out. A shipment into stage j takes ``L_j`` periods. Each
stage follows an *echelon* base-stock policy: every period it orders up to ``S_j`` the
stock at or downstream of it, in transit included, minus the backorders at stage 1. Holding
costs are given per echelon: ``h_j = h'_j - h'_{j+1}`` where ``h'_j`` is the local holding
cost at stage j. Unmet customer demand is backordered at ``backorder`` (p) per unit per
period.

The optimal levels come from the Chen & Zheng (1994) form of the Clark & Scarf recursion
(Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Sec. 6.2): with
``C_0(x) = (p + h'_1) max(-x, 0)``, for j = 1..N

    C^_j(x) = h_j x + C_{j-1}(x),    C~_j(y) = E[C^_j(y - D_j)],
    S*_j = argmin C~_j,               C_j(x) = C~_j(min(S*_j, x)),

with ``D_j`` the demand over ``L_j`` periods, and the optimal cost per period is
``C~_N(S*_N)``. This cost charges stock in transit between stages at the local holding rate
of the stage that shipped it, and stock in transit from the external supplier to stage N at
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.signal import convolve
from scipy.stats import norm, poisson

from policies.optimal.newsvendor import _check

__all__ = [
    "SerialSolution",
    "clark_scarf_normal",
    "clark_scarf_poisson",
    "local_to_echelon_holding",
    "echelon_to_local_holding",
    "SolverFamily",
]

#: How the multi-echelon solvers model demand: exactly on the integers (``poisson``) or by
#: the normal distribution on a fine grid (``normal``).
SolverFamily = Literal["poisson", "normal"]


@dataclass(frozen=True, slots=True)
class SerialSolution:
    """Echelon base-stock levels, stage 1 (downstream) first, and the optimal expected cost
    per period."""

    levels: np.ndarray
    cost: float

    @property
    def local_levels(self) -> np.ndarray:
        """Installation base-stock levels ``S_j - S_{j-1}`` (valid when levels increase
        upstream, as optimal levels do)."""
        return np.diff(self.levels, prepend=0.0)


def local_to_echelon_holding(local: ArrayLike) -> np.ndarray:
    """Echelon holding costs ``h_j = h'_j - h'_{j+1}`` (``h'_{N+1} = 0``), stage 1 first
    (Snyder & Shen, 2nd ed., Sec. 6.2)."""
    h_local = _check("local", local, strict=False)
    return h_local - np.append(h_local[1:], 0.0)


def echelon_to_local_holding(echelon: ArrayLike) -> np.ndarray:
    """Local holding costs ``h'_j = h_j + h_{j+1} + ... + h_N``, stage 1 first (Snyder &
    Shen, 2nd ed., Sec. 6.2)."""
    h_ech = _check("echelon", echelon, strict=False)
    return np.cumsum(h_ech[::-1])[::-1]


def _expect(values: np.ndarray, kernel: np.ndarray, offset: int) -> np.ndarray:
    """``E[f(x_k - D)]`` on the grid, with ``f`` given by ``values`` on the grid and ``D``
    taking ``offset + i`` grid steps with probability ``kernel[i]``. Outside the grid ``f``
    is extended linearly, which is exact there: every function of the recursion is linear
    below all the demand and above its own base-stock level."""
    n, m = values.size, kernel.size
    idx = np.arange(-(offset + m - 1), n - offset)
    inner = np.clip(idx, 0, n - 1)
    left_slope, right_slope = values[1] - values[0], values[-1] - values[-2]
    ext = values[inner] + np.where(idx < 0, idx * left_slope, 0.0)
    ext = ext + np.where(idx > n - 1, (idx - n + 1) * right_slope, 0.0)
    return convolve(ext, kernel, mode="valid")  # direct or FFT, whichever is faster


def _clark_scarf(
    grid: np.ndarray,
    kernels: list[tuple[np.ndarray, int]],
    echelon: np.ndarray,
    backorder: float,
) -> SerialSolution:
    """The Chen & Zheng recursion on a uniform grid with one demand kernel per stage."""
    local_1 = float(echelon.sum())
    c_prev = (backorder + local_1) * np.maximum(-grid, 0.0)
    levels = []
    for h_j, (kernel, offset) in zip(echelon, kernels, strict=True):
        c_tilde = _expect(h_j * grid + c_prev, kernel, offset)
        k_star = int(np.argmin(c_tilde))
        levels.append(grid[k_star])
        c_prev = c_tilde[np.minimum(np.arange(grid.size), k_star)]
    return SerialSolution(levels=np.array(levels), cost=float(c_tilde[k_star]))


def _check_serial(
    echelon_holding: ArrayLike, lead_times: ArrayLike, backorder: float
) -> tuple[np.ndarray, np.ndarray, float]:
    h = _check("echelon_holding", echelon_holding, strict=False).reshape(-1)
    lead = _check("lead_times", lead_times, strict=False).reshape(-1)
    if h.size == 0 or h.size != lead.size:
        raise ValueError(
            f"echelon_holding(={h.tolist()!r}) and lead_times(={lead.tolist()!r}) must "
            "have one entry per stage"
        )
    return h, lead, float(_check("backorder", backorder))


def clark_scarf_normal(
    mean: float,
    std: float,
    echelon_holding: ArrayLike,
    lead_times: ArrayLike,
    backorder: float,
    grid_step: float | None = None,
    *,
    tail: float = 8.0,
) -> SerialSolution:
    """Optimal echelon base-stock levels of an N-stage serial system with iid normal demand
    (``mean``, ``std`` per period) at stage 1; Clark & Scarf (1960) by the recursion of
    Chen & Zheng, "Lower bounds for multi-echelon stochastic inventory systems",
    *Management Science* 40(11), 1994 (Snyder & Shen, 2nd ed., Sec. 6.2).

    ``echelon_holding[j]`` and ``lead_times[j]`` (periods, may be fractional) belong to
    stage j + 1, stage 1 first. The functions are tabulated on a grid of step ``grid_step``
    (in demand units; default ``std / 100``, coarser if the grid would pass ~100,000
    points; for ``std = 0`` a thousandth of the larger of ``mean`` and the summed lead-time
    demand, to which each ``L_j mean`` is rounded) and each ``D_j ~ N(L_j mean, L_j std^2)``
    is discretised onto it: every grid point takes the normal's mass within half a step of
    it, cut at ``tail`` standard deviations (the mass beyond, ``2 Phi(-tail)``, about 1e-15
    at the default, is dropped).

    *Accuracy.* With ``step`` the grid step, ``sigma_1 = sqrt(L_1) std`` and
    ``kappa = (p + h'_1) / (sqrt(2 pi) sigma_1)`` (``h'_1`` the sum of the echelon rates),
    which bounds the curvature of every ``C~_j``:

    - *levels*: the levels are grid points (multiples of ``step``). Two errors add up: the
      minimum is taken over the grid (at most half a step), and the discretised normal
      moves each lead-time demand by at most half a step, which shifts the minimiser of
      the tabulated function by at most about half a step more. So each level lies within
      one ``step`` of the exact optimum ``S*_j``, and at stage 1 within half a step: the
      tabulated ``P(D_1 <= x)`` is the normal's at ``x + step / 2``, so ``S_1`` is the grid
      point with ``S*_1`` in ``(S_1 - step / 2, S_1 + step / 2]``.
    - *cost*: per stage, the discretisation of the normal changes an expectation by about
      ``step^2 / 24`` times the curvature and the grid minimum by at most ``step^2 / 8``
      times it, so ``|cost - exact| <= N kappa step^2 / 6`` for N stages, a relative error
      of order ``(step / sigma_1)^2`` (at the default step, a few 1e-6 of the cost at most
      in the tested cases, and a tenth of the bound or less). The
      bound neglects errors of first order in the step, of relative size about
      ``exp(-2 pi^2 L_j std^2 / step^2)``: nothing while ``step`` is below about half the
      smallest ``sqrt(L_j) std``.

    ``tests/policies/optimal/test_serial_grid_accuracy.py`` checks both bounds against the
    recursion solved by quadrature. A finer step costs time and memory: the grid and each
    demand kernel grow as ``1 / step``.
    """
    mu = float(_check("mean", mean))
    sigma = float(_check("std", std, strict=False))
    h, lead, p = _check_serial(echelon_holding, lead_times, backorder)
    tail = float(_check("tail", tail))
    if grid_step is None:  # a hundredth of a std, but no more than ~100,000 grid points
        span = float(np.sum(lead * mu + 2 * tail * np.sqrt(lead) * sigma))
        step = max(sigma / 100, span / 100_000) if sigma > 0 else max(mu, span) / 1000
    else:
        step = float(_check("grid_step", grid_step))
    kernels, low, high, partial = [], 0.0, 0.0, 0.0
    for lead_j in lead:
        m_j, s_j = lead_j * mu, np.sqrt(lead_j) * sigma
        first = int(np.floor((m_j - tail * s_j) / step))
        last = int(np.ceil((m_j + tail * s_j) / step))
        points = np.arange(first, last + 1) * step
        if s_j > 0:
            mass = np.diff(norm.cdf(np.append(points - step / 2, points[-1] + step / 2), m_j, s_j))
        else:
            first, mass = int(round(m_j / step)), np.ones(1)
        kernels.append((mass / mass.sum(), first))
        partial += first * step
        low, high = min(low, partial), high + (first + mass.size - 1) * step
    grid = np.arange(np.floor(low / step) - 2, np.ceil(high / step) + 3) * step
    return _clark_scarf(grid, kernels, h, p)


def clark_scarf_poisson(
    mean: float, echelon_holding: ArrayLike, lead_times: ArrayLike, backorder: float
) -> SerialSolution:
    """Optimal integer echelon base-stock levels of an N-stage serial system with Poisson
    (``mean`` per period) demand at stage 1 and integer lead times: the Chen & Zheng (1994)
    recursion evaluated exactly on the integers (the Poisson tail beyond probability 1e-15
    is cut). Clark & Scarf (1960); Snyder & Shen, 2nd ed., Sec. 6.2."""
    mu = float(_check("mean", mean))
    h, lead, p = _check_serial(echelon_holding, lead_times, backorder)
    fractional = lead[lead != np.round(lead)]
    if fractional.size:
        raise ValueError(f"lead_times(={float(fractional[0])!r}) must be whole periods")
    kernels, high = [], 0
    for lead_j in lead:
        m_j = lead_j * mu
        first, last = int(poisson.ppf(1e-15, m_j)), int(poisson.isf(1e-15, m_j))
        kernels.append((poisson.pmf(np.arange(first, last + 1), m_j), first))
        high += last
    grid = np.arange(-2, high + 3, dtype=float)
    return _clark_scarf(grid, kernels, h, p)
