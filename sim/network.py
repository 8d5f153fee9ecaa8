"""Supply networks: stocking nodes joined by supply edges.

A network is a list of *stocking nodes* (stores, warehouses, distribution centres), each
holding all SKUs, and *edges* that say who supplies whom and how long shipments take.
Nodes are listed downstream first: node 0 faces customer demand. Every node has one
supplier: another node of the network, or the external supplier (unlimited, or capacitated
per SKU and period). This covers the single-node and serial systems built here; a
distribution network (one DC feeding many stores) is the same model with several nodes
naming the same supplier, and assembly adds edges per component: the engine walks
``Network.nodes`` in this order and never assumes a chain.

Costs (per unit per period, per SKU arrays after :meth:`Network.bind`):

* holding: charged on each node's end-of-period on-hand stock at that node's *local*
  holding rate, and on stock in transit to a node at the rate of the node that shipped it
  (it still owns the goods); goods in transit from the external supplier cost nothing;
* backorder or lost-sale penalty: at demand-facing nodes only, per unit backordered at
  period end or per unit lost;
* ordering: a fixed cost per order placed and a unit cost per unit ordered.

This is the cost accounting of Clark & Scarf (1960) and Chen & Zheng (1994) for serial
systems, under which local holding rates are sums of echelon rates.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import leadtime as lt

__all__ = ["Costs", "Node", "Network", "Single", "Serial", "EXTERNAL", "make_lead_time"]

EXTERNAL = "supplier"
UNMET_MODES = ("backorder", "lost_sales")


def _non_negative(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}(={value!r}) must be a number") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name}(={value!r}) must be >= 0")
    return v


@dataclass(frozen=True)
class Costs:
    """Cost rates shared by all SKUs (``costs.*`` in the configuration)."""

    holding: float = 1.0
    backorder: float = 9.0
    lost_sale: float = 9.0
    order_fixed: float = 0.0
    unit: float = 0.0

    def __post_init__(self) -> None:
        for name in ("holding", "backorder", "lost_sale", "order_fixed", "unit"):
            object.__setattr__(self, name, _non_negative(f"costs.{name}", getattr(self, name)))


def make_lead_time(value: Any, key: str = "network.lead_time") -> lt.LeadTimeModel:
    """A lead-time model from a config value: a number means a deterministic lead time."""
    if isinstance(value, lt.LeadTimeModel):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{key}(={value!r}) must be a number of periods or a lead-time model")
    if isinstance(value, int | float | np.integer | np.floating):
        if value < 0:
            raise ValueError(f"{key}(={value}) must be >= 0")
        if float(value) != int(value):
            raise ValueError(f"{key}(={value}) must be a whole number of periods")
        return lt.Deterministic(value=int(value))
    raise ValueError(f"{key}(={value!r}) must be a number of periods or a lead-time model")


@dataclass
class Node:
    """A stocking node. ``supplier`` names the upstream node or :data:`EXTERNAL`."""

    name: str
    supplier: str
    lead_time: lt.LeadTimeModel
    holding: float
    demand_facing: bool = False
    supplier_capacity: float | None = None  # units per SKU per period from EXTERNAL


@dataclass
class Network:
    """Base class of network shapes. Subclasses build ``nodes`` (downstream first)."""

    review_period: int = 1
    nodes: list[Node] = field(default_factory=list)

    def _check_review(self) -> None:
        r = self.review_period
        if isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 1:
            raise ValueError(f"network.review_period(={r!r}) must be an integer >= 1")

    def build(self, costs: Costs) -> list[Node]:  # pragma: no cover - abstract
        raise NotImplementedError

    def index(self, name: str) -> int:
        for i, n in enumerate(self.nodes):
            if n.name == name:
                return i
        raise KeyError(name)

    def supplier_index(self, i: int) -> int | None:
        """Index of node ``i``'s supplier, or None for the external supplier."""
        s = self.nodes[i].supplier
        return None if s == EXTERNAL else self.index(s)

    def children(self, i: int) -> list[int]:
        return [j for j in range(len(self.nodes)) if self.supplier_index(j) == i]


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
        super().__init__(review_period=review_period)
        self._check_review()
        self.lead_time = make_lead_time(lead_time)
        if supplier_capacity is not None:
            supplier_capacity = _non_negative("network.supplier_capacity", supplier_capacity)
        self.supplier_capacity = supplier_capacity
        self.name = name

    def build(self, costs: Costs) -> list[Node]:
        self.nodes = [
            Node(self.name, EXTERNAL, self.lead_time, costs.holding, True, self.supplier_capacity)
        ]
        return self.nodes


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
        super().__init__(review_period=review_period)
        self._check_review()
        if isinstance(stages, bool) or not isinstance(stages, int | np.integer) or stages < 1:
            raise ValueError(f"network.stages(={stages!r}) must be an integer >= 1")
        self.stages = int(stages)
        if (
            isinstance(lead_time, list | tuple)
            or hasattr(lead_time, "__len__")
            and not isinstance(lead_time, str | dict)
        ):
            values = list(lead_time)
            if len(values) != self.stages:
                raise ValueError(
                    f"network.lead_time(={values}) must have one entry per stage ({self.stages})"
                )
        else:
            values = [lead_time] * self.stages
        # deep copies: a shared lead-time model must not share per-SKU state between stages
        self.lead_times = [
            make_lead_time(copy.deepcopy(v), f"network.lead_time[{i}]")
            for i, v in enumerate(values)
        ]
        if holding is not None:
            holding = list(holding)
            if len(holding) != self.stages:
                raise ValueError(
                    f"network.holding(={holding}) must have one entry per stage ({self.stages})"
                )
            holding = [_non_negative(f"network.holding[{i}]", h) for i, h in enumerate(holding)]
        self.holding = holding
        if supplier_capacity is not None:
            supplier_capacity = _non_negative("network.supplier_capacity", supplier_capacity)
        self.supplier_capacity = supplier_capacity

    def build(self, costs: Costs) -> list[Node]:
        n = self.stages
        holding = self.holding or [costs.holding * (n - j) / n for j in range(n)]
        nodes = []
        for j in range(n):
            supplier = f"stage{j + 2}" if j + 1 < n else EXTERNAL
            cap = self.supplier_capacity if j + 1 == n else None
            nodes.append(
                Node(f"stage{j + 1}", supplier, self.lead_times[j], holding[j], j == 0, cap)
            )
        self.nodes = nodes
        return nodes
