"""Replenishment lead times: how many periods pass between placing and receiving an order.

Periodic review uses a pre-sampled grid: :meth:`LeadTimeModel.sample` draws the lead time
of an order placed in period ``t`` for SKU ``i`` for a whole run at once, so rival
policies replayed on the same streams face the same lead times (common random numbers),
whether they order in a period or not. Lead times are drawn independently per order, so
orders can cross (a later order may arrive first; Zalkind 1978 and Bradley & Robinson
2005 discuss the consequences). Continuous review draws lead times one order at a time
with :meth:`LeadTimeModel.sample_continuous`.

Models (choose by class; one module each, the contract :class:`LeadTimeModel` in
:mod:`sim.leadtime.base`):

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
from typing import Any

import numpy as np

from sim import params
from sim.checks import Section, is_whole

__all__ = ["LEAD_TIME", "LeadTimeModel", "check_order", "check_order_given", "non_negative_int"]

#: The section every lead-time message names.
LEAD_TIME = Section("lead_time")


def non_negative_int(key: str, value: Any) -> np.ndarray:
    """Whole numbers of periods >= 0, one or one per SKU, as int64."""
    arr = LEAD_TIME.array(key, value)
    LEAD_TIME.check(key, arr, np.isfinite(arr) & (arr >= 0), ">= 0")
    LEAD_TIME.check(key, arr, arr == np.round(arr), "an integer number of periods")
    return arr.astype(np.int64)


def check_order(mean: np.ndarray, shift: np.ndarray, *, strict: bool) -> None:
    """Refuse a per-SKU mean below the shift (``strict``: at or below it, as a shifted gamma
    needs), naming the first SKU that does when there are several. Models check their
    per-SKU values at setup, and a single mean and shift already in ``__init__``
    (:func:`check_order_given`)."""
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


def check_order_given(mean: np.ndarray, shift: np.ndarray, *, strict: bool) -> None:
    """:func:`check_order` of the configured ``mean`` and ``shift`` when both are single
    numbers (per-SKU lists wait for setup, which knows the SKU count)."""
    if mean.ndim == 0 and shift.ndim == 0:
        check_order(mean.reshape(1), shift.reshape(1), strict=strict)


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
        if not is_whole(n_skus, 1):
            raise ValueError(f"lead_time n_skus(={n_skus!r}) must be an integer >= 1")
        self._n_skus = int(n_skus)
        self._setup(self._n_skus, rng)

    def _setup(self, n_skus: int, rng: np.random.Generator) -> None:
        """Optional: broadcast (or draw) the per-SKU parameters."""
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
        """Real draws to whole periods: the nearest integer."""
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
        if not is_whole(n_periods, 0):
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
        if not is_whole(size, 0):
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
        """Whether every SKU has the same parameters (``sku`` may then be omitted)."""
        return True
