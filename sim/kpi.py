"""Key performance indicators of a run, per replication and over replications.

Every KPI is measured after the warm-up and summed over all SKUs (and nodes, where it
applies); service KPIs count demand-facing nodes only. Rates are per period (per time unit
in continuous review); counts are totals over the measured horizon.

====================  =====================================================================
cost_per_period       holding + shortage + ordering + waste cost, all nodes and SKUs
holding_cost          on-hand stock at each node's local rate, plus stock in transit at the
                      shipping node's rate (free from the external supplier)
shortage_cost         backorder cost per unit backordered at period end, or lost-sale penalty
ordering_cost         fixed cost per order plus unit cost per unit ordered, or, with quantity
                      discounts (``costs.discounts``), plus each order's purchase cost on the
                      price schedule (all-units or incremental)
waste_cost            cost per perished unit discarded (``costs.waste``), per period
fill_rate             units served from stock on arrival / units demanded
cycle_service_level   fraction of SKU-periods without a stockout; a stockout period ends with
                      backorders or loses (or, in continuous review, backorders) some demand
stockout_periods      number of SKU-periods with a stockout
avg_on_hand           average on-hand stock, all nodes
avg_backorders        average customer backorders
avg_in_transit        average stock in transit or owed to nodes
lost_sales            units lost
waste                 perished units discarded per period, all nodes (Nahmias 1982)
orders_placed         orders placed, all nodes
disrupted_periods     node-periods cut off by an outage (the node's supply or the node itself)
====================  =====================================================================

Over replications each KPI gets its mean and the half-width of a 95% Student-t confidence
interval (replications are independent; ``ci95`` is ``None`` with one replication).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.engine import NodeTotals, SimulationOutput
from sim.network import Costs

__all__ = [
    "KPI_NAMES",
    "NODE_KPI_NAMES",
    "replication_kpis",
    "node_kpis",
    "echelon_kpis",
    "sku_kpis",
    "summarize",
]

KPI_NAMES = (
    "cost_per_period",
    "holding_cost",
    "shortage_cost",
    "ordering_cost",
    "waste_cost",
    "fill_rate",
    "cycle_service_level",
    "stockout_periods",
    "avg_on_hand",
    "avg_backorders",
    "avg_in_transit",
    "lost_sales",
    "waste",
    "orders_placed",
    "disrupted_periods",
)


def _node_costs(
    out: SimulationOutput, costs: Costs, backorder_mode: bool
) -> list[dict[str, np.ndarray]]:
    """Per node, per SKU cost rates (per period). Stock in transit on an edge (or waiting
    at an assembly node for the rest of its kit) is charged to the receiving node at the
    shipping node's local rate; from the external supplier it is free. ``waste`` is the
    cost of the node's perished units."""
    nodes = out.nodes
    by_name = {nd.name: nd for nd in nodes}
    index = {nd.name: i for i, nd in enumerate(nodes)}
    transit: list[np.ndarray | None] = [None] * len(nodes)
    edge_in_transit = np.zeros((0, 0)) if out.edge_in_transit is None else out.edge_in_transit
    for e, ed in enumerate(out.edges):
        i = index[ed.customer]
        rate = by_name[ed.supplier].holding if ed.supplier is not None else 0.0
        part = rate * edge_in_transit[e]
        earlier = transit[i]
        transit[i] = part if earlier is None else earlier + part
    rows = []
    for i, (nd, tot) in enumerate(zip(nodes, out.totals, strict=True)):
        periods = max(tot.n_periods, 1e-300)
        charged = transit[i]
        in_transit = charged if charged is not None else 0.0 * tot.in_transit
        holding = (nd.holding * tot.on_hand + in_transit) / periods
        if nd.demand_facing:
            shortage = (
                costs.backorder * tot.backorders if backorder_mode else costs.lost_sale * tot.lost
            ) / periods
        else:
            shortage = np.zeros_like(holding)
        if costs.discounts is None:
            ordering = (costs.order_fixed * tot.orders + costs.unit * tot.ordered) / periods
        else:
            ordering = (costs.order_fixed * tot.orders + _purchase(tot)) / periods
        waste = costs.waste * _waste(tot) / periods
        rows.append(
            {"holding": holding, "shortage": shortage, "ordering": ordering, "waste": waste}
        )
    return rows


def _purchase(tot: NodeTotals) -> np.ndarray:
    """Purchase cost of a node's measured orders, priced one by one on the discount
    schedule by the engine."""
    if tot.purchase is None:
        raise ValueError(
            "costs.discounts: this simulation priced no orders on the schedule "
            "(discounts need review=periodic, and PeriodicSimulation(discounts=...))"
        )
    return tot.purchase


def _waste(tot: NodeTotals) -> np.ndarray:
    """Perished units a node discarded in the measured periods, per SKU."""
    return tot.waste if tot.waste is not None else np.zeros_like(tot.on_hand)


def replication_kpis(out: SimulationOutput, costs: Costs, unmet_demand: str) -> dict[str, float]:
    """Scalar KPIs of one replication."""
    backorder_mode = unmet_demand == "backorder"
    node_costs = _node_costs(out, costs, backorder_mode)
    holding = sum(float(rates["holding"].sum()) for rates in node_costs)
    shortage = sum(float(rates["shortage"].sum()) for rates in node_costs)
    ordering = sum(float(rates["ordering"].sum()) for rates in node_costs)
    waste_cost = sum(float(rates["waste"].sum()) for rates in node_costs)
    front = [t for nd, t in zip(out.nodes, out.totals, strict=True) if nd.demand_facing]
    demand = sum(float(t.demand.sum()) for t in front)
    served = sum(float(t.served.sum()) for t in front)
    sku_periods = sum(t.n_periods * t.demand.shape[0] for t in front)
    stockouts = sum(float(t.stockout_periods.sum()) for t in front)
    periods = max(out.totals[0].n_periods, 1e-300)
    return {
        "cost_per_period": holding + shortage + ordering + waste_cost,
        "holding_cost": holding,
        "shortage_cost": shortage,
        "ordering_cost": ordering,
        "waste_cost": waste_cost,
        "fill_rate": served / demand if demand > 0 else math.nan,
        "cycle_service_level": 1.0 - stockouts / sku_periods if sku_periods > 0 else math.nan,
        "stockout_periods": stockouts,
        "avg_on_hand": sum(float(t.on_hand.sum()) for t in out.totals) / periods,
        "avg_backorders": sum(float(t.backorders.sum()) for t in front) / periods,
        "avg_in_transit": sum(float(t.in_transit.sum()) for t in out.totals) / periods,
        "lost_sales": sum(float(t.lost.sum()) for t in front),
        "waste": sum(float(_waste(t).sum()) for t in out.totals) / periods,
        "orders_placed": sum(float(t.orders.sum()) for t in out.totals),
        "disrupted_periods": sum(float(t.disrupted_periods) for t in out.totals),
    }


#: Per-node KPIs (``metrics.json`` ``"nodes"``); see :func:`node_kpis`.
NODE_KPI_NAMES = (
    "cost_per_period",
    "holding_cost",
    "shortage_cost",
    "ordering_cost",
    "waste_cost",
    "avg_on_hand",
    "avg_backorders",
    "avg_in_transit",
    "fill_rate",
    "waste",
    "orders_placed",
    "disrupted_periods",
    "bullwhip",
)


def _variance(total: np.ndarray, total_sq: np.ndarray, periods: float) -> float:
    """Summed over SKUs: the variance over periods of a per-period series, from its sum and
    sum of squares."""
    mean = total / periods
    return float(np.maximum(total_sq / periods - mean * mean, 0.0).sum())


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def node_kpis(out: SimulationOutput, costs: Costs, unmet_demand: str) -> dict[str, dict]:
    """KPIs of each node of one replication, by node name.

    ``avg_backorders`` at a demand-facing node counts its customers' backorders, at an
    upstream node the units it owes its customer nodes at period end; ``fill_rate`` is the
    share of customer demand served from stock, or at an upstream node the share of its
    customers' orders shipped in the period they were placed; ``bullwhip`` is the variance
    of the orders the node places over the variance of what is asked of it (customer demand
    and customers' orders), both per period and summed over SKUs (Lee, Padmanabhan & Whang
    1997); ``waste`` is the node's perished units discarded per period. Stock in transit
    counts at the receiving node.
    """
    node_costs = _node_costs(out, costs, unmet_demand == "backorder")
    result = {}
    for nd, tot, rates in zip(out.nodes, out.totals, node_costs, strict=True):
        periods = max(tot.n_periods, 1e-300)
        holding, shortage, ordering, waste_cost = (
            float(rates[k].sum()) for k in ("holding", "shortage", "ordering", "waste")
        )
        if nd.demand_facing:
            fill = _ratio(float(tot.served.sum()), float(tot.demand.sum()))
        elif tot.asked_children is not None and tot.short_children is not None:
            asked = float(tot.asked_children.sum())
            fill = _ratio(asked - float(tot.short_children.sum()), asked)
        else:
            fill = math.nan
        bullwhip = math.nan
        if tot.ordered_sq is not None and tot.incoming is not None and tot.incoming_sq is not None:
            bullwhip = _ratio(
                _variance(tot.ordered, tot.ordered_sq, periods),
                _variance(tot.incoming, tot.incoming_sq, periods),
            )
        result[nd.name] = {
            "cost_per_period": holding + shortage + ordering + waste_cost,
            "holding_cost": holding,
            "shortage_cost": shortage,
            "ordering_cost": ordering,
            "waste_cost": waste_cost,
            "avg_on_hand": float(tot.on_hand.sum()) / periods,
            "avg_backorders": float(tot.backorders.sum()) / periods,
            "avg_in_transit": float(tot.in_transit.sum()) / periods,
            "fill_rate": fill,
            "waste": float(_waste(tot).sum()) / periods,
            "orders_placed": float(tot.orders.sum()),
            "disrupted_periods": float(tot.disrupted_periods),
            "bullwhip": bullwhip,
        }
    return result


def echelon_kpis(out: SimulationOutput, echelon: np.ndarray) -> dict[str, dict[str, float]]:
    """Bullwhip per echelon (0: nodes with nothing below): summed order variance of its
    nodes over the summed variance of what is asked of them."""
    result = {}
    for k in range(int(np.max(echelon)) + 1):
        num = den = 0.0
        for i in np.flatnonzero(echelon == k):
            tot = out.totals[i]
            if tot.ordered_sq is None or tot.incoming is None or tot.incoming_sq is None:
                continue
            periods = max(tot.n_periods, 1e-300)
            num += _variance(tot.ordered, tot.ordered_sq, periods)
            den += _variance(tot.incoming, tot.incoming_sq, periods)
        result[str(k)] = {"bullwhip": _ratio(num, den)}
    return result


def sku_kpis(
    out: SimulationOutput, costs: Costs, unmet_demand: str, replication: int
) -> pd.DataFrame:
    """One row per (node, SKU) of one replication."""
    node_costs = _node_costs(out, costs, unmet_demand == "backorder")
    frames = []
    for nd, tot, rates in zip(out.nodes, out.totals, node_costs, strict=True):
        n = tot.on_hand.shape[0]
        periods = max(tot.n_periods, 1e-300)
        with np.errstate(invalid="ignore", divide="ignore"):
            fill = np.where(tot.demand > 0, tot.served / tot.demand, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "replication": replication,
                    "node": nd.name,
                    "sku": np.arange(n),
                    "cost_per_period": rates["holding"]
                    + rates["shortage"]
                    + rates["ordering"]
                    + rates["waste"],
                    "holding_cost": rates["holding"],
                    "shortage_cost": rates["shortage"],
                    "ordering_cost": rates["ordering"],
                    "waste_cost": rates["waste"],
                    "fill_rate": fill if nd.demand_facing else np.nan,
                    "cycle_service_level": 1.0 - tot.stockout_periods / periods
                    if nd.demand_facing
                    else np.nan,
                    "stockout_periods": tot.stockout_periods,
                    "avg_on_hand": tot.on_hand / periods,
                    "avg_backorders": tot.backorders / periods,
                    "avg_in_transit": tot.in_transit / periods,
                    "lost_sales": tot.lost,
                    "waste": _waste(tot) / periods,
                    "orders_placed": tot.orders,
                    "demand_per_period": tot.demand / periods,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def summarize(per_replication: list[dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Mean, 95% CI half-width and the per-replication values of every KPI."""
    out: dict[str, dict[str, Any]] = {}
    n = len(per_replication)
    for name in per_replication[0]:
        values = np.array([r[name] for r in per_replication], dtype=float)
        mean = float(np.mean(values))
        if n > 1:
            half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n))
        else:
            half = None
        if half is not None and math.isnan(half):
            half = None
        out[name] = {
            "mean": None if math.isnan(mean) else mean,
            "ci95": half,
            "per_replication": [None if math.isnan(v) else float(v) for v in values],
        }
    return out
