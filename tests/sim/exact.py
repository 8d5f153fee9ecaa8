"""Exact stationary results for Stocklab's period convention, used as test oracles.

Period ``t``: (1) shipments due arrive; (2) customer demand is served, backorders first,
the rest backordered; (3) costs are charged on the levels now; (4) every node orders
(downstream first) and every supplier ships what it owes as far as its stock allows. A
shipment sent at the end of period ``t`` with lead time ``L >= 1`` arrives at the start
of period ``t + L``. Demand is Poisson and integer; every node follows base-stock, so each
period it orders exactly the demand it saw.

**One warehouse, N stores** (Graves 1985; Axsäter 1990; the METRIC decomposition of
Sherbrooke 1968 made exact). Store ``i`` sees Poisson(``λ_i``) demand, ``λ0 = Σ λ_i``. The
warehouse's net stock after it ships at the end of a period is ``S0 - N0``, ``N0 ~
Poisson(λ0 L0)``, so its backorders are ``B0 = (N0 - S0)^+``. At step 3 of period ``t`` store
``i`` has outstanding the orders of periods ``t-L_i+1 .. t-1``, the demand of period ``t``, and
its part of the warehouse backorders left after the warehouse shipped in period ``t - L_i``:

    X_i = Poisson(λ_i L_i) + share_i,    share_i | B0 = k  ~  Binomial(k, λ_i / λ0),

the two terms independent, and its net stock is ``S_i - X_i``. The binomial share is exact
when the warehouse serves orders first-come first-served and units ordered in the same
period in an order that ignores which store ordered them (e.g. at random): the store
labels of Poisson units are then i.i.d. For any such rule ``E[share_i] = (λ_i/λ0) E[B0]``
(``store_net_inventory``). Serving the stores of one period in a fixed order keeps ``E[B0]``
and the sum over stores but makes the per-store binomial an approximation.

**One node whose supplier has outages** (derived here; a renewal argument). Period ``t``
is down or up; if it is up, everything owed ships at the end of ``t``. Periods not covered
by an earlier outage start one with probability ``p``, covering ``D`` periods (any
distribution on 1, 2, ...). The order of period ``s`` arrives by period ``t`` exactly when
some period in ``[s, t-L]`` is up, so at step 3 of period ``t`` the demand of ``L + A``
periods is outstanding, where ``A`` is the number of consecutive down periods ending at
period ``t - L`` (0 if it is up), independent of that demand. Down periods come in runs;
after an up period a run starts with probability ``p`` and is a sum of ``K`` outages,
``P(K = k) = (1-p) p^(k-1)``. With ``G(a) = P(run >= a)`` and ``π_up`` the fraction of up
periods,

    P(A = 0) = π_up,   P(A = a) = π_up p G(a) (a >= 1),   π_up = 1 / (1 + p E[run]),
    E[run] = E[D] / (1-p),    E[A] = π_up p E[run (run+1)] / 2.

Computation: every expectation uses ``E(X - s)^+ = E X - s + E(s - X)^+``, so only the pmf
on ``0 .. s`` is needed and the means are exact. The warehouse backorder pmf is cut where
the Poisson(``λ0 L0``) tail is below ``tol`` (1e-15): the store results lose at most that
much probability. The outage age ``A`` is cut at ``a_max``, chosen so that ``S P(A >
a_max) <= tol``; that product bounds the error of every level (``truncation_error``).

References: S. C. Graves (1985), A multi-echelon inventory model for a repairable item with
one-for-one replenishment, Management Science 31(10) 1247-1256. S. Axsäter (1990), Simple
solution procedures for a class of two-echelon inventory problems, Operations Research
38(1) 64-69. C. C. Sherbrooke (1968), METRIC: a multi-echelon technique for recoverable
item control, Operations Research 16(1) 122-141.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import binom, poisson

__all__ = [
    "OneWarehouseResult",
    "OutageResult",
    "fixed_duration",
    "geometric_duration",
    "one_warehouse_n_stores",
    "single_node_with_outages",
    "store_net_inventory",
]


def _integers_at_least(name: str, value: ArrayLike, low: int) -> np.ndarray:
    arr = np.asarray(value)
    if not np.all(np.equal(np.mod(arr, 1), 0)) or np.any(arr < low):
        raise ValueError(f"{name}(={value!r}) must be integers >= {low}")
    return arr.astype(np.int64)


def _levels(head: np.ndarray, mean: float, level: int) -> tuple[float, float, float]:
    """``E(level - X)^+``, ``E(X - level)^+`` and ``P(X <= level)`` of an integer ``X >= 0``
    with mean ``mean``, from ``head``, its pmf on ``0 .. level``."""
    on_hand = float(np.dot(level - np.arange(level), head[:level]))
    return on_hand, float(mean - level + on_hand), float(head[: level + 1].sum())


def _fill_rate(head_before: np.ndarray, lam: float, level: int) -> np.ndarray:
    """``E min(D, (level - Y)^+) / λ``: the fraction of demand ``D ~ Poisson(λ)`` served on
    arrival when ``level - Y`` is the net stock before it, ``Y`` independent of ``D``, with
    pmf ``head_before`` on ``0 .. level-1`` (last axis). Uses ``E min(D, c) = Σ_{j<c} P(D >
    j)``."""
    expected_min = np.cumsum(poisson.sf(np.arange(level), lam))  # c = 1 .. level
    return head_before[..., :level] @ expected_min[::-1] / lam


def _poisson_head(mean: float, level: int) -> np.ndarray:
    return poisson.pmf(np.arange(level + 1), mean)


# --- one warehouse, N stores -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OneWarehouseResult:
    """Stationary expectations per period. Store arrays have shape ``(n_stores,)``; store
    levels are those at step 3 (they do not change in step 4). Warehouse on hand and
    in-transit are after the warehouse shipped (end of step 4); at step 3 the warehouse
    holds ``λ0`` more and each pipeline ``λ_i`` less, so ``cost`` is the same at both."""

    warehouse_on_hand: float
    warehouse_backorders: float  # E[B0], the same at step 3 and after shipping
    on_hand: np.ndarray
    backorders: np.ndarray
    in_transit: np.ndarray  # warehouse -> store i, shipped and not arrived: λ_i L_i
    fill_rate: np.ndarray  # units served on arrival / units demanded
    cycle_service_level: np.ndarray  # P(store ends the period without backorders)
    cost: float  # h0 (on hand + in transit at the warehouse) + Σ h_i on hand + p backorders


def store_net_inventory(
    lam: ArrayLike, lead_time: ArrayLike, level: ArrayLike, warehouse_backorders: float
) -> np.ndarray:
    """``E[on hand - backorders]`` at each store: ``S_i - λ_i L_i - (λ_i/λ0) E[B0]``. Holds
    for any warehouse allocation that ignores which store ordered (then each store's
    expected share of the warehouse backorders is proportional to its demand)."""
    lam = np.asarray(lam, dtype=float)
    return level - lam * np.asarray(lead_time) - lam / lam.sum() * warehouse_backorders


def one_warehouse_n_stores(
    lam: ArrayLike,
    warehouse_lead_time: int,
    warehouse_level: int,
    lead_time: ArrayLike,
    level: ArrayLike,
    *,
    warehouse_holding: float = 0.0,
    holding: ArrayLike = 0.0,
    backorder: float = 0.0,
    tol: float = 1e-15,
) -> OneWarehouseResult:
    """Exact stationary levels of a one-warehouse, N-store base-stock system under FIFO
    (Graves 1985; Axsäter 1990); see the module docstring. ``lam`` has one Poisson rate
    per store; ``lead_time``, ``level`` and ``holding`` are per store or scalar. The
    external supplier to the warehouse never runs short and its pipeline costs nothing."""
    lam = np.asarray(lam, dtype=float)
    if lam.ndim != 1 or lam.size == 0 or np.any(lam <= 0):
        raise ValueError(f"lam(={lam!r}) must be a non-empty list of rates > 0")
    L0 = int(_integers_at_least("warehouse_lead_time", warehouse_lead_time, 1))
    S0 = int(_integers_at_least("warehouse_level", warehouse_level, 0))
    L = np.broadcast_to(_integers_at_least("lead_time", lead_time, 1), lam.shape)
    S = np.broadcast_to(_integers_at_least("level", level, 0), lam.shape)
    h = np.broadcast_to(np.asarray(holding, dtype=float), lam.shape)
    lam0 = lam.sum()

    # warehouse: N0 ~ Poisson(λ0 L0) units outstanding after shipping, B0 = (N0 - S0)^+
    wh_on_hand, wh_backorders, _ = _levels(_poisson_head(lam0 * L0, S0), lam0 * L0, S0)
    top = max(int(poisson.isf(tol, lam0 * L0)), S0)
    b0_pmf = poisson.pmf(np.arange(S0, top + 1), lam0 * L0)
    b0_pmf[0] = poisson.cdf(S0, lam0 * L0)
    b0 = np.arange(b0_pmf.size)

    on_hand, backorders, fill, csl = (np.empty(lam.size) for _ in range(4))
    for i in range(lam.size):
        s = int(S[i])
        share = binom.pmf(np.arange(s + 1)[:, None], b0[None, :], lam[i] / lam0) @ b0_pmf
        before = np.convolve(_poisson_head(lam[i] * (L[i] - 1), s), share)[: s + 1]
        head = np.convolve(before, _poisson_head(lam[i], s))[: s + 1]
        mean = lam[i] * L[i] + lam[i] / lam0 * wh_backorders
        on_hand[i], backorders[i], csl[i] = _levels(head, mean, s)
        fill[i] = _fill_rate(before, lam[i], s)
    in_transit = lam * L
    cost = (
        warehouse_holding * (wh_on_hand + in_transit.sum())
        + float(np.dot(h, on_hand))
        + backorder * backorders.sum()
    )
    return OneWarehouseResult(
        wh_on_hand, float(wh_backorders), on_hand, backorders, in_transit, fill, csl, float(cost)
    )


# --- one node, supplier outages --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutageResult:
    """Stationary expectations per period, levels at step 3."""

    on_hand: float
    backorders: float
    fill_rate: float  # units served on arrival / units demanded
    cycle_service_level: float  # P(the period ends without backorders)
    down_fraction: float  # stationary P(a period is down)
    cost: float  # holding * on hand + backorder * backorders
    outage_age_pmf: np.ndarray  # P(A = a), a = 0 .. a_max: L + A periods outstanding
    truncation_error: float  # bound on the error of every level from cutting A at a_max


def fixed_duration(periods: int) -> np.ndarray:
    """Outage duration pmf on ``1 .. periods``: always ``periods``."""
    d = int(_integers_at_least("periods", periods, 1))
    return np.eye(d)[-1]


def geometric_duration(mean: float, tol: float = 1e-16) -> np.ndarray:
    """Outage duration pmf on ``1 .. n``: ``P(D = d) = q (1-q)^(d-1)``, ``q = 1/mean``, cut
    where the tail is below ``tol`` and the tail added to the last point."""
    if mean < 1:
        raise ValueError(f"mean(={mean}) must be >= 1")
    q = 1.0 / mean
    n = 1 if q == 1 else int(np.ceil(np.log(tol) / np.log1p(-q)))
    pmf = q * (1 - q) ** np.arange(n)
    pmf[-1] += (1 - q) ** n
    return pmf


def _down_run_pmf(p: float, duration: np.ndarray, n: int) -> np.ndarray:
    """``P(run = k)``, ``k = 0 .. n``, of a run of down periods: ``run = D_1 + ... + D_K``
    solves ``g = (1-p) f + p (f * g)`` (f the duration pmf), term by term."""
    f = np.zeros(n + 1)
    f[1 : min(n, duration.size) + 1] = duration[:n]
    g = np.zeros(n + 1)
    for k in range(1, n + 1):
        g[k] = (1 - p) * f[k] + p * np.dot(f[1:k], g[k - 1 : 0 : -1])
    return g


def single_node_with_outages(
    lam: float,
    lead_time: int,
    level: int,
    outage_prob: float,
    duration: ArrayLike,
    *,
    holding: float = 0.0,
    backorder: float = 0.0,
    tol: float = 1e-12,
) -> OutageResult:
    """Exact stationary levels of one base-stock node with Poisson(``lam``) demand whose
    supplier edge has random outages (module docstring). ``duration`` is the pmf of an
    outage's length on ``1, 2, ..`` (``fixed_duration``, ``geometric_duration``)."""
    if lam <= 0:
        raise ValueError(f"lam(={lam}) must be > 0")
    L = int(_integers_at_least("lead_time", lead_time, 1))
    S = int(_integers_at_least("level", level, 0))
    if not 0 <= outage_prob < 1:
        raise ValueError(f"outage_prob(={outage_prob}) must be in [0, 1)")
    f = np.asarray(duration, dtype=float)
    if f.ndim != 1 or f.size == 0 or np.any(f < 0) or abs(f.sum() - 1) > 1e-9:
        raise ValueError(f"duration(={duration!r}) must be a pmf on 1, 2, ...")
    p = outage_prob

    d = np.arange(1, f.size + 1)
    mean_d, var_d = f @ d, f @ d**2 - (f @ d) ** 2
    mean_run = mean_d / (1 - p)
    var_run = var_d / (1 - p) + p * mean_d**2 / (1 - p) ** 2
    up = 1.0 / (1.0 + p * mean_run)
    mean_age = up * p * (var_run + mean_run**2 + mean_run) / 2

    a_max = 64
    while True:
        run = _down_run_pmf(p, f, a_max)
        age = up * p * (1.0 - np.cumsum(run))  # P(A = a) = π_up p P(run >= a), a >= 1 ...
        age = np.concatenate(([up], age[:-1]))  # ... shifted to index a = 0 .. a_max
        bound = max(S, 1) * max(1.0 - age.sum(), 0.0)
        if bound <= tol or a_max >= 1 << 16:
            break
        a_max *= 2
    if bound > tol:
        raise ValueError(f"outage ages too long to cut at a_max={a_max} (bound {bound:.2g})")

    a = np.arange(a_max + 1)
    heads = poisson.pmf(np.arange(S + 1)[None, :], lam * (L + a)[:, None])
    before = poisson.pmf(np.arange(S + 1)[None, :], lam * (L - 1 + a)[:, None])
    on_hand = float(age @ (heads[:, :S] @ (S - np.arange(S))))
    backorders = lam * (L + mean_age) - S + on_hand
    csl = float(age @ heads.sum(axis=1))
    fill = float(age @ _fill_rate(before, lam, S))
    return OutageResult(
        on_hand=on_hand,
        backorders=backorders,
        fill_rate=fill,
        cycle_service_level=csl,
        down_fraction=1.0 - up,
        cost=holding * on_hand + backorder * backorders,
        outage_age_pmf=age,
        truncation_error=bound,
    )
