"""Poisson lead times: ``shift + Poisson(mean - shift)`` periods.

At least ``shift`` periods, mean ``mean``, variance ``mean - shift``: the spread of a lead
time made of a fixed transit and a random number of waiting periods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.leadtime.base import (
    LEAD_TIME,
    LeadTimeModel,
    check_order,
    check_order_given,
    non_negative_int,
)

__all__ = ["Poisson"]


class Poisson(LeadTimeModel):
    """``shift + Poisson(mean - shift)`` periods; ``mean >= shift``, ``shift`` an integer."""

    #: per-SKU mean and shift, broadcast by ``setup``
    _mean_per_sku: np.ndarray
    _shift: np.ndarray

    def __init__(self, *, mean: float | Sequence[float], shift: int | Sequence[int] = 0) -> None:
        super().__init__()
        self._mean_in = LEAD_TIME.non_negative("mean", mean)
        self._shift_in = non_negative_int("shift", shift)
        check_order_given(self._mean_in, self._shift_in, strict=False)

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        self._mean_per_sku = LEAD_TIME.per_sku("mean", self._mean_in, n_skus)
        self._shift = LEAD_TIME.per_sku("shift", self._shift_in, n_skus)
        check_order(self._mean_per_sku, self._shift, strict=False)

    def _mean(self) -> np.ndarray:
        return self._mean_per_sku.copy()

    def _std(self) -> np.ndarray:
        return np.sqrt(self._mean_per_sku - self._shift)

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray:
        rate = np.broadcast_to((self._mean_per_sku - self._shift)[sku], shape)
        return self._shift[sku] + rng.poisson(rate)

    def _periodic(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.int64)

    def _homogeneous(self) -> bool:
        return self._mean_in.ndim == 0 and self._shift_in.ndim == 0
