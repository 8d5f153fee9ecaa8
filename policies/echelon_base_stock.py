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
from policies.base import InventoryState, NetworkContext, PlanningContext, Policy, as_sku_array
from policies.optimal import clark_scarf_normal, clark_scarf_poisson, local_to_echelon_holding
from policies.optimal.assembly import assembly_echelon_levels
from policies.optimal.distribution import distribution_echelon_levels


class EchelonStage(Policy):
    """One stage of an echelon base-stock policy: order ``level - echelon position``."""

    param_names = ("level",)
    columnwise = True
    elementwise = True
    uses_echelon = True

    def __init__(self, *, level):
        self.level = level

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        pos = state.echelon_position if state.echelon_position is not None else state.position
        return np.maximum(self.level - pos, 0.0)


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

    def prepare(self, context: PlanningContext) -> EchelonStage:
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


def _family(nd: PlanningContext) -> str:
    """Exact discrete optimisation for Poisson demand, the normal approximation otherwise."""
    return "poisson" if nd.demand_family == "poisson" else "normal"


def _lead(nd: PlanningContext, i: int) -> int:
    return max(int(nd.lead_time_mean[i]), 1)


def distribution_levels(
    context: NetworkContext, grid_step: float | None = None
) -> list[np.ndarray]:
    """Echelon levels of a warehouse feeding stores, per SKU (Federgruen & Zipkin 1984)."""
    nodes = context.nodes
    top = context.topology
    w = int(next(i for i in range(len(nodes)) if top.outbound[i].size))
    stores = [i for i in range(len(nodes)) if i != w]
    n = nodes[0].n_skus
    out = np.empty((len(nodes), n))
    cache: dict[tuple, tuple[float, np.ndarray]] = {}
    for k in range(n):
        means = tuple(float(nodes[i].demand_mean[k]) for i in stores)
        stds = tuple(float(nodes[i].demand_std[k]) for i in stores)
        leads = {_lead(nodes[i], k) for i in stores}
        holds = {float(nodes[i].holding[k]) for i in stores}
        if len(leads) > 1 or len(holds) > 1:
            raise ValueError(
                "policy=echelon_base_stock derives distribution levels for stores with one "
                "lead time and one holding rate; give policy.levels otherwise"
            )
        key = (
            means,
            stds,
            _lead(nodes[w], k),
            leads.pop(),
            float(nodes[w].holding[k]),
            holds.pop(),
            float(nodes[stores[0]].backorder[k]),
        )
        if key not in cache:
            sol = distribution_echelon_levels(
                np.array(key[0]), np.array(key[1]), _family(nodes[0]), *key[2:], grid_step
            )
            cache[key] = (float(sol.warehouse), np.asarray(sol.stores, dtype=float))
        out[w, k], out[stores, k] = cache[key]
    return [out[i] for i in range(len(nodes))]


def assembly_levels(context: NetworkContext, grid_step: float | None = None) -> list[np.ndarray]:
    """Echelon levels of a one-level assembly network, per SKU (Rosling 1989)."""
    nodes = context.nodes
    top = context.topology
    p = int(top.demand_nodes[0])
    comps = [i for i in range(len(nodes)) if i != p]
    n = nodes[0].n_skus
    out = np.empty((len(nodes), n))
    cache: dict[tuple, np.ndarray] = {}
    for k in range(n):
        key = (
            tuple(_lead(nodes[i], k) for i in comps),
            _lead(nodes[p], k),
            tuple(float(nodes[i].holding[k]) for i in comps) + (float(nodes[p].holding[k]),),
            float(nodes[p].backorder[k]),
            float(nodes[p].demand_mean[k]),
            float(nodes[p].demand_std[k]),
        )
        if key not in cache:
            sol = assembly_echelon_levels(*key, _family(nodes[p]), grid_step)
            cache[key] = np.asarray(sol.levels, dtype=float)
        out[[p, *comps], k] = cache[key]
    return [out[i] for i in range(len(nodes))]


def optimal_echelon_levels(
    context: NetworkContext, grid_step: float | None = None
) -> list[np.ndarray]:
    """Clark-Scarf levels per stage (stage 1 first), per SKU, for the chain in ``context``;
    ``grid_step`` for normal demand (None: the solver's default)."""
    _check_derivable(context)
    nodes = context.nodes
    front = nodes[0]
    n = front.n_skus
    out = np.empty((len(nodes), n))
    cache: dict[tuple, np.ndarray] = {}
    for i in range(n):
        local = [float(nd.holding[i]) for nd in nodes]
        lead = [max(int(nd.lead_time_mean[i]), 1) for nd in nodes]
        key = (
            front.demand_mean[i],
            front.demand_std[i],
            tuple(local),
            tuple(lead),
            float(front.backorder[i]),
        )
        if key not in cache:
            echelon = local_to_echelon_holding(local)
            if front.demand_family == "poisson":
                sol = clark_scarf_poisson(key[0], echelon, lead, key[4])
            else:
                sol = clark_scarf_normal(key[0], key[1], echelon, lead, key[4], grid_step)
            cache[key] = np.asarray(sol.levels, dtype=float)
        out[:, i] = cache[key]
    return [out[j] for j in range(len(nodes))]
