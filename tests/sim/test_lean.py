"""The lean period's compiled loops (sim/lean.py) against the numpy operations they fuse:
the same numbers, bit for bit, under backorders and lost sales, in measured periods and
not; the whole-horizon loop (``run_periods``) against the period-by-period one; and runs
through them against runs through the engine's general phases."""

import numpy as np
import pytest

import sim.engine as engine
from policies.base import reorder_rule
from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock
from policies.ss import SS
from sim.demand import Normal, Poisson
from sim.lean import book_orders, run_periods, serve_and_count
from sim.network import Costs, Serial, Single
from sim.runner import Scenario, simulate


def _numpy_serve(t, arrive, state, totals, pipe, demand, served_total, lost_total,
                 backorder_mode, measured):  # fmt: skip
    """The period's first half as the engine wrote it in numpy before sim/lean.py (``il``
    its scratch row)."""
    il = np.empty_like(served_total)
    on_hand, backorders, lost, served = state[0:1], state[1:2], state[2:3], state[3:4]
    a = pipe[arrive]
    state[5:7] -= a
    on_hand += a
    d = demand[t]
    if backorder_mode:
        np.subtract(on_hand, backorders, out=il)
        np.maximum(il, 0.0, out=served)
        np.minimum(served, d, out=served)
        il -= d
        np.maximum(il, 0.0, out=on_hand)
        np.subtract(on_hand, il, out=backorders)
    else:
        np.minimum(on_hand, d, out=served)
        on_hand -= served
        np.subtract(d, served, out=lost)
        lost_total += lost
    served_total += served
    if measured:
        np.greater(backorders if backorder_mode else lost, 0.0, out=state[4:5])
        totals += state[:6]


def _numpy_book(orders, slot, state, pipe, tot_orders, tot_ordered_sq, measured):
    order_sq = np.empty_like(orders)  # the engine's scratch row
    if measured:
        state[5:9] += orders
        tot_orders += orders > 0
        np.multiply(orders, orders, out=order_sq)
        tot_ordered_sq += order_sq
    else:
        state[5:8] += orders
    pipe[slot] = orders


def _arrays(rng, n):
    state = rng.integers(0, 20, (9, n)).astype(float) + rng.random((9, n)).round(2)
    state[1] *= rng.random(n) < 0.5  # some SKUs with backorders, some without
    return {
        "state": state,
        "totals": rng.random((6, n)) * 100,
        "pipe": rng.integers(0, 15, (3, 1, n)).astype(float),
        "demand": rng.poisson(8.0, (5, 1, n)).astype(float),
        "served_total": rng.random((1, n)),
        "lost_total": rng.random((1, n)),
        "orders": np.where(rng.random((1, n)) < 0.4, 0.0, rng.integers(0, 30, (1, n)) * 1.0),
        "tot_orders": rng.random((1, n)),
        "tot_ordered_sq": rng.random((1, n)),
    }


@pytest.mark.parametrize("backorder_mode", [True, False])
@pytest.mark.parametrize("measured", [True, False])
def test_loops_equal_the_numpy_operations(backorder_mode, measured):
    rng = np.random.default_rng(7)
    for n in (1, 5, 64):
        mine = _arrays(rng, n)
        ref = {k: v.copy() for k, v in mine.items()}
        common = ("state", "totals", "pipe", "demand", "served_total", "lost_total")
        serve_and_count(3, 1, *(mine[k] for k in common), backorder_mode, measured)
        _numpy_serve(3, 1, *(ref[k] for k in common), backorder_mode, measured)
        booked = ("state", "pipe", "tot_orders", "tot_ordered_sq")
        book_orders(mine["orders"], 2, *(mine[k] for k in booked), measured)
        _numpy_book(ref["orders"], 2, *(ref[k] for k in booked), measured)
        for key in mine:
            # bit for bit: the same float64 words
            assert mine[key].tobytes() == ref[key].tobytes(), key


@pytest.mark.parametrize("backorder_mode", [True, False])
def test_run_periods_equals_the_period_loop(backorder_mode):
    """The whole horizon in one call: the same words as serve_and_count, the (s, S)
    decision in numpy and book_orders called period by period, with a warm-up and a
    review every third period."""
    rng = np.random.default_rng(11)
    n, horizon, lead, warmup, review = 7, 40, 2, 5, 3
    mine = _arrays(rng, n)
    mine["state"][5:] = 0.0
    mine["pipe"][:] = 0.0
    mine["demand"] = rng.poisson(8.0, (horizon, 1, n)).astype(float)
    s = rng.integers(5, 20, n).astype(float)
    S = s + rng.integers(1, 30, n)
    ref = {k: v.copy() for k, v in mine.items()}
    common = ("state", "totals", "pipe", "demand", "served_total", "lost_total")
    booked = ("state", "pipe", "tot_orders", "tot_ordered_sq")
    measured_periods = run_periods(
        horizon, warmup, review, lead, *(mine[k] for k in common), backorder_mode,
        mine["orders"], mine["tot_orders"], mine["tot_ordered_sq"], s, S,
    )  # fmt: skip
    for t in range(horizon):
        measured = t >= warmup
        serve_and_count(t, t % 3, *(ref[k] for k in common), backorder_mode, measured)
        slot = (t + lead) % 3
        if t % review:
            ref["pipe"][slot] = 0.0
            continue
        state = ref["state"]
        position = state[0] + state[6] - state[1]
        ref["orders"][0] = np.where(position <= s, S - position, 0.0)
        book_orders(ref["orders"], slot, *(ref[k] for k in booked), measured)
    assert measured_periods == horizon - warmup
    for key in mine:
        assert mine[key].tobytes() == ref[key].tobytes(), key
    assert np.any(mine["state"][7] > 0)  # it ordered


def _count_calls(monkeypatch, name: str) -> list[int]:
    """A list that gets an entry each time the engine calls ``sim.lean.<name>``."""
    calls: list[int] = []
    real = getattr(engine, name)
    monkeypatch.setattr(engine, name, lambda *a: calls.append(1) or real(*a))
    return calls


@pytest.mark.parametrize("unmet_demand", ["backorder", "lost_sales"])
@pytest.mark.parametrize("policy", [BaseStock(level=26), SS(s=18, S=40)])
def test_whole_horizon_loop_equals_the_period_loop(monkeypatch, unmet_demand, policy):
    """A policy with ``reorder_levels`` runs in one compiled call; without them (patched
    away) the same run goes period by period: the same results, exactly."""

    def run():
        scenario = Scenario(
            Single(lead_time=1, review_period=3),
            Poisson(mean=6.0, mean_spread=0.4),
            Costs(holding=1, backorder=9, lost_sale=9, order_fixed=5),
            n_skus=4,
            unmet_demand=unmet_demand,
        )
        return simulate(scenario, policy, horizon=250, warmup=15, replications=3, seed=8)

    calls = _count_calls(monkeypatch, "run_periods")
    fused = run()
    assert calls  # the run took the whole-horizon loop
    monkeypatch.setattr(engine.PeriodicSimulation, "_reorder_levels", lambda self: None)
    stepped = run()
    assert fused.per_replication == stepped.per_replication
    assert fused.sku_table.equals(stepped.sku_table)
    assert fused.per_replication[0]["orders_placed"] > 0


@pytest.mark.parametrize("unmet_demand", ["backorder", "lost_sales"])
@pytest.mark.parametrize("policy", [BaseStock(level=26), SS(s=18, S=40)])
def test_lean_run_equals_the_general_phases(monkeypatch, unmet_demand, policy):
    def run():
        scenario = Scenario(
            Single(lead_time=2, review_period=2),
            Poisson(mean=10.0),
            Costs(holding=1, backorder=9, lost_sale=9, order_fixed=5),
            n_skus=3,
            unmet_demand=unmet_demand,
        )
        return simulate(scenario, policy, horizon=300, warmup=20, replications=2, seed=4)

    lean = run()
    monkeypatch.setattr(engine, "LEAN", False)
    general = run()
    assert lean.per_replication == general.per_replication  # every KPI, exactly
    assert lean.sku_table.equals(general.sku_table)
    assert lean.per_replication[0]["orders_placed"] > 0  # the run ordered


class _NeverOrders(BaseStock):
    """A subclass that decides otherwise than the base-stock rule it inherits."""

    def order_quantity(self, state, forecast=None):
        return np.zeros_like(state.on_hand)

    def prepare(self, context):
        return self  # its level is given (BaseStock.prepare would return a BaseStock)


def test_a_subclass_that_decides_otherwise_is_asked_every_review():
    """reorder_levels describes BaseStock's own order_quantity: a subclass that overrides
    it inherits the statement but has no rule (reorder_rule), so the engine asks it, and
    its orders (none) are what happens."""
    policy = _NeverOrders(level=26)
    assert reorder_rule(policy, 1) is None and reorder_rule(BaseStock(level=26), 1) is not None
    assert policy.reorder_levels(1) is not None  # inherited: the rule is held back above it
    scenario = Scenario(
        Single(lead_time=1), Poisson(mean=5.0), Costs(holding=1, backorder=9), n_skus=2
    )
    res = simulate(scenario, policy, horizon=50, seed=1)
    assert res.per_replication[0]["orders_placed"] == 0


def _same_outputs(a, b) -> None:
    """Two runs' raw outputs (every total the engine kept), bit for bit."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for key, value in vars(x).items():
            other = vars(y)[key]
            if isinstance(value, np.ndarray):
                assert value.dtype == other.dtype and value.tobytes() == other.tobytes(), key
            elif isinstance(value, int | float | str):
                assert repr(value) == repr(other), key


_CHAIN_POLICIES = {
    "echelon": lambda: EchelonBaseStock(levels=[17, 29, 53]),
    "echelon_derived": lambda: EchelonBaseStock(),
    "local_base_stock": lambda: BaseStock(level={"stage1": 14, "stage2": 12, "stage3": 25}),
    "ss": lambda: SS(s=12, S=30),
}


@pytest.mark.parametrize(
    "policy, unmet_demand, review_period",
    [
        (policy, unmet, review)
        for policy in sorted(_CHAIN_POLICIES)
        for unmet in ("backorder", "lost_sales")
        for review in (1, 3)
        # derived echelon levels: backorders and review every period only
        if policy != "echelon_derived" or (unmet, review) == ("backorder", 1)
    ],
)
def test_chain_loop_equals_the_general_phases(monkeypatch, unmet_demand, review_period, policy):
    """A serial chain whose nodes state their rules runs in one compiled call
    (``run_chain``); with the engine's general phases (LEAN off) the same run gives the same
    totals, KPIs and per-node figures, bit for bit; replications side by side included."""

    def run():
        scenario = Scenario(
            Serial(stages=3, lead_time=[1, 1, 2], holding=[7, 4, 2], review_period=review_period),
            # fractional demands too, not only whole units
            Poisson(mean=5.0, mean_spread=0.5)
            if policy == "echelon_derived"
            else Normal(mean=5.0, std=2.0),
            Costs(holding=1, backorder=37, lost_sale=37, order_fixed=3),
            n_skus=4,
            unmet_demand=unmet_demand,
        )
        return simulate(
            scenario, _CHAIN_POLICIES[policy](), horizon=300, warmup=20, replications=3,
            seed=5, keep_outputs=True,
        )  # fmt: skip

    calls = _count_calls(monkeypatch, "run_chain")
    chain = run()
    assert calls  # the run took the compiled chain
    monkeypatch.setattr(engine, "LEAN", False)
    general = run()
    assert len(calls) == 1
    _same_outputs(chain.outputs, general.outputs)
    assert repr(chain.per_replication) == repr(general.per_replication)
    assert chain.sku_table.equals(general.sku_table)
    assert repr(chain.nodes) == repr(general.nodes) and repr(chain.echelons) == repr(
        general.echelons
    )
    assert chain.per_replication[0]["orders_placed"] > 0


def test_a_chain_with_a_policy_without_a_rule_runs_the_general_phases(monkeypatch):
    calls = _count_calls(monkeypatch, "run_chain")
    scenario = Scenario(
        Serial(stages=2, lead_time=1), Poisson(mean=5.0), Costs(holding=1, backorder=9), n_skus=2
    )
    res = simulate(scenario, _NeverOrders(level=26), horizon=50, seed=1)
    assert not calls and res.per_replication[0]["orders_placed"] == 0
