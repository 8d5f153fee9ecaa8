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

Constructor parameters are keyword-only and are the YAML keys one to one; ``__init__``
validates them and names the bad key and value in the error. :func:`check_policy` checks
a policy against this contract and is run over every file in ``conf/policy/``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecasters.base import Forecast

__all__ = [
    "InventoryState",
    "PlanningContext",
    "NetworkContext",
    "Policy",
    "MissingParameterError",
    "check_policy",
    "as_sku_array",
    "finite_param",
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
        p = self.protection_periods
        var = p * self.demand_std**2 + self.demand_mean**2 * self.lead_time_std**2
        return np.sqrt(var)


@dataclass(frozen=True)
class NetworkContext:
    """Planning view of a whole network: one :class:`PlanningContext` per stocking node,
    downstream first (for a serial chain: stage 1 faces customer demand). ``local_holding``
    gives each node's holding cost per unit per period."""

    nodes: list[PlanningContext] = field(default_factory=list)

    @property
    def local_holding(self) -> list[np.ndarray]:
        return [n.holding for n in self.nodes]


class MissingParameterError(ValueError):
    """A policy parameter is missing and cannot be derived for this scenario."""


def finite_param(key: str, value: Any) -> Any:
    """A level-type parameter from the config: ``None`` (to be derived), a finite number,
    or a list of finite per-SKU numbers (returned as an array); else a ValueError."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{key}(={value!r}) must be finite")
    return value if arr.ndim == 0 else arr


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
        return [self.prepare(node) for node in context.nodes]

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
    n = context.n_skus
    scale = float(np.max(context.protection_mean)) + 1.0
    forecast = None
    if getattr(prepared, "needs_forecast", False):
        P = np.ceil(context.protection_periods).astype(np.int64)
        h = int(P.max())
        forecast = Forecast(
            time=0.0,
            mean=np.tile(context.demand_mean, (h, 1)),
            std=np.tile(context.demand_std, (h, 1)),
            sum_std=np.sqrt(np.arange(1, h + 1))[:, None] * context.demand_std[None, :],
            protection_periods=P,
        )
    for k in range(n_states):
        on_hand = np.floor(rng.uniform(0, 3 * scale, n))
        backorders = np.where(rng.uniform(size=n) < 0.3, np.floor(rng.uniform(0, scale, n)), 0.0)
        backorders[on_hand > 0] = 0.0
        on_order = np.floor(rng.uniform(0, 2 * scale, n))
        state = InventoryState(
            float(k), on_hand, backorders, on_order, on_hand + on_order - backorders
        )
        copies = [a.copy() for a in (on_hand, backorders, on_order)]
        q = prepared.order_quantity(state, forecast)
        q2 = prepared.order_quantity(state, forecast)
        if not isinstance(q, np.ndarray) or q.shape != (n,):
            raise AssertionError(
                f"order_quantity must return shape ({n},), got {getattr(q, 'shape', type(q))}"
            )
        if not np.all(np.isfinite(q)) or np.any(q < 0):
            raise AssertionError(f"order_quantity returned negative or non-finite orders: {q[:5]}")
        if not np.array_equal(q, q2):
            raise AssertionError("order_quantity is not deterministic in its inputs")
        for before, after in zip(copies, (on_hand, backorders, on_order), strict=True):
            if not np.array_equal(before, after):
                raise AssertionError("order_quantity modified its input state")
    return prepared
