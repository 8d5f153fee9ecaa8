"""The network engine against exact results: one warehouse and N stores, assembly,
supplier outages.

Every statistical test simulates independent replications and asserts, as
``tests/test_theory_simulation.py`` does, that the exact value lies in the Student-t
interval of the replication means *and* that the interval is narrow, so that no test can pass
by being vague. The intervals are 99.9% intervals: this file makes about 100 interval
checks, and at 99% (right for a dozen) a correct engine would fail one of them in more than
half the runs on fresh seeds; at 99.9%, in about one in ten (fewer, as the checks on one
store are correlated). Where it makes the point, a test also checks that a wrong answer
(the exact value one level away, or the figure the engine must not reproduce) lies
*outside* the interval: the check can tell the engine from a slightly wrong one. Seeds are
fixed.

The oracles are ``tests/sim/exact.py`` (checked there against published values and small
pure-Python simulations). Its levels are those of step 3 of a period (after demand, before
orders and shipments), where the engine measures them, except two figures it reports after
the warehouse has shipped: at step 3 the warehouse holds ``λ0`` more (this period's arrival
is not yet shipped on) and each pipeline ``warehouse -> store i`` holds ``λ_i`` less
(``λ_i (L_i - 1)``: the shipment of ``L_i`` periods ago has just arrived).

Precision is bought cheaply with many SKUs of identical parameters: each SKU is an
independent copy of the system, and the engine steps all of them at once. Outages are the
exception: they strike every SKU of a replication at once (one supplier), so independent
outage histories need independent nodes (see the outage tests).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock
from sim import demand as dm
from sim.allocation import Proportional
from sim.disruption import Disruptions
from sim.network import Assembly, Costs, Distribution, Graph, Serial, Single
from sim.runner import Scenario, simulate
from tests.sim.exact import (
    fixed_duration,
    geometric_duration,
    one_warehouse_n_stores,
    single_node_with_outages,
    store_net_inventory,
)

pytestmark = pytest.mark.slow

#: Confidence of every interval (see the module docstring).
CONFIDENCE = 0.999
#: Replications of every statistical test, and the warm-up: a base-stock system forgets its
#: start once the initial stock and the first pipelines are gone (a few lead times); with
#: outages the down/up chain must settle too (it does geometrically, within a few runs).
REPLICATIONS, WARMUP, OUTAGE_WARMUP = 20, 20, 50
#: The warehouse and assembly tests: many SKUs, short horizons (the engine's cost is per
#: period, nearly whatever the number of SKUs).
N_SKUS, HORIZON = 200, 120
H0, H1, P = 0.5, 1.0, 9.0  # warehouse and store holding, backorder penalty


def interval(values) -> tuple[float, float]:
    """Mean and half-width of the Student-t interval at ``CONFIDENCE``."""
    v = np.asarray(values, dtype=float)
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, v.size - 1)
    return float(v.mean()), float(t * v.std(ddof=1) / np.sqrt(v.size))


def assert_exact_in_ci(
    values, exact: float, max_rel_half: float, wrong=(), label: str = "", scale=None
):
    """``exact`` lies in the interval of the replication values, the interval's half-width
    is at most ``max_rel_half * scale`` (default ``|exact|``), and every value of ``wrong``
    lies outside it."""
    mean, half = interval(values)
    scale = abs(exact) if scale is None else scale
    assert half <= max_rel_half * scale, f"{label}: CI half-width {half:.4g} too wide"
    assert abs(mean - exact) <= half, f"{label}: exact {exact:.6f} not in {mean:.6f} ± {half:.6f}"
    for w in np.atleast_1d(wrong):
        assert abs(mean - w) > half, f"{label}: wrong value {w:.6f} in {mean:.6f} ± {half:.6f}"


def per_sku(result, node: str, kpi: str, n_skus: int) -> np.ndarray:
    """Replication values of a node KPI, per SKU (levels) or as they are (fill rate)."""
    values = np.asarray(result.nodes[node][kpi]["per_replication"], dtype=float)
    return values if kpi == "fill_rate" else values / n_skus


def single_stage(lam: float, lead_time: int, level: int) -> tuple[float, float, float]:
    """Single-stage base-stock with Poisson(λ) demand, levels at step 3 (Hadley & Whitin
    1963; Zipkin 2000, ch. 6): ``L`` periods of demand are outstanding, X ~ Poisson(λL),
    so on hand is E(S - X)^+ and backorders E(X - S)^+; the fill rate is E min(D, (S -
    Y)^+) / λ with Y ~ Poisson(λ(L - 1)) the demand outstanding before this period's."""
    k = np.arange(int(stats.poisson.isf(1e-15, lam * lead_time)) + level + 2)
    x, y, d = (stats.poisson.pmf(k, lam * m) for m in (lead_time, lead_time - 1, 1))
    served = np.minimum(k[None, :], np.maximum(level - k, 0)[:, None])  # [y, d]
    return (
        float(x @ np.maximum(level - k, 0)),
        float(x @ np.maximum(k - level, 0)),
        float(y @ served @ d) / lam,
    )


# --- one warehouse, N stores: Graves (1985), Axsäter (1990) ------------------------------


def distribution(weights, L0, L, allocation: str, holding=(H0, H1)) -> Distribution | Graph:
    """A warehouse feeding ``store1 ..``: a Distribution where the stores share one lead
    time, else the same network written as a Graph."""
    if np.ndim(L) == 0:
        return Distribution(
            stores=len(weights),
            lead_time=int(L),
            warehouse_lead_time=L0,
            allocation=allocation,
            store_weights=list(weights),
            holding={"warehouse": holding[0], "store": holding[1]},
        )
    stores = [f"store{i + 1}" for i in range(len(weights))]
    return Graph(
        nodes=[{"name": "warehouse", "holding": holding[0]}]
        + [
            {"name": s, "holding": holding[1], "demand": True, "demand_weight": w}
            for s, w in zip(stores, weights, strict=True)
        ],
        edges=[{"customer": "warehouse", "lead_time": L0}]
        + [
            {"supplier": "warehouse", "customer": s, "lead_time": int(lt)}
            for s, lt in zip(stores, L, strict=True)
        ],
        allocation=allocation,
    )


def run_distribution(weights, L0, S0, L, S, allocation="fifo", seed=1, n_skus=N_SKUS):
    """Base-stock everywhere, Poisson(weight) demand at each store."""
    levels = {"warehouse": S0} | {f"store{i + 1}": s for i, s in enumerate(np.atleast_1d(S))}
    scen = Scenario(
        distribution(weights, L0, L, allocation),
        dm.Poisson(mean=1.0),
        Costs(backorder=P),
        n_skus=n_skus,
    )
    return simulate(
        scen,
        BaseStock(level=levels),
        horizon=HORIZON,
        warmup=WARMUP,
        replications=REPLICATIONS,
        seed=seed,
    )


GRAVES = [
    pytest.param([1.0] * 5, 4, 15, 2, [4] * 5, 11, id="issue-N5-S0=15-S=4"),
    pytest.param([0.5, 1.0, 2.0], 2, 5, 2, [2, 3, 6], 12, id="unequal-weights"),
    pytest.param([0.6, 1.4], 3, 3, [1, 3], [2, 5], 13, id="graph-unequal-lead-times"),
]


@pytest.mark.parametrize(("weights", "L0", "S0", "L", "S", "seed"), GRAVES)
def test_graves_1985_one_warehouse_n_stores_fifo(weights, L0, S0, L, S, seed):
    """One warehouse, N stores, base-stock, Poisson demand, FIFO with random order within a
    period: the exact decomposition of Graves (1985) and Axsäter (1990) (``exact.py``; for
    the issue's instance E[B0] = 5.250411, store backorders 0.386787, on hand 1.336705, as
    ``tests/sim/test_exact.py`` checks).
    Store on hand, backorders, in transit and fill rate; the warehouse's backorders E[B0],
    its on hand at step 3 (the after-shipping figure + λ0), its pipeline λ0 (L0 - 1) and
    its fill rate (the share of the stores' orders shipped at once: a single stage with
    lead time L0); the network's cost per period. And, per store, E[on hand - backorders]
    = S_i - λ_i L_i - (λ_i/λ0) E[B0] (``store_net_inventory``; see the next section)."""
    lam = np.asarray(weights, dtype=float)
    lam0, n_stores = lam.sum(), lam.size
    L, S = np.broadcast_to(L, lam.shape), np.asarray(S)
    res = run_distribution(weights, L0, S0, L, S, seed=seed)
    ex = one_warehouse_n_stores(lam, L0, S0, L, S, warehouse_holding=H0, holding=H1, backorder=P)
    up = one_warehouse_n_stores(lam, L0, S0, L, S + 1)  # every store one unit higher
    net = store_net_inventory(lam, L, S, ex.warehouse_backorders)
    for i in range(n_stores):
        store = f"store{i + 1}"
        values = {k: per_sku(res, store, k, N_SKUS) for k in ("avg_on_hand", "avg_backorders")}
        assert_exact_in_ci(
            values["avg_on_hand"], ex.on_hand[i], 0.05, [up.on_hand[i]], f"{store} on hand"
        )
        assert_exact_in_ci(
            values["avg_backorders"],
            ex.backorders[i],
            0.08,
            [up.backorders[i]],
            f"{store} backorders",
        )
        assert_exact_in_ci(
            values["avg_on_hand"] - values["avg_backorders"],
            net[i],
            0.02,
            [net[i] + 1],
            f"{store} net inventory",
            scale=S[i],  # the net may be near 0
        )
        fill = per_sku(res, store, "fill_rate", N_SKUS)
        assert_exact_in_ci(fill, ex.fill_rate[i], 0.03, [up.fill_rate[i]], f"{store} fill")
        transit = per_sku(res, store, "avg_in_transit", N_SKUS)
        if L[i] == 1:  # a shipment is never in transit at step 3
            assert np.all(transit == 0.0)
        else:  # λ_i (L_i - 1) at step 3; the oracle's λ_i L_i is after shipping
            assert_exact_in_ci(
                transit, lam[i] * (L[i] - 1), 0.02, [ex.in_transit[i]], f"{store} transit"
            )
    wh_backorders = per_sku(res, "warehouse", "avg_backorders", N_SKUS)
    assert_exact_in_ci(wh_backorders, ex.warehouse_backorders, 0.02, label="E[B0]")
    assert_exact_in_ci(
        per_sku(res, "warehouse", "avg_on_hand", N_SKUS),
        ex.warehouse_on_hand + lam0,
        0.02,
        [ex.warehouse_on_hand],  # the after-shipping figure must *not* be what we measure
        "warehouse on hand at step 3",
    )
    assert_exact_in_ci(
        per_sku(res, "warehouse", "avg_in_transit", N_SKUS),
        lam0 * (L0 - 1),
        0.01,
        [lam0 * L0],
        "warehouse transit",
    )
    assert_exact_in_ci(
        per_sku(res, "warehouse", "fill_rate", N_SKUS),
        single_stage(lam0, L0, S0)[2],
        0.03,
        label="warehouse fill",
    )
    cost = np.asarray(res.kpis["cost_per_period"]["per_replication"]) / N_SKUS
    assert_exact_in_ci(cost, ex.cost, 0.03, label="cost per period")


# --- store net inventory: E[on hand - backorders] = S_i - λ_i L_i - (λ_i/λ0) E[B0] -------
# Axsäter (1990): for any allocation that ignores which store ordered, each store's
# expected share of the warehouse's backorders is proportional to its demand. FIFO (random
# order within a period) is such a rule: the Graves tests above check the identity per store.

#: Two identical stores (a rule must not favour either) and two unequal ones.
NET = {"weights": [1.0, 1.0, 0.5, 2.5], "L0": 3, "S0": 10, "L": 1, "S": [2, 2, 1, 4]}


def store_net(res, n_stores: int) -> list[np.ndarray]:
    return [
        per_sku(res, f"store{i + 1}", "avg_on_hand", N_SKUS)
        - per_sku(res, f"store{i + 1}", "avg_backorders", N_SKUS)
        for i in range(n_stores)
    ]


def test_store_net_inventory_proportional_allocation():
    """``exact.store_net_inventory`` under fair-share (proportional) allocation: each store
    gets stock in proportion to what it is owed, so in expectation every owed unit is
    equally likely to ship and each store's share of E[B0] is λ_i/λ0 -- provided the
    rounding to whole units is unbiased."""
    lam = np.asarray(NET["weights"])
    res = run_distribution(**NET, allocation="proportional", seed=2)
    ex = one_warehouse_n_stores(lam, NET["L0"], NET["S0"], NET["L"], NET["S"])
    expected = store_net_inventory(lam, NET["L"], NET["S"], ex.warehouse_backorders)
    for i, values in enumerate(store_net(res, lam.size)):
        # the net is near 0: the interval is judged against the store's level
        assert_exact_in_ci(values, expected[i], 0.02, label=f"store{i + 1} net", scale=NET["S"][i])


def test_store_net_inventory_has_power_priority_breaks_it():
    """Negative control for the identity: strict priority (store1 first) keeps E[B0] and
    the sum over stores (any rule ships the same total), but moves the warehouse's
    backorders onto the stores served last, so the per-store identity fails by many
    half-widths."""
    lam = np.asarray(NET["weights"])
    res = run_distribution(**NET, allocation="priority", seed=2)
    ex = one_warehouse_n_stores(lam, NET["L0"], NET["S0"], NET["L"], NET["S"])
    expected = store_net_inventory(lam, NET["L"], NET["S"], ex.warehouse_backorders)
    net = store_net(res, lam.size)
    total = sum(NET["S"])
    assert_exact_in_ci(sum(net), expected.sum(), 0.02, label="sum over stores", scale=total)
    assert_exact_in_ci(
        per_sku(res, "warehouse", "avg_backorders", N_SKUS), ex.warehouse_backorders, 0.02
    )
    mean, half = interval(net[0])
    assert mean - expected[0] > 10 * half  # the first store is short far less often
    mean, half = interval(net[-1])
    assert expected[-1] - mean > 10 * half  # the last carries the warehouse's backorders


def test_proportional_rounding_is_unbiased():
    """The rounding behind the test above must be unbiased: two stores owed one unit
    each, one unit in stock. A fair share gives each store the unit half the time (any
    whole-unit rounding must be unbiased: E[shipped] = stock x owed / total owed); the
    largest-remainder rounding this replaced gave it to store1 every time."""
    n = 10_000
    queue = Proportional().queue(["store1", "store2"], n, np.random.default_rng(0))
    queue.add(np.ones((2, n)))
    shipped = queue.propose(np.ones(n))
    assert np.all(shipped.sum(axis=0) == 1.0)
    assert abs(shipped[0].mean() - 0.5) < 5 * 0.5 / np.sqrt(n), shipped[0].mean()


# --- ample stock upstream: every store is a single stage --------------------------------


def test_ample_warehouse_stores_are_single_stages():
    """A warehouse that never runs short (S0 far above its lead-time demand) makes every
    store a single-stage base-stock system with its own lead time (the S0 -> ∞ limit of
    Graves 1985): on hand E(S - Poisson(λL))^+, backorders E(Poisson(λL) - S)^+, and the
    single-stage fill rate; the warehouse owes nothing. The allocation rule never acts, so
    priority and FIFO give identical results on common random numbers."""
    weights, L0, S0, L, S = [0.5, 1.0, 3.0], 2, 300, 3, [2, 4, 12]
    res = run_distribution(weights, L0, S0, L, S, allocation="priority", seed=3)
    for i, (lam, level) in enumerate(zip(weights, S, strict=True)):
        store = f"store{i + 1}"
        on_hand, backorders, fill = single_stage(lam, L, level)
        wrong = single_stage(lam, L, level + 1)
        for kpi, exact, wrong_value, rel in (
            ("avg_on_hand", on_hand, wrong[0], 0.03),
            ("avg_backorders", backorders, wrong[1], 0.08),
            ("fill_rate", fill, wrong[2], 0.02),
        ):
            values = per_sku(res, store, kpi, N_SKUS)
            assert_exact_in_ci(values, exact, rel, [wrong_value], f"{store} {kpi}")
    assert all(x == 0.0 for x in res.nodes["warehouse"]["avg_backorders"]["per_replication"])
    assert res.nodes["warehouse"]["fill_rate"]["mean"] == 1.0
    fifo = run_distribution(weights, L0, S0, L, S, allocation="fifo", seed=3)
    assert fifo.kpis["cost_per_period"] == res.kpis["cost_per_period"]


# --- assembly: ample components; Rosling (1989) on common random numbers -----------------


def test_assembly_with_ample_components_is_a_single_stage():
    """Components that never run short (local base-stock far above their lead-time demand)
    ship a complete kit the period the product orders it, so the product is a single stage
    with the assembly lead time, whatever the components' own lead times."""
    lam, L, S, n_skus = 2.0, 2, 6, N_SKUS
    scen = Scenario(
        Assembly(components=2, component_lead_time=[2, 5], assembly_lead_time=L),
        dm.Poisson(mean=lam),
        Costs(backorder=P),
        n_skus=n_skus,
    )
    res = simulate(
        scen,
        BaseStock(level={"product": S, "component": 60}),
        horizon=HORIZON,
        warmup=WARMUP,
        replications=REPLICATIONS,
        seed=4,
    )
    exact, wrong = single_stage(lam, L, S), single_stage(lam, L, S + 1)
    for kpi, k, rel in (
        ("avg_on_hand", 0, 0.02),
        ("avg_backorders", 1, 0.05),
        ("fill_rate", 2, 0.01),
    ):
        values = per_sku(res, "product", kpi, n_skus)
        assert_exact_in_ci(values, exact[k], rel, [wrong[k]], f"product {kpi}")
    # both components' kits in transit: 2 λ (L - 1) at step 3
    transit = per_sku(res, "product", "avg_in_transit", n_skus)
    assert_exact_in_ci(transit, 2 * lam * (L - 1), 0.01, label="kits in transit")
    for component in ("component1", "component2"):
        assert all(x == 0.0 for x in res.nodes[component]["avg_backorders"]["per_replication"])


ROSLING = {"hc": 0.25, "hp": 1.5, "S1": 5, "S2": 11, "lam": 2.0, "n_skus": 200}


def rosling_pair(component_levels: dict) -> tuple:
    """The assembly system (two components, lead times 3 and 3, assembly lead time 1) and
    its serial twin (lead times 1 and 3, upper stage holding at the components' summed
    rate), both under echelon base-stock, on the same seed."""
    r = ROSLING
    runs = []
    for net, levels in (
        (
            Assembly(
                components=2,
                component_lead_time=[3, 3],
                assembly_lead_time=1,
                holding={"component": r["hc"], "product": r["hp"]},
            ),
            {"product": r["S1"]} | component_levels,
        ),
        (Serial(stages=2, lead_time=[1, 3], holding=[r["hp"], 2 * r["hc"]]), [r["S1"], r["S2"]]),
    ):
        scen = Scenario(net, dm.Poisson(mean=r["lam"]), Costs(backorder=P), n_skus=r["n_skus"])
        runs.append(
            simulate(
                scen,
                EchelonBaseStock(levels=levels),
                horizon=HORIZON,
                warmup=WARMUP,
                replications=5,
                seed=5,
            )
        )
    return tuple(runs)


def node_values(res, node: str, kpi: str) -> np.ndarray:
    return np.asarray(res.nodes[node][kpi]["per_replication"], dtype=float)


def test_rosling_1989_assembly_is_the_serial_system_path_by_path():
    """Rosling (1989): components with equal lead times, under echelon base-stock with
    equal levels, behave as one stage, so the assembly system is the two-stage serial
    system ``product <- component stage <- external`` whose upper stage holds at the sum of
    the components' rates. Both networks draw the product's demand from the stream
    ``demand``, have deterministic lead times and no allocation draws, so on common random
    numbers every replication's cost agrees (to rounding: the components' costs are
    summed separately), and so do the product's levels and each component's with the
    upper stage's."""
    asm, ser = rosling_pair({"component": ROSLING["S2"]})
    for kpi in ("cost_per_period", "holding_cost", "shortage_cost", "fill_rate"):
        np.testing.assert_allclose(
            asm.kpis[kpi]["per_replication"], ser.kpis[kpi]["per_replication"], rtol=1e-9
        )
    for kpi in ("avg_on_hand", "avg_backorders", "avg_in_transit", "cost_per_period"):
        np.testing.assert_allclose(
            node_values(asm, "product", kpi), node_values(ser, "stage1", kpi), rtol=1e-9
        )
    for kpi in ("avg_on_hand", "avg_backorders", "avg_in_transit"):
        for component in ("component1", "component2"):
            np.testing.assert_allclose(
                node_values(asm, component, kpi), node_values(ser, "stage2", kpi), rtol=1e-9
            )
    # the comparison has something to compare: the upper stage runs short at times
    assert node_values(ser, "stage2", "avg_backorders").min() > 0


def test_assembly_kits_wait_for_the_scarcest_component():
    """With component1's echelon level ``extra`` above component2's, both order the same
    once at their levels, so component1 always holds ``extra`` more units, idle: kits are
    limited by component2 and the product still sees the serial system with the lower
    level. Path by path: the product and component2 as before, component1 ``extra`` units
    more on hand per SKU, the cost ``h_component x extra`` more per SKU. (Shipping
    component1 without its kit partner would move those units into the assembly node.)"""
    extra, n_skus = 3, ROSLING["n_skus"]
    asm, ser = rosling_pair({"component1": ROSLING["S2"] + extra, "component2": ROSLING["S2"]})
    for kpi in ("avg_on_hand", "avg_backorders", "avg_in_transit", "cost_per_period"):
        np.testing.assert_allclose(
            node_values(asm, "product", kpi), node_values(ser, "stage1", kpi), rtol=1e-9
        )
    for kpi in ("avg_on_hand", "avg_backorders", "avg_in_transit"):
        np.testing.assert_allclose(
            node_values(asm, "component2", kpi), node_values(ser, "stage2", kpi), rtol=1e-9
        )
    np.testing.assert_allclose(
        node_values(asm, "component1", "avg_on_hand"),
        node_values(ser, "stage2", "avg_on_hand") + extra * n_skus,
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        asm.kpis["cost_per_period"]["per_replication"],
        np.asarray(ser.kpis["cost_per_period"]["per_replication"]) + ROSLING["hc"] * extra * n_skus,
        rtol=1e-9,
    )


# --- supplier outages: single_node_with_outages (renewal argument in exact.py) -----------

LAM, LEAD, LEVEL = 2.0, 2, 9


def outage_exact(probability: float, duration):
    pmf = (
        geometric_duration(duration["geometric_mean"])
        if isinstance(duration, dict)
        else fixed_duration(duration)
    )
    return single_node_with_outages(LAM, LEAD, LEVEL, probability, pmf)


def outage_values(res, kpi: str, scale: float) -> np.ndarray:
    return np.asarray(res.kpis[kpi]["per_replication"], dtype=float) / scale


@pytest.mark.parametrize(
    ("duration", "max_rel_backorders"),
    [pytest.param({"geometric_mean": 3}, 0.08, id="geometric"), pytest.param(4, 0.05, id="fixed")],
)
def test_single_node_with_outages_independent_copies(duration, max_rel_backorders):
    """One base-stock node with Poisson demand whose supplier has random outages
    (probability 0.05 a period, mean duration 3 or 4): ``single_node_with_outages``. An
    outage stops the supplier for every SKU at once, so SKUs are not independent copies;
    here ``K`` nodes side by side, each fed by the external supplier on its own lane with
    its own outage source (target ``external->copy_k``, its own stream), are ``K``
    independent copies of the single node. Levels, fill rate, cycle service level, cost and
    the fraction of periods down; the plain base-stock figures (no outages) must lie
    outside the intervals."""
    probability, K, n_skus, horizon = 0.05, 50, 10, 1_050
    names = [f"copy{k + 1}" for k in range(K)]
    net = Graph(
        nodes=[{"name": name, "demand": True, "role": "copy"} for name in names],
        edges=[{"customer": name, "lead_time": LEAD} for name in names],
    )
    outages = [
        {"target": f"external->{name}", "probability": probability, "duration": duration}
        for name in names
    ]
    scen = Scenario(
        net,
        dm.Poisson(mean=LAM),
        Costs(holding=1.0, backorder=P),
        n_skus=n_skus,
        disruption=Disruptions(outages=outages),
    )
    res = simulate(
        scen,
        BaseStock(level=LEVEL),
        horizon=horizon,
        warmup=OUTAGE_WARMUP,
        replications=REPLICATIONS,
        seed=6,
    )
    ex, plain = outage_exact(probability, duration), single_stage(LAM, LEAD, LEVEL)
    copies = K * n_skus
    on_hand, backorders = (outage_values(res, k, copies) for k in ("avg_on_hand", "avg_backorders"))
    assert_exact_in_ci(on_hand, ex.on_hand, 0.01, [plain[0]], "on hand")
    assert_exact_in_ci(backorders, ex.backorders, max_rel_backorders, [plain[1]], "backorders")
    fill, csl = (outage_values(res, k, 1) for k in ("fill_rate", "cycle_service_level"))
    assert_exact_in_ci(fill, ex.fill_rate, 0.003, [plain[2]], "fill rate")
    assert_exact_in_ci(csl, ex.cycle_service_level, 0.003, label="cycle service level")
    cost = outage_values(res, "cost_per_period", copies)
    assert_exact_in_ci(cost, ex.on_hand + P * ex.backorders, 0.04, label="cost")
    down = outage_values(res, "disrupted_periods", K * (horizon - OUTAGE_WARMUP))
    assert_exact_in_ci(down, ex.down_fraction, 0.03, label="down fraction")


def test_single_node_with_outages_of_the_external_supplier():
    """The same oracle on the plain ``Single`` network with ``target: external``. Every SKU
    shares the outages, so the precision comes from the number of outages; short, frequent
    ones (probability 0.2, one period each) give it cheaply."""
    probability, duration, n_skus = 0.2, 1, 20
    scen = Scenario(
        Single(lead_time=LEAD),
        dm.Poisson(mean=LAM),
        Costs(holding=1.0, backorder=P),
        n_skus=n_skus,
        disruption=Disruptions(
            outages=[{"target": "external", "probability": probability, "duration": duration}]
        ),
    )
    res = simulate(
        scen,
        BaseStock(level=LEVEL),
        horizon=1_550,
        warmup=OUTAGE_WARMUP,
        replications=REPLICATIONS,
        seed=7,
    )
    ex, plain = outage_exact(probability, duration), single_stage(LAM, LEAD, LEVEL)
    on_hand = outage_values(res, "avg_on_hand", n_skus)
    assert_exact_in_ci(on_hand, ex.on_hand, 0.01, [plain[0]], "on hand")
    backorders = outage_values(res, "avg_backorders", n_skus)
    assert_exact_in_ci(backorders, ex.backorders, 0.15, [plain[1]], "backorders")
    fill = outage_values(res, "fill_rate", 1)
    assert_exact_in_ci(fill, ex.fill_rate, 0.003, [plain[2]], "fill rate")
    down = outage_values(res, "disrupted_periods", 1_500)
    assert_exact_in_ci(down, ex.down_fraction, 0.08, label="down fraction")


def test_scheduled_outage_ships_nothing_and_conserves_stock():
    """A scheduled outage of the external supplier in periods 30..39 (``periods: [30],
    duration: 10``): the node is flagged disrupted exactly then, receives nothing in periods
    30 + L .. 39 + L (shipments sent during the outage), and receives the whole backlog
    (the orders of periods 30..40) in period 40 + L. A second outage runs past the horizon,
    so units are still owed at the end. Nothing is created or lost: ordered = received + in
    transit + owed, and initial + received = on hand + delivered to customers."""
    L, horizon, n_skus = 2, 80, 4
    scen = Scenario(
        Single(lead_time=L),
        dm.Poisson(mean=3.0),
        Costs(),
        n_skus=n_skus,
        disruption=Disruptions(
            outages=[
                {"target": "external", "periods": [30], "duration": 10},
                {"target": "external", "periods": [75], "duration": 10},
            ]
        ),
    )
    res = simulate(
        scen, BaseStock(level=8), horizon=horizon, seed=8, trace_skus=n_skus, keep_outputs=True
    )
    trace = res.trace.sort_values(["period", "sku"])

    def field(name: str) -> np.ndarray:  # (periods, SKUs)
        return trace[name].to_numpy().reshape(horizon, n_skus)

    down = np.zeros(horizon, dtype=bool)
    down[30:40] = down[75:] = True
    np.testing.assert_array_equal(field("disrupted")[:, 0], down.astype(float))
    received, ordered = field("received"), field("order")
    assert np.all(received[30 + L : 40 + L] == 0)
    assert np.all(received[75 + L :] == 0)
    np.testing.assert_array_equal(received[40 + L], ordered[30:41].sum(axis=0))
    up = np.flatnonzero(~down[: horizon - L])  # one period's order, L periods later
    np.testing.assert_array_equal(received[up + L][up > 41], ordered[up][up > 41])
    assert received[L + 5 : 30 + L].sum() > 0  # the check above has something to check

    out = res.outputs[0]
    assert np.all(out.final_owed[0] == ordered[75:].sum(axis=0))
    assert np.all(out.final_owed[0] > 0)
    np.testing.assert_array_equal(
        out.ordered_total[0], out.received_total[0] + out.final_in_transit[0] + out.final_owed[0]
    )
    delivered = out.demand_total[0] - out.final_backorders[0]
    np.testing.assert_array_equal(
        out.initial_on_hand[0] + out.received_total[0], out.final_on_hand[0] + delivered
    )
