"""Modulation of expected demand: seasonality, trend, shocks and promotions (default off).

Modulation multiplies the expected demand: ``mean(t) = base_mean * weekly(t) * yearly(t) *
trend(t) * shocks(t)`` with ``weekly(t) = 1 + a_w cos(2 pi (t - weekly_peak) / 7)`` (or
``weekly_profile[t mod 7]``), ``yearly(t) = 1 + a_y cos(2 pi (t - peak_i) / 365)`` where
``peak_i = yearly_peak + U_i``, ``U_i`` uniform on ``[-phase_spread/2, phase_spread/2]``
per SKU, ``trend(t) = max(1 + trend * t, 0)``, and each shock multiplies by ``factor`` from
``period`` on (for a ``fraction`` of the SKUs, chosen from the population stream). The
promotion plan (:mod:`sim.demand.promotions`) is one more factor: ``lift`` while a SKU is
on promotion.

How each family carries the multiplier: Poisson scales its rate; negative binomial scales
``r`` (fixed variance-to-mean ratio); normal scales mean and std (fixed cv); intermittent
scales the occurrence probability, and where ``p * m(t)`` would exceed 1 the occurrence is
certain and the excess goes into the size mean; deterministic scales the quantity.
``mean()`` is the average of ``mean_path`` over the first year (periods 0..364), so trend
and shocks inside that year count. ``std()`` is the per-period std of the unmodulated
model scaled to ``mean()`` with the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import numpy as np

from sim.demand.promotions import parse_promotions
from sim.demand.validation import DEMAND, non_negative_scalar, scalar, scalar_in

__all__ = ["WEEK", "YEAR", "Modulation", "ModulationKeys", "ModulationParams"]

WEEK = 7
YEAR = 365


class ModulationKeys(TypedDict, total=False):
    """The keys of :class:`Modulation` (all default to "off")."""

    weekly_amplitude: float
    weekly_peak: float
    weekly_profile: Sequence[float] | None
    yearly_amplitude: float
    yearly_peak: float
    phase_spread: float
    trend: float
    shocks: Sequence[Mapping[str, float]] | None
    promotions: Mapping[str, Any] | None


class ModulationParams(ModulationKeys, total=False):
    """The keys every demand family accepts besides its own: the modulation's and
    ``shelf_life`` (all default to "off")."""

    shelf_life: Any


class Modulation:
    """Deterministic multiplier ``m_i(t)`` of the expected demand (see the module docstring).

    ``setup`` draws the per-SKU parts (yearly peak offsets if ``phase_spread > 0``, which
    SKUs a shock hits if its ``fraction < 1``; nothing otherwise) from the population
    stream, and the promotion plan's key from the "promotions" stream when one is given;
    ``multiplier(t)`` evaluates ``(len(t), n_skus)``. The weekly profile is indexed by
    ``floor(t) mod 7``; period 0 is profile day 0.
    """

    def __init__(
        self,
        *,
        weekly_amplitude: float = 0.0,
        weekly_peak: float = 0.0,
        weekly_profile: Sequence[float] | None = None,
        yearly_amplitude: float = 0.0,
        yearly_peak: float = 0.0,
        phase_spread: float = 0.0,
        trend: float = 0.0,
        shocks: Sequence[Mapping[str, float]] | None = None,
        promotions: Mapping[str, Any] | None = None,
    ) -> None:
        self.weekly_amplitude = scalar_in("weekly_amplitude", weekly_amplitude, 0.0, 1.0)
        self.weekly_peak = scalar("weekly_peak", weekly_peak)
        self.weekly_profile: np.ndarray | None = None
        if weekly_profile is not None:
            profile = DEMAND.array("weekly_profile", weekly_profile)
            if profile.shape != (WEEK,):
                raise ValueError(
                    f"demand weekly_profile(={weekly_profile!r}) must list {WEEK} multipliers"
                )
            DEMAND.check("weekly_profile", profile, np.isfinite(profile) & (profile >= 0), ">= 0")
            if self.weekly_amplitude > 0:
                raise ValueError(
                    f"demand weekly_amplitude(={weekly_amplitude}) and weekly_profile are "
                    "exclusive; give one"
                )
            self.weekly_profile = profile
        self.yearly_amplitude = scalar_in("yearly_amplitude", yearly_amplitude, 0.0, 1.0)
        self.yearly_peak = scalar("yearly_peak", yearly_peak)
        self.phase_spread = scalar_in("phase_spread", phase_spread, 0.0, float(YEAR))
        self.trend = scalar("trend", trend)
        self.shocks = [_shock(j, s) for j, s in enumerate(shocks or [])]
        self.promotions = parse_promotions(promotions)
        self._n_skus: int | None = None
        self._peak: np.ndarray | None = None  # per-SKU yearly peak period
        self._hit: np.ndarray | None = None  # (n_shocks, n_skus) bool

    @property
    def active(self) -> bool:
        return bool(
            self.weekly_amplitude > 0
            or self.weekly_profile is not None
            or self.yearly_amplitude > 0
            or self.trend != 0
            or self.shocks
            or self.promotions is not None
        )

    def setup(
        self,
        n_skus: int,
        rng: np.random.Generator,
        promotions_rng: np.random.Generator | None = None,
    ) -> None:
        self._n_skus = n_skus
        half = 0.5 * self.phase_spread
        offset = rng.uniform(-half, half, n_skus) if self.phase_spread > 0 else np.zeros(n_skus)
        self._peak = self.yearly_peak + offset
        hit = np.ones((len(self.shocks), n_skus), dtype=bool)
        for j, shock in enumerate(self.shocks):  # a few shocks, never SKUs
            if shock["fraction"] < 1.0:
                chosen = rng.choice(n_skus, size=round(shock["fraction"] * n_skus), replace=False)
                hit[j] = False
                hit[j, chosen] = True
        self._hit = hit
        if self.promotions is not None:
            self.promotions.setup(n_skus, rng if promotions_rng is None else promotions_rng)

    def multiplier(self, t: np.ndarray) -> np.ndarray:
        """``m_i(t)`` for times ``t`` (periods, possibly fractional): ``(len(t), n_skus)``."""
        if self._n_skus is None or self._peak is None or self._hit is None:
            raise RuntimeError("demand modulation: call setup(n_skus, rng) first")
        t = np.asarray(t, dtype=float)
        common = np.ones(t.shape[0])
        if self.weekly_profile is not None:
            common *= self.weekly_profile[np.floor(t).astype(np.int64) % WEEK]
        elif self.weekly_amplitude > 0:
            common *= 1.0 + self.weekly_amplitude * np.cos(
                2 * np.pi * (t - self.weekly_peak) / WEEK
            )
        if self.trend != 0:
            common *= np.maximum(1.0 + self.trend * t, 0.0)
        out = np.empty((t.shape[0], self._n_skus))
        if self.yearly_amplitude > 0:
            phase = (2 * np.pi / YEAR) * (t[:, None] - self._peak[None, :])
            np.cos(phase, out=out)
            out *= self.yearly_amplitude
            out += 1.0
            out *= common[:, None]
        else:
            out[:] = common[:, None]
        for j, shock in enumerate(self.shocks):
            after = t >= shock["period"]
            out[np.ix_(after, self._hit[j])] *= shock["factor"]
        if self.promotions is not None:
            out[self.promotions.active(t)] *= self.promotions.lift
        return out

    def annual_level(self) -> np.ndarray:
        """Average multiplier over periods 0..364, per SKU."""
        if not self.active:
            return np.ones(self._n_skus or 0)
        return self.multiplier(np.arange(YEAR, dtype=float)).mean(axis=0)

    def columns(self) -> dict[str, np.ndarray]:
        """Per-SKU modulation parameters for :func:`population_summary`."""
        cols: dict[str, np.ndarray] = {}
        if self.yearly_amplitude > 0 and self._peak is not None:
            cols["yearly_peak"] = self._peak.copy()
        if self._hit is not None:
            for j in range(len(self.shocks)):
                cols[f"shock_{j}"] = self._hit[j].copy()
        if self.promotions is not None and self._n_skus is not None:
            year = self.promotions.active(np.arange(YEAR))
            cols["promotion_share"] = year.mean(axis=0)
        return cols


def _shock(j: int, shock: Any) -> dict[str, float]:
    """Shock ``j`` as configured: ``{period, factor, fraction}`` with the defaults filled in."""
    if not isinstance(shock, Mapping):
        raise ValueError(f"demand shocks[{j}](={shock!r}) must be a mapping {{period, factor}}")
    shock = dict(shock)
    unknown = set(shock) - {"period", "factor", "fraction"}
    if unknown:
        raise ValueError(f"demand shocks[{j}] has unknown key(s) {sorted(unknown)}")
    for key in ("period", "factor"):
        if key not in shock:
            raise ValueError(f"demand shocks[{j}] needs '{key}'")
    period = shock["period"]
    if isinstance(period, bool) or not float(period).is_integer() or period < 0:
        raise ValueError(f"demand shocks[{j}].period(={period!r}) must be an integer >= 0")
    factor = non_negative_scalar(f"shocks[{j}].factor", shock["factor"])
    fraction = scalar_in(f"shocks[{j}].fraction", shock.get("fraction", 1.0), 0.0, 1.0)
    return {"period": int(period), "factor": factor, "fraction": fraction}
