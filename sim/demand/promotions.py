"""Planned promotions: which SKUs are on promotion in which periods.

Promotions (``promotions: {probability, duration, lift, periods}``; default none) are one
more factor of the modulation (:mod:`sim.demand.modulation`): while SKU ``i`` is on
promotion in period ``t`` its expected demand is multiplied by ``lift``. A promotion starts
with probability ``probability`` per SKU and period, independently, or in each of the
listed ``periods`` for every SKU, and runs for ``duration`` periods. The plan is part of
the scenario, like the SKU population: it is drawn once per run from its own named stream
("promotions"), every replication and every rival policy meets the same plan, and it is
defined for every period, negative ones included (the history forecasters learn from).
Promotions are planned, so the plan is known in advance:
:meth:`sim.demand.DemandModel.promotions` gives it to forecasters as an exogenous column.
The random starts come from counter-based uniforms
(:func:`sim.demand.sampling.counter_uniform`): the uniform of ``(period, SKU)`` is a hash
of the run's 64-bit key, the period and the SKU, so any block of periods comes out the
same whichever call asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from sim.checks import is_number
from sim.demand.sampling import counter_uniform
from sim.demand.validation import scalar, scalar_in

__all__ = ["Promotions", "parse_promotions"]


class Promotions:
    """Planned promotions (see the module docstring): which SKUs are on promotion when.

    ``probability``: chance that a promotion of a SKU starts in a period; ``periods``: periods
    in which a promotion of every SKU starts (a fixed schedule; both may be given);
    ``duration``: periods a promotion runs; ``lift``: the multiplier of expected demand
    while it runs. ``setup`` draws the run's key; ``active(periods)`` is the plan.
    """

    KEYS: ClassVar[tuple[str, ...]] = ("probability", "duration", "lift", "periods")

    def __init__(
        self,
        *,
        probability: float = 0.0,
        duration: int = 1,
        lift: float = 2.0,
        periods: Sequence[int] | None = None,
    ) -> None:
        self.probability = scalar_in("promotions.probability", probability, 0.0, 1.0)
        if not _is_integer(duration) or duration < 1:
            raise ValueError(f"demand promotions.duration(={duration!r}) must be an integer >= 1")
        self.duration = int(duration)
        self.lift = scalar("promotions.lift", lift)
        if not self.lift > 0:
            raise ValueError(f"demand promotions.lift(={lift!r}) must be > 0")
        if isinstance(periods, str | Mapping) or not all(map(_is_integer, periods or [])):
            raise ValueError(f"demand promotions.periods(={periods!r}) must list integers")
        self.periods = np.unique(np.asarray(list(periods or []), dtype=np.int64))
        if self.probability == 0 and self.periods.size == 0:
            raise ValueError(
                "demand promotions need a probability(=0.0) > 0 or a list of periods; "
                "leave promotions out (null) for none"
            )
        self._key: int | None = None
        self._n_skus: int | None = None

    def setup(self, n_skus: int, rng: np.random.Generator) -> None:
        """Draw the run's 64-bit key from ``rng`` (the "promotions" stream)."""
        self._n_skus = int(n_skus)
        self._key = int(rng.integers(0, 2**63, dtype=np.int64)) * 2 + 1

    def starts(self, periods: np.ndarray) -> np.ndarray:
        """``(len(periods), n_skus)``: whether a promotion starts in each period."""
        if self._key is None or self._n_skus is None:
            raise RuntimeError("demand promotions: call setup(n_skus, rng) first")
        t = np.asarray(periods, dtype=np.int64)
        if self.probability > 0:
            out = counter_uniform(self._key, t, self._n_skus) < self.probability
        else:
            out = np.zeros((t.shape[0], self._n_skus), dtype=bool)
        if self.periods.size:
            out[np.isin(t, self.periods)] = True
        return out

    def active(self, periods: np.ndarray) -> np.ndarray:
        """``(len(periods), n_skus)``: whether each SKU is on promotion in each period
        (a promotion that started in one of the last ``duration`` periods)."""
        t = np.floor(np.asarray(periods, dtype=float)).astype(np.int64)
        if self.duration == 1 or t.size == 0:
            return self.starts(t)
        first, last = int(t.min()) - self.duration + 1, int(t.max())
        running = np.zeros((last - first + 2, self._n_skus or 0), dtype=np.int64)
        # running[k]: promotions started in periods first .. first + k - 1
        np.cumsum(self.starts(np.arange(first, last + 1)), axis=0, out=running[1:])
        return running[t - first + 1] > running[t - first + 1 - self.duration]


def _is_integer(v: Any) -> bool:
    """A number (never a bool) with no fractional part: ``3`` or ``3.0``."""
    if not is_number(v):
        return False
    return float(v).is_integer()


def parse_promotions(value: Any) -> Promotions | None:
    """``promotions`` as configured: null or an empty mapping (none), a mapping of
    :attr:`Promotions.KEYS`, or a :class:`Promotions` already built."""
    if value is None or isinstance(value, Promotions):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(
            f"demand promotions(={value!r}) must be a mapping {{probability, duration, lift, "
            "periods} or null"
        )
    if not value:
        return None
    unknown = sorted(set(value) - set(Promotions.KEYS))
    if unknown:
        raise ValueError(
            f"demand promotions has unknown key(s) {unknown}; expected {list(Promotions.KEYS)}"
        )
    return Promotions(**dict(value))
