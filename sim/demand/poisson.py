"""Poisson demand: variance equals the mean.

Demand per period ~ Poisson(mu). Stationary demand is sampled by exact inversion of one
uniform per draw (:mod:`sim.demand.poisson_inversion`; a CDF table per SKU with a guide
table, Chen & Asau 1974; Devroye 1986, Sec. III.2.4), which makes demand monotone in the
random number and so keeps common random numbers tight, and lets a large run draw its SKUs
block by block from counter-based uniforms; modulated demand by numpy's PTRS (Hörmann
1993). In continuous time, customers arrive as a Poisson process, one unit each.
"""

from __future__ import annotations

import numpy as np

from sim.demand.base import MeanDemand
from sim.demand.poisson_inversion import poisson_inverse
from sim.demand.sampling import counter_uniforms

__all__ = ["Poisson"]


class Poisson(MeanDemand):
    """Poisson demand, per-SKU mean ``mean`` (lognormal spread ``mean_spread`` across SKUs)."""

    family = "poisson"

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        base, _ = self._base_and_level()
        if mult is not None:
            return rng.poisson(base * mult).astype(np.float64)
        # exact inversion of one uniform per draw, at any mean: per-SKU tables built
        # chunk by chunk, so no table budget and no slower fallback
        return poisson_inverse(base, rng.random((n_periods, base.shape[0])), uniforms_checked=True)

    def _draw_block(
        self, key: int, start: int, n_periods: int, skus: slice, weight: float
    ) -> np.ndarray:
        mean = self._base_and_level()[0][skus]
        if weight != 1.0:
            mean = mean * weight
        periods = np.arange(start, start + n_periods)
        uniforms = counter_uniforms(key, periods, np.arange(skus.start, skus.stop))
        return poisson_inverse(mean, uniforms, uniforms_checked=True)

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        return np.sqrt(self._base_and_level()[0] * level)

    def _occurrence_rate(self) -> np.ndarray:
        return self._base_and_level()[0]
