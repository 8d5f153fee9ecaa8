"""The contract every demand family fulfils: :class:`DemandModel`.

A demand model describes a *population* of SKUs. Once per run, :meth:`DemandModel.setup`
draws each SKU's own parameters from a dedicated "population" random stream (so every
replication of a run, and every rival policy, faces the same assortment). After that,
:meth:`DemandModel.sample` draws demand realisations for all SKUs and a block of periods
in one vectorised call, and :meth:`DemandModel.sample_events` draws individual customer
arrivals for continuous review. The expected demand may be modulated (seasonality, trend,
shocks, promotions: :mod:`sim.demand.modulation`).

Heterogeneity. ``mean_spread`` (``probability_spread`` for intermittent demand) is the
coefficient of variation of the per-SKU level across the population: per-SKU means are
``mean`` times mean-one lognormal factors (:func:`sim.demand.sampling.lognormal_factors`);
intermittent probabilities are drawn from a beta distribution with mean ``probability``
and cv ``probability_spread``. Any of these parameters may instead be a list with one
value per SKU.

Continuous time. :meth:`DemandModel.sample_events` simulates one customer stream per SKU:
Poisson arrivals with unit sizes; for the negative binomial, Poisson arrivals of orders
with logarithmic sizes (so counts per unit time are NB with the same ``v``); for
intermittent demand, Poisson arrivals at rate ``p`` per time unit with the size
distribution (same mean demand rate as in periodic mode); for deterministic demand, one
unit each ``1 / mean`` time units, the first at ``1 / mean``. Normal demand has no
continuous-time form. Under modulation the arrival rate is ``rate * m(floor(t))``:
piecewise constant over each period, so the expected demand in ``[t, t + 1)`` equals
``mean_path(t, 1)`` in both review modes. A Poisson process with piecewise-constant rate
is simulated exactly, cell by cell: a Poisson count per period and SKU, arrivals uniform
inside the period (Ross 2013, *Simulation*, Ch. 5; thinning, Lewis & Shedler 1979, is
not needed for a step intensity). Deterministic arrivals follow the inverse of the
piecewise-linear cumulative demand.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Unpack

import numpy as np
import pandas as pd

from sim.checks import is_whole
from sim.demand.modulation import Modulation, ModulationKeys, ModulationParams
from sim.demand.sampling import lognormal_factors
from sim.demand.validation import (
    DEMAND,
    MAX_MEAN,
    check_block,
    non_negative_scalar,
    parse_shelf_life,
    spread_needs_scalar,
)

__all__ = ["DemandModel", "MeanDemand", "population_summary"]


class DemandModel(ABC):
    """Base class of every demand family; see the module docstring for the maths.

    Extension points for a new family:

    ``_draw_population(n_skus, rng)``
        Required. Draw and store the per-SKU parameters; return the per-SKU base
        (unmodulated) mean, shape ``(n_skus,)``.
    ``_draw(rng, mult, n_periods)``
        Required. Demand of ``n_periods`` periods, ``(n_periods, n_skus)``; ``mult`` is the
        modulation multiplier of the same shape, or ``None`` when demand is stationary.
    ``_std_at(level)``
        Required. Per-period std when the multiplier is held at ``level`` (per SKU).
    ``_occurrence_rate()`` and ``_event_sizes(rng, sku)``
        For continuous review: arrival rate of customer orders per time unit at base level,
        and the sizes of orders of the given SKUs. The default raises ``ValueError``.
    ``_columns()``
        Family-specific per-SKU columns for :func:`population_summary`.
    ``_draw_block(key, start, n_periods, skus, weight)``
        Optional. Stationary demand of a block of SKUs from counter-based uniforms, the same
        for a SKU in any block (:meth:`sample_block`); a family that has it lets runs of
        many SKUs go block by block in bounded memory (:mod:`sim.columns`).

    Constructor parameters are keyword-only and are the YAML keys one to one. Every family
    also takes ``shelf_life`` (periods; one number, one per SKU, or null for goods that
    keep): perishable stock in the simulation, see ``sim/engine.py``.

    Hooks of the run, for models that are more than a population of SKUs (replayed data,
    :mod:`sim.demand.replay`); the defaults fit every generated family:

    ``bind_run(horizon, replications)``, ``bind_nodes(names)``
        Called once per run, before ``setup``: the run's length and replications, and the
        demand-facing nodes (downstream first).
    ``begin_replication(rng)``
        Called before each replication's demand is drawn, with its ``demand`` stream.
    ``sample_at(node, rng, start, n_periods)``, ``moments_at(node)``
        The demand of one demand-facing node (default: :meth:`sample` scaled by the node's
        ``demand_weight``) and its per-SKU mean and std for planning.
    ``moments_path_at(node, start, n_periods)``
        The same per period, for policies that plan period by period (default: the
        modulated moments; :meth:`moments_at` repeated for an unmodulated model).
    ``store_labels``, ``fixed_n_skus``, ``exog_names``, ``planning_family``
        The stores and SKU count the data fixes (None for generated demand), the data's
        exogenous columns (:meth:`exog_table`), and the family policies plan with.
    ``history``, ``pooled_note()``
        The cleaned sales history a model replays (None for generated demand), and a
        sentence for the run's output when its stores are pooled at one node (else None).
    """

    family: ClassVar[str]
    #: the demand family policies derive their parameters for (the model's own by default)
    planning_family: ClassVar[str | None] = None
    history: Any = None

    def __init__(self, *, shelf_life: Any = None, **modulation: Unpack[ModulationKeys]) -> None:
        self.shelf_life = parse_shelf_life(shelf_life)
        self.modulation = Modulation(**modulation)
        self._base: np.ndarray | None = None
        self._level: np.ndarray | None = None

    # -- run hooks (see the class docstring)
    @property
    def store_labels(self) -> list[str] | None:
        """The stores the data fixes; None for generated demand."""
        return None

    @property
    def fixed_n_skus(self) -> int | None:
        """The SKU count the data fixes; None for generated demand."""
        return None

    @property
    def exog_names(self) -> tuple[str, ...]:
        """The data's exogenous columns (:meth:`exog_table`); none for generated demand."""
        return ()

    def bind_run(self, horizon: int, replications: int) -> None:
        return None

    def bind_nodes(self, names: list[str]) -> None:
        return None

    def begin_replication(self, rng: np.random.Generator) -> None:
        return None

    def pooled_note(self) -> str | None:
        return None

    def check_history(self, periods: int, key: str = "forecaster.history") -> None:
        """Refuse a forecaster history the model cannot give (generated demand has any)."""
        return None

    def sample_at(
        self, node: Any, rng: np.random.Generator, start: int, n_periods: int
    ) -> np.ndarray:
        """The demand of demand-facing ``node``: :meth:`sample` scaled by its weight (called
        with ``weight`` only where the weight is not 1)."""
        if node.demand_weight == 1.0:
            return self.sample(rng, start, n_periods)
        return self.sample(rng, start, n_periods, weight=node.demand_weight)

    @property
    def draws_blocks(self) -> bool:
        """Whether :meth:`sample_block` can draw any block of SKUs on its own: the family
        implements ``_draw_block`` and demand is stationary (a modulation multiplier is
        built for all SKUs at once)."""
        return type(self)._draw_block is not DemandModel._draw_block and not (
            self.modulation.active
        )

    def sample_block(
        self, node: Any, key: int, start: int, n_periods: int, skus: slice
    ) -> np.ndarray:
        """The demand of SKUs ``skus`` at demand-facing ``node`` in periods ``start ..
        start + n_periods - 1``, ``(n_periods, len(skus))``, from counter-based uniforms
        keyed by ``key`` (:mod:`sim.demand.sampling`): a SKU's demand is the same whichever
        block it is drawn in, so a large run can go block by block (:mod:`sim.columns`).
        Only where :attr:`draws_blocks`."""
        if not self.draws_blocks:
            raise ValueError(f"demand '{self.family}' cannot draw SKUs block by block")
        check_block(start, n_periods)
        base, _ = self._base_and_level()
        skus = slice(*skus.indices(base.shape[0]))
        return self._draw_block(key, start, n_periods, skus, float(node.demand_weight))

    def _draw_block(
        self, key: int, start: int, n_periods: int, skus: slice, weight: float
    ) -> np.ndarray:
        """Optional: stationary demand of SKUs ``skus`` from counter-based uniforms
        (:meth:`sample_block`); ``weight`` scales the mean as in :meth:`sample`."""
        raise NotImplementedError

    def moments_at(self, node: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU mean and std of one period's demand at demand-facing ``node``."""
        weight = node.demand_weight
        mean = np.asarray(self.mean(), dtype=float) * weight
        return mean, np.asarray(self.std(weight=weight), float)

    def moments_path_at(
        self, node: Any, start: int, n_periods: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU mean and std of the demand of each period ``start .. start + n_periods -
        1`` at demand-facing ``node``, ``(n_periods, n_skus)`` each, for policies that plan
        period by period. Under modulation they are those of the distribution that
        :meth:`sample_at` draws from (seasonality, trend, shocks and the promotion plan are
        part of the scenario, known in advance like the plan); without it, and for models
        whose future is not known in advance (replayed data), :meth:`moments_at` in every
        period."""
        check_block(start, n_periods)
        if not self.modulation.active:
            mean, std = self.moments_at(node)
            return np.tile(mean, (n_periods, 1)), np.tile(std, (n_periods, 1))
        base, _ = self._base_and_level()
        level = self.modulation.multiplier(np.arange(start, start + n_periods))
        level *= node.demand_weight
        mean = base * level
        return mean, np.broadcast_to(self._std_at(level), mean.shape).astype(float)

    def exog_table(self, names: Sequence[str], start: int, n_periods: int, node: Any) -> np.ndarray:
        """The data columns ``names`` at ``node`` (replayed data only)."""
        raise ValueError(f"demand '{self.family}' has no data columns {list(names)}")

    def shelf_lives(self, n_skus: int) -> np.ndarray | None:
        """Per-SKU shelf life (periods), or None when nothing perishes."""
        if self.shelf_life is None:
            return None
        return DEMAND.per_sku("shelf_life", np.asarray(self.shelf_life), n_skus).astype(np.int64)

    # -- shared by the families with a per-SKU ``mean`` level
    def _set_mean(self, mean: Any, mean_spread: Any) -> None:
        self._mean = DEMAND.positive("mean", mean)
        rule = f"a finite mean <= {MAX_MEAN:g} per period"
        DEMAND.check("mean", self._mean, self._mean <= MAX_MEAN, rule)
        self.mean_spread = non_negative_scalar("mean_spread", mean_spread)
        spread_needs_scalar("mean", self._mean, "mean_spread", self.mean_spread)

    def _population_means(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        """Per-SKU means: ``mean`` times lognormal factors with cross-SKU cv ``mean_spread``."""
        return DEMAND.per_sku("mean", self._mean, n_skus) * lognormal_factors(
            rng, n_skus, self.mean_spread
        )

    # -- family hooks
    @abstractmethod
    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray: ...

    @abstractmethod
    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray: ...

    @abstractmethod
    def _std_at(self, level: np.ndarray) -> np.ndarray: ...

    def _occurrence_rate(self) -> np.ndarray:
        raise ValueError(
            f"demand '{self.family}' has no continuous-time form; use poisson, "
            "negative_binomial, intermittent or deterministic"
        )

    def _event_sizes(self, rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
        return np.ones(sku.shape[0])

    def _columns(self) -> dict[str, np.ndarray]:
        return {}

    # -- public contract
    def setup(
        self,
        n_skus: int,
        rng: np.random.Generator,
        promotions_rng: np.random.Generator | None = None,
    ) -> None:
        """Draw the per-SKU population from the population stream ``rng``, and the promotion
        plan (if any) from ``promotions_rng`` (the "promotions" stream; default ``rng``)."""
        if not is_whole(n_skus, 1):
            raise ValueError(f"demand n_skus(={n_skus!r}) must be an integer >= 1")
        n_skus = int(n_skus)
        self._base = self._draw_population(n_skus, rng)
        self.modulation.setup(n_skus, rng, promotions_rng)
        self._level = self.modulation.annual_level()

    @property
    def has_promotions(self) -> bool:
        return self.modulation.promotions is not None

    def promotions(self, start: int, n_periods: int) -> np.ndarray:
        """The promotion plan of periods ``start .. start + n_periods - 1``: a bool array
        ``(n_periods, n_skus)``, all False without promotions. Known in advance."""
        self._base_and_level()
        check_block(start, n_periods)
        plan = self.modulation.promotions
        if plan is None:
            return np.zeros((n_periods, self.n_skus), dtype=bool)
        return plan.active(np.arange(start, start + n_periods))

    def _base_and_level(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU base mean (unmodulated) and first-year average multiplier, once
        :meth:`setup` has drawn them; a clear error before."""
        if self._base is None or self._level is None:
            raise RuntimeError(f"{type(self).__name__}: call setup(n_skus, rng) first")
        return self._base, self._level

    @property
    def n_skus(self) -> int:
        return int(self._base_and_level()[0].shape[0])

    def base_mean(self) -> np.ndarray:
        """Per-SKU mean demand per period without modulation."""
        return self._base_and_level()[0].copy()

    def mean(self) -> np.ndarray:
        """Long-run average demand per period: base mean times the first year's average
        multiplier."""
        base, level = self._base_and_level()
        return base * level

    def std(self, weight: float = 1.0) -> np.ndarray:
        """Per-period std of the unmodulated model scaled to :meth:`mean` (times
        ``weight``: the std of a store whose demand is ``weight`` times the model's)."""
        level = self._base_and_level()[1]
        return self._std_at(level if weight == 1.0 else level * weight)

    def mean_path(self, start: int, n_periods: int) -> np.ndarray:
        """Expected demand of periods ``start .. start + n_periods - 1``."""
        base, _ = self._base_and_level()
        check_block(start, n_periods)
        if not self.modulation.active:
            return np.tile(base, (n_periods, 1))
        return base * self.modulation.multiplier(np.arange(start, start + n_periods))

    def sample(
        self, rng: np.random.Generator, start: int, n_periods: int, weight: float = 1.0
    ) -> np.ndarray:
        """Demand realisations of periods ``start .. start + n_periods - 1``, float64 >= 0.

        ``weight`` scales expected demand the way modulation does (a store with weight 2
        sells twice the model's expected demand, its family's shape kept)."""
        base, _ = self._base_and_level()
        check_block(start, n_periods)
        mult = None
        if self.modulation.active:
            mult = self.modulation.multiplier(np.arange(start, start + n_periods))
        if weight != 1.0:
            mult = (
                np.full((n_periods, base.shape[0]), float(weight))
                if mult is None
                else (mult * weight)
            )
        return self._draw(rng, mult, n_periods)

    def sample_events(
        self, rng: np.random.Generator, horizon: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customer orders in ``[0, horizon)``: ``(times, sku_index, sizes)`` sorted by time.

        Draw order is period by period, SKU by SKU, and the sort is stable, so equal times
        (rare, from float rounding) stay in SKU order: the result is the same bit for bit on
        every machine. See the module docstring for each family's process.
        """
        base, _ = self._base_and_level()
        rate = self._occurrence_rate()
        starts, lengths, mult = self._cells(horizon)
        expected = rate * lengths[:, None] if mult is None else rate * mult * lengths[:, None]
        counts = rng.poisson(expected).ravel()
        cell_sku = np.repeat(np.arange(counts.size), counts)
        cell, sku = np.divmod(cell_sku, base.shape[0])
        times = starts[cell] + lengths[cell] * rng.random(cell.size)
        np.minimum(times, np.nextafter(float(horizon), 0.0), out=times)
        order = np.argsort(times, kind="stable")
        times, sku = times[order], sku[order]
        return times, sku, self._event_sizes(rng, sku)

    def _cells(self, horizon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Time cells of constant arrival rate: one cell ``[0, horizon)`` without modulation,
        one cell per period (the last one possibly partial) with it."""
        horizon = float(horizon)
        if not np.isfinite(horizon) or horizon <= 0:
            raise ValueError(f"demand horizon(={horizon}) must be > 0 and finite")
        if not self.modulation.active:
            return np.zeros(1), np.array([horizon]), None
        starts = np.arange(int(np.ceil(horizon)), dtype=float)
        lengths = np.minimum(1.0, horizon - starts)
        return starts, lengths, self.modulation.multiplier(starts)


class MeanDemand(DemandModel):
    """A family whose only own parameter is the per-SKU ``mean`` (lognormal spread
    ``mean_spread`` across SKUs), the population being those means: Poisson and
    deterministic demand, which differ only in how they draw around them."""

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        return self._population_means(n_skus, rng)


def population_summary(model: DemandModel) -> pd.DataFrame:
    """One row per SKU: ``sku``, ``family``, ``mean``, ``std``, ``base_mean`` and the
    family's own parameters (``base_std``; ``variance_ratio``; ``probability``,
    ``size_mean``), then ``yearly_peak`` and ``shock_<j>`` when modulation draws them."""
    mean = model.mean()
    frame = pd.DataFrame(
        {
            "sku": np.arange(mean.shape[0], dtype=np.int64),
            "family": model.family,
            "mean": mean,
            "std": model.std(),
            "base_mean": model.base_mean(),
        }
    )
    for name, column in {**model._columns(), **model.modulation.columns()}.items():
        frame[name] = column
    return frame
