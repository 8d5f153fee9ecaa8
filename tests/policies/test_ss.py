"""Per-period (s_t, S_t) from the finite-horizon DP (``policy=ss policy.horizon_dp=true``):
stationary levels in the middle of a long horizon (Zheng & Federgruen 1991; base-stock),
the DP's cost-to-go against an exact forward evaluation of the pipeline and against the
simulation (99% Student-t intervals), the gain over the stationary (s, S) under seasonal
demand with common random numbers, and the command line, refusals included.

The stationary (s, S) of :func:`optimal_ss` is tested at the end: Zheng & Federgruen's
exact levels for Poisson demand, solved once per distinct SKU, and the deterministic
rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from policies.base import InventoryState, PlanningContext
from policies.base_stock import BaseStock
from policies.optimal.finite_horizon import period_pmfs
from policies.ss import SS, PeriodSS, horizon_levels, optimal_ss, solve_horizon
from sim import demand as dm
from sim.demand.replay import Replay
from sim.network import Costs, Single
from sim.runner import Scenario, prepare, simulate
from tests.conftest import run_cli


def _context(mean, *, lead=1, h=1.0, p=9.0, K=64.0, unit=0.0, unmet="backorder", **kw):
    """One SKU (or one column per SKU) with the given per-period means, Poisson."""
    mean = np.asarray(mean, dtype=float)
    mean = mean[:, None] if mean.ndim == 1 else mean
    n = mean.shape[1]
    ones = np.ones(n)
    args = dict(
        n_skus=n,
        demand_family="poisson",
        demand_mean=mean.mean(axis=0),
        demand_std=np.sqrt(mean.mean(axis=0)),
        lead_time_mean=lead * ones,
        lead_time_std=0 * ones,
        review_period=1,
        holding=h * ones,
        backorder=p * ones,
        lost_sale=p * ones,
        order_fixed=K * ones,
        unit=unit * ones,
        unmet_demand=unmet,
        demand_by_period=lambda: (mean, np.sqrt(mean)),
    )
    args.update(kw)
    return PlanningContext(**args)


def ci99(values) -> tuple[float, float]:
    """Mean and half-width of a 99% Student-t interval over replications."""
    v = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.995, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return float(v.mean()), float(half)


# --------------------------------------------------------------------------- (a) stationary


def test_zheng_federgruen_1991_levels_in_the_middle_of_a_long_horizon():
    """Poisson(10), h=1, p=9, K=64, protection one period: far from both ends of a long
    horizon the DP's (s_t, S_t) are the stationary optimum (6, 40), the (s, S) that
    policy=ss derives today (Zheng & Federgruen 1991; Iglehart 1963: finite-horizon
    levels converge to the stationary ones)."""
    context = _context(np.full(240, 10.0))
    s, S = horizon_levels(context)
    assert s.shape == S.shape == (239, 1)
    np.testing.assert_array_equal(s[40:200, 0], 6)
    np.testing.assert_array_equal(S[40:200, 0], 40)
    stationary = optimal_ss(context)
    assert (stationary[0][0], stationary[1][0]) == (6, 40)


def test_base_stock_without_fixed_cost_and_a_lead_time_of_two():
    """K = 0: a base-stock policy (s_t = S_t - 1); with Poisson(10), L = 2, h = 1, p = 9 its
    level far from the end is the stationary optimum 26 (the newsvendor on two periods'
    demand), which the lead-time recursion on the inventory position must reproduce."""
    s, S = horizon_levels(_context(np.full(120, 10.0), lead=2, K=0.0))
    np.testing.assert_array_equal(S[:100, 0], 26)
    np.testing.assert_array_equal(s, S - 1)


def test_the_runner_gives_the_policy_the_runs_demand_per_period():
    """Through the runner: a stationary run gets the stationary levels in the middle, and
    the last review (its order would arrive after the run) orders nothing."""
    scen = Scenario(
        Single(lead_time=1), dm.Poisson(mean=10.0), Costs(1, 9, 9, order_fixed=64), n_skus=3
    )
    (policy,), contexts = prepare(scen, SS(horizon_dp=True), seed=0, horizon=150)
    assert isinstance(policy, PeriodSS)
    assert contexts.nodes[0].demand_mean_by_period.shape == (150, 3)
    assert policy.s.shape == (149, 3)
    assert np.all(policy.s[30:110] == 6) and np.all(policy.S[30:110] == 40)
    state = dict(on_hand=np.zeros(3), backorders=np.full(3, 5.0), on_order=np.zeros(3))
    assert np.all(policy.order_quantity(InventoryState(50.0, **state)) == 45)
    assert np.all(policy.order_quantity(InventoryState(149.0, **state)) == 0)
    assert policy.parameters()["periods"] == 149


GIVEN = BaseStock(level=10.0)  # derives nothing


def test_per_period_demand_is_the_models_modulated_moments():
    """The runner's per-period demand: the modulated mean and std of the demand model
    (weekly, yearly, per-SKU peaks, planned promotions), computed only when asked for;
    without modulation the planning moments in every period; replayed data keep the
    history's moments (nothing of the future they replay)."""
    model = dm.NegativeBinomial(
        mean=6.0,
        variance_ratio=2.0,
        mean_spread=0.5,
        weekly_amplitude=0.4,
        yearly_amplitude=0.3,
        phase_spread=60,
        promotions={"periods": [10], "duration": 3, "lift": 2.0},
    )
    _, contexts = prepare(Scenario(Single(), model, n_skus=5), GIVEN, seed=2, horizon=40)
    context = contexts.nodes[0]
    assert "_demand_path" not in vars(context)  # lazy: nothing computed yet
    np.testing.assert_allclose(context.demand_mean_by_period, model.mean_path(0, 40))
    np.testing.assert_allclose(context.demand_std_by_period**2, 2.0 * model.mean_path(0, 40))
    flat = dm.Normal(mean=[4.0, 9.0], cv=0.25)
    _, contexts = prepare(Scenario(Single(), flat, n_skus=2), GIVEN, seed=2, horizon=7)
    np.testing.assert_array_equal(contexts.nodes[0].demand_mean_by_period, [[4.0, 9.0]] * 7)
    np.testing.assert_array_equal(contexts.nodes[0].demand_std_by_period, [[1.0, 2.25]] * 7)
    data = str(Path(__file__).parents[2] / "sim/datasets/example_sales.csv")
    replay = Replay(path=data, start="2023-06-01")
    n = replay.fixed_n_skus
    _, contexts = prepare(Scenario(Single(), replay, n_skus=n), GIVEN, seed=0, horizon=30)
    context = contexts.nodes[0]
    np.testing.assert_array_equal(context.demand_mean_by_period, [context.demand_mean] * 30)


# --------------------------------------------------------------------------- (b) exactness


def _forward_pipeline_cost(context, sol, x0: int, lead: int, lost: bool = False) -> float:
    """Exact expected cost of periods 0 .. H-1 of Stocklab's period convention (arrive,
    serve, charge the end-of-period level, review; an order arrives ``lead`` periods
    later) under the DP's per-period (s, S), by pushing the joint distribution of the
    net inventory and the orders in transit forward; backorders, or lost sales."""
    mean = context.demand_mean_by_period[:, 0]
    pmfs = period_pmfs("poisson", mean)
    h, p = float(context.holding[0]), float(context.shortage_penalty[0])
    K, c = float(context.order_fixed[0]), float(context.unit[0])
    s, S = sol.reorder_points, sol.order_up_to_levels
    states = {(x0, (0,) * lead): 1.0}  # (net inventory, orders arriving in 0 .. lead-1)
    total = 0.0
    for t in range(mean.size):
        nxt: dict = {}
        for (level, pipe), prob in states.items():
            level += pipe[0]
            for d in np.flatnonzero(pmfs[t] > 0):
                pd = prob * pmfs[t, d]
                after = level - int(d)
                total += pd * (h * max(after, 0) + p * max(-after, 0))
                after = max(after, 0) if lost else after
                position = after + sum(pipe[1:])
                q = 0
                if t < s.size and position <= s[t]:
                    q = int(S[t]) - position
                    total += pd * (K + c * q)
                key = (after, (*pipe[1:], q))
                nxt[key] = nxt.get(key, 0.0) + pd
        states = nxt
    return total


def _dp_total(context, sol, x0: int, lead: int, lost: bool = False) -> float:
    """The DP's expected cost over the run from initial stock ``x0``: the first ``lead``
    periods depend on ``x0`` alone, then ``theta_1`` of the position after period 0."""
    mean = context.demand_mean_by_period[:, 0]
    h, p = float(context.holding[0]), float(context.shortage_penalty[0])
    g = 0.0
    for t in range(lead):  # under lost sales lead is 1: period 0 alone
        dist = stats.poisson(mean[: t + 1].sum())
        d = np.arange(int(dist.isf(1e-15)) + 1)
        level = x0 - d
        g += dist.pmf(d) @ (h * np.maximum(level, 0) + p * np.maximum(-level, 0))
    dist = stats.poisson(mean[0])
    d = np.arange(int(dist.isf(1e-15)) + 1)
    start = np.maximum(x0 - d, 0) if lost else x0 - d
    return g + dist.pmf(d) @ np.array([sol.expected_cost(int(x), 1) for x in start])


@pytest.mark.parametrize(("lead", "lost"), [(1, False), (2, False), (3, False), (1, True)])
def test_dp_cost_equals_an_exact_forward_evaluation_of_the_pipeline(lead, lost):
    """The inventory-position recursion with lead-time demand (Karlin & Scarf 1958) is
    exact under backorders, and so is the lost-sales recursion with orders that arrive the
    next period: the DP's cost equals the cost of the real dynamics, orders in transit and
    all, evaluated exactly (1e-9)."""
    mean = 1.5 + np.sin(np.arange(8))
    unmet = "lost_sales" if lost else "backorder"
    context = _context(mean, lead=lead, K=6.0, unit=0.5, unmet_demand=unmet)
    sol = solve_horizon(context, 0, levels=(0, 4))
    forward = _forward_pipeline_cost(context, sol, 4, lead, lost)
    assert forward == pytest.approx(_dp_total(context, sol, 4, lead, lost), rel=1e-9)


def _seasonal(**kw):
    return dm.Poisson(mean=8.0, weekly_amplitude=0.5, yearly_amplitude=0.6, yearly_peak=40, **kw)


@pytest.mark.parametrize(("unmet", "lead"), [("backorder", 2), ("lost_sales", 1)])
def test_simulated_cost_matches_the_dp_cost_to_go(unmet, lead):
    """Non-stationary Poisson demand, fixed and unit ordering costs, an explicit initial
    stock and no warm-up: the simulated cost over the horizon (100 identical SKUs, 40
    replications) holds the DP's expected cost in its 99% interval, which is narrow."""
    H, x0, n = 60, 20, 100
    scen = Scenario(
        Single(lead_time=lead),
        _seasonal(),
        Costs(holding=1, backorder=9, lost_sale=9, order_fixed=30, unit=0.5),
        unmet_demand=unmet,
        n_skus=n,
        initial_stock=x0,
    )
    _, contexts = prepare(scen, SS(), seed=3, horizon=H)
    context = contexts.nodes[0]
    sol = solve_horizon(context, 0, levels=(0, x0))
    exact = _dp_total(context, sol, x0, lead, unmet == "lost_sales")
    res = simulate(scen, SS(horizon_dp=True), horizon=H, replications=40, seed=3)
    per_sku = np.asarray(res.kpis["cost_per_period"]["per_replication"]) * H / n
    mean_cost, half = ci99(per_sku)
    assert half <= 0.005 * exact, f"CI half-width {half:.4g} too wide"
    assert abs(mean_cost - exact) <= half, f"exact {exact} not in {mean_cost:.4f} ± {half:.4f}"


# --------------------------------------------------------------------------- (c) the gain


def test_dp_beats_the_stationary_ss_on_seasonal_demand():
    """Seasonal Poisson demand (weekly +-50%, yearly +-60%), L = 2, K = 20: with common
    random numbers (the same seed) the per-period levels cost less than the stationary
    (s, S) in every replication, and the paired 99% interval of the gain excludes zero."""
    scen = Scenario(
        Single(lead_time=2),
        _seasonal(),
        Costs(holding=0.1, backorder=1.0, order_fixed=20),
        n_skus=20,
    )
    kw = dict(horizon=365, warmup=28, replications=5, seed=11)
    dp = simulate(scen, SS(horizon_dp=True), **kw).kpis["cost_per_period"]["per_replication"]
    flat = simulate(scen, SS(), **kw).kpis["cost_per_period"]["per_replication"]
    gain = np.asarray(flat) - np.asarray(dp)
    mean, half = ci99(gain)
    assert np.all(gain > 0) and mean - half > 0, (dp, flat)
    assert mean > 0.05 * np.mean(flat)  # not a rounding-level gain


# --------------------------------------------------------------------------- checks


def test_stationary_path_is_unchanged_by_the_option():
    """horizon_dp=false prepares the same (s, S) as before, and the policy reports the
    option among its parameters."""
    context = _context(np.full(50, 10.0))
    prepared = SS(horizon_dp=False).prepare(context)
    assert type(prepared) is SS
    assert prepared.parameters() == {"s": 6.0, "S": 40.0, "horizon_dp": False}


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (dict(continuous=True), "review=periodic"),
        (dict(review_period=2), "review_period=2"),
        (dict(lead_time_std=np.ones(1)), "deterministic lead time"),
        (dict(unmet_demand="lost_sales", lead_time_mean=np.full(1, 2.0)), "at most 1 period"),
        (dict(demand_family="intermittent"), "not intermittent"),
        (dict(discounts=object()), "costs.discounts"),
        (dict(backorder=np.zeros(1)), "costs.backorder"),
        (dict(demand_by_period=None), "per-period demand"),
    ],
)
def test_what_the_dp_cannot_plan_is_refused_in_one_line(kwargs, needle):
    context = _context(np.full(20, 5.0), **kwargs)
    with pytest.raises(ValueError, match="policy.horizon_dp") as err:
        SS(horizon_dp=True).prepare(context)
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (dict(horizon_dp="yes"), "must be true or false"),
        (dict(horizon_dp=True, s=4), "policy.s(=4)"),
    ],
)
def test_bad_options_name_the_key(kwargs, needle):
    with pytest.raises(ValueError) as err:
        SS(**kwargs)
    assert needle in str(err.value)


def test_normal_and_negative_binomial_demand_are_planned():
    """The other families the DP plans with: rounded normal (std per period) and negative
    binomial (the period's variance); a horizon within the lead time never orders."""
    mean = np.full((30, 1), 12.0)
    for family, std in (("normal", 3.0), ("negative_binomial", np.sqrt(2.0 * 12.0))):
        path = (mean, np.full((30, 1), std))
        context = _context(
            mean, lead=2, K=20.0, demand_family=family, demand_by_period=lambda p=path: p
        )
        s, S = horizon_levels(context)
        assert s.shape == (28, 1) and np.all(s < S) and np.all(S[:20] > 24)
    s, S = horizon_levels(_context(np.full(2, 5.0), lead=2))
    assert s.shape == (0, 1)


def test_identical_skus_are_solved_once(monkeypatch):
    import policies.ss as ss

    calls = []
    solve = ss.solve_horizon
    monkeypatch.setattr(ss, "solve_horizon", lambda c, i, **kw: calls.append(i) or solve(c, i))
    mean = np.column_stack([np.full(30, 5.0), np.full(30, 7.0), np.full(30, 5.0)])
    s, S = horizon_levels(_context(mean, K=10.0))
    assert calls == [0, 1]
    np.testing.assert_array_equal(s[:, 0], s[:, 2])
    assert not np.array_equal(S[:, 0], S[:, 1])


# --------------------------------------------------------------------------- (d) the CLI


@pytest.mark.cli
def test_cli_runs_the_horizon_dp_and_refuses_in_one_line(tmp_path):
    quick = ["n_skus=4", "horizon=60", "warmup=10", "replications=2", "trace_skus=0"]
    args = ["policy=ss", "policy.horizon_dp=true", "demand=seasonal", *quick, "progress=false"]
    proc = run_cli([*args, "network=single", f"hydra.run.dir={tmp_path / 'ok'}"])
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "ok" / "metrics.json").read_text())
    params = metrics["policy_parameters"]
    assert params["horizon_dp"] is True and params["periods"] == 58  # lead time 2
    # the default network has random lead times (orders cross): refused, exit 2, one line
    proc = run_cli([*args, f"hydra.run.dir={tmp_path / 'refused'}"])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "policy.horizon_dp" in lines[0] and "deterministic lead time" in lines[0]


# --------------------------------------------------------------------------- stationary (s, S)


def _stationary(mean, **kw) -> PlanningContext:
    mean = np.asarray(mean, dtype=float)
    return _context(np.tile(mean, (5, 1)), lead=1, K=20.0, **kw)


def test_exact_poisson_levels_are_zheng_federgruen_solved_once_per_sku(monkeypatch) -> None:
    import policies.ss as ss

    calls = []
    solve = ss.zheng_federgruen
    monkeypatch.setattr(ss, "zheng_federgruen", lambda *a, **kw: calls.append(a) or solve(*a, **kw))
    s, S = optimal_ss(_stationary([3.0, 6.0, 3.0]))
    assert len(calls) == 2
    for i, mean in enumerate([3.0, 6.0, 3.0]):
        sol = solve(mean, 1.0, 9.0, 20.0, protection_periods=1)
        assert (s[i], S[i]) == (sol.s, sol.S)


def test_certain_demand_reorders_at_the_protection_demand_with_an_eoq_batch() -> None:
    """Demand 8 a period, lead time 1: s = 8 and S = s + sqrt(2 * 20 * 8 / 1) = 8 + 17.9."""
    context = _stationary([8.0], demand_family="deterministic", demand_std=np.zeros(1))
    s, S = optimal_ss(context)
    assert s.tolist() == [8.0]
    assert S.tolist() == pytest.approx([8.0 + np.sqrt(320.0)])


def test_orders_up_to_S_at_or_below_s() -> None:
    policy = SS(s=[4, 4], S=[10, 10])
    state = InventoryState(0.0, np.array([4.0, 5.0]), np.zeros(2), np.zeros(2))
    np.testing.assert_array_equal(policy.order_quantity(state), [6.0, 0.0])
    with pytest.raises(ValueError, match=r"policy.s\(=5\) must be < policy.S\(=5\)"):
        SS(s=5, S=5)
