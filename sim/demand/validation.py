"""Checks of the demand parameters as they come from the configuration (``demand.*``).

Every demand module validates through these, so a bad value reads the same whichever
family or part of the modulation takes it: the section, the key, the SKU index for
lists and the value, e.g. ``demand mean[3](=-2) must be > 0``. The per-SKU checks are
:class:`sim.checks.Section`'s, shared with the lead-time models; the single-number checks
below are the demand's own (modulation and spreads take one number for all SKUs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import params
from sim.checks import Section, is_whole

__all__ = [
    "DEMAND",
    "MAX_MEAN",
    "check_block",
    "non_negative_scalar",
    "scalar",
    "scalar_in",
    "parse_shelf_life",
    "spread_needs_scalar",
]

#: The section every demand message names.
DEMAND = Section("demand")
#: Largest configured mean demand per period of a SKU: beyond it the samplers lose precision
#: and SciPy's tail quantiles fail (NaN from 1e12 on); 1e10 leaves room for ``mean_spread``.
MAX_MEAN = 1e10


def _single(key: str, value: Any) -> np.ndarray:
    arr = DEMAND.array(key, value)
    if arr.ndim:
        raise ValueError(f"demand {key}(={value!r}) must be a single number")
    return arr


def scalar(key: str, value: Any) -> float:
    """One finite number."""
    arr = _single(key, value)
    DEMAND.check(key, arr, np.isfinite(arr), "finite")
    return float(arr)


def non_negative_scalar(key: str, value: Any) -> float:
    """One finite number >= 0."""
    arr = _single(key, value)
    DEMAND.check(key, arr, np.isfinite(arr) & (arr >= 0), ">= 0")
    return float(arr)


def scalar_in(key: str, value: Any, low: float, high: float) -> float:
    """One number in ``[low, high]``."""
    arr = _single(key, value)
    DEMAND.check(key, arr, (arr >= low) & (arr <= high), f"in [{low:g}, {high:g}]")
    return float(arr)


def spread_needs_scalar(key: str, arr: np.ndarray, spread_key: str, spread: float) -> None:
    """Refuse a population spread on top of a per-SKU list: the list already says how the
    SKUs differ."""
    if spread > 0 and arr.ndim:
        raise ValueError(
            f"demand {spread_key}(={spread}) needs a single {key}; a per-SKU list of "
            f"{key} is already heterogeneous"
        )


def parse_shelf_life(value: Any) -> np.ndarray | None:
    """``shelf_life``: null, or whole periods >= 1 (one number, or one per SKU)."""
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        value = list(value)  # a ListConfig from Hydra
    return params.whole_periods("demand.shelf_life", value)


def check_block(start: int, n_periods: int) -> None:
    """Refuse a block of periods that is not ``start`` (any integer) and ``n_periods >= 0``.

    A negative start reaches before the simulation's period 0: the demand history a
    forecaster is fitted on before the run begins."""
    if not is_whole(start):
        raise ValueError(f"demand start(={start!r}) must be an integer")
    if not is_whole(n_periods, 0):
        raise ValueError(f"demand n_periods(={n_periods!r}) must be an integer >= 0")
