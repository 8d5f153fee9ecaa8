"""Run a scenario under a policy for several replications and collect the results.

This is the whole simulation pipeline without Hydra: scenario objects in, tables out.
``experiments/run.py`` builds the objects from the configuration and writes the files.

Replication ``k`` draws its demand and lead times from streams keyed by ``(seed, name, k)``
(see :mod:`sim.rng`), so two policies run with the same seed meet the same demand.

A forecaster (for ``policy=forecast_order_up_to``) runs in a fresh copy per replication,
fitted on history drawn before period 0, with the exogenous columns of
``forecaster.exog`` when it uses regressors (:class:`sim.forecasting.ExogSource`; a
forecaster that uses none runs without them, and a warning says the setting was ignored).

Where nothing couples a run's columns, replications of a small model run side by side as
the columns of one run, and a large assortment runs block by block of SKUs
(:mod:`sim.columns`); either way each replication's result is the one it gives alone.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, Literal, get_args

import numpy as np
import pandas as pd

from forecasters.base import Forecaster
from policies.base import NetworkContext, PlanningContext, Policy
from sim.checks import check_int
from sim.columns import (
    build_simulation,
    draw,
    in_blocks,
    replication_batches,
    side_by_side,
    sku_blocks,
)
from sim.continuous import ContinuousSimulation
from sim.demand import YEAR, DemandModel
from sim.disruption import Disruptions
from sim.engine import TRACE_FIELDS, PeriodicSimulation, SimulationOutput
from sim.forecasting import (
    ExogSource,
    ForecastDriver,
    ForecastDrivers,
    ForecastSettings,
    SharedDriver,
    SharedNode,
    protection_shape,
)
from sim.kpi import echelon_kpis, node_kpis, replication_kpis, sku_kpis, summarize
from sim.network import UNMET_MODES, Costs, Network, UnmetDemand
from sim.rng import Streams

__all__ = [
    "Scenario",
    "RunResult",
    "simulate",
    "NotApplicable",
    "REVIEW_MODES",
    "Replication",
    "ReviewMode",
    "PeriodicReview",
    "ContinuousReview",
]

log = logging.getLogger(__name__)

#: How stock is reviewed (``review``): at the end of every period, or at every demand event.
Review = Literal["periodic", "continuous"]
REVIEW_MODES: tuple[Review, ...] = get_args(Review)


@dataclass
class Scenario:
    """Everything but the policy: network, demand, costs and the rules of the game."""

    network: Network
    demand: DemandModel
    costs: Costs = field(default_factory=Costs)
    unmet_demand: UnmetDemand = "backorder"
    n_skus: int = 1
    review: Review = "periodic"
    initial_stock: Any = "auto"
    forecaster: Forecaster | None = None
    forecasting: ForecastSettings = field(default_factory=ForecastSettings)
    disruption: Disruptions | None = None

    def __post_init__(self) -> None:
        if self.unmet_demand not in UNMET_MODES:
            raise ValueError(
                f"unmet_demand(={self.unmet_demand!r}) must be one of {', '.join(UNMET_MODES)}"
            )
        if self.review not in REVIEW_MODES:
            raise ValueError(f"review(={self.review!r}) must be one of {', '.join(REVIEW_MODES)}")
        check_int("n_skus", self.n_skus, 1)
        if self.initial_stock != "auto":
            try:
                ok = float(self.initial_stock) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(
                    f"initial_stock(={self.initial_stock!r}) must be 'auto' or a number >= 0"
                )

    @property
    def review_mode(self) -> ReviewMode:
        """The :class:`ReviewMode` that ``review`` names."""
        return _REVIEW_MODES[self.review]


@dataclass
class RunResult:
    kpis: dict[str, dict[str, Any]]
    per_replication: list[dict[str, float]]
    sku_table: pd.DataFrame
    trace: pd.DataFrame | None
    policy_parameters: dict[str, Any]
    population: pd.DataFrame
    outputs: list[SimulationOutput] | None = None
    shifts: pd.DataFrame | None = None
    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    echelons: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)


def _reaching(
    top: Any, i: int, moments: Callable[[int], tuple[np.ndarray, np.ndarray]], zero: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the customer demand that reaches node ``i``: the summed demand of
    the demand-facing nodes ``j`` at or below it (``moments(j)``, each counted by the units
    of the node's item it takes), stores independent; ``zero`` gives the shape."""
    terms = [(top.content[i, j], int(j)) for j in top.demand_nodes if top.content[i, j] > 0]
    if len(terms) == 1 and terms[0][0] == 1.0:  # one store below: single, serial
        return moments(terms[0][1])
    m = sum((c * moments(j)[0] for c, j in terms), zero)
    v = sum(((c * moments(j)[1]) ** 2 for c, j in terms), zero)
    return np.asarray(m, dtype=float), np.sqrt(v)


def _node_demand(scenario: Scenario) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Mean and std per period of the customer demand that reaches each node
    (:func:`_reaching`; the model's :meth:`~sim.demand.DemandModel.moments_at` each)."""
    net, demand = scenario.network, scenario.demand
    top = net.topology
    facing = {int(j): demand.moments_at(net.nodes[j]) for j in top.demand_nodes}
    zero = np.zeros(scenario.n_skus)
    pairs = [_reaching(top, i, facing.__getitem__, zero) for i in range(top.n_nodes)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def planning_contexts(scenario: Scenario, horizon: int | None = None) -> NetworkContext:
    """What the policies may know, per node: the demand that reaches it, the lead time of
    its supply (the longest, for an assembly node) and its costs; with the run's
    ``horizon``, also the demand's mean and std in each period ``0 .. horizon - 1``
    (:meth:`~sim.demand.DemandModel.moments_path_at`, summed like the means and stds)."""
    net, costs = scenario.network, scenario.costs
    n = scenario.n_skus
    ones = np.ones(n)
    means, stds = _node_demand(scenario)
    facing: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def node_path(i: int, periods: int) -> tuple[np.ndarray, np.ndarray]:
        """Node ``i``'s demand in periods ``0 .. periods - 1``, computed when a policy asks
        for it (each demand-facing node's path once)."""

        def path_at(j: int) -> tuple[np.ndarray, np.ndarray]:
            if j not in facing:
                facing[j] = scenario.demand.moments_path_at(net.nodes[j], 0, periods)
            return facing[j]

        return _reaching(net.topology, i, path_at, np.zeros((periods, n)))

    # goods that keep one period: every unit left at a period's end is thrown away, so a
    # policy plans with overage cost holding + waste (the newsvendor of a perishable good;
    # longer shelf lives are planned as if the goods kept)
    life = scenario.demand.shelf_lives(n)
    one_day_waste = costs.waste * (life == 1) if life is not None else 0.0 * ones
    review = scenario.review_mode
    review.check_costs(costs)
    contexts = []
    for i, node in enumerate(net.nodes):
        inbound = net.inbound(i)
        lead = max(inbound, key=lambda ed: float(np.max(ed.lead_time.mean()))).lead_time
        contexts.append(
            PlanningContext(
                n_skus=n,
                demand_family=scenario.demand.planning_family or scenario.demand.family,
                demand_mean=means[i],
                demand_std=stds[i],
                lead_time_mean=np.asarray(lead.mean(), dtype=float) * ones,
                lead_time_std=np.asarray(lead.std(), dtype=float) * ones,
                review_period=net.review_period,
                holding=node.holding * ones + one_day_waste,
                backorder=costs.backorder * ones,
                lost_sale=costs.lost_sale * ones,
                order_fixed=costs.order_fixed * ones,
                unit=costs.unit * ones,
                unmet_demand=scenario.unmet_demand,
                continuous=review.continuous,
                node=node.name,
                role=node.role,
                discounts=costs.discounts,
                demand_by_period=None if horizon is None else partial(node_path, i, horizon),
            )
        )
    return NetworkContext(contexts, topology=net.topology)


def initial_on_hand(scenario: Scenario, contexts: NetworkContext) -> list[np.ndarray]:
    if scenario.initial_stock != "auto":
        return [np.full(scenario.n_skus, float(scenario.initial_stock)) for _ in contexts.nodes]
    # enough to cover the first protection interval, so runs start near steady state
    return [np.ceil(c.demand_mean * (c.protection_periods + 1)) for c in contexts.nodes]


def prepare(
    scenario: Scenario,
    policy: Policy,
    seed: int | Streams,
    horizon: int | None = None,
    replications: int = 1,
) -> tuple[list[Policy], NetworkContext]:
    """Fit the demand to the run (``horizon`` and ``replications``; replayed data need
    them), draw the SKU population, build the network, derive missing policy parameters.
    ``seed`` is the run's seed, or its :class:`~sim.rng.Streams` when the caller holds
    them already (:func:`simulate`)."""
    streams = seed if isinstance(seed, Streams) else Streams(seed)
    net = scenario.network
    demand = scenario.demand
    net.bind_stores(demand.store_labels)
    net.build(scenario.costs)
    if horizon is not None:
        demand.bind_run(horizon, replications)
    demand.bind_nodes([net.nodes[j].name for j in net.topology.demand_nodes])
    plan = streams.get("promotions") if demand.has_promotions else None
    demand.setup(scenario.n_skus, streams.get("population"), plan)
    for e, edge in enumerate(net.edges):
        key = net.lead_time_stream(e)
        edge.lead_time.setup(scenario.n_skus, streams.get(f"population/lead_time/{key}"))
    scenario.review_mode.check_scenario(scenario)
    contexts = planning_contexts(scenario, horizon)
    policies = policy.for_network(contexts)
    return policies, contexts


def _node_parameters(policies: list[Policy], names: list[str]) -> dict[str, Any]:
    if len(policies) == 1:
        return policies[0].parameters()
    return {name: p.parameters() for name, p in zip(names, policies, strict=True)}


def simulate(
    scenario: Scenario,
    policy: Policy,
    *,
    horizon: int,
    warmup: int = 0,
    replications: int = 1,
    seed: int = 0,
    trace_skus: int = 0,
    keep_outputs: bool = False,
    progress: Callable[[float], None] | None = None,
) -> RunResult:
    """Simulate ``replications`` independent runs of ``scenario`` under ``policy``.
    ``progress`` is called with the replications done since its last call (a fraction of
    one per SKU block in a run that goes block by block: :mod:`sim.columns`)."""
    for key, value, low in (
        ("horizon", horizon, 1),
        ("warmup", warmup, 0),
        ("replications", replications, 1),
    ):
        check_int(key, value, low)
    if warmup >= horizon:
        raise ValueError(f"warmup(={warmup}) must be < horizon(={horizon})")
    streams = Streams(seed)
    policies, contexts = prepare(scenario, policy, streams, horizon, replications)
    nodes = scenario.network.nodes
    initial = initial_on_hand(scenario, contexts)
    check_forecasting(scenario, policies)
    exog = exog_source(scenario)
    per_rep, sku_frames, trace_frames, outputs = [], [], [], []
    shift_frames: list[pd.DataFrame] = []
    node_rep, echelon_rep = [], []
    runs: list[tuple[int, SimulationOutput, ForecastDrivers | None]]
    blocks = sku_blocks(scenario, policies)
    for batch in replication_batches(scenario, policies, replications, horizon):
        if len(batch) > 1:
            done = side_by_side(
                scenario, policies, streams, batch, horizon, warmup, initial, trace_skus
            )
            runs = [(rep, out, None) for rep, out in zip(batch, done, strict=True)]
        elif len(blocks) > 1:
            rep = batch[0]
            step = None if progress is None else (lambda: progress(1 / len(blocks)))
            out = in_blocks(
                scenario, policies, streams, rep, horizon, warmup, initial, blocks, trace_skus, step
            )
            runs = [(rep, out, None)]
        else:
            rep = batch[0]
            drivers = begin_replication(
                scenario, contexts, policies, streams, rep, horizon, warmup, exog
            )
            out = scenario.review_mode.replicate(
                Replication(
                    scenario, policies, streams, rep, horizon, warmup, initial, trace_skus, drivers
                )
            )
            runs = [(rep, out, drivers)]
        for rep, out, drivers in runs:
            kpis = replication_kpis(out, scenario.costs, scenario.unmet_demand)
            if drivers:
                kpis.update(_forecast_kpis(scenario, drivers))
                for i, (driver, _) in drivers.items():
                    shifts = pd.DataFrame(driver.shift_table()).assign(replication=rep)
                    if len(drivers) > 1:
                        shifts = shifts.assign(node=nodes[i].name)
                    shift_frames.append(shifts)
            per_rep.append(kpis)
            node_rep.append(node_kpis(out, scenario.costs, scenario.unmet_demand))
            echelon_rep.append(echelon_kpis(out, scenario.network.topology.echelon))
            sku_frames.append(sku_kpis(out, scenario.costs, scenario.unmet_demand, rep))
            if out.traces is not None:
                trace_frames.append(trace_table(out, rep))
            if keep_outputs:
                outputs.append(out)
            if progress is not None and len(blocks) == 1:
                progress(1)  # (a run in blocks reports each block)
    return RunResult(
        kpis=summarize(per_rep),
        per_replication=per_rep,
        sku_table=pd.concat(sku_frames, ignore_index=True),
        trace=pd.concat(trace_frames, ignore_index=True) if trace_frames else None,
        policy_parameters=_node_parameters(policies, [nd.name for nd in nodes]),
        population=population_table(scenario),
        outputs=outputs if keep_outputs else None,
        shifts=pd.concat(shift_frames, ignore_index=True) if shift_frames else None,
        nodes={nd.name: summarize([r[nd.name] for r in node_rep]) for nd in nodes},
        echelons={k: summarize([r[k] for r in echelon_rep]) for k in echelon_rep[0]},
        network=describe_network(scenario.network),
    )


@dataclass(frozen=True)
class Replication:
    """What one replication runs on, handed whole to :meth:`ReviewMode.replicate`: the
    scenario and its bound policies, the named ``streams`` its randomness comes from, its
    index ``rep``, the run's length, the initial stock per node, the SKUs it traces and
    its forecast drivers (None without a forecaster)."""

    scenario: Scenario
    policies: list[Policy]
    streams: Streams
    rep: int
    horizon: int
    warmup: int
    initial: list[np.ndarray]
    trace_skus: int
    drivers: ForecastDrivers | None


class ReviewMode:
    """How stock is reviewed (``review``): what a replication runs on, and what the mode
    cannot simulate. One instance per mode, looked up by name (:attr:`Scenario.review_mode`);
    the checks raise with the same messages wherever the run meets them."""

    name: ClassVar[Review]
    #: Policies plan for continuous review (:attr:`policies.base.PlanningContext.continuous`).
    continuous: ClassVar[bool]
    #: Why replications cannot run as the columns of one run (:mod:`sim.columns`); None: they can.
    columns_obstacle: ClassVar[str | None]

    def check_scenario(self, scenario: Scenario) -> None:
        """Refuse a built network or a demand this mode cannot simulate."""

    def check_costs(self, costs: Costs) -> None:
        """Refuse costs this mode cannot charge."""

    def check_forecaster(self) -> None:
        """Refuse a forecaster (:class:`NotApplicable`) where this mode runs none."""

    def replicate(self, run: Replication) -> SimulationOutput:
        """Replication ``run.rep`` on its own, its randomness from the named streams."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PeriodicReview(ReviewMode):
    """Review at the end of every ``network.review_period``-th period: the network engine
    (:class:`sim.engine.PeriodicSimulation`), any network, forecasts and prices included."""

    name = "periodic"
    continuous = False
    columns_obstacle = None

    def replicate(self, run: Replication) -> SimulationOutput:
        return periodic_simulation(
            run.scenario,
            run.policies,
            run.streams,
            run.rep,
            run.horizon,
            run.warmup,
            run.initial,
            run.trace_skus,
            run.drivers,
        ).run()


class ContinuousReview(ReviewMode):
    """Review at every demand event (:class:`sim.continuous.ContinuousSimulation`): one
    node, goods that keep, no forecaster and no quantity discounts."""

    name = "continuous"
    continuous = True
    columns_obstacle = "continuous review steps through events, one replication at a time"

    def check_scenario(self, scenario: Scenario) -> None:
        if len(scenario.network.nodes) != 1:
            raise ValueError("review=continuous supports network=single only")
        if scenario.demand.shelf_life is not None:
            raise ValueError(
                "demand.shelf_life: perishable goods need review=periodic (continuous review "
                "keeps no ages)"
            )

    def check_costs(self, costs: Costs) -> None:
        if costs.discounts is not None:
            raise ValueError(
                "costs.discounts needs review=periodic (continuous review prices no orders "
                "on the schedule)"
            )

    def check_forecaster(self) -> None:
        raise NotApplicable("forecasters run with review=periodic only")

    def replicate(self, run: Replication) -> SimulationOutput:
        scenario, streams, rep = run.scenario, run.streams, run.rep
        node = scenario.network.nodes[0]
        edge = scenario.network.edges[0]
        simulation = ContinuousSimulation(
            node=node,
            policy=run.policies[0],
            n_skus=scenario.n_skus,
            events=scenario.demand.sample_events(streams.get("demand", rep), float(run.horizon)),
            lead_time=edge.lead_time,
            lead_time_rng=streams.get(f"lead_time/{node.name}", rep),
            unmet_demand=scenario.unmet_demand,
            horizon=float(run.horizon),
            warmup=float(run.warmup),
            initial_on_hand=run.initial[0],
            trace_skus=run.trace_skus,
            edge=edge,
        )
        return simulation.run()


_REVIEW_MODES: dict[str, ReviewMode] = {
    mode.name: mode for mode in (PeriodicReview(), ContinuousReview())
}


def begin_replication(
    scenario: Scenario,
    contexts: NetworkContext,
    policies: list[Policy],
    streams: Streams,
    rep: int,
    horizon: int,
    warmup: int,
    exog: ExogSource | None = None,
) -> ForecastDrivers | None:
    """Start replication ``rep``: the demand model's replication state (replayed data draw
    their bootstrap here) and, with a forecaster, fresh forecast drivers fitted on history
    drawn before period 0."""
    scenario.demand.begin_replication(streams.get("demand", rep))
    forecaster = scenario.forecaster
    if forecaster is None:
        return None
    return _forecast_drivers(
        scenario, forecaster, contexts, policies, streams, rep, horizon, warmup, exog
    )


def describe_network(net: Network) -> dict[str, Any]:
    """The network as ``metrics.json`` records it: nodes (downstream first) and edges."""
    top = net.topology

    return {
        "nodes": [
            {
                "name": nd.name,
                "role": nd.role,
                "holding": nd.holding,
                "demand_facing": nd.demand_facing,
                "capacity": nd.capacity,
                "echelon": int(top.echelon[i]),
            }
            for i, nd in enumerate(net.nodes)
        ],
        "edges": [
            {
                "supplier": ed.supplier,
                "customer": ed.customer,
                "lead_time_mean": float(np.mean(ed.lead_time.mean())),
                "lead_time_std": float(np.mean(ed.lead_time.std())),
                "capacity": ed.capacity,
                "units": ed.units,
            }
            for ed in net.edges
        ],
        "allocation": repr(net.allocation),
    }


def periodic_simulation(
    scenario: Scenario,
    policies: list[Policy],
    streams: Streams,
    rep: int,
    horizon: int,
    warmup: int,
    initial: list[np.ndarray],
    trace_skus: int = 0,
    drivers: ForecastDrivers | None = None,
) -> PeriodicSimulation:
    """Replication ``rep`` of a periodic-review scenario, its randomness drawn from the
    named streams: demand per demand-facing node, lead times per edge, outages, and the
    allocation draws of every supplier with several customers."""
    net = scenario.network
    top = net.topology
    demand, lead_times = draw(scenario, streams, rep, horizon)
    queues = {}
    for s in range(top.n_nodes):
        out = top.outbound[s]
        if out.size > 1:
            customers = [net.nodes[c].name for c in top.customer[out]]
            rng = streams.get(f"allocation/{net.nodes[s].name}", rep)
            queues[s] = net.allocation.queue(customers, scenario.n_skus, rng)
    plan = None
    if scenario.disruption is not None:
        plan = scenario.disruption.plan(
            [nd.name for nd in net.nodes],
            [(ed.supplier, ed.customer) for ed in net.edges],
            horizon,
            streams,
            rep,
        )
    return build_simulation(
        scenario,
        policies,
        demand,
        lead_times,
        warmup,
        initial,
        scenario.demand.shelf_lives(scenario.n_skus),
        trace_skus=trace_skus,
        forecast_drivers=drivers,
        queues=queues,
        disruption=plan,
    )


class NotApplicable(ValueError):
    """The policy (or forecaster) cannot run on this scenario, by design rather than by a
    bad value: e.g. a forecast-driven policy on a multi-echelon chain. A sweep records such
    a job as not applicable instead of failed."""


def check_forecasting(scenario: Scenario, policies: list[Policy]) -> None:
    needs = [getattr(p, "needs_forecast", False) for p in policies]
    if any(needs) and scenario.forecaster is None:
        raise ValueError(
            "policy=forecast_order_up_to needs a forecaster: add e.g. forecaster=ses "
            "(see conf/forecaster/)"
        )
    if scenario.forecaster is not None:
        scenario.review_mode.check_forecaster()
    forecaster = scenario.forecaster
    if forecaster is not None:
        need = int(getattr(forecaster, "min_history", 1))
        history = scenario.forecasting.history
        if history < need:
            raise ValueError(
                f"forecaster.history(={history}) is too short for {type(forecaster).__name__}: "
                f"its fit needs at least {need} periods; raise forecaster.history to {need} or more"
            )
        scenario.demand.check_history(history)  # replayed data hold only so much


def exog_source(scenario: Scenario) -> ExogSource | None:
    """The exogenous columns of ``forecaster.exog``, for a forecaster that uses them."""
    columns = scenario.forecasting.exog
    forecaster = scenario.forecaster
    if forecaster is None or not columns:
        return None
    if not getattr(forecaster, "uses_exog", False):
        log.warning(
            "forecaster.exog=%s ignored: %s uses no exogenous regressors",
            list(columns),
            type(forecaster).__name__,
        )
        return None
    source = ExogSource(columns, scenario.demand)
    if "promotion" in columns and "promotion" not in source.columns:
        log.info("forecaster.exog: no promotion column, the demand has no promotions")
    history = scenario.forecasting.history
    if source.fourier_terms and history < YEAR:
        log.warning(
            "forecaster.exog: yearly terms on forecaster.history=%d periods (less than a "
            "year) are barely identified; their extrapolation may run away",
            history,
        )
    return source if source.columns else None


#: Whether nodes that can share one forecast driver do (:class:`sim.forecasting.SharedDriver`);
#: the tests switch it off to check that sharing changes no number.
SHARE_DRIVERS = True


def _forecast_drivers(
    scenario: Scenario,
    forecaster: Forecaster,
    contexts: NetworkContext,
    policies: list[Policy],
    streams: Streams,
    rep: int,
    horizon: int,
    warmup: int,
    exog: ExogSource | None = None,
) -> ForecastDrivers:
    """A fresh copy of ``forecaster`` for replication ``rep`` at every node whose policy
    needs one (at the first demand-facing node when none does), fitted on history drawn
    before period 0, with the signal it follows: ``demand`` (a node with customers and
    nothing below it), or for an upstream node its policy's ``upstream_signal``:
    ``echelon_demand`` (the summed customer demand below it) or ``orders`` (what its
    customers order; warmed up on the echelon demand history, as no orders exist before
    period 0).

    Nodes following ``demand`` share one copy, their SKUs side by side, where that changes
    no number (:class:`sim.forecasting.SharedDriver` says when): the stores of a
    distribution network then cost one forecaster call a period instead of one per store.
    Each node's entry is its share (:class:`sim.forecasting.SharedNode`), which reports
    accuracy, shifts and re-fits as its own driver would."""
    net = scenario.network
    top = net.topology
    settings = scenario.forecasting
    n_history = settings.history
    needs = [i for i, p in enumerate(policies) if getattr(p, "needs_forecast", False)]
    histories: dict[int, np.ndarray] = {}

    def history(j: int) -> np.ndarray:
        if j not in histories:
            node = net.nodes[j]
            name = "history" if node.demand_stream == "demand" else f"history/{node.name}"
            histories[j] = scenario.demand.sample_at(
                node, streams.get(name, rep), -n_history, n_history
            )
        return histories[j]

    def driver(past: np.ndarray, protection: np.ndarray, at: int) -> ForecastDriver:
        made = ForecastDriver(
            copy.deepcopy(forecaster),
            history=past,
            horizon=horizon,
            protection_periods=protection,
            settings=settings,
            warmup=warmup,
            exog=exog.at(net.nodes[at]) if exog is not None else None,
        )
        made.start()
        return made

    share = (
        SHARE_DRIVERS
        and getattr(forecaster, "columns_independent", False)
        and settings.monitor == "none"
        and scenario.n_skus >= 2
        and (exog is None or not exog.per_sku)  # calendar columns: the same at every node
    )
    # per node: (signal, history, protection periods); demand followers that may share a
    # driver are grouped by the shape of their protection intervals
    plans: dict[int, tuple[str, np.ndarray, np.ndarray]] = {}
    groups: dict[tuple[int, bool], list[int]] = {}
    for i in needs or [int(top.demand_nodes[0])]:
        below = [int(j) for j in top.demand_nodes if top.content[i, j] > 0]
        if below == [i]:
            signal, past = "demand", history(i)
        else:
            signal = getattr(policies[i], "upstream_signal", "echelon_demand")
            past = sum(top.content[i, j] * history(j) for j in below)
        protection = np.ceil(contexts.nodes[i].protection_periods).astype(np.int64)
        plans[i] = (signal, past, protection)
        if share and signal == "demand" and protection.shape == (scenario.n_skus,):
            groups.setdefault(protection_shape(protection), []).append(i)
    shares: dict[int, SharedNode] = {}
    for nodes in groups.values():
        if len(nodes) > 1:
            shared = driver(
                np.hstack([plans[i][1] for i in nodes]),
                np.concatenate([plans[i][2] for i in nodes]),
                nodes[0],
            )
            shares.update(zip(nodes, SharedDriver(shared, nodes).members, strict=True))
    drivers: ForecastDrivers = {}
    for i, (signal, past, protection) in plans.items():  # in node order, as before
        drivers[i] = (shares[i] if i in shares else driver(past, protection, i), signal)
    return drivers


def _forecast_kpis(scenario: Scenario, drivers: ForecastDrivers) -> dict[str, float]:
    """Forecast accuracy of the customer-facing forecasters (averaged over nodes, when there
    are several), detected shifts and re-fits of all of them."""
    facing = [d for i, (d, _) in drivers.items() if scenario.network.nodes[i].demand_facing]
    summaries = [d.accuracy.summary() for d in facing or [d for d, _ in drivers.values()]]
    out = (
        summaries[0]
        if len(summaries) == 1
        else {k: float(np.mean([s[k] for s in summaries])) for k in summaries[0]}
    )
    out = dict(out)
    out["shifts_detected"] = float(sum(len(d.shifts) for d, _ in drivers.values()))
    out["refits"] = float(sum(d.refits for d, _ in drivers.values()))
    return out


def trace_table(out: SimulationOutput, replication: int) -> pd.DataFrame:
    """Long table: one row per (replication, node, sku, period)."""
    if out.traces is None:
        raise ValueError("trace_table: the output has no traces (run with trace_skus > 0)")
    frames = []
    for node, trace in zip(out.nodes, out.traces, strict=True):
        n_periods, n_traced = trace.fields["on_hand"].shape
        columns = {
            "replication": np.full(n_periods * n_traced, replication, dtype=np.int32),
            "node": node.name,
            "sku": np.tile(np.arange(n_traced, dtype=np.int32), n_periods),
            "period": np.repeat(np.arange(n_periods, dtype=np.int32), n_traced),
        }
        for name in TRACE_FIELDS:
            columns[name] = trace.fields[name].reshape(-1)
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)


def population_table(scenario: Scenario) -> pd.DataFrame:
    from sim.demand import population_summary

    table = population_summary(scenario.demand)
    net = scenario.network
    ones = np.ones(scenario.n_skus)
    lead = {
        f"lead_time_mean_{net.lead_time_stream(e)}": np.asarray(edge.lead_time.mean(), float) * ones
        for e, edge in enumerate(net.edges)
    }
    # one concat, not a column insert per edge (a frame of 100 stores would fragment)
    return pd.concat([table, pd.DataFrame(lead, index=table.index)], axis=1)
