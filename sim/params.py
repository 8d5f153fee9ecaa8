"""Validation of numeric model parameters as they come from the configuration.

A parameter is a number or a flat list with one value per SKU (Hydra hands lists over as
OmegaConf ``ListConfig``). Errors name the section, the key, the SKU index for lists and the
bad value, e.g. ``demand mean[3](=-2) must be > 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["as_array", "check", "per_sku", "show", "whole_periods"]


def show(x: float) -> str:
    """A value as a person would write it: whole numbers without a trailing ``.0``."""
    return str(int(x)) if np.isfinite(x) and float(x).is_integer() else repr(float(x))


def as_array(section: str, key: str, value: Any) -> np.ndarray:
    """A number (0-d) or a flat list (1-d) as float64, or a ValueError naming the key."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{section} {key}(={value!r}) must be a number or a list of numbers")
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        value = list(value)
        if len(value) == 0:
            raise ValueError(f"{section} {key}(=[]) must not be empty")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{section} {key}(={value!r}) must be a number or a list of numbers"
        ) from None
    if arr.ndim > 1:
        raise ValueError(f"{section} {key}(={value!r}) must be a number or a flat list")
    return arr


def check(section: str, key: str, arr: np.ndarray, ok: np.ndarray, rule: str) -> None:
    """Raise naming the key (and the SKU index, for lists) of the first value failing ``ok``."""
    bad = np.flatnonzero(~np.atleast_1d(ok))
    if bad.size:
        if arr.ndim == 0:
            raise ValueError(f"{section} {key}(={show(float(arr))}) must be {rule}")
        i = int(bad[0])
        raise ValueError(f"{section} {key}[{i}](={show(float(arr[i]))}) must be {rule}")


def per_sku(section: str, key: str, arr: np.ndarray, n_skus: int) -> np.ndarray:
    """Broadcast a validated number or per-SKU array to shape ``(n_skus,)`` (a copy)."""
    if arr.ndim == 0:
        return np.full(n_skus, arr[()])
    if arr.shape[0] != n_skus:
        raise ValueError(
            f"{section} {key} has {arr.shape[0]} per-SKU values but the network has "
            f"n_skus={n_skus}; give one value or a list of {n_skus}"
        )
    return arr.copy()


def whole_periods(key: str, value: Any, low: int = 1) -> np.ndarray:
    """A whole number of periods ``>= low``, or a flat list of them, as int64 (0-d or 1-d);
    else a ValueError naming ``key`` (with the index, for lists) and the bad value."""
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iuf" or arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"{key}(={value!r}) must be whole numbers of periods >= {low}")
    values = arr.astype(float)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (values >= low) & (values == np.floor(values))
    bad = np.flatnonzero(~np.atleast_1d(ok))
    if bad.size:
        where, x = (key, values) if arr.ndim == 0 else (f"{key}[{bad[0]}]", values[bad[0]])
        raise ValueError(f"{where}(={show(float(x))}) must be a whole number of periods >= {low}")
    return values.astype(np.int64)
