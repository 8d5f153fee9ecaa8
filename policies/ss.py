"""(s, S) policy: when the inventory position is at or below ``s``, order up to ``S``.

Optimal for periodic review with a fixed ordering cost (Scarf 1960). Left null, ``s`` and
``S`` come from the exact algorithm of Zheng & Federgruen (1991) for Poisson demand with a
deterministic lead time and review every period, and from the revised power approximation
of Ehrhardt & Mosier (1984) otherwise.

Per-period levels (``horizon_dp: true``)
----------------------------------------
With non-stationary demand (seasonality, trend, shocks, planned promotions) the optimal
policy over a finite horizon is an (s_t, S_t) policy with levels of its own in every period
(Scarf 1960). :func:`horizon_levels` derives them per SKU from the finite-horizon dynamic
programme of :func:`policies.optimal.finite_horizon.finite_horizon_dp`, with the demand of
each period of the run (``PlanningContext.demand_mean_by_period`` and
``demand_std_by_period``), and :class:`PeriodSS` applies the level of the current period at
each review. The DP is set up in Stocklab's period convention (``sim/engine.py``), so that
its cost-to-go *is* the expected cost of the simulated periods:

- With lead time ``L`` (``L = 0`` behaves as 1), the order placed at the review of period
  ``t`` arrives at the start of ``t + L``; nothing else arrives in between, so the net
  inventory at the end of period ``t + L``, on which its holding and backorder costs are
  charged, is the inventory position after ordering less the demand of periods ``t + 1 ..
  t + L``. DP period ``j = t + 1`` therefore decides at the review of period ``t`` on the
  position, charges holding and shortage on the position less that lead-time demand, and
  moves the position on by the demand of period ``t + 1`` (exact under backorders:
  Karlin & Scarf 1958; see :mod:`policies.optimal.finite_horizon`). Under lost sales the
  position is no sufficient state with orders in transit, so ``L <= 1`` is required.
- The reviews of periods ``H - L .. H - 1`` (``H`` the horizon) place orders that arrive
  after the run: they order nothing. The terminal value is zero: stock left at the end is
  worth nothing and backorders left are not charged again, as in the simulation, whose KPIs
  exclude the warm-up at the start and nothing at the end. The DP therefore runs the stock
  down towards the end of the run (an end effect the KPIs include); with a warm-up the DP
  still plans those periods (their costs are simply not measured).
- Costs per period: ``holding`` on the end-of-period net inventory, the backorder cost per
  unit backordered at the period's end (or the lost-sale penalty per unit lost), the fixed
  cost per order and the unit cost per unit ordered. Stock in transit from the external
  supplier is free, as in the KPIs. The first ``L`` periods' costs depend only on the
  initial stock and are not part of the DP.
- Demand per period: for Poisson demand, Poisson with the period's mean, and for negative
  binomial demand, NB with the period's mean and variance: the simulation's own
  distributions (modulation scales the Poisson rate, and the NB keeps its variance-to-mean
  ratio). For normal demand, the normal with the period's mean and std rounded to integers,
  an approximation (the simulation draws real-valued demand, censored at zero). Other
  families are refused.

What the DP cannot do is refused with one line: continuous review, review periods > 1,
random lead times, lost sales with a lead time above one period, more than one stocking
node, quantity discounts. Supplier capacities, outages and shelf lives are not modelled by
the DP (the levels ignore them). SKUs with the same demand path and costs are solved once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forecasters.base import Forecast
from policies.base import (
    InventoryState,
    NetworkContext,
    PlanningContext,
    Policy,
    as_sku_array,
    sku_vector,
    solve_per_sku,
)
from policies.optimal import ss_power_approximation, zheng_federgruen
from policies.optimal.finite_horizon import (
    DEMAND_FAMILIES,
    FiniteHorizonSolution,
    finite_horizon_dp,
    period_pmfs,
)

#: Largest demand value per period the integer DP plans with.
MAX_DP_DEMAND = 20_000


def optimal_ss(context: PlanningContext) -> tuple[np.ndarray, np.ndarray]:
    """Per-SKU (s, S): exact where the theory is exact, approximate elsewhere."""
    h, p, K = context.holding, context.shortage_penalty, context.order_fixed
    periods = context.protection_periods
    if context.exact_poisson and context.review_period == 1:
        s = np.empty(context.n_skus)
        S = np.empty(context.n_skus)
        solved = solve_per_sku(
            range(context.n_skus),
            lambda i: (context.demand_mean[i], h[i], p[i], K[i], periods[i]),
            lambda i, problem: zheng_federgruen(*problem[:4], protection_periods=int(problem[4])),
        )
        for i, sol in solved.items():
            s[i], S[i] = sol.s, sol.S
        return s, S
    if context.demand_family == "deterministic" or np.all(context.demand_std == 0):
        # no uncertainty: reorder when the position just covers the protection interval,
        # and order an EOQ-sized batch (at least one period of demand)
        s = context.protection_mean
        K = np.maximum(K, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            batch = np.where(
                h > 0, np.sqrt(2 * K * context.demand_mean / np.where(h > 0, h, 1)), 0.0
            )
        return s, s + np.maximum(batch, np.maximum(context.demand_mean, 1e-9))
    sol = ss_power_approximation(
        context.demand_mean,
        context.demand_std,
        h,
        p,
        K,
        periods,
        review_period=context.review_period,
    )
    return np.asarray(sol.s, dtype=float), np.asarray(sol.S, dtype=float)


# --------------------------------------------------------------------------- horizon DP


def check_horizon_dp(context: PlanningContext) -> int:
    """Refuse what the per-period DP cannot plan (one line each); return the lead time in
    periods, ``max(L, 1)``."""
    key = "policy.horizon_dp"
    if context.continuous:
        raise ValueError(f"{key}=true needs review=periodic (the DP decides once a period)")
    if context.review_period != 1:
        raise ValueError(
            f"{key}=true needs a review every period (network.review_period="
            f"{context.review_period}, must be 1)"
        )
    if np.any(context.lead_time_std > 0):
        raise ValueError(
            f"{key}=true needs a deterministic lead time (network.lead_time a number); this "
            f"one varies (std up to {float(np.max(context.lead_time_std)):g} periods)"
        )
    leads = np.maximum(context.lead_time_mean, 1.0)
    if np.any(leads != leads[0]) or leads[0] != round(leads[0]):
        raise ValueError(
            f"{key}=true needs one whole lead time for every SKU, not {float(leads.min()):g} "
            f"to {float(leads.max()):g} periods"
        )
    lead = int(leads[0])
    if context.unmet_demand == "lost_sales" and lead > 1:
        raise ValueError(
            f"{key}=true with unmet_demand=lost_sales needs a lead time of at most 1 period "
            f"(got {lead}): with orders in transit the position is no sufficient state"
        )
    if context.demand_family not in DEMAND_FAMILIES:
        raise ValueError(
            f"{key}=true plans with {', '.join(DEMAND_FAMILIES)} demand, not "
            f"{context.demand_family}"
        )
    if getattr(context, "discounts", None) is not None:
        raise ValueError(f"{key}=true does not model quantity discounts (costs.discounts)")
    if context.unmet_demand == "backorder" and np.any(context.backorder <= 0):
        raise ValueError(
            f"{key}=true needs costs.backorder(={float(np.min(context.backorder)):g}) > 0 "
            "under backorders (else backlogging forever is free)"
        )
    if context.demand_mean_by_period is None:
        raise ValueError(
            f"{key}=true needs the run's per-period demand (PlanningContext."
            "demand_by_period); the runner gives it when it knows the horizon"
        )
    return lead


def _demand_path(context: PlanningContext) -> tuple[np.ndarray, np.ndarray]:
    """The run's per-period demand mean and std, ``(horizon, n_skus)`` each; only called
    after :func:`check_horizon_dp`, which refuses a context without them."""
    mean, std = context.demand_mean_by_period, context.demand_std_by_period
    assert mean is not None and std is not None, "check_horizon_dp lets no context pass without"
    return mean, std


def horizon_problem(context: PlanningContext, sku: int) -> dict[str, Any]:
    """The DP of one SKU in Stocklab's convention (module docstring), as keyword arguments
    of :func:`finite_horizon_dp`: one period per review ``t = 0 .. H - L - 1``."""
    lead = check_horizon_dp(context)
    path_mean, path_std = _demand_path(context)
    mean, std = path_mean[:, sku], path_std[:, sku]
    periods = mean.size - lead
    if periods < 1:
        raise ValueError(f"horizon(={mean.size}) leaves no period to decide: lead time {lead}")
    if float(np.max(mean)) > MAX_DP_DEMAND / 2:
        raise ValueError(
            f"policy.horizon_dp=true: mean demand up to {float(np.max(mean)):g} a period is "
            f"too large for the integer DP (at most {MAX_DP_DEMAND // 2})"
        )
    pmfs = period_pmfs(context.demand_family, mean, std)
    cost_pmfs = None
    if lead > 1:
        cost_pmfs = _lead_time_pmfs(pmfs, lead)[1 : periods + 1]
    return dict(
        demand=pmfs[1 : periods + 1],
        cost_demand=cost_pmfs,
        holding=float(context.holding[sku]),
        shortage=float(context.shortage_penalty[sku]),
        purchase_cost=float(context.unit[sku]),
        fixed_cost=float(context.order_fixed[sku]),
        lost_sales=context.unmet_demand == "lost_sales",
    )


def _lead_time_pmfs(pmfs: np.ndarray, lead: int) -> np.ndarray:
    """Row ``t``: the distribution of the demand of periods ``t .. t + lead - 1`` (rows of
    ``pmfs`` convolved), for ``t = 0 .. periods - lead``."""
    rows = pmfs.shape[0] - lead + 1
    out = np.zeros((rows, lead * (pmfs.shape[1] - 1) + 1))
    for t in range(rows):
        pmf = pmfs[t]
        for u in range(t + 1, t + lead):
            pmf = np.convolve(pmf, pmfs[u])
        out[t, : pmf.size] = pmf
    return out


def solve_horizon(
    context: PlanningContext, sku: int, levels: tuple[int, int] | None = None
) -> FiniteHorizonSolution:
    """The finite-horizon DP of one SKU (:func:`horizon_problem`). Row ``t`` of the
    solution is the review of period ``t``; ``expected_cost(x, 1)`` is the expected cost
    of periods ``L .. H - 1`` from position ``x`` before the first review."""
    return finite_horizon_dp(**horizon_problem(context, sku), levels=levels, grid="adaptive")


def horizon_levels(context: PlanningContext) -> tuple[np.ndarray, np.ndarray]:
    """Per-period ``(s_t, S_t)`` of every SKU, arrays ``(H - L, n_skus)``: row ``t`` is
    the review of period ``t``. SKUs with the same demand path and costs share one DP."""
    lead = check_horizon_dp(context)
    mean, std = _demand_path(context)
    n_skus = context.n_skus
    periods = max(mean.shape[0] - lead, 0)  # no period to decide: never order
    s = np.empty((periods, n_skus))
    S = np.empty((periods, n_skus))
    if periods == 0:
        return s, S

    def key(i: int) -> tuple:
        """What one SKU's DP reads: its demand path (the std only where the family has
        one of its own) and its costs."""
        return (
            mean[:, i].tobytes(),
            None if context.demand_family == "poisson" else std[:, i].tobytes(),
            float(context.holding[i]),
            float(context.shortage_penalty[i]),
            float(context.order_fixed[i]),
            float(context.unit[i]),
        )

    def solve(i: int, problem: tuple) -> tuple[np.ndarray, np.ndarray]:
        sol = solve_horizon(context, i)
        s_i, S_i = sol.reorder_points, sol.order_up_to_levels
        form = np.where(sol.levels <= s_i[:, None], S_i[:, None], sol.levels)
        if not np.array_equal(form, sol.order_up_to):  # Scarf: never under backorders
            raise ValueError(
                f"policy.horizon_dp=true: the DP's optimal policy of SKU {i} is not of "
                "(s, S) form (lost sales with costs.lost_sale below costs.unit?)"
            )
        return s_i.astype(float), S_i.astype(float)

    for i, (s_i, S_i) in solve_per_sku(range(n_skus), key, solve).items():
        s[:, i], S[:, i] = s_i, S_i
    return s, S


class PeriodSS(Policy):
    """``(s_t, S_t)``: at the review of period ``t`` order ``S_t - position`` when
    ``position <= s_t``; ``s`` and ``S`` are ``(periods, n_skus)``, row ``t`` for period
    ``t``, and no order is placed in the periods after the last row. Made by
    :meth:`SS.prepare` with ``horizon_dp: true``."""

    param_names = ("s", "S")
    columnwise = True

    def __init__(self, *, s: np.ndarray, S: np.ndarray):
        s, S = np.asarray(s, dtype=float), np.asarray(S, dtype=float)
        if s.ndim != 2 or s.shape != S.shape:
            raise ValueError(
                f"PeriodSS s(shape={s.shape}) and S(shape={S.shape}) must be (periods, n_skus)"
            )
        if np.any(s >= S):
            raise ValueError("PeriodSS: every s_t must be < S_t")
        self.s, self.S = s, S

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        t = int(state.time)
        pos = state.position
        if not 0 <= t < self.s.shape[0]:
            return np.zeros(pos.shape)
        return np.where(pos <= self.s[t], self.S[t] - pos, 0.0)

    def parameters(self) -> dict[str, Any]:
        """A summary (the levels are per period): ``horizon_dp``, the number of decision
        ``periods`` and each SKU's range of ``s_t`` and ``S_t`` over them."""
        out: dict[str, Any] = {"horizon_dp": True, "periods": int(self.s.shape[0])}
        for name, levels in (("s", self.s), ("S", self.S)):
            for stat, fn in (("min", np.min), ("max", np.max)):
                value = fn(levels, axis=0) if levels.shape[0] else np.full(levels.shape[1], 0.0)
                out[f"{name}_{stat}"] = value.tolist() if value.size > 1 else float(value[0])
        return out


class SS(Policy):
    """Order ``S - position`` when ``position <= s``; ``horizon_dp: true`` derives an
    ``(s_t, S_t)`` for every period of the run instead (:class:`PeriodSS`, module
    docstring)."""

    param_names = ("s", "S", "horizon_dp")
    columnwise = True
    level_names = ("S",)
    elementwise = True

    def __init__(
        self,
        *,
        s: float | list[float] | np.ndarray | None = None,
        S: float | list[float] | np.ndarray | None = None,
        horizon_dp: bool = False,
    ):
        if s is not None and S is not None and np.any(np.asarray(s, float) >= np.asarray(S, float)):
            raise ValueError(f"policy.s(={s}) must be < policy.S(={S})")
        if not isinstance(horizon_dp, bool | np.bool_):
            raise ValueError(f"policy.horizon_dp(={horizon_dp!r}) must be true or false")
        if horizon_dp and (s is not None or S is not None):
            given = ", ".join(f"policy.{k}(={v})" for k, v in (("s", s), ("S", S)) if v is not None)
            raise ValueError(
                f"policy.horizon_dp=true derives s and S for every period: leave {given} null"
            )
        self.s = s if s is None or np.ndim(s) == 0 else np.asarray(s, dtype=float)
        self.S = S if S is None or np.ndim(S) == 0 else np.asarray(S, dtype=float)
        self.horizon_dp = bool(horizon_dp)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        pos = state.position
        return np.where(pos <= self.s, self.S - pos, 0.0)

    def reorder_levels(self, n_skus: int) -> tuple[np.ndarray, np.ndarray] | None:
        s, S = sku_vector(self.s, n_skus), sku_vector(self.S, n_skus)
        return None if s is None or S is None else (s, S)

    def for_network(self, context: NetworkContext) -> list[Policy]:
        planned = self.horizon_dp or any(self.by_node.get("horizon_dp", {}).values())
        if planned and len(context.nodes) != 1:
            raise ValueError(
                f"policy.horizon_dp=true plans a single stocking node (network=single), not "
                f"{len(context.nodes)} nodes"
            )
        return super().for_network(context)

    def prepare(self, context: PlanningContext) -> Policy:
        n = context.n_skus
        if self.horizon_dp:
            s, S = horizon_levels(context)
            return PeriodSS(s=s, S=S)
        if self.s is None or self.S is None:
            s_opt, S_opt = optimal_ss(context)
            s = s_opt if self.s is None else as_sku_array(self.s, n, "policy.s")
            S = S_opt if self.S is None else as_sku_array(self.S, n, "policy.S")
            if np.any(s >= S):
                # a user-given s or S clashes with the derived one: keep the gap of the optimum
                gap = np.maximum(S_opt - s_opt, 1.0)
                S = np.where(s >= S, s + gap, S)
            return SS(s=s, S=S)
        return SS(s=as_sku_array(self.s, n, "policy.s"), S=as_sku_array(self.S, n, "policy.S"))
