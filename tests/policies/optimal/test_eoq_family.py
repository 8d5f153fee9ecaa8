"""Tests of the EOQ family (quantity discounts, EPQ, joint replenishment): published values
in tests named after their source, brute-force searches over grids, and argument checks.

The published inputs and outputs were read from the test-suite and instance file of
stockpyl (github.com/LarrySnyder/stockpyl: tests/test_eoq.py,
src/stockpyl/datasets/stockpyl_instances.json), which encode the examples of Snyder &
Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Silver (1976) and Silver, Pyke &
Peterson (1998).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from policies.optimal.eoq import eoq, eoq_backorders
from policies.optimal.eoq_family import (
    POWER_OF_TWO_GUARANTEE_FIXED_BASE,
    POWER_OF_TWO_GUARANTEE_OPTIMISED_BASE,
    all_units_discount_cost,
    all_units_discount_eoq,
    epq,
    epq_cost,
    incremental_discount_cost,
    incremental_discount_eoq,
    jrp_cost,
    jrp_lower_bound,
    jrp_power_of_two,
    jrp_silver,
)

# Snyder & Shen, Example 3.5 (data of Examples 3.6 and 3.7) and Problem 3.12.
EX_3_5 = dict(
    order_fixed=8, demand_rate=1300, breakpoints=[0, 400, 800], unit_costs=[0.75, 0.72, 0.68]
)
PROB_3_12 = dict(
    order_fixed=2250, demand_rate=182500, breakpoints=[0, 1200, 2400], unit_costs=[1490, 1220, 1100]
)
# The instance in stockpyl's docstrings.
DOC_ALL_UNITS = dict(
    order_fixed=200, demand_rate=1000, breakpoints=[0, 200, 500], unit_costs=[500, 475, 450]
)
DOC_INCREMENTAL = dict(
    order_fixed=150, demand_rate=2400, breakpoints=[0, 300, 600], unit_costs=[100, 90, 80]
)


# ------------------------------------------------------------------- all-units discounts


def test_snyder_shen_example_3_6_all_units_discounts() -> None:
    sol = all_units_discount_eoq(**EX_3_5, holding_rate=0.3)
    assert sol.q == pytest.approx(800.0)
    assert sol.region == 2
    assert sol.cost == pytest.approx(978.60)
    assert sol.purchase_cost == pytest.approx(0.68 * 1300)
    assert sol.cycle_time == pytest.approx(800 / 1300)


def test_snyder_shen_problem_3_12a_all_units_discounts() -> None:
    sol = all_units_discount_eoq(**PROB_3_12, holding_rate=0.25)
    assert sol.q == pytest.approx(2400.0)
    assert sol.region == 2
    assert sol.cost == pytest.approx(201251093.75)


def test_stockpyl_docstring_instance_all_units_discounts() -> None:
    sol = all_units_discount_eoq(**DOC_ALL_UNITS, holding_rate=0.2)
    assert (sol.q, sol.region) == (pytest.approx(500.0), 2)
    assert sol.cost == pytest.approx(472900.0)


def test_all_units_with_a_fixed_holding_cost_by_hand() -> None:
    # h = 0.225: region 0 EOQ 304.05 costs 1043.41, region 1 at 400 costs 1007,
    # region 2 at 800 costs 884 + 13 + 90 = 987.
    sol = all_units_discount_eoq(**EX_3_5, holding=0.225)
    assert (sol.q, sol.region) == (pytest.approx(800.0), 2)
    assert sol.cost == pytest.approx(987.0)


@pytest.mark.parametrize("holding_kw", [{"holding_rate": 0.3}, {"holding": 0.225}])
def test_all_units_beats_every_integer_order_quantity(holding_kw: dict) -> None:
    sol = all_units_discount_eoq(**EX_3_5, **holding_kw)
    grid = np.arange(1.0, 5001.0)
    costs = all_units_discount_cost(grid, **EX_3_5, **holding_kw)
    assert sol.cost <= costs.min() + 1e-9
    assert all_units_discount_cost(sol.q, **EX_3_5, **holding_kw) == pytest.approx(sol.cost)


def test_all_units_beats_a_fine_grid_on_random_schedules() -> None:
    rng = np.random.default_rng(14)
    for _ in range(25):
        n = int(rng.integers(1, 5))
        b = np.concatenate([[0.0], np.cumsum(rng.uniform(50, 600, n - 1))])
        c = np.sort(rng.uniform(1, 10, n))[::-1]
        kw = dict(
            order_fixed=rng.uniform(5, 200),
            demand_rate=rng.uniform(100, 5000),
            breakpoints=b,
            unit_costs=c,
        )
        hold = (
            {"holding_rate": rng.uniform(0.05, 0.5)}
            if rng.random() < 0.5
            else {"holding": rng.uniform(0.1, 3.0)}
        )
        sol = all_units_discount_eoq(**kw, **hold)
        grid = np.concatenate([np.linspace(1.0, 4 * b[-1] + 4000, 40_001), b[1:]])
        best = all_units_discount_cost(grid, **kw, **hold).min()
        assert sol.cost <= best + 1e-9 * best
        assert sol.cost >= best - 1e-3 * best  # the grid comes close to the optimum


# ----------------------------------------------------------------- incremental discounts


def test_snyder_shen_example_3_7_incremental_discounts() -> None:
    sol = incremental_discount_eoq(**EX_3_5, holding_rate=0.3)
    assert sol.q == pytest.approx(304.04678003)
    assert sol.region == 0
    assert sol.cost == pytest.approx(1043.41052551)


def test_snyder_shen_problem_3_12b_incremental_discounts() -> None:
    sol = incremental_discount_eoq(**PROB_3_12, holding_rate=0.25)
    assert sol.q == pytest.approx(28553.06065428)
    assert sol.region == 2
    assert sol.cost == pytest.approx(208678591.67992835)


def test_stockpyl_docstring_instance_incremental_discounts() -> None:
    sol = incremental_discount_eoq(**DOC_INCREMENTAL, holding_rate=0.25)
    assert (sol.q, sol.region) == (pytest.approx(1481.8906842274164), 2)
    assert sol.cost == pytest.approx(222762.8136845483)


def test_incremental_purchase_cost_is_continuous_at_breakpoints() -> None:
    eps = 1e-7
    for b in (400.0, 800.0):
        lo, hi = incremental_discount_cost(np.array([b - eps, b]), **EX_3_5, holding_rate=0.3)
        assert lo == pytest.approx(hi, rel=1e-9)


@pytest.mark.parametrize(
    "data, holding_kw",
    [
        (EX_3_5, {"holding_rate": 0.3}),
        (EX_3_5, {"holding": 0.05}),
        (PROB_3_12, {"holding_rate": 0.25}),
        (DOC_INCREMENTAL, {"holding_rate": 0.25}),
        (DOC_INCREMENTAL, {"holding": 1.0}),
    ],
)
def test_incremental_beats_a_fine_grid(data: dict, holding_kw: dict) -> None:
    sol = incremental_discount_eoq(**data, **holding_kw)
    grid = np.linspace(1.0, 3 * max(sol.q, data["breakpoints"][-1]), 200_001)
    costs = incremental_discount_cost(grid, **data, **holding_kw)
    assert sol.cost <= costs.min() + 1e-9 * costs.min()
    assert sol.cost == pytest.approx(costs.min(), rel=1e-6)
    assert incremental_discount_cost(sol.q, **data, **holding_kw) == pytest.approx(sol.cost)


def test_discounts_vectorised_over_skus_match_one_at_a_time() -> None:
    many = dict(
        order_fixed=[8, 2250, 150],
        demand_rate=[1300, 182500, 2400],
        breakpoints=[[0, 400, 800], [0, 1200, 2400], [0, 300, 600]],
        unit_costs=[[0.75, 0.72, 0.68], [1490, 1220, 1100], [100, 90, 80]],
    )
    rates = [0.3, 0.25, 0.25]
    for solver in (all_units_discount_eoq, incremental_discount_eoq):
        sol = solver(**many, holding_rate=rates)
        for i, data in enumerate((EX_3_5, PROB_3_12, DOC_INCREMENTAL)):
            one = solver(**data, holding_rate=rates[i])
            assert sol.q[i] == pytest.approx(one.q)
            assert sol.region[i] == one.region
            assert sol.cost[i] == pytest.approx(one.cost)
    # One shared schedule, per-SKU demand.
    sol = all_units_discount_eoq(
        8, [100, 1300, 20000], [0, 400, 800], [0.75, 0.72, 0.68], holding_rate=0.3
    )
    assert sol.q.shape == (3,) and sol.region.dtype.kind == "i"


@pytest.mark.parametrize(
    "change, match",
    [
        ({"breakpoints": [100, 400, 800]}, r"breakpoints\(=\[100\.0, 400\.0, 800\.0\]\) must st"),
        ({"breakpoints": [0, 800, 400]}, r"breakpoints\(=\[0\.0, 800\.0, 400\.0\]\) must be st"),
        ({"unit_costs": [0.75, 0.72]}, r"unit_costs\(=\[0\.75, 0\.72\]\) must have the shape"),
        ({"unit_costs": [0.75, 0.72, -0.68]}, r"unit_costs\(=-0\.68\) must be > 0"),
        ({"unit_costs": [0.68, 0.72, 0.75]}, r"unit_costs\(=\[0\.68, 0\.72, 0\.75\]\) must be n"),
        ({"order_fixed": -8}, r"order_fixed\(=-8\.0\) must be > 0"),
        ({"demand_rate": 0}, r"demand_rate\(=0\.0\) must be > 0"),
        ({"breakpoints": []}, r"breakpoints\(=\[\]\) must be a non-empty"),
    ],
)
def test_discount_inputs_are_checked(change: dict, match: str) -> None:
    for solver in (all_units_discount_eoq, incremental_discount_eoq):
        with pytest.raises(ValueError, match=match):
            solver(**{**EX_3_5, **change}, holding_rate=0.3)


def test_discounts_need_exactly_one_holding_cost() -> None:
    for solver in (all_units_discount_eoq, incremental_discount_eoq):
        with pytest.raises(ValueError, match=r"exactly one of holding_rate\(=None\)"):
            solver(**EX_3_5)
        with pytest.raises(ValueError, match=r"holding_rate\(=0\.3\) and holding\(=0\.2\)"):
            solver(**EX_3_5, holding_rate=0.3, holding=0.2)
        with pytest.raises(ValueError, match=r"holding_rate\(=-0\.3\) must be > 0"):
            solver(**EX_3_5, holding_rate=-0.3)


# --------------------------------------------------------------------------------- EPQ


def test_snyder_shen_problem_3_22_epq() -> None:
    sol = epq(4, 0.08, 80, 110)
    assert sol.q == pytest.approx(171.2697677155351)
    assert sol.cost == pytest.approx(3.736794931975310)


def test_snyder_shen_example_3_1_epq_with_production_rate_2000() -> None:
    # stockpyl's variant of Example 3.1 (K = 8, h = 0.225, D = 1300) with P = 2000.
    sol = epq(8, 0.225, 1300, 2000)
    assert sol.q == pytest.approx(513.9328595516969)
    assert sol.cost == pytest.approx(40.472212689696120)
    assert epq_cost(350, 8, 0.225, 1300, 2000) == pytest.approx(43.495535714285715)
    assert sol.max_inventory == pytest.approx(sol.q * (1 - 1300 / 2000))
    assert sol.cycle_time == pytest.approx(sol.q / 1300)
    assert sol.production_time == pytest.approx(sol.q / 2000)
    assert (sol.stockout_fraction, sol.max_backorder) == (0.0, 0.0)


def test_epq_beats_a_grid_of_lot_sizes() -> None:
    sol = epq(8, 0.225, 1300, 2000)
    grid = np.linspace(1.0, 3000.0, 300_000)
    costs = epq_cost(grid, 8, 0.225, 1300, 2000)
    assert sol.cost <= costs.min() + 1e-12
    assert sol.cost == pytest.approx(costs.min(), rel=1e-8)
    assert epq_cost(sol.q, 8, 0.225, 1300, 2000) == pytest.approx(sol.cost)


def test_epq_with_backorders_beats_a_grid_of_lots_and_stockout_fractions() -> None:
    sol = epq(8, 0.225, 1300, 2000, backorder=5)
    assert sol.stockout_fraction == pytest.approx(0.225 / 5.225)
    q, x = np.meshgrid(np.linspace(300, 900, 1201), np.linspace(0, 0.2, 801))
    costs = epq_cost(q, 8, 0.225, 1300, 2000, backorder=5, stockout_fraction=x)
    assert sol.cost <= costs.min() + 1e-12
    assert sol.cost == pytest.approx(costs.min(), rel=1e-5)
    rho = 1 - 1300 / 2000
    assert sol.max_backorder == pytest.approx(sol.stockout_fraction * sol.q * rho)
    assert sol.max_inventory + sol.max_backorder == pytest.approx(sol.q * rho)


def test_epq_tends_to_eoq_as_production_rate_grows() -> None:
    # Snyder & Shen Example 3.1 (EOQ) and Example 3.8 (EOQ with planned backorders).
    fast = epq(8, 0.225, 1300, 1e12)
    assert fast.q == pytest.approx(eoq(8, 0.225, 1300).q, rel=1e-6)
    assert fast.cost == pytest.approx(68.410525505948272, rel=1e-6)
    fast_b = epq(8, 0.225, 1300, 1e12, backorder=5)
    ref = eoq_backorders(8, 0.225, 5, 1300)
    assert fast_b.q == pytest.approx(310.8125551589646, rel=1e-6)
    assert fast_b.q == pytest.approx(ref.q, rel=1e-6)
    assert fast_b.stockout_fraction == pytest.approx(0.043062200956938)
    assert fast_b.cost == pytest.approx(66.921363550973254, rel=1e-6)


def test_epq_is_vectorised() -> None:
    sol = epq([8, 4], [0.225, 0.08], [1300, 80], [2000, 110])
    assert sol.q == pytest.approx([513.9328595516969, 171.2697677155351])
    assert sol.stockout_fraction.shape == (2,)


def test_epq_inputs_are_checked() -> None:
    with pytest.raises(
        ValueError, match=r"production_rate\(=1000\.0\) must be > demand_rate\(=1300\.0\)"
    ):
        epq(8, 0.225, 1300, 1000)
    with pytest.raises(ValueError, match=r"order_fixed\(=-8\.0\) must be > 0"):
        epq(-8, 0.225, 1300, 2000)
    with pytest.raises(ValueError, match=r"backorder\(=0\.0\) must be > 0"):
        epq(8, 0.225, 1300, 2000, backorder=0)
    with pytest.raises(ValueError, match=r"stockout_fraction\(=0\.1\) needs a backorder cost"):
        epq_cost(300, 8, 0.225, 1300, 2000, stockout_fraction=0.1)
    with pytest.raises(ValueError, match=r"stockout_fraction\(=1\.5\) must be in \[0, 1\]"):
        epq_cost(300, 8, 0.225, 1300, 2000, backorder=5, stockout_fraction=1.5)


# ------------------------------------------------------------------ joint replenishment

# (major setup K0, minor setups k_i, holding h_i, demand D_i), and stockpyl's Silver
# heuristic results: (T, m, cost).
JRP_CASES = {
    "silver_1976": (
        (10, [1.87, 5.27, 7.94, 8.19, 8.87], [0.2] * 5, [1736, 656, 558, 170, 142]),
        (0.2813771490671472, [1, 1, 1, 3, 3], 218.68632025498687),
    ),
    "silver_pyke_peterson_1998_p428": (
        (40, [15] * 4, [0.24] * 4, [86000, 12500, 1400, 3000]),
        (0.07617340262784976, [1, 1, 4, 3], 2067.650840930354),
    ),
    "snyder_scmo_example": (
        (600, [120, 840, 300], [160, 20, 50], [1, 1, 1]),
        (3.103164454170876, [1, 3, 1], 837.8544026261366),
    ),
    "snyder_scmo_problem_1": (
        (20000, [36000, 46000, 34000, 38000], [1000, 900, 1200, 1000], [1780, 445, 920, 175]),
        (0.24433405218634363, [1, 2, 1, 3], 1028646.3597045067),
    ),
    "snyder_scmo_problem_2": (
        (1500, [4000, 1000, 2000], [300, 200, 200], [9100, 83200, 20800]),
        (0.017076411245211497, [3, 1, 2], 566083.0327787611),
    ),
    "snyder_scmo_problem_3": (
        (
            180,
            [60, 100, 180, 115, 135],
            [5.32, 3.92, 4.76, 3.92, 3.36],
            [6200, 1300, 400, 4400, 1800],
        ),
        (0.11364657309360865, [1, 2, 4, 1, 2], 9107.181781429423),
    ),
}


def test_silver_1976_jrp_example() -> None:
    sol = jrp_silver(10, [1.87, 5.27, 7.94, 8.19, 8.87], 0.2, [1736, 656, 558, 170, 142])
    assert sol.multiples.tolist() == [1, 1, 1, 3, 3]
    assert sol.base_cycle == pytest.approx(0.2813771490671472)
    assert sol.cost == pytest.approx(218.68632025498687)
    assert sol.order_quantities == pytest.approx(
        [
            488.4707307805676,
            184.58340978804858,
            157.00844917946816,
            143.50234602424507,
            119.8666655026047,
        ]
    )


def test_silver_pyke_peterson_1998_p428_jrp_example() -> None:
    sol = jrp_silver(40, [15] * 4, [0.24] * 4, [86000, 12500, 1400, 3000])
    assert sol.multiples.tolist() == [1, 1, 4, 3]
    assert sol.base_cycle == pytest.approx(0.07617340262784976)
    assert sol.cost == pytest.approx(2067.650840930354)
    assert sol.order_quantities == pytest.approx(
        [6550.912625995079, 952.1675328481219, 426.57105471595867, 685.5606236506478]
    )


@pytest.mark.parametrize("name", sorted(JRP_CASES))
def test_silver_heuristic_reproduces_published_instances(name: str) -> None:
    data, (t, m, cost) = JRP_CASES[name]
    sol = jrp_silver(*data)
    assert sol.multiples.tolist() == m
    assert sol.base_cycle == pytest.approx(t)
    assert sol.cost == pytest.approx(cost)
    assert jrp_cost(sol.base_cycle, sol.multiples, *data) == pytest.approx(sol.cost)
    assert sol.cycle_times == pytest.approx(np.asarray(m) * t)


def _brute_force_jrp(data: tuple) -> float:
    """Least cost over all multiples in 1..8 (every item), each with its best ``T``."""
    big_k, small_k, h, d = (np.asarray(a, dtype=float) for a in data)
    m = np.array(list(itertools.product(range(1, 9), repeat=small_k.size)), dtype=float)
    a = big_k + np.sum(small_k / m, axis=1)
    b = np.sum(h * m * d, axis=1)
    return float(np.min(np.sqrt(2.0 * a * b)))


@pytest.mark.parametrize("name", sorted(JRP_CASES))
def test_jrp_heuristics_against_brute_force_and_the_lower_bound(name: str) -> None:
    data, _ = JRP_CASES[name]
    best = _brute_force_jrp(data)
    silver = jrp_silver(*data)
    bound = jrp_lower_bound(*data)
    assert bound.lower_bound <= best * (1 + 1e-12)
    assert best <= silver.cost * (1 + 1e-12)
    assert silver.cost <= 1.03 * best  # within 3% of the best integer-multiple policy
    # A fine grid of T at Silver's multiples finds nothing cheaper than its T.
    grid = np.linspace(0.2, 5.0, 100_001) * silver.base_cycle
    costs = jrp_cost(grid, silver.multiples, *data)
    assert silver.cost <= costs.min() + 1e-9 * costs.min()

    opt = jrp_power_of_two(*data)
    assert opt.cost <= bound.lower_bound * POWER_OF_TWO_GUARANTEE_OPTIMISED_BASE * (1 + 1e-12)
    assert opt.cost <= bound.lower_bound / 0.98
    assert opt.lower_bound == pytest.approx(bound.lower_bound)
    assert opt.exponents.min() == 0 and opt.family_cycle == pytest.approx(opt.base_period)
    ratio = opt.cycle_times / opt.family_cycle
    assert np.allclose(np.log2(ratio), np.rint(np.log2(ratio)))  # powers of two of T0
    for base in (1 / 365, 1 / 52, 1 / 12, 0.37, 1.0):
        fixed = jrp_power_of_two(*data, base_period=base)
        assert fixed.cost <= bound.lower_bound * POWER_OF_TWO_GUARANTEE_FIXED_BASE * (1 + 1e-12)
        assert fixed.cost <= bound.lower_bound / 0.94
        assert fixed.cost >= opt.cost * (1 - 1e-12)  # optimising the base never hurts
        assert fixed.cycle_times == pytest.approx(base * np.exp2(fixed.exponents))


@pytest.mark.parametrize("name", sorted(JRP_CASES))
def test_jrp_relaxation_matches_a_grid_of_family_intervals(name: str) -> None:
    data, _ = JRP_CASES[name]
    big_k, small_k, h, d = (np.asarray(a, dtype=float) for a in data)
    g = h * d / 2
    bound = jrp_lower_bound(*data)
    t0 = bound.family_cycle * np.geomspace(0.05, 20.0, 200_001)[:, None]
    t_items = np.maximum(t0, np.sqrt(small_k / g))  # each item's best interval given T0
    values = big_k / t0[:, 0] + np.sum(small_k / t_items + g * t_items, axis=1)
    assert bound.lower_bound <= values.min() * (1 + 1e-12)
    assert bound.lower_bound == pytest.approx(values.min(), rel=1e-8)
    assert np.all(bound.cycle_times >= bound.family_cycle)


def test_power_of_two_guarantees_are_roundys_constants() -> None:
    assert POWER_OF_TWO_GUARANTEE_OPTIMISED_BASE == pytest.approx(1.0201, abs=1e-4)
    assert POWER_OF_TWO_GUARANTEE_FIXED_BASE == pytest.approx(1.0607, abs=1e-4)


def test_power_of_two_bounds_hold_on_random_families() -> None:
    rng = np.random.default_rng(1985)
    for _ in range(200):
        n = int(rng.integers(1, 8))
        data = (
            rng.uniform(1, 1000),
            rng.uniform(0, 500, n),
            rng.uniform(0.1, 10, n),
            rng.uniform(1, 10_000, n),
        )
        lb = jrp_lower_bound(*data).lower_bound
        assert jrp_power_of_two(*data).cost <= lb / 0.98
        base = float(np.exp(rng.uniform(-6, 1)))
        assert jrp_power_of_two(*data, base_period=base).cost <= lb / 0.94
        assert jrp_silver(*data).cost >= lb * (1 - 1e-12)


def test_jrp_inputs_are_checked() -> None:
    ok = (10, [1.87, 5.27], [0.2, 0.2], [1736, 656])
    with pytest.raises(ValueError, match=r"major_setup\(=-10\.0\) must be > 0"):
        jrp_silver(-10, *ok[1:])
    with pytest.raises(ValueError, match=r"minor_setup\(=-1\.0\) must be >= 0"):
        jrp_lower_bound(10, [-1, 2], *ok[2:])
    with pytest.raises(ValueError, match=r"holding\(=0\.0\) must be > 0"):
        jrp_power_of_two(10, ok[1], [0.2, 0], ok[3])
    with pytest.raises(ValueError, match=r"must have one value per item"):
        jrp_silver(10, [1, 2, 3], [0.2, 0.2], [1736, 656])
    with pytest.raises(ValueError, match=r"base_period\(=-1\.0\) must be > 0"):
        jrp_power_of_two(*ok, base_period=-1)
    with pytest.raises(ValueError, match=r"multiples\(=\[0\.0, 1\.0\]\) must be integers >= 1"):
        jrp_cost(0.3, [0, 1], *ok)
    with pytest.raises(ValueError, match=r"major_setup\(=\[10\.0, 20\.0\]\) must be one number"):
        jrp_silver([10, 20], *ok[1:])
