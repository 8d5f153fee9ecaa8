"""Deterministic demand: the same quantity every period, for EOQ-type textbook checks.

The quantity may be fractional. Modulation scales it; in continuous time one unit is
demanded each time the cumulative expected demand reaches a whole number.
"""

from __future__ import annotations

import numpy as np

from sim.demand.base import MeanDemand

__all__ = ["Deterministic"]


class Deterministic(MeanDemand):
    """Constant demand of ``mean`` units per period (fractional allowed); no randomness."""

    family = "deterministic"

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        base, _ = self._base_and_level()
        return np.tile(base, (n_periods, 1)) if mult is None else base * mult

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        return np.zeros(self.n_skus)

    def sample_events(
        self, rng: np.random.Generator, horizon: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit demands at the times where cumulative expected demand reaches 1, 2, ...

        Within a cell of constant rate ``c`` starting at ``t0`` with cumulative demand
        ``L0``, unit ``k`` falls at ``t0 + (k - L0) / c``. Without modulation: ``k / mean``.
        """
        base, _ = self._base_and_level()
        n = base.shape[0]
        starts, lengths, mult = self._cells(horizon)
        rate = np.broadcast_to(base, (starts.shape[0], n)) if mult is None else base * mult
        cum = np.zeros((starts.shape[0] + 1, n))
        np.cumsum(rate * lengths[:, None], axis=0, out=cum[1:])
        whole = np.floor(cum)
        counts = (whole[1:] - whole[:-1]).astype(np.int64).ravel()
        cell_sku = np.repeat(np.arange(counts.size), counts)
        first = np.cumsum(counts) - counts  # position of each cell's first unit
        rank = np.arange(cell_sku.size) - first[cell_sku]  # 0, 1, ... within a cell
        cell, sku = np.divmod(cell_sku, n)
        units = whole[:-1].ravel()[cell_sku] + 1.0 + rank
        times = starts[cell] + (units - cum[:-1].ravel()[cell_sku]) / rate.ravel()[cell_sku]
        keep = times < float(horizon)
        times, sku = times[keep], sku[keep]
        order = np.argsort(times, kind="stable")
        return times[order], sku[order], np.ones(order.shape[0])
