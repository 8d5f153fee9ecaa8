"""Key performance indicators of a run, per replication and over replications.

Every KPI is measured after the warm-up and summed over all SKUs (and nodes, where it
applies); service KPIs count demand-facing nodes only. Rates are per period (per time unit
in continuous review); counts are totals over the measured horizon.

====================  =====================================================================
cost_per_period       holding + shortage + ordering cost, all nodes and SKUs
holding_cost          on-hand stock at each node's local rate, plus stock in transit at the
                      shipping node's rate (free from the external supplier)
shortage_cost         backorder cost per unit backordered at period end, or lost-sale penalty
ordering_cost         fixed cost per order plus unit cost per unit ordered
fill_rate             units served from stock on arrival / units demanded
cycle_service_level   fraction of SKU-periods without a stockout; a stockout period ends with
                      backorders or loses (or, in continuous review, backorders) some demand
stockout_periods      number of SKU-periods with a stockout
avg_on_hand           average on-hand stock, all nodes
avg_backorders        average customer backorders
avg_in_transit        average stock in transit or owed to nodes
lost_sales            units lost
orders_placed         orders placed, all nodes
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

from sim.engine import SimulationOutput
from sim.network import Costs

__all__ = ["KPI_NAMES", "replication_kpis", "sku_kpis", "summarize"]

KPI_NAMES = (
    "cost_per_period",
    "holding_cost",
    "shortage_cost",
    "ordering_cost",
    "fill_rate",
    "cycle_service_level",
    "stockout_periods",
    "avg_on_hand",
    "avg_backorders",
    "avg_in_transit",
    "lost_sales",
    "orders_placed",
)


def _node_costs(
    out: SimulationOutput, costs: Costs, backorder_mode: bool
) -> list[dict[str, np.ndarray]]:
    """Per node, per SKU cost rates (per period)."""
    nodes = out.nodes
    by_name = {nd.name: nd for nd in nodes}
    rows = []
    for nd, tot in zip(nodes, out.totals, strict=True):
        T = max(tot.n_periods, 1e-300)
        transit_rate = by_name[nd.supplier].holding if nd.supplier in by_name else 0.0
        holding = (nd.holding * tot.on_hand + transit_rate * tot.in_transit) / T
        if nd.demand_facing:
            shortage = (
                costs.backorder * tot.backorders if backorder_mode else costs.lost_sale * tot.lost
            ) / T
        else:
            shortage = np.zeros_like(holding)
        ordering = (costs.order_fixed * tot.orders + costs.unit * tot.ordered) / T
        rows.append({"holding": holding, "shortage": shortage, "ordering": ordering})
    return rows


def replication_kpis(out: SimulationOutput, costs: Costs, unmet_demand: str) -> dict[str, float]:
    """Scalar KPIs of one replication."""
    backorder_mode = unmet_demand == "backorder"
    nc = _node_costs(out, costs, backorder_mode)
    holding = sum(float(c["holding"].sum()) for c in nc)
    shortage = sum(float(c["shortage"].sum()) for c in nc)
    ordering = sum(float(c["ordering"].sum()) for c in nc)
    front = [t for nd, t in zip(out.nodes, out.totals, strict=True) if nd.demand_facing]
    demand = sum(float(t.demand.sum()) for t in front)
    served = sum(float(t.served.sum()) for t in front)
    sku_periods = sum(t.n_periods * t.demand.shape[0] for t in front)
    stockouts = sum(float(t.stockout_periods.sum()) for t in front)
    T = max(out.totals[0].n_periods, 1e-300)
    return {
        "cost_per_period": holding + shortage + ordering,
        "holding_cost": holding,
        "shortage_cost": shortage,
        "ordering_cost": ordering,
        "fill_rate": served / demand if demand > 0 else math.nan,
        "cycle_service_level": 1.0 - stockouts / sku_periods if sku_periods > 0 else math.nan,
        "stockout_periods": stockouts,
        "avg_on_hand": sum(float(t.on_hand.sum()) for t in out.totals) / T,
        "avg_backorders": sum(float(t.backorders.sum()) for t in front) / T,
        "avg_in_transit": sum(float(t.in_transit.sum()) for t in out.totals) / T,
        "lost_sales": sum(float(t.lost.sum()) for t in front),
        "orders_placed": sum(float(t.orders.sum()) for t in out.totals),
    }


def sku_kpis(
    out: SimulationOutput, costs: Costs, unmet_demand: str, replication: int
) -> pd.DataFrame:
    """One row per (node, SKU) of one replication."""
    nc = _node_costs(out, costs, unmet_demand == "backorder")
    frames = []
    for nd, tot, c in zip(out.nodes, out.totals, nc, strict=True):
        n = tot.on_hand.shape[0]
        T = max(tot.n_periods, 1e-300)
        with np.errstate(invalid="ignore", divide="ignore"):
            fill = np.where(tot.demand > 0, tot.served / tot.demand, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "replication": replication,
                    "node": nd.name,
                    "sku": np.arange(n),
                    "cost_per_period": c["holding"] + c["shortage"] + c["ordering"],
                    "holding_cost": c["holding"],
                    "shortage_cost": c["shortage"],
                    "ordering_cost": c["ordering"],
                    "fill_rate": fill if nd.demand_facing else np.nan,
                    "cycle_service_level": 1.0 - tot.stockout_periods / T
                    if nd.demand_facing
                    else np.nan,
                    "stockout_periods": tot.stockout_periods,
                    "avg_on_hand": tot.on_hand / T,
                    "avg_backorders": tot.backorders / T,
                    "avg_in_transit": tot.in_transit / T,
                    "lost_sales": tot.lost,
                    "orders_placed": tot.orders,
                    "demand_per_period": tot.demand / T,
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
        out[name] = {
            "mean": mean,
            "ci95": half,
            "per_replication": [None if math.isnan(v) else float(v) for v in values],
        }
    return out
