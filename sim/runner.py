"""Run a scenario under a policy for several replications and collect the results.

This is the whole simulation pipeline without Hydra: scenario objects in, tables out.
``experiments/run.py`` builds the objects from the configuration and writes the files.

Replication ``k`` draws its demand and lead times from streams keyed by ``(seed, name, k)``
(see :mod:`sim.rng`), so two policies run with the same seed meet the same demand.

A forecaster (for ``policy=forecast_order_up_to``) runs in a fresh copy per replication,
fitted on history drawn before period 0, with the exogenous columns of
``forecaster.exog`` when it uses regressors (:class:`sim.forecasting.ExogSource`; a
forecaster that uses none runs without them, and a warning says the setting was ignored).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasters.base import Forecaster
from policies.base import NetworkContext, PlanningContext, Policy
from sim.continuous import ContinuousSimulation
from sim.demand import YEAR, DemandModel
from sim.engine import TRACE_FIELDS, PeriodicSimulation, SimulationOutput
from sim.forecasting import ExogSource, ForecastDriver, ForecastSettings
from sim.kpi import replication_kpis, sku_kpis, summarize
from sim.network import UNMET_MODES, Costs, Network
from sim.rng import Streams

__all__ = ["Scenario", "RunResult", "simulate", "NotApplicable", "REVIEW_MODES"]

log = logging.getLogger(__name__)

REVIEW_MODES = ("periodic", "continuous")


@dataclass
class Scenario:
    """Everything but the policy: network, demand, costs and the rules of the game."""

    network: Network
    demand: DemandModel
    costs: Costs = field(default_factory=Costs)
    unmet_demand: str = "backorder"
    n_skus: int = 1
    review: str = "periodic"
    initial_stock: Any = "auto"
    forecaster: Forecaster | None = None
    forecasting: ForecastSettings = field(default_factory=ForecastSettings)

    def __post_init__(self) -> None:
        if self.unmet_demand not in UNMET_MODES:
            raise ValueError(
                f"unmet_demand(={self.unmet_demand!r}) must be one of {', '.join(UNMET_MODES)}"
            )
        if self.review not in REVIEW_MODES:
            raise ValueError(f"review(={self.review!r}) must be one of {', '.join(REVIEW_MODES)}")
        n = self.n_skus
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n_skus(={n!r}) must be an integer >= 1")
        if self.initial_stock != "auto":
            try:
                ok = float(self.initial_stock) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(
                    f"initial_stock(={self.initial_stock!r}) must be 'auto' or a number >= 0"
                )


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


def planning_contexts(scenario: Scenario) -> NetworkContext:
    """What the policies may know: demand model, lead times and costs, per node."""
    net, demand, costs = scenario.network, scenario.demand, scenario.costs
    n = scenario.n_skus
    ones = np.ones(n)
    contexts = []
    for node in net.nodes:
        contexts.append(
            PlanningContext(
                n_skus=n,
                demand_family=demand.family,
                demand_mean=np.asarray(demand.mean(), dtype=float),
                demand_std=np.asarray(demand.std(), dtype=float),
                lead_time_mean=np.asarray(node.lead_time.mean(), dtype=float) * ones,
                lead_time_std=np.asarray(node.lead_time.std(), dtype=float) * ones,
                review_period=net.review_period,
                holding=node.holding * ones,
                backorder=costs.backorder * ones,
                lost_sale=costs.lost_sale * ones,
                order_fixed=costs.order_fixed * ones,
                unit=costs.unit * ones,
                unmet_demand=scenario.unmet_demand,
                continuous=scenario.review == "continuous",
                node=node.name,
            )
        )
    return NetworkContext(contexts)


def _initial_on_hand(scenario: Scenario, contexts: NetworkContext) -> list[np.ndarray]:
    if scenario.initial_stock != "auto":
        return [np.full(scenario.n_skus, float(scenario.initial_stock)) for _ in contexts.nodes]
    # enough to cover the first protection interval, so runs start near steady state
    return [np.ceil(c.demand_mean * (c.protection_periods + 1)) for c in contexts.nodes]


def prepare(scenario: Scenario, policy: Policy, seed: int) -> tuple[list[Policy], NetworkContext]:
    """Draw the SKU population, build the network, derive missing policy parameters."""
    streams = Streams(seed)
    scenario.network.build(scenario.costs)
    demand = scenario.demand
    plan = streams.get("promotions") if demand.has_promotions else None
    demand.setup(scenario.n_skus, streams.get("population"), plan)
    for node in scenario.network.nodes:
        node.lead_time.setup(scenario.n_skus, streams.get(f"population/lead_time/{node.name}"))
    if scenario.review == "continuous" and len(scenario.network.nodes) != 1:
        raise ValueError("review=continuous supports network=single only")
    contexts = planning_contexts(scenario)
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
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Simulate ``replications`` independent runs of ``scenario`` under ``policy``."""
    for key, value, low in (
        ("horizon", horizon, 1),
        ("warmup", warmup, 0),
        ("replications", replications, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{key}(={value!r}) must be an integer >= {low}")
    if warmup >= horizon:
        raise ValueError(f"warmup(={warmup}) must be < horizon(={horizon})")
    streams = Streams(seed)
    policies, contexts = prepare(scenario, policy, seed)
    nodes = scenario.network.nodes
    initial = _initial_on_hand(scenario, contexts)
    _check_forecasting(scenario, policies)
    exog = _exog_source(scenario)
    per_rep, sku_frames, trace_frames, outputs, shift_frames = [], [], [], [], []
    for rep in range(replications):
        driver = None
        if scenario.forecaster is not None:
            driver = _forecast_driver(scenario, contexts, streams, rep, horizon, warmup, exog)
        if scenario.review == "continuous":
            sim = ContinuousSimulation(
                node=nodes[0],
                policy=policies[0],
                n_skus=scenario.n_skus,
                events=scenario.demand.sample_events(streams.get("demand", rep), float(horizon)),
                lead_time=nodes[0].lead_time,
                lead_time_rng=streams.get(f"lead_time/{nodes[0].name}", rep),
                unmet_demand=scenario.unmet_demand,
                horizon=float(horizon),
                warmup=float(warmup),
                initial_on_hand=initial[0],
                trace_skus=trace_skus,
            )
        else:
            sim = PeriodicSimulation(
                nodes=nodes,
                supplier_index=[scenario.network.supplier_index(i) for i in range(len(nodes))],
                policies=policies,
                demand=scenario.demand.sample(streams.get("demand", rep), 0, horizon),
                lead_times=[
                    nd.lead_time.sample(streams.get(f"lead_time/{nd.name}", rep), horizon)
                    for nd in nodes
                ],
                unmet_demand=scenario.unmet_demand,
                review_period=scenario.network.review_period,
                warmup=warmup,
                initial_on_hand=initial,
                trace_skus=trace_skus,
                forecast_driver=driver,
            )
        out = sim.run()
        kpis = replication_kpis(out, scenario.costs, scenario.unmet_demand)
        if driver is not None:
            kpis.update(driver.accuracy.summary())
            kpis["shifts_detected"] = float(len(driver.shifts))
            kpis["refits"] = float(driver.refits)
            shift_frames.append(pd.DataFrame(driver.shift_table()).assign(replication=rep))
        per_rep.append(kpis)
        sku_frames.append(sku_kpis(out, scenario.costs, scenario.unmet_demand, rep))
        if out.traces is not None:
            trace_frames.append(trace_table(out, rep))
        if keep_outputs:
            outputs.append(out)
        if progress is not None:
            progress(1)
    return RunResult(
        kpis=summarize(per_rep),
        per_replication=per_rep,
        sku_table=pd.concat(sku_frames, ignore_index=True),
        trace=pd.concat(trace_frames, ignore_index=True) if trace_frames else None,
        policy_parameters=_node_parameters(policies, [nd.name for nd in nodes]),
        population=population_table(scenario),
        outputs=outputs if keep_outputs else None,
        shifts=pd.concat(shift_frames, ignore_index=True) if shift_frames else None,
    )


class NotApplicable(ValueError):
    """The policy (or forecaster) cannot run on this scenario, by design rather than by a
    bad value: e.g. a forecast-driven policy on a multi-echelon chain. A sweep records such
    a job as not applicable instead of failed."""


def _check_forecasting(scenario: Scenario, policies: list[Policy]) -> None:
    needs = [getattr(p, "needs_forecast", False) for p in policies]
    if any(needs) and scenario.forecaster is None:
        raise ValueError(
            "policy=forecast_order_up_to needs a forecaster: add e.g. forecaster=ses "
            "(see conf/forecaster/)"
        )
    if any(needs[1:]):
        raise NotApplicable(
            "forecast-driven policies run at the customer-facing node only (network=single)"
        )
    if scenario.forecaster is not None and scenario.review == "continuous":
        raise NotApplicable("forecasters run with review=periodic only")


def _exog_source(scenario: Scenario) -> ExogSource | None:
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


def _forecast_driver(
    scenario: Scenario,
    contexts: NetworkContext,
    streams: Streams,
    rep: int,
    horizon: int,
    warmup: int,
    exog: ExogSource | None = None,
) -> ForecastDriver:
    """A fresh forecaster for replication ``rep``, fitted on history before period 0."""
    settings = scenario.forecasting
    H = settings.history
    history = scenario.demand.sample(streams.get("history", rep), -H, H)
    front = contexts.nodes[0]
    driver = ForecastDriver(
        copy.deepcopy(scenario.forecaster),
        history=history,
        horizon=horizon,
        protection_periods=np.ceil(front.protection_periods).astype(np.int64),
        settings=settings,
        warmup=warmup,
        exog=exog,
    )
    driver.start()
    return driver


def trace_table(out: SimulationOutput, replication: int) -> pd.DataFrame:
    """Long table: one row per (replication, node, sku, period)."""
    frames = []
    for nd, tr in zip(out.nodes, out.traces, strict=True):
        T, k = tr.fields["on_hand"].shape
        cols = {
            "replication": np.full(T * k, replication, dtype=np.int32),
            "node": nd.name,
            "sku": np.tile(np.arange(k, dtype=np.int32), T),
            "period": np.repeat(np.arange(T, dtype=np.int32), k),
        }
        for f in TRACE_FIELDS:
            cols[f] = tr.fields[f].reshape(-1)
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def population_table(scenario: Scenario) -> pd.DataFrame:
    from sim.demand import population_summary

    table = population_summary(scenario.demand)
    for nd in scenario.network.nodes:
        table[f"lead_time_mean_{nd.name}"] = np.asarray(nd.lead_time.mean(), dtype=float) * np.ones(
            scenario.n_skus
        )
    return table
