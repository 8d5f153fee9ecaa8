"""Echelon base-stock levels for an assembly system: Rosling's (1989) equivalent serial
system.

A product (node 0) faces iid customer demand and backorders what it cannot meet at
``backorder`` (p) per unit per period. It is assembled from K components, one unit of
each: component k is supplied by an external source that never runs out in ``l_k``
periods, and a kit of all K components becomes a finished product ``l_0`` periods
(``assembly_lead_time``) after it is released. Stock costs its local holding rate
``h'_k`` at component k and ``h'_0 >= sum_k h'_k`` at the product; a kit in assembly is
charged at its shippers' rates ``sum_k h'_k``, stock in transit from the external
sources at nothing (the Stocklab accounting).

Rosling, "Optimal inventory policies for assembly systems under random demands",
*Operations Research* 37(4), 1989, shows that, once the echelon positions are *balanced*
(no component is held beyond what the slower components will let be assembled), the
system behaves as a serial system. Order the items by their cumulative lead time, the
time from ordering to finished product: ``M_0 = l_0`` for the product and
``M_k = l_0 + l_k`` for component k. Components with equal ``M_k`` move in step and form
one stage. With ``M_(1) < M_(2) < ...`` the distinct component values, the equivalent
chain is

    stage 1 (product):         lead time l_0,                echelon holding h'_0 - sum_k h'_k
    stage g + 1 (group g):     lead time M_(g) - M_(g-1),    echelon holding sum_{k in g} h'_k

(``M_(0) = l_0``). Its Clark & Scarf (1960) levels, by the Chen & Zheng (1994) recursion
of :mod:`policies.optimal.serial`, are optimal for the assembly system: the product orders
up to ``S_1`` (releasing kits as far as the components allow) and group g orders up to
``min(S_{g+1}, Q_{g+2})``, where ``Q_{g+2}`` is the next slower group's echelon stock on
hand or due within group g's own lead time. Every component shares its group's level. See
also Chen & Zheng, "Lower bounds for multi-echelon stochastic inventory systems",
*Management Science* 40(11), 1994, and Snyder & Shen, *Fundamentals of Supply Chain
Theory*, 2nd ed., Ch. 6.

**Levels.** A stage can never raise its echelon position above the stage upstream of it,
so levels ``S_j`` are replaced by ``min(S_j, S_{j+1}, ..., S_N)``: the same dynamics and
cost, and levels that never fall along the chain (the raw solution can fall when an upstream
echelon holding rate is large against the demand).

**Cost.** The serial chain holds group g's units in transit to group g - 1 for
``M_(g) - M_(g-1)`` periods at the local rate of its stage, while in the assembly system
those units are still on their way from the external source, at no cost, for the last
``M_(g-1) - l_0`` of those periods. Holding costs are linear in the echelon levels, so
the assembly system's expected cost per period is the serial chain's less the constant

    mean * sum_g (sum_{k in g} h'_k) (M_(g-1) - l_0),

zero for one group (e.g. K = 1, or all components with the same lead time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from policies.optimal.newsvendor import _check
from policies.optimal.serial import (
    SerialSolution,
    SolverFamily,
    clark_scarf_normal,
    clark_scarf_poisson,
    echelon_to_local_holding,
)

__all__ = ["AssemblyLevels", "RoslingChain", "assembly_echelon_levels", "rosling_serial_order"]


@dataclass(frozen=True, slots=True)
class RoslingChain:
    """Rosling's equivalent serial chain of an assembly system, stage 1 (the product)
    first.

    ``groups[j]`` holds the nodes of stage j + 1: ``(0,)`` (the product) for stage 1,
    then component indices (``1 + k`` for the k-th component in input order), fastest
    group first. ``lead_times[j]``, ``echelon_holding[j]`` and ``cumulative_lead_times[j]``
    are the stage's lead time in the chain, its echelon holding rate and its items'
    cumulative lead time (order to finished product). ``stage_of_node[i]`` is the stage
    index (0-based) of node i, product first."""

    groups: tuple[tuple[int, ...], ...]
    lead_times: np.ndarray
    echelon_holding: np.ndarray
    cumulative_lead_times: np.ndarray
    stage_of_node: np.ndarray

    @property
    def local_holding(self) -> np.ndarray:
        """Local holding rates of the chain's stages, ``sum`` of the echelon rates at and
        above each (stage 1's is the product's own rate; a component stage's is the value
        of a kit of it and every slower component)."""
        return echelon_to_local_holding(self.echelon_holding)

    def transit_credit(self, mean: float) -> float:
        """What the serial chain charges, per period in expectation, for component stock
        that the assembly system still has in transit from the external source:
        ``mean * sum_g H_g (M_(g-1) - l_0)`` (see the module docstring)."""
        head_start = self.cumulative_lead_times[:-1] - self.cumulative_lead_times[0]
        return float(mean * np.dot(self.echelon_holding[1:], head_start))


@dataclass(frozen=True, slots=True)
class AssemblyLevels:
    """Echelon base-stock levels of an assembly system, product first and then the
    components in input order (a component's echelon position counts its own stock and
    pipeline, every kit in assembly and the product's net stock), and the optimal
    expected cost per period. ``chain`` and ``serial`` are the equivalent serial chain and
    its raw Clark & Scarf solution (whose cost includes ``chain.transit_credit``)."""

    levels: np.ndarray
    cost: float
    chain: RoslingChain
    serial: SerialSolution

    @property
    def product(self) -> float:
        return float(self.levels[0])

    @property
    def components(self) -> np.ndarray:
        return self.levels[1:]


def rosling_serial_order(
    component_lead_times: ArrayLike, assembly_lead_time: float, local_holding: ArrayLike
) -> RoslingChain:
    """Rosling's (1989) equivalent serial chain of an assembly system: components grouped
    by cumulative lead time ``assembly_lead_time + component_lead_times[k]``, fastest
    first; stage lead times are the differences of the sorted cumulative lead times and
    echelon holding rates the groups' summed local rates. ``local_holding`` lists the
    components' local rates, then the product's (which must be at least their sum)."""
    lead = _check("component_lead_times", component_lead_times, strict=False).reshape(-1)
    if lead.size == 0:
        raise ValueError("component_lead_times(=[]) must list at least one component")
    lead_0 = float(_check("assembly_lead_time", assembly_lead_time, strict=False))
    holding = _check("local_holding", local_holding, strict=False).reshape(-1)
    if holding.size != lead.size + 1:
        raise ValueError(
            f"local_holding(={holding.tolist()!r}) must have one rate per component "
            f"({lead.size}) and then the product's"
        )
    h_components, h_product = holding[:-1], float(holding[-1])
    kit = float(h_components.sum())
    if h_product < kit:
        raise ValueError(
            f"local_holding(={h_product!r}) of the product must be >= the sum of its "
            f"components' rates ({kit!r}): assembly must not lower an item's holding cost"
        )
    distinct = np.unique(lead)  # sorted
    groups: list[tuple[int, ...]] = [(0,)]
    stage_of_node = np.zeros(lead.size + 1, dtype=np.int64)
    for j, value in enumerate(distinct, start=1):
        members = np.flatnonzero(lead == value)
        groups.append(tuple(int(k) + 1 for k in members))
        stage_of_node[members + 1] = j
    group_holding = [float(h_components[lead == value].sum()) for value in distinct]
    return RoslingChain(
        groups=tuple(groups),
        lead_times=np.concatenate([[lead_0], np.diff(distinct, prepend=0.0)]),
        echelon_holding=np.array([h_product - kit, *group_holding]),
        cumulative_lead_times=np.concatenate([[lead_0], lead_0 + distinct]),
        stage_of_node=stage_of_node,
    )


def assembly_echelon_levels(
    component_lead_times: ArrayLike,
    assembly_lead_time: float,
    local_holding: ArrayLike,
    backorder: float,
    mean: float,
    std: float | None,
    family: SolverFamily,
    grid_step: float | None = None,
) -> AssemblyLevels:
    """Optimal echelon base-stock levels of an assembly system (Rosling 1989): the Clark &
    Scarf levels of the equivalent serial chain (:func:`rosling_serial_order`), by
    :func:`~policies.optimal.serial.clark_scarf_poisson` (``family="poisson"``, whole
    lead times) or :func:`~policies.optimal.serial.clark_scarf_normal` (``"normal"``,
    demand ``N(mean, std^2)`` per period, on a grid of step ``grid_step``; None: its
    default), made non-decreasing along the chain and mapped back to the nodes, product
    first, then the components in input order. ``grid_step`` is ignored for Poisson."""
    chain = rosling_serial_order(component_lead_times, assembly_lead_time, local_holding)
    solver = _SOLVERS.get(family)
    if solver is None:
        raise ValueError(f"family(={family!r}) must be one of {sorted(_SOLVERS)}")
    serial = solver(mean, std, chain.echelon_holding, chain.lead_times, backorder, grid_step)
    effective = np.minimum.accumulate(serial.levels[::-1])[::-1]
    return AssemblyLevels(
        levels=effective[chain.stage_of_node],
        cost=serial.cost - chain.transit_credit(mean),
        chain=chain,
        serial=serial,
    )


def _normal(mean, std, echelon, lead, backorder, grid_step=None) -> SerialSolution:
    if std is None:
        raise ValueError("std(=None) must be given for family='normal'")
    return clark_scarf_normal(mean, std, echelon, lead, backorder, grid_step)


def _poisson(mean, std, echelon, lead, backorder, grid_step=None) -> SerialSolution:
    return clark_scarf_poisson(mean, echelon, lead, backorder)  # exact on the integers


_SOLVERS = {"normal": _normal, "poisson": _poisson}
