"""Replenishment lead times: how many periods pass between placing and receiving an order.

Periodic review uses a pre-sampled grid: :meth:`LeadTimeModel.sample` draws the lead time
of an order placed in period ``t`` for SKU ``i`` for a whole run at once, so rival
policies replayed on the same streams face the same lead times (common random numbers),
whether they order in a period or not. Lead times are drawn independently per order, so
orders can cross (a later order may arrive first; Zalkind 1978 and Bradley & Robinson
2005 discuss the consequences). Continuous review draws lead times one order at a time
with :meth:`LeadTimeModel.sample_continuous`.

Models (choose by class):

``Deterministic``
    A fixed number of periods, common or one per SKU.
``Poisson``
    ``shift + Poisson(mean - shift)``: at least ``shift`` periods, mean ``mean``,
    variance ``mean - shift``.
``Discrete``
    An empirical distribution: ``values`` with ``probabilities``, sampled by inversion.
``ShiftedGamma``
    ``shift + Gamma`` with total mean ``mean`` and coefficient of variation ``cv`` of the
    gamma part: shape ``1 / cv**2``, scale ``(mean - shift) * cv**2`` (the gamma moments,
    Johnson, Kotz & Balakrishnan 1994, Ch. 17). Periodic review rounds the draw to
    the nearest period; ``mean()``/``std()`` report the unrounded distribution, which the
    rounding changes by at most a small fraction of a period.

Every numeric parameter of ``Deterministic``, ``Poisson`` and ``ShiftedGamma`` may be a
single value or a list with one value per SKU. ``setup(n_skus, rng)`` fixes the number
of SKUs (none of these models draws per-SKU parameters, so ``rng`` is left untouched).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import params

__all__ = ["LeadTimeModel", "Deterministic", "Poisson", "Discrete", "ShiftedGamma"]

#: Tolerance on the sum of ``Discrete`` probabilities.
PROBABILITY_TOLERANCE = 1e-9


def _as_array(key: str, value: Any) -> np.ndarray:
    return params.as_array("lead_time", key, value)


def _check(key: str, arr: np.ndarray, ok: np.ndarray, rule: str) -> None:
    params.check("lead_time", key, arr, ok, rule)


def _per_sku(key: str, arr: np.ndarray, n_skus: int) -> np.ndarray:
    return params.per_sku("lead_time", key, arr, n_skus)


def _non_negative_int(key: str, value: Any) -> np.ndarray:
    arr = _as_array(key, value)
    _check(key, arr, np.isfinite(arr) & (arr >= 0), ">= 0")
    _check(key, arr, arr == np.round(arr), "an integer number of periods")
    return arr.astype(np.int64)


def _non_negative(key: str, value: Any) -> np.ndarray:
    arr = _as_array(key, value)
    _check(key, arr, np.isfinite(arr) & (arr >= 0), ">= 0")
    return arr


def _check_order(mean: np.ndarray, shift: np.ndarray, *, strict: bool) -> None:
    """Refuse a mean below the shift (``strict``: at or below it, as a shifted gamma
    needs), naming the first SKU that does when there are several."""
    bad = np.flatnonzero(mean <= shift if strict else mean < shift)
    if bad.size:
        i = int(bad[0])
        where = f" (SKU {i})" if mean.shape[0] > 1 else ""
        if strict:
            raise ValueError(
                f"lead_time mean(={params.show(float(mean[i]))}) must be > "
                f"shift(={params.show(float(shift[i]))}){where}; "
                "use Deterministic for a fixed lead time"
            )
        raise ValueError(
            f"lead_time mean(={params.show(float(mean[i]))}) must be >= "
            f"shift(={int(shift[i])}){where}"
        )


class LeadTimeModel(ABC):
    """Base class of every lead-time model.

    Extension points for a new model:

    ``_setup(n_skus)``
        Optional. Broadcast per-SKU parameters (or draw them from ``self._rng_population``
        when heterogeneous by chance).
    ``_mean()``, ``_std()``
        Required. Per-SKU mean and std in periods, shape ``(n_skus,)``.
    ``_draw(rng, shape, sku)``
        Required. Real lead times of the given shape; ``sku`` has the shape's last axis
        (periodic grid) or the shape itself (continuous) and indexes per-SKU parameters.
    ``_periodic(x)``
        Maps real draws to whole periods; default: round to the nearest integer.

    Constructor parameters are keyword-only and are the YAML keys one to one.
    """

    def __init__(self) -> None:
        self._n_skus: int | None = None

    def setup(self, n_skus: int, rng: np.random.Generator) -> None:
        """Fix the number of SKUs; ``rng`` is the population stream."""
        if isinstance(n_skus, bool) or int(n_skus) != n_skus or n_skus < 1:
            raise ValueError(f"lead_time n_skus(={n_skus!r}) must be an integer >= 1")
        self._n_skus = int(n_skus)
        self._setup(self._n_skus, rng)

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        return None

    def _require_setup(self) -> int:
        if self._n_skus is None:
            raise RuntimeError(f"{type(self).__name__}: call setup(n_skus, rng) first")
        return self._n_skus

    @property
    def n_skus(self) -> int:
        return self._require_setup()

    def mean(self) -> np.ndarray:
        """Mean lead time in periods, per SKU."""
        self._require_setup()
        return self._mean()

    def std(self) -> np.ndarray:
        """Standard deviation of the lead time in periods, per SKU."""
        self._require_setup()
        return self._std()

    @abstractmethod
    def _mean(self) -> np.ndarray: ...

    @abstractmethod
    def _std(self) -> np.ndarray: ...

    @abstractmethod
    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray: ...

    def _periodic(self, x: np.ndarray) -> np.ndarray:
        return np.rint(x).astype(np.int64)

    @property
    def constant(self) -> int | None:
        """The lead time of every order when it is one fixed number of periods, else None
        (the engine then needs no per-order grid)."""
        return None

    def sample(self, rng: np.random.Generator, n_periods: int) -> np.ndarray:
        """Lead time (whole periods, int64 >= 0) of an order placed in period ``t`` for SKU
        ``i``: shape ``(n_periods, n_skus)``."""
        n = self.n_skus
        if isinstance(n_periods, bool) or int(n_periods) != n_periods or n_periods < 0:
            raise ValueError(f"lead_time n_periods(={n_periods!r}) must be an integer >= 0")
        shape = (int(n_periods), n)
        return self._periodic(self._draw(rng, shape, np.arange(n)))

    def sample_continuous(
        self, rng: np.random.Generator, size: int, sku: np.ndarray | None = None
    ) -> np.ndarray:
        """``size`` lead times (float >= 0, time units) for continuous review.

        ``sku`` gives the SKU of each order (shape ``(size,)``); it may be omitted when
        all SKUs share the same parameters.
        """
        n = self.n_skus
        if isinstance(size, bool) or int(size) != size or size < 0:
            raise ValueError(f"lead_time size(={size!r}) must be an integer >= 0")
        size = int(size)
        if sku is None:
            if not self._homogeneous():
                raise ValueError(
                    f"{type(self).__name__} lead times differ by SKU; pass sku= (the SKU "
                    "index of each order) to sample_continuous"
                )
            sku = np.zeros(size, dtype=np.int64)
        else:
            sku = np.asarray(sku, dtype=np.int64)
            if sku.shape != (size,) or (size and (sku.min() < 0 or sku.max() >= n)):
                raise ValueError(
                    f"lead_time sku must hold {size} SKU indices in [0, {n}), got shape {sku.shape}"
                )
        return self._draw(rng, (size,), sku).astype(np.float64)

    def _homogeneous(self) -> bool:
        return True


class Deterministic(LeadTimeModel):
    """A fixed lead time of ``value`` periods (an integer >= 0, or one per SKU)."""

    def __init__(self, *, value: int | Sequence[int]) -> None:
        super().__init__()
        self._value = _non_negative_int("value", value)
        self._values: np.ndarray | None = None

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        self._values = _per_sku("value", self._value, n_skus)

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


class Poisson(LeadTimeModel):
    """``shift + Poisson(mean - shift)`` periods; ``mean >= shift``, ``shift`` an integer."""

    def __init__(self, *, mean: float | Sequence[float], shift: int | Sequence[int] = 0) -> None:
        super().__init__()
        self._mean_in = _non_negative("mean", mean)
        self._shift_in = _non_negative_int("shift", shift)
        if self._mean_in.ndim == 0 and self._shift_in.ndim == 0:
            _check_order(self._mean_in.reshape(1), self._shift_in.reshape(1), strict=False)
        self._mu: np.ndarray | None = None
        self._shift: np.ndarray | None = None

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        self._mu = _per_sku("mean", self._mean_in, n_skus)
        self._shift = _per_sku("shift", self._shift_in, n_skus)
        _check_order(self._mu, self._shift, strict=False)

    def _mean(self) -> np.ndarray:
        return self._mu.copy()

    def _std(self) -> np.ndarray:
        return np.sqrt(self._mu - self._shift)

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray:
        lam = np.broadcast_to((self._mu - self._shift)[sku], shape)
        return self._shift[sku] + rng.poisson(lam)

    def _periodic(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.int64)

    def _homogeneous(self) -> bool:
        return self._mean_in.ndim == 0 and self._shift_in.ndim == 0


class Discrete(LeadTimeModel):
    """An empirical lead-time distribution, the same for every SKU: ``values`` (integers
    >= 0) taken with ``probabilities`` (each in [0, 1], summing to 1 within 1e-9)."""

    def __init__(self, *, values: Sequence[int], probabilities: Sequence[float]) -> None:
        super().__init__()
        vals = _non_negative_int("values", values)
        probs = _as_array("probabilities", probabilities)
        if vals.ndim != 1 or probs.ndim != 1:
            raise ValueError(
                f"lead_time values(={values!r}) and probabilities(={probabilities!r}) must be lists"
            )
        if vals.shape != probs.shape:
            raise ValueError(
                f"lead_time values has {vals.shape[0]} entries but probabilities has "
                f"{probs.shape[0]}"
            )
        _check("probabilities", probs, (probs >= 0) & (probs <= 1), "in [0, 1]")
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


class ShiftedGamma(LeadTimeModel):
    """``shift + Gamma``: total mean ``mean`` (> ``shift``), cv ``cv`` (> 0) of the gamma
    part. Rounded to the nearest period in periodic review, unrounded in continuous."""

    def __init__(
        self,
        *,
        shift: float | Sequence[float],
        mean: float | Sequence[float],
        cv: float | Sequence[float],
    ) -> None:
        super().__init__()
        self._shift_in = _non_negative("shift", shift)
        self._mean_in = _non_negative("mean", mean)
        self._cv_in = _as_array("cv", cv)
        _check("cv", self._cv_in, np.isfinite(self._cv_in) & (self._cv_in > 0), "> 0")
        if self._mean_in.ndim == 0 and self._shift_in.ndim == 0:
            _check_order(self._mean_in.reshape(1), self._shift_in.reshape(1), strict=True)
        self._shift: np.ndarray | None = None
        self._excess: np.ndarray | None = None
        self._cv: np.ndarray | None = None

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        self._shift = _per_sku("shift", self._shift_in, n_skus)
        mean = _per_sku("mean", self._mean_in, n_skus)
        _check_order(mean, self._shift, strict=True)
        self._excess = mean - self._shift
        self._cv = _per_sku("cv", self._cv_in, n_skus)

    def _mean(self) -> np.ndarray:
        return self._shift + self._excess

    def _std(self) -> np.ndarray:
        return self._cv * self._excess

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, ...], sku: np.ndarray
    ) -> np.ndarray:
        cv2 = self._cv[sku] ** 2
        shape_param = np.broadcast_to(1.0 / cv2, shape)
        return self._shift[sku] + rng.standard_gamma(shape_param) * (self._excess[sku] * cv2)

    def _homogeneous(self) -> bool:
        return self._shift_in.ndim == 0 and self._mean_in.ndim == 0 and self._cv_in.ndim == 0
