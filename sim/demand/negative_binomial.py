"""Negative binomial demand: over-dispersed counts (variance > mean).

Counts are a gamma mixture of Poissons (Greenwood & Yule 1920). Stocklab fixes the
variance-to-mean ratio ``v`` of each SKU: counts in an interval of expected demand ``m``
are NB(r = m / (v - 1), p = 1 / v). This is the only parametrisation that is closed under
time aggregation and modulation: it is the count of a compound Poisson process with
logarithmic order sizes (Quenouille 1949), which is also how continuous time is simulated.
Give ``variance_ratio`` directly, or ``cv`` of per-period demand at the base mean (then
``v = cv**2 * mean``, which must exceed 1). Stationary demand is drawn from a per-SKU
inversion table (:class:`sim.demand.sampling.InversionTable`) when it fits the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

import numpy as np
from scipy import stats

from sim.demand.base import DemandModel
from sim.demand.modulation import ModulationParams
from sim.demand.sampling import TABLE_TAIL, InversionTable, table_support
from sim.demand.validation import DEMAND

__all__ = ["NegativeBinomial"]


class NegativeBinomial(DemandModel):
    """Negative binomial demand with a fixed variance-to-mean ratio per SKU.

    Give ``variance_ratio`` (> 1, common to all SKUs) or ``cv`` of per-period demand at
    each SKU's base mean, converted to ``variance_ratio_i = cv**2 * mean_i`` (must be > 1
    for every SKU). Under modulation the ratio stays fixed, so the cv changes.
    """

    family = "negative_binomial"

    #: per-SKU variance-to-mean ratio, set by ``setup``
    _ratio: np.ndarray

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        cv: float | None = None,
        variance_ratio: float | None = None,
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)
        if (cv is None) == (variance_ratio is None):
            raise ValueError(
                f"demand negative_binomial needs exactly one of cv(={cv}) and "
                f"variance_ratio(={variance_ratio})"
            )
        self.cv = None if cv is None else float(DEMAND.positive("cv", cv))
        self.variance_ratio = None
        if variance_ratio is not None:
            ratio = DEMAND.array("variance_ratio", variance_ratio)
            if ratio.ndim:
                raise ValueError(f"demand variance_ratio(={variance_ratio!r}) must be one number")
            DEMAND.check(
                "variance_ratio", ratio, np.isfinite(ratio) & (ratio > 1), "> 1 (variance > mean)"
            )
            self.variance_ratio = float(ratio)
        elif self.cv is not None and self._mean.ndim == 0 and self.mean_spread == 0:
            self._ratio_from_cv(self._mean.reshape(1))
        self._table: InversionTable | None = None
        self._table_tried = False

    def _ratio_from_cv(self, base: np.ndarray) -> np.ndarray:
        cv = float(self.cv or 0.0)
        ratio = cv * cv * base
        bad = np.flatnonzero(ratio <= 1)
        if bad.size:
            i = int(bad[np.argmin(base[bad])])
            where = f" (SKU {i})" if base.shape[0] > 1 else ""
            raise ValueError(
                f"demand cv(={cv}) gives variance <= mean at mean {base[i]:.6g}{where}: the "
                f"negative binomial needs cv**2 * mean > 1, i.e. cv > {1 / np.sqrt(base[i]):.4g}; "
                "raise cv, lower mean_spread, or use poisson"
            )
        return ratio

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        self._table, self._table_tried = None, False
        base = self._population_means(n_skus, rng)
        if self.variance_ratio is not None:
            self._ratio = np.full(n_skus, self.variance_ratio)
        else:
            self._ratio = self._ratio_from_cv(base)
        return base

    def _params(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU ``r`` at base level and success probability ``p = 1 / ratio``."""
        base, _ = self._base_and_level()
        ratio = self._ratio
        return base / (ratio - 1.0), 1.0 / ratio

    def _stationary_table(self) -> InversionTable | None:
        """Inversion table at base level, built on first use (None if too large)."""
        if not self._table_tried:
            self._table_tried = True
            r, p = self._params()
            if np.all(p == p[0]):  # the tail quantile grows with r at fixed p
                upper = stats.nbinom.isf(TABLE_TAIL, r.max(), p[0])
            else:
                upper = stats.nbinom.isf(TABLE_TAIL, r, p).max()
            k = table_support(upper, r.shape[0]) if np.isfinite(upper) else None
            if k is not None:
                # log pmf by the recursion P(x + 1) / P(x) = (x + r) (1 - p) / (x + 1)
                x = np.arange(k - 1, dtype=float)
                steps = np.log((x + r[:, None]) / (x + 1.0)) + np.log1p(-p)[:, None]
                log_pmf = np.empty((r.shape[0], k))
                log_pmf[:, 0] = r * np.log(p)
                np.cumsum(steps, axis=1, out=log_pmf[:, 1:])
                log_pmf[:, 1:] += log_pmf[:, :1]
                self._table = InversionTable(log_pmf)
        return self._table

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        r, p = self._params()
        scale = (1.0 - p) / p
        table = self._stationary_table() if mult is None else None
        if table is not None:
            return table.sample(rng, n_periods)
        shape = r if mult is None else r * mult
        shape = np.broadcast_to(shape, (n_periods, r.shape[0]))
        rate = rng.standard_gamma(shape) * scale  # gamma-Poisson mixture
        return rng.poisson(rate).astype(np.float64)

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        base, _ = self._base_and_level()
        return np.sqrt(self._ratio * base * level)

    def _occurrence_rate(self) -> np.ndarray:
        # Orders arrive at rate mean / E[size]; logarithmic sizes with q = 1 - p have
        # E[size] = q / (p * -log p) (Johnson, Kemp & Kotz 2005, Ch. 7).
        base, _ = self._base_and_level()
        p = 1.0 / self._ratio
        return base * p * -np.log(p) / (1.0 - p)

    def _event_sizes(self, rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
        q = 1.0 - 1.0 / self._ratio
        return rng.logseries(q[sku]).astype(np.float64)

    def _columns(self) -> dict[str, np.ndarray]:
        return {"variance_ratio": self._ratio.copy()}
