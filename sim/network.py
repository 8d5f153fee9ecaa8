"""Supply networks: stocking nodes joined by supply edges, compiled once into arrays.

A network is a directed acyclic graph. *Nodes* are stocking points (stores, warehouses,
distribution centres, component and product stocks), each holding all SKUs. *Edges* say
who supplies whom: an edge runs from a supplier (another node, or the external supplier,
``supplier=None``, named ``external`` in configuration files) to a customer node, with a
lead time, an optional capacity and, for assembly, the number of units of the supplier's
item in one unit of the customer's (a bill of materials). Several nodes may face
customers; a node may supply several children (distribution) and, for assembly, receive
from several suppliers: it then orders kits, one ``units`` of every component per unit.

Every shape is a small graph built by the same engine:

``Single``        one node fed by the external supplier;
``Serial``        a chain ``stage1 <- stage2 <- ... <- stageN <- external``;
``Distribution``  ``warehouse`` feeding ``store1 .. storeN`` (one DC, many stores);
``Assembly``      ``component1 .. componentK`` (each fed externally) assembled into ``product``;
``Graph``         any acyclic network from YAML (inline, or ``file=``).

:meth:`Network.build` turns a shape into :class:`Node` and :class:`Edge` lists and
compiles them into a :class:`Topology`: nodes sorted downstream first (by *echelon*: 0 for
nodes with nothing below them, 1 for their suppliers, ...), edges sorted by customer,
supplier and customer indices, and the ``content`` matrix (units of item ``i`` in one unit
held at ``j``; nonzero where ``j`` is at or below ``i``) that turns echelon positions into
one product. Configuration errors (a cycle, an unknown node, a node no supplier reaches, no
demand-facing node, a bill of materials on a node with one supplier, a negative capacity)
name the key and the value.

Costs (per unit per period, per SKU arrays after :meth:`Network.build`):

* holding: charged on each node's end-of-period on-hand stock at that node's *local*
  holding rate, and on stock in transit on an edge (or waiting at an assembly node for the
  rest of its kit) at the rate of the node that shipped it (it still owns the goods); goods
  from the external supplier cost nothing until they arrive;
* backorder or lost-sale penalty: at demand-facing nodes only, per unit backordered at
  period end or per unit lost;
* ordering: a fixed cost per order placed (one per node and review, whatever the number of
  its suppliers) and a unit cost per unit ordered; or, with quantity discounts
  (``costs.discounts``, a :class:`PriceSchedule`), each order's purchase cost by its size.

This is the cost accounting of Clark & Scarf (1960) and Chen & Zheng (1994) for serial
systems, under which local holding rates are sums of echelon rates.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args

import numpy as np

from policies.optimal.eoq_family import (
    DiscountSolution,
    _incremental_fixed_part,
    _schedule,
    all_units_discount_cost,
    all_units_discount_eoq,
    incremental_discount_cost,
    incremental_discount_eoq,
)
from sim import allocation as alloc
from sim import leadtime as lt
from sim.checks import check_int, is_number

__all__ = [
    "Costs",
    "PriceSchedule",
    "AllUnitsDiscounts",
    "IncrementalDiscounts",
    "DISCOUNT_KINDS",
    "make_discounts",
    "Node",
    "Edge",
    "Topology",
    "Network",
    "Single",
    "Serial",
    "Distribution",
    "Assembly",
    "Graph",
    "EXTERNAL",
    "make_lead_time",
]

#: How configuration files name the external supplier (``supplier=None`` in an :class:`Edge`).
EXTERNAL = "external"
#: What happens to demand a demand-facing node cannot serve (``unmet_demand``).
UnmetDemand = Literal["backorder", "lost_sales"]
UNMET_MODES: tuple[UnmetDemand, ...] = get_args(UnmetDemand)


def _non_negative(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}(={value!r}) must be a number") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name}(={value!r}) must be >= 0")
    return v


def _optional_non_negative(name: str, value: Any) -> float | None:
    return None if value is None else _non_negative(name, value)


@dataclass(frozen=True)
class PriceSchedule:
    """A quantity-discount price schedule, shared by all SKUs: breakpoints
    ``0 = b_0 < b_1 < ... < b_{n-1}`` (units per order) and non-increasing prices
    ``c_0 >= c_1 >= ...`` (one per region ``b_j <= q < b_{j+1}``). A subclass says how an
    order of ``q`` units is priced (:meth:`purchase_cost`) and which optimiser of
    :mod:`policies.optimal.eoq_family` finds the best batch (:meth:`optimal_order`).

    Holding is per unit per period (``costs.holding``, the optimisers' ``holding``), not a
    fraction of the price: the simulation charges it on units held, whatever they cost."""

    #: ``costs.discounts.kind`` of the subclass
    kind: ClassVar[str] = ""
    breakpoints: tuple[float, ...]
    unit_costs: tuple[float, ...]
    _b: np.ndarray = field(init=False, repr=False, compare=False)
    _c: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = "costs.discounts"
        given_breakpoints = _numbers(f"{key}.breakpoints", self.breakpoints)
        given_costs = _numbers(f"{key}.unit_costs", self.unit_costs)
        if not given_breakpoints:
            raise ValueError(f"{key}.breakpoints(=[]) must be a non-empty list starting at 0")
        try:
            b, c = _schedule(given_breakpoints, given_costs)
        except ValueError as exc:
            raise ValueError(f"{key}.{exc}") from None
        object.__setattr__(self, "breakpoints", tuple(b.tolist()))
        object.__setattr__(self, "unit_costs", tuple(c.tolist()))
        object.__setattr__(self, "_b", b)
        object.__setattr__(self, "_c", c)

    def region(self, quantity: np.ndarray) -> np.ndarray:
        """Index ``j`` of the region ``b_j <= q < b_{j+1}`` of every order quantity."""
        return np.searchsorted(self._b, quantity, side="right") - 1

    def purchase_cost(self, quantity: np.ndarray) -> np.ndarray:  # pragma: no cover
        """Purchase cost of orders of ``quantity`` units each (any shape; 0 for 0)."""
        raise NotImplementedError

    def optimal_order(
        self, order_fixed: np.ndarray, demand_rate: np.ndarray, holding: np.ndarray
    ) -> DiscountSolution:  # pragma: no cover
        """The best batch for steady demand ``demand_rate`` per period, ``order_fixed`` per
        order and ``holding`` per unit per period, per SKU."""
        raise NotImplementedError

    def cost(
        self, q: np.ndarray, order_fixed: np.ndarray, demand_rate: np.ndarray, holding: np.ndarray
    ) -> np.ndarray:  # pragma: no cover
        """Cost per period of ordering ``q`` under steady demand: purchase + ordering +
        holding ``h q / 2`` (the continuous-time EOQ cost of the optimiser)."""
        raise NotImplementedError


class AllUnitsDiscounts(PriceSchedule):
    """All-units discounts: an order of ``q`` in region ``j`` pays ``c_j`` on every unit
    (Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Example 3.6)."""

    kind = "all_units"

    def purchase_cost(self, quantity: np.ndarray) -> np.ndarray:
        return self._c[self.region(quantity)] * quantity

    def optimal_order(self, order_fixed, demand_rate, holding) -> DiscountSolution:
        return all_units_discount_eoq(order_fixed, demand_rate, self._b, self._c, holding=holding)

    def cost(self, q, order_fixed, demand_rate, holding):
        return all_units_discount_cost(
            q, order_fixed, demand_rate, self._b, self._c, holding=holding
        )


class IncrementalDiscounts(PriceSchedule):
    """Incremental discounts: only the units beyond ``b_j`` pay ``c_j``; an order of ``q`` in
    region ``j`` costs ``cbar_j + c_j q`` with ``cbar_j = sum_{l<j} c_l (b_{l+1} - b_l) -
    c_j b_j`` (Snyder & Shen, 2nd ed., Example 3.7)."""

    kind = "incremental"
    _fixed: np.ndarray  # cbar_j per region, set in __post_init__

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_fixed", _incremental_fixed_part(self._b, self._c))

    def purchase_cost(self, quantity: np.ndarray) -> np.ndarray:
        region = self.region(quantity)
        return self._fixed[region] + self._c[region] * quantity

    def optimal_order(self, order_fixed, demand_rate, holding) -> DiscountSolution:
        return incremental_discount_eoq(order_fixed, demand_rate, self._b, self._c, holding=holding)

    def cost(self, q, order_fixed, demand_rate, holding):
        return incremental_discount_cost(
            q, order_fixed, demand_rate, self._b, self._c, holding=holding
        )


#: ``costs.discounts.kind`` -> the schedule class.
DISCOUNT_KINDS: dict[str, type[PriceSchedule]] = {
    "all_units": AllUnitsDiscounts,
    "incremental": IncrementalDiscounts,
}
_DISCOUNT_KEYS = ("kind", "breakpoints", "unit_costs")


def _numbers(key: str, value: Any) -> list[float]:
    """A flat list of real numbers (booleans, strings and nested lists refused)."""
    items = value.tolist() if isinstance(value, np.ndarray) else value
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise ValueError(f"{key}(={value!r}) must be a list of numbers")
    if any(not is_number(x, types=int | float | np.number) for x in items):
        raise ValueError(f"{key}(={list(items)!r}) must be a list of numbers")
    return [float(x) for x in items]


def make_discounts(value: Any) -> PriceSchedule | None:
    """``costs.discounts`` from the configuration: null, a :class:`PriceSchedule`, or a
    mapping ``{kind: all_units | incremental, breakpoints: [...], unit_costs: [...]}``."""
    key = "costs.discounts"
    if value is None or isinstance(value, PriceSchedule):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(
            f"{key}(={value!r}) must be null or a mapping with keys {', '.join(_DISCOUNT_KEYS)}"
        )
    for name in value:
        if name == "holding_rate":
            raise ValueError(
                f"{key}.holding_rate(={value[name]!r}): holding is charged per unit held "
                f"(costs.holding), not as a fraction of the price; set costs.holding instead"
            )
        if name not in _DISCOUNT_KEYS:
            close = difflib.get_close_matches(str(name), _DISCOUNT_KEYS, n=1)
            hint = f" (did you mean '{key}.{close[0]}'?)" if close else ""
            raise ValueError(
                f"unknown key '{key}.{name}'={value[name]!r}{hint}; "
                f"expected {', '.join(_DISCOUNT_KEYS)}"
            )
    missing = [name for name in _DISCOUNT_KEYS if name not in value]
    if missing:
        raise ValueError(f"{key}(={dict(value)!r}) misses {', '.join(missing)}")
    kind = value["kind"]
    if not isinstance(kind, str) or kind not in DISCOUNT_KINDS:
        raise ValueError(f"{key}.kind(={kind!r}) must be one of {', '.join(DISCOUNT_KINDS)}")
    return DISCOUNT_KINDS[kind](breakpoints=value["breakpoints"], unit_costs=value["unit_costs"])


@dataclass(frozen=True)
class Costs:
    """Cost rates shared by all SKUs (``costs.*`` in the configuration); ``waste`` is
    charged per perished unit discarded. ``discounts`` (null, or a mapping made into a
    :class:`PriceSchedule` by :func:`make_discounts`) prices each order by its size instead
    of ``unit`` per unit; setting both is refused."""

    holding: float = 1.0
    backorder: float = 9.0
    lost_sale: float = 9.0
    order_fixed: float = 0.0
    unit: float = 0.0
    waste: float = 0.0
    discounts: PriceSchedule | Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("holding", "backorder", "lost_sale", "order_fixed", "unit", "waste"):
            object.__setattr__(self, name, _non_negative(f"costs.{name}", getattr(self, name)))
        object.__setattr__(self, "discounts", make_discounts(self.discounts))
        if self.discounts is not None and self.unit > 0:
            raise ValueError(
                f"costs.unit(={self.unit:g}) and costs.discounts are both set: the schedule's "
                f"unit_costs are the purchase prices; set costs.unit=0 or drop costs.discounts"
            )

    @property
    def price_schedule(self) -> PriceSchedule | None:
        """``discounts`` as the simulation uses it: ``__post_init__`` has made a mapping
        into its :class:`PriceSchedule`, so this is the schedule, or None."""
        return self.discounts if isinstance(self.discounts, PriceSchedule) else None


def make_lead_time(value: Any, key: str = "network.lead_time") -> lt.LeadTimeModel:
    """A lead-time model from a config value: a number means a deterministic lead time."""
    if isinstance(value, lt.LeadTimeModel):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{key}(={value!r}) must be a number of periods or a lead-time model")
    if is_number(value):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{key}(={value}) must be a whole number of periods >= 0")
        if float(value) != int(value):
            raise ValueError(f"{key}(={value}) must be a whole number of periods")
        return lt.Deterministic(value=int(value))
    raise ValueError(f"{key}(={value!r}) must be a number of periods or a lead-time model")


@dataclass
class Node:
    """A stocking node. ``role`` groups nodes for per-node parameters (``store``,
    ``warehouse``, ``stage``, ``component``, ``product`` or a user's own); ``capacity`` is
    the total number of units the node can ship per period, all SKUs and customers together.
    Demand-facing nodes draw their customers' demand from the stream ``demand_stream``,
    scaled by ``demand_weight``."""

    name: str
    holding: float
    demand_facing: bool = False
    capacity: float | None = None
    role: str = "node"
    demand_weight: float = 1.0
    demand_stream: str = ""

    def __post_init__(self) -> None:
        if not self.demand_stream:
            self.demand_stream = f"demand/{self.name}"


@dataclass
class Edge:
    """A supply edge: ``supplier`` (a node name, or None for the external supplier) ships to
    ``customer`` after ``lead_time``; at most ``capacity`` units per SKU and period; each unit
    of the customer's item takes ``units`` of the supplier's (assembly; None, as a shape
    passes it where it has no bill of materials, is made 1 when the network compiles)."""

    supplier: str | None
    customer: str
    lead_time: lt.LeadTimeModel
    capacity: float | None = None
    units: float | None = 1.0

    @property
    def name(self) -> str:
        return f"{self.supplier or EXTERNAL}->{self.customer}"


@dataclass(frozen=True)
class Topology:
    """A compiled network: arrays only. Nodes are indexed downstream first, edges by
    customer. ``supplier[e] == -1`` is the external supplier."""

    names: tuple[str, ...]
    roles: tuple[str, ...]
    echelon: np.ndarray  # (nodes,) 0 = nothing below, k = 1 + max echelon of its customers
    supplier: np.ndarray  # (edges,) node index or -1
    customer: np.ndarray  # (edges,)
    units: np.ndarray  # (edges,) supplier units per customer unit
    content: np.ndarray  # (nodes, nodes): units of item i in one unit held at node j
    demand_nodes: np.ndarray  # nodes whose customers buy
    inbound: tuple[np.ndarray, ...]  # per node, its inbound edges
    outbound: tuple[np.ndarray, ...]  # per node, its outbound edges

    @property
    def n_nodes(self) -> int:
        return len(self.names)

    @property
    def n_edges(self) -> int:
        return int(self.supplier.shape[0])

    @property
    def below(self) -> np.ndarray:
        """(nodes, nodes) bool: node j is node i or downstream of it."""
        return self.content > 0

    @property
    def echelon_ranges(self) -> list[tuple[int, int]]:
        """Contiguous node ranges ``[start, stop)`` of each echelon, downstream first."""
        out, start = [], 0
        for k in range(int(self.echelon.max()) + 1):
            stop = start + int(np.sum(self.echelon == k))
            out.append((start, stop))
            start = stop
        return out

    def index(self, name: str) -> int:
        return self.names.index(name)


def compile_topology(nodes: list[Node], edges: list[Edge], key: str = "network") -> Topology:
    """Validate a node and edge list and compile it; reorders ``nodes`` and ``edges`` in
    place (downstream first, edges by customer) so that indices agree with the topology."""
    if not nodes:
        raise ValueError(f"{key}.nodes(=[]) must list at least one node")
    names = [nd.name for nd in nodes]
    for i, nd in enumerate(nodes):
        if not isinstance(nd.name, str) or not nd.name or nd.name == EXTERNAL:
            raise ValueError(
                f"{key}.nodes[{i}].name(={nd.name!r}) must be a non-empty name other than "
                f"{EXTERNAL!r} (which names the external supplier)"
            )
        if names.count(nd.name) > 1:
            raise ValueError(f"{key}.nodes[{i}].name(={nd.name!r}) is used twice")
    pos = {n: i for i, n in enumerate(names)}
    for e, ed in enumerate(edges):
        for end in ("supplier", "customer"):
            value = getattr(ed, end)
            if end == "supplier" and value is None:
                continue
            if value not in pos:
                raise ValueError(
                    f"{key}.edges[{e}].{end}(={value!r}) names no node; nodes: "
                    f"{', '.join(names)}" + (f" (or {EXTERNAL})" if end == "supplier" else "")
                )
        if ed.supplier == ed.customer:
            raise ValueError(f"{key}.edges[{e}]({ed.name}) is a cycle: a node supplies itself")
    seen = set()
    for e, ed in enumerate(edges):
        if (ed.supplier, ed.customer) in seen:
            raise ValueError(f"{key}.edges[{e}]({ed.name}) is listed twice")
        seen.add((ed.supplier, ed.customer))
    if not any(nd.demand_facing for nd in nodes):
        raise ValueError(f"{key}: no node faces customer demand; mark one with demand: true")
    n = len(nodes)
    children = [[pos[ed.customer] for ed in edges if ed.supplier == nd.name] for nd in nodes]
    # echelon by depth-first search; a node met again on the current path closes a cycle
    echelon = [-1] * n
    state = [0] * n  # 0 new, 1 on the path, 2 done

    def visit(i: int, path: list[int]) -> int:
        if state[i] == 1:
            cycle = " -> ".join(names[j] for j in path[path.index(i) :] + [i])
            raise ValueError(f"{key}.edges form a cycle ({cycle}); a network must be acyclic")
        if state[i] == 2:
            return echelon[i]
        state[i] = 1
        below = [visit(c, path + [i]) for c in children[i]]
        echelon[i] = 1 + max(below) if below else 0
        state[i] = 2
        return echelon[i]

    for i in range(n):
        visit(i, [])
    # every node must be reached from the external supplier
    reached = set()
    frontier = [pos[ed.customer] for ed in edges if ed.supplier is None]
    while frontier:
        i = frontier.pop()
        if i not in reached:
            reached.add(i)
            frontier.extend(children[i])
    for i, nd in enumerate(nodes):
        if i not in reached:
            raise ValueError(
                f"{key}.nodes[{i}].name(={nd.name!r}): no supplier reaches this node; add an "
                f"edge into it (supplier: {EXTERNAL} for outside supply)"
            )
    n_in = [sum(1 for ed in edges if ed.customer == nd.name) for nd in nodes]
    for e, ed in enumerate(edges):
        if ed.capacity is not None:
            ed.capacity = _non_negative(f"{key}.edges[{e}].capacity", ed.capacity)
        units = ed.units
        if units is None:
            ed.units = 1.0
        else:
            units = _non_negative(f"{key}.edges[{e}].units", units)
            if units <= 0:
                raise ValueError(f"{key}.edges[{e}].units(={ed.units!r}) must be > 0")
            if n_in[pos[ed.customer]] == 1 and units != 1.0:
                raise ValueError(
                    f"{key}.edges[{e}].units(={ed.units!r}): a bill of materials needs an "
                    f"assembly node, but {ed.customer!r} has one supplier"
                )
            ed.units = units
    for i, nd in enumerate(nodes):
        if nd.capacity is not None:
            nd.capacity = _non_negative(f"{key}.nodes[{i}].capacity", nd.capacity)
        nd.holding = _non_negative(f"{key}.nodes[{i}].holding", nd.holding)
        w = _non_negative(f"{key}.nodes[{i}].demand_weight", nd.demand_weight)
        if nd.demand_facing and w <= 0:
            raise ValueError(f"{key}.nodes[{i}].demand_weight(={nd.demand_weight!r}) must be > 0")
    # sort: downstream first (echelon), then as listed; edges by customer, then supplier
    order = sorted(range(n), key=lambda i: (echelon[i], i))
    nodes[:] = [nodes[i] for i in order]
    new = {names[i]: k for k, i in enumerate(order)}
    edges[:] = sorted(
        edges, key=lambda ed: (new[ed.customer], -1 if ed.supplier is None else new[ed.supplier])
    )
    supplier = np.array([-1 if ed.supplier is None else new[ed.supplier] for ed in edges], int)
    customer = np.array([new[ed.customer] for ed in edges], dtype=np.int64)
    edge_units = np.array([ed.units for ed in edges], dtype=float)
    # content[i, j] = sum over paths j ~> ... up to i of the product of units; computed from
    # the customers upwards: row of node j = e_j + sum over its outbound edges of units * row
    # of the edge's customer
    content = np.zeros((n, n))
    for j in range(n):
        content[j, j] = 1.0
        for edge in np.flatnonzero(supplier == j):
            content[j] += edge_units[edge] * content[customer[edge]]
    return Topology(
        names=tuple(nd.name for nd in nodes),
        roles=tuple(nd.role for nd in nodes),
        echelon=np.array([echelon[i] for i in order], dtype=np.int64),
        supplier=supplier,
        customer=customer,
        units=edge_units,
        content=content,
        demand_nodes=np.array([i for i, nd in enumerate(nodes) if nd.demand_facing], int),
        inbound=tuple(np.flatnonzero(customer == i) for i in range(n)),
        outbound=tuple(np.flatnonzero(supplier == i) for i in range(n)),
    )


def make_allocation(value: Any, key: str = "network.allocation") -> alloc.Allocation:
    """An allocation rule from a config value: a rule object, or the name of one."""
    if isinstance(value, alloc.Allocation):
        return value
    if isinstance(value, str) and value in alloc.RULES:
        return alloc.RULES[value]()
    raise ValueError(
        f"{key}(={value!r}) must be one of {', '.join(alloc.RULES)} or a rule class "
        "given by _target_ (see sim/allocation.py)"
    )


@dataclass
class Network:
    """Base class of network shapes. :meth:`_shape` returns nodes and edges; :meth:`build`
    compiles them. ``allocation`` shares a short supplier's stock among its customers."""

    review_period: int = 1
    allocation: Any = "fifo"
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    _compiled: Topology | None = field(default=None, repr=False)

    def _init_common(self, review_period: Any, allocation: Any) -> None:
        self.review_period = check_int("network.review_period", review_period, 1)
        self.allocation = make_allocation(allocation)
        self.nodes, self.edges, self._compiled = [], [], None

    @property
    def topology(self) -> Topology:
        """The compiled arrays; only a built network has them (:meth:`build`)."""
        if self._compiled is None:
            raise RuntimeError(f"{type(self).__name__}.build(costs) must run before its topology")
        return self._compiled

    def _shape(self, costs: Costs) -> tuple[list[Node], list[Edge]]:  # pragma: no cover
        raise NotImplementedError

    def build(self, costs: Costs) -> list[Node]:
        """Nodes and edges for ``costs``, compiled (nodes downstream first)."""
        nodes, edges = self._shape(costs)
        self._compiled = compile_topology(nodes, edges)
        self.nodes, self.edges = nodes, edges
        self.allocation.check([nd.name for nd in nodes])
        return self.nodes

    def bind_stores(self, labels: list[str] | None) -> None:
        """The stores of replayed data (None for generated demand), before :meth:`build`;
        a shape that makes one node per store (``Distribution``) takes them from here."""
        return None

    def index(self, name: str) -> int:
        for i, n in enumerate(self.nodes):
            if n.name == name:
                return i
        raise KeyError(name)

    def inbound(self, i: int) -> list[Edge]:
        return [self.edges[e] for e in self.topology.inbound[i]]

    def lead_time_stream(self, e: int) -> str:
        """Stream key of edge ``e``'s lead times: the customer's name where it has one
        supplier (as for single and serial networks), else the edge's name."""
        ed = self.edges[e]
        only = len(self.topology.inbound[self.topology.customer[e]]) == 1
        return ed.customer if only else ed.name


def _per_stage(key: str, value: Any, n: int) -> list[Any]:
    if isinstance(value, Sequence) and not isinstance(value, str | Mapping):
        values = list(value)
        if len(values) != n:
            raise ValueError(f"{key}(={values}) must have one entry per stage ({n})")
        return values
    return [value] * n


def _lead_times(key: str, value: Any, n: int) -> list[lt.LeadTimeModel]:
    # deep copies: a shared lead-time model must not share per-SKU state between edges
    return [
        make_lead_time(copy.deepcopy(v), f"{key}[{i}]" if n > 1 else key)
        for i, v in enumerate(_per_stage(key, value, n))
    ]


class Single(Network):
    """One stocking node (a store or warehouse) fed by the external supplier."""

    def __init__(
        self,
        *,
        lead_time: Any = 2,
        review_period: int = 1,
        supplier_capacity: float | None = None,
        name: str = "store",
    ):
        super().__init__()
        self._init_common(review_period, "fifo")
        self.lead_time = make_lead_time(lead_time)
        self.supplier_capacity = _optional_non_negative(
            "network.supplier_capacity", supplier_capacity
        )
        self.name = name

    def _shape(self, costs: Costs) -> tuple[list[Node], list[Edge]]:
        node = Node(self.name, costs.holding, True, role=self.name, demand_stream="demand")
        return [node], [Edge(None, self.name, self.lead_time, self.supplier_capacity)]


class Serial(Network):
    """A chain of ``stages`` nodes: stage 1 faces customers, stage N orders from the
    external supplier. ``lead_time`` is one value for all stages or a list, stage 1 first
    (the shipping time *into* each stage). ``holding`` lists local holding costs per stage,
    stage 1 first; left null, stage j of N holds at ``costs.holding * (N - j + 1) / N``
    (value is added as goods move downstream)."""

    def __init__(
        self,
        *,
        stages: int = 3,
        lead_time: Any = 1,
        holding: list[float] | None = None,
        review_period: int = 1,
        supplier_capacity: float | None = None,
    ):
        super().__init__()
        self._init_common(review_period, "fifo")
        self.stages = check_int("network.stages", stages, 1)
        self.lead_times = _lead_times("network.lead_time", lead_time, self.stages)
        if holding is not None:
            holding = [
                _non_negative(f"network.holding[{i}]", h)
                for i, h in enumerate(_per_stage("network.holding", holding, self.stages))
            ]
        self.holding = holding
        self.supplier_capacity = _optional_non_negative(
            "network.supplier_capacity", supplier_capacity
        )

    def _shape(self, costs: Costs) -> tuple[list[Node], list[Edge]]:
        n = self.stages
        holding = self.holding or [costs.holding * (n - j) / n for j in range(n)]
        nodes, edges = [], []
        for j in range(n):
            name = f"stage{j + 1}"
            nodes.append(Node(name, holding[j], j == 0, role="stage", demand_stream="demand"))
            supplier = f"stage{j + 2}" if j + 1 < n else None
            cap = self.supplier_capacity if j + 1 == n else None
            edges.append(Edge(supplier, name, self.lead_times[j], cap))
        return nodes, edges


def _role_values(key: str, value: Any, roles: tuple[str, ...], default: dict) -> dict:
    """``{role: number}`` from a number (all roles) or a mapping by role."""
    if value is None:
        return dict(default)
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in roles]
        if unknown:
            raise ValueError(
                f"{key}.{unknown[0]}(={value[unknown[0]]!r}): no role {unknown[0]!r}; "
                f"roles: {', '.join(roles)}"
            )
        out = dict(default)
        out.update({k: _non_negative(f"{key}.{k}", v) for k, v in value.items()})
        return out
    v = _non_negative(key, value)
    return {r: v for r in roles}


class Distribution(Network):
    """One warehouse (DC) feeding ``stores`` stores: ``warehouse`` and ``store1 .. storeN``.

    ``lead_time`` is the warehouse -> store shipping time (a number or a lead-time model),
    ``warehouse_lead_time`` the external supplier -> warehouse time. ``holding`` is
    ``{warehouse: h0, store: h1}`` (or one number); left null, the warehouse holds at half
    ``costs.holding`` and the stores at ``costs.holding``. ``store_weights`` gives each
    store's relative demand (default equal; demand per store is ``demand.*`` times the
    weight). ``capacity`` caps what the warehouse ships per period, all SKUs and stores
    together; ``store_capacity`` caps each warehouse -> store edge per SKU and period;
    ``supplier_capacity`` the external edge. ``allocation`` shares the warehouse's stock
    when it cannot cover what the stores are owed (``fifo``, ``proportional``,
    ``priority``; see :mod:`sim.allocation`).
    """

    ROLES = ("warehouse", "store")
    #: stores when ``stores`` is ``auto`` and the demand is generated
    DEFAULT_STORES = 10

    def __init__(
        self,
        *,
        stores: Any = "auto",
        lead_time: Any = 2,
        warehouse_lead_time: Any = 4,
        allocation: Any = "fifo",
        store_weights: list[float] | None = None,
        holding: Any = None,
        capacity: float | None = None,
        store_capacity: float | None = None,
        supplier_capacity: float | None = None,
        review_period: int = 1,
    ):
        super().__init__()
        self._init_common(review_period, allocation)
        self.stores_setting = stores
        if stores in ("auto", "from_data"):
            stores = self.DEFAULT_STORES
        n_stores = check_int("network.stores", stores, 1)
        self._lead_time = lead_time
        self.warehouse_lead_time = make_lead_time(
            warehouse_lead_time, "network.warehouse_lead_time"
        )
        self._store_weights = store_weights
        self._set_stores(n_stores, [f"store{i + 1}" for i in range(n_stores)])
        self._holding = holding
        _role_values("network.holding", holding, self.ROLES, {})  # validate early
        self.capacity = _optional_non_negative("network.capacity", capacity)
        self.store_capacity = _optional_non_negative("network.store_capacity", store_capacity)
        self.supplier_capacity = _optional_non_negative(
            "network.supplier_capacity", supplier_capacity
        )

    def _set_stores(self, n: int, names: list[str]) -> None:
        self.stores, self.store_names = n, names
        self.store_lead_times = [
            make_lead_time(copy.deepcopy(self._lead_time), "network.lead_time") for _ in range(n)
        ]
        store_weights = self._store_weights
        if store_weights is None:
            weights = [1.0] * n
        else:
            if isinstance(store_weights, str | Mapping) or not isinstance(store_weights, Sequence):
                raise ValueError(f"network.store_weights(={store_weights!r}) must be a list")
            weights = list(store_weights)
            if len(weights) != n:
                raise ValueError(
                    f"network.store_weights(={weights}) must have one entry per store ({n})"
                )
            weights = [
                _non_negative(f"network.store_weights[{i}]", w) for i, w in enumerate(weights)
            ]
            if any(w <= 0 for w in weights):
                raise ValueError(f"network.store_weights(={weights}) must all be > 0")
        self.store_weights = weights

    def bind_stores(self, labels: list[str] | None) -> None:
        """``stores: auto`` or ``from_data``: one store node per store of replayed data
        (``store<label>``); a number must match the data's store count."""
        from sim.demand.replay import store_node_name

        setting = self.stores_setting
        if labels is None:
            if setting == "from_data":
                raise ValueError(
                    "network.stores(='from_data') needs replayed demand (demand=replay or "
                    "demand=bakery); give a number of stores"
                )
            return
        if setting in ("auto", "from_data"):
            self._set_stores(len(labels), [store_node_name(lb) for lb in labels])
        elif len(labels) != self.stores:
            raise ValueError(
                f"network.stores(={self.stores}) does not match the {len(labels)} stores of "
                "the replayed data; set network.stores=auto"
            )
        else:
            self.store_names = [store_node_name(lb) for lb in labels]

    def _shape(self, costs: Costs) -> tuple[list[Node], list[Edge]]:
        h = _role_values(
            "network.holding",
            self._holding,
            self.ROLES,
            {"warehouse": costs.holding / 2, "store": costs.holding},
        )
        nodes = [Node("warehouse", h["warehouse"], capacity=self.capacity, role="warehouse")]
        edges = [Edge(None, "warehouse", self.warehouse_lead_time, self.supplier_capacity)]
        for i, name in enumerate(self.store_names):
            nodes.append(
                Node(name, h["store"], True, role="store", demand_weight=self.store_weights[i])
            )
            edges.append(Edge("warehouse", name, self.store_lead_times[i], self.store_capacity))
        return nodes, edges


class Assembly(Network):
    """``components`` component stocks, each fed by the external supplier after its own
    ``component_lead_time`` (one number or a list), assembled into ``product`` with
    ``assembly_lead_time``: the product node orders kits of ``units`` of every component per
    unit (default one each); a kit ships only when every component is there. ``holding`` is
    ``{component: h_c, product: h_p}`` or one number; left null, components hold at
    ``costs.holding / (2 K)`` each and the product at ``costs.holding``."""

    ROLES = ("component", "product")

    def __init__(
        self,
        *,
        components: int = 2,
        component_lead_time: Any = (2, 4),
        assembly_lead_time: Any = 1,
        units: list[float] | None = None,
        holding: Any = None,
        review_period: int = 1,
    ):
        super().__init__()
        self._init_common(review_period, "fifo")
        self.components = check_int("network.components", components, 1)
        self.component_lead_times = _lead_times(
            "network.component_lead_time", component_lead_time, self.components
        )
        self.assembly_lead_time = assembly_lead_time
        _lead_times("network.assembly_lead_time", assembly_lead_time, 1)
        units = _per_stage("network.units", 1.0 if units is None else units, self.components)
        self.units = [_non_negative(f"network.units[{i}]", u) for i, u in enumerate(units)]
        if any(u <= 0 for u in self.units):
            raise ValueError(f"network.units(={self.units}) must all be > 0")
        self._holding = holding
        _role_values("network.holding", holding, self.ROLES, {})

    def _shape(self, costs: Costs) -> tuple[list[Node], list[Edge]]:
        k = self.components
        h = _role_values(
            "network.holding",
            self._holding,
            self.ROLES,
            {"component": costs.holding / (2 * k), "product": costs.holding},
        )
        nodes = [Node("product", h["product"], True, role="product", demand_stream="demand")]
        edges = []
        for i in range(k):
            name = f"component{i + 1}"
            nodes.append(Node(name, h["component"], role="component"))
            edges.append(Edge(None, name, self.component_lead_times[i]))
            lead = make_lead_time(
                copy.deepcopy(self.assembly_lead_time), "network.assembly_lead_time"
            )
            edges.append(Edge(name, "product", lead, None, self.units[i] if k > 1 else None))
        return nodes, edges


class Graph(Network):
    """Any acyclic network from YAML: ``nodes`` and ``edges`` inline, or ``file=`` naming a
    YAML file with those two keys (it replaces the inline ones).

    Each node: ``name``, ``holding`` (null: ``costs.holding``), ``demand`` (true where
    customers buy), optional ``capacity`` (units shipped per period, all SKUs), ``role``
    (for per-node policy parameters; default the name) and ``demand_weight``. Each edge:
    ``supplier`` (a node, or ``external``), ``customer``, ``lead_time`` (a number or a
    lead-time model with ``_target_``), optional ``capacity`` (units per SKU and period) and
    ``units`` (assembly: supplier units per customer unit; only on nodes with several
    suppliers).
    """

    NODE_KEYS = ("name", "holding", "demand", "capacity", "role", "demand_weight")
    EDGE_KEYS = ("supplier", "customer", "lead_time", "capacity", "units")

    def __init__(
        self,
        *,
        nodes: list[dict] | None = None,
        edges: list[dict] | None = None,
        file: str | None = None,
        allocation: Any = "fifo",
        review_period: int = 1,
    ):
        super().__init__()
        self._init_common(review_period, allocation)
        if file is not None:  # a file replaces any inline nodes and edges
            nodes, edges = self._read(file)
        if not isinstance(nodes, list) or not nodes:
            raise ValueError(f"network.nodes(={nodes!r}) must be a list of nodes")
        if not isinstance(edges, list) or not edges:
            raise ValueError(f"network.edges(={edges!r}) must be a list of edges")
        self._node_specs = [self._spec("nodes", i, s, self.NODE_KEYS) for i, s in enumerate(nodes)]
        self._edge_specs = [self._spec("edges", i, s, self.EDGE_KEYS) for i, s in enumerate(edges)]
        for i, s in enumerate(self._node_specs):
            if "name" not in s:
                raise ValueError(f"network.nodes[{i}](={s!r}) needs a name")
        for i, s in enumerate(self._edge_specs):
            if "customer" not in s or "lead_time" not in s:
                raise ValueError(f"network.edges[{i}](={s!r}) needs a customer and a lead_time")
            s["lead_time"] = make_lead_time(s["lead_time"], f"network.edges[{i}].lead_time")
            supplier = s.get("supplier", EXTERNAL)
            s["supplier"] = None if supplier in (None, EXTERNAL) else supplier

    @staticmethod
    def _read(file: str) -> tuple[Any, Any]:
        import yaml

        path = Path(file)
        try:
            data = yaml.safe_load(path.read_text())
        except OSError as exc:
            raise ValueError(f"network.file(={file!r}) cannot be read: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0]
            raise ValueError(f"network.file(={file!r}) is not valid YAML: {first}") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"network.file(={file!r}) must hold a mapping with nodes and edges")
        if "network" in data and isinstance(data["network"], Mapping):
            data = data["network"]
        return data.get("nodes"), data.get("edges")

    @staticmethod
    def _spec(group: str, i: int, spec: Any, keys: tuple[str, ...]) -> dict:
        if not isinstance(spec, Mapping):
            raise ValueError(f"network.{group}[{i}](={spec!r}) must be a mapping")
        unknown = [k for k in spec if k not in keys]
        if unknown:
            raise ValueError(
                f"network.{group}[{i}].{unknown[0]}: unknown key; expected one of {list(keys)}"
            )
        return dict(spec)

    def _shape(self, costs: Costs) -> tuple[list[Node], list[Edge]]:
        nodes = []
        for s in self._node_specs:
            holding = s.get("holding")
            nodes.append(
                Node(
                    s["name"],
                    costs.holding if holding is None else holding,
                    bool(s.get("demand", False)),
                    s.get("capacity"),
                    str(s.get("role") or s["name"]),
                    s.get("demand_weight", 1.0),
                )
            )
        edges = [
            Edge(
                s["supplier"],
                s["customer"],
                copy.deepcopy(s["lead_time"]),
                s.get("capacity"),
                s.get("units"),
            )
            for s in self._edge_specs
        ]
        return nodes, edges
