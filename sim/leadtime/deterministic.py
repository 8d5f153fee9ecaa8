"""A fixed lead time: the same number of periods for every order of a SKU."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.leadtime.base import LEAD_TIME, LeadTimeModel, non_negative_int

__all__ = ["Deterministic"]


class Deterministic(LeadTimeModel):
    """A fixed lead time of ``value`` periods (an integer >= 0, or one per SKU)."""

    #: per-SKU lead time, broadcast by ``setup``
    _values: np.ndarray

    def __init__(self, *, value: int | Sequence[int]) -> None:
        super().__init__()
        self._value = non_negative_int("value", value)

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        self._values = LEAD_TIME.per_sku("value", self._value, n_skus)

    def _mean(self) -> np.ndarray:
        return self._values.astype(np.float64)

    def _std(self) -> np.ndarray:
        return np.zeros(self.n_skus)

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray:
        return np.broadcast_to(self._values[sku], shape).copy()

    def _homogeneous(self) -> bool:
        return self._value.ndim == 0 or bool(np.all(self._value == self._value[0]))

    @property
    def constant(self) -> int | None:
        return int(self._value.reshape(-1)[0]) if self._homogeneous() else None
