"""The simulator against exact results of inventory theory.

Each test derives the policy with the textbook optimiser, simulates it over independent
replications, and asserts that the exact value lies in a confidence interval computed from
the replications -- and that the interval is narrow, so the test cannot pass by being vague.
The intervals are 99% Student-t intervals: with a dozen checks, 95% intervals would let a
correct simulator fail one check in two runs of fresh seeds. The seeds are fixed, so the
outcome is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock
from policies.eoq import EOQ
from policies.newsvendor import Newsvendor
from policies.rq import RQ
from policies.ss import SS
from sim import demand as dm
from sim.network import Costs, Serial, Single
from sim.runner import Scenario, simulate

pytestmark = pytest.mark.slow


def ci99(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.995, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return float(v.mean()), float(half)


def assert_in_ci(result, kpi: str, exact: float, n_skus: int = 1, max_rel_half: float = 0.01):
    per_sku = [
        x / n_skus if kpi not in ("fill_rate", "cycle_service_level") else x
        for x in result.kpis[kpi]["per_replication"]
    ]
    mean, half = ci99(per_sku)
    assert half <= max_rel_half * abs(exact), f"{kpi}: CI half-width {half:.4g} too wide"
    assert abs(mean - exact) <= half, f"{kpi}: exact {exact} not in {mean:.6f} ± {half:.6f}"


def test_snyder_shen_ex_4_1_newsvendor_normal():
    """Normal(50, 8), h=0.18, p=0.70: S* = 56.603956, cost 1.997605 per period."""
    n = 50
    scen = Scenario(
        Single(lead_time=1),
        dm.Normal(mean=50.0, std=8.0),
        Costs(holding=0.18, backorder=0.70),
        n_skus=n,
    )
    res = simulate(scen, Newsvendor(), horizon=2_100, warmup=100, replications=10, seed=41)
    level = res.policy_parameters["level"]
    assert np.allclose(level, 56.603956, atol=1e-5)
    assert_in_ci(res, "cost_per_period", 1.997605, n)


def test_base_stock_poisson_exact_measures():
    """Poisson(10), L=2, h=1, p=9: S* = 26 and its exact cost and service measures."""
    n = 40
    scen = Scenario(
        Single(lead_time=2), dm.Poisson(mean=10.0), Costs(holding=1, backorder=9), n_skus=n
    )
    res = simulate(scen, BaseStock(), horizon=2_100, warmup=100, replications=10, seed=7)
    assert np.all(np.asarray(res.policy_parameters["level"]) == 26)
    assert_in_ci(res, "cost_per_period", 8.186431, n)
    assert_in_ci(res, "avg_on_hand", 6.218643, n)
    assert_in_ci(res, "avg_backorders", 0.218643, n, max_rel_half=0.05)
    assert_in_ci(res, "fill_rate", 0.978137, max_rel_half=0.002)
    assert_in_ci(res, "cycle_service_level", 0.922113, max_rel_half=0.005)


def test_zheng_federgruen_1991_ss_poisson():
    """Poisson(10), h=1, p=9, K=64, protection interval one period: (6, 40), 35.021555."""
    n = 40
    scen = Scenario(
        Single(lead_time=1),
        dm.Poisson(mean=10.0),
        Costs(holding=1, backorder=9, order_fixed=64),
        n_skus=n,
    )
    res = simulate(scen, SS(), horizon=2_100, warmup=100, replications=10, seed=91)
    assert np.all(np.asarray(res.policy_parameters["s"]) == 6)
    assert np.all(np.asarray(res.policy_parameters["S"]) == 40)
    assert_in_ci(res, "cost_per_period", 35.021555, n)


def test_federgruen_zheng_1992_rq_continuous_poisson():
    """Unit Poisson demand at rate 1.5, L=2, h=20, p=150, K=100: (r,Q)=(3,5), 107.923581."""
    n = 4
    scen = Scenario(
        Single(lead_time=2),
        dm.Poisson(mean=1.5),
        Costs(holding=20, backorder=150, order_fixed=100),
        n_skus=n,
        review="continuous",
    )
    res = simulate(scen, RQ(), horizon=3_050, warmup=50, replications=10, seed=1992)
    assert np.all(np.asarray(res.policy_parameters["r"]) == 3)
    assert np.all(np.asarray(res.policy_parameters["q"]) == 5)
    assert_in_ci(res, "cost_per_period", 107.923581, n, max_rel_half=0.015)


@pytest.mark.parametrize(
    ("variant", "backorder", "q_exact", "cost_exact"),
    [("classic", 1e9, 304.046780, 68.410526), ("backorders", 5.0, 310.812555, 66.921364)],
)
def test_snyder_shen_ex_3_1_and_3_8_eoq_deterministic(variant, backorder, q_exact, cost_exact):
    """EOQ on deterministic demand of 1300 per year, K=8, h=0.225 (with p=5 for Ex. 3.8):
    the simulated cost is within 1% of the analytic one."""
    scen = Scenario(
        Single(lead_time=0),
        dm.Deterministic(mean=1300.0),
        Costs(holding=0.225, backorder=backorder, order_fixed=8),
        review="continuous",
    )
    res = simulate(scen, EOQ(variant=variant), horizon=32, warmup=2, replications=1, seed=0)
    q = res.policy_parameters["q"]
    assert abs(q - q_exact) <= 0.5  # rounded to whole units
    cost = res.kpis["cost_per_period"]["mean"]
    assert abs(cost - cost_exact) <= 0.01 * cost_exact, cost


def test_snyder_shen_ex_6_1_serial_clark_scarf():
    """3 stages, Normal(5, 1), echelon holding (3, 2, 2), L = (1, 1, 2), p = 37.12:
    echelon levels about (6.48, 12.03, 22.72), cost about 47.66 per period."""
    n = 40
    net = Serial(stages=3, lead_time=[1, 1, 2], holding=[7, 4, 2])
    scen = Scenario(net, dm.Normal(mean=5.0, std=1.0), Costs(backorder=37.12), n_skus=n)
    res = simulate(scen, EchelonBaseStock(), horizon=2_100, warmup=100, replications=10, seed=61)
    levels = [np.asarray(res.policy_parameters[f"stage{j}"]["level"]).mean() for j in (1, 2, 3)]
    assert np.allclose(levels, [6.48, 12.03, 22.72], atol=0.02)
    # the optimiser's own cost, at the levels it chose, is the reference
    from policies.optimal import clark_scarf_normal

    exact = clark_scarf_normal(5.0, 1.0, [3, 2, 2], [1, 1, 2], 37.12).cost
    assert abs(exact - 47.66) <= 0.05
    assert_in_ci(res, "cost_per_period", exact, n)


def test_crossing_orders_base_stock_exact_convolution():
    """Orders cross: each order's lead time is 1 or 3 periods with equal odds, drawn per
    order. Under base-stock S = 26 each period's order equals its demand, so the units
    missing from S at the end of period t are D_t + B_1 D_{t-1} + B_2 D_{t-2} with D ~
    Poisson(10) and B ~ Bernoulli(1/2) independent (an order of t-1 or t-2 is outstanding
    iff its lead time is 3). The exact cost follows by convolution: 18.84, against 8.19
    for a fixed lead time of 2 -- whole orders share a lead time, so the outstanding
    quantity is not Poisson (the M/G/inf result needs a lead time per unit)."""
    from sim.leadtime import Discrete

    support = np.arange(200)
    pmf = stats.poisson.pmf(support, 10.0)
    thinned = 0.5 * pmf
    thinned[0] += 0.5
    missing = np.convolve(np.convolve(pmf, thinned), thinned)[: support.size]
    on_hand = float(np.sum(missing * np.maximum(26 - support, 0)))
    backorders = float(np.sum(missing * np.maximum(support - 26, 0)))
    exact = on_hand + 9 * backorders
    assert abs(exact - 18.843317) < 1e-5

    n = 40
    lead = Discrete(values=[1, 3], probabilities=[0.5, 0.5])
    scen = Scenario(
        Single(lead_time=lead), dm.Poisson(mean=10.0), Costs(holding=1, backorder=9), n_skus=n
    )
    res = simulate(scen, BaseStock(level=26), horizon=2_100, warmup=100, replications=10, seed=3)
    assert_in_ci(res, "cost_per_period", exact, n)
    assert_in_ci(res, "avg_on_hand", on_hand, n)


def test_lost_sales_one_period_lead_time_is_a_newsvendor():
    """Lost sales with L = 1: every period starts at S, so end-of-period stock is (S - D)+
    and lost demand (D - S)+ -- the newsvendor cost with the lost-sale penalty."""
    from policies.optimal import expected_cost_poisson, poisson_loss

    n, S, h, lost = 40, 13, 1.0, 6.0
    exact = float(expected_cost_poisson(S, 10.0, h, lost))
    scen = Scenario(
        Single(lead_time=1),
        dm.Poisson(mean=10.0),
        Costs(holding=h, lost_sale=lost),
        unmet_demand="lost_sales",
        n_skus=n,
    )
    res = simulate(scen, BaseStock(level=S), horizon=2_100, warmup=100, replications=10, seed=13)
    assert_in_ci(res, "cost_per_period", exact, n)
    assert res.kpis["avg_backorders"]["mean"] == 0
    lost = [x / (2_000 * n) for x in res.kpis["lost_sales"]["per_replication"]]
    mean, half = ci99(lost)
    assert abs(mean - float(poisson_loss(S, 10.0))) <= half


def test_capacitated_supplier_never_ships_more_than_its_capacity():
    from sim.network import Single as SingleNode

    scen = Scenario(
        SingleNode(lead_time=2, supplier_capacity=8.0),
        dm.Poisson(mean=10.0),
        Costs(holding=1, backorder=9),
        n_skus=5,
    )
    res = simulate(scen, BaseStock(level=26), horizon=300, seed=2, trace_skus=5)
    received = res.trace["received"].to_numpy()
    assert received.max() <= 8.0 and received.max() == 8.0
    # capacity below mean demand: backorders grow without bound, service collapses
    assert res.kpis["fill_rate"]["mean"] < 0.5
