"""How a periodic run lays out its columns: replications side by side, SKUs in blocks.

The engine works on every SKU column of a node at once, and most of its cost per period
is numpy's fixed cost per call, the same for 1 column as for a few thousand. So:

*Replications side by side* (small models). ``R`` replications of ``n`` SKUs run as the
``R n`` columns of one run: replication ``k`` is columns ``k n .. k n + n - 1``, with the
demand and lead times of its own named streams. Nothing in the engine mixes columns, so
each replication's output, cut back out of the run, is the one it gives alone, bit for
bit. Groups stay below :data:`SIDE_BY_SIDE_COLUMNS` columns and
:data:`SIDE_BY_SIDE_BYTES` of demand.

*SKUs in blocks* (large assortments). Past :data:`SKU_BLOCK` SKUs a replication runs block
by block: each block's demand is drawn on its own from counter-based uniforms keyed by
(stream, period, SKU) (:meth:`sim.demand.DemandModel.sample_block`), the block is
simulated, and its per-SKU sums are kept. Memory then grows with ``n_skus`` (the sums)
and not with ``n_skus x horizon`` (the demand), and a SKU's result does not depend on the
block it falls in: two block sizes give the same run.

Both need columns that nothing couples and nothing random drawn during the run
(:func:`side_by_side_obstacle`, :func:`block_obstacle` name what stands in the way);
otherwise replications run one at a time, all SKUs at once, as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from policies.base import Policy, take_columns
from sim.engine import PeriodicSimulation, SimulationOutput
from sim.rng import Streams

if TYPE_CHECKING:
    from sim.runner import Scenario

__all__ = [
    "SIDE_BY_SIDE_COLUMNS",
    "SIDE_BY_SIDE_BYTES",
    "SKU_BLOCK",
    "draw",
    "build_simulation",
    "side_by_side_obstacle",
    "replication_batches",
    "side_by_side",
    "block_obstacle",
    "sku_blocks",
    "in_blocks",
    "cut_columns",
    "join_columns",
]

#: Replications run side by side only while their columns (replications x SKUs) stay
#: below this: past a few thousand columns numpy's cost per call is already spread thin,
#: and wider arrays only leave the cache.
SIDE_BY_SIDE_COLUMNS = 4096
#: ... and while their demand (periods x demand nodes x columns, float64) fits in this.
SIDE_BY_SIDE_BYTES = 256 * 2**20
#: Runs of more SKUs than this go block by block, this many SKUs a block.
SKU_BLOCK = 16_384


def draw(scenario: Scenario, streams: Streams, rep: int, horizon: int) -> tuple[np.ndarray, list]:
    """Replication ``rep``'s demand ``(horizon, demand nodes, SKUs)`` and lead times (per
    edge: the constant, or a ``(horizon, SKUs)`` grid), from their named streams."""
    net = scenario.network
    demand = np.stack(
        [
            scenario.demand.sample_at(nd, streams.get(nd.demand_stream, rep), 0, horizon)
            for nd in (net.nodes[j] for j in net.topology.demand_nodes)
        ],
        axis=1,
    )
    lead_times: list = []
    for e, edge in enumerate(net.edges):
        model = edge.lead_time
        if model.constant is not None:
            lead_times.append(model.constant)
        else:
            key = net.lead_time_stream(e)
            lead_times.append(model.sample(streams.get(f"lead_time/{key}", rep), horizon))
    return demand, lead_times


def _coupled(scenario: Scenario, policies: list[Policy]) -> str | None:
    """What ties a run's columns together or draws during the run (None: nothing)."""
    net = scenario.network
    top = net.topology
    if scenario.review_mode.columns_obstacle is not None:
        return scenario.review_mode.columns_obstacle
    if scenario.forecaster is not None:
        return "forecasters are fitted per replication"
    if scenario.disruption is not None:
        return "outages stop whole nodes, drawn per replication"
    if any(top.outbound[i].size > 1 for i in range(top.n_nodes)):
        return "allocation at a supplier with several customers draws per replication"
    if any(nd.capacity is not None for nd in net.nodes):
        return "a node's capacity is shared by all its SKUs"
    if not all(p.columnwise for p in policies):
        return "the policy is not columnwise (policies.base.Policy.columnwise)"
    return None


def side_by_side_obstacle(scenario: Scenario, policies: list[Policy]) -> str | None:
    """Why the replications of this run must run one at a time (None: they need not)."""
    return _coupled(scenario, policies)


def replication_batches(
    scenario: Scenario, policies: list[Policy], replications: int, horizon: int
) -> list[list[int]]:
    """The replications in groups that run side by side (groups of one run alone)."""
    n = scenario.n_skus
    d = scenario.network.topology.demand_nodes.size
    per_group = min(SIDE_BY_SIDE_COLUMNS // n, SIDE_BY_SIDE_BYTES // (8 * horizon * d * n))
    if replications == 1 or per_group < 2 or side_by_side_obstacle(scenario, policies):
        return [[rep] for rep in range(replications)]
    reps = list(range(replications))
    return [reps[i : i + per_group] for i in range(0, replications, per_group)]


def build_simulation(
    scenario: Scenario,
    policies: list[Policy],
    demand: np.ndarray,
    lead_times: list,
    warmup: int,
    initial: list[np.ndarray],
    shelf_life: np.ndarray | None,
    **options: Any,
) -> PeriodicSimulation:
    """The engine for ``scenario``'s network, costs and rules with these columns' demand,
    lead times, initial stock and shelf lives; ``options`` go to
    :class:`sim.engine.PeriodicSimulation` (traces, forecasts, allocation, outages)."""
    net = scenario.network
    return PeriodicSimulation(
        nodes=net.nodes,
        edges=net.edges,
        topology=net.topology,
        policies=policies,
        demand=demand,
        lead_times=lead_times,
        unmet_demand=scenario.unmet_demand,
        review_period=net.review_period,
        warmup=warmup,
        initial_on_hand=initial,
        shelf_life=shelf_life,
        discounts=scenario.costs.price_schedule,
        **options,
    )


def side_by_side(
    scenario: Scenario,
    policies: list[Policy],
    streams: Streams,
    reps: list[int],
    horizon: int,
    warmup: int,
    initial: list[np.ndarray],
    trace_skus: int = 0,
) -> list[SimulationOutput]:
    """Replications ``reps`` as the columns of one periodic run; one output per
    replication, equal to running it alone. The caller checks
    :func:`side_by_side_obstacle` first."""
    n, width = scenario.n_skus, len(reps)
    columns = np.tile(np.arange(n), width)
    taken = [p for p in (take_columns(p, n, columns) for p in policies) if p is not None]
    if len(taken) < len(policies):
        raise ValueError("side_by_side: every policy must be columnwise")
    demands, grids = [], []
    for rep in reps:
        scenario.demand.begin_replication(streams.get("demand", rep))
        demand, lead_times = draw(scenario, streams, rep, horizon)
        demands.append(demand)
        grids.append(lead_times)
    lead_times = [
        per_rep[0] if np.ndim(per_rep[0]) == 0 else np.concatenate(per_rep, axis=1)
        for per_rep in zip(*grids, strict=True)
    ]
    shelf_life = scenario.demand.shelf_lives(n)
    k = min(int(trace_skus), n)
    out = build_simulation(
        scenario,
        taken,
        np.concatenate(demands, axis=-1),
        lead_times,
        warmup,
        [np.tile(x, width) for x in initial],
        None if shelf_life is None else np.tile(shelf_life, width),
        trace_columns=(np.arange(width)[:, None] * n + np.arange(k)).ravel() if k else None,
    ).run()
    return [
        cut_columns(out, slice(i * n, (i + 1) * n), slice(i * k, (i + 1) * k)) for i in range(width)
    ]


def block_obstacle(scenario: Scenario, policies: list[Policy]) -> str | None:
    """Why this run must draw and simulate all its SKUs at once (None: it can go block by
    block)."""
    coupled = _coupled(scenario, policies)
    if coupled is not None:
        return coupled
    if not scenario.demand.draws_blocks:
        return (
            f"demand '{scenario.demand.family}' draws all SKUs at once "
            "(sim.demand.DemandModel.draws_blocks)"
        )
    if any(edge.lead_time.constant is None for edge in scenario.network.edges):
        return "random lead times are drawn for all SKUs at once"
    return None


def sku_blocks(scenario: Scenario, policies: list[Policy]) -> list[slice]:
    """The SKU blocks of a replication: one block of all SKUs unless the run is larger
    than :data:`SKU_BLOCK` and can go block by block."""
    n = scenario.n_skus
    if n <= SKU_BLOCK or block_obstacle(scenario, policies) is not None:
        return [slice(0, n)]
    return [slice(a, min(a + SKU_BLOCK, n)) for a in range(0, n, SKU_BLOCK)]


def in_blocks(
    scenario: Scenario,
    policies: list[Policy],
    streams: Streams,
    rep: int,
    horizon: int,
    warmup: int,
    initial: list[np.ndarray],
    blocks: list[slice],
    trace_skus: int = 0,
    done: Callable[[], None] | None = None,
) -> SimulationOutput:
    """Replication ``rep``, SKU block by SKU block (:func:`sku_blocks`): each block's
    demand drawn on its own from counter-based uniforms, so the result does not depend on
    the blocks; ``done`` is called after each block. The caller checks
    :func:`block_obstacle` first."""
    net = scenario.network
    n = scenario.n_skus
    scenario.demand.begin_replication(streams.get("demand", rep))
    facing = [net.nodes[j] for j in net.topology.demand_nodes]
    keys = [_key(streams.get(nd.demand_stream, rep)) for nd in facing]
    lead_times = [edge.lead_time.constant for edge in net.edges]
    shelf_life = scenario.demand.shelf_lives(n)
    k = min(int(trace_skus), n)
    outs = []
    for block in blocks:
        columns = np.arange(block.start, block.stop)
        taken = [p for p in (take_columns(p, n, columns) for p in policies) if p is not None]
        if len(taken) < len(policies):
            raise ValueError("in_blocks: every policy must be columnwise")
        parts = [
            scenario.demand.sample_block(nd, key, 0, horizon, block)
            for nd, key in zip(facing, keys, strict=True)
        ]
        # (periods, facing nodes, SKUs); one node's draws need no copy
        demand = parts[0][:, None, :] if len(parts) == 1 else np.stack(parts, axis=1)
        traced = np.arange(block.start, min(block.stop, k)) - block.start
        outs.append(
            build_simulation(
                scenario,
                taken,
                demand,
                lead_times,
                warmup,
                [x[block] for x in initial],
                None if shelf_life is None else shelf_life[block],
                trace_columns=traced if k else None,
            ).run()
        )
        if done is not None:
            done()
    return join_columns(outs)


def _key(rng: np.random.Generator) -> int:
    """A 64-bit odd key for counter-based uniforms, drawn from a named stream."""
    return int(rng.integers(0, 2**63, dtype=np.int64)) * 2 + 1


def _merge(
    outs: list[SimulationOutput],
    arrays: Callable[[list[np.ndarray]], np.ndarray],
    traced: Callable[[list[np.ndarray]], np.ndarray],
) -> SimulationOutput:
    """One output from the same fields of ``outs`` (one output to cut, several to join):
    each per-SKU array from ``arrays`` of its values in ``outs``, each trace field from
    ``traced``; the nodes, the edges and what is not per SKU (periods counted, ``None``)
    from the first output."""

    def merge(values: list[Any], combine: Callable[[list[np.ndarray]], np.ndarray]) -> Any:
        first = values[0]
        if isinstance(first, np.ndarray):
            return combine(values)
        if isinstance(first, list):
            return [merge(list(parts), combine) for parts in zip(*values, strict=True)]
        if isinstance(first, dict):
            return {key: merge([v[key] for v in values], combine) for key in first}
        if dataclasses.is_dataclass(first) and not isinstance(first, type):  # totals, traces
            return dataclasses.replace(
                first,
                **{
                    f.name: merge([getattr(v, f.name) for v in values], combine)
                    for f in dataclasses.fields(first)
                },
            )
        return first

    first = outs[0]
    parts = {
        f.name: merge([getattr(o, f.name) for o in outs], arrays)
        for f in dataclasses.fields(first)
        if f.name not in ("nodes", "edges", "traces")
    }
    traces = None if first.traces is None else merge([o.traces for o in outs], traced)
    return SimulationOutput(nodes=first.nodes, edges=first.edges, traces=traces, **parts)


def cut_columns(out: SimulationOutput, skus: slice, traced: slice) -> SimulationOutput:
    """The part of ``out`` in SKU columns ``skus`` (traced columns ``traced``)."""
    return _merge([out], lambda arrays: arrays[0][..., skus], lambda arrays: arrays[0][:, traced])


def join_columns(outs: list[SimulationOutput]) -> SimulationOutput:
    """The outputs of SKU blocks as one output, blocks side by side (the inverse of
    :func:`cut_columns`); counts that are not per SKU are the first block's."""
    if len(outs) == 1:
        return outs[0]
    return _merge(
        outs,
        lambda arrays: np.concatenate(arrays, axis=-1),
        lambda arrays: np.concatenate(arrays, axis=1),
    )
