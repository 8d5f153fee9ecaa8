"""The inventory-policy contract.

A *policy* decides, at a review epoch, how much each SKU of one stocking node orders.
It sees the node's state as numpy arrays over SKUs and answers with one array of order
quantities, so a node of 10,000 SKUs costs one call, not 10,000.

Extension points (all a new policy needs):

``order_quantity(state, forecast=None) -> np.ndarray``
    Required. Pure and deterministic in its inputs: no random numbers, no SimPy, no I/O.
    Returns non-negative quantities of shape ``(n_skus,)``. ``state.position`` is the
    installation inventory position; ``state.echelon_position`` is the echelon position
    (equal to ``position`` at a node with nothing downstream).

``prepare(context) -> Policy``
    Optional. Parameters given as ``None`` in the configuration are derived here from the
    scenario (demand model, lead times, costs: a :class:`PlanningContext`) with the
    textbook optimiser, and a *new* policy with every parameter set is returned. The
    default returns ``self`` when nothing is missing and raises otherwise.

``for_network(context) -> list[Policy]``
    Optional. One configured policy becomes one prepared policy per stocking node of the
    network (downstream first). The default prepares each node on its own; policies that
    optimise the chain jointly (echelon base-stock, Clark & Scarf 1960) override it.

``parameters() -> dict``
    The parameters in force, by their YAML names, for ``metrics.json``.

Per-node parameters: on a network, every parameter accepts a scalar (all nodes), or a
mapping by node name or by role (``{warehouse: 60, store: 12}``; a name wins over a role,
and a node the mapping does not cover derives its value). The base class handles this for
every policy: each entry is validated by the policy's own ``__init__`` when the policy is
made, and :meth:`Policy.for_network` builds one policy per node from the entries that
apply to it. Parameters whose own value is a mapping are listed in ``mapping_params``.

``elementwise = True`` declares that ``order_quantity`` works entry by entry on its array
parameters and the state: the engine then stacks the policies of neighbouring nodes into
one (:func:`stack_policies`) and decides for all of them in one call, with 2-D state
arrays (nodes x SKUs). ``uses_echelon = True`` asks the engine for echelon positions.
``reorder_levels(n_skus) -> (reorder_point, up_to) | None``
    Optional. A policy whose whole decision is "order ``up_to - position`` where
    ``position <= reorder_point``, else nothing", with no memory between calls, may say so
    as two per-SKU arrays: a single node then runs its whole horizon in one compiled loop
    (:func:`sim.lean.run_periods`; a serial chain of such policies :func:`sim.lean.run_chain`)
    and ``order_quantity`` is not called. ``position`` is the one the policy reads: the
    echelon position for a policy with ``uses_echelon``. The default,
    None, keeps the call per review. :func:`check_policy` checks the rule against
    ``order_quantity``, bit for bit. The statement describes the ``order_quantity`` of the
    class that makes it: a subclass that overrides ``order_quantity`` below it is asked
    every review (:func:`reorder_rule`, which the engine and the checker go through).

``columnwise = True`` declares that each SKU's order depends on that SKU's column only:
array parameters hold SKUs on their last axis (or broadcast over them) and nothing is
remembered between calls. The runner then advances several replications side by side as
more columns of one run (:func:`take_columns`, :func:`sim.runner.simulate`).

Constructor parameters are keyword-only and are the YAML keys one to one; ``__init__``
validates them and names the bad key and value in the error. :func:`check_policy` checks
a policy against this contract and is run over every file in ``conf/policy/``.
"""

from __future__ import annotations

import copy
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from forecasters.base import Forecast

__all__ = [
    "check_levels",
    "InventoryState",
    "PlanningContext",
    "NetworkContext",
    "Policy",
    "MissingParameterError",
    "check_policy",
    "as_sku_array",
    "finite_param",
    "stack_policies",
    "can_stack",
    "take_columns",
    "reorder_rule",
    "sku_vector",
    "solve_per_sku",
]


@dataclass(frozen=True, slots=True)
class InventoryState:
    """What a policy sees at a review epoch; every array has shape ``(n_skus,)``.

    ``on_order`` counts units ordered and not yet received (in transit, or still owed by
    the upstream node). ``echelon_position`` adds the stock held or owed downstream of the
    node (Clark & Scarf 1960); at a node with nothing downstream it equals ``position``.
    """

    time: float
    on_hand: np.ndarray
    backorders: np.ndarray
    on_order: np.ndarray
    echelon_position: np.ndarray | None = None

    @property
    def position(self) -> np.ndarray:
        """Installation inventory position: on hand + on order - backorders."""
        return self.on_hand + self.on_order - self.backorders

    @property
    def n_skus(self) -> int:
        return int(self.on_hand.shape[0])


@dataclass(frozen=True)
class PlanningContext:
    """What a policy may know about its node when it derives missing parameters.

    Demand figures are per period (per time unit in continuous review) and per SKU.
    ``demand_family`` is one of ``poisson``, ``normal``, ``negative_binomial``,
    ``intermittent``, ``deterministic``; optimisers use exact discrete methods for Poisson
    demand and the normal approximation otherwise.

    ``protection_periods`` is the number of periods whose demand an order placed now must
    cover under Stocklab's period convention: ``max(L, 1) + R - 1`` for periodic review
    (see ``sim/engine.py``) and ``L`` for continuous review.

    ``discounts`` is the quantity-discount price schedule of ``costs.discounts`` (a
    ``sim.network.PriceSchedule``: ``kind``, ``breakpoints``, ``unit_costs``,
    ``purchase_cost(q)``, ``optimal_order(order_fixed, demand_rate, holding)``), or None
    when every unit costs ``unit``. A policy that cannot use it ignores it; the simulation
    charges each order on the schedule whatever the policy.

    ``demand_mean_by_period`` and ``demand_std_by_period`` (shape ``(horizon, n_skus)``,
    periods ``0 .. horizon - 1`` of the run, warm-up included) give the demand reaching the
    node period by period, the demand model's seasonality, trend, shocks and planned
    promotions included, for policies that plan per period; None where the run's horizon
    is unknown. They come from ``demand_by_period``, a function returning ``(mean, std)``
    that is called on first use only, so runs whose policies plan otherwise never hold
    them.
    """

    n_skus: int
    demand_family: str
    demand_mean: np.ndarray
    demand_std: np.ndarray
    lead_time_mean: np.ndarray
    lead_time_std: np.ndarray
    review_period: int
    holding: np.ndarray
    backorder: np.ndarray
    lost_sale: np.ndarray
    order_fixed: np.ndarray
    unit: np.ndarray
    unmet_demand: str  # "backorder" or "lost_sales"
    continuous: bool = False
    node: str = "store"
    role: str = ""
    discounts: Any = None
    demand_by_period: Callable[[], tuple[np.ndarray, np.ndarray]] | None = field(
        default=None, repr=False, compare=False
    )

    @functools.cached_property
    def _demand_path(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self.demand_by_period is None:
            return None, None
        mean, std = self.demand_by_period()
        return np.asarray(mean, dtype=float), np.asarray(std, dtype=float)

    @property
    def demand_mean_by_period(self) -> np.ndarray | None:
        """Mean demand of each period of the run, ``(horizon, n_skus)``, or None."""
        return self._demand_path[0]

    @property
    def demand_std_by_period(self) -> np.ndarray | None:
        """Std of each period's demand, ``(horizon, n_skus)``, or None."""
        return self._demand_path[1]

    @property
    def exact_poisson(self) -> bool:
        """Whether the exact discrete optimisers apply: Poisson demand and fixed lead times.

        Demand over a fixed protection interval is then Poisson too, so the optimisers
        search the integers instead of using the normal approximation; a random lead time
        makes it a Poisson mixture, which they do not model. Every policy that chooses
        between the two asks this property (some add conditions of their own, such as
        continuous review for (r, Q))."""
        return self.demand_family == "poisson" and bool(np.all(self.lead_time_std == 0))

    @property
    def protection_periods(self) -> np.ndarray:
        if self.continuous:
            return self.lead_time_mean.astype(float)
        return np.maximum(self.lead_time_mean, 1.0) + self.review_period - 1

    @property
    def shortage_penalty(self) -> np.ndarray:
        """Per-unit shortage penalty: backorder cost, or lost-sale penalty under lost sales."""
        return self.backorder if self.unmet_demand == "backorder" else self.lost_sale

    @property
    def protection_mean(self) -> np.ndarray:
        return self.demand_mean * self.protection_periods

    @property
    def protection_std(self) -> np.ndarray:
        """Std of demand over the protection interval, lead-time variability included
        (the random-sum formula, e.g. Silver, Pyke & Thomas 2017, Sec. 9.3)."""
        periods = self.protection_periods
        var = periods * self.demand_std**2 + self.demand_mean**2 * self.lead_time_std**2
        return np.sqrt(var)


@dataclass(frozen=True)
class NetworkContext:
    """Planning view of a whole network: one :class:`PlanningContext` per stocking node,
    downstream first (for a serial chain: stage 1 faces customer demand). ``local_holding``
    gives each node's holding cost per unit per period."""

    nodes: list[PlanningContext] = field(default_factory=list)
    #: ``sim.network.Topology`` of the network (None: a chain, node 0 facing customers)
    topology: Any = None

    @property
    def local_holding(self) -> list[np.ndarray]:
        return [n.holding for n in self.nodes]

    @property
    def names(self) -> list[str]:
        return [n.node for n in self.nodes]

    @property
    def roles(self) -> list[str]:
        return [n.role for n in self.nodes]

    @property
    def is_chain(self) -> bool:
        """Node ``j`` supplied by node ``j + 1``, the last by the external supplier, node 0
        facing customers (single-node and serial networks)."""
        topology = self.topology
        if topology is None:
            return True
        n_nodes = len(self.nodes)
        return (
            topology.n_edges == n_nodes
            and np.array_equal(topology.customer, np.arange(n_nodes))
            and np.array_equal(topology.supplier, np.r_[np.arange(1, n_nodes), -1])
            and np.array_equal(topology.demand_nodes, [0])
            and bool(np.all(topology.units == 1.0))
        )


class MissingParameterError(ValueError):
    """A policy parameter is missing and cannot be derived for this scenario."""


def finite_param(key: str, value: Any) -> Any:
    """A level-type parameter from the config: ``None`` (to be derived), a finite number,
    or a list of finite per-SKU numbers (returned as an array); else a ValueError."""
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or isinstance(value, bool | str) or arr.ndim > 1:
        raise ValueError(f"{key}(={value!r}) must be a number or a list of numbers")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{key}(={value!r}) must be finite")
    return value if arr.ndim == 0 else arr


def check_levels(policy: Policy) -> None:
    """Refuse a negative order-up-to level given in the configuration (``level_names``;
    per-node entries too): a position held below zero orders nothing under lost sales."""
    for name in type(policy).level_names:
        given = [(f"policy.{name}", getattr(policy, name, None))]
        given += [(f"policy.{name}.{n}", v) for n, v in policy.by_node.get(name, {}).items()]
        for key, value in given:
            if any(x < 0 for x in _numbers(value)):
                raise ValueError(f"{key}(={_plain(value)}) must be >= 0 (an order-up-to level)")


def _numbers(value: Any) -> list[float]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _numbers(v)]
    return [float(x) for x in np.asarray(value, dtype=float).reshape(-1)]


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_sku_array(value: Any, n_skus: int, name: str) -> np.ndarray:
    """Broadcast a scalar or per-SKU sequence to a float array of shape ``(n_skus,)``."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n_skus, float(arr))
    if arr.shape != (n_skus,):
        raise ValueError(f"{name}(={value!r}) must be a number or a list of {n_skus} values")
    return arr


class Policy(ABC):
    """Base class of every inventory policy; see the module docstring for the contract."""

    #: Names of the constructor parameters, in YAML order. Subclasses set it.
    param_names: tuple[str, ...] = ()
    #: Parameters that may stay ``None`` in a prepared policy (options, not levels).
    optional_names: tuple[str, ...] = ()
    #: Parameters whose value is itself a mapping (not split per node).
    mapping_params: tuple[str, ...] = ()
    #: ``order_quantity`` works entry by entry (see the module docstring).
    elementwise: bool = False
    #: Each SKU's order depends on its own column only (see the module docstring).
    columnwise: bool = False
    #: The policy reads ``state.echelon_position``.
    uses_echelon: bool = False
    #: ``order_quantity`` uses its ``forecast`` argument: the run needs a forecaster, and a
    #: forecaster beside a policy without this flag is refused (it would drive nothing).
    needs_forecast: bool = False
    #: Order-up-to levels: given in the configuration they must be >= 0
    #: (:func:`check_levels`; derived ones are the model's and are not checked).
    level_names: tuple[str, ...] = ()
    #: Per-node entries and the plain keyword arguments, set by the wrapped ``__init__``
    #: (:func:`_per_node_init`).
    _by_node: dict[str, dict[str, Any]]
    _plain: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            # replacing the method is the point: every policy's own __init__ gets per-node
            # entries without writing them out (mypy refuses method assignment as a rule)
            cls.__init__ = _per_node_init(cls, init)  # type: ignore[method-assign]

    @property
    def by_node(self) -> dict[str, dict[str, Any]]:
        """Per-node entries: ``{parameter: {node or role: value}}``."""
        return getattr(self, "_by_node", {})

    def for_node(self, context: PlanningContext) -> Policy:
        """This policy with the per-node entries that apply to ``context``'s node."""
        if not self.by_node:
            return self
        kwargs = dict(self._plain)
        for key, entries in self.by_node.items():
            for name in (context.node, context.role):
                if name in entries:
                    kwargs[key] = entries[name]
                    break
        return type(self)(**kwargs)

    def check_nodes(self, context: NetworkContext) -> None:
        """Every per-node entry must name a node or a role of the network."""
        names, roles = context.names, context.roles
        for key, entries in self.by_node.items():
            for name, value in entries.items():
                if name not in names and name not in roles:
                    raise ValueError(
                        f"policy.{key}.{name}(={value!r}): no node or role named {name!r}; "
                        f"nodes: {', '.join(names)}; roles: {', '.join(dict.fromkeys(roles))}"
                    )

    @abstractmethod
    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        """Units to order now for every SKU of the node, shape ``(n_skus,)``, all >= 0."""

    def missing(self) -> list[str]:
        return [
            n for n in self.param_names if n not in self.optional_names and getattr(self, n) is None
        ]

    def prepare(self, context: PlanningContext) -> Policy:
        missing = self.missing()
        if missing:
            raise MissingParameterError(
                f"{type(self).__name__}: parameter(s) {', '.join(missing)} are null and "
                f"this policy cannot derive them; set policy.{missing[0]}"
            )
        return self

    def for_network(self, context: NetworkContext) -> list[Policy]:
        self.check_nodes(context)
        return [self.for_node(node).prepare(node) for node in context.nodes]

    def reorder_levels(self, n_skus: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The decision as data, ``(reorder_point, up_to)`` of shape ``(n_skus,)``, or None
        (see the module docstring)."""
        return None

    def parameters(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.param_names:
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                value = value.tolist() if value.size > 1 else float(value.reshape(-1)[0])
            elif isinstance(value, np.generic):
                value = value.item()
            out[name] = value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.parameters().items())
        return f"{type(self).__name__}({args})"


def _per_node_init(cls: type[Policy], init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a policy's ``__init__`` so that any parameter may be a mapping by node or role:
    each entry is validated by ``init`` itself, then the policy is made without them."""

    @functools.wraps(init)
    def wrapped(self: Policy, *args: Any, **kwargs: Any) -> None:
        mapped = {
            k: v
            for k, v in kwargs.items()
            if isinstance(v, Mapping) and k in cls.param_names and k not in cls.mapping_params
        }
        if not mapped:
            init(self, *args, **kwargs)
            if type(self) is cls:
                self._by_node, self._plain = {}, kwargs
            return
        plain = {k: v for k, v in kwargs.items() if k not in mapped}
        for key, entries in mapped.items():
            for name, value in entries.items():
                try:
                    init(self, *args, **plain, **{key: value})
                except ValueError as exc:
                    raise ValueError(f"policy.{key}.{name}: {exc}") from None
        init(self, *args, **plain)
        self._by_node = {k: {str(n): v for n, v in m.items()} for k, m in mapped.items()}
        self._plain = plain

    return wrapped


def can_stack(a: Policy, b: Policy) -> bool:
    """Whether ``a`` and ``b`` can decide in one call (:func:`stack_policies`)."""
    if type(a) is not type(b) or not a.elementwise:
        return False
    for name in a.param_names:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray) != isinstance(y, np.ndarray):
            return False
        if isinstance(x, np.ndarray):
            if x.shape != y.shape:
                return False
        elif x != y:
            return False
    return True


def stack_policies(policies: Sequence[Policy]) -> Policy | None:
    """One policy that decides for several nodes at once: its array parameters are the
    nodes' stacked row by row (state arrays are then nodes x SKUs). None where the policies
    cannot be stacked (different classes, not ``elementwise``, different options)."""
    first = policies[0]
    if not all(can_stack(first, p) for p in policies[1:]):
        return None
    stacked = copy.copy(first)
    for name in first.param_names:
        if isinstance(getattr(first, name), np.ndarray):
            setattr(stacked, name, np.stack([getattr(p, name) for p in policies]))
    return stacked


def check_policy(
    policy: Policy, context: PlanningContext, n_states: int = 64, seed: int = 0
) -> Policy:
    """Check ``policy`` against the contract on random states; return the prepared policy.

    Policies with ``needs_forecast = True`` get a forecast drawn from the context's demand
    model. Checks: it prepares without missing parameters, answers with a float array of shape
    ``(n_skus,)``, never orders a negative or non-finite quantity, does not modify its
    input arrays, and is deterministic (same state, same answer).
    """
    prepared = policy.prepare(context)
    if not isinstance(prepared, Policy):
        raise TypeError(f"{type(policy).__name__}.prepare returned {type(prepared).__name__}")
    if prepared.missing():
        raise AssertionError(f"prepared policy still misses {prepared.missing()}")
    rng = np.random.default_rng(seed)
    n_skus = context.n_skus
    scale = float(np.max(context.protection_mean)) + 1.0
    forecast = None
    if getattr(prepared, "needs_forecast", False):
        periods = np.ceil(context.protection_periods).astype(np.int64)
        horizon = int(periods.max())
        forecast = Forecast(
            time=0.0,
            mean=np.tile(context.demand_mean, (horizon, 1)),
            std=np.tile(context.demand_std, (horizon, 1)),
            sum_std=np.sqrt(np.arange(1, horizon + 1))[:, None] * context.demand_std[None, :],
            protection_periods=periods,
        )
    for epoch in range(n_states):
        on_hand = np.floor(rng.uniform(0, 3 * scale, n_skus))
        backorders = np.where(
            rng.uniform(size=n_skus) < 0.3, np.floor(rng.uniform(0, scale, n_skus)), 0.0
        )
        backorders[on_hand > 0] = 0.0
        on_order = np.floor(rng.uniform(0, 2 * scale, n_skus))
        state = InventoryState(
            float(epoch), on_hand, backorders, on_order, on_hand + on_order - backorders
        )
        copies = [a.copy() for a in (on_hand, backorders, on_order)]
        orders = prepared.order_quantity(state, forecast)
        again = prepared.order_quantity(state, forecast)
        if not isinstance(orders, np.ndarray) or orders.shape != (n_skus,):
            raise AssertionError(
                f"order_quantity must return shape ({n_skus},), got "
                f"{getattr(orders, 'shape', type(orders))}"
            )
        if not np.all(np.isfinite(orders)) or np.any(orders < 0):
            raise AssertionError(
                f"order_quantity returned negative or non-finite orders: {orders[:5]}"
            )
        if not np.array_equal(orders, again):
            raise AssertionError("order_quantity is not deterministic in its inputs")
        levels = reorder_rule(prepared, n_skus)
        if levels is not None:
            position = state.position
            rule = np.where(position <= levels[0], levels[1] - position, 0.0)
            if not np.array_equal(orders, rule):
                raise AssertionError("order_quantity differs from its reorder_levels rule")
        for before, after in zip(copies, (on_hand, backorders, on_order), strict=True):
            if not np.array_equal(before, after):
                raise AssertionError("order_quantity modified its input state")
    return prepared


def _defined_in(cls: type, name: str) -> type:
    """The class of ``cls``'s MRO whose own body defines attribute ``name``."""
    return next(c for c in cls.__mro__ if name in vars(c))


def reorder_rule(policy: Policy, n_skus: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``policy.reorder_levels(n_skus)`` where it describes the policy's own decision;
    None where ``order_quantity`` is overridden below the class that states the rule (a
    subclass of BaseStock that decides otherwise inherits a statement of its parent's
    orders, not of its own)."""
    cls = type(policy)
    if not issubclass(_defined_in(cls, "reorder_levels"), _defined_in(cls, "order_quantity")):
        return None
    return policy.reorder_levels(n_skus)


def sku_vector(value: Any, n_skus: int) -> np.ndarray | None:
    """A prepared parameter (a number, or per-SKU values) as a float array of shape
    ``(n_skus,)``; None where it is not set or does not broadcast to one (a stack of
    nodes' values)."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or arr.size not in (1, n_skus):
        return None
    return np.ascontiguousarray(np.broadcast_to(arr.reshape(-1), (n_skus,)))


def take_columns(policy: Policy, n_skus: int, columns: np.ndarray) -> Policy | None:
    """The prepared, ``columnwise`` ``policy`` of ``n_skus`` SKUs re-indexed to
    ``columns`` (SKU indices, repeats allowed: ``np.tile(np.arange(n), R)`` runs R
    replications side by side). None where the policy is not columnwise or one of its
    array parameters does not end in an SKU axis (nor broadcasts over one)."""
    if not policy.columnwise:
        return None
    taken = copy.copy(policy)
    for name in policy.param_names:
        value = getattr(policy, name)
        if not isinstance(value, np.ndarray) and np.ndim(value) > 0 and np.size(value) > 1:
            return None  # a list or tuple of values: not a prepared per-SKU array
        if not isinstance(value, np.ndarray) or value.ndim == 0 or value.shape[-1] == 1:
            continue  # a scalar (or size-1 axis) broadcasts over any columns
        if value.shape[-1] != n_skus:
            return None
        setattr(taken, name, value[..., columns])
    return taken


SolveKey = TypeVar("SolveKey", bound=Hashable)
Solution = TypeVar("Solution")


def solve_per_sku(
    skus: Iterable[int],
    key: Callable[[int], SolveKey],
    solve: Callable[[int, SolveKey], Solution],
) -> dict[int, Solution]:
    """Run a per-SKU optimiser once per distinct problem: ``{sku: solution}``.

    The textbook optimisers solve one SKU at a time and some take seconds, while a
    catalogue often repeats the same parameters across many SKUs. ``key(sku)`` names a
    SKU's problem (a tuple of everything the solve reads); ``solve(sku, key)`` runs for the
    first SKU with a new key, in the order of ``skus``, and the others with that key share
    its solution (the same object). Keys are computed one SKU at a time, between the
    solves, so a key that refuses a SKU does so where the loop reaches it.
    """
    solved: dict[SolveKey, Solution] = {}
    out: dict[int, Solution] = {}
    for sku in skus:
        problem = key(sku)
        if problem not in solved:
            solved[problem] = solve(sku, problem)
        out[sku] = solved[problem]
    return out
