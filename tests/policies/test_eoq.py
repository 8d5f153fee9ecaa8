"""Quantity discounts from a policy: ``costs.discounts`` prices every order on its schedule in
the simulation, and ``policy=eoq`` derives its batch with the discount optimisers of
:mod:`policies.optimal.eoq_family`.

Published values: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Examples
3.6 (all-units) and 3.7 (incremental) on the data of Example 3.5: K = 8, D = 1300 a year,
breakpoints (0, 400, 800), prices (0.75, 0.72, 0.68), holding 30% of the price a year.
Stocklab charges holding per unit held (``costs.holding``), so these tests hold it at
h = 0.3 x 0.75 = 0.225; the published optima are the same: q* = 800 (all-units) and
q* = 304.05 (incremental).

*Period convention.* With demand D per period, lead time 1 and a batch q that is a whole
number of periods of demand, stock at period ends runs q - D, q - 2D, ..., 0 (orders arrive
at the start of the period after the stock runs out): on average ``(q - D) / 2``, not the
continuous-time ``q / 2``. The simulated cost per period is therefore the optimiser's cost
``purchase(q) D / q + K D / q + h q / 2`` less ``h D / 2``, exactly, for every such q; the
correction does not depend on q, so the optimiser's q is also the simulation's best.


The plain EOQ batch and the reorder points without discounts are tested at the end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments.run import build, precheck
from policies.eoq import EOQ
from policies.optimal.eoq_family import all_units_discount_eoq, incremental_discount_eoq
from policies.ss import SS
from sim import demand as dm
from sim.network import AllUnitsDiscounts, Costs, IncrementalDiscounts, Serial, Single
from sim.runner import Scenario, prepare, simulate
from tests.conftest import TINY, compose_config, run_cli

EX_3_5 = {"kind": None, "breakpoints": [0, 400, 800], "unit_costs": [0.75, 0.72, 0.68]}
H_EX_3_5 = 0.3 * 0.75  # i c_0: Snyder & Shen's 30% a year, per unit at the base price

# Scenarios in period units, where the optimum is a whole number of periods of demand
# (D = 10 per period, h = 0.01 per unit per period):
# all-units, K = 5: region 0's EOQ (100) costs 11.0, the breakpoint 200 costs 10.75, 500
# costs 11.9 -- q* = 200 at a breakpoint;
ALL_UNITS = {"kind": "all_units", "breakpoints": [0, 200, 500], "unit_costs": [1.0, 0.95, 0.93]}
# incremental, K = 10: cbar_1 = 10, so region 1's q = sqrt(2 (K + cbar_1) D / h) = 200
# (cost 11.0) beats region 0 at its upper end 100 (11.5) and region 2 at 1000 (14.2).
INCREMENTAL = {"kind": "incremental", "breakpoints": [0, 100, 1000], "unit_costs": [1.0, 0.9, 0.88]}
CASES = [(ALL_UNITS, 5.0, 200.0), (INCREMENTAL, 10.0, 200.0)]
D, H, WARMUP = 10.0, 0.01, 20


def _scenario(discounts: dict, order_fixed: float, mean: float = D, holding: float = H):
    return Scenario(
        Single(lead_time=1),
        dm.Deterministic(mean=mean),
        Costs(holding=holding, order_fixed=order_fixed, discounts=discounts),
    )


def _simulate(discounts: dict, order_fixed: float, q: float | None = None):
    """One replication; the measured window holds ``10 q / D`` periods: a whole number of
    the inventory pattern's repeats, whatever ``q``."""
    horizon = WARMUP + int(10 * (q or 200.0))
    scen = _scenario(discounts, order_fixed)
    return simulate(scen, EOQ(q=q), horizon=horizon, warmup=WARMUP, replications=1, seed=0)


# ------------------------------------------------------------------ (a) the derived batch


@pytest.mark.parametrize(
    ("kind", "optimiser", "published"),
    [
        ("all_units", all_units_discount_eoq, 800.0),
        ("incremental", incremental_discount_eoq, 304.04678003),
    ],
)
def test_snyder_shen_ex_3_6_and_3_7_eoq_derives_the_published_batch(kind, optimiser, published):
    scen = _scenario({**EX_3_5, "kind": kind}, order_fixed=8.0, mean=1300.0, holding=H_EX_3_5)
    policies, contexts = prepare(scen, EOQ(), seed=0)
    q = policies[0].q
    assert q == pytest.approx([published])
    solution = optimiser(8.0, 1300.0, [0, 400, 800], [0.75, 0.72, 0.68], holding=H_EX_3_5)
    assert q[0] == solution.q  # the optimiser's answer, unrounded (deterministic demand)
    assert contexts.nodes[0].discounts == scen.costs.discounts


def test_snyder_shen_ex_3_6_with_a_price_schedule_shared_by_skus():
    """Per-SKU demand, one schedule: each SKU gets its own optimum, and Poisson demand
    rounds it to whole units."""
    scen = Scenario(
        Single(lead_time=1),
        dm.Poisson(mean=1300.0, mean_spread=0.5),
        Costs(holding=H_EX_3_5, order_fixed=8.0, discounts={**EX_3_5, "kind": "all_units"}),
        n_skus=4,
    )
    policies, contexts = prepare(scen, EOQ(), seed=0)
    mean = contexts.nodes[0].demand_mean
    expected = all_units_discount_eoq(8.0, mean, [0, 400, 800], [0.75, 0.72, 0.68], holding=0.225)
    np.testing.assert_array_equal(policies[0].q, np.maximum(np.round(expected.q), 1.0))


def test_a_given_q_is_kept_and_other_policies_ignore_the_schedule():
    discounts = {**EX_3_5, "kind": "all_units"}
    scen = _scenario(discounts, order_fixed=8.0, mean=1300.0, holding=H_EX_3_5)
    assert prepare(scen, EOQ(q=123.0), seed=0)[0][0].q == pytest.approx([123.0])
    plain = _scenario(None, order_fixed=8.0, mean=1300.0, holding=H_EX_3_5)
    ss = prepare(scen, SS(), seed=0)[0][0].parameters()
    assert ss == prepare(plain, SS(), seed=0)[0][0].parameters()


def test_eoq_with_planned_backorders_cannot_derive_q_under_discounts():
    scen = _scenario(ALL_UNITS, order_fixed=5.0)
    with pytest.raises(ValueError, match=r"policy.variant\(='backorders'\).*costs.discounts"):
        prepare(scen, EOQ(variant="backorders"), seed=0)


# ---------------------------------------------- (b) the simulated cost is the closed form


@pytest.mark.parametrize(("discounts", "order_fixed", "q_star"), CASES)
def test_simulated_cost_of_the_derived_batch_is_the_closed_form(discounts, order_fixed, q_star):
    res = _simulate(discounts, order_fixed)
    q = res.policy_parameters["q"]
    assert q == pytest.approx(q_star)
    schedule = Costs(discounts=discounts).discounts
    closed = schedule.cost(q, order_fixed, D, H)  # purchase + ordering + h q / 2 per period
    kpis = {k: v["mean"] for k, v in res.kpis.items()}
    assert kpis["cost_per_period"] == pytest.approx(closed - H * D / 2, rel=1e-12)
    purchase = float(schedule.purchase_cost(np.array(q)))
    assert kpis["ordering_cost"] == pytest.approx((purchase + order_fixed) * D / q, rel=1e-12)
    assert kpis["holding_cost"] == pytest.approx(H * (q - D) / 2, rel=1e-12)
    assert kpis["shortage_cost"] == 0.0


# ------------------------------------------------ (c) cheaper than its neighbours, simulated


@pytest.mark.parametrize(("discounts", "order_fixed", "q_star"), CASES)
def test_the_derived_batch_beats_its_neighbours_in_simulation(discounts, order_fixed, q_star):
    best = _simulate(discounts, order_fixed).kpis["cost_per_period"]["mean"]
    schedule = Costs(discounts=discounts).discounts
    rivals = {q_star - 1, q_star + 1, *schedule.breakpoints[1:]}
    # region 0's own EOQ, below the first breakpoint
    rivals.add(min(np.floor(np.sqrt(2 * order_fixed * D / H)), schedule.breakpoints[1] - 1))
    for q in sorted(rivals - {q_star}):
        cost = _simulate(discounts, order_fixed, q=q).kpis["cost_per_period"]["mean"]
        assert best < cost, (q, cost, best)


# ------------------------------------------------------ the purchase cost, order by order


def test_all_units_and_incremental_price_orders_by_hand():
    all_units = AllUnitsDiscounts(breakpoints=[0, 100, 300], unit_costs=[1.0, 0.95, 0.9])
    incremental = IncrementalDiscounts(breakpoints=[0, 100, 300], unit_costs=[1.0, 0.95, 0.9])
    q = np.array([[0.0, 50.0, 100.0], [299.0, 300.0, 1000.0]])
    np.testing.assert_allclose(
        all_units.purchase_cost(q), [[0, 50, 95], [284.05, 270, 900]], rtol=1e-15
    )
    # 100 at 1.0, 200 at 0.95, the rest at 0.9
    np.testing.assert_allclose(
        incremental.purchase_cost(q), [[0, 50, 100], [289.05, 290, 920]], rtol=1e-14
    )


def test_every_order_of_every_node_is_priced_on_the_schedule():
    """A serial chain under (s, S) with random demand: each node's ordering cost is K per
    order plus its orders priced one by one (read back from the trace)."""
    n = 3
    schedule = {"kind": "incremental", "breakpoints": [0, 20, 60], "unit_costs": [2.0, 1.5, 1.2]}
    costs = Costs(holding=0.1, order_fixed=15.0, discounts=schedule)
    scen = Scenario(Serial(stages=2, lead_time=[1, 2]), dm.Poisson(mean=6.0), costs, n_skus=n)
    res = simulate(scen, SS(), horizon=80, warmup=10, replications=2, seed=4, trace_skus=n)
    priced = costs.discounts.purchase_cost
    for rep in range(2):
        for node in ("stage1", "stage2"):
            t = res.trace.query("replication == @rep and node == @node and period >= 10")
            orders = t["order"].to_numpy()
            expected = (15.0 * np.count_nonzero(orders) + priced(orders).sum()) / 70
            got = res.nodes[node]["ordering_cost"]["per_replication"][rep]
            assert got == pytest.approx(expected, rel=1e-12)
            assert np.count_nonzero(orders) > 0


def test_a_one_price_schedule_charges_as_costs_unit_does():
    base = dict(holding=0.1, backorder=2.0, order_fixed=15.0)
    flat = {"kind": "all_units", "breakpoints": [0], "unit_costs": [1.5]}
    runs = []
    for costs in (Costs(**base, unit=1.5), Costs(**base, discounts=flat)):
        scen = Scenario(Single(lead_time=2), dm.Poisson(mean=6.0), costs, n_skus=4)
        runs.append(simulate(scen, SS(s=10, S=40), horizon=60, warmup=5, seed=2).kpis)
    for name, value in runs[0].items():
        assert runs[1][name]["mean"] == pytest.approx(value["mean"], rel=1e-12), name


def test_without_discounts_the_engine_prices_nothing():
    scen = Scenario(Single(lead_time=2), dm.Poisson(mean=6.0), Costs(unit=1.0), n_skus=2)
    res = simulate(scen, SS(s=10, S=40), horizon=30, seed=2, keep_outputs=True)
    assert res.outputs[0].totals[0].purchase is None


# -------------------------------------------------------------------- configuration


def _refusal(overrides: list[str], capsys) -> str:
    """The one line a configuration is refused with, before anything runs."""
    args = [*TINY, *overrides]
    try:
        precheck(args)
    except SystemExit as exc:
        assert exc.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1, lines
        return lines[0]
    with pytest.raises(ValueError) as info:
        scenario, policy = build(compose_config(args))
        prepare(scenario, policy, seed=0)
    assert "\n" not in str(info.value)
    return str(info.value)


GOOD = "{kind:all_units,breakpoints:[0,100,300],unit_costs:[1.0,0.95,0.9]}"


@pytest.mark.parametrize(
    ("override", "needles"),
    [
        (
            "costs.discounts={kind:all_units,breakpoints:[0,300,100],unit_costs:[1,0.9,0.8]}",
            ["costs.discounts.breakpoints", "[0.0, 300.0, 100.0]", "strictly increasing"],
        ),
        (
            "costs.discounts={kind:bulk,breakpoints:[0],unit_costs:[1]}",
            ["costs.discounts.kind", "bulk", "all_units, incremental"],
        ),
        (
            "costs.discounts={kind:all_units,breakpoints:[0,100],unit_costs:[1,1.2]}",
            ["costs.discounts.unit_costs", "[1.0, 1.2]", "non-increasing"],
        ),
        (
            "costs.discounts={kind:all_units,breakpoints:[5,100],unit_costs:[1,0.9]}",
            ["costs.discounts.breakpoints", "start at 0"],
        ),
        (
            "costs.discounts={kind:all_units,breakpoints:[0,100],unit_costs:[1]}",
            ["costs.discounts.unit_costs", "[1.0]", "one price per region"],
        ),
        (
            "costs.discounts={kind:all_units,breakpoints:[0,100],unit_costs:[1,-1]}",
            ["costs.discounts.unit_costs", "-1.0", "> 0"],
        ),
        (
            "costs.discounts={kind:all_units,breakpoints:[0,abc],unit_costs:[1,1]}",
            ["costs.discounts.breakpoints", "abc", "list of numbers"],
        ),
        (
            "costs.discounts={kind:all_units,brakpoints:[0],unit_costs:[1]}",
            ["costs.discounts.brakpoints", "did you mean 'costs.discounts.breakpoints'"],
        ),
        (
            "costs.discounts={kind:all_units,breakpoints:[0],unit_costs:[1],holding_rate:0.3}",
            ["costs.discounts.holding_rate", "0.3", "costs.holding"],
        ),
        ("+costs.discounts.kind=all_units", ["costs.discounts", "misses breakpoints"]),
        ("costs.discounts=5", ["costs.discounts", "5", "mapping"]),
        (
            "costs.discounts={kind:all_units,breakpoints:[0,nan],unit_costs:[1,1]}",
            ["costs.discounts.breakpoints[1]", "nan"],
        ),
        (f"costs.discounts={GOOD} costs.unit=0.5", ["costs.unit", "0.5", "costs.discounts"]),
        (
            f"costs.discounts={GOOD} review=continuous",
            ["costs.discounts", "review=periodic"],
        ),
    ],
)
def test_a_bad_schedule_is_refused_in_one_line(override, needles, capsys):
    line = _refusal(override.split(" "), capsys)
    for needle in needles:
        assert needle in line, line


def test_a_good_schedule_passes_the_strict_checks():
    scenario, policy = build(compose_config([*TINY, "policy=eoq", f"costs.discounts={GOOD}"]))
    assert isinstance(scenario.costs.discounts, AllUnitsDiscounts)
    assert scenario.costs.discounts.breakpoints == (0.0, 100.0, 300.0)
    assert build(compose_config(TINY))[0].costs.discounts is None


# -------------------------------------------------------------------------- (d) the CLI

CLI_RUN = [
    "policy=eoq",
    "network=single",
    "demand=poisson",
    "n_skus=2",
    "horizon=60",
    "replications=2",
    "trace_skus=0",
    "progress=false",
]


@pytest.mark.cli
def test_cli_derives_q_from_the_schedule_and_charges_it(tmp_path):
    # Poisson(10), K = 20, h = 0.1: region 0's EOQ 63 costs 16.32 a period, the
    # breakpoint 100 at 0.9 costs 9 + 2 + 5 = 16
    schedule = "{kind:all_units,breakpoints:[0,100,300],unit_costs:[1.0,0.9,0.85]}"
    proc = run_cli([*CLI_RUN, f"costs.discounts={schedule}", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    assert "q: [100.0, 100.0]" in proc.stdout, proc.stdout
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["policy_parameters"]["q"] == [100.0, 100.0]
    assert metrics["config"]["costs"]["discounts"]["kind"] == "all_units"
    # every order is one batch of 100 at 0.9 a unit: 90 + K = 110 an order
    kpis = metrics["kpis"]
    for ordering, orders in zip(
        kpis["ordering_cost"]["per_replication"],
        kpis["orders_placed"]["per_replication"],
        strict=True,
    ):
        assert ordering * 32 == pytest.approx(orders * (90.0 + 20.0))


@pytest.mark.cli
def test_cli_refuses_a_bad_schedule_in_one_line(tmp_path):
    schedule = "{kind:all_units,breakpoints:[0,300,100],unit_costs:[1.0,0.9,0.85]}"
    proc = run_cli([*CLI_RUN, f"costs.discounts={schedule}", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("stocklab: error: costs.discounts.breakpoints"), lines[0]
    assert not list(tmp_path.rglob("metrics.json"))


# --------------------------------------------------------------------------- no discounts


def test_plain_eoq_batch_and_service_reorder_point() -> None:
    """Poisson(8), K = 20, h = 1: q = round(sqrt(2 * 20 * 8)) = 18; a 0.95 service level
    puts r at the 0.95-quantile of Poisson(16) (protection 2 periods, fixed lead time)."""
    from scipy import stats

    from tests.conftest import poisson_context

    prepared = EOQ(service_level=0.95).prepare(poisson_context([8.0]))
    assert prepared.q.tolist() == [18.0]
    assert prepared.r.tolist() == [stats.poisson.ppf(0.95, 16.0)]
    with pytest.raises(ValueError, match=r"policy.variant\(='x'\) must be one of classic,"):
        EOQ(variant="x")
