"""Any Stocklab scenario as a Gymnasium environment for learning agents.

::

    import gymnasium
    import experiments.gym_env  # registers Stocklab-v0

    env = gymnasium.make("Stocklab-v0", overrides=["network=serial", "n_skus=10"])
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

(``gymnasium.make("experiments.gym_env:Stocklab-v0", ...)`` imports the module itself.)

**The engine is stepped, not re-implemented.** Each episode is one replication of the
scenario on the periodic-review engine (:class:`sim.engine.PeriodicSimulation`), run as a
SimPy process that pauses at every review (:meth:`~sim.engine.PeriodicSimulation.start`):
the agent's action becomes the orders of that review, and the period goes on - shipments,
the next periods' arrivals, demand and costs - until the next review. ``reset(seed=s)``
draws every random number from the simulator's named streams of ``seed=s``, replication
0, so an episode meets the same demand, lead times and allocation draws as
``python -m experiments.run seed=s`` (its first replication), and driving the environment
with the base-stock rule gives that run's cost to the last digit (tested).
``reset()`` without a seed moves on to the next replication of the same seed;
``reset(options={"replication": r})`` picks one.

**Action**: the order quantity of every stocking node and SKU at this review, shape
``(nodes, SKUs)``, nodes downstream first as the run's output lists them
(``env.unwrapped.node_names``); negative entries order nothing. All nodes decide at once,
before any of them orders: the agent does not see this review's orders of the nodes below
(a base-stock policy in the simulator does; on a single node the two coincide).

**Observation** (a ``Dict`` of arrays, float64): ``on_hand``, ``backorders`` (customer
backorders plus what the node owes its customer nodes) and ``on_order`` per node and SKU;
``position`` (on hand + on order - backorders, what an installation policy sees);
``pipeline`` ``(nodes, periods, SKUs)``: units arriving at the start of each of the next
periods; ``demand`` ``(window, demand nodes, SKUs)``: customer demand of the last
``demand_window`` periods, the latest last (zeros before period 0); ``forecast`` (with a
forecaster configured): the forecast of next period's demand where a forecaster runs
(the first demand-facing node, zeros elsewhere); ``period``.

**Reward**: minus the cost charged between two reviews - the same cost as the KPI
``cost_per_period`` (holding, shortage, ordering, waste), so warm-up periods cost nothing,
as they count in no KPI. The cost charged in period 0 before its first review is in
``reset``'s ``info["cost"]``. The episode ends (``truncated``; nothing terminates it) after
the last period; its ``info["kpis"]`` are the replication's KPIs as the CLI computes them.

Only periodic review is an environment (a step is one review; ``review=continuous`` is
refused). The reward is computed from the engine's running totals with the KPI code, at a
cost that grows with the horizon: fine for learning on hundreds of periods and thousands
of SKUs, slow for very long episodes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import simpy

try:
    import gymnasium
    from gymnasium import spaces
except ImportError as exc:  # an optional extra
    raise ImportError(
        "the Gymnasium environment needs the 'rl' extra: pip install -e '.[rl]'"
    ) from exc

from forecasters.base import Forecast
from policies.base import InventoryState, Policy
from sim.kpi import replication_kpis
from sim.rng import Streams
from sim.runner import (
    Scenario,
    begin_replication,
    check_forecasting,
    exog_source,
    initial_on_hand,
    periodic_simulation,
    prepare,
)

__all__ = ["StocklabEnv", "ENV_ID"]

ENV_ID = "Stocklab-v0"


class _Agent(Policy):
    """The policy of every node in the environment: the order the agent chose."""

    param_names = ()

    def bind(self, env: StocklabEnv, node: int) -> _Agent:
        self.env, self.node = env, node
        return self

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return self.env._orders[self.node]


class StocklabEnv(gymnasium.Env):
    """A Stocklab scenario as a Gymnasium environment (see the module docstring).

    ``overrides``: CLI overrides composed as ``python -m experiments.run`` would (e.g.
    ``["network=serial", "demand=poisson", "n_skus=5"]``); or ``config``, a composed
    configuration; or ``scenario`` (a :class:`sim.runner.Scenario` built from objects)
    with ``horizon``, ``warmup`` and ``seed``. ``max_order`` bounds the action space
    (default: 20 periods of each node's mean demand, at least 10 units). ``demand_window``
    is the number of past periods of demand in the observation."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        overrides: Sequence[str] = (),
        *,
        config: Any = None,
        scenario: Scenario | None = None,
        horizon: int | None = None,
        warmup: int | None = None,
        seed: int | None = None,
        max_order: float | None = None,
        demand_window: int = 7,
    ):
        if scenario is None:
            from experiments.api import compose
            from experiments.run import build
            from experiments.validate import integer

            cfg = config if config is not None else compose(list(overrides))
            scenario, _ = build(cfg)
            horizon = integer(cfg, "horizon", 1) if horizon is None else horizon
            warmup = integer(cfg, "warmup", 0) if warmup is None else warmup
            seed = integer(cfg, "seed", 0) if seed is None else seed
        elif horizon is None:
            raise ValueError("horizon(=None): give the number of periods of an episode")
        if scenario.review != "periodic":
            raise ValueError(
                f"review(={scenario.review!r}): the environment steps periodic review only"
            )
        if int(demand_window) < 1:
            raise ValueError(f"demand_window(={demand_window!r}) must be >= 1")
        self.scenario_template = scenario
        self.horizon, self.warmup = int(horizon), int(warmup or 0)
        if not 0 <= self.warmup < self.horizon:
            raise ValueError(f"warmup(={self.warmup}) must be in [0, horizon={self.horizon})")
        self.base_seed = int(seed or 0)
        self.demand_window = int(demand_window)
        self._replication = -1
        # one untimed set-up to learn the shapes (nodes, SKUs, pipeline length)
        self._setup(self.base_seed, 0)
        sim = self._sim
        N, n = sim.top.n_nodes, sim.n_skus
        D = sim.top.demand_nodes.size
        self.node_names = [nd.name for nd in sim.nodes]
        if max_order is None:
            means = np.array([c.demand_mean for c in self._contexts.nodes])
            max_order = float(max(10.0, np.ceil(20 * means.max() * sim.review_period)))
        self.max_order = float(max_order)
        box = lambda *shape: spaces.Box(0.0, np.inf, shape=shape, dtype=np.float64)  # noqa: E731
        observation = {
            "on_hand": box(N, n),
            "backorders": box(N, n),
            "on_order": box(N, n),
            "position": spaces.Box(-np.inf, np.inf, shape=(N, n), dtype=np.float64),
            "pipeline": box(N, sim.W - 1, n),
            "demand": box(self.demand_window, D, n),
            "period": spaces.Box(0.0, float(self.horizon), shape=(1,), dtype=np.float64),
        }
        if self.scenario_template.forecaster is not None:
            observation["forecast"] = box(N, n)
        self.observation_space = spaces.Dict(observation)
        self.action_space = spaces.Box(0.0, self.max_order, shape=(N, n), dtype=np.float64)

    # ------------------------------------------------------------------ set-up
    def _setup(self, seed: int, rep: int) -> None:
        """A fresh scenario and engine for replication ``rep`` of ``seed``, as
        :func:`sim.runner.simulate` sets them up."""
        scenario = copy.deepcopy(self.scenario_template)
        streams = Streams(seed)
        agent = _Agent()
        policies, contexts = prepare(scenario, agent, seed, self.horizon, rep + 1)
        policies = [_Agent().bind(self, i) for i in range(len(policies))]
        check_forecasting(scenario, policies)
        exog = exog_source(scenario)
        drivers = begin_replication(
            scenario, contexts, policies, streams, rep, self.horizon, self.warmup, exog
        )
        initial = initial_on_hand(scenario, contexts)
        self._scenario, self._contexts = scenario, contexts
        self._sim = periodic_simulation(
            scenario, policies, streams, rep, self.horizon, self.warmup, initial, 0, drivers
        )
        self._orders = np.zeros((self._sim.top.n_nodes, self._sim.n_skus))

    def _pause(self, env: simpy.Environment, t: int, forecasts: dict) -> simpy.Event:
        self._paused_at, self._forecasts = t, forecasts
        self._resume = env.event()
        return self._resume

    def _advance(self) -> bool:
        """Run the engine to its next review; False when the run is over."""
        self._paused_at = None
        while self._process.is_alive and self._paused_at is None:
            self._env.step()
        return self._paused_at is not None

    def _kpis(self, out) -> dict[str, float]:
        """The replication's KPIs from an engine output, as the CLI computes them."""
        return replication_kpis(out, self._scenario.costs, self._scenario.unmet_demand)

    def _cost_so_far(self) -> float:
        sim = self._sim
        if sim.n_measured == 0:
            return 0.0
        return self._kpis(sim.output())["cost_per_period"] * sim.n_measured

    # ------------------------------------------------------------------ gymnasium
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self.base_seed, self._replication = int(seed), 0
        else:
            self._replication += 1
        if options and "replication" in options:
            self._replication = int(options["replication"])
        self._setup(self.base_seed, self._replication)
        self._env, self._process, self._out = self._sim.start(self._pause)
        self._advance()
        self._cost = self._cost_so_far()
        info = {"cost": self._cost, "seed": self.base_seed, "replication": self._replication}
        return self._observe(), info

    def step(self, action):
        if self._paused_at is None:
            raise RuntimeError("the episode is over: call reset()")
        orders = np.asarray(action, dtype=np.float64)
        if orders.shape != self._orders.shape:
            raise ValueError(
                f"action shape {orders.shape} must be (nodes, SKUs) = {self._orders.shape}"
            )
        np.maximum(orders, 0.0, out=self._orders)
        self._resume.succeed()
        if self._advance():
            cost, kpis = self._cost_so_far(), None
        else:  # the run is over: its output, and the KPIs once
            kpis = self._kpis(self._out[0])
            cost = kpis["cost_per_period"] * self._sim.n_measured
        reward = -(cost - self._cost)
        self._cost = cost
        info: dict[str, Any] = {"cost": cost}
        if kpis is not None:
            info["kpis"] = kpis
            return self._last_observation(), float(reward), False, True, info
        return self._observe(), float(reward), False, False, info

    # ------------------------------------------------------------------ observation
    def _observe(self) -> dict[str, np.ndarray]:
        sim, t = self._sim, self._paused_at
        top = sim.top
        N, n = top.n_nodes, sim.n_skus
        pipeline = np.zeros((N, sim.W - 1, n))
        for k in range(1, sim.W):
            slot = sim.pipe[(t + k) % sim.W]  # (edges, SKUs) due at the start of t + k
            np.add.at(pipeline[:, k - 1], top.customer, slot)
        window = self.demand_window
        demand = np.zeros((window, top.demand_nodes.size, n))
        past = sim.demand[max(t + 1 - window, 0) : t + 1]
        demand[window - past.shape[0] :] = past
        backorders = sim.cust_bo + sim.owed_out
        obs = {
            "on_hand": np.maximum(sim.on_hand, 0.0),
            "backorders": np.maximum(backorders, 0.0),
            "on_order": np.maximum(sim.on_order, 0.0),
            "position": sim.on_hand + sim.on_order - backorders,
            "pipeline": np.maximum(pipeline, 0.0),
            "demand": demand,
            "period": np.array([float(t)]),
        }
        if "forecast" in self.observation_space.spaces:
            forecast = np.zeros((N, n))
            for i, f in self._forecasts.items():
                forecast[i] = np.maximum(f.mean[0], 0.0)
            obs["forecast"] = forecast
        self._last = obs
        return obs

    def _last_observation(self) -> dict[str, np.ndarray]:
        obs = dict(self._last)
        obs["period"] = np.array([float(self.horizon)])
        return obs


gymnasium.register(id=ENV_ID, entry_point=StocklabEnv)
