"""Shifted gamma lead times: ``shift + Gamma`` with total mean ``mean`` and cv ``cv`` of
the gamma part.

The gamma has shape ``1 / cv**2`` and scale ``(mean - shift) * cv**2`` (Johnson, Kotz &
Balakrishnan 1994, Ch. 17). Periodic review rounds a draw to the nearest period;
continuous review keeps it real.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.leadtime.base import LEAD_TIME, LeadTimeModel, check_order, check_order_given

__all__ = ["ShiftedGamma"]


class ShiftedGamma(LeadTimeModel):
    """``shift + Gamma``: total mean ``mean`` (> ``shift``), cv ``cv`` (> 0) of the gamma
    part. Rounded to the nearest period in periodic review, unrounded in continuous."""

    #: per-SKU shift, mean beyond it and cv of the gamma part, broadcast by ``setup``
    _shift: np.ndarray
    _excess: np.ndarray
    _cv: np.ndarray

    def __init__(
        self,
        *,
        shift: float | Sequence[float],
        mean: float | Sequence[float],
        cv: float | Sequence[float],
    ) -> None:
        super().__init__()
        self._shift_in = LEAD_TIME.non_negative("shift", shift)
        self._mean_in = LEAD_TIME.non_negative("mean", mean)
        self._cv_in = LEAD_TIME.array("cv", cv)
        LEAD_TIME.check("cv", self._cv_in, np.isfinite(self._cv_in) & (self._cv_in > 0), "> 0")
        check_order_given(self._mean_in, self._shift_in, strict=True)

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        self._shift = LEAD_TIME.per_sku("shift", self._shift_in, n_skus)
        mean = LEAD_TIME.per_sku("mean", self._mean_in, n_skus)
        check_order(mean, self._shift, strict=True)
        self._excess = mean - self._shift
        self._cv = LEAD_TIME.per_sku("cv", self._cv_in, n_skus)

    def _mean(self) -> np.ndarray:
        return self._shift + self._excess

    def _std(self) -> np.ndarray:
        return self._cv * self._excess

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray:
        cv_squared = self._cv[sku] ** 2
        gamma_shape = np.broadcast_to(1.0 / cv_squared, shape)
        gamma_scale = self._excess[sku] * cv_squared
        return self._shift[sku] + rng.standard_gamma(gamma_shape) * gamma_scale

    def _homogeneous(self) -> bool:
        return self._shift_in.ndim == 0 and self._mean_in.ndim == 0 and self._cv_in.ndim == 0
