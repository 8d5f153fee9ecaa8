"""The exact oracles of ``tests/sim/exact.py`` against published values, independent
formulas, and small pure-Python simulations of the period convention (batch means, 4 sigma).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from scipy.stats import poisson

from tests.sim.exact import (
    fixed_duration,
    geometric_duration,
    one_warehouse_n_stores,
    single_node_with_outages,
    store_net_inventory,
)

WARMUP, BATCHES, SIGMAS = 1_000, 100, 4.0


def assert_batch_mean(series, exact: float, max_rel_band: float = 0.15) -> None:
    """``exact`` lies within 4 standard errors of the batch-means estimate, and that band
    is narrow (at most ``max_rel_band`` of the exact value): the check cannot pass by being
    vague."""
    x = np.asarray(series, dtype=float)
    x = x[x.size % BATCHES :].reshape(BATCHES, -1).mean(axis=1)
    band = SIGMAS * x.std(ddof=1) / np.sqrt(BATCHES)
    assert band <= max_rel_band * abs(exact), (band, exact)
    assert abs(x.mean() - exact) <= band, (x.mean(), exact, band)


def plain_base_stock(lam: float, lead_time: int, level: int) -> tuple[float, float, float]:
    """The single-stage base-stock formulas: on hand E(S - X)^+, backorders E(X - S)^+,
    X ~ Poisson(λ L); fill rate E min(D, (S - Y)^+) / λ, Y ~ Poisson(λ (L - 1)); all by
    brute-force sums over a wide support."""
    k = np.arange(400)
    x = poisson.pmf(k, lam * lead_time)
    y = poisson.pmf(k, lam * (lead_time - 1))
    d = poisson.pmf(k, lam)
    served = np.minimum(k[None, :], np.maximum(level - k, 0)[:, None])  # [y, d]
    return (
        float(x @ np.maximum(level - k, 0)),
        float(x @ np.maximum(k - level, 0)),
        float(y @ served @ d) / lam,
    )


# --- one warehouse, N stores -----------------------------------------------------------


def test_graves_1985_five_identical_stores():
    """The issue's case: N=5, λ=1, L0=4, S0=15, L=2, S=4."""
    res = one_warehouse_n_stores(np.ones(5), 4, 15, 2, 4)
    assert res.warehouse_backorders == pytest.approx(5.250411, abs=5e-7)
    np.testing.assert_allclose(res.backorders, 0.386787, atol=5e-7)
    np.testing.assert_allclose(res.on_hand, 1.336705, atol=5e-7)
    np.testing.assert_allclose(res.in_transit, 2.0)


@pytest.mark.parametrize(
    ("lam", "L0", "S0", "L", "S"),
    [
        ([1.0] * 5, 4, 15, 2, 4),
        ([0.6, 1.4], 2, 3, [1, 3], [2, 5]),
        ([0.2, 0.5, 2.0], 3, 0, [2, 1, 4], [0, 3, 12]),
    ],
)
def test_store_net_inventory_identity(lam, L0, S0, L, S):
    res = one_warehouse_n_stores(lam, L0, S0, L, S)
    expected = store_net_inventory(lam, L, S, res.warehouse_backorders)
    np.testing.assert_allclose(res.on_hand - res.backorders, expected, atol=1e-12)


def test_large_warehouse_level_decouples_the_stores():
    """With a warehouse that never runs out each store is a single stage."""
    res = one_warehouse_n_stores([0.5, 3.0], 2, 60, [3, 1], [4, 6])
    for i, (lam, L, S) in enumerate([(0.5, 3, 4), (3.0, 1, 6)]):
        np.testing.assert_allclose(
            (res.on_hand[i], res.backorders[i], res.fill_rate[i]), plain_base_stock(lam, L, S)
        )


def test_cost_adds_up_the_levels():
    res = one_warehouse_n_stores(
        [1.0, 2.0], 2, 5, [2, 1], [3, 4], warehouse_holding=0.5, holding=[1, 2], backorder=9
    )
    expected = (
        0.5 * (res.warehouse_on_hand + 1 * 2 + 2 * 1)
        + res.on_hand @ [1, 2]
        + 9 * res.backorders.sum()
    )
    assert res.cost == pytest.approx(expected)


def simulate_one_warehouse(lam, L0, S0, L, S, periods, seed):
    """FIFO warehouse, units of one period in random order (i.i.d. store labels)."""
    rng = np.random.default_rng(seed)
    n, lam0 = len(lam), sum(lam)
    totals = rng.poisson(lam0, periods)
    labels = rng.choice(n, size=totals.sum(), p=np.asarray(lam) / lam0)
    demand = np.bincount(np.repeat(np.arange(periods), totals) * n + labels, minlength=periods * n)
    demand, labels, totals = demand.reshape(periods, n).tolist(), labels.tolist(), totals.tolist()
    net, transit, wh_on_hand, owed, pos = list(S), [0] * n, S0, deque(), 0
    wh_arrivals = [0] * (periods + L0)
    arrivals = [[0] * (periods + L[i]) for i in range(n)]
    rec = {k: np.zeros((periods, n)) for k in ("on_hand", "backorders", "served", "transit")}
    rec |= {k: np.zeros(periods) for k in ("wh_on_hand_step3", "wh_on_hand", "wh_backorders")}
    for t in range(periods):
        wh_on_hand += wh_arrivals[t]  # 1. arrivals
        for i in range(n):
            net[i] += arrivals[i][t]
            transit[i] -= arrivals[i][t]
            d = demand[t][i]  # 2. demand, backorders first
            rec["served"][t, i] = min(d, max(net[i], 0))
            net[i] -= d
            rec["on_hand"][t, i], rec["backorders"][t, i] = max(net[i], 0), max(-net[i], 0)
        rec["wh_on_hand_step3"][t] = wh_on_hand  # 3. levels
        owed.extend(labels[pos : pos + totals[t]])  # 4. stores order, the warehouse too
        pos += totals[t]
        wh_arrivals[t + L0] += totals[t]
        while wh_on_hand and owed:  # FIFO shipping
            i = owed.popleft()
            wh_on_hand -= 1
            arrivals[i][t + L[i]] += 1
            transit[i] += 1
        rec["wh_on_hand"][t], rec["wh_backorders"][t] = wh_on_hand, len(owed)
        rec["transit"][t] = transit  # after shipping, as the oracle reports it
    rec["demand"] = np.asarray(demand, dtype=float)
    return {k: v[WARMUP:] for k, v in rec.items()}


def test_one_warehouse_matches_simulation():
    lam, L0, S0, L, S = [0.6, 1.4], 2, 3, [1, 3], [2, 5]
    res = one_warehouse_n_stores(lam, L0, S0, L, S)
    sim = simulate_one_warehouse(lam, L0, S0, L, S, periods=101_000, seed=7)
    assert_batch_mean(sim["wh_backorders"], res.warehouse_backorders)
    assert_batch_mean(sim["wh_on_hand"], res.warehouse_on_hand)
    assert_batch_mean(sim["wh_on_hand_step3"], res.warehouse_on_hand + sum(lam))
    for i in range(len(lam)):
        assert_batch_mean(sim["on_hand"][:, i], res.on_hand[i])
        assert_batch_mean(sim["backorders"][:, i], res.backorders[i])
        assert_batch_mean(sim["transit"][:, i], res.in_transit[i])
        unserved = sim["demand"][:, i] - sim["served"][:, i]
        assert_batch_mean(unserved / lam[i], 1 - res.fill_rate[i], max_rel_band=0.2)


# --- one node, supplier outages ---------------------------------------------------------


@pytest.mark.parametrize("duration", [fixed_duration(3), geometric_duration(4.0)])
def test_no_outages_is_plain_base_stock(duration):
    res = single_node_with_outages(2.0, 3, 7, 0.0, duration, holding=1.0, backorder=4.0)
    on_hand, backorders, fill = plain_base_stock(2.0, 3, 7)
    assert (res.on_hand, res.backorders, res.fill_rate) == pytest.approx(
        (on_hand, backorders, fill), abs=1e-12
    )
    assert res.cost == pytest.approx(on_hand + 4 * backorders)
    assert res.down_fraction == 0.0


def test_geometric_outage_ages_are_geometric():
    """Geometric outages chain into geometric down runs, continued with probability
    ``r = 1 - (1 - p) / m``: ``P(A = a) = π_up p r^(a-1)``, ``π_up = (1-r) / (1-r+p)``."""
    p, m = 0.05, 3.0
    res = single_node_with_outages(2.0, 2, 8, p, geometric_duration(m))
    r = 1 - (1 - p) / m
    up = (1 - r) / (1 - r + p)
    a = np.arange(1, res.outage_age_pmf.size)
    np.testing.assert_allclose(res.outage_age_pmf[0], up)
    np.testing.assert_allclose(res.outage_age_pmf[1:], up * p * r ** (a - 1), atol=1e-14)
    assert res.down_fraction == pytest.approx(1 - up)
    assert res.truncation_error <= 1e-12


def test_fixed_outages_down_fraction_matches_markov_chain():
    """Chain on periods left in the outage (0 = up), solved by linear algebra."""
    p, d = 0.1, 4
    P = np.zeros((d + 1, d + 1))
    for state in (0, 1):  # up, or the last period of an outage: the next one is free
        P[state, 0], P[state, d] = 1 - p, p
    for state in range(2, d + 1):
        P[state, state - 1] = 1.0
    A = np.vstack([P.T - np.eye(d + 1), np.ones(d + 1)])
    pi = np.linalg.lstsq(A, np.eye(d + 2)[-1], rcond=None)[0]
    res = single_node_with_outages(1.0, 1, 3, p, fixed_duration(d))
    assert res.down_fraction == pytest.approx(1 - pi[0], abs=1e-12)


def simulate_outages(lam, L, S, p, duration, periods, seed):
    rng = np.random.default_rng(seed)
    demand = rng.poisson(lam, periods).tolist()
    starts = (rng.random(periods) < p).tolist()
    lengths = (rng.choice(len(duration), size=periods, p=duration) + 1).tolist()
    arrivals = [0] * (periods + L)
    net, owed, covered_until = S, 0, -1
    rec = {k: np.zeros(periods) for k in ("on_hand", "backorders", "unserved", "down")}
    for t in range(periods):
        net += arrivals[t]  # 1. arrivals
        served = min(demand[t], max(net, 0))  # 2. demand
        net -= demand[t]
        rec["on_hand"][t], rec["backorders"][t] = max(net, 0), max(-net, 0)  # 3.
        rec["unserved"][t] = demand[t] - served
        owed += demand[t]  # 4. order the demand; ship all that is owed unless down
        if t > covered_until and starts[t]:
            covered_until = t + lengths[t] - 1
        rec["down"][t] = t <= covered_until
        if t > covered_until:
            arrivals[t + L] += owed
            owed = 0
    return {k: v[WARMUP:] for k, v in rec.items()}


@pytest.mark.parametrize(
    ("lam", "L", "S", "p", "duration"),
    [
        pytest.param(2.0, 2, 8, 0.05, geometric_duration(3.0), id="geometric"),
        pytest.param(1.5, 1, 6, 0.08, fixed_duration(4), id="fixed"),
    ],
)
def test_outages_match_simulation(lam, L, S, p, duration):
    res = single_node_with_outages(lam, L, S, p, duration)
    sim = simulate_outages(lam, L, S, p, duration, periods=201_000, seed=11)
    assert_batch_mean(sim["on_hand"], res.on_hand)
    assert_batch_mean(sim["backorders"], res.backorders)
    assert_batch_mean(sim["down"], res.down_fraction)
    assert_batch_mean(sim["unserved"] / lam, 1 - res.fill_rate)
    assert_batch_mean(sim["backorders"] > 0, 1 - res.cycle_service_level)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match=r"outage_prob\(=1\)"):
        single_node_with_outages(1.0, 1, 3, 1, fixed_duration(2))
    with pytest.raises(ValueError, match=r"lead_time\(=0\)"):
        single_node_with_outages(1.0, 0, 3, 0.1, fixed_duration(2))
    with pytest.raises(ValueError, match=r"level"):
        one_warehouse_n_stores([1.0], 1, 2, 1, 2.5)
