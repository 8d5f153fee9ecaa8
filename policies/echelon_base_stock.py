"""Echelon base-stock policy for serial systems: each stage raises its *echelon* inventory
position (its own stock and pipeline plus everything downstream, less customer
backorders) to its echelon level.

Optimal for serial systems with linear costs (Clark & Scarf 1960). Left null, the levels are
the Chen & Zheng (1994) solution of the Clark-Scarf recursion: exact on the integers for
Poisson demand, on a fine grid for normal demand. ``levels`` lists stage 1 (customer-facing)
first. On a single node it is base-stock.

``grid_step`` (demand units; null: the solver's default, a hundredth of a standard deviation
of per-period demand) sets the grid of the normal-demand solvers; a level is within one step
of the optimum and the cost within ``N kappa step^2 / 6``
(:func:`~policies.optimal.serial.clark_scarf_normal`). Poisson demand is solved exactly on
the integers and ignores it.
"""

from __future__ import annotations

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
from policies.optimal import clark_scarf_normal, clark_scarf_poisson, local_to_echelon_holding
from policies.optimal.assembly import assembly_echelon_levels
from policies.optimal.distribution import distribution_echelon_levels
from policies.optimal.serial import SolverFamily


class EchelonStage(Policy):
    """One stage of an echelon base-stock policy: order ``level - echelon position``."""

    param_names = ("level",)
    columnwise = True
    elementwise = True
    uses_echelon = True

    def __init__(self, *, level: float | np.ndarray):
        self.level = level

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        pos = state.echelon_position if state.echelon_position is not None else state.position
        return np.maximum(self.level - pos, 0.0)

    def reorder_levels(self, n_skus: int) -> tuple[np.ndarray, np.ndarray] | None:
        # as BaseStock's, on the position it reads (the echelon one, where it is given)
        level = sku_vector(self.level, n_skus)
        return None if level is None else (level, level)


class EchelonBaseStock(Policy):
    """Echelon base-stock at every node. ``levels``: null (derived), a list with one level
    per node downstream first (stage 1 first on a chain), or a mapping by node name or role
    (``{warehouse: 160, store: 12}``); each level is a number or one per SKU.

    Derived levels: Clark & Scarf / Chen & Zheng on chains; on a warehouse feeding stores,
    Clark & Scarf with the balance assumption (Federgruen & Zipkin 1984); on an assembly
    network, Rosling's (1989) equivalent serial system. Other networks need ``levels``.
    ``grid_step``: the grid step of the normal-demand solvers, in demand units (None: their
    default); one number for the whole network.
    """

    param_names = ("levels", "grid_step")
    level_names = ("levels",)
    optional_names = ("grid_step",)
    mapping_params = ("levels", "grid_step")  # grid_step: refused as a mapping in __init__

    def __init__(self, *, levels: list[float] | dict | None = None, grid_step: float | None = None):
        if isinstance(levels, dict):
            levels = {str(k): _level(f"policy.levels.{k}", v) for k, v in levels.items()}
        elif levels is not None:
            if isinstance(levels, str) or not hasattr(levels, "__len__"):
                raise ValueError(
                    f"policy.levels(={levels!r}) must be a list (one level per node, "
                    "downstream first) or a mapping by node or role"
                )
            levels = [_level(f"policy.levels[{i}]", x) for i, x in enumerate(levels)]
        self.levels = levels
        self.grid_step = _grid_step(grid_step)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        raise TypeError("EchelonBaseStock decides through its per-stage policies: call for_network")

    def prepare(self, context: PlanningContext) -> Policy:
        return self.for_network(NetworkContext([context]))[0]

    def for_network(self, context: NetworkContext) -> list[Policy]:
        nodes = context.nodes
        n_nodes, n = len(nodes), nodes[0].n_skus
        given = self._given(context)
        if all(x is not None for x in given):
            return [
                EchelonStage(level=as_sku_array(x, n, f"policy.levels[{i}]"))
                for i, x in enumerate(given)
            ]
        derived = derive_levels(context, self.grid_step)
        return [
            EchelonStage(
                level=derived[i] if given[i] is None else as_sku_array(given[i], n, "policy.levels")
            )
            for i in range(n_nodes)
        ]

    def _given(self, context: NetworkContext) -> list:
        """The level given for each node (None where it is to be derived)."""
        nodes = context.nodes
        if self.levels is None:
            return [None] * len(nodes)
        if isinstance(self.levels, dict):
            names, roles = context.names, context.roles
            for key, value in self.levels.items():
                if key not in names and key not in roles:
                    raise ValueError(
                        f"policy.levels.{key}(={value!r}): no node or role named {key!r}; "
                        f"nodes: {', '.join(names)}; roles: {', '.join(dict.fromkeys(roles))}"
                    )
            return [self.levels.get(nd.node, self.levels.get(nd.role)) for nd in nodes]
        if len(self.levels) != len(nodes):
            raise ValueError(
                f"policy.levels(={self.levels}) must have one level per node ({len(nodes)}: "
                f"{', '.join(context.names)})"
            )
        return list(self.levels)


def _level(key: str, value):
    """One echelon level: a finite number, or a list with one per SKU."""
    arr = np.asarray(value, dtype=float) if not isinstance(value, str) else None
    if arr is None or arr.ndim > 1 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{key}(={value!r}) must be a finite number or a list of them")
    return float(arr) if arr.ndim == 0 else arr


def _grid_step(value) -> float | None:
    """The solvers' grid step: None (their default) or a positive finite number."""
    if value is None:
        return None
    try:
        step = float(value) if not isinstance(value, bool | str) else None
    except (TypeError, ValueError):
        step = None
    if step is None or not np.isfinite(step) or step <= 0:
        raise ValueError(
            f"policy.grid_step(={value!r}) must be a positive finite number (demand units) or null"
        )
    return step


def _check_derivable(context: NetworkContext) -> None:
    nodes = context.nodes
    if nodes[0].unmet_demand != "backorder":
        raise ValueError(
            "policy=echelon_base_stock derives its levels for backorders only; "
            "set unmet_demand=backorder or give policy.levels"
        )
    if any(np.any(nd.lead_time_std > 0) for nd in nodes):
        raise ValueError(
            "policy=echelon_base_stock derives its levels for deterministic lead "
            "times only; give policy.levels for stochastic lead times"
        )
    if any(nd.review_period != 1 for nd in nodes):
        raise ValueError(
            "policy=echelon_base_stock derives its levels for review every period "
            "(network.review_period=1); give policy.levels otherwise"
        )


def derive_levels(context: NetworkContext, grid_step: float | None = None) -> list[np.ndarray]:
    """Optimal (or, off chains, balance-approximate) echelon levels per node, per SKU;
    ``grid_step`` for the normal-demand solvers (None: their default)."""
    _check_derivable(context)
    if context.is_chain:
        return optimal_echelon_levels(context, grid_step)
    shape = network_shape(context)
    if shape == "distribution":
        return distribution_levels(context, grid_step)
    if shape == "assembly":
        return assembly_levels(context, grid_step)
    raise ValueError(
        "policy=echelon_base_stock derives its levels on chains, on one warehouse feeding "
        "stores and on one-level assembly; give policy.levels (one per node, or by role) "
        "for this network"
    )


def network_shape(context: NetworkContext) -> str | None:
    """'distribution' (one externally supplied node feeding demand-facing leaves),
    'assembly' (one demand-facing node assembled from externally supplied components, one
    unit each) or None."""
    top = context.topology
    N = len(context.nodes)
    sup, cust = top.supplier, top.customer
    roots = [i for i in range(N) if top.outbound[i].size]
    if len(roots) == 1:
        r = roots[0]
        leaves = [i for i in range(N) if i != r]
        if (
            top.inbound[r].size == 1
            and sup[top.inbound[r][0]] < 0
            and r not in set(top.demand_nodes.tolist())
            and all(top.inbound[i].size == 1 and sup[top.inbound[i][0]] == r for i in leaves)
            and sorted(top.demand_nodes.tolist()) == leaves
        ):
            return "distribution"
    demand = top.demand_nodes.tolist()
    if len(demand) == 1:
        p = demand[0]
        comps = [i for i in range(N) if i != p]
        if (
            comps
            and top.inbound[p].size == len(comps)
            and sorted(sup[top.inbound[p]].tolist()) == comps
            and all(top.inbound[i].size == 1 and sup[top.inbound[i][0]] < 0 for i in comps)
            and np.all(top.units == 1.0)
            and np.array_equal(np.sort(cust[top.inbound[p]]), np.full(len(comps), p))
        ):
            return "assembly"
    return None


def _family(node: PlanningContext) -> SolverFamily:
    """Exact discrete optimisation for Poisson demand with fixed lead times (the only lead
    times :func:`derive_levels` accepts), the normal approximation otherwise."""
    return "poisson" if node.exact_poisson else "normal"


def _lead(node: PlanningContext, sku: int) -> int:
    """The node's lead time of ``sku`` in whole periods, 0 counting as 1 (the engine's
    period convention)."""
    return max(int(node.lead_time_mean[sku]), 1)


def distribution_levels(
    context: NetworkContext, grid_step: float | None = None
) -> list[np.ndarray]:
    """Echelon levels of a warehouse feeding stores, per SKU (Federgruen & Zipkin 1984)."""
    nodes = context.nodes
    topology = context.topology
    warehouse = int(next(i for i in range(len(nodes)) if topology.outbound[i].size))
    stores = [i for i in range(len(nodes)) if i != warehouse]
    n_skus = nodes[0].n_skus

    def key(sku: int) -> tuple:
        """The balance problem of one SKU; the stores must share a lead time and a holding
        rate (the balance approximation's setting)."""
        leads = {_lead(nodes[i], sku) for i in stores}
        holds = {float(nodes[i].holding[sku]) for i in stores}
        if len(leads) > 1 or len(holds) > 1:
            raise ValueError(
                "policy=echelon_base_stock derives distribution levels for stores with one "
                "lead time and one holding rate; give policy.levels otherwise"
            )
        return (
            tuple(float(nodes[i].demand_mean[sku]) for i in stores),
            tuple(float(nodes[i].demand_std[sku]) for i in stores),
            _lead(nodes[warehouse], sku),
            leads.pop(),
            float(nodes[warehouse].holding[sku]),
            holds.pop(),
            float(nodes[stores[0]].backorder[sku]),
        )

    def solve(sku: int, problem: tuple) -> tuple[float, np.ndarray]:
        means, stds, lead_0, lead_s, holding_0, holding_s, backorder = problem
        sol = distribution_echelon_levels(
            np.array(means),
            np.array(stds),
            _family(nodes[0]),
            lead_0,
            lead_s,
            holding_0,
            holding_s,
            backorder,
            grid_step,
        )
        return float(sol.warehouse), np.asarray(sol.stores, dtype=float)

    out = np.empty((len(nodes), n_skus))
    for sku, (warehouse_level, store_levels) in solve_per_sku(range(n_skus), key, solve).items():
        out[warehouse, sku], out[stores, sku] = warehouse_level, store_levels
    return [out[i] for i in range(len(nodes))]


def assembly_levels(context: NetworkContext, grid_step: float | None = None) -> list[np.ndarray]:
    """Echelon levels of a one-level assembly network, per SKU (Rosling 1989)."""
    nodes = context.nodes
    product = int(context.topology.demand_nodes[0])
    components = [i for i in range(len(nodes)) if i != product]
    n_skus = nodes[0].n_skus

    def key(sku: int) -> tuple:
        """The arguments of :func:`assembly_echelon_levels` for one SKU, up to the family."""
        return (
            tuple(_lead(nodes[i], sku) for i in components),
            _lead(nodes[product], sku),
            tuple(float(nodes[i].holding[sku]) for i in components)
            + (float(nodes[product].holding[sku]),),
            float(nodes[product].backorder[sku]),
            float(nodes[product].demand_mean[sku]),
            float(nodes[product].demand_std[sku]),
        )

    def solve(sku: int, problem: tuple) -> np.ndarray:
        leads, lead_product, holding, backorder, mean, std = problem
        sol = assembly_echelon_levels(
            leads, lead_product, holding, backorder, mean, std, _family(nodes[product]), grid_step
        )
        return np.asarray(sol.levels, dtype=float)

    out = np.empty((len(nodes), n_skus))
    for sku, levels in solve_per_sku(range(n_skus), key, solve).items():
        out[[product, *components], sku] = levels
    return [out[i] for i in range(len(nodes))]


def optimal_echelon_levels(
    context: NetworkContext, grid_step: float | None = None
) -> list[np.ndarray]:
    """Clark-Scarf levels per stage (stage 1 first), per SKU, for the chain in ``context``;
    ``grid_step`` for normal demand (None: the solver's default)."""
    _check_derivable(context)
    nodes = context.nodes
    front = nodes[0]
    n_skus = front.n_skus

    def key(sku: int) -> tuple:
        """Stage 1's demand, the local holding rates and lead times of every stage, and
        the backorder rate."""
        return (
            front.demand_mean[sku],
            front.demand_std[sku],
            tuple(float(node.holding[sku]) for node in nodes),
            tuple(_lead(node, sku) for node in nodes),
            float(front.backorder[sku]),
        )

    def solve(sku: int, problem: tuple) -> np.ndarray:
        mean, std, local, lead, backorder = problem
        echelon = local_to_echelon_holding(list(local))
        if _family(front) == "poisson":
            sol = clark_scarf_poisson(mean, echelon, list(lead), backorder)
        else:
            sol = clark_scarf_normal(mean, std, echelon, list(lead), backorder, grid_step)
        return np.asarray(sol.levels, dtype=float)

    out = np.empty((len(nodes), n_skus))
    for sku, levels in solve_per_sku(range(n_skus), key, solve).items():
        out[:, sku] = levels
    return [out[stage] for stage in range(len(nodes))]
