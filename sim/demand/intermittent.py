"""Intermittent demand: Croston's (1972) model of rare, lumpy demand.

In each period a demand occurs with probability ``p``, and its size is positive: geometric
or shifted Poisson (both integer), or lognormal (real-valued). Mean ``p * s``; variance
``p * E[S^2] - (p * s)^2``. Each size distribution is a small class (:class:`OrderSizes`),
chosen once from ``size_dist``. Under modulation the occurrence probability carries the
multiplier; where ``p * m(t)`` would exceed 1 the occurrence is certain and the excess goes
into the size mean. In continuous time, demands arrive as a Poisson process at rate ``p``
per time unit with the same sizes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Literal, Unpack

import numpy as np

from sim.demand.base import DemandModel
from sim.demand.modulation import ModulationParams
from sim.demand.validation import DEMAND, non_negative_scalar, spread_needs_scalar

__all__ = [
    "SIZE_DISTRIBUTIONS",
    "GeometricSizes",
    "Intermittent",
    "LognormalSizes",
    "OrderSizes",
    "PoissonSizes",
    "SizeDist",
]

#: The values of ``size_dist``.
SizeDist = Literal["geometric", "poisson", "lognormal"]


class OrderSizes(ABC):
    """The size distribution of one demand occurrence, given its mean (per draw).

    ``configure(size_mean, size_cv)`` checks the configured size keys for this
    distribution and builds it; ``sample`` draws sizes of the given means; ``variance``
    is the variance of a size of mean ``mean``.
    """

    name: ClassVar[str]
    #: the size cv when the distribution takes one (``size_cv``), else None
    cv: float | None = None

    @classmethod
    @abstractmethod
    def configure(cls, size_mean: np.ndarray, size_cv: float | None) -> OrderSizes: ...

    @abstractmethod
    def sample(self, rng: np.random.Generator, mean: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def variance(self, mean: np.ndarray) -> np.ndarray: ...


class _WholeSizes(OrderSizes):
    """Integer sizes 1, 2, ...: the mean is at least 1 and fixes the cv."""

    @classmethod
    def configure(cls, size_mean: np.ndarray, size_cv: float | None) -> OrderSizes:
        rule = f">= 1 for {cls.name} sizes (sizes are >= 1)"
        DEMAND.check("size_mean", size_mean, size_mean >= 1, rule)
        if size_cv is not None:
            raise ValueError(
                f"demand size_cv(={size_cv}) applies to lognormal sizes only; "
                f"{cls.name} sizes have their cv fixed by size_mean"
            )
        return cls()


class GeometricSizes(_WholeSizes):
    """Geometric sizes on 1, 2, ... with mean ``s``: variance ``s (s - 1)``."""

    name = "geometric"

    def sample(self, rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
        return rng.geometric(1.0 / mean).astype(np.float64)

    def variance(self, mean: np.ndarray) -> np.ndarray:
        return mean * (mean - 1.0)


class PoissonSizes(_WholeSizes):
    """Shifted Poisson sizes ``1 + Poisson(s - 1)``: variance ``s - 1``."""

    name = "poisson"

    def sample(self, rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
        return 1.0 + rng.poisson(mean - 1.0)

    def variance(self, mean: np.ndarray) -> np.ndarray:
        return mean - 1.0


class LognormalSizes(OrderSizes):
    """Real-valued lognormal sizes with mean ``s`` and cv ``size_cv``: ``exp(N(log s -
    sigma**2 / 2, sigma**2))``, ``sigma**2 = log(1 + cv**2)`` (Johnson, Kotz & Balakrishnan
    1994, Ch. 14); the only non-integer demand besides normal and deterministic."""

    name = "lognormal"

    def __init__(self, cv: float) -> None:
        self.cv = self._cv = cv

    @classmethod
    def configure(cls, size_mean: np.ndarray, size_cv: float | None) -> OrderSizes:
        if size_cv is None:
            raise ValueError("demand size_cv(=None) must be given for lognormal sizes")
        return cls(float(DEMAND.positive("size_cv", size_cv)))

    def sample(self, rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
        sigma2 = np.log1p(self._cv**2)
        return rng.lognormal(np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2))

    def variance(self, mean: np.ndarray) -> np.ndarray:
        return (self._cv * mean) ** 2


#: ``size_dist`` -> its size distribution
SIZE_DISTRIBUTIONS: dict[str, type[OrderSizes]] = {
    sizes.name: sizes for sizes in (GeometricSizes, PoissonSizes, LognormalSizes)
}


class Intermittent(DemandModel):
    """Croston (1972) demand: a Bernoulli(``probability``) occurrence times a positive size.

    ``size_dist``: ``"geometric"`` (sizes 1, 2, ..., mean ``size_mean`` >= 1, variance
    ``s (s - 1)``), ``"poisson"`` (``1 + Poisson(size_mean - 1)``, variance ``s - 1``) or
    ``"lognormal"`` (real-valued, mean ``size_mean``, cv ``size_cv``; the only
    non-integer demand besides normal and deterministic). ``probability_spread`` is the cv
    of the per-SKU probability across the population (beta-distributed).
    """

    family = "intermittent"
    SIZE_DISTS: ClassVar[tuple[str, ...]] = tuple(SIZE_DISTRIBUTIONS)

    #: per-SKU occurrence probability and size mean at base level, drawn by ``setup``
    _occurrence: np.ndarray
    _size_mean: np.ndarray

    def __init__(
        self,
        *,
        probability: float | Sequence[float],
        size_mean: float | Sequence[float],
        size_dist: SizeDist = "geometric",
        size_cv: float | None = None,
        probability_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        probability_in = DEMAND.array("probability", probability)
        DEMAND.check(
            "probability", probability_in, (probability_in > 0) & (probability_in <= 1), "in (0, 1]"
        )
        self._probability_in = probability_in
        if size_dist not in self.SIZE_DISTS:
            raise ValueError(f"demand size_dist(={size_dist!r}) must be one of {self.SIZE_DISTS}")
        self.size_dist = size_dist
        size_mean_in = DEMAND.positive("size_mean", size_mean)
        self.sizes = SIZE_DISTRIBUTIONS[size_dist].configure(size_mean_in, size_cv)
        self.size_cv = self.sizes.cv
        self._size_mean_in = size_mean_in
        self.probability_spread = non_negative_scalar("probability_spread", probability_spread)
        spread_needs_scalar(
            "probability", probability_in, "probability_spread", self.probability_spread
        )
        if self.probability_spread > 0:
            p = float(probability_in)
            limit = np.sqrt((1 - p) / p)
            if self.probability_spread >= limit:
                raise ValueError(
                    f"demand probability_spread(={self.probability_spread}) must be < "
                    f"sqrt((1 - p) / p) = {limit:.4g} for probability {p} (beta distribution)"
                )

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        if self.probability_spread > 0:
            p = float(self._probability_in)
            total = (1 - p) / (p * self.probability_spread**2) - 1  # a + b of the beta
            self._occurrence = rng.beta(p * total, (1 - p) * total, n_skus)
        else:
            self._occurrence = DEMAND.per_sku("probability", self._probability_in, n_skus)
        self._size_mean = DEMAND.per_sku("size_mean", self._size_mean_in, n_skus)
        return self._occurrence * self._size_mean

    def _split(self, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Occurrence probability and size mean when the multiplier is ``level``."""
        occurrence = np.minimum(self._occurrence * level, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            excess = np.where(occurrence > 0, self._occurrence * level / occurrence, 1.0)
        return occurrence, self._size_mean * excess

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        self._base_and_level()
        n_skus = self._occurrence.shape[0]
        if mult is None:
            occurrence, size_mean = self._occurrence, self._size_mean
        else:
            occurrence, size_mean = self._split(mult)
        occurs = rng.random((n_periods, n_skus)) < occurrence
        where = np.flatnonzero(occurs)
        if mult is None:
            sizes_of = self._size_mean[where % n_skus]
        else:
            sizes_of = size_mean.ravel()[where]
        out = np.zeros((n_periods, n_skus))
        out.ravel()[where] = self.sizes.sample(rng, sizes_of)
        return out

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        self._base_and_level()
        occurrence, size_mean = self._split(level)
        var_size = self.sizes.variance(size_mean)
        second_moment = occurrence * (var_size + size_mean * size_mean)
        return np.sqrt(np.maximum(second_moment - (occurrence * size_mean) ** 2, 0.0))

    def _occurrence_rate(self) -> np.ndarray:
        self._base_and_level()
        return self._occurrence

    def _event_sizes(self, rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
        return self.sizes.sample(rng, self._size_mean[sku])

    def _columns(self) -> dict[str, np.ndarray]:
        return {"probability": self._occurrence.copy(), "size_mean": self._size_mean.copy()}
