"""An empirical lead-time distribution: ``values`` taken with ``probabilities``.

The same distribution for every SKU, sampled by inversion of one uniform per order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.leadtime.base import LEAD_TIME, LeadTimeModel, non_negative_int

__all__ = ["PROBABILITY_TOLERANCE", "Discrete"]

#: Tolerance on the sum of ``Discrete`` probabilities.
PROBABILITY_TOLERANCE = 1e-9


class Discrete(LeadTimeModel):
    """An empirical lead-time distribution, the same for every SKU: ``values`` (integers
    >= 0) taken with ``probabilities`` (each in [0, 1], summing to 1 within 1e-9)."""

    def __init__(self, *, values: Sequence[int], probabilities: Sequence[float]) -> None:
        super().__init__()
        vals = non_negative_int("values", values)
        probs = LEAD_TIME.array("probabilities", probabilities)
        if vals.ndim != 1 or probs.ndim != 1:
            raise ValueError(
                f"lead_time values(={values!r}) and probabilities(={probabilities!r}) must be lists"
            )
        if vals.shape != probs.shape:
            raise ValueError(
                f"lead_time values has {vals.shape[0]} entries but probabilities has "
                f"{probs.shape[0]}"
            )
        LEAD_TIME.check("probabilities", probs, (probs >= 0) & (probs <= 1), "in [0, 1]")
        total = float(probs.sum())
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise ValueError(
                f"lead_time probabilities(={list(probs)}) must sum to 1, got {total!r}"
            )
        self.values = vals
        self.probabilities = probs
        self._cumulative = np.cumsum(probs)

    def _mean(self) -> np.ndarray:
        return np.full(self.n_skus, float(self.values @ self.probabilities))

    def _std(self) -> np.ndarray:
        mean = float(self.values @ self.probabilities)
        var = float(((self.values - mean) ** 2) @ self.probabilities)
        return np.full(self.n_skus, np.sqrt(var))

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray:
        # Inversion; the clip keeps u >= (a sum just below 1) on the last value.
        index = np.searchsorted(self._cumulative, rng.random(shape), side="right")
        np.minimum(index, self.values.shape[0] - 1, out=index)
        return self.values[index]

    def _periodic(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.int64)
