"""Normal demand censored at zero.

Demand ~ N(mu, sigma) censored at zero: ``max(x, 0)``. Censoring raises the mean by
``sigma * (phi(z) - z * Phi(-z))`` with ``z = mu / sigma`` (Johnson, Kotz & Balakrishnan
1994, Ch. 13; :func:`sim.demand.sampling.censored_normal_mean`); negligible for cv <= 0.5
(< 0.01 sigma), noticeable above. ``mean()``, ``std()`` and ``mean_path()`` report the
uncensored normal. Normal demand has no continuous-time form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

import numpy as np

from sim.demand.base import DemandModel
from sim.demand.modulation import ModulationParams
from sim.demand.validation import DEMAND, non_negative_scalar

__all__ = ["Normal"]


class Normal(DemandModel):
    """Normal demand censored at zero. Give ``std`` (absolute, per SKU or common) or ``cv``
    (per-SKU std = cv * per-SKU mean). Modulation scales mean and std together."""

    family = "normal"

    #: per-SKU std at base level, set by ``setup``
    _sigma: np.ndarray

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        std: float | Sequence[float] | None = None,
        cv: float | None = None,
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)
        if (std is None) == (cv is None):
            raise ValueError(f"demand normal needs exactly one of std(={std}) and cv(={cv})")
        self._std = None
        self.cv = None
        if std is not None:
            self._std = DEMAND.array("std", std)
            DEMAND.check("std", self._std, np.isfinite(self._std) & (self._std >= 0), ">= 0")
        else:
            self.cv = non_negative_scalar("cv", cv)

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        base = self._population_means(n_skus, rng)
        if self._std is not None:
            self._sigma = DEMAND.per_sku("std", self._std, n_skus)
        else:
            self._sigma = float(self.cv or 0.0) * base
        return base

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        base, _ = self._base_and_level()
        z = rng.standard_normal((n_periods, base.shape[0]))
        z *= self._sigma
        z += base
        np.maximum(z, 0.0, out=z)
        if mult is not None:
            z *= mult
        return z

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        self._base_and_level()
        return self._sigma * level

    def _columns(self) -> dict[str, np.ndarray]:
        return {"base_std": np.asarray(self._sigma).copy()}
