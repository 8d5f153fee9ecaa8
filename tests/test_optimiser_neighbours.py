"""Every default optimiser, end to end: the derived point is the cheapest of its neighbours.

For each policy whose parameters an optimiser derives when they are left null, a test
simulates the policy once with nulls to read the derived point (``res.policy_parameters``),
then simulates that point and each neighbour, given explicitly to the constructor: every
integer parameter one unit up and down, a continuous level a small step up and down; for
(s, S) and min-max both levels move, for (r, Q) ``r`` and ``Q``. All runs share one seed,
so they meet the same demand (common random numbers: Stocklab's streams are named, and
each test checks that the demand of every run is the same, SKU by SKU). On the paired
per-replication differences, neighbour minus derived point (per SKU and period), each test
asserts that

1. no neighbour is cheaper beyond a 99% Student-t interval of the mean difference, and
2. the check has power: some neighbour is significantly *more* expensive (its interval
   excludes 0); where the cost is flat at one step, a point three steps away must be.

Scenarios are chosen where the optimiser is exact for the simulated model, so that the
cheapest point is what theory says: Poisson demand and a deterministic lead time for
base-stock (the newsvendor on protection-interval demand, Arrow, Harris & Marschak 1951),
normal demand for the normal newsvendor, Zheng & Federgruen (1991) for (s, S) with the
protection interval of two periods, Federgruen & Zheng (1992) for continuous-review (r, Q)
under unit Poisson demand, Clark & Scarf (1960) on the integers for a three-stage chain,
deterministic demand for the EOQ. Each test also checks the derived point against the
textbook value. Two defaults are heuristics, not cost optimisers: (R, S) (the newsvendor
over the whole protection interval ``L + R - 1``) and min-max (a service-level reorder
point plus an EOQ). For them the tests use deterministic demand, where they are exact at
one step, and under Poisson demand allow each neighbour to be cheaper by the gap that the
exact cost of the model gives, no more (the figures are in the tests' docstrings).

Many identical SKUs are independent copies of the system that the engine steps at once,
so precision comes from SKUs rather than from long horizons. Deterministic demand makes
every replication the same: the interval then has zero width and the differences are
exact up to end effects of the horizon, bounded in each test. Seeds are fixed.

``base_stock`` on ``network=distribution`` is checked elsewhere, and
``forecast_order_up_to`` derives nothing by optimisation (its level follows a forecast).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from policies.base import Policy
from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock
from policies.eoq import EOQ
from policies.min_max import MinMax
from policies.newsvendor import Newsvendor
from policies.optimal import (
    clark_scarf_poisson,
    expected_cost_poisson,
    local_to_echelon_holding,
    newsvendor_normal,
    rq_poisson_exact,
    ss_cost_poisson,
    zheng_federgruen,
)
from policies.rq import RQ
from policies.rs import RS
from policies.ss import SS
from sim import demand as dm
from sim.network import Costs, Serial, Single
from sim.runner import Scenario, simulate
from tests.conftest import CONF

pytestmark = pytest.mark.slow

#: Differences this small are zero (deterministic demand: float rounding of sums).
EXACT = 1e-9


def ci99(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.995, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(half)


@dataclass(frozen=True)
class Difference:
    """Neighbour minus derived point: mean cost per SKU and period, 99% half-width."""

    label: str
    mean: float
    half: float

    @property
    def cheaper(self) -> bool:
        return self.mean + self.half < -EXACT

    @property
    def dearer(self) -> bool:
        return self.mean - self.half > EXACT

    def __str__(self) -> str:
        return f"{self.label}: {self.mean:+.4f} ± {self.half:.4f}"


@dataclass(frozen=True)
class Run:
    """How a case is simulated: a fresh scenario per run, the same seed for all."""

    scenario: Callable[[], Scenario]
    horizon: int
    warmup: int
    replications: int
    seed: int

    def simulate(self, policy: Policy, horizon: int | None = None, replications: int | None = None):
        return simulate(
            self.scenario(),
            policy,
            horizon=horizon or self.horizon,
            warmup=self.warmup if horizon is None else 0,
            replications=replications or self.replications,
            seed=self.seed,
        )

    def derive(self, policy: Policy) -> dict:
        """The derived parameters: one short run with the nulls left in."""
        return self.simulate(policy, horizon=2, replications=1).policy_parameters

    def differences(self, centre: Policy, neighbours: dict[str, Policy]) -> list[Difference]:
        """Paired per-replication cost differences, each neighbour minus ``centre``, per
        SKU and period, after checking that every run met the same demand."""
        base = self.simulate(centre)
        n = self.scenario().n_skus
        demand = base.sku_table["demand_per_period"].to_numpy()
        assert demand.sum() > 0
        out = []
        for label, policy in neighbours.items():
            res = self.simulate(policy)
            same = np.array_equal(res.sku_table["demand_per_period"].to_numpy(), demand)
            assert same, f"{label}: not the same demand as the derived point's run"
            diff = np.subtract(
                res.kpis["cost_per_period"]["per_replication"],
                base.kpis["cost_per_period"]["per_replication"],
            )
            out.append(Difference(label, *ci99(diff / n)))
        return out


def one(value) -> float:
    """The common value of a per-SKU parameter (all SKUs are alike here)."""
    arr = np.asarray(value, dtype=float).reshape(-1)
    assert np.all(arr == arr[0]), arr
    return float(arr[0])


def table(found: list[Difference]) -> str:
    return "; ".join(str(d) for d in found)


def assert_cheapest(
    run: Run,
    centre: Policy,
    at: Callable[..., Policy],
    steps: list[tuple],
    *,
    far: int = 3,
    allowed: dict[tuple, float] | None = None,
) -> list[Difference]:
    """Simulate ``at(*step)`` for each step (offsets from the derived point; ``at()`` with
    all offsets 0 is the derived point) and assert 1. and 2. of the module docstring.
    ``allowed[step]`` (<= 0): how much cheaper that neighbour may be (a heuristic's gap)."""
    allowed = allowed or {}
    neighbours = {str(step): at(*step) for step in steps}
    found = run.differences(centre, neighbours)
    for step, diff in zip(steps, found, strict=True):
        floor = min(allowed.get(step, 0.0), 0.0)
        assert diff.mean + diff.half >= floor - EXACT, (
            f"neighbour {diff} is cheaper than the derived point"
            + (f" by more than the allowed {-floor:.4f}" if floor else "")
            + f" (all: {table(found)})"
        )
    if not any(d.dearer for d in found):  # flat at one step: three steps away must not be
        far_steps = [tuple(far * x for x in step) for step in steps]
        found_far = run.differences(centre, {str(s): at(*s) for s in far_steps})
        assert any(d.dearer for d in found_far), (
            f"no power: no neighbour is significantly dearer ({table(found + found_far)})"
        )
        found = found + found_far
    return found


# --------------------------------------------------------------------------- base-stock


def test_base_stock_poisson_is_the_cheapest_level():
    """Poisson(10) a period, L = 2, h = 1, p = 9: S* = 26, the 0.9 fractile of Poisson(20)
    (exact: demand over the protection interval of two periods is Poisson). Exact cost
    differences: S = 25 +0.1218, S = 27 +0.2211 per SKU and period."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2), dm.Poisson(mean=10.0), Costs(holding=1, backorder=9), n_skus=200
        ),
        horizon=260,
        warmup=20,
        replications=8,
        seed=101,
    )
    level = one(run.derive(BaseStock())["level"])
    assert level == 26
    assert float(expected_cost_poisson(25, 20.0, 1, 9) - expected_cost_poisson(26, 20.0, 1, 9)) > 0
    found = assert_cheapest(
        run, BaseStock(level=level), lambda d=0: BaseStock(level=level + d), [(-1,), (1,)]
    )
    assert all(d.dearer for d in found)


def test_base_stock_normal_is_the_cheapest_level():
    """Normal(50, 8) a period, L = 2, h = 1, p = 4: S* = 100 + z_0.8 8 sqrt(2) = 109.52
    (a continuous level; neighbours one unit away, 0.09 standard deviations of the
    protection-interval demand: about +0.062 each, from the curvature (h + p) f(S*))."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2),
            dm.Normal(mean=50.0, std=8.0),
            Costs(holding=1, backorder=4),
            n_skus=300,
        ),
        horizon=320,
        warmup=20,
        replications=8,
        seed=102,
    )
    level = one(run.derive(BaseStock())["level"])
    assert level == pytest.approx(newsvendor_normal(100.0, 8 * math.sqrt(2), 1, 4).level)
    found = assert_cheapest(
        run, BaseStock(level=level), lambda d=0: BaseStock(level=level + d), [(-1,), (1,)]
    )
    assert any(d.dearer for d in found)


def test_newsvendor_normal_is_the_cheapest_level():
    """Snyder & Shen, 2nd ed., Example 4.1: Normal(50, 8), h = 0.18, p = 0.70, L = 1:
    S* = 56.604 (the normal fractile p / (p + h)); neighbours one unit away (0.125 std),
    about +0.016 each."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=1),
            dm.Normal(mean=50.0, std=8.0),
            Costs(holding=0.18, backorder=0.70),
            n_skus=300,
        ),
        horizon=320,
        warmup=20,
        replications=8,
        seed=103,
    )
    level = one(run.derive(Newsvendor())["level"])
    assert level == pytest.approx(56.603956, abs=1e-5)
    found = assert_cheapest(
        run, Newsvendor(level=level), lambda d=0: Newsvendor(level=level + d), [(-1,), (1,)]
    )
    assert any(d.dearer for d in found)


# --------------------------------------------------------------------------- (s, S), (r, Q)


def test_zheng_federgruen_ss_is_the_cheapest_pair():
    """Poisson(10), L = 2 (protection interval two periods), h = 1, p = 9, K = 64:
    (s, S) = (16, 51) (Zheng & Federgruen 1991, with D ~ Poisson(20) over the protection
    interval). Exact differences: s - 1 +0.0970, s + 1 +0.0725, S - 1 +0.0036 (flat),
    S + 1 +0.0205."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2),
            dm.Poisson(mean=10.0),
            Costs(holding=1, backorder=9, order_fixed=64),
            n_skus=400,
        ),
        horizon=560,
        warmup=60,
        replications=8,
        seed=104,
    )
    derived = run.derive(SS())
    s, big_s = one(derived["s"]), one(derived["S"])
    exact = zheng_federgruen(10.0, 1, 9, 64, protection_periods=2)
    assert (s, big_s) == (exact.s, exact.S) == (16, 51)
    assert ss_cost_poisson(16, 50, 10.0, 1, 9, 64, 2) > exact.cost

    def at(ds=0, d_big=0):
        return SS(s=s + ds, S=big_s + d_big)

    found = assert_cheapest(run, at(), at, [(-1, 0), (1, 0), (0, -1), (0, 1)])
    assert found[0].dearer and found[1].dearer


def test_federgruen_zheng_rq_is_the_cheapest_pair():
    """Continuous review, unit Poisson demand at rate 1.5, L = 2, h = 20, p = 150, K = 100:
    (r, Q) = (3, 5) (Federgruen & Zheng 1992). Exact differences: r - 1 +2.67, r + 1
    +9.19, Q - 1 +1.76, Q + 1 +2.05 per SKU and time unit, on a cost of 107.9."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2),
            dm.Poisson(mean=1.5),
            Costs(holding=20, backorder=150, order_fixed=100),
            n_skus=4,
            review="continuous",
        ),
        horizon=420,
        warmup=20,
        replications=8,
        seed=105,
    )
    derived = run.derive(RQ())
    r, q = one(derived["r"]), one(derived["q"])
    exact = rq_poisson_exact(1.5, 2, 20, 150, 100)
    assert (r, q) == (exact.r, exact.q) == (3, 5)

    def at(dr=0, dq=0):
        return RQ(r=r + dr, q=q + dq)

    found = assert_cheapest(run, at(), at, [(-1, 0), (1, 0), (0, -1), (0, 1)])
    assert found[1].dearer


# --------------------------------------------------------------------------- EOQ


def test_eoq_periodic_deterministic_is_the_cheapest_pair():
    """Deterministic demand of 10 a period, L = 2, K = 20, h = 1, no backorders (p = 1e6):
    Q = sqrt(2 K D / h) = 20 (two periods of demand), r = L D - h Q / (h + p) = 20 - 2e-5.
    Under end-of-period accounting the cost of Q = m D is K / m + h D (m - 1) / 2, which
    the EOQ minimises too: 15 a period. Exact differences: r - 1 0 (flat: the position
    moves in steps of 10), r + 1 +10, Q - 1 +4.61 and Q + 1 +4.33 over this horizon (the
    orders of 19 and 21 fall irregularly; end effects are at most K / 180 = 0.11)."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2),
            dm.Deterministic(mean=10.0),
            Costs(holding=1, backorder=1e6, order_fixed=20),
            n_skus=1,
        ),
        horizon=200,
        warmup=20,
        replications=2,
        seed=106,
    )
    derived = run.derive(EOQ())
    r, q = one(derived["r"]), one(derived["q"])
    assert q == pytest.approx(20) and r == pytest.approx(20 - 20 / (1 + 1e6), abs=1e-4)

    def at(dr=0, dq=0):
        return EOQ(r=r + dr, q=q + dq)

    found = assert_cheapest(run, at(), at, [(-1, 0), (1, 0), (0, -1), (0, 1)])
    assert found[1].dearer and found[2].dearer and found[3].dearer


def test_eoq_continuous_deterministic_is_the_cheapest_pair():
    """The EOQ's own setting: continuous review, deterministic demand at rate 2 (units
    sold one by one, every half time unit), L = 1, K = 4, h = 1, no backorders (p = 1e6):
    Q = sqrt(2 K D / h) = 4 and r = round(L D - h Q / (h + p)) = 2, cost 4.5 per time
    unit for the fluid r = L D = 2. Each order raises the position from r to r + Q, so the
    position runs over r + 1 .. r + Q and the stock between sales over r + 1 - L D ..
    r + Q - L D: at r = 2 one unit would be held all the time for nothing (the fluid
    model's stock runs over 0 .. Q), found -1.0000 ± 0 for r - 1 before the policy took the
    fluid point less a half (ties down). Derived now: r = 1, stock 0 .. 3, cost 3.5."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=1),
            dm.Deterministic(mean=2.0),
            Costs(holding=1, backorder=1e6, order_fixed=4),
            n_skus=1,
            review="continuous",
        ),
        horizon=500,
        warmup=20,
        replications=2,
        seed=107,
    )
    derived = run.derive(EOQ())
    r, q = one(derived["r"]), one(derived["q"])
    assert (r, q) == (1, 4)

    def at(dr=0, dq=0):
        return EOQ(r=r + dr, q=q + dq)

    assert_cheapest(run, at(), at, [(-1, 0), (1, 0), (0, -1), (0, 1)])


# --------------------------------------------------------------------------- (R, S), min-max


def _rs_exact_cost(level: float, mean: float, lead: int, review: int, h: float, p: float):
    """Exact cost per period of (R, S) under Poisson demand in Stocklab's convention: an
    order placed at a review arrives at the start of period ``+L`` and governs the net stock
    at the ends of periods ``+L .. +L+R-1``, i.e. ``S`` less ``j`` periods of demand,
    ``j = L .. L + R - 1``: the mean of ``R`` newsvendor costs."""
    return float(
        np.mean([expected_cost_poisson(level, mean * j, h, p) for j in range(lead, lead + review)])
    )


def test_rs_deterministic_is_the_cheapest_level():
    """(R, S) with R = 7, deterministic demand of 10, L = 2, h = 1, p = 9: S = 80, the
    demand of the protection interval L + R - 1 = 8 periods; exact at one step because
    p / R > h: S - 1 backorders one unit in one period in seven (+9/7) and holds one unit
    less in the other six (-6/7): +0.4286; S + 1 +1. The window (280 periods) is a whole
    number of review cycles."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2),
            dm.Deterministic(mean=10.0),
            Costs(holding=1, backorder=9),
            n_skus=1,
        ),
        horizon=329,
        warmup=49,
        replications=2,
        seed=108,
    )
    level = one(run.derive(RS(review_period=7))["level"])
    assert level == 80

    def at(d=0):
        return RS(review_period=7, level=level + d)

    found = assert_cheapest(run, at(), at, [(-1,), (1,)])
    assert found[0].mean == pytest.approx(3 / 7) and found[1].mean == pytest.approx(1.0)


def test_rs_poisson_derived_level_is_the_cheapest():
    """(R, S) under Poisson demand: the derived level is the cost-optimal level of the cycle
    (:mod:`policies.optimal.periodic_review`), where the mean of the R windows' Poisson
    distribution functions reaches p / (p + h). Poisson(10), L = 2, R = 7, h = 1, p = 9:
    S = 79, exact cost 35.779 (:func:`_rs_exact_cost`); the neighbours' simulated
    differences match the exact ones (S - 1 +0.0358, S + 1 +0.0688 per SKU and period,
    computed by :func:`_rs_exact_cost`). The newsvendor level of the whole interval
    L + R - 1 (92) would cost 42.606."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=2), dm.Poisson(mean=10.0), Costs(holding=1, backorder=9), n_skus=300
        ),
        horizon=329,
        warmup=49,
        replications=8,
        seed=109,
    )
    level = one(run.derive(RS(review_period=7))["level"])
    assert level == 79
    assert _rs_exact_cost(92, 10, 2, 7, 1, 9) == pytest.approx(42.606, abs=1e-3)
    exact = {
        (d,): _rs_exact_cost(level + d, 10, 2, 7, 1, 9) - _rs_exact_cost(level, 10, 2, 7, 1, 9)
        for d in (-3, -1, 1, 3)
    }
    assert all(gap > 0 for gap in exact.values())

    def at(d=0):
        return RS(review_period=7, level=level + d)

    found = assert_cheapest(run, at(), at, [(-1,), (1,)])
    for step, diff in zip([(-1,), (1,)], found, strict=False):
        assert abs(diff.mean - exact[step]) <= diff.half + EXACT, (step, diff, exact[step])


def test_min_max_deterministic_is_the_cheapest_pair():
    """Min-max with deterministic demand of 10, L = 1, h = 1, K = 80, p = 9: min = 10 (no
    safety stock), max = min + EOQ = 50, 36 a period. It reorders at position 0 (the first
    below min) just in time, and every neighbour is dearer or the same: min - 1 0 (flat),
    min + 1 +9 (it reorders at 10, a period early), max - 1 +8 (the stock never falls
    below 9), max + 1 +1. Not the global optimum: orders are max - 0 =
    EOQ + D = 50 units, and max = 40 (orders of EOQ) costs 35."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=1),
            dm.Deterministic(mean=10.0),
            Costs(holding=1, backorder=9, order_fixed=80),
            n_skus=1,
        ),
        horizon=520,
        warmup=20,
        replications=2,
        seed=110,
    )
    derived = run.derive(MinMax())
    low, high = one(derived["min"]), one(derived["max"])
    assert (low, high) == (10, 50)

    def at(d_low=0, d_high=0):
        return MinMax(min=low + d_low, max=high + d_high)

    found = assert_cheapest(run, at(), at, [(-1, 0), (1, 0), (0, -1), (0, 1)])
    assert found[0].mean == pytest.approx(0.0, abs=EXACT) and found[3].mean == pytest.approx(1.0)


def test_min_max_poisson_gap_is_the_known_one():
    """Min-max under Poisson demand is a heuristic (a 95% cycle-service reorder point, not
    a cost optimum). With pack size 1 and integer demand it is (s, S) = (min - 1, max), whose
    exact cost Zheng & Federgruen's formula gives. Poisson(10), L = 1, h = 1, p = 9, K = 80:
    (min, max) = (16, 56), exact cost 45.772 (the (s, S) optimum (5, 43) costs 38.922, 15%
    less). The test allows each neighbour the exact gap and no more: min - 1 may be
    cheaper by 0.8455 and max - 1 by 0.1172 (min + 1 +0.8707, max + 1 +0.1325)."""
    run = Run(
        lambda: Scenario(
            Single(lead_time=1),
            dm.Poisson(mean=10.0),
            Costs(holding=1, backorder=9, order_fixed=80),
            n_skus=300,
        ),
        horizon=420,
        warmup=20,
        replications=8,
        seed=111,
    )
    derived = run.derive(MinMax())
    low, high = one(derived["min"]), one(derived["max"])
    assert (low, high) == (16, 56)

    def exact(d_low, d_high):
        return float(ss_cost_poisson(low - 1 + d_low, high + d_high, 10.0, 1, 9, 80, 1))

    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    gaps = {step: exact(*step) - exact(0, 0) for step in steps}
    assert gaps[(-1, 0)] == pytest.approx(-0.8455, abs=1e-4)

    def at(d_low=0, d_high=0):
        return MinMax(min=low + d_low, max=high + d_high)

    found = assert_cheapest(run, at(), at, steps, allowed=gaps)
    assert found[1].dearer


# --------------------------------------------------------------------------- echelon


def test_clark_scarf_serial_poisson_is_the_cheapest_triple():
    """Three stages, Poisson(5) at stage 1, lead times (1, 1, 2), local holding (3, 2, 1),
    p = 20: echelon levels (9, 15, 26) (Clark & Scarf 1960 by the Chen & Zheng recursion,
    exact on the integers), 34.794 a period. Exact differences: stage 1 -1 +0.363, +1
    +0.134; stage 2 -1 +0.230, +1 +0.180; stage 3 -1 +0.553, +1 +0.024."""
    run = Run(
        lambda: Scenario(
            Serial(stages=3, lead_time=[1, 1, 2], holding=[3, 2, 1]),
            dm.Poisson(mean=5.0),
            Costs(backorder=20),
            n_skus=300,
        ),
        horizon=320,
        warmup=20,
        replications=8,
        seed=112,
    )
    derived = run.derive(EchelonBaseStock())
    levels = [one(derived[f"stage{j}"]["level"]) for j in (1, 2, 3)]
    exact = clark_scarf_poisson(5.0, local_to_echelon_holding([3, 2, 1]), [1, 1, 2], 20)
    assert levels == exact.levels.tolist() == [9, 15, 26]

    def at(*offsets):
        shift = np.zeros(3)
        shift[: len(offsets)] = offsets
        return EchelonBaseStock(levels=(np.array(levels) + shift).tolist())

    steps = [(-1,), (1,), (0, -1), (0, 1), (0, 0, -1), (0, 0, 1)]
    found = assert_cheapest(run, at(), at, steps)
    assert sum(d.dearer for d in found) >= 4


# --------------------------------------------------------------------------- coverage


CHECKED = {
    "base_stock": [test_base_stock_poisson_is_the_cheapest_level],
    "newsvendor": [test_newsvendor_normal_is_the_cheapest_level],
    "ss": [test_zheng_federgruen_ss_is_the_cheapest_pair],
    "rq": [test_federgruen_zheng_rq_is_the_cheapest_pair],
    "eoq": [test_eoq_periodic_deterministic_is_the_cheapest_pair],
    "rs": [test_rs_deterministic_is_the_cheapest_level],
    "min_max": [test_min_max_deterministic_is_the_cheapest_pair],
    "echelon_base_stock": [test_clark_scarf_serial_poisson_is_the_cheapest_triple],
    "forecast_order_up_to": [],  # its level follows a forecast: no optimiser to check
}


def test_every_policy_config_is_checked_here():
    """A new file in conf/policy/ must get a neighbour check (or a reason for none)."""
    names = sorted(p.stem for p in (CONF / "policy").glob("*.yaml"))
    assert names == sorted(CHECKED), "add a neighbour check for the new policy"
